//! One module per subcommand. Each turns its arguments into calls on the
//! library and reports through `output`; none holds business logic.

pub mod audit;
pub mod canary;
pub mod completions;
pub mod cp;
pub mod delete;
pub mod diff;
pub mod doctor;
pub mod exec;
pub mod inject;
pub mod kv;
pub mod man;
pub mod rotate;
pub mod status;
pub mod sync;
pub mod sync_convert;
pub mod webhook;
pub mod whoami;

use crate::cli::{Cli, Command, GlobalArgs};
use crate::exit::{Code, Result};
use crate::output::Printer;
use crate::store::{kube::KubeConfig, local::LocalConfig, vault::VaultConfig, StoreConfig, Stores};

/// Store settings: environment first, then flags on top (flags beat env).
pub fn store_config(global: &GlobalArgs) -> StoreConfig {
    let mut config = StoreConfig {
        vault: VaultConfig::from_env(),
        local: LocalConfig::from_env(),
        kube: KubeConfig::from_env(),
        rate_limits: Default::default(),
    };
    if let Some(path) = &global.kubeconfig {
        config.kube.kubeconfig = Some(path.clone());
    }
    if let Some(context) = &global.context {
        config.kube.context = Some(context.clone());
    }
    if let Some(ns) = &global.namespace {
        config.kube.namespace = Some(ns.clone());
    }
    if let Some(addr) = &global.vault_addr {
        config.vault.addr = Some(addr.clone());
    }
    if let Some(ns) = &global.vault_namespace {
        config.vault.namespace = Some(ns.clone());
    }
    if let Some(dir) = &global.local_store {
        config.local.root = Some(dir.clone());
    }
    config
}

pub async fn dispatch(cli: Cli) -> Result<Code> {
    let global = cli.global;
    let printer = &Printer::new(&global);
    let stores = || Stores::new(store_config(&global));
    match cli.command {
        Command::Get(args) => kv::get(&stores(), printer, args).await,
        Command::Put(args) => kv::put(store_config(&global), printer, args).await,
        Command::Ls(args) => kv::ls(&stores(), args).await,
        Command::History(args) => kv::history(&stores(), printer, args).await,
        Command::Delete(args) => delete::run(&stores(), printer, args).await,
        Command::Cp(args) => cp::run(&stores(), printer, args).await,
        Command::Diff(args) => return diff::run(&stores(), printer, args).await,
        Command::Exec(args) => return exec::run(store_config(&global), printer, args).await,
        Command::Inject(args) => inject::run(&global, printer, args),
        Command::Webhook(args) => webhook::run(&global, printer, args).await,
        Command::Completions(args) => completions::run(args),
        Command::Man(args) => man::run(args),
        Command::Audit(args) => return audit::run(&global, printer, *args).await,
        Command::Canary(args) => return canary::run(&stores(), printer, args).await,
        Command::Sync(args) => return sync::run(&global, printer, args).await,
        Command::Status(args) => return status::run(&global, printer, args).await,
        Command::Rotate(args) => return rotate::run(&global, printer, args).await,
        Command::Doctor(args) => return doctor::run(store_config(&global), printer, args).await,
        Command::Whoami(args) => return whoami::run(store_config(&global), printer, args).await,
    }
    .map(|()| Code::Success)
}

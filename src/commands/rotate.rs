//! `kvault rotate REF`: make the new value (generator, stdin or the
//! server's password policy), ask for confirmation on a terminal, run the
//! rotation engine, print its summary.
//!
//! Test hook: `KVAULT_ROTATE_TEST_PAUSE_AFTER=POINT[:SECONDS]`, POINT one of
//! `read|create|propagate|verify`, makes the run sleep after that point
//! (60 s unless given; after printing `test hook: pausing ...`), so that the integration tests can kill it
//! there and check `--resume`. It changes no data and is documented here
//! rather than in `--help` because it is for tests only.

use crate::cli::rotate::RotateArgs;
use crate::cli::GlobalArgs;
use crate::exit::{Code, Failure, Result};
use crate::output;
use crate::output::Format;
use crate::output::Printer;
use crate::rotate::generate::{self, Spec};
use crate::rotate::{self as engine, Hooks, Pause, Request, RotateError};
use crate::store::{Reference, SecretValue, StoreConfig, Stores};
use crate::sync::kube_cluster::KubeCluster;
use crate::sync::Cluster;
use std::io::IsTerminal;
use std::time::Duration;

/// The test hook's variable (see the module doc).
pub const PAUSE_VAR: &str = "KVAULT_ROTATE_TEST_PAUSE_AFTER";
const TEST_PAUSE: Duration = Duration::from_secs(60);

pub async fn run(global: &GlobalArgs, printer: &Printer, args: RotateArgs) -> Result<Code> {
    let config = super::store_config(global);
    let stores = Stores::new(config.clone());
    let (request, cluster) = request(&args, &stores, &config).await?;
    let interactive =
        !args.yes && std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
    let progress = |line: &str| printer.status(line);
    let confirm = |what: &str| {
        if !interactive {
            tracing::info!("no terminal or --yes: proceeding without confirmation");
            return Ok(true);
        }
        crate::prompt::confirm(what)
    };
    let hooks = Hooks {
        progress: &progress,
        confirm: &confirm,
    };
    let cluster = cluster.as_ref().map(|c| c as &dyn Cluster);
    match engine::run(&request, &stores, cluster, &hooks).await {
        Ok(report) => {
            if args.output.is_structured() {
                output::structured(args.output, &report)?;
            }
            Code::of_rotation(&report)
        }
        // Ctrl-C at the prompt: no answer document, as for any prompt.
        Err(RotateError::Interrupted(e)) => Err(e.into()),
        Err(e) => Err(failed(&request, Failure::from(e), args.output)?),
    }
}

/// The engine's request from the arguments: the new value made (unless
/// `--resume`), the cluster connected when rollouts need it.
async fn request(
    args: &RotateArgs,
    stores: &Stores,
    config: &StoreConfig,
) -> Result<(Request, Option<KubeCluster>)> {
    let reference = Reference::parse(&args.reference)?;
    let plan = args.plan.as_deref().map(super::sync::load).transpose()?;
    let value = if args.resume {
        None
    } else {
        Some(new_value(args, stores).await?)
    };
    let cluster = match &plan {
        Some(plan) if args.rollout && plan.needs_cluster(false) => {
            Some(KubeCluster::connect(&config.kube).await.map_err(|e| {
                Failure::from(e).context("cannot connect to Kubernetes for rollouts")
            })?)
        }
        _ => None,
    };
    // Recorded with a pending rotation, for `--resume` without `--plan`.
    let plan_file = args.plan.as_deref().map(|p| {
        std::fs::canonicalize(p)
            .unwrap_or_else(|_| p.to_path_buf())
            .display()
            .to_string()
    });
    let request = Request {
        reference,
        value,
        plan,
        plan_file,
        rollout: args.rollout,
        if_older_than: args.if_older_than,
        dry_run: args.dry_run,
        resume: args.resume,
        pause_after: test_pause()?,
    };
    Ok((request, cluster))
}

/// A failed run: a pipeline reading stdout gets an answer too; the message
/// (never a value) also goes to stderr, as the failure returned.
fn failed(request: &Request, failure: Failure, format: Format) -> Result<Failure> {
    if format.is_structured() {
        output::structured(
            format,
            &serde_json::json!({
                "reference": request.reference.to_string(),
                "outcome": "failed",
                "error": failure.message,
                "exit_code": failure.code.value(),
            }),
        )?;
    }
    Ok(failure)
}

async fn new_value(args: &RotateArgs, stores: &Stores) -> Result<SecretValue> {
    if let Some(from) = &args.value {
        // Checked here, not by clap, whose message would echo what was typed:
        // it may be the value itself.
        if from != "-" {
            return Err(Failure::error(
                "--value accepts only `-` (read the value from stdin); values never go on the command line",
            ));
        }
        let bytes = crate::prompt::secret_value("the new value")?
            .map_err(|e| Failure::error(format!("cannot read the new value from stdin: {e}")))?;
        let end = bytes.len();
        if end == 0 {
            return Err(Failure::error("the new value read from stdin is empty"));
        }
        return Ok(SecretValue::new(bytes[..end].to_vec()));
    }
    let text = args.generate.as_deref().unwrap_or("password");
    let spec = generate::parse(text).map_err(|e| Failure::error(format!("--generate: {e}")))?;
    if let Spec::Policy(name) = &spec {
        let vault = stores.vault().await?;
        return Ok(vault.generate_password(name).await?);
    }
    let value = generate::generate(&spec)
        .map_err(|e| Failure::error(format!("--generate: {e}")))?
        .ok_or_else(|| Failure::error("--generate: no value was made"))?;
    Ok(SecretValue::from_str_value(&value))
}

fn test_pause() -> Result<Option<(Pause, Duration)>> {
    let Ok(text) = std::env::var(PAUSE_VAR) else {
        return Ok(None);
    };
    let (point, seconds) = match text.split_once(':') {
        Some((point, s)) => (point, s.parse().ok()),
        None => (text.as_str(), Some(TEST_PAUSE.as_secs())),
    };
    match (Pause::parse(point), seconds) {
        (Some(p), Some(s)) => Ok(Some((p, Duration::from_secs(s)))),
        _ => Err(Failure::error(format!(
            "{PAUSE_VAR}=`{text}`: expected read, create, propagate or verify, optionally :SECONDS"
        ))),
    }
}

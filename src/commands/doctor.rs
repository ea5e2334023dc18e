//! `kvault doctor`: every store's settings, reachability, credentials and
//! access, each failure with its fix.

use crate::cli::doctor::{Area, DoctorArgs};
use crate::doctor::{self, Check};
use crate::exit::{Code, Result};
use crate::output::{self, Format, Printer};
use crate::store::StoreConfig;

pub async fn run(config: StoreConfig, printer: &Printer, args: DoctorArgs) -> Result<Code> {
    let wanted = |area| args.stores.is_empty() || args.stores.contains(&area);
    // The stores are independent: asked at once, reported in a fixed order.
    let (vault, kube, local) = tokio::join!(
        async {
            if wanted(Area::Vault) {
                doctor::vault(&config.vault).await
            } else {
                Vec::new()
            }
        },
        async {
            if wanted(Area::K8s) {
                doctor::kube(&config.kube).await
            } else {
                Vec::new()
            }
        },
        async {
            if wanted(Area::Local) {
                doctor::local(&config.local).await
            } else {
                Vec::new()
            }
        },
    );
    let checks: Vec<Check> = vault.into_iter().chain(kube).chain(local).collect();
    print(printer, &checks, args.output)?;
    Ok(Code::of_doctor(&checks))
}

fn print(printer: &Printer, checks: &[Check], format: Format) -> Result<()> {
    match format {
        Format::Table => {
            let rows = checks
                .iter()
                .map(|c| {
                    let detail = match &c.fix {
                        Some(fix) => format!("{}\nfix: {fix}", c.detail),
                        None => c.detail.clone(),
                    };
                    vec![
                        c.store.to_string(),
                        c.check.to_string(),
                        c.state.to_string(),
                        detail,
                    ]
                })
                .collect();
            printer.table_styled(&["STORE", "CHECK", "STATE", "DETAIL"], rows, state_color)
        }
        format => output::structured(format, &checks),
    }
}

fn state_color(column: usize, text: &str) -> Option<comfy_table::Color> {
    use comfy_table::Color;
    match (column, text) {
        (2, "ok") => Some(Color::Green),
        (2, "warn") => Some(Color::Yellow),
        (2, "FAIL") => Some(Color::Red),
        _ => None,
    }
}

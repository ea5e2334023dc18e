//! `kvault canary run | create | check`.

use crate::canary::{self, Arrival, Canary, CanaryError};
use crate::cli::canary::{CanaryAction, CanaryArgs, CanaryFormat, CheckArgs};
use crate::cli::GlobalArgs;
use crate::exit::{Code, Failure, Result};
use crate::output;
use crate::store::{Reference, Stores};

pub async fn run(stores: &Stores, global: &GlobalArgs, args: CanaryArgs) -> Result<i32> {
    match args.action {
        CanaryAction::Create(a) => {
            let source = Reference::parse(&a.source)?;
            let store = stores.get(source.scheme).await?;
            let canary = canary::create(store.as_ref(), &source)
                .await
                .map_err(to_failure)?;
            match a.output {
                CanaryFormat::Json => {
                    output::structured(output::Format::Json, &created_json(&a.source, &canary))?
                }
                _ => output::status(
                    global.quiet,
                    format!("canary {} written at {}", canary.nonce, a.source),
                ),
            }
            Ok(Code::Success as i32)
        }
        CanaryAction::Check(a) => check(stores, global, a, None).await,
        CanaryAction::Run(a) => {
            let source = Reference::parse(&a.check.source)?;
            let store = stores.get(source.scheme).await?;
            let canary = canary::create(store.as_ref(), &source)
                .await
                .map_err(to_failure)?;
            tracing::info!(nonce = %canary.nonce, "canary written");
            check(stores, global, a.check, Some(canary)).await
        }
    }
}

fn created_json(source: &str, c: &Canary) -> serde_json::Value {
    serde_json::json!({ "source": source, "nonce": c.nonce, "sent_unix_ms": c.sent_ms, "version": c.version })
}

fn to_failure(e: CanaryError) -> Failure {
    match e {
        CanaryError::Store(s) => Failure::from(s),
        CanaryError::Timeout { .. } => Failure::no(e.to_string()),
        other => Failure::error(other.to_string()),
    }
}

async fn check(
    stores: &Stores,
    global: &GlobalArgs,
    a: CheckArgs,
    written: Option<Canary>,
) -> Result<i32> {
    let source = Reference::parse(&a.source)?;
    let target = Reference::parse(&a.target)?;
    let canary = match written {
        Some(c) => c,
        None => {
            let store = stores.get(source.scheme).await?;
            canary::current(store.as_ref(), &source)
                .await
                .map_err(to_failure)?
        }
    };
    let target_store = stores.get(target.scheme).await?;
    let outcome = canary::wait_for(target_store.as_ref(), &target, &canary, a.timeout).await;
    if let Some(file) = &a.metrics_file {
        write_metrics(file, &a.source, &a.target, outcome.as_ref())?;
    }
    report(global, &a, &canary, outcome.as_ref())?;
    match outcome {
        Ok(_) => Ok(Code::Success as i32),
        Err(e) => Err(to_failure(e)),
    }
}

fn report(
    global: &GlobalArgs,
    a: &CheckArgs,
    canary: &Canary,
    outcome: std::result::Result<&Arrival, &CanaryError>,
) -> Result<()> {
    match a.output {
        CanaryFormat::Text => {
            if let Ok(arrival) = outcome {
                output::status(
                    global.quiet,
                    format!(
                        "canary {} arrived at {} in {:.3}s",
                        canary.nonce,
                        a.target,
                        arrival.latency.as_secs_f64()
                    ),
                );
            }
            Ok(())
        }
        CanaryFormat::Json => output::structured(
            output::Format::Json,
            &serde_json::json!({
                "source": a.source,
                "target": a.target,
                "nonce": canary.nonce,
                "delivered": outcome.is_ok(),
                "latency_seconds": outcome.ok().map(|x| x.latency.as_secs_f64()),
                "target_reads": outcome.ok().map(|x| x.reads),
                "failure": outcome.err().map(|e| e.reason()),
            }),
        ),
        CanaryFormat::Prometheus => {
            output::stdout_bytes(canary::metrics("", &a.source, &a.target, outcome).as_bytes())
        }
    }
}

/// Replace the metrics file atomically, so a collector never reads half of it.
fn write_metrics(
    file: &std::path::Path,
    source: &str,
    target: &str,
    outcome: std::result::Result<&Arrival, &CanaryError>,
) -> Result<()> {
    let previous = std::fs::read_to_string(file).unwrap_or_default();
    let text = canary::metrics(&previous, source, target, outcome);
    let dir = file
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    let fail = |e: std::io::Error| {
        Failure::error(format!(
            "cannot write metrics file `{}`: {e}",
            file.display()
        ))
    };
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(fail)?;
    std::io::Write::write_all(&mut tmp, text.as_bytes()).map_err(fail)?;
    // Collectors run as another user: the metrics hold no secret, let them read it.
    use std::os::unix::fs::PermissionsExt;
    tmp.as_file()
        .set_permissions(std::fs::Permissions::from_mode(0o644))
        .map_err(fail)?;
    tmp.persist(file).map_err(|e| fail(e.error))?;
    Ok(())
}

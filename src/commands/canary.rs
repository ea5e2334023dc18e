//! `kvault canary run | create | check`.

use crate::canary::{self, Arrival, Canary, CanaryError, Metrics};
use crate::cli::canary::{CanaryAction, CanaryArgs, CheckArgs};
use crate::exit::{Code, Failure, Result};
use crate::output;
use crate::output::Format;
use crate::output::Printer;
use crate::store::{Reference, Stores};

pub async fn run(stores: &Stores, printer: &Printer, args: CanaryArgs) -> Result<Code> {
    match args.action {
        CanaryAction::Create(a) => {
            let source = Reference::parse(&a.source)?;
            let store = stores.get(source.scheme).await?;
            let canary = canary::create_marked(store.as_ref(), &source, a.honeytoken).await?;
            match a.output {
                Format::Json | Format::Yaml => {
                    let mut json = created_json(&a.source, &canary);
                    json["honeytoken"] = a.honeytoken.into();
                    output::structured(a.output, &json)?
                }
                _ => {
                    printer.status(format!("canary {} written at {}", canary.nonce, a.source));
                    if a.honeytoken {
                        printer.status(format!(
                            "a honeytoken: alarm on its reads with kvault audit access --honeytoken {} --allow-reader SYNCER",
                            a.source
                        ));
                    }
                }
            }
            Ok(Code::Success)
        }
        CanaryAction::Check(a) => {
            let metrics = previous_metrics(&a)?;
            check(stores, printer, a, None, metrics).await
        }
        CanaryAction::Run(a) => {
            // Before writing anything: a metrics file that cannot be
            // continued stops the run here.
            let metrics = previous_metrics(&a.check)?;
            let source = Reference::parse(&a.check.source)?;
            let store = stores.get(source.scheme).await?;
            let canary = canary::create(store.as_ref(), &source).await?;
            tracing::info!(nonce = %canary.nonce, "canary written");
            check(stores, printer, a.check, Some(canary), metrics).await
        }
    }
}

fn created_json(source: &str, c: &Canary) -> serde_json::Value {
    serde_json::json!({ "source": source, "nonce": c.nonce, "sent_unix_ms": c.sent_ms, "version": c.version })
}

async fn check(
    stores: &Stores,
    printer: &Printer,
    a: CheckArgs,
    written: Option<Canary>,
    mut metrics: Option<Metrics>,
) -> Result<Code> {
    let source = Reference::parse(&a.source)?;
    let target = Reference::parse(&a.target)?;
    let canary = match written {
        Some(c) => c,
        None => {
            let store = stores.get(source.scheme).await?;
            canary::current(store.as_ref(), &source).await?
        }
    };
    let target_store = stores.get(target.scheme).await?;
    let outcome = canary::wait_for(target_store.as_ref(), &target, &canary, a.timeout).await;
    if let (Some(file), Some(metrics)) = (&a.metrics_file, metrics.as_mut()) {
        metrics.record(outcome.as_ref());
        write_metrics(file, metrics)?;
    }
    report(printer, &a, &canary, outcome.as_ref())?;
    match outcome {
        Ok(_) => Ok(Code::Success),
        Err(e) => Err(e.into()),
    }
}

fn report(
    printer: &Printer,
    a: &CheckArgs,
    canary: &Canary,
    outcome: std::result::Result<&Arrival, &CanaryError>,
) -> Result<()> {
    match a.output {
        Format::Table => {
            if let Ok(arrival) = outcome {
                printer.status(format!(
                    "canary {} arrived at {} in {:.3}s",
                    canary.nonce,
                    a.target,
                    arrival.latency.as_secs_f64()
                ));
            }
            Ok(())
        }
        Format::Json | Format::Yaml => output::structured(
            a.output,
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
        Format::Prometheus => {
            let mut metrics = Metrics::new(&a.source, &a.target);
            metrics.record(outcome);
            output::stdout_bytes(metrics.render().as_bytes())
        }
        other => Err(output::not_offered(other)),
    }
}

/// The series of `--metrics-file` to continue (none without the flag). A
/// missing file starts from zero; an unreadable one, or one whose lines
/// for this pair are not as kvault writes them, is an error (exit 2) naming
/// the file and the line, unless `--reset-metrics`.
fn previous_metrics(a: &CheckArgs) -> Result<Option<Metrics>> {
    let Some(file) = &a.metrics_file else {
        return Ok(None);
    };
    let fresh = || Ok(Some(Metrics::new(&a.source, &a.target)));
    let help = "run with --reset-metrics to start its counters from zero";
    let previous = match std::fs::read_to_string(file) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return fresh(),
        Err(_) if a.reset_metrics => return fresh(),
        Err(e) => {
            return Err(Failure::error(format!(
                "cannot read metrics file `{}` to continue its counters: {e} ({help})",
                file.display()
            )))
        }
    };
    match Metrics::continue_from(&previous, &a.source, &a.target) {
        Ok(metrics) => Ok(Some(metrics)),
        Err(_) if a.reset_metrics => {
            tracing::warn!(
                "metrics file `{}`: starting the counters of {} -> {} from zero (--reset-metrics)",
                file.display(),
                a.source,
                a.target
            );
            fresh()
        }
        Err(e) => Err(Failure::error(format!(
            "metrics file `{}`, {e} (the series of `{}` -> `{}`); {help}",
            file.display(),
            a.source,
            a.target
        ))),
    }
}

/// Replace the metrics file atomically, so a collector never reads half of it.
fn write_metrics(file: &std::path::Path, metrics: &Metrics) -> Result<()> {
    let text = metrics.render();
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

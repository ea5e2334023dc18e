//! `kvault audit --benchmark cis`: the CIS Kubernetes Benchmark controls
//! kvault's checks answer, each with its result on this audit — FAIL with
//! the findings that fail it, PASS, or NOT CHECKED when the inputs could
//! not show it (no kube-apiserver flags for 1.2.16/1.2.27, no
//! `--audit-policy` for 3.2.x).

use crate::audit::{cis, Report};
use crate::exit::Result;
use crate::output::{self, Format, Printer};
use serde::Serialize;

#[derive(Serialize)]
struct ControlResult {
    id: &'static str,
    title: &'static str,
    result: &'static str,
    /// Ids of the findings that fail it, one per finding.
    findings: Vec<&'static str>,
}

#[derive(Serialize)]
struct Benchmark {
    benchmark: &'static str,
    controls: Vec<ControlResult>,
}

/// What the audit could judge.
pub struct Inputs {
    /// kube-apiserver's flags were among the inputs.
    pub apiserver_flags: bool,
    /// `--audit-policy` was given.
    pub audit_policy: bool,
}

fn results(report: &Report, inputs: &Inputs) -> Vec<ControlResult> {
    cis::CONTROLS
        .iter()
        .map(|control| {
            let naming = || {
                report
                    .findings
                    .iter()
                    .filter(|f| f.cis.contains(&control.id))
            };
            let findings: Vec<&'static str> = naming()
                .filter(|f| !cis::is_unknown(f.id))
                .map(|f| f.id.as_str())
                .collect();
            let unknown = naming().any(|f| cis::is_unknown(f.id))
                || (control.id == "1.2.16" && !inputs.apiserver_flags)
                || (control.id.starts_with("3.2.") && !inputs.audit_policy);
            let result = match (findings.is_empty(), unknown) {
                (false, _) => "FAIL",
                (true, true) => "NOT CHECKED",
                (true, false) => "PASS",
            };
            ControlResult {
                id: control.id,
                title: control.title,
                result,
                findings,
            }
        })
        .collect()
}

pub fn print(printer: &Printer, report: &Report, inputs: &Inputs, format: Format) -> Result<()> {
    let controls = results(report, inputs);
    match format {
        Format::Table => {
            let rows = controls
                .iter()
                .map(|c| {
                    let mut ids = c.findings.clone();
                    ids.sort_unstable();
                    ids.dedup();
                    let findings = match c.findings.len() {
                        0 => String::new(),
                        n => format!("{n}: {}", ids.join(", ")),
                    };
                    vec![
                        c.id.to_string(),
                        c.result.to_string(),
                        c.title.to_string(),
                        findings,
                    ]
                })
                .collect();
            printer.table(&["CONTROL", "RESULT", "TITLE", "FINDINGS"], rows)?;
            let count = |r: &str| controls.iter().filter(|c| c.result == r).count();
            printer.status(format!(
                "{}: {} controls, {} pass, {} fail, {} not checked",
                cis::BENCHMARK,
                controls.len(),
                count("PASS"),
                count("FAIL"),
                count("NOT CHECKED")
            ));
            Ok(())
        }
        Format::Json | Format::Yaml => output::structured(
            format,
            &Benchmark {
                benchmark: cis::BENCHMARK,
                controls,
            },
        ),
        other => Err(output::not_offered(other)),
    }
}

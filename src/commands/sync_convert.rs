//! `kvault sync convert PATH`: External Secrets Operator manifests as a
//! kvault plan on stdout; every field left out named on stderr.

use crate::cli::sync::ConvertArgs;
use crate::exit::{Code, Failure, Result};
use crate::output::{self, Printer};
use crate::sync::external_secrets;

pub fn run(_printer: &Printer, args: &ConvertArgs) -> Result<Code> {
    let docs = external_secrets::read(&args.path).map_err(Failure::error)?;
    let converted = external_secrets::convert(&docs);
    for line in &converted.untranslated {
        output::warning(line);
    }
    if converted.converted == 0 {
        return Err(Failure::error(format!(
            "{}: no ExternalSecret that kvault can run",
            args.path.display()
        )));
    }
    // The plan must load as any plan does: convert never prints one that
    // `sync -f` would refuse.
    crate::sync::plan::parse("the converted plan", &converted.plan)
        .map_err(|e| Failure::error(e.to_string()))?;
    output::stdout_bytes(converted.plan.as_bytes())?;
    Ok(Code::Success)
}

//! `kvault inject`: manifests in, the same manifests out with kvault in
//! their Pod templates.

use crate::cli::inject::InjectArgs;
use crate::cli::GlobalArgs;
use crate::exit::{Failure, Result};
use crate::mutate::inject_text;
use crate::output::{self, Printer};
use std::io::IsTerminal;

pub fn run(global: &GlobalArgs, printer: &Printer, args: InjectArgs) -> Result<()> {
    let limits = &crate::yaml::MANIFESTS;
    let (origin, text) = if args.file.as_os_str() == "-" {
        if std::io::stdin().is_terminal() {
            return Err(Failure::error(
                "kvault inject reads manifests from stdin, which is a terminal\nhelp: pass -f FILE, or pipe them in: helm template ... | kvault inject",
            ));
        }
        let text = crate::yaml::read(&mut std::io::stdin().lock(), limits)
            .map_err(|e| Failure::error(format!("cannot read stdin: {e}")))?;
        ("stdin".to_string(), text)
    } else {
        let origin = args.file.display().to_string();
        let text = crate::yaml::read_file(&args.file, limits)
            .map_err(|e| Failure::error(format!("cannot read `{origin}`: {e}")))?;
        (origin, text)
    };
    let settings = args.mutation.settings(global.vault_addr.as_ref());
    let injected =
        inject_text(&origin, &text, &settings).map_err(|e| Failure::error(e.to_string()))?;
    output::stdout_bytes(injected.text.as_bytes())?;
    match injected.changed.len() {
        0 => printer.status(format!("{origin}: nothing to inject")),
        n => printer.status(format!(
            "{origin}: injected {n} object{}: {}",
            if n == 1 { "" } else { "s" },
            injected.changed.join(", ")
        )),
    }
    Ok(())
}

//! `kvault completions SHELL | --dir DIR`: completion scripts from the clap
//! model. `completions/` in the repository holds the output of `--dir`, and
//! `tests/packaging.rs` checks it is current.

use crate::cli::{Cli, CompletionsArgs};
use crate::exit::{Failure, Result};
use clap::{CommandFactory, ValueEnum};
use clap_complete::{Generator, Shell};
use std::path::Path;

pub fn run(args: CompletionsArgs) -> Result<()> {
    match (args.shell, args.dir) {
        (Some(shell), None) => crate::output::stdout_bytes(&script(shell)),
        (None, Some(dir)) => write_files(&dir, &scripts()),
        // clap's argument group already insists on exactly one of them.
        _ => Err(Failure::error(
            "give either a SHELL or --dir DIR\nhelp: kvault completions --help",
        )),
    }
}

/// The completion script for one shell.
pub fn script(shell: Shell) -> Vec<u8> {
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "kvault", &mut buf);
    buf
}

/// One script per shell, named the way each shell looks for it:
/// `kvault.bash`, `kvault.elv`, `kvault.fish`, `_kvault.ps1`, `_kvault`.
pub fn scripts() -> Vec<(String, Vec<u8>)> {
    Shell::value_variants()
        .iter()
        .map(|&shell| (shell.file_name("kvault"), script(shell)))
        .collect()
}

/// Write generated files into `dir`, creating it if needed. Shared with `man`.
pub(crate) fn write_files(dir: &Path, files: &[(String, Vec<u8>)]) -> Result<()> {
    std::fs::create_dir_all(dir)
        .map_err(|e| Failure::error(format!("cannot create `{}`: {e}", dir.display())))?;
    for (name, bytes) in files {
        let path = dir.join(name);
        std::fs::write(&path, bytes)
            .map_err(|e| Failure::error(format!("cannot write `{}`: {e}", path.display())))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_script_per_shell_with_the_names_shells_look_for() {
        let names: Vec<String> = scripts().into_iter().map(|(name, _)| name).collect();
        for expected in [
            "kvault.bash",
            "_kvault",
            "kvault.fish",
            "_kvault.ps1",
            "kvault.elv",
        ] {
            assert!(
                names.iter().any(|n| n == expected),
                "{expected} in {names:?}"
            );
        }
        assert_eq!(names.len(), 5);
    }

    #[test]
    fn scripts_are_deterministic() {
        assert_eq!(scripts(), scripts());
    }
}

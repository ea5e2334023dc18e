//! `kvault completions SHELL | --dir DIR`: the scripts that register
//! kvault's completion with a shell. They are small: at each TAB the shell
//! asks `kvault` itself (`COMPLETE=SHELL kvault -- WORDS`, clap's dynamic
//! completion, see `crate::complete`), so candidates can come from the
//! stores and never go stale. `completions/` in the repository holds the
//! output of `--dir`, and `tests/packaging.rs` checks it is current.

use crate::cli::CompletionsArgs;
use crate::exit::{Failure, Result};
use clap::ValueEnum;
use clap_complete::env::{EnvCompleter, Shells};
use clap_complete::Shell;
use std::ffi::OsString;
use std::path::Path;

/// The variable that turns a run of kvault into a completion request.
pub const VAR: &str = "COMPLETE";

/// The shells kvault registers with: clap's, but bash is our own.
pub const SHELLS: Shells<'static> = Shells(&[
    &BashByLine,
    &clap_complete::env::Elvish,
    &clap_complete::env::Fish,
    &clap_complete::env::Powershell,
    &ZshByValue,
]);

/// Answer a completion request and exit, if this run is one.
pub fn answer_if_asked() {
    clap_complete::CompleteEnv::with_factory(crate::cli::command)
        .var(VAR)
        .shells(SHELLS)
        .complete();
}

/// Bash, with the words taken from the line as typed. Bash splits words at
/// `COMP_WORDBREAKS` (`:` and `=` among them), so `vault:secret/app` would
/// reach kvault as three words and a candidate would replace only what
/// follows the colon; clap's script passes bash's words. This one splits
/// the line up to the cursor at blanks, and trims each candidate to the
/// part bash replaces (as bash-completion's `__ltrim_colon_completions`).
/// No `bashdefault`: where kvault has nothing to offer, bash offers no
/// file names either.
pub struct BashByLine;

const BASH_SCRIPT: &str = r#"
_kvault_complete() {
    local IFS=$'\013'
    local line=${COMP_LINE:0:COMP_POINT}
    local -a words
    IFS=$' \t\n' read -r -a words <<< "$line"
    if [[ -z $line || $line == *[[:space:]] ]]; then
        words+=("")
    fi
    local cword=$(( ${#words[@]} - 1 ))
    local cur=${words[cword]}
    COMPREPLY=( $( \
        _CLAP_IFS="$IFS" \
        _CLAP_COMPLETE_INDEX="$cword" \
        _CLAP_COMPLETE_COMP_TYPE="${COMP_TYPE}" \
        _CLAP_COMPLETE_SPACE=false \
        VAR="bash" \
        "COMPLETER" -- "${words[@]}" \
    ) )
    if [[ $? != 0 ]]; then
        unset COMPREPLY
        return
    fi
    local kept=${cur##*[:=]}
    local cut=${cur%"$kept"}
    if [[ -n $cut && $COMP_WORDBREAKS == *[:=]* ]]; then
        COMPREPLY=( "${COMPREPLY[@]#"$cut"}" )
    fi
    if [[ ${#COMPREPLY[@]} == 1 && ${COMPREPLY[0]} =~ [=/:]$ ]]; then
        compopt -o nospace
    fi
}
complete -F _kvault_complete BIN
"#;

/// A registration script with its placeholders filled; the completer's
/// path shell-quoted.
fn fill(script: &str, var: &str, bin: &str, completer: &str) -> String {
    let completer = shlex::try_quote(completer)
        .map(|c| c.into_owned())
        .unwrap_or_else(|_| completer.to_string());
    script
        .replace("BIN", bin)
        .replace("COMPLETER", &completer)
        .replace("VAR", var)
}

/// Zsh, with a prefix that is not a whole word yet (`vault:`,
/// `local:app/`) completed without a space after it. clap's script adds
/// the space unless the value ends in `/`, and reads `:` as the start of a
/// description; this one passes bare values, one per line.
pub struct ZshByValue;

const ZSH_SCRIPT: &str = r#"#compdef BIN
function _kvault_complete() {
    local -a values open whole
    values=("${(@f)$( \
        _CLAP_IFS=$'\n' \
        _CLAP_COMPLETE_INDEX=$(( CURRENT - 1 )) \
        VAR="zsh" \
        "COMPLETER" -- "${words[@]}" 2>/dev/null \
    )}")
    local value
    for value in $values; do
        [[ -z $value ]] && continue
        if [[ $value == *[/:=] ]]; then
            open+=("$value")
        else
            whole+=("$value")
        fi
    done
    (( ${#open} )) && compadd -S '' -- "${open[@]}"
    (( ${#whole} )) && compadd -- "${whole[@]}"
}
compdef _kvault_complete BIN
"#;

impl EnvCompleter for ZshByValue {
    fn name(&self) -> &'static str {
        "zsh"
    }
    fn is(&self, name: &str) -> bool {
        name == "zsh"
    }
    fn write_registration(
        &self,
        var: &str,
        _name: &str,
        bin: &str,
        completer: &str,
        buf: &mut dyn std::io::Write,
    ) -> std::result::Result<(), std::io::Error> {
        buf.write_all(fill(ZSH_SCRIPT, var, bin, completer).as_bytes())
    }
    fn write_complete(
        &self,
        cmd: &mut clap::Command,
        mut args: Vec<OsString>,
        current_dir: Option<&std::path::Path>,
        buf: &mut dyn std::io::Write,
    ) -> std::result::Result<(), std::io::Error> {
        let index: usize = std::env::var("_CLAP_COMPLETE_INDEX")
            .ok()
            .and_then(|i| i.parse().ok())
            .unwrap_or_default();
        if args.len() == index {
            args.push("".into());
        }
        let found = clap_complete::engine::complete(cmd, args, index, current_dir)?;
        for candidate in found {
            writeln!(buf, "{}", candidate.get_value().to_string_lossy())?;
        }
        Ok(())
    }
}

impl EnvCompleter for BashByLine {
    fn name(&self) -> &'static str {
        "bash"
    }
    fn is(&self, name: &str) -> bool {
        name == "bash"
    }
    fn write_registration(
        &self,
        var: &str,
        _name: &str,
        bin: &str,
        completer: &str,
        buf: &mut dyn std::io::Write,
    ) -> std::result::Result<(), std::io::Error> {
        buf.write_all(
            fill(BASH_SCRIPT, var, bin, completer)
                .trim_start()
                .as_bytes(),
        )
    }
    fn write_complete(
        &self,
        cmd: &mut clap::Command,
        args: Vec<OsString>,
        current_dir: Option<&std::path::Path>,
        buf: &mut dyn std::io::Write,
    ) -> std::result::Result<(), std::io::Error> {
        clap_complete::env::Bash.write_complete(cmd, args, current_dir, buf)
    }
}

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

/// The registration script for one shell, calling `kvault` on PATH.
pub fn script(shell: Shell) -> Vec<u8> {
    let name = shell.to_string();
    let completer = SHELLS
        .completer(&name)
        .expect("every clap_complete::Shell has an env completer");
    let mut buf = Vec::new();
    completer
        .write_registration(VAR, "kvault", "kvault", "kvault", &mut buf)
        .expect("writing into a Vec cannot fail");
    buf
}

/// One script per shell, named the way each shell looks for it:
/// `kvault.bash`, `kvault.elv`, `kvault.fish`, `_kvault.ps1`, `_kvault`.
pub fn scripts() -> Vec<(String, Vec<u8>)> {
    Shell::value_variants()
        .iter()
        .map(|&shell| (file_name(shell), script(shell)))
        .collect()
}

/// The file each shell looks for.
fn file_name(shell: Shell) -> String {
    use clap_complete::Generator;
    shell.file_name("kvault")
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

//! Packaging: what ships next to the binary. The committed completions and
//! man pages match the command line, every subcommand's help has examples,
//! `--version` names the commit, the bash completion and the man pages work,
//! `install.sh` installs and uninstalls cleanly, and the Kubernetes example
//! runs the app through `kvault exec`. No servers needed.

use assert_cmd::Command;
use clap::CommandFactory;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const REGENERATE: &str = "cargo run -- completions --dir completions && cargo run -- man --dir man";

fn kvault() -> Command {
    Command::new(env!("CARGO_BIN_EXE_kvault"))
}

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn stdout_of(cmd: &mut Command) -> String {
    let out = cmd.output().expect("run");
    assert!(
        out.status.success(),
        "{cmd:?} failed ({}):\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 stdout")
}

/// Every file directly in `dir` (none when it does not exist).
fn files_in(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return BTreeMap::new();
    };
    entries
        .map(|entry| {
            let entry = entry.expect("read dir entry");
            let name = entry.file_name().to_string_lossy().into_owned();
            (name, std::fs::read(entry.path()).expect("read file"))
        })
        .collect()
}

/// What `kvault SUBCOMMAND --dir` writes now.
fn generate(subcommand: &str) -> BTreeMap<String, Vec<u8>> {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join(subcommand);
    kvault()
        .args([subcommand, "--dir"])
        .arg(&dir)
        .assert()
        .success();
    files_in(&dir)
}

#[test]
fn committed_completions_and_man_pages_match_the_command_line() {
    let mut problems = Vec::new();
    for (subcommand, dir) in [("completions", "completions"), ("man", "man")] {
        let now = generate(subcommand);
        let committed = files_in(&repo().join(dir));
        assert!(!now.is_empty(), "`kvault {subcommand} --dir` wrote nothing");
        for (name, bytes) in &now {
            match committed.get(name) {
                None => problems.push(format!("missing: {dir}/{name}")),
                Some(old) if old != bytes => problems.push(format!("out of date: {dir}/{name}")),
                Some(_) => {}
            }
        }
        for name in committed.keys().filter(|name| !now.contains_key(*name)) {
            problems.push(format!("no longer generated (delete it): {dir}/{name}"));
        }
    }
    assert!(
        problems.is_empty(),
        "the committed completions/ and man/ differ from what kvault generates:\n  {}\n\
         regenerate with:\n  {REGENERATE}",
        problems.join("\n  ")
    );
}

/// `[["get"], ["put"], ..., ["audit"], ...]`, nested subcommands included.
fn subcommand_paths() -> Vec<Vec<String>> {
    fn walk(cmd: &clap::Command, prefix: &[String], out: &mut Vec<Vec<String>>) {
        for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
            let mut path = prefix.to_vec();
            path.push(sub.get_name().to_owned());
            walk(sub, &path, out);
            out.push(path);
        }
    }
    let mut out = Vec::new();
    walk(&kvault::cli::Cli::command(), &[], &mut out);
    out
}

#[test]
fn every_subcommand_help_exits_0_and_has_an_example() {
    let paths = subcommand_paths();
    assert!(paths.len() >= 8, "{paths:?}");
    for path in paths {
        let help = stdout_of(kvault().args(&path).arg("--help"));
        assert!(
            help.contains("Example"),
            "`kvault {} --help` has no Example section:\n{help}",
            path.join(" ")
        );
    }
}

/// The global options a subcommand's help lists: those after "Global options:".
fn global_options_in_help(path: &[&str]) -> Vec<String> {
    let help = stdout_of(kvault().args(path).arg("--help"));
    let Some((_, globals)) = help.split_once("Global options:") else {
        return Vec::new();
    };
    globals
        .lines()
        .take_while(|l| l.is_empty() || l.starts_with(' '))
        .filter_map(|l| l.split_whitespace().find(|w| w.starts_with("--")))
        .map(|w| w.trim_end_matches("...").to_string())
        .collect()
}

#[test]
fn help_lists_only_the_global_options_a_subcommand_uses() {
    let all = [
        "--verbose",
        "--quiet",
        "--no-headers",
        "--vault-addr",
        "--vault-namespace",
        "--kubeconfig",
        "--context",
        "--namespace",
        "--local-store",
    ];
    assert_eq!(global_options_in_help(&["get"]), all);
    assert_eq!(global_options_in_help(&["sync"]), all);
    assert_eq!(
        global_options_in_help(&["sync", "convert"]),
        ["--verbose", "--quiet"]
    );
    assert_eq!(
        global_options_in_help(&["webhook", "manifests"]),
        ["--verbose", "--quiet", "--namespace"]
    );
    assert_eq!(
        global_options_in_help(&["completions"]),
        Vec::<String>::new()
    );
    assert!(!global_options_in_help(&["audit"]).contains(&"--local-store".to_string()));
    // Hidden, still accepted: an alias that always passes one keeps working.
    kvault()
        .args(["--vault-addr", "http://127.0.0.1:1", "completions", "bash"])
        .assert()
        .success();
}

#[test]
fn version_names_the_git_commit_when_built_from_git() {
    let version = stdout_of(kvault().arg("--version"));
    assert!(
        version.starts_with(concat!("kvault ", env!("CARGO_PKG_VERSION"), " (")),
        "{version}"
    );
    let in_git = std::process::Command::new("git")
        .args(["rev-parse", "--git-dir"])
        .current_dir(repo())
        .output()
        .is_ok_and(|o| o.status.success());
    if !in_git {
        eprintln!("not built from a git checkout: --version says `{version}`, commit not checked");
        return;
    }
    let commit = version
        .trim_end()
        .strip_suffix(')')
        .and_then(|v| v.rsplit_once('('))
        .map(|(_, commit)| commit)
        .unwrap_or_default();
    assert!(
        commit.len() == 12 && commit.bytes().all(|b| b.is_ascii_hexdigit()),
        "--version should end in the 12-digit commit: {version}"
    );
    let known = std::process::Command::new("git")
        .args(["cat-file", "-e", &format!("{commit}^{{commit}}")])
        .current_dir(repo())
        .status()
        .expect("git");
    assert!(
        known.success(),
        "{commit} is not a commit of this repository"
    );
}

/// What bash's programmable completion offers for `words` (the last one is
/// the word being completed), with the completion function `script` registers.
/// The script asks `kvault` on PATH at each TAB: the binary under test.
fn bash_complete(script: &Path, words: &[&str]) -> Vec<String> {
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_kvault")).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    const DRIVER: &str = r#"
source "$1"; shift
spec=$(complete -p kvault)          # complete -F _kvault ... kvault
fn=${spec##*-F }; fn=${fn%% *}
COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
"$fn" kvault "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
printf '%s\n' "${COMPREPLY[@]}"
"#;
    let out = std::process::Command::new("bash")
        .env("PATH", path)
        .args(["-c", DRIVER, "bash"])
        .arg(script)
        .args(words)
        .output()
        .expect("run bash");
    assert!(
        out.status.success(),
        "bash completion failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

fn assert_bash_completion_works(script: &Path) {
    let offered = bash_complete(script, &["kvault", "ge"]);
    assert_eq!(offered, ["get"], "kvault ge<TAB>");
    let offered = bash_complete(script, &["kvault", "completions", "--d"]);
    assert!(offered.contains(&"--dir".to_owned()), "{offered:?}");
    let offered = bash_complete(script, &["kvault", "completions", "ba"]);
    assert_eq!(offered, ["bash"], "kvault completions ba<TAB>");
}

#[test]
fn bash_completion_offers_subcommands_flags_and_values() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let script = tmp.path().join("kvault.bash");
    let bytes = kvault()
        .args(["completions", "bash"])
        .output()
        .expect("run")
        .stdout;
    std::fs::write(&script, bytes).expect("write script");
    assert_bash_completion_works(&script);
}

fn man_installed() -> bool {
    std::process::Command::new("man")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// `man -l page` renders without a warning; returns the text.
fn render_man(page: &Path) -> String {
    let out = std::process::Command::new("man")
        .arg("-l")
        .arg(page)
        .env("MANPAGER", "cat")
        .env("MANWIDTH", "80")
        .env("LC_ALL", "C.UTF-8")
        .output()
        .expect("run man");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stderr.is_empty(),
        "man -l {} ({}): {stderr}",
        page.display(),
        out.status
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn man_pages_render_with_their_sections() {
    if !man_installed() {
        eprintln!("SKIPPED: `man` is not installed (apt-get install man-db); the roff is still compared byte for byte");
        return;
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    kvault()
        .args(["man", "--dir"])
        .arg(tmp.path())
        .assert()
        .success();
    let main = render_man(&tmp.path().join("kvault.1"));
    for section in ["NAME", "SYNOPSIS", "OPTIONS", "SUBCOMMANDS", "EXIT STATUS"] {
        assert!(main.contains(section), "kvault.1 has no {section}:\n{main}");
    }
    assert!(main.contains("kvault-exec(1)"), "{main}");
    for path in subcommand_paths() {
        let page = tmp.path().join(format!("kvault-{}.1", path.join("-")));
        let text = render_man(&page);
        assert!(text.contains("EXAMPLES"), "{}:\n{text}", page.display());
    }
}

/// Every file under `dir`, relative to it.
fn tree(dir: &Path) -> Vec<PathBuf> {
    fn walk(base: &Path, dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("read dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                walk(base, &path, out);
            } else {
                out.push(path.strip_prefix(base).expect("under base").to_owned());
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

fn install_sh(args: &[&str], prefix: &Path) {
    let out = std::process::Command::new(repo().join("install.sh"))
        .args(args)
        .arg("--prefix")
        .arg(prefix)
        .output()
        .expect("run install.sh");
    assert!(
        out.status.success(),
        "install.sh {args:?} failed ({}):\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn install_sh_installs_under_a_prefix_and_uninstalls_all_of_it() {
    // --binary: the debug binary cargo just built, instead of a release build.
    let binary = env!("CARGO_BIN_EXE_kvault");
    let tmp = tempfile::tempdir().expect("tempdir");
    let prefix = tmp.path().join("prefix");
    install_sh(&["--binary", binary], &prefix);

    let installed = tree(&prefix);
    for expected in [
        "bin/kvault",
        "share/bash-completion/completions/kvault",
        "share/zsh/site-functions/_kvault",
        "share/fish/vendor_completions.d/kvault.fish",
        "share/man/man1/kvault.1",
        "share/man/man1/kvault-get.1",
        "share/man/man1/kvault-exec.1",
    ] {
        assert!(
            installed.contains(&PathBuf::from(expected)),
            "{expected} not installed: {installed:?}"
        );
    }
    let help = stdout_of(Command::new(prefix.join("bin/kvault")).arg("--help"));
    assert!(help.contains("Usage: kvault"), "{help}");
    assert_bash_completion_works(&prefix.join("share/bash-completion/completions/kvault"));
    if man_installed() {
        let text = render_man(&prefix.join("share/man/man1/kvault.1"));
        assert!(text.contains("EXIT STATUS"), "{text}");
    } else {
        eprintln!("SKIPPED man -l of the installed page: `man` is not installed");
    }

    // Again, with a page an older version installed: same files, stale one gone.
    let stale = "share/man/man1/kvault-retired.1";
    std::fs::write(prefix.join(stale), "stale").expect("write stale page");
    let manifest = prefix.join("share/kvault/installed-files");
    let mut list = std::fs::read_to_string(&manifest).expect("manifest");
    list.push_str(stale);
    list.push('\n');
    std::fs::write(&manifest, list).expect("write manifest");
    install_sh(&["--binary", binary], &prefix);
    assert_eq!(
        tree(&prefix),
        installed,
        "a second install changed the files"
    );

    // A file of someone else's in the same tree survives the uninstall.
    let other = prefix.join("share/man/man1/other.1");
    std::fs::write(&other, "not ours").expect("write other page");
    install_sh(&["--uninstall"], &prefix);
    assert_eq!(tree(&prefix), [PathBuf::from("share/man/man1/other.1")]);
}

#[test]
fn kubernetes_example_runs_the_app_through_kvault_exec() {
    use k8s_openapi::api::apps::v1::Deployment;
    use serde::Deserialize;

    let path = repo().join("examples/kubernetes/deployment.yaml");
    let text = std::fs::read_to_string(&path).expect("read example");
    let docs: Vec<serde_yaml::Value> = serde_yaml::Deserializer::from_str(&text)
        .map(|doc| serde_yaml::Value::deserialize(doc).expect("valid YAML document"))
        .collect();
    let kind = |doc: &serde_yaml::Value| doc["kind"].as_str().unwrap_or_default().to_owned();
    let deployment = docs
        .iter()
        .find(|doc| kind(doc) == "Deployment")
        .expect("a Deployment");
    let deployment: Deployment =
        serde_yaml::from_value(deployment.clone()).expect("a well-formed Deployment");
    let pod = deployment
        .spec
        .expect("spec")
        .template
        .spec
        .expect("pod spec");

    let app = &pod.containers[0];
    let command = app.command.clone().unwrap_or_default();
    let head: Vec<&str> = command.iter().take(3).map(String::as_str).collect();
    assert_eq!(
        head,
        ["/kvault/kvault", "exec", "--"],
        "app command {command:?}"
    );

    // The shared emptyDir: filled by the init container, mounted at /kvault.
    let mounts = app.volume_mounts.clone().unwrap_or_default();
    let shared = mounts
        .iter()
        .find(|m| m.mount_path == "/kvault")
        .expect("the app mounts the kvault volume at /kvault");
    let volumes = pod.volumes.clone().unwrap_or_default();
    let volume = volumes
        .iter()
        .find(|v| v.name == shared.name)
        .expect("volume");
    assert!(volume.empty_dir.is_some(), "{volume:?}");
    let init = &pod.init_containers.clone().unwrap_or_default()[0];
    let init_mounts = init.volume_mounts.clone().unwrap_or_default();
    assert!(init_mounts.iter().any(|m| m.name == shared.name));

    let env = app.env.clone().unwrap_or_default();
    let value = |name: &str| {
        env.iter()
            .find(|e| e.name == name)
            .and_then(|e| e.value.clone())
    };
    assert!(value("VAULT_ADDR").is_some() && value("VAULT_ROLE").is_some());
    assert!(
        env.iter()
            .any(|e| e.value.as_deref().is_some_and(|v| v.starts_with("vault:"))),
        "no vault: reference in {env:?}"
    );
    let account = pod.service_account_name.expect("serviceAccountName");
    assert!(docs
        .iter()
        .any(|doc| kind(doc) == "ServiceAccount"
            && doc["metadata"]["name"].as_str() == Some(&account)));
}

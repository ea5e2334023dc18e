//! Shell completion as a person types it: bash, zsh and fish run under
//! tmux with kvault's registration script, keys are sent, and the screen is
//! read back. Candidates come from the local store the test fills.

use crate::harness::{kvault_clean, text, Run};
use crate::tmux::Terminal;
use std::time::{Duration, Instant};

fn store_with_secrets() -> tempfile::TempDir {
    let home = tempfile::tempdir().unwrap();
    for (path, pair) in [
        ("local:app/db", "password=completion-secret"),
        ("local:app/api", "token=t"),
    ] {
        kvault_clean(home.path())
            .run(&["put", path, pair])
            .success();
    }
    home
}

/// The command line as the shell will read it: the last line holding
/// `kvault `, with zsh's quoting of `#` (`\#`, which it unquotes) undone.
fn command_line(screen: &str) -> String {
    screen
        .lines()
        .rfind(|l| l.contains("kvault "))
        .unwrap_or_default()
        .trim_end()
        .replace("\\#", "#")
}

fn completes_references_in(shell: &str, setup: &str) {
    let home = store_with_secrets();
    let t = Terminal::start(shell, home.path(), setup);

    // A scheme, no `-` and no file name.
    t.complete("kvault get lo", 1);
    let screen = t.screen_showing("local:");
    assert!(
        command_line(&screen).ends_with("kvault get local:"),
        "{shell}: {screen}"
    );
    // A folder of the store, then a secret in it, then its key.
    t.complete("app/d", 1);
    let screen = t.screen_showing("local:app/db");
    assert!(
        command_line(&screen).contains("kvault get local:app/db"),
        "{shell}: {screen}"
    );
    // The secret is a whole word: the shell added a space after it.
    t.tmux(&["send-keys", "-t", "0", "BSpace"]);
    t.complete("#", 1);
    let screen = t.screen_showing("#password");
    assert!(
        command_line(&screen).contains("kvault get local:app/db#password"),
        "{shell}: {screen}"
    );
    assert!(
        !screen.contains("completion-secret"),
        "{shell}: a value on screen"
    );
    t.cancel();

    // --on-change values.
    t.complete("kvault exec --watch 1m --on-change sig", 1);
    let screen = t.screen_showing("signal:");
    assert!(
        command_line(&screen).contains("--on-change signal:"),
        "{shell}: {screen}"
    );
    t.cancel();
}

#[test]
fn bash_completes_schemes_store_paths_and_keys_without_inserting_a_dash() {
    completes_references_in("bash", "source <(kvault completions bash)");
    // An empty word offers the schemes and inserts nothing of its own.
    let home = store_with_secrets();
    let t = Terminal::start("bash", home.path(), "source <(kvault completions bash)");
    t.complete("kvault get ", 2);
    let screen = t.screen_showing("local:");
    assert!(
        screen.contains("vault:") && screen.contains("k8s:"),
        "{screen}"
    );
    assert!(
        !screen.contains("kvault get -"),
        "a dash was inserted: {screen}"
    );
}

#[test]
fn zsh_completes_schemes_store_paths_and_keys() {
    completes_references_in(
        "zsh",
        "autoload -U compinit && compinit -u && source <(kvault completions zsh)",
    );
}

#[test]
fn fish_completes_schemes_store_paths_and_keys_and_never_file_names() {
    let home = store_with_secrets();
    std::fs::write(home.path().join("lonely-file.txt"), "").unwrap();
    completes_references_in("fish", "kvault completions fish | source");
    let t = Terminal::start(
        "fish",
        home.path(),
        "cd ~; kvault completions fish | source",
    );
    t.complete("kvault get lo", 1);
    let screen = t.screen_showing("local:");
    assert!(!screen.contains("lonely-file"), "{screen}");
}

/// What kvault offers for the last of `words`, as the shell would ask.
fn candidates(mut cmd: assert_cmd::Command, words: &[&str]) -> Vec<String> {
    let out = cmd
        .env("COMPLETE", "bash")
        .env("_CLAP_COMPLETE_INDEX", (words.len() - 1).to_string())
        .env("_CLAP_IFS", "\n")
        .arg("--")
        .args(words)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    text(&out.stdout).lines().map(str::to_string).collect()
}

#[test]
fn vault_and_kubernetes_paths_come_from_the_stores() {
    let bao = crate::harness::OpenBao::start();
    bao.must(&[
        "kv",
        "put",
        "secret/app/db",
        "password=completion-vault-secret",
    ]);
    bao.must(&["kv", "put", "secret/app/api", "token=x"]);
    let got = candidates(bao.kvault(), &["kvault", "get", "vault:secret/app/"]);
    assert_eq!(got, ["vault:secret/app/api", "vault:secret/app/db"]);
    let got = candidates(bao.kvault(), &["kvault", "get", "vault:secret/app/db#"]);
    assert_eq!(got, ["vault:secret/app/db#password"]);
    // Without credentials: the schemes only, quickly, and no error.
    let home = tempfile::tempdir().unwrap();
    let start = Instant::now();
    let mut unconfigured = kvault_clean(home.path());
    unconfigured.env("VAULT_ADDR", "http://127.0.0.1:9");
    let got = candidates(unconfigured, &["kvault", "get", "vault:secret/"]);
    assert!(got.is_empty(), "{got:?}");
    assert!(start.elapsed() < Duration::from_secs(5));

    let (cluster, _) = crate::harness::KubeCluster::shared("completion");
    let home = tempfile::tempdir().unwrap();
    let got = candidates(
        cluster.kvault(home.path(), "admin"),
        &["kvault", "get", "k8s:kube-"],
    );
    assert!(got.contains(&"k8s:kube-system/".to_string()), "{got:?}");
    let got = candidates(
        cluster.kvault(home.path(), "admin"),
        &["kvault", "get", "k8s:default/"],
    );
    assert!(got.iter().all(|c| c.starts_with("k8s:default/")), "{got:?}");
}

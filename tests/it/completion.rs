//! Shell completion as a person types it: bash, zsh and fish run under
//! tmux with kvault's registration script, keys are sent, and the screen is
//! read back. Candidates come from the local store the test fills.

use crate::harness::{kvault_clean, text};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// A private tmux server running one shell, gone on drop.
struct Terminal {
    socket: String,
    home: PathBuf,
}

impl Terminal {
    /// `shell` with `setup` typed first (the registration), in a clean
    /// environment whose PATH finds the kvault under test.
    fn start(shell: &str, home: &Path, setup: &str) -> Terminal {
        let bin = PathBuf::from(env!("CARGO_BIN_EXE_kvault"));
        let path = format!(
            "{}:{}",
            bin.parent().unwrap().display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let socket = format!("kvault-test-{}-{shell}", std::process::id());
        let command = match shell {
            "bash" => "bash --norc --noprofile",
            "zsh" => "zsh -f",
            "fish" => "fish --no-config",
            other => panic!("no shell {other}"),
        };
        let status = Command::new("tmux")
            .args([
                "-L",
                &socket,
                "-f",
                "/dev/null",
                "new-session",
                "-d",
                "-x",
                "200",
                "-y",
                "50",
            ])
            .args(["env", "-i"])
            .arg(format!("PATH={path}"))
            .arg(format!("HOME={}", home.display()))
            .arg(format!(
                "KVAULT_LOCAL_STORE={}",
                home.join("kvault-store").display()
            ))
            .args(["TERM=xterm-256color", "PS1=$ ", "LANG=C.UTF-8"])
            .args(command.split(' '))
            .status()
            .expect("tmux (installed by scripts/install-test-deps.sh)");
        assert!(status.success(), "tmux did not start {shell}");
        let t = Terminal {
            socket,
            home: home.to_path_buf(),
        };
        t.type_line(setup);
        t.type_line("clear");
        std::thread::sleep(Duration::from_millis(500));
        t
    }

    fn tmux(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .args(["-L", &self.socket])
            .args(args)
            .output()
            .unwrap();
        text(&out.stdout)
    }

    fn type_line(&self, line: &str) {
        self.tmux(&["send-keys", "-t", "0", "-l", line]);
        self.tmux(&["send-keys", "-t", "0", "Enter"]);
    }

    /// Type `keys` literally, then press Tab `tabs` times.
    fn complete(&self, keys: &str, tabs: usize) {
        self.tmux(&["send-keys", "-t", "0", "-l", keys]);
        for _ in 0..tabs {
            std::thread::sleep(Duration::from_millis(300));
            self.tmux(&["send-keys", "-t", "0", "Tab"]);
        }
    }

    /// The screen once it shows `want` (or after 10 s, for the message).
    fn screen_showing(&self, want: &str) -> String {
        let start = Instant::now();
        loop {
            let screen = self.tmux(&["capture-pane", "-p", "-t", "0"]);
            if screen.contains(want) || start.elapsed() > Duration::from_secs(10) {
                return screen;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// Clear the command line for the next case.
    fn cancel(&self) {
        self.tmux(&["send-keys", "-t", "0", "C-c"]);
        self.type_line("clear");
        std::thread::sleep(Duration::from_millis(300));
    }
}

impl Drop for Terminal {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .status();
        let _ = &self.home;
    }
}

fn store_with_secrets() -> tempfile::TempDir {
    let home = tempfile::tempdir().unwrap();
    for (path, pair) in [
        ("local:app/db", "password=completion-secret"),
        ("local:app/api", "token=t"),
    ] {
        kvault_clean(home.path())
            .args(["put", path, pair])
            .assert()
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

    let cluster = crate::harness::KubeCluster::start("none");
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

//! A person at a terminal, for tests: a private tmux server running one
//! shell (bash, zsh or fish) with the kvault under test on PATH; keys are
//! sent and the screen is read back.

use crate::harness::text;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// A private tmux server running one shell, gone on drop.
pub struct Terminal {
    socket: String,
    home: PathBuf,
}

impl Terminal {
    /// `shell` with `setup` typed first (the registration), in a clean
    /// environment whose PATH finds the kvault under test.
    pub fn start(shell: &str, home: &Path, setup: &str) -> Terminal {
        let bin = PathBuf::from(env!("CARGO_BIN_EXE_kvault"));
        let path = format!(
            "{}:{}",
            bin.parent().unwrap().display(),
            std::env::var("PATH").unwrap_or_default()
        );
        // One tmux server per terminal: tests run in parallel.
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let socket = format!("kvault-test-{}-{shell}-{n}", std::process::id());
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

    pub fn tmux(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .args(["-L", &self.socket])
            .args(args)
            .output()
            .unwrap();
        text(&out.stdout)
    }

    pub fn type_line(&self, line: &str) {
        self.tmux(&["send-keys", "-t", "0", "-l", line]);
        self.tmux(&["send-keys", "-t", "0", "Enter"]);
    }

    /// Type `keys` literally, then press Tab `tabs` times.
    pub fn complete(&self, keys: &str, tabs: usize) {
        self.tmux(&["send-keys", "-t", "0", "-l", keys]);
        for _ in 0..tabs {
            std::thread::sleep(Duration::from_millis(300));
            self.tmux(&["send-keys", "-t", "0", "Tab"]);
        }
    }

    /// The screen once it shows `want` (or after 10 s, for the message).
    pub fn screen_showing(&self, want: &str) -> String {
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
    pub fn cancel(&self) {
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

impl Terminal {
    /// Whether the terminal's cursor is visible now (tmux's `cursor_flag`).
    pub fn cursor_visible(&self) -> bool {
        self.tmux(&["display-message", "-p", "-t", "0", "#{cursor_flag}"])
            .trim()
            == "1"
    }

    /// Press one key by its tmux name (`C-c`, `Enter`, `BSpace`).
    pub fn press(&self, key: &str) {
        self.tmux(&["send-keys", "-t", "0", key]);
    }
}

//! `kvault sync --watch` reacting to its targets on a real kube-apiserver:
//! a target edited by hand or deleted is repaired within seconds, not at
//! the next interval, kvault's own writes set off nothing, and rounds read
//! the targets through the watch instead of a GET each.

use crate::harness::Reap;
use crate::sync::World;
use base64::Engine as _;
use serde_json::{json, Value};
use std::io::BufRead;
use std::process::Stdio;
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

const APP_PASS: &str = "ReactCanary-pass-3391";
const EDITED: &str = "ReactCanary-edited-4402";

/// A running `kvault sync --watch EVERY -o json`: its rounds (one JSON
/// line each) and all it wrote to stderr, checked for values at the end.
struct Watching {
    _child: Reap,
    lines: Receiver<String>,
    stdout: std::cell::RefCell<String>,
    stderr: std::sync::Arc<std::sync::Mutex<String>>,
}

fn watch(world: &World, plan: &std::path::Path, every: &str) -> Watching {
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("kvault"));
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", plan.parent().unwrap())
        .env("KUBECONFIG", world.cluster.kubeconfig("admin"))
        .env("VAULT_ADDR", &world.bao.addr)
        .env("VAULT_TOKEN", &world.bao.token)
        .args([
            "sync", "--watch", every, "--jitter", "0", "-o", "json", "-f",
        ])
        .arg(plan)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let stdout = child.stdout.take().unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, lines) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
        {
            let _ = tx.send(line);
        }
    });
    let errors = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let sink = errors.clone();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
        {
            let mut all = sink.lock().unwrap();
            all.push_str(&line);
            all.push('\n');
        }
    });
    Watching {
        _child: Reap(child),
        lines,
        stdout: Default::default(),
        stderr: errors,
    }
}

impl Watching {
    /// The next round's report.
    fn next(&self, within: Duration) -> Value {
        let line = self
            .lines
            .recv_timeout(within)
            .unwrap_or_else(|_| panic!("no round within {within:?}"));
        self.stdout.borrow_mut().push_str(&line);
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"))
    }

    /// No round for `quiet`.
    fn assert_no_round_for(&self, quiet: Duration, why: &str) {
        if let Ok(line) = self.lines.recv_timeout(quiet) {
            panic!("{why}: {line}");
        }
    }

    /// Neither stdout nor stderr showed a test value, in any encoding.
    fn assert_showed_no_value(&self) {
        let stderr = self.stderr.lock().unwrap().clone();
        for (what, text) in [("stdout", self.stdout.borrow().clone()), ("stderr", stderr)] {
            crate::harness::assert_text_shows_none(what, &text, &[APP_PASS, EDITED]);
        }
    }
}

fn b64(value: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(value)
}

/// One plan target and three others in the same namespace.
fn plan(world: &World) -> std::path::PathBuf {
    world
        .bao
        .must(&["kv", "put", "secret/react/app", &format!("pass={APP_PASS}")]);
    for i in 0..3 {
        world
            .bao
            .must(&["kv", "put", &format!("secret/react/s{i}"), "k=v"]);
    }
    let (code, body) = world.cluster.api(
        "admin",
        "POST",
        "/api/v1/namespaces",
        Some(r#"{"metadata":{"name":"react"}}"#),
    );
    assert!(code == 201 || code == 409, "{code} {body}");
    world.plan(
        "react.yaml",
        "secrets:\n  - {source: vault:secret/react/app, target: k8s:react/app}\n  - {source: vault:secret/react/s0, target: k8s:react/s0}\n  - {source: vault:secret/react/s1, target: k8s:react/s1}\n  - {source: vault:secret/react/s2, target: k8s:react/s2}\n",
    )
}

fn pass_of(world: &World) -> Option<String> {
    let (code, body) =
        world
            .cluster
            .api("admin", "GET", "/api/v1/namespaces/react/secrets/app", None);
    if code != 200 {
        return None;
    }
    let secret: Value = serde_json::from_str(&body).unwrap();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(secret["data"]["pass"].as_str()?)
        .ok()?;
    String::from_utf8(bytes).ok()
}

/// Wait until the target holds the source's value again; how long it took.
fn repaired(world: &World, since: Instant) -> Duration {
    while pass_of(world).as_deref() != Some(APP_PASS) {
        assert!(
            since.elapsed() < Duration::from_secs(20),
            "not repaired: {:?}",
            pass_of(world).map(|v| v == EDITED)
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    since.elapsed()
}

#[test]
fn a_target_edited_by_hand_or_deleted_is_repaired_in_seconds_not_at_the_next_interval() {
    let world = World::start();
    let plan = plan(&world);
    // An interval far longer than the test: only the watch can repair.
    let sync = watch(&world, &plan, "10m");
    let first = sync.next(Duration::from_secs(60));
    assert_eq!(first["created"], 4, "{first}");
    // The watch goes live after the first round's writes: they are
    // kvault's own and set nothing off.
    sync.assert_no_round_for(
        Duration::from_secs(2),
        "kvault's own writes set off a round",
    );

    let edit = json!({"data": {"pass": b64(EDITED)}}).to_string();
    let since = Instant::now();
    let (code, body) =
        world
            .cluster
            .api_merge_patch("admin", "/api/v1/namespaces/react/secrets/app", &edit);
    assert_eq!(code, 200, "{body}");
    let took = repaired(&world, since);
    assert!(took < Duration::from_secs(5), "repaired after {took:?}");
    let repair = sync.next(Duration::from_secs(5));
    assert_eq!(repair["updated"], 1, "{repair}");
    assert_eq!(repair["drift"][0]["target"], "k8s:react/app", "{repair}");

    let since = Instant::now();
    let (code, body) = world.cluster.api(
        "admin",
        "DELETE",
        "/api/v1/namespaces/react/secrets/app",
        None,
    );
    assert_eq!(code, 200, "{body}");
    let took = repaired(&world, since);
    assert!(took < Duration::from_secs(5), "recreated after {took:?}");
    let repair = sync.next(Duration::from_secs(5));
    assert_eq!(repair["created"], 1, "{repair}");

    // A Secret of the namespace that is no target is not kvault's business.
    world.post(
        "/api/v1/namespaces/react/secrets",
        json!({"metadata": {"name": "other", "labels": {"app.kubernetes.io/managed-by": "kvault"}}, "data": {"x": b64("y")}}),
    );
    sync.assert_no_round_for(
        Duration::from_secs(2),
        "a Secret outside the plan set off a round",
    );
    sync.assert_showed_no_value();
}

/// The apiserver's count of Secret GETs (`apiserver_request_total`).
fn secret_gets(world: &World) -> u64 {
    let (code, body) = world.cluster.api("admin", "GET", "/metrics", None);
    assert_eq!(code, 200);
    body.lines()
        .filter(|l| {
            l.starts_with("apiserver_request_total{")
                && l.contains(r#"resource="secrets""#)
                && l.contains(r#"verb="GET""#)
        })
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum::<f64>() as u64
}

#[test]
fn watched_rounds_read_their_targets_from_the_watch_not_with_a_get_each() {
    let world = World::start();
    let plan = plan(&world);
    let sync = watch(&world, &plan, "1s");
    assert_eq!(sync.next(Duration::from_secs(60))["created"], 4);
    // The rounds after the watch is live.
    sync.next(Duration::from_secs(10));
    sync.next(Duration::from_secs(10));
    let before = secret_gets(&world);
    for _ in 0..5 {
        let round = sync.next(Duration::from_secs(10));
        assert_eq!(round["unchanged"], 4, "{round}");
    }
    let gets = secret_gets(&world) - before;
    // Without the watch: 4 targets x 5 rounds = 20 GETs.
    assert!(gets < 4, "{gets} Secret GETs in 5 rounds of 4 targets");
    sync.assert_showed_no_value();
}

#[test]
fn a_put_with_the_plan_syncs_the_entries_that_read_it_before_it_returns() {
    let world = World::start();
    let plan = plan(&world);
    assert_eq!(world.sync(&plan, &[], 0)["created"], 4);
    let out = world
        .kvault()
        .args([
            "put",
            "vault:secret/react/app",
            "pass=-",
            "-o",
            "json",
            "--plan",
        ])
        .arg(&plan)
        .write_stdin(EDITED)
        .output()
        .unwrap();
    crate::harness::assert_exit(&out, 0, "put --plan");
    crate::harness::assert_shows_none(&[APP_PASS, EDITED], "put --plan", &out);
    let summary: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["synced"], json!(["k8s:react/app"]), "{summary}");
    // Synced before the put returned: no waiting here.
    let (code, body) =
        world
            .cluster
            .api("admin", "GET", "/api/v1/namespaces/react/secrets/app", None);
    assert_eq!(code, 200);
    let secret: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(secret["data"]["pass"], b64(EDITED));

    // A secret no entry reads: written, and nothing synced.
    let out = world
        .kvault()
        .args(["put", "vault:secret/react/none", "k=v", "--plan"])
        .arg(&plan)
        .output()
        .unwrap();
    crate::harness::assert_exit(&out, 0, "put --plan, no entry");
    assert!(
        crate::harness::text(&out.stderr).contains("nothing synced"),
        "{}",
        crate::harness::text(&out.stderr)
    );

    // A broken plan: nothing written.
    let broken = world.plan("broken.yaml", "secrets: [{source: 1}\n");
    let out = world
        .kvault()
        .args(["put", "vault:secret/react/app", "pass=-", "--plan"])
        .arg(&broken)
        .write_stdin(APP_PASS)
        .output()
        .unwrap();
    crate::harness::assert_exit(&out, 2, "put --plan broken");
    let now: Value =
        serde_json::from_str(
            &world
                .bao
                .must(&["kv", "get", "-format=json", "secret/react/app"]),
        )
        .unwrap();
    assert_eq!(now["data"]["data"]["pass"], EDITED);
    crate::harness::assert_shows_none(&[APP_PASS, EDITED], "put --plan, broken plan", &out);
    world.assert_printed_none_of(&[APP_PASS, EDITED]);
}

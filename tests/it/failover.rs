//! Store failover: `VAULT_ADDR` lists two real OpenBao servers (a primary
//! and a replica that share the root token; each test writes the same data
//! to both, as replication would). Stopping or sealing the one in use moves
//! kvault to the other with one line on stderr, mid-`exec --watch` and
//! mid-`sync --watch`, and back again when the second one goes.

use crate::harness::*;
use crate::process::{kvault_process, read, send, wait_until};
use serde_json::Value;
use std::io::BufRead;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

/// The primary and the replica, each holding `secret/app pass=VALUE`.
fn pair(value: &str) -> (OpenBao, OpenBao) {
    let (a, b) = (OpenBao::start(), OpenBao::start());
    for bao in [&a, &b] {
        bao.must(&["kv", "put", "secret/app", &format!("pass={value}")]);
    }
    (a, b)
}

fn both(a: &OpenBao, b: &OpenBao) -> String {
    format!("{},{}", a.addr, b.addr)
}

/// The "moved to" lines kvault printed so far.
fn moves(stderr: &Path) -> Vec<String> {
    read(stderr)
        .lines()
        .filter(|l| l.contains("moved to"))
        .map(str::to_string)
        .collect()
}

fn wait_for_moves(stderr: &Path, n: usize) -> Vec<String> {
    wait_until(Duration::from_secs(20), || moves(stderr).len() >= n);
    moves(stderr)
}

#[test]
fn a_read_goes_to_the_second_address_when_the_first_is_down() {
    let (mut a, b) = pair("p-one");
    a.stop();
    let out = b
        .kvault()
        .env("VAULT_ADDR", both(&a, &b))
        .output_of(&["get", "vault:secret/app#pass"]);
    assert_exit(&out, 0, "a read with the first address down");
    assert_printed(&out, "p-one");
    let stderr = text(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains(&format!("vault at {}", a.addr))
            && stderr.contains("cannot be reached")
            && stderr.contains(&format!("moved to {}", b.addr)),
        "{stderr}"
    );
    record(
        "fault",
        "vault: first of two addresses down",
        "read from the second, one warning line",
    );
}

#[test]
fn a_sealed_first_server_hands_over_to_the_second() {
    let (a, b) = pair("p-one");
    a.must(&["operator", "seal"]);
    let out = b
        .kvault()
        .env("VAULT_ADDR", both(&a, &b))
        .output_of(&["get", "vault:secret/app#pass"]);
    assert_exit(&out, 0, "a read with the first server sealed");
    assert_printed(&out, "p-one");
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("the server is sealed") && stderr.contains(&format!("moved to {}", b.addr)),
        "{stderr}"
    );
    record(
        "fault",
        "vault: first of two addresses sealed",
        "read from the second, one warning line",
    );
}

/// A standby that cannot forward: one redirects to the active node
/// (kvault follows no redirect to another origin), one has no active node
/// to forward to. Either hands over, a read and a write alike (neither
/// did anything), and nothing of the call reaches the redirect's target.
#[test]
fn a_standby_that_cannot_forward_hands_over_reads_and_writes() {
    use crate::hostile::{Behaviour, Hostile};
    let (b, _) = pair("p-one");
    let elsewhere = Hostile::start(Behaviour::Silent);
    let standbys = [
        Hostile::start(Behaviour::Redirect {
            location: elsewhere.addr.clone(),
        }),
        Hostile::start(Behaviour::Fixed {
            status: 500,
            content_type: "application/json",
            body: r#"{"errors":["local node not active but active cluster node not found"]}"#
                .into(),
        }),
    ];
    for standby in &standbys {
        let addrs = format!("{},{}", standby.addr, b.addr);
        let out = b.kvault().env("VAULT_ADDR", &addrs).output_of(&[
            "put",
            "vault:secret/app",
            "pass=p-written",
        ]);
        assert_exit(&out, 0, &format!("a write past a standby: {addrs}"));
        let stderr = text(&out.stderr);
        assert_eq!(moves_in(&stderr), 1, "{stderr}");
        let got = b
            .kvault()
            .env("VAULT_ADDR", &addrs)
            .output_of(&["get", "vault:secret/app#pass"]);
        assert_printed(&got, "p-written");
    }
    assert_eq!(
        elsewhere.received.lock().unwrap().len(),
        0,
        "followed a redirect"
    );
    record(
        "hostile input",
        "vault: standby redirecting elsewhere or without an active node",
        "read and write go to the next address, redirect not followed",
    );
}

fn moves_in(stderr: &str) -> usize {
    stderr.lines().filter(|l| l.contains("moved to")).count()
}

#[test]
fn with_every_address_down_the_error_is_one_line_and_unavailable() {
    let (mut a, mut b) = pair("p-one");
    let addrs = both(&a, &b);
    a.stop();
    b.stop();
    let out = kvault_clean(a.home.path())
        .env("VAULT_ADDR", &addrs)
        .env("VAULT_TOKEN", &a.token)
        .output_of(&["get", "vault:secret/app#pass"]);
    assert_exit(&out, 2, "no address answers");
    let stderr = text(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("cannot connect"), "{stderr}");
    assert!(
        stderr.contains("no address of VAULT_ADDR answers"),
        "{stderr}"
    );
    assert!(!stderr.contains("moved to"), "nothing answered: {stderr}");
    record(
        "fault",
        "vault: every address down",
        "exit 2, one line saying no address answers",
    );
}

/// A server that stalls after the handshake: a read waits out the
/// deadline, then goes to the other node (`sync --watch` from the store
/// to the local store goes on). A write that stalled is never sent to the
/// other node; the unit tests of `call_as` show that, as only a stall
/// between a read and a write would show it here.
#[test]
fn a_stalled_server_hands_its_reads_to_the_other_after_the_deadline() {
    let (a, b) = pair("p-one");
    let home = tempfile::tempdir().unwrap();
    let plan = home.path().join("plan.yaml");
    std::fs::write(
        &plan,
        "secrets:\n  - {source: vault:secret/app, target: local:copy}\n",
    )
    .unwrap();
    let stderr_path = home.path().join("stderr");
    let mut child = Reap(
        kvault_process(home.path())
            .env("VAULT_ADDR", both(&a, &b))
            .env("VAULT_TOKEN", &a.token)
            .env("KVAULT_VAULT_TIMEOUT", "1s")
            .args(["sync", "--watch", "300ms", "-o", "json", "-f"])
            .arg(&plan)
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&stderr_path).unwrap())
            .spawn()
            .unwrap(),
    );
    let lines = std::io::BufReader::new(child.0.stdout.take().unwrap()).lines();
    let mut runs = lines.map(|l| serde_json::from_str::<Value>(&l.unwrap()).unwrap());
    assert_eq!(runs.next().unwrap()["created"], 1, "the first run copies");
    b.must(&["kv", "put", "secret/app", "pass=p-two"]);
    send(a.pid(), nix::sys::signal::Signal::SIGSTOP);
    let updated = runs
        .by_ref()
        .take(20)
        .find(|r| r["updated"] == 1)
        .expect("the change is read from the second node");
    send(a.pid(), nix::sys::signal::Signal::SIGCONT);
    assert_eq!(updated["errors"].as_array().unwrap().len(), 0, "{updated}");
    let copy = kvault_process(home.path())
        .args(["get", "local:copy#pass"])
        .output()
        .unwrap();
    assert_printed(&copy, "p-two");
    let moved = moves(&stderr_path);
    assert_eq!(moved.len(), 1, "{moved:?}");
    assert!(moved[0].contains("no answer in time"), "{moved:?}");
    record(
        "hang",
        "vault: address stalls after the handshake mid-sync --watch",
        "reads move after the deadline, the run succeeds",
    );
    send(child.0.id(), nix::sys::signal::Signal::SIGTERM);
    let _ = child.0.wait();
}

/// `exec --watch`: the command keeps running across the move and is
/// restarted with the values the second node has; when the second goes
/// too and the first is back, it moves back.
#[test]
fn exec_watch_fails_over_and_back() {
    let (mut a, mut b) = pair("p-one");
    let home = tempfile::tempdir().unwrap();
    let seen = home.path().join("seen");
    let stderr = home.path().join("stderr");
    let script = format!("echo \"$PASS\" >> {}; exec sleep 60", seen.display());
    let mut child = Reap(
        kvault_process(home.path())
            .env("VAULT_ADDR", both(&a, &b))
            .env("VAULT_TOKEN", &a.token)
            .env("PASS", "vault:secret/app#pass")
            .args(["exec", "--watch", "300ms", "--", "sh", "-c", &script])
            .stderr(std::fs::File::create(&stderr).unwrap())
            .spawn()
            .unwrap(),
    );
    assert!(wait_until(Duration::from_secs(15), || read(&seen).contains("p-one")));

    a.stop();
    b.must(&["kv", "put", "secret/app", "pass=p-two"]);
    assert!(
        wait_until(Duration::from_secs(15), || read(&seen).contains("p-two")),
        "restarted with the second node's value: {}",
        read(&stderr)
    );
    let moved = wait_for_moves(&stderr, 1);
    assert_eq!(moved.len(), 1, "{moved:?}");
    assert!(
        moved[0].contains(&format!("moved to {}", b.addr)),
        "{moved:?}"
    );

    a.restart();
    a.must(&["kv", "put", "secret/app", "pass=p-three"]);
    b.stop();
    assert!(
        wait_until(Duration::from_secs(15), || read(&seen).contains("p-three")),
        "back on the first node: {}",
        read(&stderr)
    );
    let moved = wait_for_moves(&stderr, 2);
    assert_eq!(moved.len(), 2, "{moved:?}");
    assert!(
        moved[1].contains(&format!("moved to {}", a.addr)),
        "{moved:?}"
    );
    assert_eq!(
        read(&seen),
        "p-one\np-two\np-three\n",
        "no value lost or doubled"
    );
    record(
        "fault",
        "vault: address in use stops mid-exec --watch, twice",
        "moves there and back, each value once",
    );
    assert!(
        !read(&stderr).lines().any(|l| l.starts_with("error")),
        "the moves cost no re-read: {}",
        read(&stderr)
    );
    send(child.0.id(), nix::sys::signal::Signal::SIGTERM);
    let _ = child.0.wait();
}

/// `sync --watch` from the store to the local store: every run succeeds
/// across both moves, and the target ends with the last value.
#[test]
fn sync_watch_fails_over_and_back() {
    let (mut a, mut b) = pair("p-one");
    let home = tempfile::tempdir().unwrap();
    let plan = home.path().join("plan.yaml");
    std::fs::write(
        &plan,
        "secrets:\n  - {source: vault:secret/app, target: local:app}\n",
    )
    .unwrap();
    let stderr = home.path().join("stderr");
    let mut child = Reap(
        kvault_process(home.path())
            .env("VAULT_ADDR", both(&a, &b))
            .env("VAULT_TOKEN", &a.token)
            .args(["sync", "--watch", "300ms", "-o", "json", "-f"])
            .arg(&plan)
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&stderr).unwrap())
            .spawn()
            .unwrap(),
    );
    let lines = std::io::BufReader::new(child.0.stdout.take().unwrap()).lines();
    let mut runs = lines.map(|l| serde_json::from_str::<Value>(&l.unwrap()).unwrap());
    let mut until_updated = |what: &str| {
        let run = runs
            .by_ref()
            .take(50)
            .inspect(|r| assert_eq!(r["errors"].as_array().unwrap().len(), 0, "{what}: {r}"))
            .find(|r| r["updated"] == 1 || r["created"] == 1);
        assert!(run.is_some(), "{what}: {}", read(&stderr));
    };
    until_updated("the first run");

    a.stop();
    b.must(&["kv", "put", "secret/app", "pass=p-two"]);
    until_updated("after the first node stopped");
    a.restart();
    a.must(&["kv", "put", "secret/app", "pass=p-three"]);
    b.stop();
    until_updated("after the second node stopped");

    let local = kvault_process(home.path())
        .args(["get", "local:app#pass"])
        .output()
        .unwrap();
    assert_printed(&local, "p-three");
    let moved = moves(&stderr);
    assert_eq!(moved.len(), 2, "{moved:?}");
    assert!(
        moved[0].contains(&format!("moved to {}", b.addr)),
        "{moved:?}"
    );
    assert!(
        moved[1].contains(&format!("moved to {}", a.addr)),
        "{moved:?}"
    );
    record(
        "fault",
        "vault: address in use stops mid-sync --watch, twice",
        "every run succeeds, the target has the last value",
    );
    send(child.0.id(), nix::sys::signal::Signal::SIGTERM);
    let _ = child.0.wait();
}

/// `kvault doctor` asks each address: the stopped one is a warning (the
/// other serves), and the checks after it run on the one that answers.
#[test]
fn doctor_reports_each_address_and_warns_of_the_one_down() {
    let (mut a, b) = pair("p-one");
    a.stop();
    let out = b
        .kvault()
        .env("VAULT_ADDR", both(&a, &b))
        .output_of(&["doctor", "vault", "-o", "json"]);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let servers: Vec<&Value> = report
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["check"] == "server")
        .collect();
    assert_eq!(servers.len(), 2, "{report}");
    assert_eq!(servers[0]["state"], "warn", "{report}");
    assert!(servers[0]["detail"]
        .as_str()
        .unwrap()
        .contains(&a.addr[7..]));
    assert_eq!(servers[1]["state"], "ok", "{report}");
    assert!(servers[1]["detail"].as_str().unwrap().contains(&b.addr));
    let token = report
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["check"] == "token")
        .expect("the checks go on on the second address");
    assert_eq!(token["state"], "ok", "{report}");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}

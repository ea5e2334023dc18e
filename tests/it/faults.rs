//! Faults between kvault and a real OpenBao: a loopback proxy that answers
//! with an error status, resets or stalls connections, or fails the first N
//! requests and then forwards. Each case: the documented exit code, one
//! clear line naming what failed and where, bounded time, no value shown.

use crate::harness::{record, text, OpenBao, Run};
use crate::hostile::{Behaviour, Hostile};
use std::time::{Duration, Instant};

fn status(code: u16) -> Behaviour {
    Behaviour::Fixed {
        status: code,
        content_type: "application/json",
        body: r#"{"errors":["injected fault"]}"#.into(),
    }
}

fn via(bao: &OpenBao, proxy: &Hostile) -> assert_cmd::Command {
    let mut cmd = bao.kvault();
    cmd.env("VAULT_ADDR", &proxy.addr)
        .env("KVAULT_VAULT_RETRIES", "2")
        .env("KVAULT_VAULT_TIMEOUT", "1s")
        .timeout(Duration::from_secs(60));
    cmd
}

/// `kvault get vault:secret/app#a` through `proxy` exits 2: its one line.
fn get_fails_through(bao: &OpenBao, proxy: &Hostile) -> String {
    let run = via(bao, proxy).run(&["get", "vault:secret/app#a"]).code(2);
    one_line(run.get_output())
}

fn one_line(out: &std::process::Output) -> String {
    let err = text(&out.stderr);
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
    assert!(
        !text(&out.stdout).contains("secret-value"),
        "no value on stdout"
    );
    err
}

#[test]
fn server_errors_and_throttling_are_retried_a_bounded_number_of_times() {
    let bao = OpenBao::start();
    for code in [500u16, 503, 429] {
        let proxy = Hostile::start(status(code));
        let start = Instant::now();
        let err = get_fails_through(&bao, &proxy);
        assert!(
            err.contains("unavailable")
                && err.contains(&format!("HTTP {code}"))
                && err.contains(&proxy.addr),
            "{err}"
        );
        // KVAULT_VAULT_RETRIES=2: the mount lookup is tried 3 times, then kvault gives up.
        assert_eq!(proxy.received.lock().unwrap().len(), 3, "HTTP {code}");
        assert!(start.elapsed() < Duration::from_secs(10));
        record(
            "fault",
            &format!("OpenBao answers HTTP {code}"),
            "exit 2 after 3 tries, one line, < 10 s",
        );
    }
}

#[test]
fn answers_such_as_403_and_404_are_not_retried() {
    let bao = OpenBao::start();
    let proxy = Hostile::start(status(403));
    let err = get_fails_through(&bao, &proxy);
    assert!(err.contains("permission denied"));
    assert_eq!(proxy.received.lock().unwrap().len(), 1);
    record(
        "fault",
        "OpenBao answers HTTP 403",
        "exit 2, not retried, one line",
    );
    let proxy = Hostile::start(status(404));
    via(&bao, &proxy)
        .run(&["get", "vault:secret/app#a"])
        .code(1);
    assert_eq!(proxy.received.lock().unwrap().len(), 1);
    record("fault", "OpenBao answers HTTP 404", "exit 1, not retried");
}

#[test]
fn reset_and_stalled_connections_end_in_bounded_time() {
    let bao = OpenBao::start();
    for (fault, behaviour) in [("reset", Behaviour::Reset), ("stall", Behaviour::Silent)] {
        let proxy = Hostile::start(behaviour);
        let start = Instant::now();
        let err = get_fails_through(&bao, &proxy);
        assert!(
            err.contains("unavailable") && err.contains(&proxy.addr),
            "{fault}: {err}"
        );
        // 3 tries with a 1 s timeout and short backoff.
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "{fault} took {:?}",
            start.elapsed()
        );
        record(
            "fault",
            &format!("connection {fault}"),
            "exit 2 within 10 s (1 s timeout x 3 tries)",
        );
    }
}

#[test]
fn a_transient_failure_heals_within_the_retries() {
    let bao = OpenBao::start();
    bao.must(&["kv", "put", "secret/app", "a=secret-value"]);
    let proxy = Hostile::start(Behaviour::FailFirst {
        k: 2,
        upstream: bao.addr.clone(),
    });
    via(&bao, &proxy)
        .run(&["get", "vault:secret/app#a"])
        .success()
        .stdout("secret-value");
    let proxy = Hostile::start(Behaviour::FailFirst {
        k: 2,
        upstream: bao.addr.clone(),
    });
    via(&bao, &proxy)
        .env("X", "vault:secret/app#a")
        .run(&["exec", "--", "sh", "-c", "echo $X"])
        .success()
        .stdout("secret-value\n");
    record(
        "fault",
        "first 2 requests answer 503",
        "get and exec succeed within the retries",
    );
}

#[test]
fn a_failed_write_changes_nothing() {
    let bao = OpenBao::start();
    bao.must(&["kv", "put", "secret/app", "a=before"]);
    let proxy = Hostile::start(status(500));
    via(&bao, &proxy)
        .run(&["put", "vault:secret/app", "a=after"])
        .code(2);
    assert_eq!(bao.must(&["kv", "get", "-field=a", "secret/app"]), "before");
    record(
        "fault",
        "write answered with HTTP 500",
        "exit 2, stored value unchanged",
    );
}

//! `kvault canary` against a real OpenBao (source) and kube-apiserver (target).

use crate::harness::{text, words, KubeCluster, OpenBao, Run};
use predicates::prelude::*;
use std::time::{Duration, Instant};

#[test]
fn a_canary_that_never_arrives_times_out_with_exit_1_and_counts_the_failure() {
    let bao = OpenBao::start();
    let home = tempfile::tempdir().unwrap();
    let metrics = home.path().join("canary.prom");
    for _ in 0..2 {
        let start = Instant::now();
        bao.kvault()
            .args(words(
                "canary run --source vault:secret/canary --target local:canary --timeout 1s",
            ))
            .arg("--metrics-file")
            .arg(&metrics)
            .assert()
            .code(1)
            .stderr(predicate::str::contains("did not arrive at `local:canary`"));
        assert!(start.elapsed() < Duration::from_secs(10));
    }
    let prom = std::fs::read_to_string(&metrics).unwrap();
    assert!(
        prom.contains(r#"kvault_canary_failures_total{source="vault:secret/canary",target="local:canary",reason="timeout"} 2"#),
        "{prom}"
    );
    // The source holds a canary now; a real secret there is never overwritten.
    bao.must(&["kv", "put", "secret/real", "canary=real-value"]);
    bao.kvault()
        .run(&["canary", "create", "--source", "vault:secret/real"])
        .code(2)
        .stderr(predicate::str::contains("not a kvault canary"));
    assert_eq!(
        bao.must(&["kv", "get", "-field=canary", "secret/real"]),
        "real-value"
    );
}

/// The test plays the syncer: it copies the canary from OpenBao to a
/// Kubernetes Secret; kvault sees it arrive through a watch, not a poll loop.
#[test]
fn a_canary_delivered_to_kubernetes_is_seen_through_a_watch() {
    let bao = OpenBao::start();
    let (cluster, ns) = KubeCluster::shared("canary-watch");
    let home = tempfile::tempdir().unwrap();
    let kv = || {
        let mut c = bao.kvault();
        c.env("KUBECONFIG", cluster.kubeconfig("admin"));
        c
    };
    let canary = std::process::Command::new(assert_cmd::cargo::cargo_bin("kvault"))
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap())
        .env("HOME", home.path())
        .env("VAULT_ADDR", &bao.addr)
        .env("VAULT_TOKEN", &bao.token)
        .env("KUBECONFIG", cluster.kubeconfig("admin"))
        .args(words(&format!("canary run --source vault:secret/canary --target k8s:{ns}/canary#CANARY --timeout 30s -o json")))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Wait for the canary at the source, then deliver it after a pause.
    let start = Instant::now();
    let value = loop {
        let out = kv().output_of(&["get", "vault:secret/canary#canary"]);
        if out.status.success() {
            break text(&out.stdout);
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "no canary written"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    std::thread::sleep(Duration::from_millis(1500));
    kv().args(["put", &format!("k8s:{ns}/canary"), "CANARY=-"])
        .write_stdin(value)
        .assert()
        .success();
    let out = canary.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["delivered"], true);
    let latency = report["latency_seconds"].as_f64().unwrap();
    assert!((1.4..15.0).contains(&latency), "latency {latency}");
    // A 1.5 s wait polled at up to 1 s would take several reads; the watch wakes
    // kvault once for the delivery (plus at most a couple of watch events).
    assert!(report["target_reads"].as_u64().unwrap() <= 4, "{report}");
}

/// The pipeline as deployed: `kvault sync --watch` is the syncer, and
/// `canary create` / `canary check` prove that it delivers a change.
#[test]
fn a_canary_is_delivered_by_kvault_sync_watch() {
    let bao = OpenBao::start();
    let (cluster, ns) = KubeCluster::shared("canary-sync");
    let home = tempfile::tempdir().unwrap();
    let plan = home.path().join("plan.yaml");
    std::fs::write(
        &plan,
        format!("secrets:\n  - source: vault:secret/canary\n    target: k8s:{ns}/canary\n"),
    )
    .unwrap();
    let kv = || {
        let mut c = bao.kvault();
        c.env("KUBECONFIG", cluster.kubeconfig("admin"));
        c
    };
    kv().args(["canary", "create", "--source", "vault:secret/canary"])
        .assert()
        .success();
    let mut syncer = std::process::Command::new(assert_cmd::cargo::cargo_bin("kvault"))
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap())
        .env("HOME", home.path())
        .env("VAULT_ADDR", &bao.addr)
        .env("VAULT_TOKEN", &bao.token)
        .env("KUBECONFIG", cluster.kubeconfig("admin"))
        .args(["sync", "-f"])
        .arg(&plan)
        .args(["--watch", "1s", "-q"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let check = |what: &str| {
        let out = kv().output_of(&words(&format!("canary check --source vault:secret/canary --target k8s:{ns}/canary --timeout 30s -o json")));
        assert_eq!(out.status.code(), Some(0), "{what}: {}", text(&out.stderr));
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()
    };
    let first = check("first canary");
    assert_eq!(first["delivered"], true);
    // A second, fresh canary: the syncer must deliver the change, not just
    // the first creation.
    kv().args(["canary", "create", "--source", "vault:secret/canary"])
        .assert()
        .success();
    let second = check("second canary");
    assert_eq!(second["delivered"], true);
    assert_ne!(first["nonce"], second["nonce"], "{first} {second}");
    let latency = second["latency_seconds"].as_f64().unwrap();
    assert!(latency < 15.0, "latency {latency}");
    syncer.kill().unwrap();
    syncer.wait().unwrap();
}

#[test]
fn a_timeout_too_long_is_a_usage_error_not_a_panic() {
    let home = tempfile::tempdir().unwrap();
    for timeout in ["999999999999h", "8d", "99999999999999999999999999h"] {
        let out = crate::harness::kvault_clean(home.path())
            .args(["canary", "run", "--source", "local:canary/src", "--target"])
            .output_of(&["local:canary/dst", "--timeout", timeout]);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{timeout}: {err}");
        assert!(!err.contains("panicked"), "{timeout}: {err}");
        assert!(err.contains("--timeout"), "{timeout}: {err}");
    }
    // Nothing was written at the source.
    crate::harness::kvault_clean(home.path())
        .run(&["get", "local:canary/src"])
        .code(1);
}

/// A metrics file whose counter for this pair is not a count stops the run
/// before anything is written (exit 2, one line naming the file and the
/// line) instead of silently starting the counter from zero again; asked to,
/// kvault resets it. A counter at u64::MAX saturates.
#[test]
fn a_corrupt_metrics_counter_is_an_error_naming_the_file_unless_asked_to_reset() {
    let home = tempfile::tempdir().unwrap();
    let metrics = home.path().join("canary.prom");
    let series = r#"kvault_canary_failures_total{source="local:canary/src",target="local:canary/dst",reason="timeout"}"#;
    let kv = || {
        let mut c = crate::harness::kvault_clean(home.path());
        c.args(["canary", "run", "--source", "local:canary/src", "--target"])
            .args(["local:canary/dst", "--timeout", "200ms", "--metrics-file"])
            .arg(&metrics);
        c
    };
    std::fs::write(&metrics, format!("# a comment\n{series} 12x\n")).unwrap();
    let out = kv().output().unwrap();
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(
        err.contains(&format!("metrics file `{}`, line 2", metrics.display())),
        "{err}"
    );
    assert!(err.contains("--reset-metrics"), "{err}");
    assert!(std::fs::read_to_string(&metrics).unwrap().contains("12x"));
    crate::harness::kvault_clean(home.path())
        .run(&["get", "local:canary/src"])
        .code(1);

    kv().arg("--reset-metrics").assert().code(1);
    let prom = std::fs::read_to_string(&metrics).unwrap();
    assert!(prom.contains(&format!("{series} 1\n")), "{prom}");

    std::fs::write(&metrics, format!("{series} {}\n", u64::MAX)).unwrap();
    kv().assert().code(1);
    let prom = std::fs::read_to_string(&metrics).unwrap();
    assert!(prom.contains(&format!("{series} {}\n", u64::MAX)), "{prom}");
}

#[test]
fn a_canary_is_never_written_into_a_live_application_secret() {
    let bao = OpenBao::start();
    bao.must(&["kv", "put", "secret/app/db", "password=live-value"]);
    for source in ["vault:secret/app/db", "vault:secret/app/db#canary"] {
        bao.kvault()
            .run(&["canary", "create", "--source", source])
            .code(2)
            .stderr(predicate::str::contains("not a kvault canary"));
    }
    let meta = bao.must(&["kv", "metadata", "get", "-format=json", "secret/app/db"]);
    let meta: serde_json::Value = serde_json::from_str(&meta).unwrap();
    assert_eq!(
        meta["data"]["current_version"], 1,
        "the live secret was written"
    );
    // A fresh path becomes a canary, marked in its metadata; it takes more.
    for source in ["vault:secret/canary", "vault:secret/canary#second"] {
        bao.kvault()
            .run(&["canary", "create", "--source", source])
            .success();
    }
    let meta = bao.must(&["kv", "metadata", "get", "-format=json", "secret/canary"]);
    let meta: serde_json::Value = serde_json::from_str(&meta).unwrap();
    assert_eq!(
        meta["data"]["custom_metadata"]["kvault.dev/canary"], "true",
        "{meta}"
    );
    crate::harness::record(
        "safety",
        "canary create on a live application secret",
        "refused, exit 2, the secret keeps its version",
    );
}

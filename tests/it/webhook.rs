//! `kvault webhook` and `kvault inject` against a real kube-apiserver: the
//! apiserver calls the webhook on loopback (URL config, the test CA as
//! caBundle), Pods come back injected, and with the webhook stopped Pod
//! creation follows the failure policy while kube-system is never affected.

use crate::harness::*;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

/// A CA and a server certificate for 127.0.0.1 signed by it, made with
/// openssl as `scripts/kube-test-cluster.sh` makes the apiserver's.
pub struct Certs {
    pub ca: PathBuf,
    pub cert: PathBuf,
    pub key: PathBuf,
}

fn openssl(args: &[&str]) {
    let out = std::process::Command::new("openssl")
        .args(args)
        .output()
        .expect("openssl");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        text(&out.stderr)
    );
}

pub fn make_certs(dir: &Path) -> Certs {
    let p = |name: &str| dir.join(name).to_str().unwrap().to_string();
    openssl(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-sha256",
        "-days",
        "2",
        "-subj",
        "/CN=kvault-test-ca",
        "-keyout",
        &p("ca.key"),
        "-out",
        &p("ca.crt"),
    ]);
    issue(dir, "server", "1001");
    Certs {
        ca: dir.join("ca.crt"),
        cert: dir.join("server.crt"),
        key: dir.join("server.key"),
    }
}

/// A server certificate `NAME.crt`/`NAME.key` for 127.0.0.1, serial `serial` (hex).
pub fn issue(dir: &Path, name: &str, serial: &str) {
    let p = |file: &str| dir.join(file).to_str().unwrap().to_string();
    std::fs::write(dir.join("san.ext"), "subjectAltName=IP:127.0.0.1\n").unwrap();
    openssl(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-sha256",
        "-subj",
        "/CN=127.0.0.1",
        "-keyout",
        &p(&format!("{name}.key")),
        "-out",
        &p(&format!("{name}.csr")),
    ]);
    openssl(&[
        "x509",
        "-req",
        "-sha256",
        "-days",
        "2",
        "-in",
        &p(&format!("{name}.csr")),
        "-CA",
        &p("ca.crt"),
        "-CAkey",
        &p("ca.key"),
        "-set_serial",
        &format!("0x{serial}"),
        "-extfile",
        &p("san.ext"),
        "-out",
        &p(&format!("{name}.crt")),
    ]);
}

/// `kvault webhook` on a free loopback port, killed on drop.
pub struct Webhook {
    child: Child,
    pub port: u16,
    ca: PathBuf,
}

impl Webhook {
    pub fn start(certs: &Certs, extra: &[&str]) -> Webhook {
        let home = tempfile::tempdir().unwrap();
        let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("kvault"))
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", home.path())
            .args(["webhook", "--listen", "127.0.0.1:0"])
            .arg("--tls-cert")
            .arg(&certs.cert)
            .arg("--tls-key")
            .arg(&certs.key)
            .args(extra)
            .stderr(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .expect("start kvault webhook");
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let line = lines
            .next()
            .expect("kvault webhook printed nothing")
            .unwrap();
        let port = line
            .rsplit(':')
            .next()
            .and_then(|p| p.trim().parse().ok())
            .unwrap_or_else(|| panic!("no port in `{line}`"));
        // Keep draining stderr so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        Webhook {
            child,
            port,
            ca: certs.ca.clone(),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("https://127.0.0.1:{}{path}", self.port)
    }

    /// GET `path` over TLS, trusting the test CA: (status, body).
    pub fn get(&self, path: &str) -> (u16, String) {
        let out = std::process::Command::new("curl")
            .args([
                "-s",
                "-o",
                "-",
                "-w",
                "\n%{http_code}",
                "--max-time",
                "5",
                "--cacert",
            ])
            .arg(&self.ca)
            .arg(self.url(path))
            .output()
            .expect("curl");
        let all = text(&out.stdout);
        let (body, code) = all.rsplit_once('\n').unwrap_or(("", "0"));
        (code.trim().parse().unwrap_or(0), body.to_string())
    }

    /// SIGTERM, as the kubelet stops a Pod.
    pub fn terminate(&self) {
        nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(self.child.id() as i32),
            nix::sys::signal::Signal::SIGTERM,
        )
        .unwrap();
    }

    /// The exit status, waiting at most `limit`.
    pub fn exit_within(&mut self, limit: Duration) -> Option<std::process::ExitStatus> {
        let start = Instant::now();
        while start.elapsed() < limit {
            if let Some(status) = self.child.try_wait().unwrap() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        None
    }

    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Webhook {
    fn drop(&mut self) {
        self.stop();
    }
}

fn created(kube: &KubeCluster, path: &str, body: &Value) {
    let (code, answer) = kube.api("admin", "POST", path, Some(&body.to_string()));
    assert!(code == 201 || code == 200, "POST {path}: {code} {answer}");
}

fn namespace_with_default_account(kube: &KubeCluster, ns: &str) {
    if ns != "kube-system" {
        created(
            kube,
            "/api/v1/namespaces",
            &json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}}),
        );
    }
    // No controller-manager here: the ServiceAccount admission wants it made.
    created(
        kube,
        &format!("/api/v1/namespaces/{ns}/serviceaccounts"),
        &json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "default"}}),
    );
}

fn pod(name: &str, labelled: bool, db_password: &str) -> Value {
    let labels = if labelled {
        json!({"app": "api", "kvault.dev/inject": "true"})
    } else {
        json!({"app": "api"})
    };
    json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "labels": labels},
        "spec": {"containers": [{
            "name": "api", "image": "shop/api:1",
            "command": ["/app/server"], "args": ["--listen", ":8080"],
            "env": [{"name": "DB_PASSWORD", "value": db_password}],
        }]},
    })
}

/// Create `pod` in `ns` with a server-side dry run (admission runs, nothing
/// is stored): (status, the Pod or the error as the apiserver returns it).
fn dry_run_pod(kube: &KubeCluster, ns: &str, pod: &Value) -> (u16, Value) {
    let (code, body) = kube.api(
        "admin",
        "POST",
        &format!("/api/v1/namespaces/{ns}/pods?dryRun=All"),
        Some(&pod.to_string()),
    );
    (code, serde_json::from_str(&body).unwrap_or(Value::Null))
}

fn injected(pod: &Value) -> bool {
    pod.pointer("/spec/initContainers/0/name") == Some(&json!("kvault-init"))
}

/// Retry `check` for up to 20 s: the apiserver picks up webhook
/// configurations from its informer a moment after they are written.
fn eventually(what: &str, mut check: impl FnMut() -> Result<(), String>) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        match check() {
            Ok(()) => return,
            Err(e) if Instant::now() > deadline => panic!("{what}: {e}"),
            Err(_) => std::thread::sleep(Duration::from_millis(250)),
        }
    }
}

fn register(kube: &KubeCluster, hook: &Webhook, certs: &Certs, policy: &str) {
    let home = tempfile::tempdir().unwrap();
    let out = kvault_clean(home.path())
        .args([
            "webhook",
            "manifests",
            "-n",
            "kvault",
            "--failure-policy",
            policy,
        ])
        .args(["--url", &hook.url("/mutate")])
        .arg("--ca-bundle")
        .arg(&certs.ca)
        .output()
        .unwrap();
    assert_exit(&out, 0, "kvault webhook manifests");
    let config: serde_yaml::Value = serde_yaml::from_slice(&out.stdout).unwrap();
    let config: Value = serde_json::to_value(config).unwrap();
    let path = "/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations";
    let (code, _) = kube.api("admin", "GET", &format!("{path}/kvault"), None);
    if code == 200 {
        let (code, body) = kube.api("admin", "DELETE", &format!("{path}/kvault"), None);
        assert_eq!(code, 200, "{body}");
    }
    created(kube, path, &config);
}

#[test]
fn the_apiserver_sends_opted_in_pods_through_the_webhook_and_fails_open_without_it() {
    let dir = tempfile::tempdir().unwrap();
    let certs = make_certs(dir.path());
    let mut hook = Webhook::start(
        &certs,
        &[
            "--vault-addr",
            "https://vault.vault.svc:8200",
            "--vault-role",
            "shop-api",
        ],
    );
    assert_eq!(hook.get("/readyz"), (200, "ok\n".to_string()));
    let kube = KubeCluster::start("none");
    namespace_with_default_account(&kube, "shop");
    namespace_with_default_account(&kube, "kube-system");
    register(&kube, &hook, &certs, "ignore");

    // An opted-in Pod comes back injected, as `kvault inject` would write it.
    eventually("an opted-in Pod is injected", || {
        let (code, pod) = dry_run_pod(
            &kube,
            "shop",
            &pod("api", true, "vault:secret/shop/db#password"),
        );
        if code == 201 && injected(&pod) {
            Ok(())
        } else {
            Err(format!("{code} {pod}"))
        }
    });
    let (_, pod_back) = dry_run_pod(
        &kube,
        "shop",
        &pod("api", true, "vault:secret/shop/db#password"),
    );
    let container = &pod_back["spec"]["containers"][0];
    assert_eq!(
        container["command"],
        json!(["/kvault/kvault", "exec", "--"])
    );
    assert_eq!(
        container["args"],
        json!(["/app/server", "--listen", ":8080"])
    );
    let env: Vec<(&str, &str)> = container["env"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["name"].as_str().unwrap(), e["value"].as_str().unwrap()))
        .collect();
    assert!(
        env.contains(&("VAULT_ADDR", "https://vault.vault.svc:8200")),
        "{env:?}"
    );
    assert!(env.contains(&("VAULT_ROLE", "shop-api")), "{env:?}");
    assert_eq!(
        pod_back["spec"]["volumes"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|v| v["name"] == "kvault-bin")
            .count(),
        1
    );

    // Without the label the webhook is never called: the Pod is as sent.
    let (code, plain) = dry_run_pod(
        &kube,
        "shop",
        &pod("plain", false, "vault:secret/shop/db#password"),
    );
    assert_eq!(code, 201, "{plain}");
    assert!(!injected(&plain), "{plain}");

    // A Pod that asks for kvault but could not get its secrets is refused, saying why.
    let (code, refused) = dry_run_pod(&kube, "shop", &pod("bad", true, "vault:secret/shop/db#"));
    assert_eq!(code, 400, "{refused}");
    let message = refused["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("kvault webhook: pod shop/bad: container `api`, env DB_PASSWORD"),
        "{message}"
    );

    let (code, metrics) = hook.get("/metrics");
    assert_eq!(code, 200);
    assert!(
        metrics.contains("kvault_webhook_reviews_total{result=\"mutated\"}"),
        "{metrics}"
    );
    assert!(
        metrics.contains("kvault_webhook_reviews_total{result=\"denied\"} 1"),
        "{metrics}"
    );

    // The webhook down, failurePolicy Ignore: Pods are created, uninjected.
    hook.stop();
    let (code, pod_down) = dry_run_pod(
        &kube,
        "shop",
        &pod("down", true, "vault:secret/shop/db#password"),
    );
    assert_eq!(code, 201, "fail open: {pod_down}");
    assert!(!injected(&pod_down));

    // failurePolicy Fail: opted-in Pods are refused while it is down...
    register(&kube, &hook, &certs, "fail");
    eventually("an opted-in Pod is refused with the webhook down", || {
        let (code, answer) = dry_run_pod(
            &kube,
            "shop",
            &pod("blocked", true, "vault:secret/shop/db#password"),
        );
        match code {
            500 if answer.to_string().contains("pods.kvault.dev") => Ok(()),
            _ => Err(format!("{code} {answer}")),
        }
    });
    // ...but kube-system never waits on it, labelled or not.
    let (code, system) = dry_run_pod(
        &kube,
        "kube-system",
        &pod("system", true, "vault:secret/shop/db#password"),
    );
    assert_eq!(code, 201, "kube-system is excluded: {system}");
    assert!(!injected(&system));

    // The live audit finds nothing wrong with kvault's registration (Fail
    // included), and all three risks in a sidecar injector's.
    let risky: serde_yaml::Value = serde_yaml::from_str(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/manifests/webhooks.yaml"),
        )
        .unwrap(),
    )
    .unwrap();
    created(
        &kube,
        "/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations",
        &serde_json::to_value(risky).unwrap(),
    );
    let home = tempfile::tempdir().unwrap();
    let out = kube
        .kvault(home.path(), "admin")
        .args(["audit", "-o", "json"])
        .output()
        .unwrap();
    let doc: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", text(&out.stderr)));
    let mut webhook_findings: Vec<(String, String)> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["id"].as_str().unwrap().starts_with("KV-ADM-"))
        .map(|f| {
            (
                f["id"].as_str().unwrap().to_string(),
                f["objects"][0]["name"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
            )
        })
        .collect();
    webhook_findings.sort();
    let expected: Vec<(String, String)> = ["KV-ADM-001", "KV-ADM-002", "KV-ADM-003"]
        .iter()
        .map(|id| (id.to_string(), "sidecar-injector".to_string()))
        .collect();
    assert_eq!(webhook_findings, expected, "{}", text(&out.stdout));
}

#[test]
fn the_webhook_serves_a_renewed_certificate_without_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let certs = make_certs(dir.path());
    let hook = Webhook::start(&certs, &[]);
    let serial = || {
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!(
                "openssl s_client -connect 127.0.0.1:{} -servername 127.0.0.1 </dev/null 2>/dev/null | openssl x509 -noout -serial",
                hook.port
            ))
            .output()
            .unwrap();
        text(&out.stdout).trim().to_string()
    };
    assert_eq!(serial(), "serial=1001");
    // Renewed the way a Secret volume does it: new files moved into place.
    issue(dir.path(), "renewed", "2002");
    std::fs::rename(dir.path().join("renewed.key"), &certs.key).unwrap();
    std::fs::rename(dir.path().join("renewed.crt"), &certs.cert).unwrap();
    eventually("the renewed certificate is served", || {
        match serial().as_str() {
            "serial=2002" => Ok(()),
            other => Err(other.to_string()),
        }
    });
    // A key that does not load leaves the renewed certificate in service.
    let failed = || {
        let (_, metrics) = hook.get("/metrics");
        metrics
            .lines()
            .find(|l| l.starts_with("kvault_webhook_certificate_reloads_total{result=\"failed\"}"))
            .and_then(|l| l.rsplit(' ').next()?.parse::<u64>().ok())
            .unwrap_or(0)
    };
    let before = failed();
    std::fs::write(
        &certs.key,
        "-----BEGIN PRIVATE KEY-----\nbroken\n-----END PRIVATE KEY-----\n",
    )
    .unwrap();
    eventually("the failed reload is counted", || match failed() {
        n if n > before => Ok(()),
        n => Err(format!("{n} failed reloads")),
    });
    assert_eq!(serial(), "serial=2002");
    assert_eq!(hook.get("/healthz").0, 200);

    // SIGTERM: not ready, but still answering while the endpoints catch up;
    // then it exits cleanly.
    let mut hook = hook;
    let stopping = Instant::now();
    hook.terminate();
    eventually("/readyz turns 503", || match hook.get("/readyz").0 {
        503 => Ok(()),
        code => Err(code.to_string()),
    });
    assert_eq!(hook.get("/healthz").0, 200, "still serving after SIGTERM");
    let status = hook
        .exit_within(Duration::from_secs(20))
        .expect("exits after SIGTERM");
    assert!(status.success(), "{status:?}");
    assert!(
        stopping.elapsed() >= Duration::from_secs(5),
        "served the 5 s after SIGTERM"
    );
}

#[test]
fn a_webhook_without_a_usable_certificate_refuses_to_start_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let certs = make_certs(dir.path());
    let home = tempfile::tempdir().unwrap();
    let out = kvault_clean(home.path())
        .args(["webhook", "--listen", "127.0.0.1:0", "--tls-cert"])
        .arg(&certs.cert)
        .arg("--tls-key")
        .arg(&certs.ca)
        .output()
        .unwrap();
    assert_exit(&out, 2, "a key that is a certificate");
    let message = messages(&out);
    assert!(
        message.contains("ca.crt`: not a PEM private key"),
        "{message}"
    );
    assert_eq!(message.lines().count(), 1, "{message}");
}

#[test]
fn the_example_webhook_deployment_is_accepted_by_the_apiserver_and_audits_without_high_findings() {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/kubernetes/webhook.yaml");
    let text_of_example = std::fs::read_to_string(&example).unwrap();
    let kube = KubeCluster::start("none");
    use serde::Deserialize;
    let mut kinds = Vec::new();
    for doc in serde_yaml::Deserializer::from_str(&text_of_example) {
        let doc = serde_yaml::Value::deserialize(doc).unwrap();
        if doc.is_null() {
            continue;
        }
        let doc: Value = serde_json::to_value(doc).unwrap();
        let kind = doc["kind"].as_str().unwrap().to_string();
        let path = match kind.as_str() {
            // Made for real: the namespaced objects need it to exist.
            "Namespace" => "/api/v1/namespaces".to_string(),
            "ServiceAccount" => "/api/v1/namespaces/kvault/serviceaccounts?dryRun=All".into(),
            "Service" => "/api/v1/namespaces/kvault/services?dryRun=All".into(),
            "Deployment" => "/apis/apps/v1/namespaces/kvault/deployments?dryRun=All".into(),
            "PodDisruptionBudget" => {
                "/apis/policy/v1/namespaces/kvault/poddisruptionbudgets?dryRun=All".into()
            }
            "MutatingWebhookConfiguration" => {
                "/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations?dryRun=All"
                    .into()
            }
            other => panic!("unexpected kind {other} in the example"),
        };
        let strict = if path.contains('?') {
            "&fieldValidation=Strict"
        } else {
            ""
        };
        let (code, body) = kube.api(
            "admin",
            "POST",
            &format!("{path}{strict}"),
            Some(&doc.to_string()),
        );
        assert_eq!(code, 201, "{kind}: {body}");
        kinds.push(kind);
    }
    assert_eq!(
        kinds,
        [
            "Namespace",
            "ServiceAccount",
            "Deployment",
            "PodDisruptionBudget",
            "Service",
            "MutatingWebhookConfiguration"
        ]
    );
    let doc = audit_finds_nothing_high(&example);
    let ids: Vec<&str> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    // Only what a manifest alone cannot show: encryption at rest, and the
    // TLS Secret that cert-manager (or the operator) creates.
    assert_eq!(ids, ["KV-ENC-002", "KV-WL-007"]);
}

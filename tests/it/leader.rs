//! `kvault sync --watch --leader-elect` with three replicas against the real
//! kube-apiserver and OpenBao: one writer at a time, a follower takes over
//! within the lease duration when the leader is paused or killed, a paused
//! leader that wakes up writes nothing, and everything converges. Who wrote
//! what, when, is read back from the apiserver's audit log (each replica
//! runs as its own Kubernetes user).

use crate::harness::*;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

const REPLICAS: [&str; 3] = ["alice", "bob", "carol"];
const POLICY: &str = r#"apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
- level: Metadata
  verbs: [create, update, patch, delete]
  resources: [{group: "", resources: [secrets]}, {group: coordination.k8s.io, resources: [leases]}]
- level: None
"#;

fn created(kube: &KubeCluster, path: &str, body: Value) {
    let (code, answer) = kube.api("admin", "POST", path, Some(&body.to_string()));
    assert_eq!(code, 201, "POST {path}: {answer}");
}

/// The replicas may do what the plan needs in `prod`, and no more.
fn least_privilege(kube: &KubeCluster) {
    created(
        kube,
        "/api/v1/namespaces",
        json!({"metadata": {"name": "prod"}}),
    );
    created(
        kube,
        "/apis/rbac.authorization.k8s.io/v1/namespaces/prod/roles",
        json!({"metadata": {"name": "kvault-sync"}, "rules": [
            {"apiGroups": [""], "resources": ["secrets"], "resourceNames": ["app-db"],
             "verbs": ["get", "update", "patch"]},
            {"apiGroups": [""], "resources": ["secrets"], "verbs": ["create"]},
            {"apiGroups": ["coordination.k8s.io"], "resources": ["leases"], "resourceNames": ["kvault-sync"],
             "verbs": ["get", "update", "patch"]},
            {"apiGroups": ["coordination.k8s.io"], "resources": ["leases"], "verbs": ["create"]},
        ]}),
    );
    created(
        kube,
        "/apis/rbac.authorization.k8s.io/v1/namespaces/prod/rolebindings",
        json!({"metadata": {"name": "kvault-sync"},
               "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "kvault-sync"},
               "subjects": REPLICAS.iter().map(|u| json!({"kind": "User", "name": u})).collect::<Vec<_>>()}),
    );
}

fn replica(
    kube: &KubeCluster,
    bao: &OpenBao,
    home: &std::path::Path,
    plan: &std::path::Path,
    user: &str,
) -> Child {
    let kubeconfig = std::path::Path::new(kube.kubeconfig(user));
    replica_with(
        kubeconfig,
        &bao.addr,
        &bao.token,
        home,
        plan,
        user,
        ("4s", "2s"),
    )
}

/// One replica as Kubernetes user `user` (through `kubeconfig`), logging to
/// the temp dir for `wait_for` to show on failure.
fn replica_with(
    kubeconfig: &std::path::Path,
    vault_addr: &str,
    vault_token: &str,
    home: &std::path::Path,
    plan: &std::path::Path,
    user: &str,
    (duration, grace): (&str, &str),
) -> Child {
    std::process::Command::new(assert_cmd::cargo::cargo_bin("kvault"))
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("KUBECONFIG", kubeconfig)
        .env("VAULT_ADDR", vault_addr)
        .env("VAULT_TOKEN", vault_token)
        .args([
            "sync", "-o", "json", "--watch", "200ms", "--jitter", "0", "-f",
        ])
        .arg(plan)
        .args([
            "--leader-elect",
            "--lease-namespace",
            "prod",
            "--lease-identity",
            user,
        ])
        .args(["--lease-duration", duration, "--lease-grace", grace])
        .arg("-v")
        .stdout(Stdio::null())
        .stderr(
            std::fs::File::create(std::env::temp_dir().join(format!("kvault-leader-{user}.log")))
                .unwrap(),
        )
        .spawn()
        .expect("start a replica")
}

/// The admin's GET of `path`, parsed; `None` unless 200.
fn get_json(kube: &KubeCluster, path: &str) -> Option<Value> {
    let (code, body) = kube.api("admin", "GET", path, None);
    (code == 200)
        .then(|| serde_json::from_str(&body).ok())
        .flatten()
}

fn holder(kube: &KubeCluster) -> Option<String> {
    let lease = get_json(
        kube,
        "/apis/coordination.k8s.io/v1/namespaces/prod/leases/kvault-sync",
    )?;
    lease["spec"]["holderIdentity"].as_str().map(str::to_string)
}

/// The source version the target carries.
fn synced_version(kube: &KubeCluster) -> Option<u64> {
    let secret = get_json(kube, "/api/v1/namespaces/prod/secrets/app-db")?;
    secret["metadata"]["annotations"]["kvault.dev/source-version"]
        .as_str()?
        .parse()
        .ok()
}

fn wait_for<T>(what: &str, limit: Duration, mut probe: impl FnMut() -> Option<T>) -> (T, Duration) {
    let start = Instant::now();
    loop {
        if let Some(found) = probe() {
            return (found, start.elapsed());
        }
        if start.elapsed() > limit {
            let logs: String = REPLICAS
                .iter()
                .map(|u| {
                    let log = std::env::temp_dir().join(format!("kvault-leader-{u}.log"));
                    format!(
                        "--- {u}:\n{}\n",
                        std::fs::read_to_string(log).unwrap_or_default()
                    )
                })
                .collect();
            panic!("{what}: not within {limit:?}\n{logs}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Puts a new version of `secret/app/db` every `every` until stopped, so
/// that the leader has something to write all along.
struct SourceWriter {
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: std::thread::JoinHandle<()>,
}

impl SourceWriter {
    fn start(bao: &OpenBao, every: Duration) -> SourceWriter {
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (addr, token, flag) = (bao.addr.clone(), bao.token.clone(), stop.clone());
        let bao_bin = bao_binary();
        let thread = std::thread::spawn(move || {
            let mut n = 2;
            while !flag.load(std::sync::atomic::Ordering::SeqCst) {
                let _ = std::process::Command::new(&bao_bin)
                    .env("BAO_ADDR", &addr)
                    .env("BAO_TOKEN", &token)
                    .args(["kv", "put", "secret/app/db", &format!("password=v{n}")])
                    .output();
                n += 1;
                std::thread::sleep(every);
            }
        });
        SourceWriter { stop, thread }
    }

    fn stop(self) {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
        self.thread.join().unwrap();
    }
}

fn signal(child: &Child, sig: nix::sys::signal::Signal) {
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(child.id() as i32), sig).unwrap();
}

/// Successful writes in the audit log: (time received, user, resource).
fn writes(log: &std::path::Path) -> Vec<(String, String, String)> {
    let mut out: Vec<(String, String, String)> = std::fs::read_to_string(log)
        .unwrap()
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|e| e["stage"] == "ResponseComplete")
        .filter(|e| {
            e["responseStatus"]["code"]
                .as_u64()
                .is_some_and(|c| (200..300).contains(&c))
        })
        .filter(|e| REPLICAS.contains(&e["user"]["username"].as_str().unwrap_or_default()))
        .map(|e| {
            (
                e["requestReceivedTimestamp"].as_str().unwrap().to_string(),
                e["user"]["username"].as_str().unwrap().to_string(),
                e["objectRef"]["resource"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn replicas_write_one_at_a_time_take_over_within_the_lease_and_converge() {
    let dir = tempfile::tempdir().unwrap();
    let (kube, _, log) = KubeCluster::start_audited(dir.path(), POLICY);
    let bao = OpenBao::start();
    least_privilege(&kube);
    bao.must(&["kv", "put", "secret/app/db", "password=v1"]);
    let plan = dir.path().join("plan.yaml");
    std::fs::write(
        &plan,
        "secrets:\n  - source: vault:secret/app/db\n    target: k8s:prod/app-db\n",
    )
    .unwrap();

    let home = tempfile::tempdir().unwrap();
    let mut replicas: BTreeMap<String, Child> = REPLICAS
        .iter()
        .map(|u| (u.to_string(), replica(&kube, &bao, home.path(), &plan, u)))
        .collect();
    let (first, _) = wait_for("a leader", Duration::from_secs(20), || holder(&kube));
    wait_for("the first sync", Duration::from_secs(20), || {
        synced_version(&kube).filter(|v| *v >= 1)
    });

    // A writer keeps changing the source, so the leader writes all along.
    let writer = SourceWriter::start(&bao, Duration::from_millis(300));

    // The leader stops (a long GC pause, a partition): a follower takes over.
    std::thread::sleep(Duration::from_secs(2));
    signal(&replicas[&first], nix::sys::signal::Signal::SIGSTOP);
    let (second, paused_takeover) = wait_for(
        "a new leader after SIGSTOP",
        Duration::from_secs(15),
        || holder(&kube).filter(|h| *h != first),
    );
    let written = synced_version(&kube).unwrap();
    wait_for("the new leader writes", Duration::from_secs(10), || {
        synced_version(&kube).filter(|v| *v > written)
    });
    // The old leader wakes up: its lease ran out, so it writes nothing.
    signal(&replicas[&first], nix::sys::signal::Signal::SIGCONT);
    std::thread::sleep(Duration::from_secs(3));

    // The new leader is killed outright.
    let mut killed = replicas.remove(&second).unwrap();
    killed.kill().unwrap();
    killed.wait().unwrap();
    let (third, killed_takeover) = wait_for(
        "a new leader after SIGKILL",
        Duration::from_secs(15),
        || holder(&kube).filter(|h| *h != second),
    );

    // Everyone converges on the source's last version.
    writer.stop();
    let (last, _) = wait_for("the source's version", Duration::from_secs(5), || {
        let out = bao.bao(&["kv", "metadata", "get", "-format=json", "secret/app/db"]);
        let meta: Value = serde_json::from_slice(&out.stdout).ok()?;
        meta["data"]["current_version"].as_u64()
    });
    wait_for("convergence", Duration::from_secs(15), || {
        synced_version(&kube).filter(|v| *v == last)
    });
    for (_, mut child) in replicas {
        let _ = child.kill();
        let _ = child.wait();
    }
    eprintln!(
        "leader election: {first} paused, {second} took over in {paused_takeover:?}; {second} killed, {third} took over in {killed_takeover:?}"
    );

    // From the audit log: each Secret write came from the replica that
    // wrote the Lease last (took it or renewed it) — never from a former
    // leader after another took over.
    let events = writes(&log);
    let mut lease_holder: Option<&str> = None;
    let mut secret_writes: BTreeMap<&str, usize> = BTreeMap::new();
    for (at, user, resource) in &events {
        match resource.as_str() {
            "leases" => lease_holder = Some(user),
            "secrets" => {
                assert_eq!(
                    lease_holder,
                    Some(user.as_str()),
                    "{user} wrote the Secret at {at} while the Lease was {lease_holder:?}'s"
                );
                *secret_writes.entry(user).or_default() += 1;
            }
            _ => {}
        }
    }
    assert!(
        secret_writes.contains_key(first.as_str()) && secret_writes.contains_key(second.as_str()),
        "{secret_writes:?}"
    );
    assert_ne!(first, second);
    eprintln!("secret writes by replica: {secret_writes:?}");
}

/// A TCP relay to the apiserver that the test can cut: every open
/// connection is shut and new ones are refused (a network partition
/// between one replica and the apiserver, Vault still reachable).
struct Relay {
    port: u16,
    cut: std::sync::Arc<std::sync::atomic::AtomicBool>,
    open: std::sync::Arc<std::sync::Mutex<Vec<std::net::TcpStream>>>,
}

impl Relay {
    fn to(upstream: std::net::SocketAddr) -> Relay {
        use std::sync::atomic::Ordering;
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let cut = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let open = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let (cut2, open2) = (cut.clone(), open.clone());
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                if cut2.load(Ordering::SeqCst) {
                    drop(client);
                    continue;
                }
                let Ok(server) = std::net::TcpStream::connect(upstream) else {
                    continue;
                };
                let mut list = open2.lock().unwrap();
                list.push(client.try_clone().unwrap());
                list.push(server.try_clone().unwrap());
                for (mut from, mut to) in [
                    (client.try_clone().unwrap(), server.try_clone().unwrap()),
                    (server, client),
                ] {
                    std::thread::spawn(move || {
                        let _ = std::io::copy(&mut from, &mut to);
                        let _ = to.shutdown(std::net::Shutdown::Both);
                    });
                }
            }
        });
        Relay { port, cut, open }
    }

    fn cut(&self) {
        self.cut.store(true, std::sync::atomic::Ordering::SeqCst);
        for stream in self.open.lock().unwrap().drain(..) {
            let _ = stream.shutdown(std::net::Shutdown::Both);
        }
    }
}

/// Successful writes to `path` (data or metadata) in OpenBao's audit log:
/// (time, the token's display name without `token-`).
fn vault_writes(log: &std::path::Path, path: &str) -> Vec<(String, String)> {
    let data = format!("secret/data/{path}");
    let metadata = format!("secret/metadata/{path}");
    std::fs::read_to_string(log)
        .unwrap()
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|e| e["type"] == "response" && e.get("error").is_none_or(Value::is_null))
        .filter(|e| {
            let p = e["request"]["path"].as_str().unwrap_or_default();
            (p == data || p == metadata)
                && matches!(
                    e["request"]["operation"].as_str(),
                    Some("create" | "update")
                )
        })
        .map(|e| {
            let who = e["auth"]["display_name"].as_str().unwrap_or_default();
            (
                e["time"].as_str().unwrap().to_string(),
                who.strip_prefix("token-").unwrap_or(who).to_string(),
            )
        })
        .collect()
}

/// RFC 3339 times from both logs, in one comparable form (UTC, nanoseconds).
fn instant(text: &str) -> i128 {
    text.parse::<k8s_openapi::jiff::Timestamp>()
        .unwrap()
        .as_nanosecond()
}

#[test]
fn a_leader_cut_off_from_the_apiserver_stops_writing_before_another_takes_over() {
    let dir = tempfile::tempdir().unwrap();
    let vault_log = dir.path().join("vault-audit.log");
    let (kube, _, kube_log) = KubeCluster::start_audited(dir.path(), POLICY);
    let bao = OpenBao::start_audited(&vault_log);
    least_privilege(&kube);
    bao.must(&["kv", "put", "secret/app/db", "password=v1"]);
    // Vault to Vault: the Lease lives on the apiserver, the writes do not.
    let plan = dir.path().join("plan.yaml");
    std::fs::write(
        &plan,
        "secrets:\n  - source: vault:secret/app/db\n    target: vault:secret/copy/db\n",
    )
    .unwrap();
    let upstream: std::net::SocketAddr = kube
        .var("KVAULT_TEST_KUBE_SERVER")
        .trim_start_matches("https://")
        .parse()
        .unwrap();
    let home = tempfile::tempdir().unwrap();
    let mut relays = BTreeMap::new();
    let mut replicas = BTreeMap::new();
    for user in REPLICAS {
        let relay = Relay::to(upstream);
        let config = std::fs::read_to_string(kube.kubeconfig(user))
            .unwrap()
            .replace(&upstream.to_string(), &format!("127.0.0.1:{}", relay.port));
        let kubeconfig = dir.path().join(format!("kubeconfig-{user}"));
        std::fs::write(&kubeconfig, config).unwrap();
        // Each replica its own token, named in OpenBao's audit log.
        let token = bao.must(&[
            "token",
            "create",
            "-policy=root",
            &format!("-display-name={user}"),
            "-field=token",
        ]);
        replicas.insert(
            user,
            replica_with(
                &kubeconfig,
                &bao.addr,
                token.trim(),
                home.path(),
                &plan,
                user,
                // Renewed every 2 s, writes stop 2 s before anyone may take
                // over: room for a loaded machine's slow requests.
                ("6s", "4s"),
            ),
        );
        relays.insert(user, relay);
    }
    let (first, _) = wait_for("a leader", Duration::from_secs(20), || holder(&kube));
    let copied = || {
        let out = bao.bao(&["kv", "get", "-format=json", "secret/copy/db"]);
        let doc: Value = serde_json::from_slice(&out.stdout).ok()?;
        doc["data"]["data"]["password"].as_str().map(str::to_string)
    };
    wait_for("the first sync", Duration::from_secs(20), || {
        copied().filter(|p| p == "v1")
    });

    let writer = SourceWriter::start(&bao, Duration::from_millis(250));
    std::thread::sleep(Duration::from_secs(2));
    relays[first.as_str()].cut();
    let (second, takeover) = wait_for(
        "a new leader after the partition",
        Duration::from_secs(20),
        || holder(&kube).filter(|h| *h != first),
    );
    // The cut-off leader keeps running, Vault in reach, for a while longer.
    std::thread::sleep(Duration::from_secs(4));
    writer.stop();
    let source = || {
        let out = bao.bao(&["kv", "get", "-format=json", "secret/app/db"]);
        let doc: Value = serde_json::from_slice(&out.stdout).ok()?;
        doc["data"]["data"]["password"].as_str().map(str::to_string)
    };
    let last = source().unwrap();
    wait_for("convergence", Duration::from_secs(15), || {
        copied().filter(|p| *p == last)
    });
    for (_, mut child) in replicas {
        let _ = child.kill();
        let _ = child.wait();
    }

    // Merge both logs on one clock: Lease writes (apiserver) and target
    // writes (OpenBao). Each target write came from the last Lease writer.
    let mut timeline: Vec<(i128, String, &str)> = writes(&kube_log)
        .into_iter()
        .filter(|(_, _, resource)| resource == "leases")
        .map(|(at, user, _)| (instant(&at), user, "lease"))
        .chain(
            vault_writes(&vault_log, "copy/db")
                .into_iter()
                .map(|(at, user)| (instant(&at), user, "write")),
        )
        .collect();
    timeline.sort();
    let mut holder_now: Option<String> = None;
    let mut by = BTreeMap::<String, usize>::new();
    for (at, user, what) in &timeline {
        match *what {
            "lease" => holder_now = Some(user.clone()),
            _ => {
                assert_eq!(
                    holder_now.as_deref(),
                    Some(user.as_str()),
                    "{user} wrote the target at {at} while the Lease was {holder_now:?}'s"
                );
                *by.entry(user.clone()).or_default() += 1;
            }
        }
    }
    eprintln!("partition: {first} cut off, {second} took over in {takeover:?}; target writes by replica: {by:?}");
    assert!(
        by.contains_key(first.as_str()) && by.contains_key(second.as_str()),
        "{by:?}"
    );
}

/// `examples/kubernetes/sync.yaml`, applied to the test apiserver: its RBAC
/// is enough for the plan (a replica running as its ServiceAccount, leader
/// election included, syncs both Secrets and rolls the Deployment out), the
/// rest passes a strict dry run, and the audit finds nothing high in it.
#[test]
fn the_example_sync_deployment_works_with_exactly_its_rbac() {
    use serde::Deserialize;
    let example =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/kubernetes/sync.yaml");
    let text_of_example = std::fs::read_to_string(&example).unwrap();
    let kube = KubeCluster::start("none");
    let bao = OpenBao::start();
    bao.must(&["kv", "put", "secret/shop/db", "password=example-db-pass"]);
    bao.must(&[
        "kv",
        "put",
        "secret/shop/stripe",
        "api_key=example-stripe-key",
    ]);
    created(
        &kube,
        "/api/v1/namespaces",
        json!({"metadata": {"name": "shop"}}),
    );
    created(
        &kube,
        "/apis/apps/v1/namespaces/shop/deployments",
        json!({"metadata": {"name": "api"}, "spec": {
            "selector": {"matchLabels": {"app": "api"}},
            "template": {"metadata": {"labels": {"app": "api"}},
                         "spec": {"containers": [{"name": "api", "image": "shop/api:1"}]}}}}),
    );
    let mut plan = None;
    for doc in serde_yaml::Deserializer::from_str(&text_of_example) {
        let doc: Value =
            serde_json::to_value(serde_yaml::Value::deserialize(doc).unwrap()).unwrap();
        if doc.is_null() {
            continue;
        }
        let kind = doc["kind"].as_str().unwrap();
        let ns = doc["metadata"]["namespace"].as_str().unwrap_or_default();
        let (path, dry) = match kind {
            "Namespace" => ("/api/v1/namespaces".to_string(), false),
            "ServiceAccount" => (format!("/api/v1/namespaces/{ns}/serviceaccounts"), false),
            "ConfigMap" => {
                plan = doc["data"]["plan.yaml"].as_str().map(str::to_string);
                (format!("/api/v1/namespaces/{ns}/configmaps"), false)
            }
            "Role" => (
                format!("/apis/rbac.authorization.k8s.io/v1/namespaces/{ns}/roles"),
                false,
            ),
            "RoleBinding" => (
                format!("/apis/rbac.authorization.k8s.io/v1/namespaces/{ns}/rolebindings"),
                false,
            ),
            "Deployment" => (format!("/apis/apps/v1/namespaces/{ns}/deployments"), true),
            "PodDisruptionBudget" => (
                format!("/apis/policy/v1/namespaces/{ns}/poddisruptionbudgets"),
                true,
            ),
            other => panic!("unexpected kind {other}"),
        };
        let query = if dry {
            "?dryRun=All&fieldValidation=Strict"
        } else {
            "?fieldValidation=Strict"
        };
        let (code, body) = kube.api(
            "admin",
            "POST",
            &format!("{path}{query}"),
            Some(&doc.to_string()),
        );
        assert_eq!(code, 201, "{kind}: {body}");
    }

    // A replica as the ServiceAccount: a token from the TokenRequest API.
    let token = kube.service_account_token("kvault", "kvault-sync", r#"{"expirationSeconds":600}"#);
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("kubeconfig-sync");
    std::fs::write(
        &kubeconfig,
        std::fs::read_to_string(kube.kubeconfig("admin"))
            .unwrap()
            .replace(kube.token("admin"), &token),
    )
    .unwrap();
    let plan_file = dir.path().join("plan.yaml");
    std::fs::write(&plan_file, plan.expect("the plan in the ConfigMap")).unwrap();
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("kvault"))
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", dir.path())
        .env("KUBECONFIG", &kubeconfig)
        .env("VAULT_ADDR", &bao.addr)
        .env("VAULT_TOKEN", &bao.token)
        .args(["sync", "-o", "json", "--watch", "200ms", "-f"])
        .arg(&plan_file)
        .args([
            "--leader-elect",
            "--lease-namespace",
            "kvault",
            "--lease-identity",
            "kvault-sync-0",
        ])
        .args(["--lease-duration", "4s", "--lease-grace", "2s"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    use std::io::BufRead;
    let mut runs = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let mut next = || -> Value {
        serde_json::from_str(&runs.next().expect("a run's summary").unwrap()).unwrap()
    };
    let first = next();
    assert_eq!(
        (&first["errors"], &first["created"]),
        (&json!([]), &json!(2)),
        "{first}"
    );
    // A change at the source: the Secret is updated and the Deployment rolled out.
    bao.must(&["kv", "put", "secret/shop/db", "password=example-db-pass-2"]);
    let changed = loop {
        let run = next();
        assert_eq!(run["errors"], json!([]), "{run}");
        if run["updated"] == 1 {
            break run;
        }
    };
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(
        changed["rollouts"][0]["workload"], "shop/deployment/api",
        "{changed}"
    );

    audit_finds_nothing_high(&example);
}

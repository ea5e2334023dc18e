//! Shared test harness: real servers started by the tests themselves, and a
//! `kvault` command with a clean environment (nothing from the host leaks in).
#![allow(dead_code)]

use assert_cmd::Command;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

/// The `bao` binary: `KVAULT_TEST_BAO`, else `bao` on PATH. Installed by
/// `scripts/install-test-deps.sh`; a missing binary fails the test loudly.
pub fn bao_binary() -> PathBuf {
    if let Some(p) = std::env::var_os("KVAULT_TEST_BAO") {
        return p.into();
    }
    which("bao").unwrap_or_else(|| {
        panic!("`bao` (OpenBao) is not on PATH: run scripts/install-test-deps.sh (the integration tests need a real server)")
    })
}

pub fn which(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join(name))
            .find(|p| p.is_file())
    })
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A real OpenBao dev server on a free loopback port, stopped on drop.
pub struct OpenBao {
    pub addr: String,
    pub token: String,
    pub home: tempfile::TempDir,
    child: Option<Child>,
}

impl OpenBao {
    pub fn start() -> OpenBao {
        Self::start_with(false, None)
    }

    /// A dev server serving TLS with its own CA (`ca_cert()`).
    pub fn start_tls() -> OpenBao {
        Self::start_with(true, None)
    }

    /// A dev server with a file audit device logging to `log` (OpenBao 2
    /// creates audit devices through the API only when its configuration
    /// allows it).
    pub fn start_audited(log: &Path) -> OpenBao {
        let bao = Self::start_with(false, Some("unsafe_allow_api_audit_creation = true\n"));
        bao.must(&[
            "audit",
            "enable",
            "file",
            &format!("file_path={}", log.display()),
        ]);
        bao
    }

    pub fn ca_cert(&self) -> PathBuf {
        self.home.path().join("vault-ca.pem")
    }

    fn start_with(tls: bool, config: Option<&str>) -> OpenBao {
        for _ in 0..5 {
            let home = tempfile::tempdir().unwrap();
            if let Some(hcl) = config {
                std::fs::write(home.path().join("extra.hcl"), hcl).unwrap();
            }
            let scheme = if tls { "https" } else { "http" };
            let mut bao = OpenBao {
                addr: format!("{scheme}://127.0.0.1:{}", free_port()),
                token: "kvault-test-root".to_string(),
                home,
                child: None,
            };
            if bao.launch() {
                return bao;
            }
            bao.stop();
        }
        panic!("OpenBao dev server did not become ready");
    }

    /// Start a new dev server at the address and home of one that was
    /// stopped (its data is gone: dev servers keep it in memory).
    pub fn restart(&mut self) {
        self.stop();
        for _ in 0..20 {
            if self.launch() {
                return;
            }
            self.stop();
            std::thread::sleep(Duration::from_millis(200));
        }
        panic!("OpenBao dev server did not start again at {}", self.addr);
    }

    /// Run the dev server at `addr` in `home`; whether it became ready.
    fn launch(&mut self) -> bool {
        let tls = self.addr.starts_with("https:");
        let port = self.addr.rsplit(':').next().unwrap().to_string();
        let home = self.home.path();
        let extra = home.join("extra.hcl");
        let log = std::fs::File::create(home.join("bao.log")).unwrap();
        let child = std::process::Command::new(bao_binary())
            .args([
                "server",
                "-dev",
                &format!("-dev-listen-address=127.0.0.1:{port}"),
                &format!("-dev-root-token-id={}", self.token),
            ])
            .args(
                extra
                    .exists()
                    .then(|| format!("-config={}", extra.display())),
            )
            .args(if tls {
                vec![
                    "-dev-tls".to_string(),
                    format!("-dev-tls-cert-dir={}", home.display()),
                ]
            } else {
                vec![]
            })
            // The dev server writes ~/.vault-token: keep it out of the real home.
            .env("HOME", home)
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("start bao");
        self.child = Some(child);
        self.wait_ready(Duration::from_secs(20))
    }

    fn wait_ready(&mut self, limit: Duration) -> bool {
        let start = Instant::now();
        while start.elapsed() < limit {
            if let Some(child) = self.child.as_mut() {
                if let Ok(Some(_)) = child.try_wait() {
                    return false;
                }
            }
            if self.bao(&["status"]).status.success() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        false
    }

    /// Run the `bao` CLI against this server as root.
    pub fn bao(&self, args: &[&str]) -> std::process::Output {
        let mut cmd = std::process::Command::new(bao_binary());
        cmd.args(args)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.home.path())
            .env("BAO_ADDR", &self.addr)
            .env("BAO_TOKEN", &self.token)
            .stdin(Stdio::null());
        if self.ca_cert().exists() {
            cmd.env("BAO_CACERT", self.ca_cert());
        }
        cmd.output().expect("run bao")
    }

    /// Write the ACL policy `name` granting `capabilities` (e.g. `["read"]`)
    /// on `path` (e.g. `secret/data/app/*`).
    pub fn policy(&self, name: &str, path: &str, capabilities: &[&str]) {
        let file = self.home.path().join(format!("{name}.hcl"));
        let hcl = format!("path {path:?} {{ capabilities = {capabilities:?} }}\n");
        std::fs::write(&file, hcl).unwrap();
        self.must(&["policy", "write", name, file.to_str().unwrap()]);
    }

    /// Enable AppRole and create the role `app` with `settings` (e.g.
    /// `token_policies=reader`); returns its role id and a fresh secret id.
    pub fn approle(&self, settings: &[&str]) -> (String, String) {
        self.must(&["auth", "enable", "approle"]);
        let mut write = vec!["write", "auth/approle/role/app"];
        write.extend_from_slice(settings);
        self.must(&write);
        let role_id = self.must(&["read", "-field=role_id", "auth/approle/role/app/role-id"]);
        let secret_id = self.must(&[
            "write",
            "-f",
            "-field=secret_id",
            "auth/approle/role/app/secret-id",
        ]);
        (role_id.trim().to_string(), secret_id.trim().to_string())
    }

    /// Like `bao` but panics on failure, returning stdout.
    pub fn must(&self, args: &[&str]) -> String {
        let out = self.bao(args);
        assert!(
            out.status.success(),
            "bao {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// A PKI engine at `pki/` with a root CA for `test.local` (valid for
    /// `root_ttl`) and a role `web` for its subdomains; `extra` adds role
    /// settings (`generate_lease=true`).
    pub fn pki_with_web_role(&self, root_ttl: &str, extra: &[&str]) {
        self.must(&["secrets", "enable", "pki"]);
        let ttl = format!("ttl={root_ttl}");
        self.must(&[
            "write",
            "pki/root/generate/internal",
            "common_name=test.local",
            &ttl,
        ]);
        let mut role = vec![
            "write",
            "pki/roles/web",
            "allowed_domains=test.local",
            "allow_subdomains=true",
            "max_ttl=1h",
        ];
        role.extend_from_slice(extra);
        self.must(&role);
    }

    /// A transit engine at `transit/` with the key `key`, and the
    /// ciphertext (`vault:v1:...`) of `plaintext_b64` under it.
    pub fn transit_ciphertext(&self, key: &str, plaintext_b64: &str) -> String {
        self.must(&["secrets", "enable", "transit"]);
        self.must(&["write", "-f", &format!("transit/keys/{key}")]);
        self.must(&[
            "write",
            "-field=ciphertext",
            &format!("transit/encrypt/{key}"),
            &format!("plaintext={plaintext_b64}"),
        ])
        .trim()
        .to_string()
    }

    /// The server's process, e.g. to SIGSTOP it so requests stall.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().expect("running").id()
    }

    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            // A stopped server (see `pid`) dies of SIGKILL all the same.
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// A `kvault` command pointed at this server with the root token.
    pub fn kvault(&self) -> Command {
        let mut cmd = kvault_clean(self.home.path());
        cmd.env("VAULT_ADDR", &self.addr)
            .env("VAULT_TOKEN", &self.token);
        cmd
    }

    /// A new token made with `bao token create OPTIONS` (its own, revocable
    /// apart from root's), e.g. `"-policy=reader -ttl=4s"`.
    pub fn new_token(&self, options: &str) -> String {
        let mut args = vec!["token", "create", "-field=token"];
        args.extend(words(options));
        self.must(&args).trim().to_string()
    }

    /// `kvault ARGS` against this server as root, run to its end.
    pub fn run(&self, args: &[&str]) -> assert_cmd::assert::Assert {
        self.kvault().args(args).assert()
    }
}

impl Drop for OpenBao {
    fn drop(&mut self) {
        self.stop();
    }
}

/// `cmd.args(ARGS).assert()` in one step: most tests run a command and
/// then say what it must have done.
/// `output_of` is the same for tests that look at the output themselves.
pub trait Run {
    fn run(&mut self, args: &[&str]) -> assert_cmd::assert::Assert;
    fn output_of(&mut self, args: &[&str]) -> std::process::Output;
    /// `kvault exec -- sh -c SCRIPT`, run to its end.
    fn exec_sh(&mut self, script: &str) -> std::process::Output {
        self.output_of(&["exec", "--", "sh", "-c", script])
    }
}

impl Run for Command {
    fn run(&mut self, args: &[&str]) -> assert_cmd::assert::Assert {
        self.args(args).assert()
    }

    fn output_of(&mut self, args: &[&str]) -> std::process::Output {
        self.args(args).output().unwrap()
    }
}

/// `kvault` with an empty environment but PATH, a private HOME and a local
/// store inside it, and fast retries so fault tests do not take long.
pub fn kvault_clean(home: &Path) -> Command {
    let mut cmd = Command::cargo_bin("kvault").unwrap();
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("KVAULT_LOCAL_STORE", home.join("kvault-store"))
        .env("KVAULT_VAULT_RETRIES", "2")
        .env("KVAULT_VAULT_TIMEOUT", "3s");
    cmd
}

/// The forms a secret takes in an echoed request or a log: as is, base64
/// (standard and URL-safe) and URL-encoded. Tests assert none is printed.
pub fn encoded_forms(value: &str) -> Vec<String> {
    use base64::Engine as _;
    // Percent-encoded with `keep` left as is: RFC 3986's unreserved set,
    // and letters and digits alone (an encoder that also escapes `-_.~`).
    let percent = |keep: &dyn Fn(u8) -> bool| -> String {
        value
            .bytes()
            .map(|b| {
                if keep(b) {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect()
    };
    let url = percent(&|b| b.is_ascii_alphanumeric() || b"-_.~".contains(&b));
    let url_all = percent(&|b| b.is_ascii_alphanumeric());
    vec![
        value.to_string(),
        base64::engine::general_purpose::STANDARD.encode(value),
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(value),
        url,
        url_all,
    ]
}

/// Fail, naming `what`, when `output` shows any of `values` in any of its
/// [`encoded_forms`]: the one check behind every "no value in the output"
/// test.
pub fn assert_text_shows_none<V: AsRef<str>>(what: &str, output: &str, values: &[V]) {
    for v in values {
        for form in encoded_forms(v.as_ref()) {
            assert!(
                !output.contains(&form),
                "{what}: the output shows a secret value:\n{output}"
            );
        }
    }
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A real kube-apiserver + etcd started by `scripts/kube-test-cluster.sh`,
/// stopped on drop. Its `env` file gives the server URL, CA, per-user
/// kubeconfigs and tokens.
pub struct KubeCluster {
    pub dir: tempfile::TempDir,
    pub env: std::collections::HashMap<String, String>,
}

impl KubeCluster {
    pub fn start(encryption: &str) -> KubeCluster {
        Self::start_with(encryption, &[])
    }

    /// Start with more `kube-test-cluster.sh start` options, e.g.
    /// `["--etcd-prefix", "/other"]`.
    pub fn start_with(encryption: &str, options: &[&str]) -> KubeCluster {
        let dir = tempfile::Builder::new()
            .prefix("kvault-kube-")
            .tempdir()
            .unwrap();
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/kube-test-cluster.sh");
        let out = std::process::Command::new("bash")
            .arg(&script)
            .args([
                "start",
                dir.path().to_str().unwrap(),
                "--encryption",
                encryption,
            ])
            .args(options)
            .output()
            .expect("run kube-test-cluster.sh");
        assert!(
            out.status.success(),
            "the Kubernetes test cluster did not start (run scripts/install-test-deps.sh):\n{}",
            text(&out.stderr)
        );
        let env = std::fs::read_to_string(dir.path().join("env"))
            .unwrap()
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        KubeCluster { dir, env }
    }

    pub fn var(&self, name: &str) -> &str {
        self.env
            .get(name)
            .unwrap_or_else(|| panic!("{name} missing from the cluster env"))
    }

    pub fn kubeconfig(&self, user: &str) -> &str {
        self.var(&format!("KVAULT_TEST_KUBECONFIG_{}", user.to_uppercase()))
    }

    pub fn token(&self, user: &str) -> &str {
        self.var(&format!("KVAULT_TEST_KUBE_TOKEN_{}", user.to_uppercase()))
    }

    /// A raw API call as `user` with curl; returns (HTTP code, body).
    pub fn api(&self, user: &str, method: &str, path: &str, body: Option<&str>) -> (u16, String) {
        self.api_with_token(self.token(user), method, path, body)
    }

    /// A JSON merge patch of `path` as `user`.
    pub fn api_merge_patch(&self, user: &str, path: &str, patch: &str) -> (u16, String) {
        let token = self.token(user);
        self.curl(
            token,
            "PATCH",
            path,
            Some(patch),
            "application/merge-patch+json",
        )
    }

    /// A raw API call with a bearer token (a service account's).
    pub fn api_with_token(
        &self,
        token: &str,
        method: &str,
        path: &str,
        body: Option<&str>,
    ) -> (u16, String) {
        self.curl(token, method, path, body, "application/json")
    }

    fn curl(
        &self,
        token: &str,
        method: &str,
        path: &str,
        body: Option<&str>,
        content_type: &str,
    ) -> (u16, String) {
        let mut cmd = std::process::Command::new("curl");
        cmd.args(["-s", "-o", "-", "-w", "\n%{http_code}", "-X", method])
            .args(["--cacert", self.var("KVAULT_TEST_KUBE_CA")])
            .args(["-H", &format!("Authorization: Bearer {token}")])
            .args(["-H", &format!("Content-Type: {content_type}")]);
        if let Some(b) = body {
            cmd.args(["--data-binary", b]);
        }
        cmd.arg(format!("{}{path}", self.var("KVAULT_TEST_KUBE_SERVER")));
        let out = cmd.output().expect("curl");
        let all = text(&out.stdout);
        let (body, code) = all.rsplit_once('\n').unwrap_or(("", "0"));
        (code.trim().parse().unwrap_or(0), body.to_string())
    }

    /// Start a cluster that writes its audit log under `dir` with `policy`:
    /// the cluster, the policy file and the log file.
    pub fn start_audited(dir: &Path, policy: &str) -> (KubeCluster, PathBuf, PathBuf) {
        let policy_file = dir.join("audit-policy.yaml");
        let log = dir.join("kube-audit.log");
        std::fs::write(&policy_file, policy).unwrap();
        let kube = KubeCluster::start_with(
            "none",
            &[
                "--apiserver-arg",
                &format!("--audit-policy-file={}", policy_file.display()),
                "--apiserver-arg",
                &format!("--audit-log-path={}", log.display()),
            ],
        );
        (kube, policy_file, log)
    }

    /// A token for the service account `ns/name` from the TokenRequest API,
    /// with the request's `spec` (audiences, expirationSeconds) as given.
    pub fn service_account_token(&self, ns: &str, name: &str, spec: &str) -> String {
        let body = format!(
            r#"{{"apiVersion":"authentication.k8s.io/v1","kind":"TokenRequest","spec":{spec}}}"#
        );
        let (code, answer) = self.api(
            "admin",
            "POST",
            &format!("/api/v1/namespaces/{ns}/serviceaccounts/{name}/token"),
            Some(&body),
        );
        assert_eq!(code, 201, "TokenRequest {ns}/{name}: {answer}");
        serde_json::from_str::<serde_json::Value>(&answer).unwrap()["status"]["token"]
            .as_str()
            .unwrap()
            .to_string()
    }

    /// `kvault` as `user` of this cluster.
    pub fn kvault(&self, home: &Path, user: &str) -> Command {
        let mut cmd = kvault_clean(home);
        cmd.env("KUBECONFIG", self.kubeconfig(user));
        cmd
    }
}

impl KubeCluster {
    /// The cluster tests share when each keeps to a namespace of its own:
    /// started once per test process (a start costs ~3 s and ~2 s of CPU),
    /// with a new namespace `PURPOSE-N` for the caller. Tests that stop
    /// the server, read the whole cluster (a live audit) or need their
    /// own apiserver flags start their own.
    pub fn shared(purpose: &str) -> (&'static KubeCluster, String) {
        static SHARED: std::sync::OnceLock<KubeCluster> = std::sync::OnceLock::new();
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let cluster = SHARED.get_or_init(|| {
            let cluster = KubeCluster::start("none");
            cluster.stop_when_the_tests_end();
            cluster
        });
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let namespace = format!("{purpose}-{n}");
        let body = format!(r#"{{"metadata":{{"name":"{namespace}"}}}}"#);
        let (code, answer) = cluster.api("admin", "POST", "/api/v1/namespaces", Some(&body));
        assert_eq!(code, 201, "namespace {namespace}: {answer}");
        (cluster, namespace)
    }

    /// A static is never dropped: a watchdog outside this process stops
    /// the cluster and removes its folder once the process is gone.
    fn stop_when_the_tests_end(&self) {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/kube-test-cluster.sh");
        // `setsid -f` forks the watchdog off and returns at once.
        let status = std::process::Command::new("setsid")
            .args([
                "-f",
                "sh",
                "-c",
                r#"while kill -0 "$0" 2>/dev/null; do sleep 0.5; done; bash "$1" stop "$2"; rm -rf "$2""#,
            ])
            .arg(std::process::id().to_string())
            .arg(script)
            .arg(self.dir.path())
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .expect("start the shared cluster's watchdog");
        assert!(status.success(), "setsid: {status}");
    }
}

impl Drop for KubeCluster {
    fn drop(&mut self) {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/kube-test-cluster.sh");
        let _ = std::process::Command::new("bash")
            .arg(script)
            .args(["stop", self.dir.path().to_str().unwrap()])
            .output();
    }
}

/// Record one reliability case (fault injected or bad input tried) and its
/// outcome, for `scripts/reliability-report.sh` to count into RELIABILITY.md.
/// Writes only when `KVAULT_RELIABILITY_LOG` names a file.
pub fn record(category: &str, case: &str, outcome: &str) {
    let Some(path) = std::env::var_os("KVAULT_RELIABILITY_LOG") else {
        return;
    };
    // libtest names each test's thread after the test.
    let test = std::thread::current().name().unwrap_or("").to_string();
    let line = serde_json::json!({
        "category": category, "case": case, "outcome": outcome, "test": test
    })
    .to_string();
    use std::io::Write as _;
    if let Ok(mut f) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
    {
        let _ = writeln!(f, "{line}");
    }
}

/// Neither stdout nor stderr of `out` shows any of `values` in any of its
/// [`encoded_forms`]; `what` names the command in the failure.
pub fn assert_shows_none(values: &[&str], what: &str, out: &std::process::Output) {
    for (name, stream) in [("stdout", text(&out.stdout)), ("stderr", text(&out.stderr))] {
        assert_text_shows_none(&format!("{what}: {name}"), &stream, values);
    }
}

/// Run `cmd` (at -vvv, so diagnostics are checked too) and return its
/// output after checking that it shows none of `values`.
pub fn run_showing_none(values: &[&str], cmd: &mut Command) -> std::process::Output {
    let out = cmd.arg("-vvv").output().unwrap();
    assert_shows_none(values, &format!("{cmd:?}"), &out);
    out
}

/// The rows of a table of cases written one a line as `EXIT ARGS... | SAYS`
/// (arguments split at spaces): what a command must answer to each.
pub fn cases(table: &str) -> Vec<(i32, Vec<&str>, &str)> {
    table
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|line| {
            let (call, says) = line.split_once(" | ").expect("EXIT ARGS | SAYS");
            let mut words = call.split_whitespace();
            let exit = words.next().unwrap().parse().expect("an exit code first");
            (exit, words.collect(), says.trim())
        })
        .collect()
}

/// A command line's words, for arguments without spaces written as they
/// would be typed.
pub fn words(line: &str) -> Vec<&str> {
    line.split_whitespace().collect()
}

/// `out` exited with `code`; else fail showing `what` and both streams.
pub fn assert_exit(out: &std::process::Output, code: i32, what: &str) {
    assert_eq!(
        out.status.code(),
        Some(code),
        "{what}: stdout:\n{}\nstderr:\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
}

/// `out` succeeded and printed exactly `stdout`.
pub fn assert_printed(out: &std::process::Output, stdout: &str) {
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), stdout);
}

/// `out` failed with `code` and its stderr says `says`.
pub fn assert_refused(out: &std::process::Output, code: i32, says: &str) {
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(code), "{stderr}");
    assert!(stderr.contains(says), "expected {says:?} in: {stderr}");
}

/// stderr of `out` less the diagnostics of -v..-vvv (lines of tracing's
/// format, which start with a timestamp or a level).
pub fn messages(out: &std::process::Output) -> String {
    text(&out.stderr)
        .lines()
        .filter(|l| {
            let first = l.split_whitespace().next().unwrap_or("");
            !(first.starts_with("20") || ["TRACE", "DEBUG", "INFO", "WARN"].contains(&first))
        })
        .map(|l| format!("{l}\n"))
        .collect()
}

/// A child process killed (and reaped) on any exit of the test, a failed
/// assertion included.
pub struct Reap(pub std::process::Child);

impl Drop for Reap {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `kvault audit --manifests FILE --fail-on high -o json`, which must find
/// nothing high (exit 0); the report.
pub fn audit_finds_nothing_high(manifests: &Path) -> serde_json::Value {
    let home = tempfile::tempdir().unwrap();
    let out = kvault_clean(home.path())
        .args(["audit", "--fail-on", "high", "-o", "json", "--manifests"])
        .arg(manifests)
        .output()
        .unwrap();
    assert_exit(&out, 0, "no high finding");
    serde_json::from_slice(&out.stdout).unwrap()
}

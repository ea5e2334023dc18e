//! Faults between kvault and a real OpenBao: a loopback proxy that answers
//! with an error status, resets or stalls connections, or fails the first N
//! requests and then forwards. Each case: the documented exit code, one
//! clear line naming what failed and where, bounded time, no value shown.

use crate::harness::{record, text, OpenBao};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What the proxy does with each request.
#[derive(Clone, Copy, Debug)]
enum Fault {
    /// Answer with this status and a Vault-style error body.
    Status(u16),
    /// Close the connection without answering.
    Reset,
    /// Accept and never answer.
    Stall,
    /// Answer the first N requests with 503, then forward.
    FailFirst(usize),
}

struct FaultProxy {
    addr: String,
    requests: Arc<AtomicUsize>,
}

impl FaultProxy {
    fn start(fault: Fault, upstream: Option<String>) -> FaultProxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = format!("http://{}", listener.local_addr().unwrap());
        let requests = Arc::new(AtomicUsize::new(0));
        let counter = requests.clone();
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(mut conn) = conn else { break };
                let counter = counter.clone();
                let upstream = upstream.clone();
                std::thread::spawn(move || {
                    let Some(request) = read_request(&mut conn) else {
                        return;
                    };
                    let n = counter.fetch_add(1, Ordering::SeqCst);
                    match fault {
                        Fault::Status(code) => {
                            respond(&mut conn, code, r#"{"errors":["injected fault"]}"#)
                        }
                        Fault::Reset => drop(conn),
                        Fault::Stall => std::thread::sleep(Duration::from_secs(30)),
                        Fault::FailFirst(k) if n < k => {
                            respond(&mut conn, 503, r#"{"errors":["injected: try again"]}"#)
                        }
                        Fault::FailFirst(_) => {
                            forward(&mut conn, &request, upstream.as_deref().expect("upstream"))
                        }
                    }
                });
            }
        });
        FaultProxy { addr, requests }
    }

    fn count(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

/// One HTTP/1.1 request, headers and body (Content-Length), as bytes.
fn read_request(conn: &mut TcpStream) -> Option<Vec<u8>> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        let n = conn.read(&mut chunk).ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(end) = find(&buf, b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_lowercase();
            let len = head
                .lines()
                .find_map(|l| {
                    l.strip_prefix("content-length:")
                        .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                })
                .unwrap_or(0);
            while buf.len() < end + 4 + len {
                let n = conn.read(&mut chunk).ok()?;
                if n == 0 {
                    break;
                }
                buf.extend_from_slice(&chunk[..n]);
            }
            return Some(buf);
        }
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn respond(conn: &mut TcpStream, code: u16, body: &str) {
    let _ = write!(
        conn,
        "HTTP/1.1 {code} Injected\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
}

/// Send the request upstream with `Connection: close` and relay the answer.
fn forward(conn: &mut TcpStream, request: &[u8], upstream: &str) {
    let host = upstream.trim_start_matches("http://");
    let Ok(mut up) = TcpStream::connect(host) else {
        return;
    };
    let end = find(request, b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&request[..end]);
    let head: Vec<&str> = head
        .lines()
        .filter(|l| !l.to_lowercase().starts_with("connection:"))
        .collect();
    let _ = write!(up, "{}\r\nConnection: close\r\n\r\n", head.join("\r\n"));
    let _ = up.write_all(&request[end + 4..]);
    let mut response = Vec::new();
    let _ = up.read_to_end(&mut response);
    let _ = conn.write_all(&response);
}

fn via(bao: &OpenBao, proxy: &FaultProxy) -> assert_cmd::Command {
    let mut cmd = bao.kvault();
    cmd.env("VAULT_ADDR", &proxy.addr)
        .env("KVAULT_VAULT_RETRIES", "2")
        .env("KVAULT_VAULT_TIMEOUT", "1s")
        .timeout(Duration::from_secs(60));
    cmd
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
        let proxy = FaultProxy::start(Fault::Status(code), None);
        let start = Instant::now();
        let out = via(&bao, &proxy)
            .args(["get", "vault:secret/app#a"])
            .assert()
            .code(2)
            .get_output()
            .clone();
        let err = one_line(&out);
        assert!(
            err.contains("unavailable")
                && err.contains(&format!("HTTP {code}"))
                && err.contains(&proxy.addr),
            "{err}"
        );
        // KVAULT_VAULT_RETRIES=2: the mount lookup is tried 3 times, then kvault gives up.
        assert_eq!(proxy.count(), 3, "HTTP {code}");
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
    let proxy = FaultProxy::start(Fault::Status(403), None);
    let out = via(&bao, &proxy)
        .args(["get", "vault:secret/app#a"])
        .assert()
        .code(2)
        .get_output()
        .clone();
    assert!(one_line(&out).contains("permission denied"));
    assert_eq!(proxy.count(), 1);
    record(
        "fault",
        "OpenBao answers HTTP 403",
        "exit 2, not retried, one line",
    );
    let proxy = FaultProxy::start(Fault::Status(404), None);
    via(&bao, &proxy)
        .args(["get", "vault:secret/app#a"])
        .assert()
        .code(1);
    assert_eq!(proxy.count(), 1);
    record("fault", "OpenBao answers HTTP 404", "exit 1, not retried");
}

#[test]
fn reset_and_stalled_connections_end_in_bounded_time() {
    let bao = OpenBao::start();
    for fault in [Fault::Reset, Fault::Stall] {
        let proxy = FaultProxy::start(fault, None);
        let start = Instant::now();
        let out = via(&bao, &proxy)
            .args(["get", "vault:secret/app#a"])
            .assert()
            .code(2)
            .get_output()
            .clone();
        let err = one_line(&out);
        assert!(
            err.contains("unavailable") && err.contains(&proxy.addr),
            "{fault:?}: {err}"
        );
        // 3 tries with a 1 s timeout and short backoff.
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "{fault:?} took {:?}",
            start.elapsed()
        );
        record(
            "fault",
            &format!("connection {fault:?}"),
            "exit 2 within 10 s (1 s timeout x 3 tries)",
        );
    }
}

#[test]
fn a_transient_failure_heals_within_the_retries() {
    let bao = OpenBao::start();
    bao.must(&["kv", "put", "secret/app", "a=secret-value"]);
    let proxy = FaultProxy::start(Fault::FailFirst(2), Some(bao.addr.clone()));
    via(&bao, &proxy)
        .args(["get", "vault:secret/app#a"])
        .assert()
        .success()
        .stdout("secret-value");
    let proxy = FaultProxy::start(Fault::FailFirst(2), Some(bao.addr.clone()));
    via(&bao, &proxy)
        .env("X", "vault:secret/app#a")
        .args(["exec", "--", "sh", "-c", "echo $X"])
        .assert()
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
    let proxy = FaultProxy::start(Fault::Status(500), None);
    via(&bao, &proxy)
        .args(["put", "vault:secret/app", "a=after"])
        .assert()
        .code(2);
    assert_eq!(bao.must(&["kv", "get", "-field=a", "secret/app"]), "before");
    record(
        "fault",
        "write answered with HTTP 500",
        "exit 2, stored value unchanged",
    );
}

//! Misbehaving loopback servers for the hostile-condition tests: one that
//! never answers, one that answers a byte at a time, one that echoes the
//! request into its error body, one that redirects elsewhere, one that
//! answers JSON of the wrong shape, and a proxy in front of a real server
//! that lets the request through but holds the answer past the client's
//! deadline. Each listens on 127.0.0.1 only, records what it was sent, and
//! stops when dropped.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How the server answers every request.
#[derive(Clone)]
pub enum Behaviour {
    /// Accept, read the request, never answer.
    Silent,
    /// Headers, then the body one byte every `interval`, for ever.
    Trickle { interval: Duration },
    /// `200` and a JSON-looking body that never ends, as fast as it goes.
    Flood,
    /// `status` with the whole request as the body, as some proxies do.
    Echo { status: u16 },
    /// `status` with Vault's JSON error form holding the whole request.
    EchoJson { status: u16 },
    /// A fixed answer.
    Fixed {
        status: u16,
        content_type: &'static str,
        body: String,
    },
    /// `307` to `location`.
    Redirect { location: String },
    /// Close the connection without answering.
    Reset,
    /// Answer the first `k` requests with 503, then pass them to `upstream`.
    FailFirst { k: usize, upstream: String },
    /// Answer mount lookups (`sys/internal/ui/mounts/...`) as a KV v2
    /// mount `secret/` would, everything else as the inner behaviour: so
    /// that a write gets as far as sending its values.
    Kv2Then(Box<Behaviour>),
    /// Pass each request to `upstream`, but hold a mount lookup's answer
    /// until `reads` other requests have arrived (or 3 s have passed), then
    /// record `ANSWERED <path>` among the requests received: so a test sees
    /// which requests went out before the client knew the mount.
    HoldLookups { upstream: String, reads: usize },
    /// Pass each request to `upstream` (plain HTTP); hold the answer for
    /// `hold` when the request's method is in `methods` (the upstream has
    /// done the work by then).
    SlowProxy {
        upstream: String,
        methods: Vec<&'static str>,
        hold: Duration,
    },
}

/// One request as received: method, path and the raw bytes.
#[derive(Clone, Debug)]
pub struct Received {
    pub method: String,
    pub path: String,
    pub raw: Vec<u8>,
}

pub struct Hostile {
    pub addr: String,
    pub received: Arc<Mutex<Vec<Received>>>,
    stop: Arc<AtomicBool>,
    port: u16,
}

impl Hostile {
    pub fn start(behaviour: Behaviour) -> Hostile {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let received = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        {
            let received = received.clone();
            let stop = stop.clone();
            std::thread::spawn(move || {
                for conn in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(conn) = conn else { continue };
                    let behaviour = behaviour.clone();
                    let received = received.clone();
                    let stop = stop.clone();
                    std::thread::spawn(move || serve(conn, &behaviour, &received, &stop));
                }
            });
        }
        Hostile {
            addr: format!("http://127.0.0.1:{port}"),
            received,
            stop,
            port,
        }
    }

    /// The requests received so far with `method` (e.g. "POST").
    pub fn count(&self, method: &str) -> usize {
        self.received
            .lock()
            .unwrap()
            .iter()
            .filter(|r| r.method == method)
            .count()
    }
}

impl Drop for Hostile {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so that it sees the flag.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

/// Read one HTTP/1.1 request: headers, then a Content-Length body.
fn read_request(conn: &mut TcpStream) -> Option<Received> {
    let mut raw = Vec::new();
    let mut buf = [0u8; 8192];
    let head_end = loop {
        if let Some(i) = find(&raw, b"\r\n\r\n") {
            break i + 4;
        }
        let n = conn.read(&mut buf).ok()?;
        if n == 0 {
            return None;
        }
        raw.extend_from_slice(&buf[..n]);
    };
    let head = String::from_utf8_lossy(&raw[..head_end]).into_owned();
    let length = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse::<usize>().ok())?
        })
        .unwrap_or(0);
    while raw.len() < head_end + length {
        let n = conn.read(&mut buf).ok()?;
        if n == 0 {
            break;
        }
        raw.extend_from_slice(&buf[..n]);
    }
    let mut first = head.lines().next().unwrap_or("").split(' ');
    Some(Received {
        method: first.next().unwrap_or("").to_string(),
        path: first.next().unwrap_or("").to_string(),
        raw,
    })
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn respond(conn: &mut TcpStream, status: u16, content_type: &str, body: &[u8], extra: &str) {
    let head = format!(
        "HTTP/1.1 {status} Whatever\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n{extra}\r\n",
        body.len()
    );
    let _ = conn.write_all(head.as_bytes());
    let _ = conn.write_all(body);
    let _ = conn.flush();
}

fn serve(
    mut conn: TcpStream,
    behaviour: &Behaviour,
    received: &Mutex<Vec<Received>>,
    stop: &AtomicBool,
) {
    let Some(request) = read_request(&mut conn) else {
        return;
    };
    let seen = {
        let mut all = received.lock().unwrap();
        all.push(request.clone());
        all.len() - 1
    };
    match behaviour {
        Behaviour::HoldLookups { upstream, reads } if is_lookup(&request) => {
            let others = || {
                received
                    .lock()
                    .unwrap()
                    .iter()
                    .filter(|r| !is_lookup(r))
                    .count()
            };
            let deadline = std::time::Instant::now() + Duration::from_secs(3);
            while others() < *reads && std::time::Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(5));
            }
            let _ = conn.write_all(&forward(upstream, &request.raw));
            received.lock().unwrap().push(Received {
                method: "ANSWERED".into(),
                path: request.path.clone(),
                raw: Vec::new(),
            });
        }
        _ => answer(&mut conn, behaviour, &request, seen, stop),
    }
    let _ = conn.shutdown(Shutdown::Both);
}

fn is_lookup(request: &Received) -> bool {
    request.path.starts_with("/v1/sys/internal/ui/mounts/")
}

const KV2_MOUNT: &str = r#"{"data":{"path":"secret/","type":"kv","options":{"version":"2"}}}"#;

fn answer(
    conn: &mut TcpStream,
    behaviour: &Behaviour,
    request: &Received,
    seen: usize,
    stop: &AtomicBool,
) {
    match behaviour {
        Behaviour::Reset => {}
        Behaviour::FailFirst { k, upstream } => {
            if seen < *k {
                respond(
                    conn,
                    503,
                    "application/json",
                    br#"{"errors":["injected: try again"]}"#,
                    "",
                )
            } else {
                let _ = conn.write_all(&forward(upstream, &request.raw));
            }
        }
        Behaviour::Kv2Then(inner) => {
            if request.path.starts_with("/v1/sys/internal/ui/mounts/") {
                respond(conn, 200, "application/json", KV2_MOUNT.as_bytes(), "")
            } else {
                answer(conn, inner, request, seen, stop)
            }
        }
        Behaviour::Silent => {
            while !stop.load(Ordering::SeqCst) {
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        Behaviour::Trickle { interval } => {
            let _ = conn.write_all(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000000\r\n\r\n",
            );
            while !stop.load(Ordering::SeqCst) {
                if conn.write_all(b" ").is_err() {
                    break;
                }
                std::thread::sleep(*interval);
            }
        }
        Behaviour::Flood => {
            let _ = conn.write_all(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n{\"items\":[\"",
            );
            let chunk = vec![b'a'; 1 << 16];
            while !stop.load(Ordering::SeqCst) {
                if conn.write_all(&chunk).is_err() {
                    break;
                }
            }
        }
        Behaviour::Echo { status } => respond(conn, *status, "text/plain", &request.raw, ""),
        Behaviour::EchoJson { status } => {
            let body = serde_json::json!({
                "errors": [String::from_utf8_lossy(&request.raw)]
            });
            respond(
                conn,
                *status,
                "application/json",
                body.to_string().as_bytes(),
                "",
            )
        }
        Behaviour::Fixed {
            status,
            content_type,
            body,
        } => respond(conn, *status, content_type, body.as_bytes(), ""),
        Behaviour::Redirect { location } => respond(
            conn,
            307,
            "text/plain",
            b"",
            &format!("Location: {location}{}\r\n", request.path),
        ),
        Behaviour::HoldLookups { upstream, .. } => {
            let _ = conn.write_all(&forward(upstream, &request.raw));
        }
        Behaviour::SlowProxy {
            upstream,
            methods,
            hold,
        } => {
            let answer = forward(upstream, &request.raw);
            if methods.contains(&request.method.as_str()) {
                std::thread::sleep(*hold);
            }
            let _ = conn.write_all(&answer);
        }
    }
}

/// Send `raw` to `upstream` with `Connection: close` and read the whole answer.
fn forward(upstream: &str, raw: &[u8]) -> Vec<u8> {
    let hostport = upstream.trim_start_matches("http://");
    let mut up = TcpStream::connect(hostport).unwrap();
    let text = String::from_utf8_lossy(raw);
    // Keep the body as bytes: only the head is rewritten.
    let head_end = find(raw, b"\r\n\r\n").unwrap() + 4;
    let head: String = text[..head_end]
        .lines()
        .filter(|l| !l.to_ascii_lowercase().starts_with("connection:"))
        .filter(|l| !l.is_empty())
        .map(|l| format!("{l}\r\n"))
        .collect();
    up.write_all(head.as_bytes()).unwrap();
    up.write_all(b"Connection: close\r\n\r\n").unwrap();
    up.write_all(&raw[head_end..]).unwrap();
    let mut answer = Vec::new();
    let _ = up.read_to_end(&mut answer);
    answer
}

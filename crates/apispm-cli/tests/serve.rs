//! `apispm serve` as a process: it refuses to start without a token, survives `kill -9` with
//! every acknowledged record stored and, with idempotency keys, nothing counted twice, and
//! stops on SIGTERM after committing what it acknowledged. Plain HTTP/1.1 over std sockets.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const TOKEN: &str = "serve-test-token-5f1c0e9a";
const BATCH: usize = 40;

/// A scratch folder removed at the end of the test.
struct Scratch(std::path::PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let d = std::env::temp_dir().join(format!("apispm-serve-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        Scratch(d)
    }
    fn path(&self) -> &std::path::Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn apispm() -> Command {
    Command::new(env!("CARGO_BIN_EXE_apispm"))
}

/// Starts `apispm serve` on a free port; returns the child and its address.
fn start(db: &std::path::Path) -> (Child, String) {
    let mut child = apispm()
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--snapshot-interval",
            "off",
            "--db",
        ])
        .arg(db)
        .env("APISPM_TOKEN", TOKEN)
        .env_remove("APISPM_CONFIG")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    err.read_line(&mut line).unwrap();
    let addr = line
        .split("http://")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .to_string();
    // Keep draining standard error so the server never blocks on it.
    std::thread::spawn(move || {
        let mut sink = String::new();
        let _ = err.read_to_string(&mut sink);
    });
    (child, addr)
}

/// One HTTP/1.1 request on a fresh connection: (status, body), or None if the connection broke.
fn request(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Option<(u16, String)> {
    let mut s = TcpStream::connect(addr).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(30))).ok()?;
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes()).ok()?;
    s.write_all(body).ok()?;
    let mut out = Vec::new();
    s.read_to_end(&mut out).ok()?;
    let text = String::from_utf8_lossy(&out).into_owned();
    let status = text.split_whitespace().nth(1)?.parse().ok()?;
    let body = text
        .split_once("\r\n\r\n")
        .map(|x| x.1.to_string())
        .unwrap_or_default();
    Some((status, body))
}

fn bearer() -> String {
    format!("Bearer {TOKEN}")
}

fn stored(addr: &str) -> u64 {
    let auth = bearer();
    let (status, body) =
        request(addr, "GET", "/metrics", &[("Authorization", &auth)], b"").unwrap();
    assert_eq!(status, 200);
    body.lines()
        .find_map(|l| l.strip_prefix("apispm_store_records "))
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

fn batches() -> Vec<Vec<u8>> {
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/kong-consistent-3k.jsonl"),
    )
    .unwrap();
    let lines: Vec<&str> = text.lines().collect();
    lines
        .chunks(BATCH)
        .filter(|c| c.len() == BATCH)
        .map(|c| format!("[{}]", c.join(",")).into_bytes())
        .collect()
}

/// Posts numbered batches with idempotency keys from `threads` clients until told to stop or
/// a connection breaks. Returns (acknowledged records, highest request number attempted + 1).
fn post_until(
    addr: &str,
    stop: Arc<AtomicBool>,
    acked: Arc<AtomicU64>,
    threads: usize,
) -> (u64, u64) {
    let bodies = Arc::new(batches());
    let next = Arc::new(AtomicU64::new(0));
    let attempted = Arc::new(Mutex::new(0u64));
    let workers: Vec<_> = (0..threads)
        .map(|_| {
            let (bodies, next, stop, acked, attempted) = (
                bodies.clone(),
                next.clone(),
                stop.clone(),
                acked.clone(),
                attempted.clone(),
            );
            let addr = addr.to_string();
            std::thread::spawn(move || {
                let auth = bearer();
                while !stop.load(Ordering::SeqCst) {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    {
                        let mut a = attempted.lock().unwrap();
                        *a = (*a).max(i + 1);
                    }
                    let key = format!("req-{i}");
                    let body = &bodies[i as usize % bodies.len()];
                    let headers = [
                        ("Authorization", auth.as_str()),
                        ("Idempotency-Key", key.as_str()),
                    ];
                    match request(&addr, "POST", "/api/v1/ingest/kong", &headers, body) {
                        Some((200, _)) => {
                            acked.fetch_add(BATCH as u64, Ordering::SeqCst);
                        }
                        _ => {
                            stop.store(true, Ordering::SeqCst);
                        }
                    }
                }
            })
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
    let n = *attempted.lock().unwrap();
    (acked.load(Ordering::SeqCst), n)
}

#[test]
fn serve_refuses_to_start_without_a_token() {
    let dir = Scratch::new("token");
    let out = apispm()
        .args(["serve", "--listen", "127.0.0.1:0", "--db"])
        .arg(dir.path().join("x.db"))
        .env_remove("APISPM_TOKEN")
        .env_remove("APISPM_CONFIG")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("APISPM_TOKEN") && err.contains("--no-auth"),
        "{err}"
    );
    let out = apispm()
        .args(["serve", "--listen", "127.0.0.1:0", "--db"])
        .arg(dir.path().join("x.db"))
        .env("APISPM_TOKEN", "short")
        .env_remove("APISPM_CONFIG")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("at least 16"));
}

#[test]
fn kill_9_loses_nothing_acknowledged_and_retries_count_once() {
    let dir = Scratch::new("kill9");
    let db = dir.path().join("posture.db");
    let (mut child, addr) = start(&db);
    let stop = Arc::new(AtomicBool::new(false));
    let acked = Arc::new(AtomicU64::new(0));
    let poster = {
        let (addr, stop, acked) = (addr.clone(), stop.clone(), acked.clone());
        std::thread::spawn(move || post_until(&addr, stop, acked, 3))
    };
    while acked.load(Ordering::SeqCst) < 40 * BATCH as u64 {
        std::thread::sleep(Duration::from_millis(2));
    }
    child.kill().unwrap(); // SIGKILL, mid-stream
    child.wait().unwrap();
    let (acked, attempted) = poster.join().unwrap();

    let (mut child, addr) = start(&db);
    let after = stored(&addr);
    assert!(after >= acked, "acknowledged {acked}, stored {after}");
    assert!(after <= attempted * BATCH as u64);
    assert_eq!(after % BATCH as u64, 0, "no batch stored in part");

    // The client re-sends everything it attempted with the same keys.
    let auth = bearer();
    let bodies = batches();
    for i in 0..attempted {
        let key = format!("req-{i}");
        let r = request(
            &addr,
            "POST",
            "/api/v1/ingest/kong",
            &[("Authorization", &auth), ("Idempotency-Key", &key)],
            &bodies[i as usize % bodies.len()],
        )
        .unwrap();
        assert_eq!(r.0, 200, "{}", r.1);
    }
    assert_eq!(
        stored(&addr),
        attempted * BATCH as u64,
        "each request counted exactly once"
    );
    let (status, body) = request(
        &addr,
        "POST",
        "/api/v1/snapshots",
        &[("Authorization", &auth)],
        b"",
    )
    .unwrap();
    assert_eq!(status, 201, "{body}");
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn sigterm_commits_what_was_acknowledged_and_exits_0() {
    let dir = Scratch::new("sigterm");
    let db = dir.path().join("posture.db");
    let (child, addr) = start(&db);
    let stop = Arc::new(AtomicBool::new(false));
    let acked = Arc::new(AtomicU64::new(0));
    let poster = {
        let (addr, stop, acked) = (addr.clone(), stop.clone(), acked.clone());
        std::thread::spawn(move || post_until(&addr, stop, acked, 3))
    };
    while acked.load(Ordering::SeqCst) < 20 * BATCH as u64 {
        std::thread::sleep(Duration::from_millis(2));
    }
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "exit code after SIGTERM");
    let (acked, _) = poster.join().unwrap();
    let totals = apispm_store::open(db.to_str().unwrap())
        .unwrap()
        .ingest_totals()
        .unwrap();
    assert_eq!(
        totals.records, acked,
        "stored == acknowledged after a graceful stop"
    );
}

//! A real server on 127.0.0.1:0 over a temporary SQLite file, and a real HTTP client.
#![allow(dead_code)]

use apispm_engine::{Engine, EngineConfig};
use apispm_policy::PolicySet;
use apispm_server::{RunSummary, Server, ServerOptions, ShutdownHandle};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::thread::JoinHandle;

pub const TOKEN: &str = "test-token-0123456789abcdef";

pub fn engine() -> Engine {
    Engine::new(EngineConfig {
        risk: Default::default(),
        policies: PolicySet::builtin(),
        exposure: Default::default(),
        specs: Vec::new(),
        owners: Vec::new(),
        compliance: Default::default(),
    })
}

pub struct TestServer {
    pub addr: SocketAddr,
    pub base: String,
    pub db: String,
    pub dir: tempfile::TempDir,
    handle: ShutdownHandle,
    thread: Option<JoinHandle<RunSummary>>,
}

impl TestServer {
    pub fn start(configure: impl FnOnce(&mut ServerOptions, &Path)) -> TestServer {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("posture.db").display().to_string();
        let mut opts = ServerOptions::new(db.clone(), "127.0.0.1:0".parse().unwrap());
        opts.token = Some(TOKEN.to_string());
        configure(&mut opts, dir.path());
        let scheme = if opts.tls.is_some() { "https" } else { "http" };
        let server = Server::bind(opts, engine()).expect("server binds");
        let addr = server.local_addr();
        let handle = server.shutdown_handle();
        let thread = std::thread::spawn(move || server.run(false).expect("server runs"));
        TestServer {
            addr,
            base: format!("{scheme}://{}", addr_name(addr, scheme)),
            db,
            dir,
            handle,
            thread: Some(thread),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Graceful stop; returns what the server committed.
    pub fn stop(&mut self) -> RunSummary {
        self.handle.shutdown();
        self.thread.take().unwrap().join().expect("server thread")
    }

    pub fn handle(&self) -> ShutdownHandle {
        self.handle.clone()
    }

    pub fn store_totals(&self) -> apispm_store::IngestTotals {
        apispm_store::open(&self.db)
            .unwrap()
            .ingest_totals()
            .unwrap()
    }
}

fn addr_name(addr: SocketAddr, scheme: &str) -> String {
    // The TLS tests' certificate names `localhost`.
    if scheme == "https" {
        format!("localhost:{}", addr.port())
    } else {
        addr.to_string()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(t) = self.thread.take() {
            self.handle.shutdown();
            let _ = t.join();
        }
    }
}

pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(std::time::Duration::from_secs(60)))
        .build()
        .into()
}

pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

fn reply(r: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Reply {
    let mut r = r.expect("request reaches the server");
    let status = r.status().as_u16();
    let headers = r
        .headers()
        .iter()
        .map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap_or("").to_string()))
        .collect();
    let body = r
        .body_mut()
        .with_config()
        .limit(64 << 20)
        .read_to_string()
        .unwrap_or_default();
    Reply {
        status,
        headers,
        body,
    }
}

pub fn get(agent: &ureq::Agent, url: &str, token: Option<&str>) -> Reply {
    let mut req = agent.get(url);
    if let Some(t) = token {
        req = req.header("Authorization", format!("Bearer {t}"));
    }
    reply(req.call())
}

pub fn post(
    agent: &ureq::Agent,
    url: &str,
    token: Option<&str>,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Reply {
    let mut req = agent.post(url);
    if let Some(t) = token {
        req = req.header("Authorization", format!("Bearer {t}"));
    }
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    reply(req.send(body))
}

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// The 3,000 generated Kong records the CLI's tests use (see that folder's README).
pub fn kong_lines() -> Vec<String> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../apispm-cli/tests/fixtures/kong-consistent-3k.jsonl");
    std::fs::read_to_string(p)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

/// A JSON array of records, as Kong's http-log posts a batch.
pub fn kong_batch(lines: &[String]) -> Vec<u8> {
    format!("[{}]", lines.join(",")).into_bytes()
}

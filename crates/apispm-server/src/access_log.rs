//! The server's own access log, one JSON line per request in the shape of Kong's log
//! serializer (`request`, `response` with both header maps, `client_ip`, `started_at`,
//! `latencies`, `service`), so that `apispm scan --logs access.log` reads it as Kong and judges
//! apispm's own API like any other. Credentials are never written: their headers are logged as
//! `REDACTED`, as Kong does for `authorization`, which still counts as credentials sent.

use crate::ServerError;
use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::Path;
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

/// Request and response headers that carry secrets.
pub const SECRET_HEADERS: [&str; 10] = [
    "authorization",
    "proxy-authorization",
    "cookie",
    "set-cookie",
    "x-api-key",
    "api-key",
    "apikey",
    "x-auth-token",
    "x-access-token",
    "idempotency-key",
];

pub struct AccessLogThread {
    tx: Option<mpsc::Sender<String>>,
    handle: Option<JoinHandle<()>>,
}

impl AccessLogThread {
    pub fn start(path: &Path) -> Result<AccessLogThread, ServerError> {
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|e| ServerError(format!("{}: {e}", path.display())))?;
        let (tx, rx) = mpsc::channel::<String>();
        let handle = std::thread::Builder::new()
            .name("apispm-access-log".into())
            .spawn(move || write_loop(file, rx))
            .map_err(|e| ServerError(e.to_string()))?;
        Ok(AccessLogThread {
            tx: Some(tx),
            handle: Some(handle),
        })
    }

    pub fn sender(&self) -> mpsc::Sender<String> {
        self.tx.clone().expect("access log running")
    }

    pub fn finish(mut self) {
        self.tx.take();
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

fn write_loop(file: File, rx: mpsc::Receiver<String>) {
    let mut out = BufWriter::with_capacity(64 << 10, file);
    loop {
        match rx.recv_timeout(Duration::from_millis(500)) {
            Ok(line) => {
                let _ = out.write_all(line.as_bytes());
                let _ = out.write_all(b"\n");
                // Write out whatever else is queued before flushing once.
                while let Ok(line) = rx.try_recv() {
                    let _ = out.write_all(line.as_bytes());
                    let _ = out.write_all(b"\n");
                }
                let _ = out.flush();
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
    }
    let _ = out.flush();
}

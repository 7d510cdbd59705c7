//! The snapshot thread: one connection of its own, so assessing a window (which reads every
//! aggregate in it) never holds up ingestion; only the short final write contends with the
//! writer. Snapshots are taken on request (`POST /api/v1/snapshots`) and, with
//! `--snapshot-interval`, on a timer whenever the writer committed something since the last.

use crate::metrics::Counters;
use apispm_engine::Engine;
use apispm_store::{SnapshotMeta, Store};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use tokio::sync::oneshot;

pub type SnapshotReply = oneshot::Sender<Result<SnapshotMeta, SnapshotError>>;

#[derive(Debug, Clone)]
pub enum SnapshotError {
    /// Nothing has been ingested yet.
    Empty(String),
    Failed(String),
}

pub struct SnapshotThread {
    tx: Option<mpsc::Sender<SnapshotReply>>,
    handle: Option<JoinHandle<()>>,
}

impl SnapshotThread {
    pub fn start(
        store: Box<dyn Store>,
        engine: Arc<Engine>,
        window_ms: i64,
        interval: Option<Duration>,
        committed: Arc<AtomicU64>,
        counters: Arc<Counters>,
    ) -> SnapshotThread {
        let (tx, rx) = mpsc::channel::<SnapshotReply>();
        let handle = std::thread::Builder::new()
            .name("apispm-snapshot".into())
            .spawn(move || {
                let mut worker = Worker {
                    store,
                    engine,
                    window_ms,
                    counters,
                };
                let mut seen = 0u64;
                let mut next = interval.map(|i| Instant::now() + i);
                loop {
                    let wait = next.map(|n| n.saturating_duration_since(Instant::now()));
                    let job = match wait {
                        Some(w) => rx.recv_timeout(w),
                        None => rx.recv().map_err(|_| mpsc::RecvTimeoutError::Disconnected),
                    };
                    match job {
                        Ok(reply) => {
                            seen = committed.load(Ordering::SeqCst);
                            let _ = reply.send(worker.take());
                        }
                        Err(mpsc::RecvTimeoutError::Timeout) => {
                            let now = committed.load(Ordering::SeqCst);
                            if now != seen {
                                seen = now;
                                if let Err(e) = worker.take() {
                                    eprintln!("apispm serve: scheduled snapshot failed: {e:?}");
                                }
                            }
                            next = interval.map(|i| Instant::now() + i);
                        }
                        Err(mpsc::RecvTimeoutError::Disconnected) => break,
                    }
                }
            })
            .expect("spawn the snapshot thread");
        SnapshotThread {
            tx: Some(tx),
            handle: Some(handle),
        }
    }

    pub fn sender(&self) -> mpsc::Sender<SnapshotReply> {
        self.tx.clone().expect("snapshot thread running")
    }

    /// Lets a snapshot in progress finish, then stops the thread.
    pub fn finish(mut self) {
        self.tx.take();
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

struct Worker {
    store: Box<dyn Store>,
    engine: Arc<Engine>,
    window_ms: i64,
    counters: Arc<Counters>,
}

impl Worker {
    fn take(&mut self) -> Result<SnapshotMeta, SnapshotError> {
        match self.store.latest_record_ms() {
            Ok(None) => {
                return Err(SnapshotError::Empty(
                    "nothing has been ingested yet: POST logs to /api/v1/ingest/{format} first"
                        .into(),
                ));
            }
            Err(e) => return Err(SnapshotError::Failed(e.message)),
            Ok(Some(_)) => {}
        }
        match apispm_posture::take(
            &self.engine,
            self.store.as_mut(),
            self.window_ms,
            apispm_posture::now_ms(),
        ) {
            Ok(t) => {
                self.counters
                    .snapshots_taken
                    .fetch_add(1, Ordering::Relaxed);
                Ok(t.meta)
            }
            Err(e) => {
                self.counters
                    .snapshot_failures
                    .fetch_add(1, Ordering::Relaxed);
                Err(SnapshotError::Failed(e.0))
            }
        }
    }
}

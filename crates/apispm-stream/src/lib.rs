//! Scale-out ingestion from the message systems gateway logs already travel through: a Kafka
//! consumer group ([`kafka`], behind the `kafka` feature) and a NATS JetStream durable pull
//! consumer ([`nats`]). Only the transport lives here. Messages become store batches through
//! the same readers and [`apispm_posture::BatchBuilder`] as files do, and land in a shared
//! [`apispm_store::Store`] (PostgreSQL when several processes run).
//!
//! Delivery is at least once, made exact by the store:
//!
//! - **Kafka**: a partition's batches form a chain. Each batch covers the offsets from the
//!   stored position of that partition (a checkpoint committed in the same transaction as the
//!   data) to the last offset read, and its idempotence key is the partition and the chain
//!   position it starts at. A worker that takes a partition over starts from the stored
//!   position, so a batch its previous owner merged but never committed to Kafka is skipped;
//!   if two owners ever race from one position, the store merges one batch and the other
//!   learns it was a duplicate and resynchronises. Offsets are committed to Kafka only after
//!   the store has the batch.
//! - **NATS JetStream**: workers share one durable consumer, so a message redelivered after
//!   a worker died may arrive at another worker grouped with different messages. Each message
//!   is its own idempotence unit (its stream sequence), claimed in the batch's transaction
//!   ([`apispm_store::Store::apply_units`]); messages are acknowledged after the commit.
//!
//! A worker stops on request (SIGTERM in the CLI) after storing and committing what it has
//! read, and fails fast on a store error: nothing unstored was acknowledged, so a restart
//! loses nothing.

#[cfg(feature = "kafka")]
pub mod kafka;
pub mod nats;

use apispm_engine::Engine;
use apispm_posture::BatchBuilder;
use apispm_readers::LogFormat;
use apispm_store::{Batch, Checkpoint};
use serde::Serialize;
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// Why a consumer stopped with an error: the message names the broker, topic or store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamError(pub String);

impl fmt::Display for StreamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for StreamError {}

impl From<apispm_store::StoreError> for StreamError {
    fn from(e: apispm_store::StoreError) -> Self {
        StreamError(e.message)
    }
}

/// What every transport shares: how messages are parsed and grouped into store batches.
#[derive(Clone, Debug)]
pub struct Batching {
    /// Log format of the message payloads; `Auto` detects it per message.
    pub format: LogFormat,
    /// Consumer workers in this process, each with its own connections.
    pub workers: usize,
    /// Messages per store batch (per partition for Kafka).
    pub max_messages: usize,
    /// How long a message may wait for its batch to fill before the batch is stored anyway.
    pub linger: Duration,
    /// Stop once nothing has arrived for this long (replaying a backlog); `None` runs until
    /// stopped.
    pub idle_exit: Option<Duration>,
    /// Testing aid, simulating a crash: after storing this many batches a worker returns at
    /// once, without committing or acknowledging the last one and dropping what it buffered.
    #[doc(hidden)]
    pub crash_after_batches: Option<u64>,
}

impl Default for Batching {
    fn default() -> Self {
        Batching {
            format: LogFormat::Auto,
            workers: 1,
            max_messages: 5_000,
            linger: Duration::from_secs(1),
            idle_exit: None,
            crash_after_batches: None,
        }
    }
}

/// What a run stored, summed over its workers.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Messages received (redeliveries included).
    pub messages: u64,
    /// Records merged into the store by this run.
    pub records: u64,
    /// Records (or whole messages) that could not be parsed.
    pub malformed: u64,
    /// Batches merged.
    pub batches: u64,
    /// Messages skipped because the store already had them (redelivered after another
    /// worker stored them).
    pub already_stored: u64,
}

impl Summary {
    fn add(&mut self, o: &Summary) {
        self.messages += o.messages;
        self.records += o.records;
        self.malformed += o.malformed;
        self.batches += o.batches;
        self.already_stored += o.already_stored;
    }
}

/// Progress and warnings for the operator (the CLI prints them unless `--quiet`).
pub type Log<'a> = &'a (dyn Fn(&str) + Sync);

/// Says each warning once per half minute however often it recurs (an unreachable broker is
/// reported on every poll), with how many times it was held back since.
pub(crate) struct Repeats {
    said: std::collections::HashMap<String, (std::time::Instant, u64)>,
}

impl Repeats {
    pub(crate) fn new() -> Repeats {
        Repeats {
            said: std::collections::HashMap::new(),
        }
    }

    pub(crate) fn warn(&mut self, log: Log<'_>, message: String) {
        let now = std::time::Instant::now();
        match self.said.get_mut(&message) {
            Some((at, held)) if now.duration_since(*at) < Duration::from_secs(30) => *held += 1,
            Some((at, held)) => {
                log(&format!(
                    "{message} (and {held} more times in the last 30 s)"
                ));
                (*at, *held) = (now, 0);
            }
            None => {
                // Bounded: the messages are a broker client's few error kinds.
                if self.said.len() < 64 {
                    self.said.insert(message.clone(), (now, 0));
                }
                log(&message);
            }
        }
    }
}

/// Parses message payloads into one store batch. A payload may hold one record or many (JSON
/// lines, an array as Kong's http-log posts); one that is no log at all counts as malformed.
pub(crate) fn build_batch<'m>(
    engine: &Engine,
    payloads: impl Iterator<Item = &'m [u8]>,
    format: LogFormat,
    source: &str,
    id: String,
    checkpoints: Vec<Checkpoint>,
    now_ms: i64,
) -> Batch {
    let mut builder = BatchBuilder::new(engine, now_ms);
    let mut malformed = 0;
    for payload in payloads {
        match apispm_readers::read_bytes(payload, format, source, 1, &mut builder) {
            Ok(stats) => malformed += stats.rejected,
            Err(_) => malformed += 1,
        }
    }
    builder
        .into_parts()
        .into_batch(id, source.to_string(), malformed, checkpoints, now_ms)
}

/// Runs `workers` copies of `work` on their own threads. `work` gets its index and a
/// function telling it to stop: when the caller's flag is raised or a sibling failed.
pub(crate) fn run_workers(
    workers: usize,
    stop: &AtomicBool,
    work: impl Fn(usize, &(dyn Fn() -> bool + Sync)) -> Result<Summary, StreamError> + Sync,
) -> Result<Summary, StreamError> {
    let failed = AtomicBool::new(false);
    let should_stop = || stop.load(Ordering::SeqCst) || failed.load(Ordering::SeqCst);
    let results: Vec<Result<Summary, StreamError>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..workers.max(1))
            .map(|i| {
                let (work, should_stop, failed) = (&work, &should_stop, &failed);
                s.spawn(move || {
                    let r = work(i, should_stop);
                    if r.is_err() {
                        failed.store(true, Ordering::SeqCst);
                    }
                    r
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(StreamError("a consumer worker panicked".into())))
            })
            .collect()
    });
    let mut total = Summary::default();
    let mut first_error = None;
    for r in results {
        match r {
            Ok(s) => total.add(&s),
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    match first_error {
        Some(e) => Err(e),
        None => Ok(total),
    }
}

/// Epoch milliseconds now.
pub(crate) fn now_ms() -> i64 {
    apispm_posture::now_ms()
}

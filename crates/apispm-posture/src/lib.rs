//! Continuous posture: the layer between log sources and a [`Store`]. Whatever brings the
//! records (files given to `apispm ingest`, a followed log under `apispm watch`, a gateway
//! posting to `apispm serve`, a Kafka partition or a NATS consumer), they become one
//! [`apispm_store::Batch`] here: tallies split by hourly bucket, keyed by the same engine as
//! `scan`, with an idempotence key chosen by the source so that a redelivered or re-read
//! batch is not counted twice. [`snapshot::take`] then assesses the window that ends at the
//! latest record and records the snapshot and the findings lifecycle. The readers, the engine
//! and the store do the work; this crate decides what a batch and a snapshot are.

mod batch;
pub mod follow;
pub mod snapshot;

pub use batch::{BatchBuilder, BatchParts};
pub use snapshot::{Taken, problems, take};

use apispm_engine::Engine;
use apispm_readers::{FileStats, IngestStats, LogFormat, ReadOptions, Source};
use apispm_store::{Applied, Checkpoint, Store, StoreError};
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostureError(pub String);

impl fmt::Display for PostureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for PostureError {}

impl From<StoreError> for PostureError {
    fn from(e: StoreError) -> Self {
        PostureError(e.message)
    }
}

/// What one ingest step did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Ingested {
    pub batch_id: String,
    pub records: u64,
    pub malformed: u64,
    /// False when the batch id had been applied before (nothing was counted again).
    pub applied: bool,
}

/// Reads whole sources on all cores and applies them as one batch. `batch_id` should name the
/// content (see the CLI's choice: file identity and size), so that re-running an ingest that
/// already committed changes nothing.
pub fn ingest_sources(
    engine: &Engine,
    store: &mut dyn Store,
    sources: &[Source],
    opts: &ReadOptions,
    batch_id: String,
    now_ms: i64,
) -> Result<(Ingested, IngestStats), PostureError> {
    let (builders, stats) =
        apispm_readers::read_all(sources, opts, || BatchBuilder::new(engine, now_ms))
            .map_err(|e| PostureError(e.to_string()))?;
    let mut parts = BatchParts::default();
    for b in builders {
        parts.merge(b.into_parts());
    }
    let source = sources
        .iter()
        .map(Source::name)
        .collect::<Vec<_>>()
        .join(", ");
    let ingested = apply(
        store,
        parts,
        batch_id,
        source,
        stats.rejected,
        Vec::new(),
        now_ms,
    )?;
    Ok((ingested, stats))
}

/// Applies what was read as one batch and says what happened.
fn apply(
    store: &mut dyn Store,
    parts: BatchParts,
    batch_id: String,
    source: String,
    malformed: u64,
    checkpoints: Vec<Checkpoint>,
    now_ms: i64,
) -> Result<Ingested, PostureError> {
    let records = parts.records();
    let batch = parts.into_batch(batch_id.clone(), source, malformed, checkpoints, now_ms);
    let applied = store.apply_batch(&batch)? == Applied::Merged;
    Ok(Ingested {
        batch_id,
        records,
        malformed,
        applied,
    })
}

/// Parses records held in memory (an HTTP body, new lines of a followed file) and applies
/// them as one batch under `batch_id`, with `checkpoints` committed in the same transaction.
// Each argument is a distinct part of the contract every transport fills in (what, how to
// read it, where it came from, its idempotence key, its checkpoints, its clock); a struct
// would only rename them at every call site.
#[allow(clippy::too_many_arguments)]
pub fn ingest_bytes(
    engine: &Engine,
    store: &mut dyn Store,
    data: &[u8],
    format: LogFormat,
    source: &str,
    batch_id: String,
    checkpoints: Vec<Checkpoint>,
    now_ms: i64,
) -> Result<(Ingested, FileStats), PostureError> {
    let mut builder = BatchBuilder::new(engine, now_ms);
    let stats = apispm_readers::read_bytes(data, format, source, 1, &mut builder)
        .map_err(|e| PostureError(e.to_string()))?;
    let ingested = apply(
        store,
        builder.into_parts(),
        batch_id,
        source.to_string(),
        stats.rejected,
        checkpoints,
        now_ms,
    )?;
    Ok((ingested, stats))
}

/// Records other tools' findings: each tool's list replaces what it reported before, so the
/// next snapshot resolves what its latest report no longer shows. `tools` names every tool
/// whose report was read, also those that found nothing (a clean scan resolves everything).
/// Tool names are compared case-insensitively.
pub fn record_imported(
    store: &mut dyn Store,
    findings: &[apispm_core::Finding],
    tools: &[String],
) -> Result<(), PostureError> {
    let mut by_tool: std::collections::BTreeMap<String, Vec<String>> = tools
        .iter()
        .map(|t| (t.to_lowercase(), Vec::new()))
        .collect();
    for f in findings {
        by_tool
            .entry(f.source.to_lowercase())
            .or_default()
            .push(serde_json::to_string(f).expect("a finding serializes"));
    }
    for (tool, list) in by_tool {
        store.replace_imported(&tool, &list)?;
    }
    Ok(())
}

/// Epoch milliseconds now.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

//! What apispm remembers between runs. A [`Store`] keeps per-endpoint aggregates in hourly
//! time buckets (so a snapshot can assess just the recent window), the cumulative inventory
//! facts (first and last seen, total requests), the template learner's evidence, snapshots
//! with their reports, the findings lifecycle behind mean time to remediate, and the read
//! offsets of followed logs. Everything an ingest writes goes in one transaction keyed by a
//! batch id, so a crash loses only uncommitted work and a redelivered batch is not counted
//! twice. The trait is the seam between backends: SQLite (embedded, the default) here, and
//! PostgreSQL behind the same trait and the same test suite. No raw sensitive values reach
//! this crate: tallies and reports carry only types, counts and redacted hints.

mod lifecycle;
mod model;
mod sqlite;

pub use lifecycle::{LifecycleOutcome, Transition, TransitionKind, plan_transitions};
pub use model::*;
pub use sqlite::SqliteStore;

/// A storage backend. Methods take `&mut self` because a backend owns one connection; open
/// one store per thread (SQLite in WAL mode lets readers run beside the writer).
pub trait Store: Send {
    /// `sqlite` or `postgres`.
    fn backend(&self) -> &'static str;

    /// Merges one batch in one transaction. A batch whose id was already applied changes
    /// nothing and reports [`Applied::Duplicate`].
    fn apply_batch(&mut self, batch: &Batch) -> Result<Applied, StoreError>;

    /// The latest record time over everything ingested.
    fn latest_record_ms(&mut self) -> Result<Option<i64>, StoreError>;

    /// All aggregates whose bucket lies in `from..=to`, one row per (kind, key, bucket).
    fn aggregates(&mut self, from_bucket: i64, to_bucket: i64)
    -> Result<Vec<Aggregate>, StoreError>;

    /// Cumulative facts of every key ever seen.
    fn endpoint_facts(&mut self) -> Result<Vec<EndpointFacts>, StoreError>;

    /// Every stored learner state; merge them to get the learner of all traffic so far.
    fn learners(&mut self) -> Result<Vec<Vec<u8>>, StoreError>;

    /// Replaces the learner states listed by `learners` with their merge (keeps the table
    /// small). `seen` is how many states the caller merged; states stored since are kept.
    fn compact_learners(&mut self, seen: usize, merged: &[u8]) -> Result<(), StoreError>;

    /// Records a snapshot. Serialised against other snapshots: reads the findings table,
    /// plans the lifecycle transitions for `problems` at `head.window_end_ms`, asks `body`
    /// for the snapshot's content (which may depend on the outcome, e.g. MTTR) and commits
    /// it all at once.
    fn record_snapshot(
        &mut self,
        head: &SnapshotHead,
        problems: &[Problem],
        body: &mut dyn FnMut(&LifecycleOutcome) -> SnapshotBody,
    ) -> Result<SnapshotMeta, StoreError>;

    /// Snapshots, newest first.
    fn snapshots(&mut self, limit: usize) -> Result<Vec<SnapshotMeta>, StoreError>;

    /// One snapshot with its report (JSON text).
    fn snapshot(&mut self, id: i64) -> Result<Option<StoredSnapshot>, StoreError>;

    /// One endpoint across snapshots, oldest first.
    fn endpoint_history(&mut self, api_id: &str) -> Result<Vec<EndpointPoint>, StoreError>;

    fn findings(&mut self, filter: &FindingFilter) -> Result<Vec<FindingRecord>, StoreError>;

    fn finding_events(&mut self, finding_id: &str) -> Result<Vec<FindingEvent>, StoreError>;

    /// Where a followed source was read up to.
    fn checkpoint(&mut self, source: &str) -> Result<Option<Checkpoint>, StoreError>;

    /// Totals over all applied batches.
    fn ingest_totals(&mut self) -> Result<IngestTotals, StoreError>;
}

/// Opens the store a `--db` argument names: a file path (created on first use) for SQLite.
pub fn open(spec: &str) -> Result<Box<dyn Store>, StoreError> {
    if spec.starts_with("postgres://") || spec.starts_with("postgresql://") {
        return Err(StoreError::new(
            "PostgreSQL stores are not available in this build".to_string(),
        ));
    }
    let path = spec.strip_prefix("sqlite://").unwrap_or(spec);
    Ok(Box::new(SqliteStore::open(std::path::Path::new(path))?))
}

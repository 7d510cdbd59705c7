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
mod postgres;
mod sqlite;

pub use lifecycle::{LifecycleOutcome, Transition, TransitionKind, plan_transitions};
pub use model::*;
pub use postgres::PostgresStore;
pub use sqlite::SqliteStore;

/// A storage backend. Methods take `&mut self` because a backend owns one connection; open
/// one store per thread (SQLite in WAL mode lets readers run beside the writer).
pub trait Store: Send {
    /// `sqlite` or `postgres`.
    fn backend(&self) -> &'static str;

    /// Merges one batch in one transaction. A batch whose id was already applied changes
    /// nothing and reports [`Applied::Duplicate`].
    fn apply_batch(&mut self, batch: &Batch) -> Result<Applied, StoreError>;

    /// Merges the records of several *units*: messages of a shared queue (a NATS JetStream
    /// consumer) that may each be redelivered on their own, to another worker, grouped
    /// differently, so a range of them is no idempotence key. A unit is `scope` plus a
    /// sequence number. The store claims the units not applied before and asks `build` for
    /// the batch of just those (`fresh[i]` tells about `units[i]`); claims and batch commit
    /// together, and nothing is applied when no unit is fresh. Returns the `fresh` flags.
    /// `build` may be called more than once (a retried transaction) and the batch id is the
    /// store's to choose.
    ///
    /// This default applies the units one by one, each as its own batch with id
    /// `scope#seq`: correct on any backend, one transaction per unit. Backends override it
    /// with one transaction for all.
    fn apply_units(
        &mut self,
        scope: &str,
        units: &[u64],
        build: &mut dyn FnMut(&[bool]) -> Batch,
    ) -> Result<Vec<bool>, StoreError> {
        let mut fresh = vec![false; units.len()];
        let mut only = vec![false; units.len()];
        for (i, unit) in units.iter().enumerate() {
            only[i] = true;
            let mut batch = build(&only);
            only[i] = false;
            batch.id = format!("{scope}#{unit}");
            fresh[i] = self.apply_batch(&batch)? == Applied::Merged;
        }
        Ok(fresh)
    }

    /// Forgets the claims of units up to `floor` in `scope`, which the queue will never
    /// deliver again (a JetStream consumer's acknowledgement floor). Returns how many.
    fn forget_units(&mut self, scope: &str, floor: u64) -> Result<u64, StoreError> {
        let _ = (scope, floor);
        Ok(0)
    }

    /// The latest record time over everything ingested.
    fn latest_record_ms(&mut self) -> Result<Option<i64>, StoreError>;

    /// All aggregates whose bucket lies in `from..=to`, one row per (kind, key, bucket).
    fn aggregates(
        &mut self,
        from_bucket: i64,
        to_bucket: i64,
    ) -> Result<Vec<Aggregate>, StoreError>;

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

    /// Replaces the findings imported from one tool (`source`, e.g. `zap`) with its latest
    /// report's (JSON texts of `apispm_core::Finding`): the latest scan is the tool's truth,
    /// so a finding it no longer reports is resolved at the next snapshot.
    fn replace_imported(&mut self, source: &str, findings: &[String]) -> Result<(), StoreError>;

    /// Every imported finding on record (JSON texts), by tool then in import order.
    fn imported(&mut self) -> Result<Vec<String>, StoreError>;

    /// Totals over all applied batches.
    fn ingest_totals(&mut self) -> Result<IngestTotals, StoreError>;
}

/// Opens the store a `--db` argument names: a `postgres://` or `postgresql://` URL for
/// PostgreSQL (shared by many processes; `?schema=NAME` keeps it in its own schema), else a
/// file path (created on first use) for SQLite.
pub fn open(spec: &str) -> Result<Box<dyn Store>, StoreError> {
    if spec.starts_with("postgres://") || spec.starts_with("postgresql://") {
        return Ok(Box::new(PostgresStore::open(spec)?));
    }
    let path = spec.strip_prefix("sqlite://").unwrap_or(spec);
    Ok(Box::new(SqliteStore::open(std::path::Path::new(path))?))
}

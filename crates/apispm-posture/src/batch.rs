//! Turning exchanges into a store batch: tallies split by hourly bucket, keyed as the engine
//! keys them, with the template learner's evidence alongside.

use apispm_core::{Exchange, ExchangeSink, Inventory};
use apispm_engine::{Engine, Worker};
use apispm_store::{Aggregate, Batch, Checkpoint, KeyKind, bucket_of};
use apispm_template::Learner;
use hashbrown::HashMap;

/// An [`ExchangeSink`] that keeps one engine worker per time bucket. One per reader thread;
/// [`BatchBuilder::into_parts`] and [`BatchParts::merge`] combine them.
pub struct BatchBuilder<'e> {
    engine: &'e Engine,
    /// Stamped on records whose log has no time (the ingest time).
    default_time_ms: i64,
    buckets: HashMap<i64, Worker<'e>>,
    records: u64,
}

impl<'e> BatchBuilder<'e> {
    pub fn new(engine: &'e Engine, default_time_ms: i64) -> Self {
        BatchBuilder {
            engine,
            default_time_ms,
            buckets: HashMap::new(),
            records: 0,
        }
    }

    pub fn records(&self) -> u64 {
        self.records
    }

    pub fn into_parts(self) -> BatchParts {
        let mut parts = BatchParts::default();
        for (bucket, w) in self.buckets {
            let (fixed, learned, learner) = w.into_parts();
            parts.add(bucket, fixed, learned, learner);
        }
        parts.records = self.records;
        parts
    }
}

impl ExchangeSink for BatchBuilder<'_> {
    fn accept(&mut self, ex: &Exchange<'_>) {
        self.records += 1;
        let engine = self.engine;
        match ex.time_ms {
            Some(t) => self
                .buckets
                .entry(bucket_of(t))
                .or_insert_with(|| engine.worker())
                .accept(ex),
            None => {
                // Every record has a time in the store: the ingest time when the log has none.
                let mut stamped = ex.clone();
                stamped.time_ms = Some(self.default_time_ms);
                self.buckets
                    .entry(bucket_of(self.default_time_ms))
                    .or_insert_with(|| engine.worker())
                    .accept(&stamped);
            }
        }
    }
}

/// Bucketed tallies and one learner, mergeable across reader threads.
#[derive(Default)]
pub struct BatchParts {
    buckets: HashMap<i64, (Inventory, Inventory)>,
    learner: Option<Learner>,
    records: u64,
}

impl BatchParts {
    fn add(&mut self, bucket: i64, fixed: Inventory, learned: Inventory, learner: Learner) {
        let slot = self.buckets.entry(bucket).or_default();
        slot.0.merge(fixed);
        slot.1.merge(learned);
        match self.learner.as_mut() {
            Some(l) => l.merge(learner),
            None => self.learner = Some(learner),
        }
    }

    pub fn merge(&mut self, other: BatchParts) {
        self.records += other.records;
        for (bucket, (fixed, learned)) in other.buckets {
            let slot = self.buckets.entry(bucket).or_default();
            slot.0.merge(fixed);
            slot.1.merge(learned);
        }
        if let Some(l) = other.learner {
            match self.learner.as_mut() {
                Some(mine) => mine.merge(l),
                None => self.learner = Some(l),
            }
        }
    }

    pub fn records(&self) -> u64 {
        self.records
    }

    /// The batch to apply. `malformed` counts records the readers rejected.
    pub fn into_batch(
        self,
        id: String,
        source: String,
        malformed: u64,
        checkpoints: Vec<Checkpoint>,
        applied_ms: i64,
    ) -> Batch {
        let mut aggregates = Vec::new();
        for (bucket, (fixed, learned)) in &self.buckets {
            for (kind, inv) in [(KeyKind::Fixed, fixed), (KeyKind::Provisional, learned)] {
                for (key, tally) in inv.entries() {
                    aggregates.push(Aggregate {
                        kind,
                        key,
                        bucket: *bucket,
                        tally: tally.clone(),
                    });
                }
            }
        }
        // A stable write order keeps concurrent writers from locking rows in opposite orders.
        aggregates.sort_by(|a, b| (a.kind, &a.key, a.bucket).cmp(&(b.kind, &b.key, b.bucket)));
        let learner = self
            .learner
            .filter(|l| l.observed() > 0)
            .map(|l| l.to_bytes());
        Batch {
            id,
            source,
            records: self.records,
            malformed,
            aggregates,
            learner,
            checkpoints,
            applied_ms,
        }
    }
}

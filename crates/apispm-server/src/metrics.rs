//! Counters the server keeps in memory and the Prometheus text exposition of them and of the
//! latest snapshot's posture.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Upper bounds of the commit latency histogram, in seconds.
const COMMIT_BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];

#[derive(Default)]
pub struct Counters {
    /// Ingest requests by (format, status code).
    requests: Mutex<BTreeMap<(String, u16), u64>>,
    /// Records committed.
    pub records: AtomicU64,
    /// Malformed records in committed batches plus those of refused bodies.
    pub malformed: AtomicU64,
    /// Store transactions the writer ran.
    pub batches: AtomicU64,
    /// Requests whose idempotency key had been applied before.
    pub duplicates: AtomicU64,
    commit_buckets: [AtomicU64; COMMIT_BUCKETS.len()],
    commit_count: AtomicU64,
    commit_micros: AtomicU64,
    pub snapshots_taken: AtomicU64,
    pub snapshot_failures: AtomicU64,
}

impl Counters {
    pub fn request(&self, format: &str, status: u16) {
        let mut m = self.requests.lock().unwrap_or_else(|e| e.into_inner());
        *m.entry((format.to_string(), status)).or_default() += 1;
    }

    pub fn committed(&self, records: u64, malformed: u64) {
        self.records.fetch_add(records, Ordering::Relaxed);
        self.malformed.fetch_add(malformed, Ordering::Relaxed);
    }

    pub fn refused_malformed(&self, malformed: u64) {
        self.malformed.fetch_add(malformed, Ordering::Relaxed);
    }

    pub fn duplicate(&self) {
        self.duplicates.fetch_add(1, Ordering::Relaxed);
    }

    pub fn commit_latency(&self, d: Duration) {
        let s = d.as_secs_f64();
        for (i, b) in COMMIT_BUCKETS.iter().enumerate() {
            if s <= *b {
                self.commit_buckets[i].fetch_add(1, Ordering::Relaxed);
            }
        }
        self.commit_count.fetch_add(1, Ordering::Relaxed);
        self.commit_micros
            .fetch_add(d.as_micros() as u64, Ordering::Relaxed);
    }

    /// Ingest requests answered so far, by status code.
    pub fn requests_by_status(&self) -> BTreeMap<u16, u64> {
        let m = self.requests.lock().unwrap_or_else(|e| e.into_inner());
        let mut out = BTreeMap::new();
        for ((_, status), n) in m.iter() {
            *out.entry(*status).or_default() += n;
        }
        out
    }

    pub fn write_prometheus(&self, out: &mut String, queue_depth: usize) {
        let load = |a: &AtomicU64| a.load(Ordering::Relaxed);
        family(
            out,
            "apispm_ingest_requests_total",
            "counter",
            "Ingest requests answered, by log format and HTTP status.",
        );
        {
            let m = self.requests.lock().unwrap_or_else(|e| e.into_inner());
            for ((format, status), n) in m.iter() {
                let _ = writeln!(
                    out,
                    "apispm_ingest_requests_total{{format=\"{}\",code=\"{status}\"}} {n}",
                    label(format)
                );
            }
        }
        family(
            out,
            "apispm_ingest_records_total",
            "counter",
            "Records committed to the store by this process.",
        );
        let _ = writeln!(out, "apispm_ingest_records_total {}", load(&self.records));
        family(
            out,
            "apispm_ingest_malformed_total",
            "counter",
            "Malformed records received (skipped, or refusing their request).",
        );
        let _ = writeln!(
            out,
            "apispm_ingest_malformed_total {}",
            load(&self.malformed)
        );
        family(
            out,
            "apispm_ingest_batches_total",
            "counter",
            "Store transactions run by the writer (one per group commit).",
        );
        let _ = writeln!(out, "apispm_ingest_batches_total {}", load(&self.batches));
        family(
            out,
            "apispm_ingest_duplicates_total",
            "counter",
            "Requests whose Idempotency-Key had already been committed.",
        );
        let _ = writeln!(
            out,
            "apispm_ingest_duplicates_total {}",
            load(&self.duplicates)
        );
        family(
            out,
            "apispm_ingest_queue_depth",
            "gauge",
            "Parsed requests waiting for the writer.",
        );
        let _ = writeln!(out, "apispm_ingest_queue_depth {queue_depth}");
        family(
            out,
            "apispm_ingest_commit_seconds",
            "histogram",
            "Time to apply one group commit, from taking the queue to the transaction's end.",
        );
        for (i, b) in COMMIT_BUCKETS.iter().enumerate() {
            let _ = writeln!(
                out,
                "apispm_ingest_commit_seconds_bucket{{le=\"{b}\"}} {}",
                load(&self.commit_buckets[i])
            );
        }
        let count = load(&self.commit_count);
        let _ = writeln!(
            out,
            "apispm_ingest_commit_seconds_bucket{{le=\"+Inf\"}} {count}"
        );
        let _ = writeln!(
            out,
            "apispm_ingest_commit_seconds_sum {}",
            load(&self.commit_micros) as f64 / 1e6
        );
        let _ = writeln!(out, "apispm_ingest_commit_seconds_count {count}");
        family(
            out,
            "apispm_snapshots_taken_total",
            "counter",
            "Snapshots this process recorded.",
        );
        let _ = writeln!(
            out,
            "apispm_snapshots_taken_total {}",
            load(&self.snapshots_taken)
        );
        family(
            out,
            "apispm_snapshot_failures_total",
            "counter",
            "Snapshots that failed (see the server's standard error).",
        );
        let _ = writeln!(
            out,
            "apispm_snapshot_failures_total {}",
            load(&self.snapshot_failures)
        );
    }
}

pub fn family(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

/// A label value with the exposition format's escapes.
pub fn label(v: &str) -> String {
    let mut s = String::with_capacity(v.len());
    for c in v.chars() {
        match c {
            '\\' => s.push_str("\\\\"),
            '"' => s.push_str("\\\""),
            '\n' => s.push_str("\\n"),
            c => s.push(c),
        }
    }
    s
}

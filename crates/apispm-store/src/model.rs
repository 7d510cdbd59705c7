//! The rows a store keeps, as plain types shared by every backend.

use apispm_core::{EndpointKey, Severity, Tally};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;

/// Width of an aggregate time bucket: an hour, fine enough for `--window 1d` to be exact to
/// the hour and coarse enough that a week of a thousand endpoints is ~170k small rows.
pub const BUCKET_MS: i64 = 3_600_000;

pub fn bucket_of(time_ms: i64) -> i64 {
    time_ms.div_euclid(BUCKET_MS)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreError {
    pub message: String,
}

impl StoreError {
    pub fn new(message: impl Into<String>) -> StoreError {
        StoreError {
            message: message.into(),
        }
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for StoreError {}

/// How an aggregate's key was found. Provisional keys are the template learner's per-request
/// hints; a snapshot maps them to final templates with the learner of all traffic.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum KeyKind {
    /// Declared by the records, an API description or the gateway's route.
    Fixed = 0,
    Provisional = 1,
}

impl KeyKind {
    pub fn from_i64(v: i64) -> Option<KeyKind> {
        match v {
            0 => Some(KeyKind::Fixed),
            1 => Some(KeyKind::Provisional),
            _ => None,
        }
    }
}

/// One endpoint's counters within one time bucket.
#[derive(Clone, Debug, PartialEq)]
pub struct Aggregate {
    pub kind: KeyKind,
    pub key: EndpointKey,
    pub bucket: i64,
    pub tally: Tally,
}

/// A position in a followed source, saved with the batch that read up to it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    /// The source as configured (a path).
    pub source: String,
    /// What identifies the file behind the path now (device and inode), to notice rotation.
    pub file_id: String,
    pub offset: u64,
}

/// Everything one ingest step adds, applied atomically.
#[derive(Clone, Debug, Default)]
pub struct Batch {
    /// Idempotence key: the same id is applied once.
    pub id: String,
    /// What was read (file names, `http:kong`, a topic partition…).
    pub source: String,
    pub records: u64,
    pub malformed: u64,
    pub aggregates: Vec<Aggregate>,
    /// The template learner of this batch's provisional keys, if any.
    pub learner: Option<Vec<u8>>,
    pub checkpoints: Vec<Checkpoint>,
    /// When the batch was applied (wall clock).
    pub applied_ms: i64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Applied {
    Merged,
    Duplicate,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EndpointFacts {
    pub kind: KeyKind,
    pub key: EndpointKey,
    pub first_seen_ms: Option<i64>,
    pub last_seen_ms: Option<i64>,
    pub requests: u64,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct IngestTotals {
    pub batches: u64,
    pub records: u64,
    pub malformed: u64,
}

/// A problem seen in a snapshot, tracked as a finding with a stable identity.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Problem {
    /// `None` for problems no endpoint owns (an imported finding that mapped nowhere).
    pub api_id: Option<String>,
    /// `missing_control`, `policy_violation`, `sensitive_data`, `finding`, `shadow`, `zombie`.
    pub kind: String,
    /// What distinguishes problems of one kind on one endpoint (control, policy, data type,
    /// rule).
    pub key: String,
    pub severity: Severity,
    pub title: String,
    pub service: Option<String>,
    pub method: Option<String>,
    pub path: Option<String>,
}

impl Problem {
    /// The finding's identity: endpoint + kind + key, hashed to a short stable id.
    pub fn id(&self) -> String {
        finding_id(self.api_id.as_deref(), &self.kind, &self.key)
    }
}

pub fn finding_id(api_id: Option<&str>, kind: &str, key: &str) -> String {
    let mut h = Sha256::new();
    h.update(api_id.unwrap_or("-").as_bytes());
    h.update([0]);
    h.update(kind.as_bytes());
    h.update([0]);
    h.update(key.as_bytes());
    h.finalize()[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FindingState {
    Open,
    Resolved,
}

impl FindingState {
    pub fn as_str(self) -> &'static str {
        match self {
            FindingState::Open => "open",
            FindingState::Resolved => "resolved",
        }
    }

    pub fn parse(s: &str) -> Option<FindingState> {
        match s {
            "open" => Some(FindingState::Open),
            "resolved" => Some(FindingState::Resolved),
            _ => None,
        }
    }
}

/// A tracked finding. Times are traffic times: the window end of the snapshot that saw the
/// step.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FindingRecord {
    pub id: String,
    pub api_id: Option<String>,
    pub kind: String,
    pub key: String,
    pub severity: Severity,
    pub title: String,
    pub service: Option<String>,
    pub method: Option<String>,
    pub path: Option<String>,
    pub state: FindingState,
    pub first_opened_ms: i64,
    /// Start of the current (or last) open period.
    pub opened_ms: i64,
    pub resolved_ms: Option<i64>,
    pub reopened: u32,
    pub last_snapshot: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FindingEvent {
    pub snapshot_id: i64,
    pub at_ms: i64,
    /// `opened`, `resolved` or `reopened`.
    pub event: String,
}

#[derive(Clone, Debug, Default)]
pub struct FindingFilter {
    pub state: Option<FindingState>,
    /// At least this severe.
    pub min_severity: Option<Severity>,
    pub api_id: Option<String>,
}

/// What a snapshot covers.
#[derive(Clone, Debug, PartialEq)]
pub struct SnapshotHead {
    /// Wall clock when it was taken.
    pub created_ms: i64,
    pub window_start_ms: i64,
    /// The latest record time: findings steps are stamped with it.
    pub window_end_ms: i64,
}

/// One endpoint's row in a snapshot.
#[derive(Clone, Debug, PartialEq)]
pub struct SnapshotEndpoint {
    pub api_id: String,
    pub service: String,
    pub method: String,
    pub path: String,
    pub classification: String,
    pub risk_score: f64,
    pub requests: u64,
    pub stale: bool,
    /// The assessment as JSON.
    pub assessment: String,
}

/// The content of a snapshot.
#[derive(Clone, Debug, PartialEq)]
pub struct SnapshotBody {
    /// The whole report, as `apispm scan --format json` would print it.
    pub report: String,
    /// The eight metrics, as JSON.
    pub metrics: String,
    pub average_risk: f64,
    pub endpoints: Vec<SnapshotEndpoint>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SnapshotMeta {
    pub id: i64,
    pub created_ms: i64,
    pub window_start_ms: i64,
    pub window_end_ms: i64,
    pub endpoints: u64,
    pub average_risk: f64,
    pub open_findings: u64,
    pub opened: u64,
    pub resolved: u64,
    pub reopened: u64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct StoredSnapshot {
    pub meta: SnapshotMeta,
    pub report: String,
    pub metrics: String,
}

/// One endpoint in one snapshot.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EndpointPoint {
    pub snapshot_id: i64,
    pub window_end_ms: i64,
    pub risk_score: f64,
    pub classification: String,
    pub requests: u64,
    pub stale: bool,
    /// The assessment as JSON text.
    #[serde(skip)]
    pub assessment: String,
}

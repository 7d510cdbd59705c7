//! The embedded backend: one SQLite file in WAL mode. Writers take the database lock up front
//! (`BEGIN IMMEDIATE`), so a batch's read-merge-write of aggregates cannot interleave with
//! another writer's; readers on other connections keep reading the last committed state.
//! `synchronous = NORMAL` under WAL survives a killed process with every commit intact (only
//! a power loss may roll back the newest commits, never corrupt the file).

use crate::lifecycle::{TransitionKind, outcome, plan_transitions};
use crate::model::*;
use crate::{LifecycleOutcome, Store};
use apispm_core::{EndpointKey, Severity, Tally};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use std::collections::BTreeMap;
use std::path::Path;

/// Versioned migrations, applied in order on open.
const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../migrations/sqlite/0001_init.sql")),
    (
        2,
        include_str!("../migrations/sqlite/0002_imported_findings.sql"),
    ),
];

pub struct SqliteStore {
    conn: Connection,
}

fn err(context: &str) -> impl Fn(rusqlite::Error) -> StoreError + '_ {
    move |e| StoreError::new(format!("{context}: {e}"))
}

fn sql(e: rusqlite::Error) -> StoreError {
    StoreError::new(format!("database error: {e}"))
}

pub(crate) fn tally_json(t: &Tally) -> String {
    serde_json::to_string(t).expect("a tally serializes")
}

pub(crate) fn tally_from_json(s: &str) -> Result<Tally, StoreError> {
    serde_json::from_str(s)
        .map_err(|e| StoreError::new(format!("stored aggregate is corrupt: {e}")))
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path` and brings its schema up to date.
    pub fn open(path: &Path) -> Result<SqliteStore, StoreError> {
        let shown = path.display().to_string();
        let conn = Connection::open(path).map_err(err(&shown))?;
        let mut store = SqliteStore { conn };
        store
            .init()
            .map_err(|e| StoreError::new(format!("{shown}: {}", e.message)))?;
        Ok(store)
    }

    fn init(&mut self) -> Result<(), StoreError> {
        self.conn
            .busy_timeout(std::time::Duration::from_secs(30))
            .map_err(sql)?;
        let mode: String = self
            .conn
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
            .map_err(|e| match e {
                rusqlite::Error::SqliteFailure(f, _)
                    if f.code == rusqlite::ErrorCode::NotADatabase =>
                {
                    StoreError::new("not an apispm database (not SQLite)")
                }
                e => sql(e),
            })?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::new(format!(
                "could not switch to WAL mode (got {mode})"
            )));
        }
        self.conn
            .execute_batch("PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;")
            .map_err(sql)?;
        self.migrate()
    }

    fn migrate(&mut self) -> Result<(), StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(sql)?;
        tx.execute_batch(
            "CREATE TABLE IF NOT EXISTS schema_migrations (
                 version INTEGER PRIMARY KEY, applied_ms INTEGER NOT NULL)",
        )
        .map_err(sql)?;
        let current: i64 = tx
            .query_row(
                "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
                [],
                |r| r.get(0),
            )
            .map_err(sql)?;
        let newest = MIGRATIONS.last().map_or(0, |m| m.0);
        if current > newest {
            return Err(StoreError::new(format!(
                "database schema version {current} is newer than this apispm supports \
                 ({newest}); upgrade apispm"
            )));
        }
        for (version, script) in MIGRATIONS.iter().filter(|m| m.0 > current) {
            tx.execute_batch(script)
                .map_err(err(&format!("migration {version}")))?;
            tx.execute(
                "INSERT INTO schema_migrations (version, applied_ms) VALUES (?1, ?2)",
                params![version, now_ms()],
            )
            .map_err(sql)?;
        }
        tx.commit().map_err(sql)
    }

    /// The schema version on disk.
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        self.conn
            .query_row("SELECT MAX(version) FROM schema_migrations", [], |r| {
                r.get(0)
            })
            .map_err(sql)
    }
}

pub(crate) fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// Per-key facts a batch adds: summed requests, widest time span.
pub(crate) fn batch_facts(batch: &Batch) -> BTreeMap<(KeyKind, &EndpointKey), EndpointFacts> {
    let mut facts: BTreeMap<(KeyKind, &EndpointKey), EndpointFacts> = BTreeMap::new();
    for a in &batch.aggregates {
        let f = facts
            .entry((a.kind, &a.key))
            .or_insert_with(|| EndpointFacts {
                kind: a.kind,
                key: a.key.clone(),
                first_seen_ms: None,
                last_seen_ms: None,
                requests: 0,
            });
        f.requests += a.tally.requests;
        f.first_seen_ms = min_opt(f.first_seen_ms, a.tally.first_seen_ms);
        f.last_seen_ms = max_opt(f.last_seen_ms, a.tally.last_seen_ms);
    }
    facts
}

fn min_opt(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, y) => x.or(y),
    }
}

fn max_opt(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.max(y)),
        (x, y) => x.or(y),
    }
}

fn severity(s: &str) -> Severity {
    Severity::parse(s).unwrap_or(Severity::Info)
}

fn finding_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<FindingRecord> {
    Ok(FindingRecord {
        id: r.get(0)?,
        api_id: r.get(1)?,
        kind: r.get(2)?,
        key: r.get(3)?,
        severity: severity(&r.get::<_, String>(4)?),
        title: r.get(5)?,
        service: r.get(6)?,
        method: r.get(7)?,
        path: r.get(8)?,
        state: FindingState::parse(&r.get::<_, String>(9)?).unwrap_or(FindingState::Open),
        first_opened_ms: r.get(10)?,
        opened_ms: r.get(11)?,
        resolved_ms: r.get(12)?,
        reopened: r.get(13)?,
        last_snapshot: r.get(14)?,
    })
}

const FINDING_COLUMNS: &str = "id, api_id, kind, key, severity, title, service, method, path, \
     state, first_opened_ms, opened_ms, resolved_ms, reopened, last_snapshot";

fn meta_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<SnapshotMeta> {
    Ok(SnapshotMeta {
        id: r.get(0)?,
        created_ms: r.get(1)?,
        window_start_ms: r.get(2)?,
        window_end_ms: r.get(3)?,
        endpoints: r.get(4)?,
        average_risk: r.get(5)?,
        open_findings: r.get(6)?,
        opened: r.get(7)?,
        resolved: r.get(8)?,
        reopened: r.get(9)?,
    })
}

const META_COLUMNS: &str = "id, created_ms, window_start_ms, window_end_ms, endpoints, \
     average_risk, open_findings, opened, resolved, reopened";

impl Store for SqliteStore {
    fn backend(&self) -> &'static str {
        "sqlite"
    }

    fn apply_batch(&mut self, batch: &Batch) -> Result<Applied, StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(sql)?;
        let fresh = tx
            .execute(
                "INSERT INTO batches (id, source, records, malformed, applied_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (id) DO NOTHING",
                params![
                    batch.id,
                    batch.source,
                    batch.records,
                    batch.malformed,
                    batch.applied_ms
                ],
            )
            .map_err(sql)?;
        if fresh == 0 {
            return Ok(Applied::Duplicate);
        }
        {
            let mut get = tx
                .prepare_cached(
                    "SELECT tally FROM aggregates
                     WHERE kind = ?1 AND service = ?2 AND method = ?3 AND path = ?4 AND bucket = ?5",
                )
                .map_err(sql)?;
            let mut put = tx
                .prepare_cached(
                    "INSERT INTO aggregates (kind, service, method, path, bucket, tally)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                     ON CONFLICT (kind, service, method, path, bucket)
                     DO UPDATE SET tally = excluded.tally",
                )
                .map_err(sql)?;
            for a in &batch.aggregates {
                let k = &a.key;
                let kind = a.kind as i64;
                let old: Option<String> = get
                    .query_row(params![kind, k.service, k.method, k.path, a.bucket], |r| {
                        r.get(0)
                    })
                    .optional()
                    .map_err(sql)?;
                let json = match old {
                    Some(old) => {
                        let mut t = tally_from_json(&old)?;
                        t.merge(&a.tally);
                        tally_json(&t)
                    }
                    None => tally_json(&a.tally),
                };
                put.execute(params![kind, k.service, k.method, k.path, a.bucket, json])
                    .map_err(sql)?;
            }
            let mut facts = tx
                .prepare_cached(
                    "INSERT INTO endpoints (kind, service, method, path, first_seen_ms, last_seen_ms, requests)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                     ON CONFLICT (kind, service, method, path) DO UPDATE SET
                       requests = requests + excluded.requests,
                       first_seen_ms = COALESCE(MIN(first_seen_ms, excluded.first_seen_ms),
                                                first_seen_ms, excluded.first_seen_ms),
                       last_seen_ms = COALESCE(MAX(last_seen_ms, excluded.last_seen_ms),
                                               last_seen_ms, excluded.last_seen_ms)",
                )
                .map_err(sql)?;
            for f in batch_facts(batch).values() {
                facts
                    .execute(params![
                        f.kind as i64,
                        f.key.service,
                        f.key.method,
                        f.key.path,
                        f.first_seen_ms,
                        f.last_seen_ms,
                        f.requests
                    ])
                    .map_err(sql)?;
            }
            if let Some(l) = &batch.learner {
                tx.execute("INSERT INTO learners (state) VALUES (?1)", params![l])
                    .map_err(sql)?;
            }
            let mut cp = tx
                .prepare_cached(
                    "INSERT INTO checkpoints (source, file_id, \"offset\", updated_ms)
                     VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT (source) DO UPDATE SET file_id = excluded.file_id,
                       \"offset\" = excluded.\"offset\", updated_ms = excluded.updated_ms",
                )
                .map_err(sql)?;
            for c in &batch.checkpoints {
                cp.execute(params![c.source, c.file_id, c.offset, batch.applied_ms])
                    .map_err(sql)?;
            }
        }
        tx.commit().map_err(sql)?;
        Ok(Applied::Merged)
    }

    fn latest_record_ms(&mut self) -> Result<Option<i64>, StoreError> {
        self.conn
            .query_row("SELECT MAX(last_seen_ms) FROM endpoints", [], |r| r.get(0))
            .map_err(sql)
    }

    fn aggregates(&mut self, from: i64, to: i64) -> Result<Vec<Aggregate>, StoreError> {
        let mut st = self
            .conn
            .prepare_cached(
                "SELECT kind, service, method, path, bucket, tally FROM aggregates
                 WHERE bucket BETWEEN ?1 AND ?2",
            )
            .map_err(sql)?;
        let rows = st
            .query_map(params![from, to], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    EndpointKey {
                        service: r.get(1)?,
                        method: r.get(2)?,
                        path: r.get(3)?,
                    },
                    r.get::<_, i64>(4)?,
                    r.get::<_, String>(5)?,
                ))
            })
            .map_err(sql)?;
        let mut out = Vec::new();
        for row in rows {
            let (kind, key, bucket, json) = row.map_err(sql)?;
            let kind = KeyKind::from_i64(kind)
                .ok_or_else(|| StoreError::new(format!("unknown aggregate kind {kind}")))?;
            out.push(Aggregate {
                kind,
                key,
                bucket,
                tally: tally_from_json(&json)?,
            });
        }
        Ok(out)
    }

    fn endpoint_facts(&mut self) -> Result<Vec<EndpointFacts>, StoreError> {
        let mut st = self
            .conn
            .prepare_cached(
                "SELECT kind, service, method, path, first_seen_ms, last_seen_ms, requests
                 FROM endpoints",
            )
            .map_err(sql)?;
        let rows = st
            .query_map([], |r| {
                Ok(EndpointFacts {
                    kind: KeyKind::from_i64(r.get(0)?).unwrap_or(KeyKind::Fixed),
                    key: EndpointKey {
                        service: r.get(1)?,
                        method: r.get(2)?,
                        path: r.get(3)?,
                    },
                    first_seen_ms: r.get(4)?,
                    last_seen_ms: r.get(5)?,
                    requests: r.get(6)?,
                })
            })
            .map_err(sql)?;
        rows.collect::<Result<_, _>>().map_err(sql)
    }

    fn learners(&mut self) -> Result<Vec<Vec<u8>>, StoreError> {
        let mut st = self
            .conn
            .prepare_cached("SELECT state FROM learners ORDER BY id")
            .map_err(sql)?;
        let rows = st.query_map([], |r| r.get(0)).map_err(sql)?;
        rows.collect::<Result<_, _>>().map_err(sql)
    }

    fn compact_learners(&mut self, seen: usize, merged: &[u8]) -> Result<(), StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(sql)?;
        let ids: Vec<i64> = {
            let mut st = tx
                .prepare("SELECT id FROM learners ORDER BY id LIMIT ?1")
                .map_err(sql)?;
            let rows = st.query_map([seen as i64], |r| r.get(0)).map_err(sql)?;
            rows.collect::<Result<_, _>>().map_err(sql)?
        };
        if ids.len() <= 1 {
            return Ok(());
        }
        let last = *ids.last().expect("non-empty");
        tx.execute("DELETE FROM learners WHERE id <= ?1", [last])
            .map_err(sql)?;
        tx.execute(
            "INSERT INTO learners (id, state) VALUES (?1, ?2)",
            params![last, merged],
        )
        .map_err(sql)?;
        tx.commit().map_err(sql)
    }

    fn record_snapshot(
        &mut self,
        head: &SnapshotHead,
        problems: &[Problem],
        body: &mut dyn FnMut(&LifecycleOutcome) -> SnapshotBody,
    ) -> Result<SnapshotMeta, StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(sql)?;
        let existing: Vec<FindingRecord> = {
            let mut st = tx
                .prepare(&format!("SELECT {FINDING_COLUMNS} FROM findings"))
                .map_err(sql)?;
            let rows = st.query_map([], finding_row).map_err(sql)?;
            rows.collect::<Result<_, _>>().map_err(sql)?
        };
        let (sum, count): (i64, u64) = tx
            .query_row(
                "SELECT COALESCE(SUM(resolved_ms - opened_ms), 0), COUNT(*) FROM remediations",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .map_err(sql)?;
        let open_before = existing
            .iter()
            .filter(|f| f.state == FindingState::Open)
            .count() as u64;
        let plan = plan_transitions(&existing, problems);
        let at = head.window_end_ms;
        let o = outcome(&plan, open_before, at, sum, count);
        let b = body(&o);
        tx.execute(
            &format!(
                "INSERT INTO snapshots ({}, metrics, report)
                 VALUES (NULL, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                META_COLUMNS
            ),
            params![
                head.created_ms,
                head.window_start_ms,
                head.window_end_ms,
                b.endpoints.len() as u64,
                b.average_risk,
                o.open_after,
                o.opened,
                o.resolved,
                o.reopened,
                b.metrics,
                b.report
            ],
        )
        .map_err(sql)?;
        let id = tx.last_insert_rowid();
        {
            let mut ep = tx
                .prepare_cached(
                    "INSERT INTO snapshot_endpoints (snapshot_id, api_id, service, method, path,
                       classification, risk_score, requests, stale, assessment)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
                     ON CONFLICT (snapshot_id, api_id) DO NOTHING",
                )
                .map_err(sql)?;
            for e in &b.endpoints {
                ep.execute(params![
                    id,
                    e.api_id,
                    e.service,
                    e.method,
                    e.path,
                    e.classification,
                    e.risk_score,
                    e.requests,
                    e.stale,
                    e.assessment
                ])
                .map_err(sql)?;
            }
            let mut event = tx
                .prepare_cached(
                    "INSERT INTO finding_events (finding_id, snapshot_id, at_ms, event)
                     VALUES (?1, ?2, ?3, ?4)",
                )
                .map_err(sql)?;
            for t in &plan {
                let p = t.problem.map(|i| &problems[i]);
                match (t.kind, p) {
                    (TransitionKind::Opened, Some(p)) => {
                        tx.execute(
                            &format!(
                                "INSERT INTO findings ({FINDING_COLUMNS})
                                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'open', ?10, ?10, NULL, 0, ?11)"
                            ),
                            params![
                                t.finding_id,
                                p.api_id,
                                p.kind,
                                p.key,
                                p.severity.name(),
                                p.title,
                                p.service,
                                p.method,
                                p.path,
                                at,
                                id
                            ],
                        )
                        .map_err(sql)?;
                    }
                    (TransitionKind::Reopened, Some(p)) => {
                        tx.execute(
                            "UPDATE findings SET state = 'open', opened_ms = ?2, resolved_ms = NULL,
                               reopened = reopened + 1, last_snapshot = ?3, severity = ?4, title = ?5
                             WHERE id = ?1",
                            params![t.finding_id, at, id, p.severity.name(), p.title],
                        )
                        .map_err(sql)?;
                    }
                    (TransitionKind::Seen, Some(p)) => {
                        tx.execute(
                            "UPDATE findings SET last_snapshot = ?2, severity = ?3, title = ?4
                             WHERE id = ?1",
                            params![t.finding_id, id, p.severity.name(), p.title],
                        )
                        .map_err(sql)?;
                        continue;
                    }
                    (TransitionKind::Resolved, _) => {
                        tx.execute(
                            "UPDATE findings SET state = 'resolved', resolved_ms = ?2, last_snapshot = ?3
                             WHERE id = ?1",
                            params![t.finding_id, at, id],
                        )
                        .map_err(sql)?;
                        tx.execute(
                            "INSERT INTO remediations (finding_id, opened_ms, resolved_ms)
                             VALUES (?1, ?2, ?3)",
                            params![t.finding_id, t.opened_ms.unwrap_or(at), at],
                        )
                        .map_err(sql)?;
                    }
                    _ => continue,
                }
                event
                    .execute(params![t.finding_id, id, at, t.kind.as_str()])
                    .map_err(sql)?;
            }
        }
        let meta = tx
            .query_row(
                &format!("SELECT {META_COLUMNS} FROM snapshots WHERE id = ?1"),
                [id],
                meta_row,
            )
            .map_err(sql)?;
        tx.commit().map_err(sql)?;
        Ok(meta)
    }

    fn snapshots(&mut self, limit: usize) -> Result<Vec<SnapshotMeta>, StoreError> {
        let mut st = self
            .conn
            .prepare_cached(&format!(
                "SELECT {META_COLUMNS} FROM snapshots ORDER BY id DESC LIMIT ?1"
            ))
            .map_err(sql)?;
        let rows = st
            .query_map([limit.min(i64::MAX as usize) as i64], meta_row)
            .map_err(sql)?;
        rows.collect::<Result<_, _>>().map_err(sql)
    }

    fn snapshot(&mut self, id: i64) -> Result<Option<StoredSnapshot>, StoreError> {
        self.conn
            .query_row(
                &format!("SELECT {META_COLUMNS}, report, metrics FROM snapshots WHERE id = ?1"),
                [id],
                |r| {
                    Ok(StoredSnapshot {
                        meta: meta_row(r)?,
                        report: r.get(10)?,
                        metrics: r.get(11)?,
                    })
                },
            )
            .optional()
            .map_err(sql)
    }

    fn endpoint_history(&mut self, api_id: &str) -> Result<Vec<EndpointPoint>, StoreError> {
        let mut st = self
            .conn
            .prepare_cached(
                "SELECT e.snapshot_id, s.window_end_ms, e.risk_score, e.classification,
                        e.requests, e.stale, e.assessment
                 FROM snapshot_endpoints e JOIN snapshots s ON s.id = e.snapshot_id
                 WHERE e.api_id = ?1 ORDER BY e.snapshot_id",
            )
            .map_err(sql)?;
        let rows = st
            .query_map([api_id], |r| {
                Ok(EndpointPoint {
                    snapshot_id: r.get(0)?,
                    window_end_ms: r.get(1)?,
                    risk_score: r.get(2)?,
                    classification: r.get(3)?,
                    requests: r.get(4)?,
                    stale: r.get(5)?,
                    assessment: r.get(6)?,
                })
            })
            .map_err(sql)?;
        rows.collect::<Result<_, _>>().map_err(sql)
    }

    fn findings(&mut self, filter: &FindingFilter) -> Result<Vec<FindingRecord>, StoreError> {
        let mut st = self
            .conn
            .prepare_cached(&format!(
                "SELECT {FINDING_COLUMNS} FROM findings
                 WHERE (?1 IS NULL OR state = ?1) AND (?2 IS NULL OR api_id = ?2)
                 ORDER BY opened_ms DESC, id"
            ))
            .map_err(sql)?;
        let rows = st
            .query_map(
                params![filter.state.map(FindingState::as_str), filter.api_id],
                finding_row,
            )
            .map_err(sql)?;
        let mut out: Vec<FindingRecord> = rows.collect::<Result<_, _>>().map_err(sql)?;
        if let Some(min) = filter.min_severity {
            out.retain(|f| f.severity.value() >= min.value());
        }
        Ok(out)
    }

    fn finding_events(&mut self, finding_id: &str) -> Result<Vec<FindingEvent>, StoreError> {
        let mut st = self
            .conn
            .prepare_cached(
                "SELECT snapshot_id, at_ms, event FROM finding_events
                 WHERE finding_id = ?1 ORDER BY snapshot_id, rowid",
            )
            .map_err(sql)?;
        let rows = st
            .query_map([finding_id], |r| {
                Ok(FindingEvent {
                    snapshot_id: r.get(0)?,
                    at_ms: r.get(1)?,
                    event: r.get(2)?,
                })
            })
            .map_err(sql)?;
        rows.collect::<Result<_, _>>().map_err(sql)
    }

    fn checkpoint(&mut self, source: &str) -> Result<Option<Checkpoint>, StoreError> {
        self.conn
            .query_row(
                "SELECT source, file_id, \"offset\" FROM checkpoints WHERE source = ?1",
                [source],
                |r| {
                    Ok(Checkpoint {
                        source: r.get(0)?,
                        file_id: r.get(1)?,
                        offset: r.get(2)?,
                    })
                },
            )
            .optional()
            .map_err(sql)
    }

    fn replace_imported(&mut self, source: &str, findings: &[String]) -> Result<(), StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(sql)?;
        tx.execute("DELETE FROM imported_findings WHERE source = ?1", [source])
            .map_err(sql)?;
        {
            let mut put = tx
                .prepare_cached(
                    "INSERT INTO imported_findings (source, seq, finding) VALUES (?1, ?2, ?3)",
                )
                .map_err(sql)?;
            for (i, f) in findings.iter().enumerate() {
                put.execute(params![source, i as i64, f]).map_err(sql)?;
            }
        }
        tx.commit().map_err(sql)
    }

    fn imported(&mut self) -> Result<Vec<String>, StoreError> {
        let mut st = self
            .conn
            .prepare_cached("SELECT finding FROM imported_findings ORDER BY source, seq")
            .map_err(sql)?;
        let rows = st.query_map([], |r| r.get(0)).map_err(sql)?;
        rows.collect::<Result<_, _>>().map_err(sql)
    }

    fn ingest_totals(&mut self) -> Result<IngestTotals, StoreError> {
        self.conn
            .query_row(
                "SELECT COUNT(*), COALESCE(SUM(records), 0), COALESCE(SUM(malformed), 0)
                 FROM batches",
                [],
                |r| {
                    Ok(IngestTotals {
                        batches: r.get(0)?,
                        records: r.get(1)?,
                        malformed: r.get(2)?,
                    })
                },
            )
            .map_err(sql)
    }
}

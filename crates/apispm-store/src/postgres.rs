//! The shared backend: one PostgreSQL database that several `apispm` processes (file ingests,
//! Kafka and NATS workers, the server) write at once. Correctness under concurrency rests on
//! four rules:
//!
//! - A batch id is inserted first with `ON CONFLICT DO NOTHING`; a concurrent transaction with
//!   the same id waits for the first and then sees the conflict, so a batch counts once.
//! - Aggregates hold tallies that only Rust can merge (capped sets, sketches). Missing rows are
//!   inserted with `ON CONFLICT DO NOTHING`, the rest are read `FOR UPDATE`, merged in Rust and
//!   written back, always in the bytewise key order (`COLLATE "C"` columns, keys sorted the
//!   same way), so two batches touching the same endpoints wait for each other instead of
//!   deadlocking or losing an update.
//! - Cumulative endpoint facts are plain arithmetic, merged by the database in one upsert.
//! - Snapshots (with the findings lifecycle), learner compaction and migrations each take a
//!   transaction-scoped advisory lock of their own, per schema.
//!
//! Deadlocks and serialization failures, which PostgreSQL may still report under load, roll
//! the transaction back and retry it transparently. A `schema=NAME` parameter in the URL keeps
//! the store in its own schema (created on first use), so one database can hold several
//! stores: the tests run each case in a fresh schema.

use crate::lifecycle::{TransitionKind, outcome, plan_transitions};
use crate::model::*;
use crate::sqlite::{batch_facts, now_ms, tally_from_json, tally_json};
use crate::{LifecycleOutcome, Store};
use apispm_core::{EndpointKey, Severity, Tally};
use postgres::error::SqlState;
use postgres::{Client, Config, NoTls, Row, Transaction};
use std::borrow::Cow;
use std::collections::{BTreeMap, HashSet};
use std::str::FromStr;
use std::time::Duration;

/// Versioned migrations, applied in order on open.
const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../migrations/postgres/0001_init.sql")),
    (2, include_str!("../migrations/postgres/0002_units.sql")),
    (
        3,
        include_str!("../migrations/postgres/0003_imported_findings.sql"),
    ),
];

/// First key of every advisory lock apispm takes ("apis"); the second is a hash of the
/// schema and the purpose, so stores in different schemas never wait for each other.
const LOCK_SPACE: i32 = 0x6170_6973;

/// How often a transaction that lost a deadlock or serialization race is retried.
const MAX_ATTEMPTS: u32 = 20;

pub struct PostgresStore {
    client: Client,
    /// The URL without credentials, for messages.
    shown: String,
    /// Ids of the learner states the last `learners` call returned, so that compaction
    /// replaces exactly those (ids are not handed out in commit order).
    learner_ids: Vec<i64>,
}

/// Why a transaction stopped: a database error (perhaps worth retrying) or a store error.
enum Fail {
    Pg(postgres::Error),
    Store(StoreError),
}

impl From<postgres::Error> for Fail {
    fn from(e: postgres::Error) -> Self {
        Fail::Pg(e)
    }
}

impl From<StoreError> for Fail {
    fn from(e: StoreError) -> Self {
        Fail::Store(e)
    }
}

fn retryable(e: &postgres::Error) -> bool {
    matches!(
        e.code(),
        Some(c) if *c == SqlState::T_R_DEADLOCK_DETECTED || *c == SqlState::T_R_SERIALIZATION_FAILURE
    )
}

fn db(e: postgres::Error) -> StoreError {
    StoreError::new(format!("database error: {}", describe(&e)))
}

fn describe(e: &postgres::Error) -> String {
    if let Some(d) = e.as_db_error() {
        return format!("{}: {}", d.severity(), d.message());
    }
    // "error connecting to server" alone does not say whether it was refused or timed out.
    let mut s = e.to_string();
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        let c_text = c.to_string();
        if !s.contains(&c_text) {
            s.push_str(": ");
            s.push_str(&c_text);
        }
        cause = c.source();
    }
    s
}

/// PostgreSQL text cannot hold NUL; a key or title carrying one (a `\u0000` escape in a log)
/// is stored with U+FFFD in its place rather than making the whole batch fail forever.
fn text(s: &str) -> Cow<'_, str> {
    if s.contains('\0') {
        Cow::Owned(s.replace('\0', "\u{FFFD}"))
    } else {
        Cow::Borrowed(s)
    }
}

fn i64_of(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

fn u64_of(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

/// Splits apispm's own `schema` parameter off a connection URL.
fn split_schema(url: &str) -> Result<(String, Option<String>), StoreError> {
    let Some((base, query)) = url.split_once('?') else {
        return Ok((url.to_string(), None));
    };
    let mut schema = None;
    let mut rest = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        match pair.strip_prefix("schema=") {
            Some(name) => schema = Some(name.to_string()),
            None => rest.push(pair),
        }
    }
    if let Some(name) = &schema {
        let valid = !name.is_empty()
            && name.len() <= 63
            && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
            && !name.as_bytes()[0].is_ascii_digit();
        if !valid {
            return Err(StoreError::new(format!(
                "schema `{name}` in the database URL: use letters, digits and `_` (at most 63, \
                 not starting with a digit)"
            )));
        }
    }
    let base = if rest.is_empty() {
        base.to_string()
    } else {
        format!("{base}?{}", rest.join("&"))
    };
    Ok((base, schema))
}

/// The URL as it may be shown: host, port, database and schema, never the password.
fn shown(config: &Config, schema: Option<&str>) -> String {
    let host = match config.get_hosts().first() {
        Some(postgres::config::Host::Tcp(h)) => h.clone(),
        #[cfg(unix)]
        Some(postgres::config::Host::Unix(p)) => p.display().to_string(),
        None => "localhost".into(),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    let mut s = format!(
        "postgres://{host}:{port}/{}",
        config.get_dbname().unwrap_or("")
    );
    if let Some(schema) = schema {
        s.push_str(&format!(" (schema {schema})"));
    }
    s
}

impl PostgresStore {
    /// Connects to `url` (`postgres://user[:password]@host[:port]/database[?params]`, plus
    /// apispm's `schema=NAME`) and brings the schema up to date.
    pub fn open(url: &str) -> Result<PostgresStore, StoreError> {
        let (conninfo, schema) = split_schema(url)?;
        let mut config = Config::from_str(&conninfo)
            .map_err(|e| StoreError::new(format!("invalid PostgreSQL URL: {e}")))?;
        let shown = shown(&config, schema.as_deref());
        if config.get_application_name().is_none() {
            config.application_name("apispm");
        }
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(Duration::from_secs(10));
        }
        let client = config.connect(NoTls).map_err(|e| {
            StoreError::new(format!(
                "cannot connect to PostgreSQL at {shown}: {}",
                describe(&e)
            ))
        })?;
        let mut store = PostgresStore {
            client,
            shown,
            learner_ids: Vec::new(),
        };
        store
            .init(schema.as_deref())
            .map_err(|e| StoreError::new(format!("{}: {}", store.shown, e.message)))?;
        Ok(store)
    }

    fn init(&mut self, schema: Option<&str>) -> Result<(), StoreError> {
        if let Some(name) = schema {
            // Concurrent `CREATE SCHEMA IF NOT EXISTS` can still fail on the catalog's unique
            // index, hence the lock.
            let mut tx = self.client.transaction().map_err(db)?;
            tx.execute(
                "SELECT pg_advisory_xact_lock($1, hashtext($2))",
                &[&LOCK_SPACE, &format!("{name}/schema")],
            )
            .map_err(db)?;
            tx.batch_execute(&format!("CREATE SCHEMA IF NOT EXISTS \"{name}\""))
                .map_err(db)?;
            tx.commit().map_err(db)?;
            self.client
                .batch_execute(&format!("SET search_path TO \"{name}\""))
                .map_err(db)?;
        }
        self.migrate()
    }

    fn migrate(&mut self) -> Result<(), StoreError> {
        let mut tx = self.client.transaction().map_err(db)?;
        let current_schema: Option<String> = tx
            .query_one("SELECT current_schema()", &[])
            .map_err(db)?
            .get(0);
        let Some(current_schema) = current_schema else {
            return Err(StoreError::new(
                "no schema to create tables in (search_path names none that exists)",
            ));
        };
        tx.execute(
            "SELECT pg_advisory_xact_lock($1, hashtext($2))",
            &[&LOCK_SPACE, &format!("{current_schema}/migrate")],
        )
        .map_err(db)?;
        tx.batch_execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (
                 version BIGINT PRIMARY KEY, applied_ms BIGINT NOT NULL)",
        )
        .map_err(db)?;
        let current: i64 = tx
            .query_one(
                "SELECT COALESCE(MAX(version), 0)::bigint FROM schema_migrations",
                &[],
            )
            .map_err(db)?
            .get(0);
        let newest = MIGRATIONS.last().map_or(0, |m| m.0);
        if current > newest {
            return Err(StoreError::new(format!(
                "database schema version {current} is newer than this apispm supports \
                 ({newest}); upgrade apispm"
            )));
        }
        for (version, script) in MIGRATIONS.iter().filter(|m| m.0 > current) {
            tx.batch_execute(script)
                .map_err(|e| StoreError::new(format!("migration {version}: {}", describe(&e))))?;
            tx.execute(
                "INSERT INTO schema_migrations (version, applied_ms) VALUES ($1, $2)",
                &[version, &now_ms()],
            )
            .map_err(db)?;
        }
        tx.commit().map_err(db)
    }

    /// The schema version in the database.
    pub fn schema_version(&mut self) -> Result<i64, StoreError> {
        let row = self
            .client
            .query_one("SELECT MAX(version) FROM schema_migrations", &[])
            .map_err(db)?;
        Ok(row.get::<_, Option<i64>>(0).unwrap_or(0))
    }

    /// Runs `work` in a transaction, retrying it from the start when PostgreSQL reports a
    /// deadlock or a serialization failure. `work` must be safe to run again.
    fn retrying<T>(
        &mut self,
        mut work: impl FnMut(&mut Transaction<'_>) -> Result<T, Fail>,
    ) -> Result<T, StoreError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let mut tx = self.client.transaction().map_err(db)?;
            let e = match work(&mut tx) {
                Ok(v) => match tx.commit() {
                    Ok(()) => return Ok(v),
                    Err(e) => e,
                },
                Err(Fail::Store(e)) => return Err(e),
                Err(Fail::Pg(e)) => {
                    drop(tx);
                    e
                }
            };
            if !retryable(&e) || attempt >= MAX_ATTEMPTS {
                return Err(db(e));
            }
            // Back off a little, differently per process, so the same two do not collide again.
            let jitter = u64::from(std::process::id() % 7) + u64::from(attempt);
            std::thread::sleep(Duration::from_millis(2 * jitter * u64::from(attempt)));
        }
    }
}

/// An aggregate's primary key as the database orders it.
type AggKey<'a> = (i16, Cow<'a, str>, Cow<'a, str>, Cow<'a, str>, i64);

/// An endpoint's primary key as the database orders it.
type FactKey<'a> = (i16, Cow<'a, str>, Cow<'a, str>, Cow<'a, str>);

/// Merges the batch's aggregates into the table (see the module comment for the protocol).
fn merge_aggregates(tx: &mut Transaction<'_>, batch: &Batch) -> Result<(), Fail> {
    // Sorting here (rather than trusting the caller) fixes the lock order; merging
    // duplicates keeps every statement to one row per key.
    let mut rows: BTreeMap<AggKey<'_>, Tally> = BTreeMap::new();
    for a in &batch.aggregates {
        let k = (
            a.kind as i16,
            text(&a.key.service),
            text(&a.key.method),
            text(&a.key.path),
            a.bucket,
        );
        match rows.get_mut(&k) {
            Some(t) => t.merge(&a.tally),
            None => {
                rows.insert(k, a.tally.clone());
            }
        }
    }
    if rows.is_empty() {
        return Ok(());
    }
    let kinds: Vec<i16> = rows.keys().map(|k| k.0).collect();
    let services: Vec<&str> = rows.keys().map(|k| k.1.as_ref()).collect();
    let methods: Vec<&str> = rows.keys().map(|k| k.2.as_ref()).collect();
    let paths: Vec<&str> = rows.keys().map(|k| k.3.as_ref()).collect();
    let buckets: Vec<i64> = rows.keys().map(|k| k.4).collect();
    let tallies: Vec<String> = rows.values().map(tally_json).collect();
    let inserted = tx.query(
        "INSERT INTO aggregates (kind, service, method, path, bucket, tally)
         SELECT k, s, m, p, b, t
         FROM unnest($1::int2[], $2::text[], $3::text[], $4::text[], $5::int8[], $6::text[])
              WITH ORDINALITY AS u (k, s, m, p, b, t, n)
         ORDER BY n
         ON CONFLICT (kind, service, method, path, bucket) DO NOTHING
         RETURNING kind, service, method, path, bucket",
        &[&kinds, &services, &methods, &paths, &buckets, &tallies],
    )?;
    if inserted.len() == rows.len() {
        return Ok(());
    }
    let fresh: HashSet<(i16, String, String, String, i64)> = inserted
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4)))
        .collect();
    let existing: Vec<(&AggKey<'_>, &Tally)> = rows
        .iter()
        .filter(|(k, _)| {
            !fresh.contains(&(k.0, k.1.to_string(), k.2.to_string(), k.3.to_string(), k.4))
        })
        .collect();
    let kinds: Vec<i16> = existing.iter().map(|(k, _)| k.0).collect();
    let services: Vec<&str> = existing.iter().map(|(k, _)| k.1.as_ref()).collect();
    let methods: Vec<&str> = existing.iter().map(|(k, _)| k.2.as_ref()).collect();
    let paths: Vec<&str> = existing.iter().map(|(k, _)| k.3.as_ref()).collect();
    let buckets: Vec<i64> = existing.iter().map(|(k, _)| k.4).collect();
    let locked = tx.query(
        "SELECT a.kind, a.service, a.method, a.path, a.bucket, a.tally
         FROM aggregates a
         JOIN unnest($1::int2[], $2::text[], $3::text[], $4::text[], $5::int8[])
              AS u (k, s, m, p, b)
           ON a.kind = u.k AND a.service = u.s COLLATE \"C\" AND a.method = u.m COLLATE \"C\"
              AND a.path = u.p COLLATE \"C\" AND a.bucket = u.b
         ORDER BY a.kind, a.service, a.method, a.path, a.bucket
         FOR UPDATE OF a",
        &[&kinds, &services, &methods, &paths, &buckets],
    )?;
    if locked.len() != existing.len() {
        return Err(Fail::Store(StoreError::new(format!(
            "aggregates changed under a batch: expected {} existing rows, found {}",
            existing.len(),
            locked.len()
        ))));
    }
    let mut merged = Vec::with_capacity(locked.len());
    for r in &locked {
        let k: AggKey<'_> = (
            r.get(0),
            Cow::Owned(r.get(1)),
            Cow::Owned(r.get(2)),
            Cow::Owned(r.get(3)),
            r.get(4),
        );
        let mut t = tally_from_json(r.get(5))?;
        let add = rows
            .get(&k)
            .ok_or_else(|| StoreError::new("a locked aggregate is not in the batch"))?;
        t.merge(add);
        merged.push((k, tally_json(&t)));
    }
    let kinds: Vec<i16> = merged.iter().map(|(k, _)| k.0).collect();
    let services: Vec<&str> = merged.iter().map(|(k, _)| k.1.as_ref()).collect();
    let methods: Vec<&str> = merged.iter().map(|(k, _)| k.2.as_ref()).collect();
    let paths: Vec<&str> = merged.iter().map(|(k, _)| k.3.as_ref()).collect();
    let buckets: Vec<i64> = merged.iter().map(|(k, _)| k.4).collect();
    let tallies: Vec<&str> = merged.iter().map(|(_, t)| t.as_str()).collect();
    tx.execute(
        "UPDATE aggregates a SET tally = u.t
         FROM unnest($1::int2[], $2::text[], $3::text[], $4::text[], $5::int8[], $6::text[])
              AS u (k, s, m, p, b, t)
         WHERE a.kind = u.k AND a.service = u.s COLLATE \"C\" AND a.method = u.m COLLATE \"C\"
           AND a.path = u.p COLLATE \"C\" AND a.bucket = u.b",
        &[&kinds, &services, &methods, &paths, &buckets, &tallies],
    )?;
    Ok(())
}

/// Adds the batch's per-key facts with one upsert, in key order.
fn merge_facts(tx: &mut Transaction<'_>, batch: &Batch) -> Result<(), Fail> {
    let mut facts: BTreeMap<FactKey<'_>, EndpointFacts> = BTreeMap::new();
    for f in batch_facts(batch).into_values() {
        let k = (
            f.kind as i16,
            Cow::Owned(text(&f.key.service).into_owned()),
            Cow::Owned(text(&f.key.method).into_owned()),
            Cow::Owned(text(&f.key.path).into_owned()),
        );
        match facts.get_mut(&k) {
            // Two keys that differ only by a NUL character meet here.
            Some(e) => {
                e.requests += f.requests;
                e.first_seen_ms = match (e.first_seen_ms, f.first_seen_ms) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                };
                e.last_seen_ms = e.last_seen_ms.max(f.last_seen_ms);
            }
            None => {
                facts.insert(k, f);
            }
        }
    }
    if facts.is_empty() {
        return Ok(());
    }
    let kinds: Vec<i16> = facts.keys().map(|k| k.0).collect();
    let services: Vec<&str> = facts.keys().map(|k| k.1.as_ref()).collect();
    let methods: Vec<&str> = facts.keys().map(|k| k.2.as_ref()).collect();
    let paths: Vec<&str> = facts.keys().map(|k| k.3.as_ref()).collect();
    let firsts: Vec<Option<i64>> = facts.values().map(|f| f.first_seen_ms).collect();
    let lasts: Vec<Option<i64>> = facts.values().map(|f| f.last_seen_ms).collect();
    let requests: Vec<i64> = facts.values().map(|f| i64_of(f.requests)).collect();
    tx.execute(
        "INSERT INTO endpoints (kind, service, method, path, first_seen_ms, last_seen_ms, requests)
         SELECT k, s, m, p, f, l, r
         FROM unnest($1::int2[], $2::text[], $3::text[], $4::text[], $5::int8[], $6::int8[],
                     $7::int8[]) WITH ORDINALITY AS u (k, s, m, p, f, l, r, n)
         ORDER BY n
         ON CONFLICT (kind, service, method, path) DO UPDATE SET
           requests = endpoints.requests + excluded.requests,
           first_seen_ms = LEAST(endpoints.first_seen_ms, excluded.first_seen_ms),
           last_seen_ms = GREATEST(endpoints.last_seen_ms, excluded.last_seen_ms)",
        &[
            &kinds, &services, &methods, &paths, &firsts, &lasts, &requests,
        ],
    )?;
    Ok(())
}

/// Everything `apply_batch` does, inside the caller's transaction.
fn apply_in(tx: &mut Transaction<'_>, batch: &Batch) -> Result<Applied, Fail> {
    let fresh = tx.execute(
        "INSERT INTO batches (id, source, records, malformed, applied_ms)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING",
        &[
            &text(&batch.id),
            &text(&batch.source),
            &i64_of(batch.records),
            &i64_of(batch.malformed),
            &batch.applied_ms,
        ],
    )?;
    if fresh == 0 {
        return Ok(Applied::Duplicate);
    }
    merge_aggregates(tx, batch)?;
    merge_facts(tx, batch)?;
    if let Some(l) = &batch.learner {
        tx.execute("INSERT INTO learners (state) VALUES ($1)", &[l])?;
    }
    // The last checkpoint of a source wins, as it would applied one by one.
    let checkpoints: BTreeMap<Cow<'_, str>, &Checkpoint> = batch
        .checkpoints
        .iter()
        .map(|c| (text(&c.source), c))
        .collect();
    for (source, c) in checkpoints {
        tx.execute(
            "INSERT INTO checkpoints (source, file_id, \"offset\", updated_ms)
             VALUES ($1, $2, $3, $4)
             ON CONFLICT (source) DO UPDATE SET file_id = excluded.file_id,
               \"offset\" = excluded.\"offset\", updated_ms = excluded.updated_ms",
            &[
                &source,
                &text(&c.file_id),
                &i64_of(c.offset),
                &batch.applied_ms,
            ],
        )?;
    }
    Ok(Applied::Merged)
}

/// Findings that a snapshot moves, with their new severity and title.
#[derive(Default)]
struct Steps<'a> {
    ids: Vec<&'a str>,
    severities: Vec<&'static str>,
    titles: Vec<Cow<'a, str>>,
}

impl<'a> Steps<'a> {
    fn push(&mut self, id: &'a str, p: &'a Problem) {
        self.ids.push(id);
        self.severities.push(p.severity.name());
        self.titles.push(text(&p.title));
    }
}

fn severity(s: &str) -> Severity {
    Severity::parse(s).unwrap_or(Severity::Info)
}

const FINDING_COLUMNS: &str = "id, api_id, kind, key, severity, title, service, method, path, \
     state, first_opened_ms, opened_ms, resolved_ms, reopened, last_snapshot";

fn finding_row(r: &Row) -> FindingRecord {
    FindingRecord {
        id: r.get(0),
        api_id: r.get(1),
        kind: r.get(2),
        key: r.get(3),
        severity: severity(r.get(4)),
        title: r.get(5),
        service: r.get(6),
        method: r.get(7),
        path: r.get(8),
        state: FindingState::parse(r.get(9)).unwrap_or(FindingState::Open),
        first_opened_ms: r.get(10),
        opened_ms: r.get(11),
        resolved_ms: r.get(12),
        reopened: u32::try_from(r.get::<_, i32>(13)).unwrap_or(0),
        last_snapshot: r.get(14),
    }
}

const META_COLUMNS: &str = "id, created_ms, window_start_ms, window_end_ms, endpoints, \
     average_risk, open_findings, opened, resolved, reopened";

fn meta_row(r: &Row) -> SnapshotMeta {
    SnapshotMeta {
        id: r.get(0),
        created_ms: r.get(1),
        window_start_ms: r.get(2),
        window_end_ms: r.get(3),
        endpoints: u64_of(r.get(4)),
        average_risk: r.get(5),
        open_findings: u64_of(r.get(6)),
        opened: u64_of(r.get(7)),
        resolved: u64_of(r.get(8)),
        reopened: u64_of(r.get(9)),
    }
}

fn kind_of(v: i16) -> Result<KeyKind, StoreError> {
    KeyKind::from_i64(i64::from(v))
        .ok_or_else(|| StoreError::new(format!("unknown aggregate kind {v}")))
}

impl Store for PostgresStore {
    fn backend(&self) -> &'static str {
        "postgres"
    }

    fn apply_batch(&mut self, batch: &Batch) -> Result<Applied, StoreError> {
        self.retrying(|tx| apply_in(tx, batch))
    }

    fn apply_units(
        &mut self,
        scope: &str,
        units: &[u64],
        build: &mut dyn FnMut(&[bool]) -> Batch,
    ) -> Result<Vec<bool>, StoreError> {
        if units.is_empty() {
            return Ok(Vec::new());
        }
        let mut order: Vec<usize> = (0..units.len()).collect();
        order.sort_by_key(|&i| units[i]);
        let sorted: Vec<i64> = order.iter().map(|&i| i64_of(units[i])).collect();
        let scope = text(scope);
        self.retrying(|tx| {
            let claimed = tx.query(
                "INSERT INTO units (scope, seq)
                 SELECT $1, s FROM unnest($2::int8[]) WITH ORDINALITY AS u (s, n) ORDER BY n
                 ON CONFLICT (scope, seq) DO NOTHING
                 RETURNING seq",
                &[&scope, &sorted],
            )?;
            let claimed: HashSet<i64> = claimed.iter().map(|r| r.get(0)).collect();
            let fresh: Vec<bool> = units
                .iter()
                .map(|&u| claimed.contains(&i64_of(u)))
                .collect();
            if claimed.is_empty() {
                return Ok(fresh);
            }
            let mut batch = build(&fresh);
            let first = claimed.iter().min().copied().unwrap_or(0);
            let last = claimed.iter().max().copied().unwrap_or(0);
            // The smallest claimed unit can be claimed once only, so this id is unique.
            batch.id = format!("{scope}#{first}-{last}");
            match apply_in(tx, &batch)? {
                Applied::Merged => Ok(fresh),
                Applied::Duplicate => Err(Fail::Store(StoreError::new(format!(
                    "batch {} was applied before its units were claimed",
                    batch.id
                )))),
            }
        })
    }

    fn forget_units(&mut self, scope: &str, floor: u64) -> Result<u64, StoreError> {
        let n = self
            .client
            .execute(
                "DELETE FROM units WHERE scope = $1 AND seq <= $2",
                &[&text(scope), &i64_of(floor)],
            )
            .map_err(db)?;
        Ok(n)
    }

    fn latest_record_ms(&mut self) -> Result<Option<i64>, StoreError> {
        let row = self
            .client
            .query_one("SELECT MAX(last_seen_ms) FROM endpoints", &[])
            .map_err(db)?;
        Ok(row.get(0))
    }

    fn aggregates(&mut self, from: i64, to: i64) -> Result<Vec<Aggregate>, StoreError> {
        let rows = self
            .client
            .query(
                "SELECT kind, service, method, path, bucket, tally FROM aggregates
                 WHERE bucket BETWEEN $1 AND $2",
                &[&from, &to],
            )
            .map_err(db)?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            out.push(Aggregate {
                kind: kind_of(r.get(0))?,
                key: EndpointKey {
                    service: r.get(1),
                    method: r.get(2),
                    path: r.get(3),
                },
                bucket: r.get(4),
                tally: tally_from_json(r.get(5))?,
            });
        }
        Ok(out)
    }

    fn endpoint_facts(&mut self) -> Result<Vec<EndpointFacts>, StoreError> {
        let rows = self
            .client
            .query(
                "SELECT kind, service, method, path, first_seen_ms, last_seen_ms, requests
                 FROM endpoints",
                &[],
            )
            .map_err(db)?;
        rows.iter()
            .map(|r| {
                Ok(EndpointFacts {
                    kind: kind_of(r.get(0))?,
                    key: EndpointKey {
                        service: r.get(1),
                        method: r.get(2),
                        path: r.get(3),
                    },
                    first_seen_ms: r.get(4),
                    last_seen_ms: r.get(5),
                    requests: u64_of(r.get(6)),
                })
            })
            .collect()
    }

    fn learners(&mut self) -> Result<Vec<Vec<u8>>, StoreError> {
        let rows = self
            .client
            .query("SELECT id, state FROM learners ORDER BY id", &[])
            .map_err(db)?;
        self.learner_ids = rows.iter().map(|r| r.get(0)).collect();
        Ok(rows.iter().map(|r| r.get(1)).collect())
    }

    fn compact_learners(&mut self, seen: usize, merged: &[u8]) -> Result<(), StoreError> {
        let known = (seen <= self.learner_ids.len()).then(|| self.learner_ids[..seen].to_vec());
        let mut tx = self.client.transaction().map_err(db)?;
        tx.execute(
            "SELECT pg_advisory_xact_lock($1, hashtext(current_schema() || '/learners'))",
            &[&LOCK_SPACE],
        )
        .map_err(db)?;
        let ids: Vec<i64> = match known {
            Some(ids) => ids,
            None => tx
                .query(
                    "SELECT id FROM learners ORDER BY id LIMIT $1",
                    &[&i64_of(seen as u64)],
                )
                .map_err(db)?
                .iter()
                .map(|r| r.get(0))
                .collect(),
        };
        if ids.len() <= 1 {
            return Ok(());
        }
        let deleted = tx
            .execute("DELETE FROM learners WHERE id = ANY($1)", &[&ids])
            .map_err(db)?;
        if deleted as usize != ids.len() {
            // Another process compacted these states already: adding ours would count
            // their evidence twice.
            tx.rollback().map_err(db)?;
            return Ok(());
        }
        let last = *ids.iter().max().expect("non-empty");
        tx.execute(
            "INSERT INTO learners (id, state) VALUES ($1, $2)",
            &[&last, &merged],
        )
        .map_err(db)?;
        tx.commit().map_err(db)?;
        self.learner_ids.clear();
        Ok(())
    }

    fn record_snapshot(
        &mut self,
        head: &SnapshotHead,
        problems: &[Problem],
        body: &mut dyn FnMut(&LifecycleOutcome) -> SnapshotBody,
    ) -> Result<SnapshotMeta, StoreError> {
        // Not retried: `body` may be asked once only. The advisory lock serialises snapshots,
        // so nothing else writes these tables concurrently and deadlocks cannot arise here.
        let mut tx = self.client.transaction().map_err(db)?;
        tx.execute(
            "SELECT pg_advisory_xact_lock($1, hashtext(current_schema() || '/snapshot'))",
            &[&LOCK_SPACE],
        )
        .map_err(db)?;
        let existing: Vec<FindingRecord> = tx
            .query(&format!("SELECT {FINDING_COLUMNS} FROM findings"), &[])
            .map_err(db)?
            .iter()
            .map(finding_row)
            .collect();
        let row = tx
            .query_one(
                "SELECT COALESCE(SUM(resolved_ms - opened_ms), 0)::bigint, COUNT(*)
                 FROM remediations",
                &[],
            )
            .map_err(db)?;
        let (sum, count): (i64, i64) = (row.get(0), row.get(1));
        let open_before = existing
            .iter()
            .filter(|f| f.state == FindingState::Open)
            .count() as u64;
        let plan = plan_transitions(&existing, problems);
        let at = head.window_end_ms;
        let o = outcome(&plan, open_before, at, sum, u64_of(count));
        let b = body(&o);
        let id: i64 = tx
            .query_one(
                "INSERT INTO snapshots (created_ms, window_start_ms, window_end_ms, endpoints,
                   average_risk, open_findings, opened, resolved, reopened, metrics, report)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
                &[
                    &head.created_ms,
                    &head.window_start_ms,
                    &head.window_end_ms,
                    &i64_of(b.endpoints.len() as u64),
                    &b.average_risk,
                    &i64_of(o.open_after),
                    &i64_of(o.opened),
                    &i64_of(o.resolved),
                    &i64_of(o.reopened),
                    &text(&b.metrics),
                    &text(&b.report),
                ],
            )
            .map_err(db)?
            .get(0);
        // One statement per table rather than per row: a snapshot of 10^4 endpoints plans
        // tens of thousands of finding steps, and a round trip each is most of its time.
        let eps = &b.endpoints;
        let api_ids: Vec<Cow<'_, str>> = eps.iter().map(|e| text(&e.api_id)).collect();
        let services: Vec<Cow<'_, str>> = eps.iter().map(|e| text(&e.service)).collect();
        let methods: Vec<Cow<'_, str>> = eps.iter().map(|e| text(&e.method)).collect();
        let paths: Vec<Cow<'_, str>> = eps.iter().map(|e| text(&e.path)).collect();
        let classes: Vec<Cow<'_, str>> = eps.iter().map(|e| text(&e.classification)).collect();
        let risks: Vec<f64> = eps.iter().map(|e| e.risk_score).collect();
        let requests: Vec<i64> = eps.iter().map(|e| i64_of(e.requests)).collect();
        let stale: Vec<bool> = eps.iter().map(|e| e.stale).collect();
        let assessments: Vec<Cow<'_, str>> = eps.iter().map(|e| text(&e.assessment)).collect();
        tx.execute(
            "INSERT INTO snapshot_endpoints (snapshot_id, api_id, service, method, path,
               classification, risk_score, requests, stale, assessment)
             SELECT $1, a, s, m, p, c, r, q, st, x
             FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
                         $7::float8[], $8::int8[], $9::bool[], $10::text[])
                  AS u (a, s, m, p, c, r, q, st, x)
             ON CONFLICT (snapshot_id, api_id) DO NOTHING",
            &[
                &id,
                &api_ids,
                &services,
                &methods,
                &paths,
                &classes,
                &risks,
                &requests,
                &stale,
                &assessments,
            ],
        )
        .map_err(db)?;

        let mut opened: Vec<&Problem> = Vec::new();
        let mut opened_ids: Vec<&str> = Vec::new();
        let (mut reopened, mut seen) = (Steps::default(), Steps::default());
        let (mut resolved_ids, mut resolved_since): (Vec<&str>, Vec<i64>) =
            (Vec::new(), Vec::new());
        let (mut event_ids, mut events): (Vec<&str>, Vec<&str>) = (Vec::new(), Vec::new());
        for t in &plan {
            let p = t.problem.map(|i| &problems[i]);
            match (t.kind, p) {
                (TransitionKind::Opened, Some(p)) => {
                    opened.push(p);
                    opened_ids.push(&t.finding_id);
                }
                (TransitionKind::Reopened, Some(p)) => reopened.push(&t.finding_id, p),
                (TransitionKind::Seen, Some(p)) => {
                    seen.push(&t.finding_id, p);
                    continue;
                }
                (TransitionKind::Resolved, _) => {
                    resolved_ids.push(&t.finding_id);
                    resolved_since.push(t.opened_ms.unwrap_or(at));
                }
                _ => continue,
            }
            event_ids.push(&t.finding_id);
            events.push(t.kind.as_str());
        }
        if !opened.is_empty() {
            let col = |f: fn(&Problem) -> Option<&str>| -> Vec<Option<Cow<'_, str>>> {
                opened.iter().map(|p| f(p).map(text)).collect()
            };
            let api = col(|p| p.api_id.as_deref());
            let kind = col(|p| Some(&p.kind));
            let key = col(|p| Some(&p.key));
            let title = col(|p| Some(&p.title));
            let service = col(|p| p.service.as_deref());
            let method = col(|p| p.method.as_deref());
            let path = col(|p| p.path.as_deref());
            let severity: Vec<&str> = opened.iter().map(|p| p.severity.name()).collect();
            tx.execute(
                &format!(
                    "INSERT INTO findings ({FINDING_COLUMNS})
                     SELECT i, a, k, y, v, t, s, m, p, 'open', $10, $10, NULL, 0, $11
                     FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[],
                                 $6::text[], $7::text[], $8::text[], $9::text[])
                          WITH ORDINALITY AS u (i, a, k, y, v, t, s, m, p, n)
                     ORDER BY n"
                ),
                &[
                    &opened_ids,
                    &api,
                    &kind,
                    &key,
                    &severity,
                    &title,
                    &service,
                    &method,
                    &path,
                    &at,
                    &id,
                ],
            )
            .map_err(db)?;
        }
        if !reopened.ids.is_empty() {
            tx.execute(
                "UPDATE findings f SET state = 'open', opened_ms = $4, resolved_ms = NULL,
                   reopened = f.reopened + 1, last_snapshot = $5, severity = u.v, title = u.t
                 FROM unnest($1::text[], $2::text[], $3::text[]) AS u (i, v, t)
                 WHERE f.id = u.i",
                &[
                    &reopened.ids,
                    &reopened.severities,
                    &reopened.titles,
                    &at,
                    &id,
                ],
            )
            .map_err(db)?;
        }
        if !seen.ids.is_empty() {
            tx.execute(
                "UPDATE findings f SET last_snapshot = $4, severity = u.v, title = u.t
                 FROM unnest($1::text[], $2::text[], $3::text[]) AS u (i, v, t)
                 WHERE f.id = u.i",
                &[&seen.ids, &seen.severities, &seen.titles, &id],
            )
            .map_err(db)?;
        }
        if !resolved_ids.is_empty() {
            tx.execute(
                "UPDATE findings SET state = 'resolved', resolved_ms = $2, last_snapshot = $3
                 WHERE id = ANY($1)",
                &[&resolved_ids, &at, &id],
            )
            .map_err(db)?;
            tx.execute(
                "INSERT INTO remediations (finding_id, opened_ms, resolved_ms)
                 SELECT i, o, $3 FROM unnest($1::text[], $2::int8[]) AS u (i, o)",
                &[&resolved_ids, &resolved_since, &at],
            )
            .map_err(db)?;
        }
        if !event_ids.is_empty() {
            // In plan order, which `seq` keeps.
            tx.execute(
                "INSERT INTO finding_events (finding_id, snapshot_id, at_ms, event)
                 SELECT i, $3, $4, e
                 FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS u (i, e, n)
                 ORDER BY n",
                &[&event_ids, &events, &id, &at],
            )
            .map_err(db)?;
        }
        let meta = meta_row(
            &tx.query_one(
                &format!("SELECT {META_COLUMNS} FROM snapshots WHERE id = $1"),
                &[&id],
            )
            .map_err(db)?,
        );
        tx.commit().map_err(db)?;
        Ok(meta)
    }

    fn snapshots(&mut self, limit: usize) -> Result<Vec<SnapshotMeta>, StoreError> {
        let rows = self
            .client
            .query(
                &format!("SELECT {META_COLUMNS} FROM snapshots ORDER BY id DESC LIMIT $1"),
                &[&i64_of(limit as u64)],
            )
            .map_err(db)?;
        Ok(rows.iter().map(meta_row).collect())
    }

    fn snapshot(&mut self, id: i64) -> Result<Option<StoredSnapshot>, StoreError> {
        let row = self
            .client
            .query_opt(
                &format!("SELECT {META_COLUMNS}, report, metrics FROM snapshots WHERE id = $1"),
                &[&id],
            )
            .map_err(db)?;
        Ok(row.map(|r| StoredSnapshot {
            meta: meta_row(&r),
            report: r.get(10),
            metrics: r.get(11),
        }))
    }

    fn endpoint_history(&mut self, api_id: &str) -> Result<Vec<EndpointPoint>, StoreError> {
        let rows = self
            .client
            .query(
                "SELECT e.snapshot_id, s.window_end_ms, e.risk_score, e.classification,
                        e.requests, e.stale, e.assessment
                 FROM snapshot_endpoints e JOIN snapshots s ON s.id = e.snapshot_id
                 WHERE e.api_id = $1 ORDER BY e.snapshot_id",
                &[&text(api_id)],
            )
            .map_err(db)?;
        Ok(rows
            .iter()
            .map(|r| EndpointPoint {
                snapshot_id: r.get(0),
                window_end_ms: r.get(1),
                risk_score: r.get(2),
                classification: r.get(3),
                requests: u64_of(r.get(4)),
                stale: r.get(5),
                assessment: r.get(6),
            })
            .collect())
    }

    fn findings(&mut self, filter: &FindingFilter) -> Result<Vec<FindingRecord>, StoreError> {
        let state = filter.state.map(FindingState::as_str);
        let api = filter.api_id.as_deref().map(text);
        let rows = self
            .client
            .query(
                &format!(
                    "SELECT {FINDING_COLUMNS} FROM findings
                     WHERE ($1::text IS NULL OR state = $1) AND ($2::text IS NULL OR api_id = $2)
                     ORDER BY opened_ms DESC, id"
                ),
                &[&state, &api],
            )
            .map_err(db)?;
        let mut out: Vec<FindingRecord> = rows.iter().map(finding_row).collect();
        if let Some(min) = filter.min_severity {
            out.retain(|f| f.severity.value() >= min.value());
        }
        Ok(out)
    }

    fn finding_events(&mut self, finding_id: &str) -> Result<Vec<FindingEvent>, StoreError> {
        let rows = self
            .client
            .query(
                "SELECT snapshot_id, at_ms, event FROM finding_events
                 WHERE finding_id = $1 ORDER BY snapshot_id, seq",
                &[&text(finding_id)],
            )
            .map_err(db)?;
        Ok(rows
            .iter()
            .map(|r| FindingEvent {
                snapshot_id: r.get(0),
                at_ms: r.get(1),
                event: r.get(2),
            })
            .collect())
    }

    fn checkpoint(&mut self, source: &str) -> Result<Option<Checkpoint>, StoreError> {
        let row = self
            .client
            .query_opt(
                "SELECT source, file_id, \"offset\" FROM checkpoints WHERE source = $1",
                &[&text(source)],
            )
            .map_err(db)?;
        Ok(row.map(|r| Checkpoint {
            source: r.get(0),
            file_id: r.get(1),
            offset: u64_of(r.get(2)),
        }))
    }

    fn replace_imported(&mut self, source: &str, findings: &[String]) -> Result<(), StoreError> {
        let source = text(source);
        let seqs: Vec<i64> = (0..findings.len() as i64).collect();
        let texts: Vec<Cow<'_, str>> = findings.iter().map(|f| text(f)).collect();
        self.retrying(|tx| {
            // Two imports of one tool at once: the later commit wins whole, never a mix.
            tx.execute(
                "SELECT pg_advisory_xact_lock($1, hashtext(current_schema() || '/imported/' || $2))",
                &[&LOCK_SPACE, &source],
            )?;
            tx.execute("DELETE FROM imported_findings WHERE source = $1", &[&source])?;
            tx.execute(
                "INSERT INTO imported_findings (source, seq, finding)
                 SELECT $1, s, f FROM unnest($2::int8[], $3::text[]) AS u (s, f)",
                &[&source, &seqs, &texts],
            )?;
            Ok(())
        })
    }

    fn imported(&mut self) -> Result<Vec<String>, StoreError> {
        let rows = self
            .client
            .query(
                "SELECT finding FROM imported_findings ORDER BY source, seq",
                &[],
            )
            .map_err(db)?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }

    fn ingest_totals(&mut self) -> Result<IngestTotals, StoreError> {
        let r = self
            .client
            .query_one(
                "SELECT COUNT(*), COALESCE(SUM(records), 0)::bigint,
                        COALESCE(SUM(malformed), 0)::bigint
                 FROM batches",
                &[],
            )
            .map_err(db)?;
        Ok(IngestTotals {
            batches: u64_of(r.get(0)),
            records: u64_of(r.get(1)),
            malformed: u64_of(r.get(2)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schema_parameter_is_apispms_own() {
        let (base, schema) =
            split_schema("postgres://u@h:5432/db?schema=t_1&connect_timeout=3").unwrap();
        assert_eq!(base, "postgres://u@h:5432/db?connect_timeout=3");
        assert_eq!(schema.as_deref(), Some("t_1"));
        let (base, schema) = split_schema("postgres://u@h/db?schema=x").unwrap();
        assert_eq!(
            (base.as_str(), schema.as_deref()),
            ("postgres://u@h/db", Some("x"))
        );
        assert!(split_schema("postgres://h/db?schema=a;drop").is_err());
        assert!(split_schema("postgres://h/db?schema=1a").is_err());
        assert_eq!(split_schema("postgres://h/db").unwrap().1, None);
    }

    #[test]
    fn urls_are_shown_without_passwords() {
        let c = Config::from_str("postgres://alice:s3cret@db.example:6543/posture").unwrap();
        let s = shown(&c, Some("t"));
        assert_eq!(s, "postgres://db.example:6543/posture (schema t)");
        assert!(!s.contains("s3cret"));
    }

    #[test]
    fn nul_characters_do_not_reach_the_database() {
        assert_eq!(text("/a\0b"), "/a\u{FFFD}b");
        assert!(matches!(text("/ab"), Cow::Borrowed(_)));
    }
}

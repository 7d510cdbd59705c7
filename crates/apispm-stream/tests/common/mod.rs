//! What the stream tests share: the traffic, a fresh PostgreSQL schema per case, and the
//! store state to compare with one ingest of all records.

#![allow(dead_code)]

use apispm_engine::{Engine, EngineConfig};
use apispm_policy::PolicySet;
use apispm_readers::LogFormat;
use apispm_store::{PostgresStore, Store};
use std::collections::BTreeMap;
use std::io::Write;

pub fn engine() -> Engine {
    Engine::new(EngineConfig {
        risk: Default::default(),
        policies: PolicySet::builtin(),
        exposure: Default::default(),
        specs: Vec::new(),
        owners: Vec::new(),
        compliance: Default::default(),
    })
}

/// 3,000 Kong file-log records from the project's traffic generator (see the fixture's
/// README), one per line, with concrete URLs, so templates are learned across batches.
pub fn kong_records() -> Vec<Vec<u8>> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../apispm-cli/tests/fixtures/kong-consistent-3k.jsonl"
    );
    std::fs::read(path)
        .expect("the Kong fixture")
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .map(<[u8]>::to_vec)
        .collect()
}

pub fn base_url() -> String {
    std::env::var("APISPM_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// A fresh schema, dropped with everything in it when the case ends.
pub struct Schema {
    pub name: String,
}

impl Schema {
    pub fn url(&self) -> String {
        let base = base_url();
        let sep = if base.contains('?') { '&' } else { '?' };
        format!("{base}{sep}schema={}", self.name)
    }

    pub fn open(&self) -> PostgresStore {
        PostgresStore::open(&self.url()).expect("the test schema opens")
    }
}

impl Drop for Schema {
    fn drop(&mut self) {
        if let Ok(mut c) = postgres::Client::connect(&base_url(), postgres::NoTls) {
            let _ = c.batch_execute(&format!("DROP SCHEMA IF EXISTS \"{}\" CASCADE", self.name));
        }
    }
}

/// Prints a line the test harness does not capture.
pub fn loud(line: &str) {
    let _ = writeln!(std::io::stderr(), "\n*** {line} ***\n");
}

/// A new schema for `case`; `None` (with a loud SKIPPED line) only when PostgreSQL is
/// unreachable and `APISPM_SKIP_POSTGRES=1`; otherwise an unreachable server fails the case.
pub fn schema(case: &str) -> Option<Schema> {
    let url = base_url();
    if let Err(e) = postgres::Client::connect(&url, postgres::NoTls) {
        let at = url.rsplit_once('@').map_or(url.as_str(), |(_, h)| h);
        let why = format!(
            "PostgreSQL is not reachable at {at} ({e}); start it, set APISPM_TEST_POSTGRES, or \
             set APISPM_SKIP_POSTGRES=1 to skip"
        );
        if std::env::var("APISPM_SKIP_POSTGRES").as_deref() == Ok("1") {
            loud(&format!("SKIPPED {case}: {why}"));
            return None;
        }
        panic!("{why}");
    }
    Some(Schema {
        name: format!("apispm_s{}_{case}", std::process::id()),
    })
}

/// Everything a report is built from, keyed by final templates: per-endpoint tallies over all
/// time (JSON), all-time first and last seen, and the record totals.
#[derive(Debug, PartialEq)]
pub struct Merged {
    pub tallies: BTreeMap<String, String>,
    pub first_last: BTreeMap<String, (Option<i64>, Option<i64>)>,
    pub records: u64,
    pub malformed: u64,
}

pub fn merged(store: &mut dyn Store) -> Merged {
    let w = apispm_posture::snapshot::load_window(store, 0, i64::MAX / 4).unwrap();
    let name = |k: &apispm_core::EndpointKey| format!("{} {} {}", k.service, k.method, k.path);
    let tallies = w
        .inventory
        .entries()
        .into_iter()
        .map(|(k, t)| (name(&k), serde_json::to_string(t).unwrap()))
        .collect();
    let first_last = w.first_last.iter().map(|(k, v)| (name(k), *v)).collect();
    let totals = store.ingest_totals().unwrap();
    Merged {
        tallies,
        first_last,
        records: totals.records,
        malformed: totals.malformed,
    }
}

/// The state one ingest of `records` (as one batch) leaves.
pub fn single_ingest(engine: &Engine, store: &mut dyn Store, records: &[Vec<u8>]) -> Merged {
    let mut all = records.join(&b'\n');
    all.push(b'\n');
    apispm_posture::ingest_bytes(
        engine,
        store,
        &all,
        LogFormat::Kong,
        "all",
        "all".into(),
        Vec::new(),
        0,
    )
    .unwrap();
    merged(store)
}

/// Waits until `f` holds, up to `secs` seconds.
pub fn wait_for(secs: u64, mut f: impl FnMut() -> bool) -> bool {
    let until = std::time::Instant::now() + std::time::Duration::from_secs(secs);
    while std::time::Instant::now() < until {
        if f() {
            return true;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    false
}

//! Continuous posture end to end on a real SQLite store: windows, stale endpoints, the
//! findings lifecycle, and that ingesting in pieces equals ingesting whole.

use apispm_engine::{Engine, EngineConfig};
use apispm_policy::PolicySet;
use apispm_posture::{ingest_bytes, take};
use apispm_readers::LogFormat;
use apispm_store::{FindingFilter, FindingState, SqliteStore, Store};

const DAY: i64 = 86_400_000;
const T0: i64 = 1_767_225_600_000; // 2026-01-01T00:00:00Z

fn engine() -> Engine {
    Engine::new(EngineConfig {
        risk: Default::default(),
        policies: PolicySet::builtin(),
        exposure: Default::default(),
        specs: Vec::new(),
        owners: Vec::new(),
        compliance: Default::default(),
    })
}

/// One Kong http-log record.
fn kong(t: i64, method: &str, uri: &str, auth: bool, status: u16) -> String {
    let auth = if auth {
        r#","authorization":"Bearer abc""#
    } else {
        ""
    };
    format!(
        r#"{{"started_at":{t},"client_ip":"203.0.113.9","service":{{"name":"shop"}},"request":{{"method":"{method}","uri":"{uri}","url":"https://shop.example.com{uri}","headers":{{"host":"shop.example.com"{auth}}}}},"response":{{"status":{status},"headers":{{"x-ratelimit-limit":"100","strict-transport-security":"max-age=1","x-content-type-options":"nosniff","x-frame-options":"DENY","content-security-policy":"default-src 'none'"}}}}}}"#
    )
}

fn log(lines: &[String]) -> Vec<u8> {
    let mut s = lines.join("\n");
    s.push('\n');
    s.into_bytes()
}

fn store() -> (tempfile::TempDir, SqliteStore) {
    let d = tempfile::tempdir().unwrap();
    let s = SqliteStore::open(&d.path().join("p.db")).unwrap();
    (d, s)
}

fn ingest(e: &Engine, s: &mut dyn Store, data: &[u8], id: &str) {
    let (ing, _) =
        ingest_bytes(e, s, data, LogFormat::Kong, "test", id.into(), vec![], T0).unwrap();
    assert!(ing.applied);
}

fn traffic() -> Vec<String> {
    let mut v = Vec::new();
    for i in 0..300i64 {
        let t = T0 + i * 600_000; // every 10 minutes over ~2 days
        v.push(kong(
            t,
            "GET",
            &format!("/orders/{}", 1000 + i % 37),
            i % 5 != 0,
            200,
        ));
        v.push(kong(t + 1, "POST", "/orders", true, 201));
        v.push(kong(
            t + 2,
            "GET",
            &format!("/users/u{}x/profile", i % 50),
            true,
            200,
        ));
    }
    v
}

fn snapshot_json(e: &Engine, s: &mut dyn Store) -> serde_json::Value {
    let taken = take(e, s, 7 * DAY, 1).unwrap();
    let mut v = serde_json::to_value(&taken.report).unwrap();
    v.as_object_mut().unwrap().remove("ingest");
    v
}

#[test]
fn halves_in_either_order_equal_the_whole() {
    let e = engine();
    let lines = traffic();
    let (a, b) = lines.split_at(lines.len() / 2 + 7);
    let (_d1, mut whole) = store();
    ingest(&e, &mut whole, &log(&lines), "all");
    let (_d2, mut ab) = store();
    ingest(&e, &mut ab, &log(a), "a");
    ingest(&e, &mut ab, &log(b), "b");
    let (_d3, mut ba) = store();
    ingest(&e, &mut ba, &log(b), "b");
    ingest(&e, &mut ba, &log(a), "a");
    let w = snapshot_json(&e, &mut whole);
    assert_eq!(w, snapshot_json(&e, &mut ab));
    assert_eq!(w, snapshot_json(&e, &mut ba));
    // The learned templates are there, not the concrete ids.
    let paths: Vec<&str> = w["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["path"].as_str().unwrap())
        .collect();
    assert!(paths.contains(&"/orders/{id}"), "{paths:?}");
    assert_eq!(w["total_apis"], 3, "{paths:?}");
}

#[test]
fn a_redelivered_batch_is_not_counted_twice() {
    let e = engine();
    let (_d, mut s) = store();
    let data = log(&traffic());
    ingest(&e, &mut s, &data, "x");
    let (again, _) = ingest_bytes(
        &e,
        &mut s,
        &data,
        LogFormat::Kong,
        "test",
        "x".into(),
        vec![],
        T0,
    )
    .unwrap();
    assert!(!again.applied);
    assert_eq!(s.ingest_totals().unwrap().records, 900);
}

#[test]
fn a_fix_counts_once_the_window_moves_past_the_old_traffic() {
    let e = engine();
    let (_d, mut s) = store();
    // Day 1: /admin answers without credentials. Day 3: it requires them.
    let day1: Vec<String> = (0..20)
        .map(|i| kong(T0 + i * 60_000, "GET", "/admin", false, 200))
        .collect();
    let day3: Vec<String> = (0..20)
        .map(|i| kong(T0 + 2 * DAY + i * 60_000, "GET", "/admin", true, 200))
        .collect();
    ingest(&e, &mut s, &log(&day1), "d1");
    let first = take(&e, &mut s, DAY, 1).unwrap();
    let auth = |r: &apispm_report::Report| {
        r.endpoints[0]
            .security_controls
            .iter()
            .find(|c| c.name.as_str() == "authentication")
            .unwrap()
            .present
    };
    assert!(!auth(&first.report));
    let open = s
        .findings(&FindingFilter {
            state: Some(FindingState::Open),
            ..Default::default()
        })
        .unwrap();
    assert!(
        open.iter()
            .any(|f| f.kind == "missing_control" && f.key == "authentication")
    );

    ingest(&e, &mut s, &log(&day3), "d3");
    let second = take(&e, &mut s, DAY, 2).unwrap();
    assert!(auth(&second.report), "the window holds only day 3");
    assert_eq!(second.report.endpoints[0].requests, 20);
    // Discovery stays all-time.
    assert_eq!(
        second.report.endpoints[0].first_discovered.as_deref(),
        Some("2026-01-01T00:00:00.000Z")
    );
    let resolved = s
        .findings(&FindingFilter {
            state: Some(FindingState::Resolved),
            ..Default::default()
        })
        .unwrap();
    let f = resolved
        .iter()
        .find(|f| f.kind == "missing_control" && f.key == "authentication")
        .expect("resolved");
    assert_eq!(f.resolved_ms.unwrap() - f.opened_ms, 2 * DAY);
    let mttr = second
        .report
        .metrics
        .iter()
        .find(|m| m.name == "mean_time_to_remediate_days")
        .unwrap();
    assert_eq!(mttr.value, Some(2.0));
    // With a 7-day window both days count again: the control was not on every sample.
    let wide = take(&e, &mut s, 7 * DAY, 3).unwrap();
    assert!(!auth(&wide.report));
}

#[test]
fn an_endpoint_without_traffic_in_the_window_is_stale_not_gone() {
    let e = engine();
    let (_d, mut s) = store();
    ingest(&e, &mut s, &log(&[kong(T0, "GET", "/old", true, 200)]), "1");
    let first = take(&e, &mut s, DAY, 1).unwrap();
    let old_risk = first.report.endpoints[0].risk_score;
    ingest(
        &e,
        &mut s,
        &log(&[kong(T0 + 3 * DAY, "GET", "/new", true, 200)]),
        "2",
    );
    let second = take(&e, &mut s, DAY, 2).unwrap();
    let old = second
        .report
        .endpoints
        .iter()
        .find(|a| a.path == "/old")
        .expect("kept");
    assert!(old.stale);
    assert_eq!(old.risk_score, old_risk);
    let new = second
        .report
        .endpoints
        .iter()
        .find(|a| a.path == "/new")
        .unwrap();
    assert!(!new.stale);
    // The stale endpoint's findings are not resolved by its silence.
    assert_eq!(second.meta.resolved, 0);
}

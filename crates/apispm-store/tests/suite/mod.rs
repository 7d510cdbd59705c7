//! The store contract, run against every backend (`sqlite.rs`, and `postgres.rs` where a
//! server is reachable). Each case gets a fresh, empty store from the caller.

use apispm_core::{EndpointKey, Severity, Tally};
use apispm_store::*;

pub fn key(path: &str) -> EndpointKey {
    EndpointKey {
        service: "svc".into(),
        method: "GET".into(),
        path: path.into(),
    }
}

pub fn tally(requests: u64, first: i64, last: i64) -> Tally {
    Tally {
        requests,
        https: requests,
        first_seen_ms: Some(first),
        last_seen_ms: Some(last),
        ..Tally::default()
    }
}

pub fn batch(id: &str, aggs: Vec<Aggregate>) -> Batch {
    Batch {
        id: id.into(),
        source: "test".into(),
        records: aggs.iter().map(|a| a.tally.requests).sum(),
        malformed: 1,
        aggregates: aggs,
        learner: None,
        checkpoints: Vec::new(),
        applied_ms: 1,
    }
}

pub fn agg(path: &str, bucket: i64, t: Tally) -> Aggregate {
    Aggregate {
        kind: KeyKind::Fixed,
        key: key(path),
        bucket,
        tally: t,
    }
}

fn sorted(mut v: Vec<Aggregate>) -> Vec<(String, i64, u64, u64)> {
    let mut out: Vec<_> = v
        .drain(..)
        .map(|a| (a.key.path, a.bucket, a.tally.requests, a.tally.https))
        .collect();
    out.sort();
    out
}

pub fn batches_merge_and_are_idempotent(s: &mut dyn Store) {
    let b1 = batch("b1", vec![agg("/a", 10, tally(3, 36_000_000, 36_000_500))]);
    let b2 = batch(
        "b2",
        vec![
            agg("/a", 10, tally(2, 36_000_100, 36_000_900)),
            agg("/a", 11, tally(5, 39_600_000, 39_600_001)),
            agg("/b", 11, tally(1, 39_600_002, 39_600_002)),
        ],
    );
    assert_eq!(s.apply_batch(&b1).unwrap(), Applied::Merged);
    assert_eq!(s.apply_batch(&b2).unwrap(), Applied::Merged);
    assert_eq!(s.apply_batch(&b1).unwrap(), Applied::Duplicate);
    let got = sorted(s.aggregates(0, 100).unwrap());
    assert_eq!(
        got,
        vec![
            ("/a".into(), 10, 5, 5),
            ("/a".into(), 11, 5, 5),
            ("/b".into(), 11, 1, 1)
        ]
    );
    assert_eq!(sorted(s.aggregates(11, 11).unwrap()).len(), 2);
    let mut facts = s.endpoint_facts().unwrap();
    facts.sort_by(|a, b| a.key.cmp(&b.key));
    assert_eq!(facts[0].requests, 10);
    assert_eq!(facts[0].first_seen_ms, Some(36_000_000));
    assert_eq!(facts[0].last_seen_ms, Some(39_600_001));
    assert_eq!(s.latest_record_ms().unwrap(), Some(39_600_002));
    let totals = s.ingest_totals().unwrap();
    assert_eq!(
        (totals.batches, totals.records, totals.malformed),
        (2, 11, 2)
    );
}

pub fn merge_order_does_not_matter(a: &mut dyn Store, b: &mut dyn Store) {
    let x = batch("x", vec![agg("/a", 1, tally(3, 3_600_000, 3_600_010))]);
    let y = batch(
        "y",
        vec![
            agg("/a", 1, tally(4, 3_600_005, 3_600_020)),
            agg("/c", 2, tally(1, 7_200_000, 7_200_000)),
        ],
    );
    a.apply_batch(&x).unwrap();
    a.apply_batch(&y).unwrap();
    b.apply_batch(&y).unwrap();
    b.apply_batch(&x).unwrap();
    let full = |s: &mut dyn Store| {
        let mut v: Vec<_> = s
            .aggregates(i64::MIN, i64::MAX)
            .unwrap()
            .into_iter()
            .map(|a| {
                (
                    a.kind,
                    a.key,
                    a.bucket,
                    serde_json::to_string(&a.tally).unwrap(),
                )
            })
            .collect();
        v.sort();
        v
    };
    assert_eq!(full(a), full(b));
}

pub fn learners_append_and_compact(s: &mut dyn Store) {
    let mut b = batch("l1", vec![]);
    b.learner = Some(vec![1, 2, 3]);
    s.apply_batch(&b).unwrap();
    let mut b = batch("l2", vec![]);
    b.learner = Some(vec![4]);
    s.apply_batch(&b).unwrap();
    assert_eq!(s.learners().unwrap(), vec![vec![1, 2, 3], vec![4]]);
    s.compact_learners(2, &[9, 9]).unwrap();
    assert_eq!(s.learners().unwrap(), vec![vec![9, 9]]);
    // A state stored after the caller read the list survives compaction.
    let mut b = batch("l3", vec![]);
    b.learner = Some(vec![5]);
    s.apply_batch(&b).unwrap();
    s.compact_learners(1, &[7]).unwrap();
    assert_eq!(s.learners().unwrap(), vec![vec![9, 9], vec![5]]);
}

pub fn checkpoints_move_with_batches(s: &mut dyn Store) {
    assert_eq!(s.checkpoint("/var/log/a").unwrap(), None);
    let mut b = batch("c1", vec![]);
    b.checkpoints = vec![Checkpoint {
        source: "/var/log/a".into(),
        file_id: "1:2".into(),
        offset: 100,
    }];
    s.apply_batch(&b).unwrap();
    let mut b = batch("c2", vec![]);
    b.checkpoints = vec![Checkpoint {
        source: "/var/log/a".into(),
        file_id: "1:3".into(),
        offset: 7,
    }];
    s.apply_batch(&b).unwrap();
    // A duplicate batch must not move the checkpoint back.
    let mut dup = batch("c1", vec![]);
    dup.checkpoints = vec![Checkpoint {
        source: "/var/log/a".into(),
        file_id: "1:2".into(),
        offset: 100,
    }];
    assert_eq!(s.apply_batch(&dup).unwrap(), Applied::Duplicate);
    let c = s.checkpoint("/var/log/a").unwrap().unwrap();
    assert_eq!((c.file_id.as_str(), c.offset), ("1:3", 7));
}

fn problem(api: &str, key: &str) -> Problem {
    Problem {
        api_id: Some(api.into()),
        kind: "missing_control".into(),
        key: key.into(),
        severity: Severity::High,
        title: format!("{key} missing"),
        service: Some("svc".into()),
        method: Some("GET".into()),
        path: Some("/a".into()),
    }
}

fn snap(s: &mut dyn Store, day: i64, problems: &[Problem]) -> (SnapshotMeta, Option<f64>) {
    let head = SnapshotHead {
        created_ms: 5,
        window_start_ms: (day - 1) * 86_400_000,
        window_end_ms: day * 86_400_000,
    };
    let mut mttr = None;
    let meta = s
        .record_snapshot(&head, problems, &mut |o| {
            mttr = o.mttr_days;
            SnapshotBody {
                report: format!("{{\"day\":{day}}}"),
                metrics: "[]".into(),
                average_risk: 12.5,
                endpoints: vec![SnapshotEndpoint {
                    api_id: "e1".into(),
                    service: "svc".into(),
                    method: "GET".into(),
                    path: "/a".into(),
                    classification: "external".into(),
                    risk_score: day as f64,
                    requests: 3,
                    stale: day > 3,
                    assessment: "{}".into(),
                }],
            }
        })
        .unwrap();
    (meta, mttr)
}

pub fn findings_open_resolve_reopen_and_mttr(s: &mut dyn Store) {
    let auth = problem("e1", "authentication");
    let rate = problem("e1", "rate_limiting");
    let (m1, mttr) = snap(s, 1, &[auth.clone(), rate.clone()]);
    assert_eq!((m1.opened, m1.resolved, m1.open_findings), (2, 0, 2));
    assert_eq!(mttr, None);
    let (m2, mttr) = snap(s, 3, std::slice::from_ref(&rate));
    assert_eq!((m2.opened, m2.resolved, m2.open_findings), (0, 1, 1));
    assert_eq!(mttr, Some(2.0));
    let resolved = s
        .findings(&FindingFilter {
            state: Some(FindingState::Resolved),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(resolved.len(), 1);
    assert_eq!(resolved[0].id, auth.id());
    assert_eq!(resolved[0].resolved_ms, Some(3 * 86_400_000));
    let (m3, mttr) = snap(s, 4, &[auth.clone(), rate.clone()]);
    assert_eq!((m3.reopened, m3.open_findings), (1, 2));
    assert_eq!(mttr, Some(2.0));
    let (_, mttr) = snap(s, 8, &[]);
    // remediations: auth 1→3 (2 days), auth 4→8 (4), rate 1→8 (7)
    assert_eq!(mttr, Some(13.0 / 3.0));
    let events: Vec<String> = s
        .finding_events(&auth.id())
        .unwrap()
        .into_iter()
        .map(|e| e.event)
        .collect();
    assert_eq!(events, ["opened", "resolved", "reopened", "resolved"]);
    let f = s
        .findings(&FindingFilter {
            api_id: Some("e1".into()),
            min_severity: Some(Severity::Critical),
            ..Default::default()
        })
        .unwrap();
    assert!(f.is_empty());
    let snaps = s.snapshots(10).unwrap();
    assert_eq!(snaps.len(), 4);
    assert!(snaps[0].id > snaps[3].id, "newest first");
    let stored = s.snapshot(snaps[3].id).unwrap().unwrap();
    assert_eq!(stored.report, "{\"day\":1}");
    let hist = s.endpoint_history("e1").unwrap();
    assert_eq!(
        hist.iter().map(|p| p.risk_score).collect::<Vec<_>>(),
        [1.0, 3.0, 4.0, 8.0]
    );
    assert!(hist[3].stale && !hist[0].stale);
    assert!(s.snapshot(9_999).unwrap().is_none());
}

/// A queue's batch of the units `seqs` marked fresh: one request per unit, on its own path.
fn units_batch(scope: &str, seqs: &[u64], fresh: &[bool]) -> Batch {
    let aggs = seqs
        .iter()
        .zip(fresh)
        .filter(|(_, f)| **f)
        .map(|(s, _)| agg(&format!("/{scope}/{s}"), 1, tally(1, 3_600_000, 3_600_000)))
        .collect();
    batch("chosen by the store", aggs)
}

pub fn units_are_claimed_once(s: &mut dyn Store) {
    let apply = |s: &mut dyn Store, scope: &str, seqs: &[u64]| {
        s.apply_units(scope, seqs, &mut |fresh| units_batch(scope, seqs, fresh))
            .unwrap()
    };
    assert_eq!(apply(s, "q", &[1, 2, 3]), [true, true, true]);
    // Two redelivered with a new one, in another grouping and order.
    assert_eq!(apply(s, "q", &[4, 2, 3]), [true, false, false]);
    assert_eq!(apply(s, "q", &[3, 1]), [false, false]);
    assert_eq!(apply(s, "other", &[1]), [true]);
    assert_eq!(apply(s, "q", &[]), Vec::<bool>::new());
    let got = sorted(s.aggregates(0, 10).unwrap());
    let paths: Vec<&str> = got.iter().map(|g| g.0.as_str()).collect();
    assert_eq!(paths, ["/other/1", "/q/1", "/q/2", "/q/3", "/q/4"]);
    assert!(got.iter().all(|g| g.2 == 1), "{got:?}");
    assert_eq!(s.ingest_totals().unwrap().records, 5);
    // Forgetting is bookkeeping only: what was merged stays.
    s.forget_units("q", 4).unwrap();
    assert_eq!(s.ingest_totals().unwrap().records, 5);
}

pub fn imported_findings_are_replaced_per_tool(s: &mut dyn Store) {
    assert!(s.imported().unwrap().is_empty());
    s.replace_imported("zap", &["z1".into(), "z2".into()])
        .unwrap();
    s.replace_imported("nuclei", &["n1".into()]).unwrap();
    assert_eq!(s.imported().unwrap(), ["n1", "z1", "z2"]);
    // A new ZAP report is ZAP's whole truth; Nuclei's stays.
    s.replace_imported("zap", &["z3".into()]).unwrap();
    assert_eq!(s.imported().unwrap(), ["n1", "z3"]);
    s.replace_imported("nuclei", &[]).unwrap();
    assert_eq!(s.imported().unwrap(), ["z3"]);
}

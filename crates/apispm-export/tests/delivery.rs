//! Delivery to a real HTTP receiver on 127.0.0.1: what it received, and that refusals (503,
//! 429 items, dropped connections) are retried without loss or duplicates.

mod common;

use apispm_export::{
    Auth, DeliveryError, ElasticOptions, HecOptions, HttpOptions, Receiver, bulk_items, deliver,
    hec_events, records,
};
use common::{Answer, respond, start};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

fn fast(url: &str, auth: Auth, batch_size: usize) -> HttpOptions {
    HttpOptions {
        url: url.to_string(),
        auth,
        batch_size,
        max_attempts: 5,
        base_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(50),
        timeout: Duration::from_secs(10),
    }
}

/// HEC's body: concatenated JSON objects.
fn hec_batch(body: &str) -> Vec<Value> {
    serde_json::Deserializer::from_str(body)
        .into_iter::<Value>()
        .map(Result::unwrap)
        .collect()
}

#[test]
fn hec_retries_503_and_delivers_every_event_exactly_once() {
    let recv = start(Box::new(|n, _| {
        if n < 3 {
            Answer::Respond {
                status: 503,
                headers: vec![("Retry-After".into(), "0".into())],
                body: r#"{"text":"Server is busy","code":9}"#.into(),
            }
        } else {
            respond(200, r#"{"text":"Success","code":0}"#)
        }
    }));
    let report = common::report(30);
    let recs = records(&report);
    let opts = HecOptions {
        index: Some("security".into()),
        ..HecOptions::default()
    };
    let events = hec_events(&recs, &opts);
    assert_eq!(
        events.len(),
        1 + 30 + 4 + report.policy_violations.len() + 1
    );
    let got = deliver(
        Receiver::SplunkHec,
        &events,
        &fast(&recv.url, Auth::Splunk("tok-123".into()), 7),
    )
    .unwrap();
    let batches = events.len().div_ceil(7);
    assert_eq!(
        (got.delivered, got.batches, got.retries, got.requests),
        (events.len(), batches, 3, batches + 3)
    );

    let reqs = recv.requests.lock().unwrap();
    assert_eq!(reqs.len(), batches + 3);
    // Only answers of 200 count as received; every event id exactly once.
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for (n, r) in reqs.iter().enumerate() {
        assert_eq!(
            (r.method.as_str(), r.path.as_str()),
            ("POST", "/services/collector/event")
        );
        assert_eq!(r.headers["authorization"], "Splunk tok-123");
        assert_eq!(r.headers["content-type"], "application/json");
        if n < 3 {
            continue;
        }
        for e in hec_batch(&r.body) {
            for k in ["time", "host", "source", "sourcetype", "index", "event"] {
                assert!(e.get(k).is_some(), "{k} missing in {e}");
            }
            assert_eq!(e["index"], "security");
            assert_eq!(e["time"], 1_796_378_400.25);
            let kind = e["event"]["kind"].as_str().unwrap();
            assert_eq!(e["sourcetype"], format!("apispm:{kind}"));
            *seen
                .entry(e["event"]["event_id"].as_str().unwrap().to_string())
                .or_default() += 1;
        }
    }
    assert_eq!(seen.len(), events.len(), "every event arrived");
    assert!(seen.values().all(|c| *c == 1), "no event arrived twice");
    // The three refused requests were the first batch, re-sent unchanged.
    assert_eq!(reqs[0].body, reqs[3].body);
}

#[test]
fn elastic_retries_only_failed_items_and_never_duplicates() {
    // The receiver refuses each document at an odd position with 429 the first time it sees
    // it, and the summary for good (a mapping error); it records what it indexed.
    let indexed: Arc<Mutex<BTreeMap<String, usize>>> = Arc::default();
    let seen: Arc<Mutex<BTreeSet<String>>> = Arc::default();
    let (idx, seen2) = (indexed.clone(), seen.clone());
    let recv = start(Box::new(move |_, req| {
        let lines: Vec<&str> = req.body.lines().collect();
        let mut items = Vec::new();
        for (i, pair) in lines.chunks(2).enumerate() {
            let action: Value = serde_json::from_str(pair[0]).unwrap();
            let id = action["index"]["_id"].as_str().unwrap().to_string();
            let first = seen2.lock().unwrap().insert(id.clone());
            let (status, error) = if pair[1].contains("\"kind\":\"summary\"") {
                (400, Some(("mapper_parsing_exception", "failed to parse")))
            } else if first && i % 2 == 1 {
                (429, Some(("es_rejected_execution_exception", "queue full")))
            } else {
                *idx.lock().unwrap().entry(id.clone()).or_default() += 1;
                (201, None)
            };
            let mut item =
                serde_json::json!({"_index": "apispm-test", "_id": id, "status": status});
            if let Some((t, r)) = error {
                item["error"] = serde_json::json!({"type": t, "reason": r});
            }
            items.push(serde_json::json!({"index": item}));
        }
        let errors = items.iter().any(|i| i["index"]["status"] != 201);
        respond(
            200,
            &serde_json::json!({"took": 3, "errors": errors, "items": items}).to_string(),
        )
    }));
    let report = common::report(20);
    let items = bulk_items(
        records(&report),
        &ElasticOptions {
            index: "apispm-test".into(),
        },
    );
    let got = deliver(
        Receiver::Elastic,
        &items,
        &fast(&recv.url, Auth::ApiKey("a2V5OnNlY3JldA==".into()), 8),
    )
    .unwrap();
    assert_eq!(got.rejected.len(), 1);
    assert!(got.rejected[0].1.contains("mapper_parsing_exception"));
    assert_eq!(got.delivered + got.rejected.len(), items.len());

    let indexed = indexed.lock().unwrap();
    assert_eq!(
        indexed.len(),
        items.len() - 1,
        "every document but the refused one"
    );
    assert!(indexed.values().all(|c| *c == 1), "none twice");

    let reqs = recv.requests.lock().unwrap();
    let ids = |r: &common::Request| -> Vec<String> {
        r.body
            .lines()
            .step_by(2)
            .map(|l| {
                serde_json::from_str::<Value>(l).unwrap()["index"]["_id"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect()
    };
    for r in reqs.iter() {
        assert_eq!(r.path, "/_bulk");
        assert_eq!(r.headers["content-type"], "application/x-ndjson");
        assert_eq!(r.headers["authorization"], "ApiKey a2V5OnNlY3JldA==");
        assert!(r.body.ends_with('\n'), "bulk bodies end with a newline");
        for pair in r.body.lines().collect::<Vec<_>>().chunks(2) {
            let action: Value = serde_json::from_str(pair[0]).unwrap();
            let doc: Value = serde_json::from_str(pair[1]).unwrap();
            assert_eq!(action["index"]["_index"], "apispm-test");
            assert_eq!(action["index"]["_id"], doc["event"]["id"]);
        }
    }
    // Each batch is followed by one retry holding exactly its 429 documents.
    let batches = items.len().div_ceil(8);
    assert_eq!(reqs.len(), batches * 2);
    for b in 0..batches {
        let first = ids(&reqs[2 * b]);
        let retry = ids(&reqs[2 * b + 1]);
        let odd: Vec<String> = first.iter().skip(1).step_by(2).cloned().collect();
        assert_eq!(retry, odd, "batch {b}");
    }
}

#[test]
fn elastic_recovers_from_503_and_a_dropped_connection() {
    let recv = start(Box::new(|n, req| match n {
        0 => Answer::Drop,
        1 => respond(503, r#"{"error":"unavailable"}"#),
        _ => {
            let items: Vec<Value> = req
                .body
                .lines()
                .step_by(2)
                .map(|l| {
                    let a: Value = serde_json::from_str(l).unwrap();
                    serde_json::json!({"index": {"_id": a["index"]["_id"], "status": 200}})
                })
                .collect();
            respond(
                200,
                &serde_json::json!({"errors": false, "items": items}).to_string(),
            )
        }
    }));
    let report = common::report(5);
    let items = bulk_items(records(&report), &ElasticOptions::default());
    let got = deliver(
        Receiver::Elastic,
        &items,
        &fast(
            &format!("{}/", recv.url),
            Auth::Basic {
                user: "elastic".into(),
                password: "pw".into(),
            },
            100,
        ),
    )
    .unwrap();
    assert_eq!(
        (got.delivered, got.requests, got.retries),
        (items.len(), 3, 2)
    );
    let reqs = recv.requests.lock().unwrap();
    assert_eq!(reqs[0].body, reqs[2].body, "the same batch, same ids");
    assert_eq!(reqs[2].headers["authorization"], "Basic ZWxhc3RpYzpwdw==");
}

#[test]
fn refusals_that_retrying_cannot_fix_stop_at_once() {
    let recv = start(Box::new(|_, _| {
        respond(403, r#"{"text":"Invalid token","code":4}"#)
    }));
    let events = hec_events(records(&common::report(3)), &HecOptions::default());
    let err = deliver(
        Receiver::SplunkHec,
        &events,
        &fast(&recv.url, Auth::Splunk("bad".into()), 2),
    )
    .unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("HTTP 403") && msg.contains("0 of"), "{msg}");
    assert!(!msg.contains("bad"), "the token is never printed: {msg}");
    assert_eq!(recv.requests.lock().unwrap().len(), 1);
}

#[test]
fn a_receiver_that_never_recovers_fails_after_the_attempts() {
    let recv = start(Box::new(|n, _| {
        if n == 0 {
            respond(200, r#"{"text":"Success","code":0}"#)
        } else {
            respond(503, r#"{"text":"Server is busy","code":9}"#)
        }
    }));
    let events = hec_events(records(&common::report(3)), &HecOptions::default());
    let err = deliver(
        Receiver::SplunkHec,
        &events,
        &fast(&recv.url, Auth::None, 4),
    )
    .unwrap_err();
    match err {
        DeliveryError::Failed {
            delivered,
            events: total,
            reason,
            ..
        } => {
            assert_eq!(delivered, 4);
            assert_eq!(total, events.len());
            assert!(
                reason.contains("gave up after 5 attempts") && reason.contains("503"),
                "{reason}"
            );
        }
        other => panic!("{other}"),
    }
    // One accepted batch, then five attempts at the second; the rest never sent.
    assert_eq!(recv.requests.lock().unwrap().len(), 6);
}

#[test]
fn nothing_listens() {
    // A port that was just free: connection refused, retried, then a clear error.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let events = hec_events(records(&common::report(1)), &HecOptions::default());
    let mut o = fast(&format!("http://127.0.0.1:{port}"), Auth::None, 10);
    o.max_attempts = 2;
    let err = deliver(Receiver::SplunkHec, &events, &o)
        .unwrap_err()
        .to_string();
    assert!(err.contains("no response"), "{err}");
}

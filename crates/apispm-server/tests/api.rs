//! `apispm serve` end to end: a real server on a loopback port over a real SQLite file, driven
//! by a real HTTP client. Authentication, Kong http-log ingestion (one object and batches),
//! idempotency, body limits, malformed bodies, security headers, the read API, metrics and
//! graceful shutdown.

mod common;

use common::*;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

const KONG: &str = "/api/v1/ingest/kong";

#[test]
fn api_and_ingestion_require_the_token() {
    let s = TestServer::start(|_, _| {});
    let a = agent();
    for path in [
        "/api/v1/summary",
        "/api/v1/endpoints",
        "/api/v1/findings",
        "/api/v1/snapshots",
        "/metrics",
        "/api/v1/no-such-route",
    ] {
        let r = get(&a, &s.url(path), None);
        assert_eq!(r.status, 401, "{path} without a token");
        assert_eq!(
            r.header("www-authenticate"),
            Some(r#"Bearer realm="apispm""#)
        );
        assert!(r.json()["error"].as_str().unwrap().contains("bearer token"));
        let r = get(&a, &s.url(path), Some("wrong-token-0123456789"));
        assert_eq!(r.status, 401, "{path} with a wrong token");
        assert!(
            r.header("www-authenticate")
                .unwrap()
                .contains("invalid_token")
        );
    }
    let body = std::fs::read(fixture("kong-3.8-sample-log-object.json")).unwrap();
    assert_eq!(post(&a, &s.url(KONG), None, &[], &body).status, 401);
    assert_eq!(
        post(&a, &s.url(KONG), Some("Bearer-but-wrong-token"), &[], &body).status,
        401
    );
    assert_eq!(
        post(&a, &s.url("/api/v1/snapshots"), None, &[], b"").status,
        401
    );
    assert_eq!(
        s.store_totals().records,
        0,
        "refused requests store nothing"
    );

    // With the token: the API answers (no snapshot yet) and ingestion works.
    let r = get(&a, &s.url("/api/v1/summary"), Some(TOKEN));
    assert_eq!(r.status, 200);
    assert!(r.json()["snapshot"].is_null());
    assert_eq!(post(&a, &s.url(KONG), Some(TOKEN), &[], &body).status, 200);
    // The dashboard's files hold no data and load without the token; its data does not.
    let r = get(&a, &s.url("/"), None);
    assert_eq!(r.status, 200);
    assert!(r.body.contains("/assets/app.js"));
    assert_eq!(get(&a, &s.url("/assets/app.js"), None).status, 200);
}

#[test]
fn public_dashboard_opens_reads_only() {
    let s = TestServer::start(|o, _| o.public_dashboard = true);
    let a = agent();
    assert_eq!(get(&a, &s.url("/api/v1/summary"), None).status, 200);
    assert_eq!(get(&a, &s.url("/api/v1/findings"), None).status, 200);
    let body = std::fs::read(fixture("kong-3.8-sample-log-object.json")).unwrap();
    assert_eq!(post(&a, &s.url(KONG), None, &[], &body).status, 401);
    assert_eq!(
        post(&a, &s.url("/api/v1/snapshots"), None, &[], b"").status,
        401
    );
    assert_eq!(get(&a, &s.url("/metrics"), None).status, 401);
    assert_eq!(s.store_totals().records, 0);
}

#[test]
fn kong_http_log_single_object_and_batches() {
    let s = TestServer::start(|_, _| {});
    let a = agent();
    // Kong's default: one object per request, as its sample log object.
    let one = std::fs::read(fixture("kong-3.8-sample-log-object.json")).unwrap();
    let r = post(
        &a,
        &s.url(KONG),
        Some(TOKEN),
        &[("content-type", "application/json")],
        &one,
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let j = r.json();
    assert_eq!(j["records"], 1);
    assert_eq!(j["malformed"], 0);
    assert_eq!(j["duplicate"], false);
    assert!(j["batch_id"].as_str().unwrap().starts_with("http:"));

    // With queue.max_batch_size > 1: JSON arrays.
    let lines = kong_lines();
    let mut sent = 1u64;
    for chunk in lines[..1500].chunks(250) {
        let r = post(&a, &s.url(KONG), Some(TOKEN), &[], &kong_batch(chunk));
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.json()["records"], chunk.len() as u64);
        sent += chunk.len() as u64;
    }
    // Other formats by name; JSON lines work too.
    let jsonl = lines[1500..1600].join("\n");
    let r = post(
        &a,
        &s.url("/api/v1/ingest/auto"),
        Some(TOKEN),
        &[],
        jsonl.as_bytes(),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    sent += 100;
    let nginx = br#"203.0.113.7 - - [04/Dec/2025:10:00:00 +0000] "GET /api/v1/users/42 HTTP/1.1" 200 512 "-" "curl/8.5""#;
    let r = post(&a, &s.url("/api/v1/ingest/nginx"), Some(TOKEN), &[], nginx);
    assert_eq!(r.status, 200, "{}", r.body);
    sent += 1;
    assert_eq!(s.store_totals().records, sent);

    // A snapshot, then the read API over it.
    let r = post(&a, &s.url("/api/v1/snapshots"), Some(TOKEN), &[], b"");
    assert_eq!(r.status, 201, "{}", r.body);
    let snap = r.json();
    assert_eq!(snap["id"], 1);
    let total = snap["endpoints"].as_u64().unwrap();
    assert!(total > 100, "{snap}");

    let r = get(&a, &s.url("/api/v1/summary"), Some(TOKEN)).json();
    assert_eq!(r["metrics"].as_array().unwrap().len(), 8);
    assert_eq!(r["ingest"]["records"], sent);

    let all = get(&a, &s.url("/api/v1/endpoints?limit=5000"), Some(TOKEN)).json();
    assert_eq!(all["total"].as_u64().unwrap(), total);
    let risks: Vec<f64> = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["risk_score"].as_f64().unwrap())
        .collect();
    assert!(risks.windows(2).all(|w| w[0] >= w[1]), "riskiest first");

    let svc = get(
        &a,
        &s.url("/api/v1/endpoints?service=svc-10&sort=path&order=asc&limit=5000"),
        Some(TOKEN),
    )
    .json();
    let items = svc["items"].as_array().unwrap();
    assert!(!items.is_empty());
    assert!(items.iter().all(|e| e["service"] == "svc-10"));
    let paths: Vec<&str> = items.iter().map(|e| e["path"].as_str().unwrap()).collect();
    assert!(paths.windows(2).all(|w| w[0] <= w[1]), "sorted by path");
    let high = get(
        &a,
        &s.url("/api/v1/endpoints?min_risk=90&limit=5000"),
        Some(TOKEN),
    )
    .json();
    assert!(
        high["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["risk_score"].as_f64().unwrap() >= 90.0)
    );
    assert!(high["total"].as_u64().unwrap() < total);
    // The Kong sample is from 2024, outside the 7-day window that ends at the latest record.
    let q = get(&a, &s.url("/api/v1/endpoints?q=example-route"), Some(TOKEN)).json();
    assert_eq!(q["total"], 0, "{q}");
    let q = get(
        &a,
        &s.url("/api/v1/endpoints?q=TEAMS&limit=5000"),
        Some(TOKEN),
    )
    .json();
    let hits = q["items"].as_array().unwrap();
    assert!(!hits.is_empty() && (hits.len() as u64) < total);
    assert!(
        hits.iter()
            .all(|e| e["path"].as_str().unwrap().contains("/teams"))
    );
    assert_eq!(
        get(&a, &s.url("/api/v1/endpoints?sort=nonsense"), Some(TOKEN)).status,
        400
    );

    // One endpoint with its history and tracked findings.
    let id = all["items"][0]["api_id"].as_str().unwrap().to_string();
    let e = get(&a, &s.url(&format!("/api/v1/endpoints/{id}")), Some(TOKEN)).json();
    assert_eq!(e["assessment"]["api_id"], id.as_str());
    assert_eq!(
        e["assessment"]["security_controls"]
            .as_array()
            .unwrap()
            .len(),
        6
    );
    assert_eq!(e["history"].as_array().unwrap().len(), 1);
    assert!(!e["findings"].as_array().unwrap().is_empty());
    assert_eq!(e["findings"][0]["events"][0]["event"], "opened");
    assert_eq!(
        get(
            &a,
            &s.url("/api/v1/endpoints/0000000000000000"),
            Some(TOKEN)
        )
        .status,
        404
    );

    let f = get(
        &a,
        &s.url("/api/v1/findings?severity=critical"),
        Some(TOKEN),
    )
    .json();
    assert!(f["total"].as_u64().unwrap() > 0);
    assert!(
        f["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|x| x["severity"] == "CRITICAL" && x["state"] == "open")
    );
    assert_eq!(
        get(&a, &s.url("/api/v1/findings?state=bogus"), Some(TOKEN)).status,
        400
    );

    // The full report is the stored one, as `apispm report` prints it.
    let rep = get(&a, &s.url("/api/v1/report?snapshot=1"), Some(TOKEN)).json();
    assert_eq!(rep["total_apis"].as_u64().unwrap(), total);

    // A diff needs two snapshots.
    assert_eq!(get(&a, &s.url("/api/v1/diff"), Some(TOKEN)).status, 409);
    // A day later the first service is fixed: every request now carries credentials.
    let later: Vec<String> = lines[..300]
        .iter()
        .map(|l| {
            let mut v: serde_json::Value = serde_json::from_str(l).unwrap();
            v["started_at"] = (v["started_at"].as_i64().unwrap() + 86_400_000).into();
            v["request"]["headers"]["authorization"] = "REDACTED".into();
            v.to_string()
        })
        .collect();
    assert_eq!(
        post(&a, &s.url(KONG), Some(TOKEN), &[], &kong_batch(&later)).status,
        200
    );
    assert_eq!(
        post(&a, &s.url("/api/v1/snapshots"), Some(TOKEN), &[], b"").status,
        201
    );
    let d = get(&a, &s.url("/api/v1/diff"), Some(TOKEN)).json();
    assert_eq!(d["from"]["id"], 1);
    assert_eq!(d["to"]["id"], 2);
    assert!(d["drift"]["control_fixes"].as_array().is_some());
    let h = get(&a, &s.url("/api/v1/metrics/history"), Some(TOKEN)).json();
    let items = h["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["snapshot_id"], 1, "oldest first");
    assert_eq!(items[1]["metrics"].as_array().unwrap().len(), 8);
    let snaps = get(&a, &s.url("/api/v1/snapshots"), Some(TOKEN)).json();
    assert_eq!(snaps["items"][0]["id"], 2, "newest first");
}

#[test]
fn idempotency_key_counts_a_retried_post_once() {
    let s = TestServer::start(|_, _| {});
    let a = agent();
    let lines = kong_lines();
    let body = kong_batch(&lines[..40]);
    let key = [("idempotency-key", "gw-7f3a-000123")];
    let first = post(&a, &s.url(KONG), Some(TOKEN), &key, &body);
    assert_eq!(first.status, 200, "{}", first.body);
    assert_eq!(first.json()["duplicate"], false);
    let again = post(&a, &s.url(KONG), Some(TOKEN), &key, &body);
    assert_eq!(again.status, 200);
    assert_eq!(again.json()["duplicate"], true);
    assert_eq!(again.json()["batch_id"], first.json()["batch_id"]);
    // Without a key the same body is new traffic.
    assert_eq!(post(&a, &s.url(KONG), Some(TOKEN), &[], &body).status, 200);
    let t = s.store_totals();
    assert_eq!(t.records, 80);
    let bad = post(
        &a,
        &s.url(KONG),
        Some(TOKEN),
        &[("idempotency-key", "has spaces in it")],
        &body,
    );
    assert_eq!(bad.status, 400);
    assert!(
        bad.json()["error"]
            .as_str()
            .unwrap()
            .contains("Idempotency-Key")
    );
}

#[test]
fn bodies_over_the_limit_get_413_with_a_reason() {
    let s = TestServer::start(|o, _| o.max_body = 64 << 10);
    let a = agent();
    let lines = kong_lines();
    let big = kong_batch(&lines[..200]);
    assert!(big.len() > 64 << 10);
    let r = post(&a, &s.url(KONG), Some(TOKEN), &[], &big);
    assert_eq!(r.status, 413);
    assert!(
        r.json()["error"].as_str().unwrap().contains("64 KiB"),
        "{}",
        r.body
    );
    assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
    // Without a declared length (chunked), the limit holds while reading.
    let r = a
        .post(s.url(KONG))
        .header("Authorization", format!("Bearer {TOKEN}"))
        .send(ureq::SendBody::from_reader(&mut std::io::Cursor::new(
            big.clone(),
        )));
    assert_eq!(r.unwrap().status().as_u16(), 413);
    let small = kong_batch(&lines[..20]);
    assert_eq!(post(&a, &s.url(KONG), Some(TOKEN), &[], &small).status, 200);
    assert_eq!(s.store_totals().records, 20);
}

#[test]
fn malformed_bodies_get_400_with_the_reason() {
    let s = TestServer::start(|_, _| {});
    let a = agent();
    let cases: [(&str, &[u8], &str); 6] = [
        (KONG, b"{not json", "line 1"),
        (KONG, br#"{"session": {"status": 200}}"#, "stream"),
        (KONG, br#"[{"response": {"status": 200}}]"#, "request"),
        (KONG, b"   \n", "empty"),
        ("/api/v1/ingest/auto", b"hello world", "detect"),
        ("/api/v1/ingest/yaml", b"{}", "unknown log format"),
    ];
    for (path, body, reason) in cases {
        let r = post(&a, &s.url(path), Some(TOKEN), &[], body);
        assert!(
            r.status == 400 || r.status == 404,
            "{path} {:?}: {}",
            String::from_utf8_lossy(body),
            r.status
        );
        let e = r.json()["error"].as_str().unwrap().to_string();
        assert!(e.contains(reason), "{e:?} should mention {reason:?}");
    }
    // Mixed: the good records are kept, the bad ones counted with their reasons.
    let lines = kong_lines();
    let body = format!("[{},{{\"nope\":1}},{}]", lines[0], lines[1]);
    let r = post(&a, &s.url(KONG), Some(TOKEN), &[], body.as_bytes());
    assert_eq!(r.status, 200, "{}", r.body);
    let j = r.json();
    assert_eq!(j["records"], 2);
    assert_eq!(j["malformed"], 1);
    assert!(!j["errors"][0]["reason"].as_str().unwrap().is_empty());
    let t = s.store_totals();
    assert_eq!((t.records, t.malformed), (2, 1));
    // Compressed bodies are refused, not misread.
    let r = post(
        &a,
        &s.url(KONG),
        Some(TOKEN),
        &[("content-encoding", "gzip")],
        b"\x1f\x8b",
    );
    assert_eq!(r.status, 415);
}

/// The headers apispm's `security_headers` control looks for, and the rest of the policy.
fn assert_secure(r: &Reply, what: &str, tls: bool) {
    assert_eq!(
        r.header("x-content-type-options"),
        Some("nosniff"),
        "{what}"
    );
    assert_eq!(r.header("x-frame-options"), Some("DENY"), "{what}");
    assert_eq!(r.header("referrer-policy"), Some("no-referrer"), "{what}");
    let csp = r.header("content-security-policy").unwrap_or("");
    assert!(csp.contains("frame-ancestors 'none'"), "{what}: {csp}");
    assert!(
        !csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"),
        "{what}"
    );
    assert!(r.header("cache-control").is_some(), "{what}");
    assert_eq!(
        r.header("strict-transport-security").is_some(),
        tls,
        "{what}"
    );
}

#[test]
fn security_headers_on_every_route() {
    let s = TestServer::start(|_, _| {});
    let a = agent();
    let routes = [
        ("/", None, 200),
        ("/assets/app.js", None, 200),
        ("/assets/app.css", None, 200),
        ("/assets/charts.js", None, 200),
        ("/favicon.ico", None, 200),
        ("/assets/nope.js", None, 404),
        ("/healthz", None, 200),
        ("/no/such/page", None, 404),
        ("/metrics", Some(TOKEN), 200),
        ("/metrics", None, 401),
        ("/api/v1/summary", Some(TOKEN), 200),
        ("/api/v1/summary", None, 401),
        ("/api/v1/report", Some(TOKEN), 404),
        ("/api/v1/endpoints", Some(TOKEN), 404),
        ("/api/v1/findings", Some(TOKEN), 200),
        ("/api/v1/snapshots", Some(TOKEN), 200),
        ("/api/v1/metrics/history", Some(TOKEN), 200),
        ("/api/v1/diff", Some(TOKEN), 409),
        ("/api/v1/ingest/kong", Some(TOKEN), 405),
    ];
    for (path, token, status) in routes {
        let r = get(&a, &s.url(path), token);
        assert_eq!(r.status, status, "{path}");
        assert_secure(&r, path, false);
        if path.starts_with("/api/") || path == "/metrics" {
            assert_eq!(r.header("cache-control"), Some("no-store"), "{path}");
        }
    }
    let html = get(&a, &s.url("/"), None);
    assert!(
        html.header("content-type")
            .unwrap()
            .starts_with("text/html")
    );
    let csp = html.header("content-security-policy").unwrap();
    assert!(csp.contains("script-src 'self'"), "{csp}");
    assert!(csp.contains("default-src 'none'"), "{csp}");
    assert!(!html.body.contains("<script>"), "no inline scripts");
    assert!(!html.body.contains("style="), "no inline styles");
    let posted = post(&a, &s.url(KONG), Some(TOKEN), &[], b"[]");
    assert_secure(&posted, "POST ingest", false);
}

#[test]
fn prometheus_metrics() {
    let s = TestServer::start(|_, _| {});
    let a = agent();
    let lines = kong_lines();
    post(
        &a,
        &s.url(KONG),
        Some(TOKEN),
        &[],
        &kong_batch(&lines[..500]),
    );
    post(&a, &s.url(KONG), Some(TOKEN), &[], b"{broken");
    post(&a, &s.url("/api/v1/snapshots"), Some(TOKEN), &[], b"");
    let r = get(&a, &s.url("/metrics"), Some(TOKEN));
    assert_eq!(r.status, 200);
    assert!(
        r.header("content-type")
            .unwrap()
            .starts_with("text/plain; version=0.0.4")
    );
    let m = r.body;
    let value = |name: &str| -> f64 {
        m.lines()
            .find(|l| l.starts_with(name) && l[name.len()..].starts_with(' '))
            .unwrap_or_else(|| panic!("{name} missing in\n{m}"))
            .rsplit(' ')
            .next()
            .unwrap()
            .parse()
            .unwrap()
    };
    assert_eq!(value("apispm_ingest_records_total"), 500.0);
    assert_eq!(value("apispm_store_records"), 500.0);
    assert_eq!(value("apispm_ingest_malformed_total"), 1.0);
    assert_eq!(
        value("apispm_ingest_requests_total{format=\"kong\",code=\"200\"}"),
        1.0
    );
    assert_eq!(
        value("apispm_ingest_requests_total{format=\"kong\",code=\"400\"}"),
        1.0
    );
    assert!(value("apispm_ingest_commit_seconds_count") >= 1.0);
    assert!(value("apispm_ingest_commit_seconds_bucket{le=\"+Inf\"}") >= 1.0);
    let classes: f64 = ["external", "internal", "partner", "shadow", "deprecated"]
        .iter()
        .map(|c| value(&format!("apispm_endpoints{{classification=\"{c}\"}}")))
        .sum();
    assert!(classes > 100.0);
    assert!(value("apispm_average_risk_score") > 0.0);
    assert!(value("apispm_open_findings{severity=\"CRITICAL\"}") > 0.0);
    assert_eq!(value("apispm_snapshot_id"), 1.0);
    assert!(m.contains("# TYPE apispm_ingest_commit_seconds histogram"));
    assert!(m.contains("apispm_posture_metric{name=\"tls_coverage\""));
}

#[test]
fn graceful_shutdown_keeps_every_acknowledged_record() {
    let mut s = TestServer::start(|_, _| {});
    let base = s.base.clone();
    let lines = Arc::new(kong_lines());
    let acked = Arc::new(AtomicU64::new(0));
    let mut clients = Vec::new();
    for c in 0..4 {
        let (lines, acked, base) = (lines.clone(), acked.clone(), base.clone());
        clients.push(std::thread::spawn(move || {
            let a = agent();
            for i in 0.. {
                let start = (c * 97 + i * 31) % (lines.len() - 50);
                let body = kong_batch(&lines[start..start + 50]);
                let r = a
                    .post(format!("{base}{KONG}"))
                    .header("Authorization", format!("Bearer {TOKEN}"))
                    .send(&body[..]);
                match r {
                    Ok(r) if r.status().as_u16() == 200 => {
                        acked.fetch_add(50, Ordering::SeqCst);
                    }
                    // The server stopped accepting: done.
                    _ => break,
                }
            }
        }));
    }
    while acked.load(Ordering::SeqCst) < 2_000 {
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let db = s.db.clone();
    let summary = s.stop();
    for c in clients {
        c.join().unwrap();
    }
    let stored = apispm_store::open(&db).unwrap().ingest_totals().unwrap();
    let acked = acked.load(Ordering::SeqCst);
    assert!(acked >= 2_000);
    assert_eq!(
        stored.records, acked,
        "every acknowledged record, and nothing else"
    );
    assert_eq!(summary.records_committed, acked);
}

//! `--findings`, `--format sarif|html` and `export`, through the real binary, on the corpus
//! reports of other tools and traffic to the hosts they scanned. Expected mapping counts
//! were worked out independently in Python (host, port, path and method of each finding
//! against the traffic below).

use serde_json::Value;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};

fn apispm(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_apispm"))
        .args(args)
        .env_remove("APISPM_SPLUNK_TOKEN")
        .env_remove("APISPM_ELASTIC_API_KEY")
        .env_remove("APISPM_CONFIG")
        .output()
        .unwrap()
}

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("apispm-findings-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn reports() -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../apispm-import/tests/fixtures")
        .display()
        .to_string()
}

/// One request to each page the corpus scanners looked at, as a HAR file.
fn traffic(dir: &std::path::Path) -> String {
    let pages = [
        ("GET", "https://example.com/"),
        ("OPTIONS", "https://example.com/"),
        ("GET", "https://example.com/favicon.ico"),
        ("GET", "https://nuclei-example.com/"),
        ("GET", "https://nuclei-example.com/metrics"),
        (
            "GET",
            "https://nuclei-example.com/phpmyadmin/setup/index.php",
        ),
        ("GET", "https://nuclei-example.com/phpmyadmin/"),
        ("GET", "http://example.com/example_3"),
        ("GET", "https://www.securecodebox.io/"),
        ("GET", "http://127.0.0.1:8080/WebGoat"),
        ("GET", "http://10.1.6.107:8080/"),
    ];
    let entries: Vec<Value> = pages
        .iter()
        .map(|(m, u)| {
            // The Log4j target shows every control but input validation, so that its risk
            // is below the cap and a weight can show.
            let h = |k: &str, v: &str| serde_json::json!({"name": k, "value": v});
            let (req_h, resp_h) = if u.contains("10.1.6.107") {
                (
                    vec![h("Authorization", "Bearer x")],
                    vec![
                        h("X-RateLimit-Limit", "10"),
                        h("X-Content-Type-Options", "nosniff"),
                        h("Strict-Transport-Security", "max-age=1"),
                        h("X-Frame-Options", "DENY"),
                        h("Cache-Control", "no-store"),
                        h("Access-Control-Allow-Origin", "https://app.example.com"),
                    ],
                )
            } else {
                (Vec::new(), Vec::new())
            };
            serde_json::json!({
                "startedDateTime": "2026-12-01T10:00:00Z", "time": 1,
                "request": {"method": m, "url": u, "httpVersion": "HTTP/1.1", "headers": req_h,
                            "queryString": [], "cookies": [], "headersSize": -1, "bodySize": 0},
                "response": {"status": 200, "statusText": "OK", "httpVersion": "HTTP/1.1",
                             "headers": resp_h, "cookies": [],
                             "content": {"size": 0, "mimeType": "text/plain"},
                             "redirectURL": "", "headersSize": -1, "bodySize": 0},
                "cache": {}, "timings": {"send": 0, "wait": 0, "receive": 0}
            })
        })
        .collect();
    let har = serde_json::json!({"log": {"version": "1.2",
        "creator": {"name": "test", "version": "1"}, "entries": entries}});
    let p = dir.join("traffic.har");
    std::fs::write(&p, har.to_string()).unwrap();
    p.display().to_string()
}

fn scan_json(extra: &[&str]) -> Value {
    let d = tmp("scan");
    let har = traffic(&d);
    let reports = reports();
    let mut args = vec![
        "scan",
        "-q",
        "--logs",
        &har,
        "--findings",
        &reports,
        "-f",
        "json",
    ];
    args.extend_from_slice(extra);
    let out = apispm(&args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn corpus_findings_are_imported_and_mapped() {
    let r = scan_json(&[]);
    let files = r["ingest"]["findings"]["files"].as_array().unwrap();
    let per_file: BTreeMap<String, (u64, u64, u64, u64)> = files
        .iter()
        .map(|f| {
            let name = f["path"]
                .as_str()
                .unwrap()
                .rsplit("fixtures/")
                .next()
                .unwrap()
                .to_string();
            let m = &f["mapping"];
            (
                name,
                (
                    f["imported"].as_u64().unwrap(),
                    m["url"].as_u64().unwrap(),
                    m["service_only"].as_u64().unwrap(),
                    m["unmapped"].as_u64().unwrap(),
                ),
            )
        })
        .collect();
    // (imported, mapped by URL, service only, unmapped)
    type Counts = (u64, u64, u64, u64);
    let expected: &[(&str, Counts)] = &[
        ("defectdojo/nuclei/issue_9201.json", (1, 0, 1, 0)),
        ("defectdojo/nuclei/many_findings.json", (18, 14, 4, 0)),
        ("defectdojo/nuclei/many_findings_new.json", (2, 1, 1, 0)),
        ("defectdojo/nuclei/many_findings_third.json", (2, 2, 0, 0)),
        ("defectdojo/nuclei/multiple_matches.json", (2, 0, 2, 0)),
        ("defectdojo/nuclei/multiple_v3.json", (6, 0, 6, 0)),
        ("defectdojo/sarif/appendix_k1.sarif", (0, 0, 0, 0)),
        ("defectdojo/sarif/appendix_k2.sarif", (1, 0, 0, 1)),
        ("defectdojo/sarif/appendix_k3.sarif", (1, 0, 0, 1)),
        ("defectdojo/sarif/codeQL-output.sarif", (72, 0, 0, 72)),
        ("defectdojo/sarif/gitleaks_7.5.0.sarif", (8, 0, 0, 8)),
        ("defectdojo/sarif/njsscan.sarif", (2, 0, 0, 2)),
        ("defectdojo/sarif/no_runs.sarif", (0, 0, 0, 0)),
        ("defectdojo/sarif/spotbugs.sarif", (56, 0, 0, 56)),
        ("defectdojo/sarif/suppression_test.sarif", (2, 0, 0, 2)),
        (
            "securecodebox/nuclei/example-com-only-misc-tags-with-incluce-rr.jsonl",
            (1, 1, 0, 0),
        ),
        (
            "securecodebox/nuclei/example-com-test.jsonl",
            (27, 18, 9, 0),
        ),
        (
            "securecodebox/nuclei/hostname-without-port.jsonl",
            (1, 0, 1, 0),
        ),
        ("securecodebox/nuclei/log4shell.jsonl", (1, 1, 0, 0)),
        (
            "securecodebox/nuclei/secureCodeBox-test.jsonl",
            (22, 19, 3, 0),
        ),
        (
            "zap-extensions/basic-traditional-json-plus.json",
            (2, 2, 0, 0),
        ),
        ("zap-extensions/basic-traditional-json.json", (2, 2, 0, 0)),
    ];
    let expected: BTreeMap<String, (u64, u64, u64, u64)> =
        expected.iter().map(|(k, v)| (k.to_string(), *v)).collect();
    assert_eq!(per_file, expected);

    let endpoints: BTreeMap<&str, &Value> = r["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["api_id"].as_str().unwrap(), e))
        .collect();
    let imported: Vec<&Value> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["source"] != "apispm")
        .collect();
    assert_eq!(imported.len(), 229);
    for f in &imported {
        for k in [
            "source", "rule", "severity", "title", "url", "method", "api_id",
        ] {
            assert!(f.get(k).is_some(), "{k} missing: {f}");
        }
        if let Some(id) = f["api_id"].as_str() {
            let e = endpoints[id];
            assert_eq!(
                (&e["method"], &e["path"], &e["service"]),
                (&f["method"], &f["path"], &f["service"])
            );
        }
    }
    // ZAP's XSS on /example_3 lands on the endpoint traffic created for it.
    let zap = imported.iter().find(|f| f["source"] == "zap").unwrap();
    assert_eq!(zap["service"], "example.com");
    assert_eq!(zap["path"], "/example_3");
    // WebWolf runs on another port than the WebGoat traffic: its service, unmapped.
    let wolf = imported
        .iter()
        .find(|f| f["url"] == "http://127.0.0.1:9090/WebWolf")
        .unwrap();
    assert_eq!(
        (wolf["api_id"].is_null(), wolf["service"].as_str()),
        (true, Some("127.0.0.1:9090"))
    );
}

#[test]
fn imported_findings_raise_risk_only_when_configured() {
    let risk_of = |r: &Value| {
        r["endpoints"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["service"] == "10.1.6.107:8080")
            .unwrap()["risk_score"]
            .as_f64()
            .unwrap()
    };
    let d = tmp("risk");
    let har = traffic(&d);
    let plain: Value =
        serde_json::from_slice(&apispm(&["scan", "-q", "--logs", &har, "-f", "json"]).stdout)
            .unwrap();
    let with = scan_json(&[]);
    assert_eq!(risk_of(&plain), risk_of(&with), "off by default");
    let cfg = d.join("apispm.yaml");
    std::fs::write(
        &cfg,
        "risk:\n  imported_finding_weights: {critical: 40, high: 20}\n",
    )
    .unwrap();
    let weighted = scan_json(&["-c", cfg.to_str().unwrap()]);
    assert!(
        risk_of(&weighted) > risk_of(&with),
        "{} vs {}",
        risk_of(&weighted),
        risk_of(&with)
    );
    std::fs::write(&cfg, "risk:\n  imported_finding_weights: {critcal: 40}\n").unwrap();
    let out = apispm(&["scan", "-q", "--logs", &har, "-c", cfg.to_str().unwrap()]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "a typo in the config is an error"
    );
}

#[test]
fn sarif_and_html_formats() {
    let d = tmp("formats");
    let har = traffic(&d);
    let reports = reports();
    let json = scan_json(&[]);
    let out = apispm(&[
        "scan",
        "-q",
        "--logs",
        &har,
        "--findings",
        &reports,
        "-f",
        "sarif",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let sarif: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    let results = sarif["runs"][0]["results"].as_array().unwrap().len();
    let count = |k: &str| json[k].as_array().unwrap().len();
    assert_eq!(
        results,
        count("findings") + count("policy_violations") + count("compliance_gaps")
    );

    let page = d.join("report.html");
    let out = apispm(&[
        "scan",
        "-q",
        "--logs",
        &har,
        "--findings",
        &reports,
        "-f",
        "html",
        "-o",
        page.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0));
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>") && html.contains("Findings (229)"));
}

#[test]
fn unusable_findings_files_are_exit_2() {
    let d = tmp("bad");
    let har = traffic(&d);
    let bad = d.join("scan.sarif");
    std::fs::write(&bad, "{\"runs\": [oops").unwrap();
    let out = apispm(&[
        "scan",
        "-q",
        "--logs",
        &har,
        "--findings",
        bad.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("scan.sarif:1:") && err.contains("not valid JSON"),
        "{err}"
    );
    let out = apispm(&[
        "scan",
        "-q",
        "--logs",
        &har,
        "--findings",
        "/no/such/report.json",
    ]);
    assert_eq!(out.status.code(), Some(2));
    // Malformed records are skipped with a warning naming the line.
    let lines = d.join("nuclei.jsonl");
    std::fs::write(&lines, "{\"template-id\":\"a\",\"info\":{\"severity\":\"low\"},\"host\":\"https://example.com\"}\nnot json\n").unwrap();
    let out = apispm(&[
        "scan",
        "--logs",
        &har,
        "--findings",
        lines.to_str().unwrap(),
        "-f",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("nuclei.jsonl: 1 malformed finding record(s) skipped (first at line 2"),
        "{err}"
    );
}

/// A receiver on 127.0.0.1 that answers the first `fail` requests with 503, then accepts
/// `_bulk` documents or HEC events, counting each id it accepted.
fn receiver(fail: usize) -> (String, Arc<Mutex<BTreeMap<String, usize>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let accepted: Arc<Mutex<BTreeMap<String, usize>>> = Arc::default();
    let seen = Arc::new(Mutex::new(0usize));
    let acc = accepted.clone();
    std::thread::spawn(move || {
        for conn in listener.incoming().flatten() {
            let (acc, seen) = (acc.clone(), seen.clone());
            std::thread::spawn(move || {
                let mut r = BufReader::new(conn);
                loop {
                    let mut line = String::new();
                    if r.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let path = line.split_whitespace().nth(1).unwrap_or("").to_string();
                    let mut len = 0;
                    loop {
                        let mut h = String::new();
                        r.read_line(&mut h).unwrap();
                        if h.trim().is_empty() {
                            break;
                        }
                        if let Some(v) = h.to_ascii_lowercase().strip_prefix("content-length:") {
                            len = v.trim().parse().unwrap();
                        }
                    }
                    let mut body = vec![0; len];
                    r.read_exact(&mut body).unwrap();
                    let body = String::from_utf8(body).unwrap();
                    let n = {
                        let mut s = seen.lock().unwrap();
                        *s += 1;
                        *s
                    };
                    let (status, answer) = if n <= fail {
                        (503, "{\"text\":\"Server is busy\",\"code\":9}".to_string())
                    } else if path == "/_bulk" {
                        let items: Vec<Value> = body
                            .lines()
                            .step_by(2)
                            .map(|l| {
                                let id = serde_json::from_str::<Value>(l).unwrap()["index"]["_id"]
                                    .as_str()
                                    .unwrap()
                                    .to_string();
                                *acc.lock().unwrap().entry(id.clone()).or_default() += 1;
                                serde_json::json!({"index": {"_id": id, "status": 201}})
                            })
                            .collect();
                        (
                            200,
                            serde_json::json!({"errors": false, "items": items}).to_string(),
                        )
                    } else {
                        for e in serde_json::Deserializer::from_str(&body).into_iter::<Value>() {
                            let id = e.unwrap()["event"]["event_id"]
                                .as_str()
                                .unwrap()
                                .to_string();
                            *acc.lock().unwrap().entry(id).or_default() += 1;
                        }
                        (200, "{\"text\":\"Success\",\"code\":0}".to_string())
                    };
                    let resp = format!(
                        "HTTP/1.1 {status} X\r\nContent-Length: {}\r\n\r\n{answer}",
                        answer.len()
                    );
                    if r.get_mut().write_all(resp.as_bytes()).is_err() {
                        return;
                    }
                }
            });
        }
    });
    (url, accepted)
}

#[test]
fn export_to_files_and_flaky_receivers() {
    let d = tmp("export");
    let har = traffic(&d);
    let reports = reports();
    let json = scan_json(&[]);
    let count = |k: &str| json[k].as_array().unwrap().len();
    let records = 1
        + count("endpoints")
        + count("findings")
        + count("policy_violations")
        + count("compliance_gaps");

    let file = d.join("hec.json");
    let out = apispm(&[
        "export",
        "splunk-hec",
        "-q",
        "--logs",
        &har,
        "--findings",
        &reports,
        "--index",
        "sec",
        "--out",
        file.to_str().unwrap(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&file).unwrap();
    assert_eq!(text.lines().count(), records);
    let first: Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    assert_eq!(
        (first["index"].as_str(), first["event"]["kind"].as_str()),
        (Some("sec"), Some("summary"))
    );

    let out = apispm(&["export", "elastic", "-q", "--logs", &har, "--out", "-"]);
    assert_eq!(out.status.code(), Some(0));
    let bulk = String::from_utf8(out.stdout).unwrap();
    assert_eq!(bulk.lines().count() % 2, 0);

    for (kind, token_flag) in [("splunk-hec", "--token"), ("elastic", "--api-key")] {
        let (url, accepted) = receiver(2);
        let out = apispm(&[
            "export",
            kind,
            "-q",
            "--logs",
            &har,
            "--findings",
            &reports,
            "--url",
            &url,
            token_flag,
            "t0ken",
            "--batch-size",
            "50",
        ]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{kind}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let acc = accepted.lock().unwrap();
        assert_eq!(acc.len(), records, "{kind}: every record delivered");
        assert!(acc.values().all(|n| *n == 1), "{kind}: none twice");
    }
}

#[test]
fn export_errors_have_their_exit_codes() {
    let d = tmp("export-errors");
    let har = traffic(&d);
    let out = apispm(&[
        "export",
        "splunk-hec",
        "-q",
        "--logs",
        &har,
        "--url",
        "http://127.0.0.1:9",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("token"));
    let out = apispm(&["export", "elastic", "-q", "--logs", &har]);
    assert_eq!(out.status.code(), Some(2), "--out or --url is required");
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let out = apispm(&[
        "export",
        "elastic",
        "-q",
        "--logs",
        &har,
        "--url",
        &format!("http://127.0.0.1:{port}"),
        "--max-attempts",
        "1",
    ]);
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("0 of"));
}

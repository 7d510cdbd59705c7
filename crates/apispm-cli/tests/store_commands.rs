//! `ingest`, `watch`, `report`, `findings`, `snapshots` and `diff` through the real binary on
//! a real SQLite database: the issue's acceptance scenario (two ingests two days apart with
//! a one-day window, a planted control regression, a planted finding that is resolved, MTTR),
//! `watch` across a restart, and a `kill -9` in the middle of an ingest.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const DAY: i64 = 86_400_000;
const T0: i64 = 1_767_225_600_000; // 2026-01-01T00:00:00Z

fn apispm(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_apispm"))
        .args(args)
        .env_remove("APISPM_DB")
        .output()
        .unwrap()
}

fn ok(args: &[&str]) -> String {
    let out = apispm(args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{args:?}\nstdout: {}\nstderr: {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn json(args: &[&str]) -> serde_json::Value {
    serde_json::from_str(&ok(args)).unwrap()
}

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("apispm-store-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// One Kong http-log record; `headers` are the response's security headers.
fn kong(t: i64, method: &str, uri: &str, auth: bool, rate_limited: bool) -> String {
    let auth = if auth {
        r#","authorization":"Bearer abc""#
    } else {
        ""
    };
    let rl = if rate_limited {
        r#""x-ratelimit-limit":"100","#
    } else {
        ""
    };
    format!(
        r#"{{"started_at":{t},"client_ip":"203.0.113.9","service":{{"name":"shop"}},"request":{{"method":"{method}","uri":"{uri}","url":"https://shop.example.com{uri}","headers":{{"host":"shop.example.com"{auth}}}}},"response":{{"status":200,"headers":{{{rl}"strict-transport-security":"max-age=1","x-content-type-options":"nosniff","x-frame-options":"DENY","content-security-policy":"default-src 'none'"}}}}}}"#
    )
}

fn write_log(path: &Path, lines: &[String]) {
    let mut f = std::fs::File::create(path).unwrap();
    for l in lines {
        writeln!(f, "{l}").unwrap();
    }
}

/// Day `d` of traffic: /orders is rate limited on day 0 but not on day 2 (a regression);
/// /admin lacks auth on day 0 and has it on day 2 (a finding that gets resolved).
fn day(d: i64, regress: bool) -> Vec<String> {
    (0..50)
        .flat_map(|i| {
            let t = T0 + d * DAY + i * 60_000;
            [
                kong(t, "GET", &format!("/orders/{}", 100 + i), true, !regress),
                kong(t + 1, "GET", "/admin", d >= 2, true),
            ]
        })
        .collect()
}

#[test]
fn two_days_one_day_window_regression_resolution_and_mttr() {
    let d = tmp("accept");
    let db = d.join("p.db");
    let db = db.to_str().unwrap();
    let (l1, l2) = (d.join("day0.jsonl"), d.join("day2.jsonl"));
    write_log(&l1, &day(0, false));
    write_log(&l2, &day(2, true));

    let s1 = json(&[
        "ingest",
        "--db",
        db,
        "--logs",
        l1.to_str().unwrap(),
        "--window",
        "1d",
        "-f",
        "json",
    ]);
    assert_eq!(s1["ingested"]["records"], 100);
    assert_eq!(s1["snapshot"]["id"], 1);
    let s2 = json(&[
        "ingest",
        "--db",
        db,
        "--logs",
        l2.to_str().unwrap(),
        "--window",
        "1d",
        "-f",
        "json",
    ]);
    assert_eq!(s2["snapshot"]["id"], 2);
    assert!(s2["snapshot"]["resolved"].as_u64().unwrap() >= 1);

    // Re-ingesting the same file counts nothing twice.
    let again = apispm(&[
        "ingest",
        "--db",
        db,
        "--logs",
        l2.to_str().unwrap(),
        "--no-snapshot",
    ]);
    assert_eq!(again.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&again.stderr).contains("ingested before"));

    let snaps = json(&["snapshots", "--db", db, "-f", "json"]);
    assert_eq!(snaps.as_array().unwrap().len(), 2);

    let diff = json(&["diff", "--db", db, "-f", "json"]);
    let regressions = diff["control_regressions"].as_array().unwrap();
    assert!(
        regressions
            .iter()
            .any(|c| c["control"] == "rate_limiting" && c["endpoint"]["path"] == "/orders/{id}"),
        "{diff:#}"
    );
    assert!(
        diff["control_fixes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["control"] == "authentication" && c["endpoint"]["path"] == "/admin"),
        "{diff:#}"
    );
    let table = ok(&["diff", "--db", db, "-f", "table"]);
    assert!(table.contains("Control regressions"), "{table}");

    let resolved = json(&["findings", "--db", db, "--state", "resolved", "-f", "json"]);
    let auth = resolved
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["kind"] == "missing_control" && f["key"] == "authentication")
        .expect("the /admin auth finding is resolved");
    assert_eq!(
        auth["resolved_ms"].as_i64().unwrap() - auth["opened_ms"].as_i64().unwrap(),
        2 * DAY
    );
    let open = json(&["findings", "--db", db, "-f", "json"]);
    assert!(
        open.as_array()
            .unwrap()
            .iter()
            .any(|f| f["kind"] == "missing_control" && f["key"] == "rate_limiting")
    );

    let report = json(&["report", "--db", db, "-f", "json"]);
    let mttr = report["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == "mean_time_to_remediate_days")
        .unwrap();
    assert_eq!(mttr["value"].as_f64(), Some(2.0), "{mttr}");
    let first = json(&["report", "--db", db, "--snapshot", "1", "-f", "json"]);
    assert_eq!(first["metrics"][7]["value"], serde_json::Value::Null);
    // The stored report renders like scan's.
    let md = ok(&["report", "--db", db, "-f", "markdown"]);
    assert!(md.contains("/orders/{id}"));
}

#[test]
fn database_errors_are_exit_2_with_the_reason() {
    let d = tmp("errors");
    let not_db = d.join("notes.txt");
    std::fs::write(
        &not_db,
        "plain text, certainly not a database file at all....",
    )
    .unwrap();
    let out = apispm(&["report", "--db", not_db.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not an apispm database"));
    let empty = d.join("empty.db");
    let out = apispm(&["report", "--db", empty.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no snapshot"));
    let out = apispm(&["ingest", "--db", empty.to_str().unwrap(), "--window", "3x"]);
    assert_eq!(out.status.code(), Some(2));
}

fn totals(db: &str) -> u64 {
    let r = json(&["report", "--db", db, "-f", "json"]);
    r["ingest"]["records"].as_u64().unwrap()
}

#[test]
fn watch_resumes_after_restart_and_follows_rotation() {
    let d = tmp("watch");
    let db = d.join("w.db");
    let db = db.to_str().unwrap();
    let log = d.join("access.jsonl");
    let lines = day(0, false);
    write_log(&log, &lines[..60]);
    let watch = || {
        ok(&[
            "watch",
            "--db",
            db,
            "--logs",
            log.to_str().unwrap(),
            "--once",
            "--poll",
            "10ms",
            "-q",
        ])
    };
    watch();
    assert_eq!(totals(db), 60);
    // More lines arrive, one of them still being written (no newline yet).
    {
        let mut f = std::fs::OpenOptions::new().append(true).open(&log).unwrap();
        for l in &lines[60..80] {
            writeln!(f, "{l}").unwrap();
        }
        write!(f, "{}", &lines[80][..40]).unwrap();
    }
    watch();
    assert_eq!(totals(db), 80, "the partial line waits");
    watch();
    assert_eq!(totals(db), 80, "a restart neither skips nor double-counts");
    {
        let mut f = std::fs::OpenOptions::new().append(true).open(&log).unwrap();
        writeln!(f, "{}", &lines[80][40..]).unwrap();
    }
    // Rotation while apispm is not running: the old file is finished first.
    std::fs::rename(&log, d.join("access.jsonl.1")).unwrap();
    write_log(&log, &lines[81..100]);
    watch();
    assert_eq!(totals(db), 100);
}

#[test]
fn kill_9_during_ingest_loses_nothing_committed_and_counts_nothing_twice() {
    let d = tmp("kill");
    let db = d.join("k.db");
    let db = db.to_str().unwrap();
    let small = d.join("small.jsonl");
    write_log(&small, &day(0, false));
    ok(&[
        "ingest",
        "--db",
        db,
        "--logs",
        small.to_str().unwrap(),
        "--no-snapshot",
        "-q",
    ]);
    // A large file, killed part way through.
    let big = d.join("big.jsonl");
    let lines: Vec<String> = (0..200_000i64)
        .map(|i| {
            kong(
                T0 + DAY + i * 100,
                "GET",
                &format!("/items/{}", i % 500),
                true,
                true,
            )
        })
        .collect();
    write_log(&big, &lines);
    let mut child = Command::new(env!("CARGO_BIN_EXE_apispm"))
        .args(["ingest", "--db", db, "--logs", big.to_str().unwrap(), "-q"])
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(150));
    child.kill().unwrap(); // SIGKILL
    let _ = child.wait();
    // The database opens, the committed batch is intact.
    let out = apispm(&[
        "ingest",
        "--db",
        db,
        "--logs",
        small.to_str().unwrap(),
        "-q",
        "-f",
        "json",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let t = totals(db);
    assert!(t == 100 || t == 200_100, "got {t}");
    // Running the killed ingest again completes it exactly once.
    ok(&["ingest", "--db", db, "--logs", big.to_str().unwrap(), "-q"]);
    ok(&["ingest", "--db", db, "--logs", big.to_str().unwrap(), "-q"]);
    assert_eq!(totals(db), 200_100);
}

/// The report of the latest snapshot without what legitimately differs between databases.
fn stable_report(db: &str) -> serde_json::Value {
    let mut r = json(&["report", "--db", db, "-f", "json"]);
    r.as_object_mut().unwrap().remove("ingest");
    r
}

#[test]
fn halves_at_the_same_time_equal_the_whole() {
    let d = tmp("halves");
    let lines: Vec<String> = (0..4)
        .flat_map(|k| day(k, k % 2 == 1))
        .chain((0..300).map(|i| {
            kong(
                T0 + i * 7_000,
                "GET",
                &format!("/users/name{}q/repos", i % 40),
                true,
                true,
            )
        }))
        .collect();
    let (a, b) = lines.split_at(lines.len() / 2 + 11);
    let (whole, ha, hb) = (d.join("whole.jsonl"), d.join("a.jsonl"), d.join("b.jsonl"));
    write_log(&whole, &lines);
    write_log(&ha, a);
    write_log(&hb, b);
    let one = d.join("one.db");
    let two = d.join("two.db");
    let (one, two) = (one.to_str().unwrap(), two.to_str().unwrap());
    ok(&[
        "ingest",
        "--db",
        one,
        "--logs",
        whole.to_str().unwrap(),
        "-q",
    ]);
    // Two ingesters into one database at once.
    let spawn = |f: &Path| {
        Command::new(env!("CARGO_BIN_EXE_apispm"))
            .args([
                "ingest",
                "--db",
                two,
                "--logs",
                f.to_str().unwrap(),
                "-q",
                "--no-snapshot",
            ])
            .spawn()
            .unwrap()
    };
    let (mut x, mut y) = (spawn(&hb), spawn(&ha));
    assert!(x.wait().unwrap().success() && y.wait().unwrap().success());
    ok(&["ingest", "--db", two, "--logs", ha.to_str().unwrap(), "-q"]); // a no-op + snapshot
    assert_eq!(stable_report(one), stable_report(two));
}

#[test]
fn diff_of_two_api_descriptions_names_the_loosening() {
    let d = tmp("specdiff");
    let old = serde_json::json!({
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "servers": [{"url": "https://api.example.com"}],
        "security": [{"bearer": []}],
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "paths": {"/users": {"post": {
            "requestBody": {"content": {"application/json": {"schema": {
                "type": "object", "additionalProperties": false,
                "properties": {"name": {"type": "string", "maxLength": 64}}}}}},
            "responses": {"201": {"description": "ok"}}}}}
    });
    let mut new = old.clone();
    new["servers"][0]["url"] = "http://api.example.com".into();
    new["security"] = serde_json::json!([]);
    let schema =
        &mut new["paths"]["/users"]["post"]["requestBody"]["content"]["application/json"]["schema"];
    schema["additionalProperties"] = true.into();
    schema["properties"]["name"]
        .as_object_mut()
        .unwrap()
        .remove("maxLength");
    new["paths"]["/admin"] =
        serde_json::json!({"get": {"responses": {"200": {"description": "ok"}}}});
    new["paths"]["/me"] = serde_json::json!({"get": {
        "security": [{"bearer": []}], "responses": {"200": {"description": "ok"}}}});
    let (o, n) = (d.join("old.json"), d.join("new.json"));
    std::fs::write(&o, old.to_string()).unwrap();
    std::fs::write(&n, new.to_string()).unwrap();
    let out = json(&[
        "diff",
        o.to_str().unwrap(),
        n.to_str().unwrap(),
        "-f",
        "json",
    ]);
    let kinds: Vec<&str> = out["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["kind"].as_str().unwrap())
        .collect();
    for k in [
        "security-removed",
        "new-operation-without-auth",
        "server-insecure",
        "schema-loosened",
        "operation-added",
    ] {
        assert!(kinds.contains(&k), "{k} missing from {kinds:?}");
    }
    let bad = apispm(&["diff", o.to_str().unwrap(), "/no/such/spec.yaml"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("/no/such/spec.yaml"));
}

#[test]
fn watch_stops_cleanly_on_sigterm_with_a_final_snapshot() {
    let d = tmp("sigterm");
    let db = d.join("s.db");
    let db = db.to_str().unwrap();
    let log = d.join("access.jsonl");
    write_log(&log, &day(0, false)[..30]);
    let mut child = Command::new(env!("CARGO_BIN_EXE_apispm"))
        .args([
            "watch",
            "--db",
            db,
            "--logs",
            log.to_str().unwrap(),
            "--interval",
            "1h",
            "--poll",
            "50ms",
            "-q",
        ])
        .spawn()
        .unwrap();
    // Give it time to read and commit (it polls every 50 ms), then stop it.
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let pid = child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
    let snaps = json(&["snapshots", "--db", db, "-f", "json"]);
    assert_eq!(
        snaps.as_array().unwrap().len(),
        1,
        "a final snapshot on SIGTERM"
    );
    assert_eq!(totals(db), 30);
}

/// An OWASP ZAP traditional JSON report (every number a string) with one alert on `uri`.
fn zap_report(uri: Option<&str>) -> String {
    let alerts = match uri {
        Some(u) => serde_json::json!([{
            "pluginid": "10021", "alertRef": "10021", "alert": "X-Content-Type-Options Header Missing",
            "name": "X-Content-Type-Options Header Missing", "riskcode": "3", "confidence": "2",
            "riskdesc": "High (Medium)", "desc": "<p>missing</p>", "solution": "<p>set it</p>",
            "cweid": "693", "wascid": "15", "count": "1",
            "instances": [{"uri": u, "method": "GET", "param": "", "attack": "", "evidence": ""}]
        }]),
        None => serde_json::json!([]),
    };
    serde_json::json!({
        "@version": "2.14.0", "@generated": "Thu, 1 Jan 2026 00:00:00",
        "site": [{"@name": "https://shop.example.com", "@host": "shop.example.com",
                  "@port": "443", "@ssl": "true", "alerts": alerts}]
    })
    .to_string()
}

#[test]
fn imported_findings_join_the_lifecycle() {
    let d = tmp("imported");
    let db = d.join("i.db");
    let db = db.to_str().unwrap();
    let log = d.join("day0.jsonl");
    write_log(&log, &day(0, false));
    let (z1, z2) = (d.join("zap1.json"), d.join("zap2.json"));
    std::fs::write(&z1, zap_report(Some("https://shop.example.com/orders/7"))).unwrap();
    std::fs::write(&z2, zap_report(None)).unwrap();
    ok(&[
        "ingest",
        "--db",
        db,
        "--logs",
        log.to_str().unwrap(),
        "--findings",
        z1.to_str().unwrap(),
        "-q",
    ]);
    let open = json(&["findings", "--db", db, "-f", "json"]);
    let zap = open
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["kind"] == "finding" && f["key"].as_str().unwrap().starts_with("zap:"))
        .unwrap_or_else(|| panic!("no ZAP finding in {open:#}"));
    assert_eq!(
        zap["path"], "/orders/{id}",
        "mapped through the learned template"
    );
    // The next ZAP scan is clean: the finding resolves at the next snapshot.
    ok(&[
        "ingest",
        "--db",
        db,
        "--findings",
        z2.to_str().unwrap(),
        "-q",
    ]);
    let resolved = json(&["findings", "--db", db, "--state", "resolved", "-f", "json"]);
    assert!(
        resolved
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["id"] == zap["id"]),
        "{resolved:#}"
    );
}

#[test]
fn a_stored_snapshot_exports_to_the_siem() {
    let d = tmp("export");
    let db = d.join("e.db");
    let db = db.to_str().unwrap();
    let log = d.join("day0.jsonl");
    write_log(&log, &day(0, false));
    ok(&["ingest", "--db", db, "--logs", log.to_str().unwrap(), "-q"]);
    let out = d.join("events.ndjson");
    ok(&[
        "export",
        "elastic",
        "--db",
        db,
        "--out",
        out.to_str().unwrap(),
        "-q",
    ]);
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(text.contains("/orders/{id}"), "{text}");
    // One action line per document.
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines.len() >= 4 && lines.len() % 2 == 0);
    let hec = d.join("hec.json");
    ok(&[
        "export",
        "splunk-hec",
        "--db",
        db,
        "--snapshot",
        "1",
        "--out",
        hec.to_str().unwrap(),
        "-q",
    ]);
    assert!(
        std::fs::read_to_string(&hec)
            .unwrap()
            .contains("\"sourcetype\"")
    );
    let none = apispm(&["export", "elastic", "--out", out.to_str().unwrap()]);
    assert_eq!(none.status.code(), Some(2), "neither --logs nor --db");
}

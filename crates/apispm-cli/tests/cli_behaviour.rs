//! Exit codes, bad input and output options, through the real binary.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

fn apispm(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_apispm"))
        .args(args)
        .output()
        .unwrap()
}

fn fixture() -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/seed-consistent-3k.jsonl")
        .display()
        .to_string()
}

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("apispm-cli-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn missing_log_file_is_exit_2_naming_it() {
    let out = apispm(&["scan", "--logs", "/no/such/traffic.jsonl"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/no/such/traffic.jsonl"));
}

#[test]
fn broken_policy_is_exit_2_naming_file_and_line() {
    let d = tmp("policy");
    let p = d.join("broken.yaml");
    std::fs::write(&p, "policies:\n  - name: x\n    scope: [unclosed\n").unwrap();
    let out = apispm(&[
        "scan",
        "--quiet",
        "--logs",
        &fixture(),
        "--policy",
        p.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("broken.yaml:"), "{err}");
    let out = apispm(&["policy", "validate", p.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn malformed_lines_are_counted_and_do_not_change_the_result() {
    let d = tmp("mixed");
    let clean = std::fs::read_to_string(fixture()).unwrap();
    let mut mixed = String::new();
    for (i, line) in clean.lines().enumerate() {
        if i % 500 == 7 {
            mixed.push_str("{\"service\": \"x\", \"method\": \"GET\"\n");
        }
        mixed.push_str(line);
        mixed.push('\n');
    }
    let p = d.join("mixed.jsonl");
    std::fs::write(&p, mixed).unwrap();
    let a = apispm(&["scan", "--quiet", "--format", "json", "--logs", &fixture()]);
    let b = apispm(&[
        "scan",
        "--quiet",
        "--format",
        "json",
        "--logs",
        p.to_str().unwrap(),
    ]);
    assert!(a.status.success() && b.status.success());
    let a: serde_json::Value = serde_json::from_slice(&a.stdout).unwrap();
    let b: serde_json::Value = serde_json::from_slice(&b.stdout).unwrap();
    assert_eq!(b["ingest"]["rejected"], 6);
    assert_eq!(b["ingest"]["files"][0]["errors"][0]["line"], 8);
    for k in [
        "total_apis",
        "average_risk_score",
        "risk_distribution",
        "metrics",
        "policy_violations",
    ] {
        assert_eq!(a[k], b[k], "{k}");
    }
}

#[test]
fn stdin_gzip_and_folders_are_read() {
    let d = tmp("inputs");
    let data = std::fs::read(fixture()).unwrap();
    let gz = d.join("sub/traffic.jsonl.gz");
    std::fs::create_dir_all(gz.parent().unwrap()).unwrap();
    let mut enc = flate2_free_gzip(&data);
    std::fs::write(&gz, enc.split_off(0)).unwrap();
    let out = apispm(&[
        "scan",
        "--quiet",
        "--format",
        "json",
        "--logs",
        d.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["ingest"]["records"], 3000);

    let mut child = Command::new(env!("CARGO_BIN_EXE_apispm"))
        .args(["scan", "--quiet", "--format", "json", "--logs", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(&data).unwrap();
    let out = child.wait_with_output().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["ingest"]["records"], 3000);
}

/// gzip via the system's `gzip` so the test needs no compression crate of its own.
fn flate2_free_gzip(data: &[u8]) -> Vec<u8> {
    let mut child = Command::new("gzip")
        .arg("-c")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("gzip on PATH");
    let mut stdin = child.stdin.take().unwrap();
    let owned = data.to_vec();
    let writer = std::thread::spawn(move || stdin.write_all(&owned));
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    out.stdout
}

#[test]
fn fail_on_trips_with_exit_1_and_output_files_are_written() {
    let d = tmp("gate");
    let out_file = d.join("r.md");
    let out = apispm(&[
        "scan",
        "--quiet",
        "--logs",
        &fixture(),
        "--format",
        "markdown",
        "-o",
        out_file.to_str().unwrap(),
        "--fail-on",
        "critical",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let md = std::fs::read_to_string(&out_file).unwrap();
    assert!(md.contains("## Metrics") && md.contains("require-authentication"));
    let out = apispm(&[
        "scan",
        "--quiet",
        "--logs",
        &fixture(),
        "--format",
        "table",
        "--color",
        "never",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(table.contains("FAIL") && table.contains("api_discovery_coverage"));
    assert!(!table.contains('\u{1b}'));
}

#[test]
fn sensitive_values_never_reach_the_report() {
    let d = tmp("secret");
    let p = d.join("s.jsonl");
    std::fs::write(
        &p,
        concat!(
            r#"{"service":"pay","method":"POST","path":"/charge","classification":"external","body":"{\"card\":\"4111111111111111\",\"ssn\":\"536-22-8741\"}"}"#,
            "\n"
        ),
    )
    .unwrap();
    let out = apispm(&[
        "scan",
        "--quiet",
        "--format",
        "json",
        "--logs",
        p.to_str().unwrap(),
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("credit_card") && text.contains("ssn"),
        "{text}"
    );
    assert!(!text.contains("4111111111111111") && !text.contains("536-22-8741"));
}

#[test]
fn non_log_files_found_in_folders_are_skipped_but_named_ones_stop_the_run() {
    let d = tmp("folder");
    std::fs::copy(fixture(), d.join("traffic.jsonl")).unwrap();
    std::fs::write(d.join("README.md"), "# not a log\n").unwrap();
    let out = apispm(&["scan", "--format", "json", "--logs", d.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["ingest"]["records"], 3000);
    let files = v["ingest"]["files"].as_array().unwrap();
    assert!(files.iter().any(|f| f["path"].as_str().unwrap().ends_with("README.md") && f["skipped"].is_string()));
    assert!(String::from_utf8_lossy(&out.stderr).contains("README.md: skipped"));
    let named = apispm(&["scan", "--logs", d.join("README.md").to_str().unwrap()]);
    assert_eq!(named.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&named.stderr).contains("README.md"));
}

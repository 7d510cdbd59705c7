//! `apispm audit` and `apispm check` through the real binary: formats, exit codes, bad input,
//! `x-apispm-ignore`, and the baseline that grandfathers findings across edits.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn apispm(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_apispm"))
        .args(args)
        .env_remove("APISPM_CONFIG")
        .output()
        .unwrap()
}

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("apispm-audit-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A small API with a plain-HTTP server (HIGH), an anonymous write (HIGH) and lesser findings.
const SPEC: &str = "\
openapi: 3.0.3
info: {title: shop, version: '1'}
servers:
  - url: http://shop.example.com
    description: production
    x-internal: false
security:
  - bearer: []
paths:
  /orders:
    get:
      responses:
        '200': {description: ok}
  /orders/{order_id}:
    delete:
      security: []
      parameters:
        - {name: order_id, in: path, required: true, schema: {type: string, format: uuid}}
      responses:
        '204': {description: deleted}
components:
  securitySchemes:
    bearer: {type: http, scheme: bearer}
";

fn write_spec(dir: &Path, text: &str) -> PathBuf {
    let p = dir.join("shop.yaml");
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn audit_reports_json_with_locations_and_gates() {
    let d = tmp("audit");
    let spec = write_spec(&d, SPEC);
    let out = apispm(&["audit", s(&spec), "--format", "json"]);
    assert_eq!(out.status.code(), Some(0));
    let v = json(&out);
    let findings = v["findings"].as_array().unwrap();
    assert!(!findings.is_empty());
    assert_eq!(v["summary"]["findings"], findings.len());
    let http = findings
        .iter()
        .find(|f| f["rule"] == "owasp:api8:2023-no-server-http")
        .unwrap();
    assert_eq!(http["severity"], "HIGH");
    assert_eq!(http["category"], "API8:2023 Security Misconfiguration");
    assert_eq!(http["location"]["pointer"], "/servers/0/url");
    assert_eq!(http["location"]["line"], 4);
    assert_eq!(http["location"]["column"], 5);
    assert!(
        http["location"]["file"]
            .as_str()
            .unwrap()
            .ends_with("shop.yaml")
    );
    assert!(!http["remediation"].as_str().unwrap().is_empty());
    let delete = findings
        .iter()
        .find(|f| f["rule"] == "owasp:api2:2023-write-restricted")
        .unwrap();
    assert_eq!(delete["method"], "DELETE");
    assert_eq!(delete["path"], "/orders/{order_id}");

    assert_eq!(
        apispm(&[
            "audit",
            s(&spec),
            "-q",
            "--format",
            "json",
            "--fail-on",
            "high"
        ])
        .status
        .code(),
        Some(1)
    );
    assert_eq!(
        apispm(&[
            "audit",
            s(&spec),
            "-q",
            "--format",
            "json",
            "--fail-on",
            "critical"
        ])
        .status
        .code(),
        Some(0)
    );

    // -o writes the file (JSON by default) and nothing to standard output.
    let o = d.join("out.json");
    let out = apispm(&["audit", s(&spec), "-o", s(&o)]);
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stdout.is_empty());
    let written: Value = serde_json::from_str(&std::fs::read_to_string(&o).unwrap()).unwrap();
    assert_eq!(written["summary"]["findings"], findings.len());

    let md = apispm(&["audit", s(&spec), "--format", "markdown"]);
    let md = String::from_utf8(md.stdout).unwrap();
    assert!(md.starts_with("## API description audit"), "{md}");
    assert!(md.contains("`owasp:api8:2023-no-server-http`"));
    let table =
        String::from_utf8(apispm(&["audit", s(&spec), "--format", "table"]).stdout).unwrap();
    assert!(table.contains("shop.yaml:4:5"), "{table}");
}

#[test]
fn audit_sarif_has_rules_results_and_fingerprints() {
    let d = tmp("sarif");
    let spec = write_spec(&d, SPEC);
    let all = json(&apispm(&["audit", s(&spec), "--format", "json"]));
    let out = apispm(&["audit", s(&spec), "--format", "sarif"]);
    assert_eq!(out.status.code(), Some(0));
    let v = json(&out);
    assert_eq!(v["version"], "2.1.0");
    let run = &v["runs"][0];
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), all["findings"].as_array().unwrap().len());
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    for r in results {
        let idx = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[idx]["id"], r["ruleId"]);
        let region = &r["locations"][0]["physicalLocation"]["region"];
        assert!(region["startLine"].as_u64().unwrap() >= 1);
        assert!(
            r["partialFingerprints"]
                .as_object()
                .is_some_and(|o| !o.is_empty())
        );
    }
    for rule in rules {
        assert!(rule["shortDescription"]["text"].is_string());
        assert!(rule["fullDescription"]["text"].is_string());
        assert!(rule["help"]["text"].is_string());
        assert!(rule["properties"]["security-severity"].is_string());
    }
}

#[test]
fn bad_input_is_exit_2_with_file_and_line() {
    let d = tmp("bad");
    let out = apispm(&["audit", "/no/such/spec.yaml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/no/such/spec.yaml"));

    let broken = d.join("broken.yaml");
    std::fs::write(&broken, "openapi: 3.0.0\npaths:\n  /a: [\n").unwrap();
    let out = apispm(&["audit", s(&broken)]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("broken.yaml"), "{err}");

    let broken = d.join("broken.json");
    std::fs::write(&broken, "{\n  \"openapi\": \"3.0.0\",\n  \"paths\": {,}\n}").unwrap();
    let out = apispm(&["audit", s(&broken)]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("broken.json:3:"));

    let not_api = d.join("config.yaml");
    std::fs::write(&not_api, "name: x\n").unwrap();
    assert_eq!(apispm(&["audit", s(&not_api)]).status.code(), Some(2));

    let no_reason = write_spec(
        &d,
        &SPEC.replace(
            "    delete:\n",
            "    delete:\n      x-apispm-ignore:\n        - rule: owasp:api2:2023-write-restricted\n",
        ),
    );
    let out = apispm(&["audit", s(&no_reason)]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("shop.yaml:17:11: x-apispm-ignore"), "{err}");
    assert_eq!(
        apispm(&["check", "--spec", s(&no_reason)]).status.code(),
        Some(2)
    );
}

#[test]
fn ignored_findings_are_counted_as_suppressed() {
    let d = tmp("ignore");
    let spec = write_spec(
        &d,
        &SPEC.replace(
            "    delete:\n",
            "    delete:\n      x-apispm-ignore:\n        - rule: owasp:api2:2023-write-restricted\n          reason: cancellations are signed links\n        - rule: apispm:operation-without-security\n          reason: cancellations are signed links\n",
        ),
    );
    let v = json(&apispm(&["audit", s(&spec), "--format", "json"]));
    assert_eq!(v["summary"]["suppressed"], 2);
    let sup = v["suppressed"].as_array().unwrap();
    assert!(
        sup.iter()
            .all(|x| x["reason"] == "cancellations are signed links")
    );
    assert!(
        sup.iter()
            .any(|x| x["rule"] == "owasp:api2:2023-write-restricted")
    );
    assert!(
        !v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule"] == "owasp:api2:2023-write-restricted")
    );
    // The remaining HIGH (plain HTTP) still trips the gate; silencing it too passes.
    assert_eq!(
        apispm(&[
            "audit",
            s(&spec),
            "-q",
            "--format",
            "json",
            "--fail-on",
            "high"
        ])
        .status
        .code(),
        Some(1)
    );
    let spec = write_spec(
        &d,
        &std::fs::read_to_string(&spec).unwrap().replace(
            "    x-internal: false\n",
            "    x-internal: false\n    x-apispm-ignore: [{rule: owasp:api8:2023-no-server-http, reason: TLS ends at the load balancer}]\n",
        ),
    );
    assert_eq!(
        apispm(&[
            "audit",
            s(&spec),
            "-q",
            "--format",
            "json",
            "--fail-on",
            "high"
        ])
        .status
        .code(),
        Some(0)
    );
}

#[test]
fn check_baseline_grandfathers_findings_across_edits() {
    let d = tmp("baseline");
    let spec = write_spec(&d, SPEC);
    let baseline = d.join("apispm-baseline.json");

    let out = apispm(&[
        "check",
        "--spec",
        s(&spec),
        "--fail-on",
        "high",
        "--format",
        "json",
        "-q",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let v = json(&out);
    assert_eq!(v["gate"]["tripped"], true);
    assert!(v["gate"]["new_at_or_above"].as_u64().unwrap() >= 2);

    // A missing baseline is an input error unless it is being created.
    let out = apispm(&["check", "--spec", s(&spec), "--baseline", s(&baseline)]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("apispm-baseline.json"));

    let out = apispm(&[
        "check",
        "--spec",
        s(&spec),
        "--fail-on",
        "high",
        "--baseline",
        s(&baseline),
        "--update-baseline",
        "--format",
        "json",
        "-q",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let b: Value = serde_json::from_str(&std::fs::read_to_string(&baseline).unwrap()).unwrap();
    let total = v["items"].as_array().unwrap().len();
    // Two findings of one rule at one node (a 429 missing, and so its body) share a fingerprint.
    let distinct: std::collections::BTreeSet<&str> = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["fingerprint"].as_str().unwrap())
        .collect();
    assert_eq!(b["fingerprints"].as_array().unwrap().len(), distinct.len());

    // Everything is grandfathered: reported as such, the gate passes.
    let out = apispm(&[
        "check",
        "--spec",
        s(&spec),
        "--fail-on",
        "high",
        "--baseline",
        s(&baseline),
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let v = json(&out);
    assert_eq!(v["gate"]["baselined"], total);
    assert_eq!(v["gate"]["new"], 0);
    assert!(
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["baselined"] == true)
    );

    // Lines move (a description above everything) and a new anonymous write appears: only
    // the new operation's findings are new.
    let edited = SPEC
        .replace(
            "info: {title: shop, version: '1'}\n",
            "info:\n  title: shop\n  version: '2'\n  description: |\n    Orders.\n    Now with refunds.\n",
        )
        .replace(
            "components:\n",
            "  /refunds:\n    post:\n      security: []\n      responses:\n        '201': {description: created}\ncomponents:\n",
        );
    let spec = write_spec(&d, &edited);
    let out = apispm(&[
        "check",
        "--spec",
        s(&spec),
        "--fail-on",
        "high",
        "--baseline",
        s(&baseline),
        "--format",
        "json",
        "-q",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let v = json(&out);
    let new: Vec<&Value> = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["baselined"] == false)
        .collect();
    assert!(!new.is_empty());
    assert!(
        new.iter().all(|i| i["fingerprint"]
            .as_str()
            .unwrap()
            .contains("/paths/~1refunds/post")),
        "{new:#?}"
    );
    assert_eq!(v["gate"]["baselined"], total);

    // The table says what is grandfathered; markdown is ready for a PR comment.
    let out = apispm(&[
        "check",
        "--spec",
        s(&spec),
        "--baseline",
        s(&baseline),
        "--format",
        "table",
        "-q",
    ]);
    let t = String::from_utf8(out.stdout).unwrap();
    assert!(
        t.contains(&format!("baseline: {total} grandfathered")),
        "{t}"
    );
    assert!(t.contains("FAILED"), "{t}");
    let out = apispm(&[
        "check",
        "--spec",
        s(&spec),
        "--baseline",
        s(&baseline),
        "--format",
        "markdown",
        "-q",
    ]);
    assert!(
        String::from_utf8(out.stdout)
            .unwrap()
            .starts_with("## apispm check")
    );

    // A corrupt baseline is exit 2 with its line.
    std::fs::write(
        &baseline,
        "{\n  \"version\": 1,\n  \"fingerprints\": [1]\n}",
    )
    .unwrap();
    let out = apispm(&["check", "--spec", s(&spec), "--baseline", s(&baseline)]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("apispm-baseline.json:3:"));
}

fn logs() -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/seed-consistent-3k.jsonl")
        .display()
        .to_string()
}

#[test]
fn check_with_logs_gates_on_policy_violations_too() {
    let d = tmp("logs");
    let spec = write_spec(
        &d,
        &SPEC
            .replace("http://", "https://")
            .replace("      security: []\n", ""),
    );
    // The spec alone passes at HIGH.
    let out = apispm(&[
        "check",
        "--spec",
        s(&spec),
        "--fail-on",
        "high",
        "--format",
        "json",
        "-q",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    // The traffic breaks the built-in policies (the fixture has shadow and unauthenticated
    // endpoints), so the same gate trips.
    let out = apispm(&[
        "check",
        "--spec",
        s(&spec),
        "--logs",
        &logs(),
        "--fail-on",
        "high",
        "--format",
        "json",
        "-q",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let v = json(&out);
    assert!(v["scan"]["total_apis"].as_u64().unwrap() > 0);
    let items = v["items"].as_array().unwrap();
    assert!(items.iter().any(|i| i["kind"] == "policy"));
    // Baselining them lets the pipeline pass until something new appears.
    let baseline = d.join("b.json");
    let out = apispm(&[
        "check",
        "--spec",
        s(&spec),
        "--logs",
        &logs(),
        "--baseline",
        s(&baseline),
        "--update-baseline",
        "-q",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let out = apispm(&[
        "check",
        "--spec",
        s(&spec),
        "--logs",
        &logs(),
        "--baseline",
        s(&baseline),
        "-q",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(json(&out)["gate"]["new"], 0);

    // A broken policy file is an input error, with or without logs.
    let p = d.join("policy.yaml");
    std::fs::write(&p, "policies:\n  - name: x\n    scope: [unclosed\n").unwrap();
    assert_eq!(
        apispm(&["check", "--spec", s(&spec), "--policy", s(&p), "-q"])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        apispm(&[
            "check",
            "--spec",
            s(&spec),
            "--logs",
            &logs(),
            "--policy",
            s(&p),
            "-q"
        ])
        .status
        .code(),
        Some(2)
    );
}

#[test]
fn check_gates_on_imported_findings() {
    let d = tmp("import");
    let spec = write_spec(
        &d,
        &SPEC
            .replace("http://", "https://")
            .replace("      security: []\n", ""),
    );
    let sarif = d.join("scanner.sarif");
    std::fs::write(
        &sarif,
        r#"{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "Semgrep", "rules": [{"id": "sqli", "defaultConfiguration": {"level": "error"}, "properties": {"security-severity": "9.1"}}]}},
           "results": [{"ruleId": "sqli", "level": "error", "message": {"text": "SQL injection"},
                        "locations": [{"physicalLocation": {"artifactLocation": {"uri": "src/orders.py"}, "region": {"startLine": 12}}}]}]}]}"#,
    )
    .unwrap();
    let out = apispm(&[
        "check",
        "--spec",
        s(&spec),
        "--findings",
        s(&sarif),
        "--fail-on",
        "high",
        "--format",
        "json",
        "-q",
    ]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = json(&out);
    assert!(
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["kind"] == "finding" && i["rule"] == "sqli")
    );
}

//! The CLI against the seed's own pipeline: on traffic whose samples agree per endpoint, the
//! report, every endpoint's id, score, controls and sensitive types, the policy violations and
//! the metrics must equal what `seed_reference.py` and the policy oracle computed (fixtures, see
//! fixtures/README.md for how they were made).

use serde_json::Value;
use std::collections::HashMap;
use std::path::PathBuf;
use std::process::Command;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn load(name: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(fixture(name)).unwrap()).unwrap()
}

fn scan_fixture() -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_apispm"))
        .args([
            "scan",
            "--log-format",
            "seed",
            "--format",
            "json",
            "--quiet",
            "--logs",
        ])
        .arg(fixture("seed-consistent-3k.jsonl"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn report_equals_the_seed_reference() {
    let reference = load("seed-consistent-3k.reference.json");
    let got = scan_fixture();
    for key in [
        "total_apis",
        "undocumented_apis",
        "missing_authentication",
        "missing_tls",
        "average_risk_score",
    ] {
        assert_eq!(got[key], reference[key], "{key}");
    }
    for (bucket, n) in reference["risk_distribution"].as_object().unwrap() {
        assert_eq!(
            &got["risk_distribution"][bucket], n,
            "risk_distribution.{bucket}"
        );
    }
    for (class, n) in reference["classification"].as_object().unwrap() {
        assert_eq!(&got["classification"][class], n, "classification.{class}");
    }
    let mut want_top: Vec<f64> = reference["top_risks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["risk_score"].as_f64().unwrap())
        .collect();
    let mut got_top: Vec<f64> = got["top_risks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["risk_score"].as_f64().unwrap())
        .collect();
    want_top.sort_by(f64::total_cmp);
    got_top.sort_by(f64::total_cmp);
    assert_eq!(got_top, want_top);
}

#[test]
fn every_endpoint_matches_id_score_controls_and_sensitive_types() {
    let reference = load("seed-consistent-3k.reference.json");
    let got = scan_fixture();
    let by_id: HashMap<&str, &Value> = got["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["api_id"].as_str().unwrap(), e))
        .collect();
    let want = reference["endpoints"].as_array().unwrap();
    assert_eq!(by_id.len(), want.len());
    for w in want {
        let id = w["api_id"].as_str().unwrap();
        let g = by_id
            .get(id)
            .unwrap_or_else(|| panic!("endpoint {id} missing"));
        for k in [
            "service",
            "method",
            "path",
            "classification",
            "documented",
            "sensitive_data_types",
        ] {
            assert_eq!(g[k], w[k], "{id} {k}");
        }
        // The seed writes a capped score as the integer 100.
        assert_eq!(
            g["risk_score"].as_f64(),
            w["risk_score"].as_f64(),
            "{id} risk_score"
        );
        let gc = g["security_controls"].as_array().unwrap();
        let wc = w["security_controls"].as_array().unwrap();
        assert_eq!(gc.len(), wc.len());
        for (a, b) in gc.iter().zip(wc) {
            for k in ["name", "present", "required", "severity"] {
                assert_eq!(a[k], b[k], "{id} control {} {k}", b["name"]);
            }
            let ratio = a["observed_ratio"].as_f64().unwrap();
            assert_eq!(
                ratio == 1.0,
                b["present"].as_bool().unwrap(),
                "{id} {} ratio",
                b["name"]
            );
        }
    }
}

#[test]
fn violations_and_metrics_equal_the_policy_oracle() {
    let oracle = load("seed-consistent-3k.oracle.json");
    let got = scan_fixture();
    let mut counts: HashMap<&str, u64> = HashMap::new();
    for v in got["policy_violations"].as_array().unwrap() {
        *counts.entry(v["policy"].as_str().unwrap()).or_default() += 1;
    }
    for (policy, n) in oracle["violations"].as_object().unwrap() {
        assert_eq!(
            counts.get(policy.as_str()).copied().unwrap_or(0),
            n.as_u64().unwrap(),
            "{policy}"
        );
    }
    let metrics: HashMap<&str, &Value> = got["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["name"].as_str().unwrap(), m))
        .collect();
    for (name, v) in oracle["metrics"].as_object().unwrap() {
        let m = metrics[name.as_str()];
        assert!(
            (m["value"].as_f64().unwrap() - v.as_f64().unwrap()).abs() < 0.051,
            "{name}: {} vs {v}",
            m["value"]
        );
        assert!(m["met"].is_boolean() && m["target"].is_string(), "{name}");
    }
    let mttr = metrics["mean_time_to_remediate_days"];
    assert!(mttr["value"].is_null() && mttr["met"].is_null());
}

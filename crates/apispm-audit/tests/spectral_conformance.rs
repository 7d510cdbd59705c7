//! Agreement with the Spectral OWASP ruleset's own test fixtures (see
//! `tests/fixtures/spectral-owasp/README.md`): each case's document is audited alone, the
//! findings of the case's rule are compared with what Spectral reports (count, and the paths
//! where the test asserted them). The rate must stay at or above 95%.

use apispm_audit::{SpecDocument, audit_document, pointer};
use serde_json::Value;

/// Fixtures that do not test their rule (as the shared README notes): a valid case without
/// `paths` for a rule that only looks under `paths`, twice, and a valid case that expects one
/// result for `additionalProperties: false`, which the rule cannot produce.
const UNRELIABLE: [(&str, &str); 3] = [
    ("owasp:api2:2023-no-credentials-in-url", "valid case"),
    (
        "owasp:api3:2023-no-additionalProperties",
        "valid case: additionalProperties set to false (oas3)",
    ),
    ("owasp:api7:2023-concerning-url-parameter", "valid case"),
];

fn expected_pointer(path: &[Value]) -> String {
    let mut p = String::new();
    for seg in path {
        let s = match seg {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        p = pointer::join(&p, &s);
    }
    p
}

#[test]
fn agreement_with_spectral_fixtures_is_at_least_95_percent() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/spectral-owasp/cases.json"
    ))
    .unwrap();
    let rules: Vec<Value> = serde_json::from_str(&text).unwrap();
    let (mut total, mut agreed, mut skipped) = (0usize, 0usize, 0usize);
    let mut disagreements = Vec::new();
    let mut rules_seen = 0;
    for rule in &rules {
        let id = rule["name"].as_str().unwrap();
        assert!(apispm_audit::rule(id).is_some(), "no rule {id}");
        rules_seen += 1;
        for case in rule["cases"].as_array().unwrap() {
            let name = case["name"].as_str().unwrap();
            if UNRELIABLE.contains(&(id, name)) {
                skipped += 1;
                continue;
            }
            total += 1;
            let doc_text = serde_json::to_string_pretty(&case["document"]).unwrap();
            let doc = SpecDocument::parse(doc_text, "case.json")
                .unwrap_or_else(|e| panic!("{id} / {name}: {e}"));
            let found: Vec<String> = audit_document(&doc)
                .findings
                .into_iter()
                .filter(|f| f.rule == id)
                .map(|f| f.location.unwrap().pointer.unwrap())
                .collect();
            let errors = case["errors"].as_array().unwrap();
            let mut ok = found.len() == errors.len();
            if ok && errors.iter().all(|e| e.get("path").is_some()) {
                let mut want: Vec<String> = errors
                    .iter()
                    .map(|e| expected_pointer(e["path"].as_array().unwrap()))
                    .collect();
                let mut got = found.clone();
                want.sort();
                got.sort();
                ok = want == got;
            }
            if ok {
                agreed += 1;
            } else {
                disagreements.push(format!(
                    "{id} / {name}: expected {:?}, found {found:?}",
                    errors.iter().map(|e| e.get("path")).collect::<Vec<_>>()
                ));
            }
        }
    }
    let rate = agreed as f64 / total as f64 * 100.0;
    println!(
        "Spectral OWASP fixtures: {agreed}/{total} agree ({rate:.1}%), {skipped} unreliable left out, {rules_seen} rules"
    );
    for d in &disagreements {
        println!("  differs: {d}");
    }
    assert!(rate >= 95.0, "agreement {rate:.1}% is below 95%");
}

//! A minimal SARIF 2.1.0 log of findings, for GitHub code scanning: one run, the rules used
//! (descriptions, help, `security-severity`), results located in the API description with a
//! line and column, and the baseline fingerprint as `partialFingerprints`.

use crate::{fingerprint, rules};
use apispm_core::{Finding, Severity};
use serde_json::{Value, json};

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

/// GitHub's scale: over 9.0 critical, 7.0–8.9 high, 4.0–6.9 medium, under 4.0 low.
fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "0.0",
    }
}

fn rule_descriptor(f: &Finding) -> Value {
    let mut tags = vec!["security".to_string()];
    if let Some(c) = &f.category {
        tags.push(c.clone());
    }
    match rules::rule(&f.rule) {
        Some(r) => json!({
            "id": r.id,
            "name": r.title,
            "shortDescription": {"text": r.title},
            "fullDescription": {"text": r.description},
            "help": {"text": r.remediation, "markdown": format!("**{}**\n\n{}\n\nRemediation: {}", r.title, r.description, r.remediation)},
            "defaultConfiguration": {"level": level(r.severity)},
            "properties": {"security-severity": security_severity(r.severity), "tags": tags},
        }),
        None => json!({
            "id": f.rule,
            "name": f.title,
            "shortDescription": {"text": f.title},
            "fullDescription": {"text": f.title},
            "help": {"text": if f.remediation.is_empty() { f.title.clone() } else { f.remediation.clone() }},
            "defaultConfiguration": {"level": level(f.severity)},
            "properties": {"security-severity": security_severity(f.severity), "tags": tags},
        }),
    }
}

pub fn render(findings: &[Finding]) -> String {
    let mut rule_ids: Vec<&str> = Vec::new();
    let mut descriptors = Vec::new();
    let mut results = Vec::new();
    for f in findings {
        let index = match rule_ids.iter().position(|r| *r == f.rule) {
            Some(i) => i,
            None => {
                rule_ids.push(&f.rule);
                descriptors.push(rule_descriptor(f));
                rule_ids.len() - 1
            }
        };
        let location = match &f.location {
            Some(l) => json!({
                "physicalLocation": {
                    "artifactLocation": {"uri": l.file.replace('\\', "/")},
                    "region": {"startLine": l.line.max(1), "startColumn": l.column.max(1)},
                },
                "logicalLocations": l.pointer.as_ref().map(|p| vec![json!({"fullyQualifiedName": p, "kind": "object"})]).unwrap_or_default(),
            }),
            None => json!({
                "logicalLocations": [{
                    "name": format!("{} {}", f.method.as_deref().unwrap_or(""), f.path.as_deref().or(f.url.as_deref()).unwrap_or("")).trim().to_string(),
                    "fullyQualifiedName": f.api_id.clone().unwrap_or_default(),
                    "kind": "function",
                }],
            }),
        };
        results.push(json!({
            "ruleId": f.rule,
            "ruleIndex": index,
            "level": level(f.severity),
            "message": {"text": format!("{}: {}", f.title, f.detail)},
            "locations": [location],
            "partialFingerprints": {"apispmFingerprint/v1": fingerprint(f)},
            "properties": {"severity": f.severity.name(), "source": f.source},
        }));
    }
    let log = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "apispm",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://example.invalid/apispm",
                "rules": descriptors,
            }},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    });
    let mut s = serde_json::to_string_pretty(&log).expect("a SARIF log serializes");
    s.push('\n');
    s
}

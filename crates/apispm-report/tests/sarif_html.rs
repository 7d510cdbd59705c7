//! SARIF output validates against the OASIS SARIF 2.1.0 schema, meets GitHub code
//! scanning's rule and result requirements, and reads back through apispm's own importer;
//! the HTML report is one self-contained, escaped file.

use apispm_core::compliance::ComplianceGap;
use apispm_core::{
    Classification, Control, EndpointKey, Finding, Labels, RiskModel, Severity, SourceLocation,
    Tally, assess,
};
use apispm_policy::PolicySet;
use apispm_report::{OutputFormat, Report, ReportInput, build, findings_to_sarif, render};
use serde_json::Value;
use std::path::Path;

fn endpoint(service: &str, method: &str, path: &str, requests: u64) -> apispm_core::Assessment {
    let t = Tally {
        requests,
        ..Tally::default()
    };
    let labels = Labels {
        classification: Classification::External,
        exposure: Classification::External,
        documented: false,
        spec_validates_input: false,
    };
    let key = EndpointKey {
        service: service.into(),
        method: method.into(),
        path: path.into(),
    };
    assess(&key, &t, &labels, &RiskModel::default())
}

fn finding(source: &str, rule: &str, sev: Severity) -> Finding {
    Finding {
        source: source.into(),
        rule: rule.into(),
        category: None,
        severity: sev,
        title: format!("{rule} title"),
        detail: String::new(),
        api_id: None,
        service: None,
        method: None,
        path: None,
        url: None,
        remediation: String::new(),
        location: None,
    }
}

/// A report with every kind of result: mapped and unmapped findings, one with a file place,
/// hostile text, policy violations and a compliance gap.
fn report() -> Report {
    let users = endpoint("users-svc", "GET", "/users/{id}", 12);
    let login = endpoint(
        "auth <svc>",
        "POST",
        "/login\"><script>alert(1)</script>",
        3,
    );
    let violations: Vec<_> = [&users, &login]
        .iter()
        .flat_map(|a| PolicySet::builtin().evaluate(a))
        .collect();
    assert!(!violations.is_empty());
    let mapped = Finding {
        category: Some("API2:2023 Broken Authentication".into()),
        title: "GET /users/{id} answered 2xx without credentials".into(),
        detail: "3 request(s) without credentials".into(),
        remediation: "Enforce authentication".into(),
        api_id: Some(users.api_id.clone()),
        service: Some("users-svc".into()),
        method: Some("GET".into()),
        path: Some("/users/{id}".into()),
        ..finding("apispm", "unauthenticated-success", Severity::High)
    };
    let spec_place = Finding {
        location: Some(SourceLocation {
            file: "specs\\users api.yaml".into(),
            pointer: Some("/paths/~1users~1{id}/get".into()),
            line: 41,
            column: 7,
        }),
        category: Some("API4:2023 Unrestricted Resource Consumption".into()),
        ..finding("apispm", "owasp:api4:2023-rate-limit", Severity::Medium)
    };
    let zap = Finding {
        url: Some("https://other.example/x".into()),
        method: Some("GET".into()),
        service: Some("other.example".into()),
        title: "<img src=x onerror=alert(1)> & co".into(),
        ..finding("zap", "10021", Severity::Low)
    };
    let nuclei_host = Finding {
        service: Some("legacy.example.com".into()),
        ..finding("nuclei", "tls-version", Severity::Info)
    };
    let critical = Finding {
        api_id: Some(users.api_id.clone()),
        service: Some("users-svc".into()),
        method: Some("GET".into()),
        path: Some("/users/{id}".into()),
        ..finding("nuclei", "CVE-2021-44228", Severity::Critical)
    };
    let gap = ComplianceGap {
        api_id: login.api_id.clone(),
        service: login.service.clone(),
        method: login.method.clone(),
        path: login.path.clone(),
        framework: "PCI DSS v4.0".into(),
        tag: "pci-dss".into(),
        requirement: "PCI DSS v4.0 requirement 4.2.1".into(),
        control: Control::TransportEncryption,
        severity: Severity::Critical,
        description: "Cardholder data is transmitted without TLS".into(),
        remediation: "Serve the endpoint over TLS 1.2+ only".into(),
    };
    build(ReportInput {
        endpoints: vec![users, login],
        violations,
        findings: vec![mapped, spec_place, zap, nuclei_host, critical],
        compliance_gaps: vec![gap],
        deprecation_candidates: Vec::new(),
        ingest: serde_json::json!({}),
        report_date: "2026-12-04T10:00:00Z".into(),
        mttr_days: None,
    })
}

fn schema_validator() -> jsonschema::Validator {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sarif-schema-2.1.0.json");
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the SARIF schema compiles")
}

fn assert_valid(v: &jsonschema::Validator, doc: &Value) {
    let errors: Vec<String> = v
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "SARIF schema errors: {errors:#?}");
}

#[test]
fn the_validator_rejects_broken_sarif() {
    // The check below can fail: a result without a message and a region line 0 are errors.
    let v = schema_validator();
    let bad = serde_json::json!({"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}},
        "results": [{"ruleId": "r", "locations": [{"physicalLocation": {"artifactLocation": {"uri": "a"}, "region": {"startLine": 0}}}]}]}]});
    assert!(v.iter_errors(&bad).count() >= 2);
}

#[test]
fn report_sarif_validates_and_meets_code_scanning_requirements() {
    let r = report();
    let text = render(&r, OutputFormat::Sarif, false);
    let doc: Value = serde_json::from_str(&text).unwrap();
    assert_valid(&schema_validator(), &doc);

    let run = &doc["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "apispm");
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let results = run["results"].as_array().unwrap();
    assert_eq!(
        results.len(),
        r.findings.len() + r.policy_violations.len() + r.compliance_gaps.len()
    );
    let mut ids = std::collections::BTreeSet::new();
    for rule in rules {
        let id = rule["id"].as_str().unwrap();
        assert!(ids.insert(id.to_string()), "duplicate rule {id}");
        for k in ["shortDescription", "fullDescription"] {
            assert!(
                !rule[k]["text"].as_str().unwrap().trim().is_empty(),
                "{id} {k}"
            );
        }
        assert!(!rule["help"]["text"].as_str().unwrap().is_empty(), "{id}");
        assert!(
            !rule["help"]["markdown"].as_str().unwrap().is_empty(),
            "{id}"
        );
        let ss: f64 = rule["properties"]["security-severity"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((0.0..=10.0).contains(&ss));
        let tags: Vec<&str> = rule["properties"]["tags"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_str().unwrap())
            .collect();
        assert!(tags.contains(&"security"), "{id}: {tags:?}");
    }
    let mut fingerprints = std::collections::BTreeSet::new();
    for res in results {
        let id = res["ruleId"].as_str().unwrap();
        let idx = res["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[idx]["id"], id);
        let fp = res["partialFingerprints"]["apispm/v1"].as_str().unwrap();
        assert_eq!(fp.len(), 32);
        assert!(
            fingerprints.insert(fp.to_string()),
            "fingerprints are distinct"
        );
        assert!(!res["message"]["text"].as_str().unwrap().is_empty());
    }
    // Imported rules keep their tool; policy and compliance rules have their own namespace.
    assert!(ids.contains("zap/10021") && ids.contains("nuclei/CVE-2021-44228"));
    assert!(ids.iter().any(|i| i.starts_with("policy/")));
    assert!(ids.contains("compliance/pci-dss/transport_encryption"));
    // The critical finding's rule is critical for GitHub.
    let log4j = rules
        .iter()
        .find(|r| r["id"] == "nuclei/CVE-2021-44228")
        .unwrap();
    assert_eq!(log4j["properties"]["security-severity"], "9.5");
    assert_eq!(log4j["defaultConfiguration"]["level"], "error");

    // A place in the API description: physical location, line and column, pointer.
    let spec = results
        .iter()
        .find(|x| x["ruleId"] == "owasp:api4:2023-rate-limit")
        .unwrap();
    let loc = &spec["locations"][0];
    assert_eq!(
        loc["physicalLocation"]["artifactLocation"]["uri"],
        "specs/users%20api.yaml"
    );
    assert_eq!(loc["physicalLocation"]["region"]["startLine"], 41);
    assert_eq!(loc["physicalLocation"]["region"]["startColumn"], 7);
    assert_eq!(
        loc["logicalLocations"][0]["fullyQualifiedName"],
        "/paths/~1users~1{id}/get"
    );
    // Otherwise a logical location naming the endpoint in its service.
    let traffic = results
        .iter()
        .find(|x| x["ruleId"] == "unauthenticated-success")
        .unwrap();
    let ll = &traffic["locations"][0]["logicalLocations"][0];
    assert_eq!(ll["name"], "GET /users/{id}");
    assert_eq!(ll["fullyQualifiedName"], "users-svc GET /users/{id}");
    assert!(traffic["locations"][0].get("physicalLocation").is_none());
}

#[test]
fn streamed_sarif_text_is_the_same_document() {
    let r = report();
    let text = apispm_report::render_sarif(&r);
    let parsed: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(parsed, apispm_report::report_to_sarif(&r));
}

#[test]
fn fingerprints_are_stable_and_follow_the_problem() {
    let a = findings_to_sarif(&report().findings, "0.1.0");
    let b = findings_to_sarif(&report().findings, "0.1.0");
    assert_eq!(a, b);
    let mut moved = report().findings;
    moved[2].url = Some("https://other.example/y".into());
    let c = findings_to_sarif(&moved, "0.1.0");
    let fp = |d: &Value, i: usize| d["runs"][0]["results"][i]["partialFingerprints"].clone();
    assert_eq!(fp(&a, 0), fp(&c, 0));
    assert_ne!(fp(&a, 2), fp(&c, 2));
}

#[test]
fn plain_findings_sarif_validates_and_reads_back() {
    let r = report();
    let doc = findings_to_sarif(&r.findings, "0.1.0");
    assert_valid(&schema_validator(), &doc);
    assert_eq!(doc["runs"][0]["tool"]["driver"]["semanticVersion"], "0.1.0");
    let empty = findings_to_sarif(&[], "1.2.3-dev");
    assert_valid(&schema_validator(), &empty);
    assert!(
        empty["runs"][0]["tool"]["driver"]
            .get("semanticVersion")
            .is_none()
    );

    // apispm's importer reads its own output back: severities, endpoints and places survive.
    let text = serde_json::to_string(&doc).unwrap();
    let back = apispm_import::import_text(&text, "apispm.sarif").unwrap();
    assert_eq!(back.findings.len(), r.findings.len());
    for (orig, got) in r.findings.iter().zip(&back.findings) {
        assert_eq!(got.source, "apispm");
        assert_eq!(got.severity, orig.severity, "{}", orig.rule);
        assert!(
            got.title
                .starts_with(&orig.title[..orig.title.len().min(20)])
                || got.title.contains("REDACTED")
        );
        if orig.location.is_none() {
            assert_eq!(got.method, orig.method, "{}", orig.rule);
        }
        if orig.path.is_some() {
            assert_eq!(got.path, orig.path, "{}", orig.rule);
        }
    }
    let spec = &back.findings[1];
    let loc = spec.location.as_ref().unwrap();
    assert_eq!((loc.line, loc.column), (41, 7));
    assert_eq!(loc.pointer.as_deref(), Some("/paths/~1users~1{id}/get"));
    assert_eq!(
        back.findings[2].url.as_deref(),
        Some("https://other.example/x")
    );
}

#[test]
fn html_is_self_contained_and_escaped() {
    let r = report();
    let html = render(&r, OutputFormat::Html, false);
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.trim_end().ends_with("</html>"));
    let lower = html.to_ascii_lowercase();
    // Nothing to fetch and nothing to run.
    for banned in [
        "<script", "<img", "<link", "src=\"", "href=\"", "url(", "@import", "<iframe",
    ] {
        assert!(!lower.contains(banned), "{banned} in the HTML");
    }
    assert!(html.contains("/login&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(html.contains("auth &lt;svc&gt;"));
    assert!(html.contains("&lt;img src=x onerror=alert(1)&gt; &amp; co"));
    // Every section that has content is there.
    for h in [
        "Risk distribution",
        "Metrics",
        "Top risks",
        "Policy violations",
        "Findings (5)",
        "Compliance gaps (1)",
        "Endpoints (2)",
    ] {
        assert!(html.contains(h), "{h}");
    }
    // Balanced table markup.
    assert_eq!(
        html.matches("<table>").count(),
        html.matches("</table>").count()
    );
    assert_eq!(html.matches("<tr>").count(), html.matches("</tr>").count());
}

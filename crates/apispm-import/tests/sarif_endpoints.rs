//! How SARIF results name HTTP endpoints and places in API descriptions, and how severities
//! are chosen. The logs are written here in the shapes DAST tools, API linters and secret
//! scanners emit.

use apispm_core::Severity;
use apispm_import::import_text;

fn one(results: &str, rules: &str, tool: &str) -> apispm_core::Finding {
    let doc = format!(
        r#"{{"version":"2.1.0","runs":[{{"tool":{{"driver":{{"name":"{tool}","rules":[{rules}]}}}},"results":[{results}]}}]}}"#
    );
    let got = import_text(&doc, "t.sarif").unwrap();
    assert_eq!(got.stats.rejected, 0, "{:?}", got.stats.errors);
    got.findings.into_iter().next().expect("one finding")
}

#[test]
fn security_severity_wins_over_level() {
    let rule = r#"{"id":"r1","shortDescription":{"text":"Short"},"defaultConfiguration":{"level":"note"},"properties":{"security-severity":"9.1"}}"#;
    let f = one(
        r#"{"ruleId":"r1","level":"warning","message":{"text":"m"}}"#,
        rule,
        "CodeQL",
    );
    assert_eq!(f.severity, Severity::Critical);
    let f = one(
        r#"{"ruleId":"r1","message":{"text":"m"},"properties":{"security-severity":5}}"#,
        rule,
        "CodeQL",
    );
    assert_eq!(f.severity, Severity::Medium, "the result's own score first");
    let f = one(
        r#"{"ruleId":"x","level":"none","message":{"text":"m"}}"#,
        rule,
        "T",
    );
    assert_eq!(f.severity, Severity::Info);
    let f = one(
        r#"{"ruleId":"x","kind":"review","message":{"text":"m"}}"#,
        rule,
        "T",
    );
    assert_eq!(
        f.severity,
        Severity::Info,
        "non-fail kinds default to level none"
    );
    let doc = r#"{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"T"}},"results":[
        {"ruleId":"a","kind":"pass","message":{"text":"ok"}},
        {"ruleId":"b","baselineState":"absent","message":{"text":"fixed"}},
        {"ruleId":"c","suppressions":[{"kind":"inSource","status":"rejected"}],"message":{"text":"open"}}]}]}"#;
    let got = import_text(doc, "t.sarif").unwrap();
    assert_eq!((got.stats.imported, got.stats.skipped), (1, 2));
    assert_eq!(got.findings[0].rule, "c");
}

#[test]
fn web_requests_and_http_artifacts_are_endpoints() {
    let f = one(
        r#"{"ruleId":"10021","message":{"text":"X-Content-Type-Options Header Missing"},
            "locations":[{"physicalLocation":{"artifactLocation":{"uri":"https://api.example.com/v1/users/42?session=abc"}}}],
            "webRequest":{"method":"get","target":"https://api.example.com/v1/users/42?session=abc"}}"#,
        "",
        "ZAP",
    );
    assert_eq!(
        f.url.as_deref(),
        Some("https://api.example.com/v1/users/42")
    );
    assert_eq!(f.method.as_deref(), Some("GET"));
    assert!(f.location.is_none(), "a URL is not a file");

    let f = one(
        r#"{"ruleId":"r","message":{"text":"Endpoint DELETE /v1/orders/{orderId} lacks authorization"}}"#,
        "",
        "Semgrep",
    );
    assert_eq!(f.method.as_deref(), Some("DELETE"));
    assert_eq!(f.path.as_deref(), Some("/v1/orders/{orderId}"));
    assert_eq!(f.url, None);

    let f = one(
        r#"{"ruleId":"r","message":{"text":"m"},"properties":{"URL":"http://svc.internal:8080/health","Method":"HEAD"}}"#,
        "",
        "T",
    );
    assert_eq!(f.url.as_deref(), Some("http://svc.internal:8080/health"));
    assert_eq!(f.method.as_deref(), Some("HEAD"));
}

#[test]
fn openapi_locations_give_a_route_and_a_pointer() {
    let f = one(
        r#"{"ruleId":"owasp:api2:2023-read-restricted","message":{"text":"Operation has no security"},
            "locations":[{"physicalLocation":{"artifactLocation":{"uri":"specs/users.yaml"},"region":{"startLine":41,"startColumn":7}},
                          "logicalLocations":[{"fullyQualifiedName":"paths./users/{id}.get"}]}]}"#,
        r#"{"id":"owasp:api2:2023-read-restricted","properties":{"category":"API2:2023 Broken Authentication"}}"#,
        "spectral",
    );
    let loc = f.location.unwrap();
    assert_eq!(loc.file, "specs/users.yaml");
    assert_eq!((loc.line, loc.column), (41, 7));
    assert_eq!(loc.pointer.as_deref(), Some("/paths/~1users~1{id}/get"));
    assert_eq!(f.method.as_deref(), Some("GET"));
    assert_eq!(f.path.as_deref(), Some("/users/{id}"));
    assert_eq!(
        f.category.as_deref(),
        Some("API2:2023 Broken Authentication")
    );

    // apispm's own SARIF: a logical location naming the endpoint.
    let f = one(
        r#"{"ruleId":"r","message":{"text":"m"},"locations":[{"logicalLocations":[{"name":"POST /login","fullyQualifiedName":"auth.example.com POST /login","kind":"resource"}]}]}"#,
        "",
        "apispm",
    );
    assert_eq!(
        (f.method.as_deref(), f.path.as_deref()),
        (Some("POST"), Some("/login"))
    );
}

#[test]
fn secret_scanner_messages_and_snippets_are_not_copied() {
    // Gitleaks 8 shape, with the secret also in the message as some versions write it.
    let secret = "ghp_R4nd0mT0k3nV4lu3Xyz0123456789abcdEF";
    let f = one(
        &format!(
            r#"{{"ruleId":"github-pat","message":{{"text":"github-pat has detected secret {secret} for file app.py."}},
                "locations":[{{"physicalLocation":{{"artifactLocation":{{"uri":"app.py"}},"region":{{"startLine":3,"snippet":{{"text":"TOKEN = '{secret}'"}}}}}}}}],
                "partialFingerprints":{{"commitSha":"abc","email":"dev@example.com"}}}}"#
        ),
        r#"{"id":"github-pat","shortDescription":{"text":"GitHub Personal Access Token"}}"#,
        "gitleaks",
    );
    let all = serde_json::to_string(&f).unwrap();
    assert!(!all.contains(secret) && !all.contains("ghp_R4nd"), "{all}");
    assert!(!all.contains("dev@example.com"));
    assert_eq!(f.rule, "github-pat");
    assert_eq!(
        f.title,
        "Secret detected: GitHub Personal Access Token in app.py:3"
    );

    // Any tool: a token in a message is redacted by apispm's detector.
    let f = one(
        &format!(
            r#"{{"ruleId":"r","message":{{"text":"Hard-coded key {secret} used in request"}}}}"#
        ),
        "",
        "Semgrep",
    );
    assert!(
        !f.title.contains(secret) && f.title.contains("[REDACTED"),
        "{}",
        f.title
    );
}

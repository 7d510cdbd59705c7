//! `x-apispm-ignore`: a rule silenced at a node and below, kept and counted with its reason;
//! entries without a reason or with an unknown rule refuse the document.

use apispm_audit::{AuditError, SpecDocument, audit_document};

const BASE: &str = "\
openapi: 3.0.3
info: {title: t, version: '1'}
paths:
  /a:
    get:
      IGNORE_OP
      responses:
        '200': {description: ok}
        '404': {description: missing}
  /b:
    IGNORE_ITEM
    get:
      responses:
        '200': {description: ok}
";

fn doc(op: &str, item: &str) -> Result<SpecDocument, AuditError> {
    SpecDocument::parse(
        BASE.replace("IGNORE_OP", op).replace("IGNORE_ITEM", item),
        "api.yaml",
    )
}

const RATE: &str = "owasp:api4:2023-rate-limit";

fn count(d: &SpecDocument, rule: &str, under: &str) -> (usize, usize) {
    let o = audit_document(d);
    let active = o
        .findings
        .iter()
        .filter(|f| {
            f.rule == rule
                && f.location
                    .as_ref()
                    .unwrap()
                    .pointer
                    .as_ref()
                    .unwrap()
                    .starts_with(under)
        })
        .count();
    let silenced = o
        .suppressed
        .iter()
        .filter(|s| {
            s.finding.rule == rule
                && s.finding
                    .location
                    .as_ref()
                    .unwrap()
                    .pointer
                    .as_ref()
                    .unwrap()
                    .starts_with(under)
        })
        .count();
    (active, silenced)
}

#[test]
fn silences_the_rule_at_the_node_and_below_only() {
    let plain = doc("x-a: 1", "x-b: 1").unwrap();
    assert_eq!(count(&plain, RATE, "/paths/~1a"), (2, 0));
    assert_eq!(count(&plain, RATE, "/paths/~1b"), (1, 0));

    let d = doc(
        "x-apispm-ignore: [{rule: owasp:api4:2023-rate-limit, reason: gateway enforces limits}]",
        "x-b: 1",
    )
    .unwrap();
    // Both responses of GET /a are below the operation; /b is a sibling and keeps its finding.
    assert_eq!(count(&d, RATE, "/paths/~1a"), (0, 2));
    assert_eq!(count(&d, RATE, "/paths/~1b"), (1, 0));
    // Other rules at the same node are untouched.
    assert_eq!(
        count(&plain, "owasp:api2:2023-read-restricted", "/paths/~1a"),
        count(&d, "owasp:api2:2023-read-restricted", "/paths/~1a")
    );
    let o = audit_document(&d);
    let s = &o.suppressed[0];
    assert_eq!(s.reason, "gateway enforces limits");
    assert_eq!(s.ignored_at, "/paths/~1a/get");
    // Findings and suppressed together are what the plain document gives.
    let p = audit_document(&plain);
    assert_eq!(o.findings.len() + o.suppressed.len(), p.findings.len());
}

#[test]
fn an_ignore_on_a_path_item_covers_its_operations_and_a_root_one_everything() {
    let d = doc(
        "x-a: 1",
        "x-apispm-ignore:\n      - rule: owasp:api2:2023-read-restricted\n        reason: public catalogue",
    )
    .unwrap();
    assert_eq!(
        count(&d, "owasp:api2:2023-read-restricted", "/paths/~1b"),
        (0, 1)
    );
    assert_eq!(
        count(&d, "owasp:api2:2023-read-restricted", "/paths/~1a"),
        (1, 0)
    );

    let text = BASE
        .replace("IGNORE_OP", "x-a: 1")
        .replace("IGNORE_ITEM", "x-b: 1")
        .replace(
            "openapi: 3.0.3\n",
            "openapi: 3.0.3\nx-apispm-ignore:\n  rule: owasp:api4:2023-rate-limit\n  reason: all behind the gateway\n",
        );
    let d = SpecDocument::parse(text, "api.yaml").unwrap();
    assert_eq!(count(&d, RATE, "/paths"), (0, 3));
}

#[test]
fn a_missing_or_empty_reason_is_an_error_with_file_and_line() {
    let e = doc(
        "x-apispm-ignore: [{rule: owasp:api4:2023-rate-limit}]",
        "x-b: 1",
    )
    .unwrap_err();
    let msg = e.to_string();
    assert!(msg.starts_with("api.yaml:6:25: x-apispm-ignore:"), "{msg}");
    assert!(msg.contains("needs a `reason`"), "{msg}");

    let e = doc(
        "x-apispm-ignore: [{rule: owasp:api4:2023-rate-limit, reason: '  '}]",
        "x-b: 1",
    )
    .unwrap_err();
    assert!(e.to_string().contains("empty"), "{e}");
    assert_eq!(e.line(), Some(6));

    let e = doc(
        "x-apispm-ignore: [{rule: owasp:api4:2023-rate-limt, reason: typo}]",
        "x-b: 1",
    )
    .unwrap_err();
    assert!(
        e.to_string()
            .contains("unknown rule `owasp:api4:2023-rate-limt`"),
        "{e}"
    );

    let e = doc("x-apispm-ignore: owasp:api4:2023-rate-limit", "x-b: 1").unwrap_err();
    assert!(e.to_string().contains("list of {rule, reason}"), "{e}");

    // JSON documents report their lines too.
    let json = "{\n  \"openapi\": \"3.0.0\",\n  \"paths\": {\n    \"/a\": {\n      \"x-apispm-ignore\": [\n        {\"rule\": \"apispm:server-plain-http\"}\n      ]\n    }\n  }\n}";
    let e = SpecDocument::parse(json, "api.json").unwrap_err();
    assert!(e.to_string().starts_with("api.json:6:9:"), "{e}");
}

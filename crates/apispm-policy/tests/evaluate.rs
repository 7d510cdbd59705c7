//! What each rule means, judged on hand-made assessments and on assessments the core built
//! from exchanges.

use apispm_core::{
    Assessment, Classification, Control, ControlResult, EndpointKey, Exchange, Labels, Observer,
    RiskModel, Severity, Tally, assess,
};
use apispm_policy::{PolicySet, Violation};
use std::borrow::Cow;
use std::collections::BTreeMap;

/// An endpoint that complies with everything the seed asks: all controls on all 40 requests,
/// an explicit CORS origin, a Sunset header on every response, documented, owned.
fn endpoint(class: Classification) -> Assessment {
    Assessment {
        api_id: "0123456789abcdef".into(),
        service: "payments".into(),
        host: None,
        method: "POST".into(),
        path: "/v1/charges".into(),
        classification: class,
        exposure: Classification::External,
        documented: true,
        first_discovered: None,
        last_seen: None,
        requests: 40,
        security_controls: Control::ALL
            .iter()
            .map(|c| ControlResult {
                name: *c,
                present: true,
                required: c.required_for(class),
                severity: c.severity(false),
                details: format!("{c} on 40 of 40 requests"),
                observed_ratio: 1.0,
            })
            .collect(),
        sensitive_data_types: vec![],
        sensitive_data: vec![],
        unauthenticated_success: 0,
        status_classes: BTreeMap::new(),
        risk_score: 0.0,
        risk_level: Severity::Low,
        owner: Some("team-payments".into()),
        version: None,
        traffic_volume_daily: 0,
        traffic_daily: Default::default(),
        compliance_tags: vec![],
        origins: vec!["https://app.example.com".into()],
        response_headers: BTreeMap::from([("sunset".to_string(), 40)]),
        stale: false,
    }
}

/// The control seen on `ok` of the endpoint's requests.
fn seen_on(mut a: Assessment, c: Control, ok: u64) -> Assessment {
    let n = a.requests;
    let r = a
        .security_controls
        .iter_mut()
        .find(|r| r.name == c)
        .unwrap();
    r.present = n > 0 && ok == n;
    r.observed_ratio = if n == 0 { 0.0 } else { ok as f64 / n as f64 };
    r.details = format!("{c} on {ok} of {n} requests");
    a
}

fn unseen(mut a: Assessment) -> Assessment {
    a.requests = 0;
    a.origins.clear();
    a.response_headers.clear();
    for c in Control::ALL {
        a = seen_on(a, c, 0);
    }
    a
}

fn names(v: &[Violation]) -> Vec<&str> {
    v.iter().map(|v| v.policy.as_str()).collect()
}

fn seed_violations(a: &Assessment) -> Vec<Violation> {
    PolicySet::builtin().evaluate(a)
}

fn policies(yaml: &str) -> PolicySet {
    PolicySet::from_yaml(yaml, "test.yaml").unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn compliant_endpoints_violate_nothing() {
    for c in Classification::ALL {
        assert_eq!(seed_violations(&endpoint(c)), vec![], "{c}");
    }
}

#[test]
fn required_control_is_violated_when_absent_in_scope() {
    let a = seen_on(
        endpoint(Classification::External),
        Control::Authentication,
        12,
    );
    let v = seed_violations(&a);
    assert_eq!(
        v,
        vec![Violation {
            policy: "require-authentication".into(),
            severity: Severity::Critical,
            api_id: "0123456789abcdef".into(),
            method: "POST".into(),
            path: "/v1/charges".into(),
            service: "payments".into(),
            description: "All external APIs must require authentication".into(),
            reason: "authentication not present: authentication on 12 of 40 requests".into(),
            remediation: "Add OAuth2, API key, or JWT authentication".into(),
        }]
    );
    // partner is in scope, internal is not
    let partner = seen_on(
        endpoint(Classification::Partner),
        Control::Authentication,
        0,
    );
    assert_eq!(
        names(&seed_violations(&partner)),
        ["require-authentication"]
    );
    let internal = seen_on(
        endpoint(Classification::Internal),
        Control::Authentication,
        0,
    );
    assert!(seed_violations(&internal).is_empty());

    let plain_http = seen_on(
        endpoint(Classification::Internal),
        Control::TransportEncryption,
        0,
    );
    assert_eq!(names(&seed_violations(&plain_http)), ["enforce-tls"]);
    let shadow = seen_on(
        endpoint(Classification::Shadow),
        Control::TransportEncryption,
        0,
    );
    assert!(seed_violations(&shadow).is_empty());

    let unlimited = seen_on(
        endpoint(Classification::External),
        Control::RateLimiting,
        39,
    );
    assert_eq!(
        names(&seed_violations(&unlimited)),
        ["require-rate-limiting"]
    );
    let unlimited_partner = seen_on(endpoint(Classification::Partner), Control::RateLimiting, 0);
    assert!(seed_violations(&unlimited_partner).is_empty());
}

#[test]
fn wildcard_origin_violates_the_cors_policy() {
    let mut a = endpoint(Classification::External);
    a.origins = vec!["*".into()];
    let v = seed_violations(&a);
    assert_eq!(names(&v), ["no-wildcard-cors"]);
    assert_eq!(v[0].severity, Severity::High);
    assert_eq!(
        v[0].reason,
        "answered Access-Control-Allow-Origin: * (condition `origin != '*'` fails)"
    );
    // any answer with `*` counts, whatever else was answered
    a.origins = vec!["".into(), "*".into(), "https://a.example".into()];
    assert_eq!(names(&seed_violations(&a)), ["no-wildcard-cors"]);
    // no CORS header at all, or explicit origins only: fine
    for origins in [
        vec![],
        vec!["".to_string()],
        vec!["https://a.example".into(), "".into()],
    ] {
        a.origins = origins;
        assert!(seed_violations(&a).is_empty(), "{:?}", a.origins);
    }
    // out of scope
    let mut internal = endpoint(Classification::Internal);
    internal.origins = vec!["*".into()];
    assert!(seed_violations(&internal).is_empty());
}

#[test]
fn origin_conditions_hold_for_every_answered_value() {
    let set = policies(
        "policies:\n  - name: must-answer-cors\n    rule: {condition: \"origin != ''\"}\n    severity: low\n",
    );
    let mut a = endpoint(Classification::Internal);
    assert!(set.evaluate(&a).is_empty());
    a.origins = vec!["https://a.example".into(), "".into()];
    let v = set.evaluate(&a);
    assert_eq!(
        v[0].reason,
        "answered without Access-Control-Allow-Origin (condition `origin != ''` fails)"
    );
    // nothing answered at all is judged as "none"
    a.origins = vec![];
    assert_eq!(set.evaluate(&a).len(), 1);
    let allow = policies(
        "policies:\n  - name: allow-list\n    rule: {condition: \"origin == '' or origin == 'https://a.example'\"}\n    severity: low\n",
    );
    a.origins = vec!["https://a.example".into(), "https://evil.example".into()];
    assert_eq!(
        allow.evaluate(&a)[0].reason,
        "answered Access-Control-Allow-Origin: https://evil.example (condition `origin == '' or origin == 'https://a.example'` fails)"
    );
}

#[test]
fn undocumented_endpoints_violate_documentation_rules() {
    let mut a = endpoint(Classification::Partner);
    a.documented = false;
    let v = seed_violations(&a);
    assert_eq!(names(&v), ["documentation-required"]);
    assert_eq!(v[0].severity, Severity::Medium);
    assert!(v[0].reason.starts_with("undocumented"), "{}", v[0].reason);
    let mut internal = endpoint(Classification::Internal);
    internal.documented = false;
    assert!(seed_violations(&internal).is_empty());
}

#[test]
fn header_present_is_violated_when_some_response_lacked_it() {
    let mut a = endpoint(Classification::Deprecated);
    a.response_headers.insert("sunset".into(), 39);
    let v = seed_violations(&a);
    assert_eq!(names(&v), ["deprecation-sunset"]);
    assert_eq!(v[0].reason, "Sunset header missing on 1 of 40 responses");
    a.response_headers.clear();
    assert_eq!(
        seed_violations(&a)[0].reason,
        "Sunset header missing on 40 of 40 responses"
    );
    // not deprecated: out of scope
    let mut ext = endpoint(Classification::External);
    ext.response_headers.clear();
    assert!(seed_violations(&ext).is_empty());
}

#[test]
fn several_failures_name_each_reason_once_per_policy() {
    let set = policies(
        r#"
policies:
  - name: auth-everywhere
    description: d
    rule:
      control: authentication
      required: true
      condition: "observed_ratio >= 0.5"
      documented: true
    severity: critical
    remediation: r
"#,
    );
    let mut a = seen_on(
        endpoint(Classification::Internal),
        Control::Authentication,
        10,
    );
    a.documented = false;
    let v = set.evaluate(&a);
    assert_eq!(v.len(), 1);
    assert_eq!(
        v[0].reason,
        "authentication not present: authentication on 10 of 40 requests; condition `observed_ratio >= 0.5` fails with observed_ratio = 0.25; undocumented: no API description declares this operation"
    );
    // one part is enough
    let a = seen_on(
        endpoint(Classification::Internal),
        Control::Authentication,
        30,
    );
    assert_eq!(
        set.evaluate(&a)[0].reason,
        "authentication not present: authentication on 30 of 40 requests"
    );
}

#[test]
fn conditions_over_the_rules_control() {
    let set = policies(
        "policies:\n  - name: mostly-limited\n    rule:\n      control: rate_limiting\n      condition: present or (observed_ratio > 0.9 and requests >= 20)\n    severity: low\n",
    );
    let a = seen_on(
        endpoint(Classification::External),
        Control::RateLimiting,
        38,
    );
    assert!(set.evaluate(&a).is_empty());
    let a = seen_on(
        endpoint(Classification::External),
        Control::RateLimiting,
        30,
    );
    assert_eq!(
        set.evaluate(&a)[0].reason,
        "condition `present or (observed_ratio > 0.9 and requests >= 20)` fails with present = false, observed_ratio = 0.75, requests = 40"
    );
    // no control named: `present` refers to none, so only endpoint-wide names are allowed
    let labels = policies(
        "policies:\n  - name: risky-external\n    rule: {condition: \"not (classification == 'external' and risk_score >= 50) and documented\"}\n    severity: high\n",
    );
    let mut a = endpoint(Classification::External);
    a.risk_score = 62.5;
    assert_eq!(
        labels.evaluate(&a)[0].reason,
        "condition `not (classification == 'external' and risk_score >= 50) and documented` fails with risk_score = 62.5, classification = 'external', documented = true"
    );
    a.risk_score = 49.9;
    assert!(labels.evaluate(&a).is_empty());
}

#[test]
fn required_false_checks_nothing() {
    let set = policies(
        "policies:\n  - name: off\n    rule: {control: authentication, required: false}\n    severity: low\n",
    );
    let a = seen_on(
        endpoint(Classification::External),
        Control::Authentication,
        0,
    );
    assert!(set.evaluate(&a).is_empty());
}

#[test]
fn unseen_endpoints_are_only_judged_on_what_needs_no_traffic() {
    let mut a = unseen(endpoint(Classification::External));
    a.documented = false;
    a.owner = None;
    // seed: only documentation-required applies (auth/TLS/rate/CORS need traffic)
    assert_eq!(names(&seed_violations(&a)), ["documentation-required"]);
    let mut dep = unseen(endpoint(Classification::Deprecated));
    dep.documented = false;
    assert!(
        seed_violations(&dep).is_empty(),
        "no response to lack Sunset"
    );

    let set = policies(
        r#"
policies:
  - name: owned
    rule: {owner_present: true}
    severity: low
  - name: seen
    rule: {condition: "requests > 0"}
    severity: info
  - name: cors
    rule: {condition: "origin != '*'"}
    severity: info
  - name: auth-ratio
    rule: {control: authentication, condition: "requests > 100"}
    severity: info
"#,
    );
    let v = set.evaluate(&a);
    assert_eq!(names(&v), ["owned", "seen"]);
    assert_eq!(v[0].reason, "no owner known");
    assert_eq!(
        v[1].reason,
        "condition `requests > 0` fails with requests = 0"
    );
}

#[test]
fn owner_present() {
    let set = policies(
        "policies:\n  - name: owned\n    description: every endpoint has an owner\n    rule: {owner_present: true}\n    severity: medium\n    remediation: add it to CODEOWNERS\n",
    );
    let mut a = endpoint(Classification::Internal);
    assert!(set.evaluate(&a).is_empty());
    for owner in [None, Some(String::new()), Some("  ".to_string())] {
        a.owner = owner;
        let v = set.evaluate(&a);
        assert_eq!(names(&v), ["owned"]);
        assert_eq!(v[0].description, "every endpoint has an owner");
        assert_eq!(v[0].remediation, "add it to CODEOWNERS");
    }
}

#[test]
fn compliance_scope_intersects_tags_and_combines_with_classification() {
    let set = policies(
        r#"
policies:
  - name: pci-owned
    scope: {compliance: [pci-dss, sox]}
    rule: {owner_present: true}
    severity: high
  - name: pci-external-owned
    scope: {compliance: pci-dss, classification: [external]}
    rule: {owner_present: true}
    severity: high
  - name: all-owned
    rule: {owner_present: true}
    severity: low
"#,
    );
    let mut a = endpoint(Classification::Internal);
    a.owner = None;
    assert_eq!(names(&set.evaluate(&a)), ["all-owned"]);
    a.compliance_tags = vec!["gdpr".into(), "PCI-DSS".into()];
    assert_eq!(names(&set.evaluate(&a)), ["pci-owned", "all-owned"]);
    a.classification = Classification::External;
    assert_eq!(
        names(&set.evaluate(&a)),
        ["pci-owned", "pci-external-owned", "all-owned"]
    );
    a.compliance_tags = vec!["sox".into()];
    assert_eq!(names(&set.evaluate(&a)), ["pci-owned", "all-owned"]);
}

#[test]
fn header_names_are_lower_case_and_unique() {
    let set = policies(
        r#"
policies:
  - name: a
    rule: {header_present: Sunset}
    severity: low
  - name: b
    rule: {header_present: X-Request-Id, documented: true}
    severity: low
  - name: c
    rule: {header_present: SUNSET}
    severity: low
"#,
    );
    assert_eq!(set.header_names(), ["sunset", "x-request-id"]);
    let mut a = endpoint(Classification::Internal);
    a.response_headers.insert("x-request-id".into(), 40);
    assert!(set.evaluate(&a).is_empty());
    a.response_headers.insert("sunset".into(), 0);
    let v = set.evaluate(&a);
    assert_eq!(names(&v), ["a", "c"]);
    assert_eq!(v[1].reason, "SUNSET header missing on 40 of 40 responses");
}

// --- through the core: exchanges -> tally -> assessment -> violations ----------------------

fn exchange<'a>(
    class: Classification,
    scheme: &'a str,
    req: &[(&'a str, &'a str)],
    resp: &[(&'a str, &'a str)],
) -> Exchange<'a> {
    let h = |v: &[(&'a str, &'a str)]| {
        v.iter()
            .map(|(k, v)| (Cow::Borrowed(*k), Cow::Borrowed(*v)))
            .collect()
    };
    Exchange {
        method: "GET".into(),
        scheme: Some(scheme.into()),
        path: "/v1/items".into(),
        status: Some(200),
        request_headers: h(req),
        response_headers: h(resp),
        declared: apispm_core::Declared {
            classification: Some(class),
            documented: Some(true),
            schema_validation: Some(true),
        },
        ..Default::default()
    }
}

fn judge(set: &PolicySet, exchanges: &[Exchange<'_>]) -> Vec<Violation> {
    let observer = Observer::new(set.header_names());
    let mut t = Tally::default();
    for ex in exchanges {
        observer.observe(&mut t, ex);
    }
    let key = EndpointKey {
        service: "shop".into(),
        method: "GET".into(),
        path: "/v1/items".into(),
    };
    let a = assess(&key, &t, &Labels::declared(&t), &RiskModel::default());
    set.evaluate(&a)
}

#[test]
fn end_to_end_through_the_core() {
    let set = PolicySet::builtin();
    let good_resp = [
        ("X-RateLimit-Limit", "100"),
        ("Access-Control-Allow-Origin", "https://shop.example"),
    ];
    let auth = [("Authorization", "Bearer x")];
    let ext = Classification::External;
    let good = exchange(ext, "https", &auth, &good_resp);
    assert!(judge(&set, &[good.clone(), good.clone()]).is_empty());

    let wildcard = exchange(
        ext,
        "https",
        &auth,
        &[
            ("X-RateLimit-Limit", "1"),
            ("Access-Control-Allow-Origin", "*"),
        ],
    );
    let anonymous = exchange(ext, "http", &[], &good_resp);
    let v = judge(&set, &[good.clone(), wildcard, anonymous]);
    assert_eq!(
        names(&v),
        ["require-authentication", "enforce-tls", "no-wildcard-cors"]
    );
    assert_eq!(v[0].api_id, apispm_core::api_id("shop", "GET", "/v1/items"));
    assert!(v[0].reason.contains("2 of 3 requests"), "{}", v[0].reason);

    let dep = Classification::Deprecated;
    let with_sunset = exchange(
        dep,
        "https",
        &auth,
        &[("Sunset", "Wed, 01 Jan 2025 00:00:00 GMT")],
    );
    let without = exchange(dep, "https", &auth, &[]);
    assert!(judge(&set, std::slice::from_ref(&with_sunset)).is_empty());
    let v = judge(&set, &[with_sunset, without]);
    assert_eq!(names(&v), ["deprecation-sunset"]);
    assert_eq!(v[0].reason, "Sunset header missing on 1 of 2 responses");
}

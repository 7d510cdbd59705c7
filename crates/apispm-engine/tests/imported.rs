//! Imported findings land on the endpoints traffic created, under the same keys: spec
//! operations, learned templates and orphans; else on their service.

use apispm_core::compliance::ComplianceTable;
use apispm_core::exposure::ExposureRules;
use apispm_core::{
    Exchange, ExchangeSink, Finding, Inventory, RiskModel, Severity, SourceLocation,
};
use apispm_engine::{Engine, EngineConfig, MappedBy};
use apispm_policy::PolicySet;

const SPEC: &str = "openapi: 3.0.3
info: {title: shop, version: '1'}
servers: [{url: 'https://api.example.com/v1'}]
paths:
  /orders/{orderId}:
    get:
      responses: {'200': {description: ok}}
    delete:
      responses: {'204': {description: gone}}
  /orders/export:
    post:
      responses: {'200': {description: ok}}
";

fn engine(risk: RiskModel, policies: PolicySet) -> Engine {
    let spec = apispm_spec::load(SPEC, "/repo/specs/shop.yaml").unwrap();
    Engine::new(EngineConfig {
        risk,
        policies,
        exposure: ExposureRules::default(),
        specs: vec![spec],
        owners: Vec::new(),
        compliance: ComplianceTable::default(),
    })
}

/// A request that shows every control but input validation.
fn ex<'a>(service: Option<&'a str>, host: &'a str, method: &'a str, path: &'a str) -> Exchange<'a> {
    let h = |k: &'static str, v: &'static str| (k.into(), v.into());
    Exchange {
        method: method.into(),
        host: Some(host.into()),
        service: service.map(Into::into),
        scheme: Some("https".into()),
        path: path.into(),
        status: Some(200),
        request_headers: vec![h("Authorization", "Bearer x")],
        response_headers: vec![
            h("X-RateLimit-Limit", "10"),
            h("X-Content-Type-Options", "nosniff"),
            h("Strict-Transport-Security", "max-age=1"),
            h("X-Frame-Options", "DENY"),
            h("Cache-Control", "no-store"),
            h("Access-Control-Allow-Origin", "https://app.example.com"),
        ],
        ..Default::default()
    }
}

/// Spec-documented orders under service `shop`, undocumented users learned from traffic.
fn inventory(e: &Engine) -> Inventory {
    let mut w = e.worker();
    for i in 0..40 {
        w.accept(&ex(
            Some("shop"),
            "api.example.com",
            "GET",
            &format!("/v1/orders/{}", 100 + i),
        ));
        w.accept(&ex(
            Some("shop"),
            "api.example.com",
            "GET",
            &format!("/v1/users/{}", 500 + i),
        ));
    }
    w.accept(&ex(Some("shop"), "api.example.com", "GET", "/v1/users/me"));
    w.accept(&ex(None, "legacy.example.com", "POST", "/login"));
    w.accept(&ex(None, "127.0.0.1:8080", "GET", "/WebGoat"));
    e.finish(vec![w])
}

fn imported(url: Option<&str>, method: Option<&str>) -> Finding {
    Finding {
        source: "zap".into(),
        rule: "10021".into(),
        category: None,
        severity: Severity::High,
        title: "t".into(),
        detail: String::new(),
        api_id: None,
        service: None,
        method: method.map(Into::into),
        path: None,
        url: url.map(Into::into),
        remediation: String::new(),
        location: None,
    }
}

fn key_of(f: &Finding) -> (Option<&str>, Option<&str>, Option<&str>) {
    (f.service.as_deref(), f.method.as_deref(), f.path.as_deref())
}

#[test]
fn findings_map_like_traffic() {
    let e = engine(RiskModel::default(), PolicySet::builtin());
    let inv = inventory(&e);
    let keys: Vec<String> = inv
        .entries()
        .iter()
        .map(|(k, _)| format!("{} {} {}", k.service, k.method, k.path))
        .collect();
    assert!(
        keys.contains(&"shop GET /v1/users/{id}".to_string()),
        "{keys:?}"
    );

    let mut findings = vec![
        // Through the spec matcher, query dropped, host in another case, port given.
        imported(
            Some("https://API.example.com:443/v1/orders/9?x=1"),
            Some("get"),
        ),
        // A learned template.
        imported(Some("https://api.example.com/v1/users/12345"), Some("GET")),
        // Traffic to `/v1/users/me` was learned into `{id}` with its siblings: so is this.
        imported(Some("https://api.example.com/v1/users/me"), None),
        // A documented operation nobody called: the orphan's key.
        imported(Some("https://api.example.com/v1/orders/9"), Some("DELETE")),
        // No method: GET first.
        imported(Some("https://api.example.com/v1/orders/1"), None),
        // Known host, unknown path: the service traffic was filed under.
        imported(Some("https://api.example.com/nothing/here"), Some("GET")),
        // Unknown host.
        imported(Some("https://other.example/x"), Some("GET")),
        // A host-level check (Nuclei DNS/SSL): service only.
        Finding {
            service: Some("legacy.example.com".into()),
            ..imported(None, None)
        },
        // Ports tell services on one host apart.
        imported(Some("http://127.0.0.1:8080/WebGoat"), None),
        imported(Some("http://127.0.0.1:9090/WebGoat"), None),
        // Nothing to go on.
        imported(None, None),
        // A route named without URL (SARIF message or logical location).
        Finding {
            path: Some("/v1/users/{userId}".into()),
            ..imported(None, Some("GET"))
        },
        // A place in the API description.
        Finding {
            location: Some(SourceLocation {
                file: "specs/shop.yaml".into(),
                pointer: Some("/paths/~1orders~1{orderId}/delete/responses".into()),
                line: 0,
                column: 0,
            }),
            ..imported(None, None)
        },
        // A line inside the first operation (its method key is on line 6).
        Finding {
            location: Some(SourceLocation {
                file: "/elsewhere/repo/specs/shop.yaml".into(),
                pointer: None,
                line: 7,
                column: 3,
            }),
            ..imported(None, None)
        },
        // A line past the last operation could be in `components`: not guessed.
        Finding {
            location: Some(SourceLocation {
                file: "specs/shop.yaml".into(),
                pointer: None,
                line: 999,
                column: 1,
            }),
            ..imported(None, None)
        },
    ];
    let how = e.map_findings(&inv, &mut findings);
    use MappedBy::*;
    assert_eq!(
        how,
        vec![
            Url,
            Url,
            Url,
            Url,
            Url,
            Service,
            Service,
            Service,
            Url,
            Service,
            Unmapped,
            Route,
            SpecLocation,
            SpecLocation,
            Unmapped
        ]
    );
    let expect = [
        (Some("shop"), Some("GET"), Some("/v1/orders/{orderId}")),
        (Some("shop"), Some("GET"), Some("/v1/users/{id}")),
        (Some("shop"), Some("GET"), Some("/v1/users/{id}")),
        (
            Some("api.example.com"),
            Some("DELETE"),
            Some("/v1/orders/{orderId}"),
        ),
        (Some("shop"), Some("GET"), Some("/v1/orders/{orderId}")),
        (Some("shop"), Some("GET"), None),
        (Some("other.example"), Some("GET"), None),
        (Some("legacy.example.com"), None, None),
        (Some("127.0.0.1:8080"), Some("GET"), Some("/WebGoat")),
        (Some("127.0.0.1:9090"), None, None),
        (None, None, None),
        (Some("shop"), Some("GET"), Some("/v1/users/{id}")),
        (
            Some("api.example.com"),
            Some("DELETE"),
            Some("/v1/orders/{orderId}"),
        ),
        (Some("shop"), Some("GET"), Some("/v1/orders/{orderId}")),
        (None, None, None),
    ];
    for (i, (f, want)) in findings.iter().zip(expect).enumerate() {
        assert_eq!(key_of(f), want, "finding {i}");
        assert_eq!(f.api_id.is_some(), how[i].is_mapped(), "finding {i}");
    }

    // Every mapped id is an endpoint of the assessment, orphans included.
    let assessed = e.assess(&inv, 0);
    for f in findings.iter().filter(|f| f.api_id.is_some()) {
        let id = f.api_id.as_deref().unwrap();
        let a = assessed.endpoints.iter().find(|a| a.api_id == id);
        let a = a.unwrap_or_else(|| panic!("{f:?} maps to no endpoint"));
        assert_eq!(
            (a.method.as_str(), a.path.as_str()),
            (f.method.as_deref().unwrap(), f.path.as_deref().unwrap())
        );
    }
    let orphan = assessed
        .endpoints
        .iter()
        .find(|a| a.api_id == *findings[3].api_id.as_ref().unwrap())
        .unwrap();
    assert_eq!(orphan.requests, 0);
}

#[test]
fn imported_findings_raise_risk_only_when_configured() {
    let policies = PolicySet::from_yaml(
        "policies:\n  - name: risk-budget\n    description: d\n    scope: {classification: [external, shadow, internal, partner, deprecated]}\n    rule: {condition: \"risk_score < 60\"}\n    severity: high\n    remediation: r\n",
        "p.yaml",
    )
    .unwrap();
    let findings = || {
        vec![
            imported(Some("https://api.example.com/v1/orders/9"), Some("GET")),
            Finding {
                severity: Severity::Critical,
                ..imported(Some("https://api.example.com/v1/orders/8"), Some("GET"))
            },
            Finding {
                severity: Severity::Info,
                ..imported(Some("https://other.example/"), None)
            },
        ]
    };
    let orders = |a: &apispm_engine::Assessed| {
        a.endpoints
            .iter()
            .find(|x| x.path == "/v1/orders/{orderId}" && x.method == "GET")
            .unwrap()
            .clone()
    };

    // Default weights: the seed's numbers stand.
    let e = engine(RiskModel::default(), policies.clone());
    let inv = inventory(&e);
    let plain = e.assess(&inv, 0);
    let (with, how) = e.assess_with_findings(&inv, 0, findings());
    assert_eq!(how, vec![MappedBy::Url, MappedBy::Url, MappedBy::Service]);
    assert_eq!(orders(&plain).risk_score, orders(&with).risk_score);
    assert_eq!(plain.violations.len(), with.violations.len());
    assert_eq!(with.findings.len(), plain.findings.len() + 3);

    // Weighted: HIGH 10 + CRITICAL 20 on one endpoint.
    let mut risk = RiskModel::default();
    risk.imported_finding_weights.high = 10.0;
    risk.imported_finding_weights.critical = 20.0;
    let e = engine(risk, policies);
    let inv = inventory(&e);
    let before = orders(&e.assess(&inv, 0));
    let (with, _) = e.assess_with_findings(&inv, 0, findings());
    let after = orders(&with);
    // Documented and external, only input validation (HIGH, 15) missing out of 90 (CORS
    // weighs MEDIUM without a wildcard): 15 / 90 × 100 × 1.5 = 25. The HIGH and CRITICAL
    // findings add 10 + 20: 45 / 90 × 150 = 75. The INFO finding on another host adds nothing.
    assert_eq!(before.risk_score, 25.0);
    assert_eq!(after.risk_score, 75.0);
    assert!(after.risk_score > before.risk_score);
    assert_eq!(after.risk_level, Severity::from_score(after.risk_score));
    // The policy on risk_score was judged again on the new score.
    let over = |a: &apispm_engine::Assessed| {
        a.violations
            .iter()
            .any(|v| v.policy == "risk-budget" && v.api_id == after.api_id)
    };
    assert!(!over(&e.assess(&inv, 0)));
    assert!(over(&with));
    assert_eq!(after.risk_level, Severity::Critical);
}

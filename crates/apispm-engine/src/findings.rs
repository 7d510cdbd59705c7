//! Findings the traffic itself shows.

use apispm_core::tally::Location;
use apispm_core::{Assessment, Control, Finding, SensitiveType, Severity, thousands};

fn finding(
    a: &Assessment,
    rule: &str,
    category: &str,
    severity: Severity,
    title: String,
    detail: String,
    remediation: &str,
) -> Finding {
    Finding {
        source: "apispm".into(),
        rule: rule.into(),
        category: Some(category.into()),
        severity,
        title,
        detail,
        api_id: Some(a.api_id.clone()),
        service: Some(a.service.clone()),
        method: Some(a.method.clone()),
        path: Some(a.path.clone()),
        url: None,
        remediation: remediation.into(),
        location: None,
    }
}

/// Unauthenticated success (requests without credentials answered 2xx on an endpoint that
/// otherwise carries auth) and sensitive data in URLs (query strings and paths end up in proxy
/// logs, browser history and Referer headers, whatever the transport).
pub fn traffic_findings(endpoints: &[Assessment]) -> Vec<Finding> {
    let mut out = Vec::new();
    for a in endpoints.iter().filter(|a| a.requests > 0) {
        let authed = a
            .control(Control::Authentication)
            .map_or(0.0, |c| c.observed_ratio);
        if a.unauthenticated_success > 0 && authed > 0.0 {
            out.push(finding(
                a,
                "unauthenticated-success",
                "API2:2023 Broken Authentication",
                Severity::High,
                format!("{} {} answered 2xx without credentials", a.method, a.path),
                format!(
                    "{} request(s) without credentials were answered 2xx, while other requests to this endpoint carry credentials",
                    thousands(a.unauthenticated_success)
                ),
                "Enforce authentication on every route of the endpoint at the gateway; check for auth bypass paths",
            ));
        }
        for s in &a.sensitive_data {
            let in_url: Vec<&str> = s
                .locations
                .iter()
                .filter(|l| matches!(l, Location::Query | Location::Path))
                .map(|l| l.as_str())
                .collect();
            if in_url.is_empty() {
                continue;
            }
            let secret = s.kind.is_secret();
            out.push(finding(
                a,
                if secret { "secret-in-url" } else { "sensitive-data-in-url" },
                if secret {
                    "API2:2023 Broken Authentication"
                } else {
                    "API3:2023 Broken Object Property Level Authorization"
                },
                if secret || s.kind == SensitiveType::CreditCard || s.kind == SensitiveType::Ssn {
                    Severity::High
                } else {
                    Severity::Medium
                },
                format!("{} in the URL of {} {}", s.kind.as_str(), a.method, a.path),
                format!(
                    "{} seen {} time(s) in the {} (e.g. {})",
                    s.kind.as_str(),
                    thousands(s.count),
                    in_url.join(" and "),
                    s.hint
                ),
                if secret {
                    "Send credentials in headers (Authorization), never in URLs; rotate the exposed ones"
                } else {
                    "Move sensitive values out of URLs into request bodies or headers"
                },
            ));
        }
    }
    out
}

//! Elasticsearch `_bulk` NDJSON with Elastic Common Schema fields: an `index` action with a
//! deterministic `_id` and one document per record.
//!
//! ECS fields used: `@timestamp`, `message`, `event.{kind,category,type,dataset,module,
//! severity,risk_score,id}`, `url.{full,original,scheme,domain,port,path}`,
//! `http.request.method`, `vulnerability.{id,severity,category,description,scanner.vendor}`,
//! `rule.{id,name,category,description,ruleset}`, `service.name`, `host.name`,
//! `observer.{vendor,product,type}` and `labels`. What ECS has no field for is under
//! `apispm.*` (the record as the JSON report has it).

use crate::Payload;
use crate::records::{Kind, Record};
use apispm_core::Severity;
use serde_json::{Map, Value, json};
use std::borrow::Borrow;

#[derive(Clone, Debug)]
pub struct ElasticOptions {
    /// The index (or alias) every document goes to.
    pub index: String,
}

impl Default for ElasticOptions {
    fn default() -> Self {
        ElasticOptions {
            index: "apispm".into(),
        }
    }
}

/// ECS `event.severity`, on the 0–100 scale Elastic's detection rules use.
pub fn ecs_severity(s: Severity) -> u8 {
    match s {
        Severity::Critical => 99,
        Severity::High => 73,
        Severity::Medium => 47,
        Severity::Low => 21,
        Severity::Info => 0,
    }
}

/// `Critical`, `High`, … as `vulnerability.severity` examples write it.
fn severity_word(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "Critical",
        Severity::High => "High",
        Severity::Medium => "Medium",
        Severity::Low => "Low",
        Severity::Info => "Info",
    }
}

fn s<'a>(body: &'a Map<String, Value>, k: &str) -> Option<&'a str> {
    body.get(k)
        .and_then(Value::as_str)
        .filter(|v| !v.is_empty())
}

/// `url.*` from an absolute URL.
fn url_fields(full: &str) -> Value {
    let mut u = Map::new();
    u.insert("full".into(), json!(full));
    u.insert("original".into(), json!(full));
    if let Some((scheme, rest)) = full.split_once("://") {
        u.insert("scheme".into(), json!(scheme));
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, "/"),
        };
        let (domain, port) = match authority.rsplit_once(':') {
            Some((d, p)) if !d.ends_with(']') || d.starts_with('[') => match p.parse::<u16>() {
                Ok(p) => (d, Some(p)),
                Err(_) => (authority, None),
            },
            _ => (authority, None),
        };
        u.insert("domain".into(), json!(domain));
        if let Some(p) = port {
            u.insert("port".into(), json!(p));
        }
        u.insert("path".into(), json!(path));
    }
    Value::Object(u)
}

fn document(r: &Record) -> Value {
    let b = &r.body;
    let mut doc = Map::new();
    doc.insert(
        "@timestamp".into(),
        json!(apispm_core::time::format_rfc3339(r.time_ms)),
    );
    let (kind, category, message) = match r.kind {
        Kind::Summary => (
            "metric",
            "web",
            format!(
                "API posture: {} endpoints, average risk {}",
                b.get("total_apis").unwrap_or(&json!(0)),
                b.get("average_risk_score").unwrap_or(&json!(0))
            ),
        ),
        Kind::Endpoint => (
            "state",
            "web",
            format!(
                "{} {} ({})",
                s(b, "method").unwrap_or(""),
                s(b, "path").unwrap_or(""),
                s(b, "service").unwrap_or("")
            ),
        ),
        Kind::Finding => ("alert", "vulnerability", s(b, "title").unwrap_or("").into()),
        Kind::PolicyViolation => (
            "alert",
            "configuration",
            format!(
                "{}: {} {}",
                s(b, "policy").unwrap_or(""),
                s(b, "method").unwrap_or(""),
                s(b, "path").unwrap_or("")
            ),
        ),
        Kind::ComplianceGap => (
            "alert",
            "configuration",
            format!(
                "{}: {} {}",
                s(b, "requirement").unwrap_or(""),
                s(b, "method").unwrap_or(""),
                s(b, "path").unwrap_or("")
            ),
        ),
    };
    doc.insert("message".into(), json!(message));
    let mut event = json!({
        "kind": kind,
        "category": [category],
        "type": ["info"],
        "dataset": format!("apispm.{}", r.kind.as_str()),
        "module": "apispm",
        "id": r.id,
    });
    if let Some(sev) = r.severity {
        event["severity"] = json!(ecs_severity(sev));
    }
    if r.kind == Kind::Endpoint {
        if let Some(score) = b.get("risk_score") {
            event["risk_score"] = score.clone();
        }
    }
    doc.insert("event".into(), event);
    doc.insert(
        "observer".into(),
        json!({"vendor": "apispm", "product": "apispm", "type": "api-security"}),
    );

    if let Some(service) = s(b, "service") {
        doc.insert("service".into(), json!({"name": service}));
    }
    if let Some(h) = &r.host {
        doc.insert("host".into(), json!({"name": h}));
    }
    if let Some(m) = s(b, "method") {
        doc.insert("http".into(), json!({"request": {"method": m}}));
    }
    match s(b, "url") {
        Some(full) => {
            doc.insert("url".into(), url_fields(full));
        }
        None => {
            if let Some(p) = s(b, "path") {
                let mut u = json!({"path": p});
                if let Some(h) = s(b, "host") {
                    u["domain"] = json!(h);
                }
                doc.insert("url".into(), u);
            }
        }
    }
    let severity = r.severity.map(severity_word);
    match r.kind {
        Kind::Finding => {
            let rule = s(b, "rule").unwrap_or("");
            let source = s(b, "source").unwrap_or("");
            let mut vuln = json!({
                "id": rule,
                "description": s(b, "detail").or(s(b, "title")).unwrap_or(""),
                "scanner": {"vendor": source},
            });
            if let Some(sev) = severity {
                vuln["severity"] = json!(sev);
            }
            if let Some(c) = s(b, "category") {
                vuln["category"] = json!([c]);
            }
            doc.insert("vulnerability".into(), vuln);
            let mut rule_f = json!({
                "id": rule,
                "name": s(b, "title").unwrap_or(rule),
                "ruleset": source,
            });
            if let Some(c) = s(b, "category") {
                rule_f["category"] = json!(c);
            }
            if let Some(rem) = s(b, "remediation") {
                rule_f["description"] = json!(rem);
            }
            doc.insert("rule".into(), rule_f);
        }
        Kind::PolicyViolation => {
            doc.insert(
                "rule".into(),
                json!({
                    "id": s(b, "policy").unwrap_or(""),
                    "name": s(b, "policy").unwrap_or(""),
                    "description": s(b, "description").unwrap_or(""),
                    "ruleset": "apispm-policy",
                }),
            );
        }
        Kind::ComplianceGap => {
            doc.insert(
                "rule".into(),
                json!({
                    "id": format!("{}/{}", s(b, "tag").unwrap_or(""), s(b, "control").unwrap_or("")),
                    "name": s(b, "requirement").unwrap_or(""),
                    "category": s(b, "framework").unwrap_or(""),
                    "description": s(b, "description").unwrap_or(""),
                    "ruleset": "apispm-compliance",
                }),
            );
        }
        Kind::Summary | Kind::Endpoint => {}
    }
    let mut labels = Map::new();
    labels.insert("apispm_kind".into(), json!(r.kind.as_str()));
    if let Some(id) = s(b, "api_id") {
        labels.insert("api_id".into(), json!(id));
    }
    if let Some(c) = s(b, "classification") {
        labels.insert("classification".into(), json!(c));
    }
    doc.insert("labels".into(), Value::Object(labels));
    doc.insert("apispm".into(), Value::Object(b.clone()));
    Value::Object(doc)
}

/// One `index` action and document per record. The action line and the document line are
/// one payload: they must travel, and be retried, together.
pub fn bulk_items<R: Borrow<Record>>(
    records: impl IntoIterator<Item = R>,
    o: &ElasticOptions,
) -> Vec<Payload> {
    records
        .into_iter()
        .map(|r| bulk_item(r.borrow(), o))
        .collect()
}

/// The `_bulk` action and document of one record.
pub fn bulk_item(r: &Record, o: &ElasticOptions) -> Payload {
    let action = json!({"index": {"_index": o.index, "_id": r.id}});
    let mut text = serde_json::to_string(&action).expect("serializes");
    text.push('\n');
    text.push_str(&serde_json::to_string(&document(r)).expect("serializes"));
    text.push('\n');
    Payload {
        id: r.id.clone(),
        text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_parts() {
        let u = url_fields("https://api.example.com:8443/v1/x");
        assert_eq!(u["domain"], "api.example.com");
        assert_eq!(u["port"], 8443);
        assert_eq!(u["path"], "/v1/x");
        let u = url_fields("http://[::1]/");
        assert_eq!(u["domain"], "[::1]");
        assert!(u.get("port").is_none());
    }
}

//! The records a report is exported as, whatever the SIEM: one summary, one per endpoint
//! assessment, one per finding, policy violation and compliance gap. Each has a deterministic
//! id (report date, kind, position, identity), so re-sending the same report overwrites rather
//! than duplicates where the receiver honours ids (Elasticsearch `_id`), and lets searches
//! de-duplicate where it does not (Splunk HEC: `event_id`).

use apispm_core::{Severity, time};
use apispm_report::Report;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

/// What a record is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Summary,
    Endpoint,
    Finding,
    PolicyViolation,
    ComplianceGap,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Summary => "summary",
            Kind::Endpoint => "endpoint",
            Kind::Finding => "finding",
            Kind::PolicyViolation => "policy_violation",
            Kind::ComplianceGap => "compliance_gap",
        }
    }
}

/// One exported record, before a SIEM's envelope is put around it.
#[derive(Clone, Debug, PartialEq)]
pub struct Record {
    pub kind: Kind,
    /// 32 hex digits, stable for the same report.
    pub id: String,
    /// Epoch milliseconds of the report.
    pub time_ms: i64,
    pub severity: Option<Severity>,
    /// The endpoint's host, else its service.
    pub host: Option<String>,
    /// The record's fields, as in the JSON report, plus `kind`.
    pub body: Map<String, Value>,
}

fn record_id(report_date: &str, kind: Kind, position: usize, identity: &str) -> String {
    let mut h = Sha256::new();
    for part in [report_date, kind.as_str(), &position.to_string(), identity] {
        h.update(part.as_bytes());
        h.update([0]);
    }
    h.finalize()[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn object(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// Every record of a report, summary first.
pub fn records(r: &Report) -> Vec<Record> {
    records_iter(r).collect()
}

/// [`records`], made one at a time: an export then holds the events it writes, not the records
/// as well.
pub fn records_iter(r: &Report) -> impl Iterator<Item = Record> + '_ {
    let time_ms = time::parse_rfc3339(&r.report_date).unwrap_or(0);
    let date = r.report_date.as_str();
    std::iter::once(summary(r, time_ms))
        .chain(
            r.endpoints
                .iter()
                .enumerate()
                .map(move |(i, a)| endpoint(date, time_ms, i, a)),
        )
        .chain(
            r.findings
                .iter()
                .enumerate()
                .map(move |(i, f)| finding(date, time_ms, i, f)),
        )
        .chain(
            r.policy_violations
                .iter()
                .enumerate()
                .map(move |(i, v)| violation(date, time_ms, i, v)),
        )
        .chain(
            r.compliance_gaps
                .iter()
                .enumerate()
                .map(move |(i, g)| gap(date, time_ms, i, g)),
        )
}

fn summary(r: &Report, time_ms: i64) -> Record {
    let metrics: Map<String, Value> = r
        .metrics
        .iter()
        .map(|m| (m.name.to_string(), json!(m.value)))
        .collect();
    let mut summary = object(json!({
        "report_date": r.report_date,
        "total_apis": r.total_apis,
        "average_risk_score": r.average_risk_score,
        "risk_distribution": r.risk_distribution,
        "classification": r.classification,
        "undocumented_apis": r.undocumented_apis,
        "missing_authentication": r.missing_authentication,
        "missing_tls": r.missing_tls,
        "orphan_apis": r.orphan_apis,
        "unowned_apis": r.unowned_apis,
        "policy_violations": r.policy_violations.len(),
        "findings": r.findings.len(),
        "compliance_gaps": r.compliance_gaps.len(),
        "metrics": metrics,
    }));
    summary.insert("kind".into(), json!(Kind::Summary.as_str()));
    Record {
        kind: Kind::Summary,
        id: record_id(&r.report_date, Kind::Summary, 0, ""),
        time_ms,
        severity: None,
        host: None,
        body: summary,
    }
}

fn endpoint(date: &str, time_ms: i64, i: usize, a: &apispm_core::Assessment) -> Record {
    let missing: Vec<String> = a
        .security_controls
        .iter()
        .filter(|c| c.required && !c.present)
        .map(|c| c.name.to_string())
        .collect();
    let controls: Map<String, Value> = a
        .security_controls
        .iter()
        .map(|c| (c.name.to_string(), json!(c.present)))
        .collect();
    let mut body = object(json!({
        "api_id": a.api_id,
        "service": a.service,
        "host": a.host,
        "method": a.method,
        "path": a.path,
        "classification": a.classification,
        "exposure": a.exposure,
        "documented": a.documented,
        "requests": a.requests,
        "risk_score": a.risk_score,
        "risk_level": a.risk_level,
        "owner": a.owner,
        "version": a.version,
        "compliance_tags": a.compliance_tags,
        "sensitive_data_types": a.sensitive_data_types,
        "missing_controls": missing,
        "controls": controls,
        "first_discovered": a.first_discovered,
        "last_seen": a.last_seen,
        "traffic_volume_daily": a.traffic_volume_daily,
    }));
    body.insert("kind".into(), json!(Kind::Endpoint.as_str()));
    Record {
        kind: Kind::Endpoint,
        id: record_id(date, Kind::Endpoint, i, &a.api_id),
        time_ms,
        severity: Some(a.risk_level),
        host: a.host.clone().or_else(|| Some(a.service.clone())),
        body,
    }
}

fn finding(date: &str, time_ms: i64, i: usize, f: &apispm_core::Finding) -> Record {
    let mut body = object(serde_json::to_value(f).expect("a finding serializes"));
    body.insert("kind".into(), json!(Kind::Finding.as_str()));
    let identity = format!(
        "{}|{}|{}|{}|{}",
        f.source,
        f.rule,
        f.api_id.as_deref().unwrap_or(""),
        f.url.as_deref().unwrap_or(""),
        f.title
    );
    let host = f
        .url
        .as_deref()
        .and_then(|u| u.split_once("://"))
        .map(|(_, rest)| rest.split(['/', ':']).next().unwrap_or("").to_string())
        .filter(|h| !h.is_empty())
        .or_else(|| f.service.clone());
    Record {
        kind: Kind::Finding,
        id: record_id(date, Kind::Finding, i, &identity),
        time_ms,
        severity: Some(f.severity),
        host,
        body,
    }
}

fn violation(date: &str, time_ms: i64, i: usize, v: &apispm_policy::Violation) -> Record {
    let mut body = object(serde_json::to_value(v).expect("a violation serializes"));
    body.insert("kind".into(), json!(Kind::PolicyViolation.as_str()));
    Record {
        kind: Kind::PolicyViolation,
        id: record_id(
            date,
            Kind::PolicyViolation,
            i,
            &format!("{}|{}", v.policy, v.api_id),
        ),
        time_ms,
        severity: Some(v.severity),
        host: Some(v.service.clone()),
        body,
    }
}

fn gap(date: &str, time_ms: i64, i: usize, g: &apispm_core::compliance::ComplianceGap) -> Record {
    let mut body = object(serde_json::to_value(g).expect("a gap serializes"));
    body.insert("kind".into(), json!(Kind::ComplianceGap.as_str()));
    Record {
        kind: Kind::ComplianceGap,
        id: record_id(
            date,
            Kind::ComplianceGap,
            i,
            &format!("{}|{}|{}", g.tag, g.control, g.api_id),
        ),
        time_ms,
        severity: Some(g.severity),
        host: Some(g.service.clone()),
        body,
    }
}

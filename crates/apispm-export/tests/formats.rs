//! The events themselves: HEC envelopes, ECS field names and types (checked against the ECS
//! field list), deterministic ids, files.

mod common;

use apispm_export::{
    ElasticOptions, HecOptions, Kind, bulk_items, hec_events, records, write_payloads,
};
use serde_json::Value;
use std::collections::BTreeMap;

/// ECS fields: name → (type, normalization), from elastic/ecs generated/csv/fields.csv.
fn ecs() -> BTreeMap<String, (String, String)> {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/ecs-fields.csv");
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| {
            let mut p = l.splitn(3, ',');
            let name = p.next().unwrap().to_string();
            (
                name,
                (
                    p.next().unwrap().to_string(),
                    p.next().unwrap_or("").to_string(),
                ),
            )
        })
        .collect()
}

fn leaves(prefix: &str, v: &Value, out: &mut Vec<(String, Value)>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                let name = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                leaves(&name, x, out);
            }
        }
        _ => out.push((prefix.to_string(), v.clone())),
    }
}

#[test]
fn every_record_kind_is_exported() {
    let report = common::report(4);
    let recs = records(&report);
    let count = |k: Kind| recs.iter().filter(|r| r.kind == k).count();
    assert_eq!(count(Kind::Summary), 1);
    assert_eq!(count(Kind::Endpoint), 4);
    assert_eq!(count(Kind::Finding), 4);
    assert_eq!(count(Kind::PolicyViolation), report.policy_violations.len());
    assert_eq!(count(Kind::ComplianceGap), 1);
    // Ids: deterministic, distinct even for identical findings.
    let again = records(&common::report(4));
    assert_eq!(recs, again);
    let ids: std::collections::BTreeSet<&str> = recs.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids.len(), recs.len());
    assert!(recs.iter().all(|r| r.id.len() == 32));
}

#[test]
fn elastic_documents_use_ecs_fields_with_their_types() {
    let ecs = ecs();
    let report = common::report(3);
    let items = bulk_items(records(&report), &ElasticOptions::default());
    let mut checked = std::collections::BTreeSet::new();
    for p in &items {
        let mut lines = p.text.lines();
        let action: Value = serde_json::from_str(lines.next().unwrap()).unwrap();
        let doc: Value = serde_json::from_str(lines.next().unwrap()).unwrap();
        assert!(lines.next().is_none());
        assert_eq!(action["index"]["_id"], p.id.as_str());
        assert_eq!(doc["@timestamp"], "2026-12-04T10:00:00.250Z");
        let mut fields = Vec::new();
        leaves("", &doc, &mut fields);
        for (name, value) in fields {
            if name.starts_with("apispm.") || name.starts_with("labels.") {
                continue;
            }
            let (ty, norm) = ecs
                .get(&name)
                .unwrap_or_else(|| panic!("{name} is not an ECS field"));
            let scalars: Vec<&Value> = match &value {
                Value::Array(a) => {
                    assert_eq!(norm, "array", "{name} is not an array field");
                    a.iter().collect()
                }
                v => vec![v],
            };
            for s in scalars {
                let ok = match ty.as_str() {
                    "keyword" | "wildcard" | "match_only_text" | "text" | "constant_keyword" => {
                        s.is_string()
                    }
                    "long" => s.is_u64() || s.is_i64(),
                    "float" | "scaled_float" | "double" => s.is_number(),
                    "date" => s
                        .as_str()
                        .is_some_and(|d| apispm_core::time::parse_rfc3339(d).is_some()),
                    other => panic!("{name}: type {other} not expected"),
                };
                assert!(ok, "{name} = {s} is not a {ty}");
            }
            checked.insert(name);
        }
        // Labels are flat keyword values.
        for (k, v) in doc["labels"].as_object().unwrap() {
            assert!(v.is_string() && !k.contains('.'), "labels.{k}");
        }
    }
    for needed in [
        "event.kind",
        "event.category",
        "event.type",
        "event.dataset",
        "event.severity",
        "url.full",
        "url.domain",
        "url.port",
        "url.path",
        "http.request.method",
        "vulnerability.id",
        "vulnerability.severity",
        "vulnerability.category",
        "vulnerability.description",
        "rule.id",
        "rule.name",
        "service.name",
        "event.risk_score",
    ] {
        assert!(checked.contains(needed), "{needed} never exported");
    }
}

#[test]
fn ecs_values_per_kind() {
    let items = bulk_items(records(&common::report(2)), &ElasticOptions::default());
    let docs: Vec<Value> = items
        .iter()
        .map(|p| serde_json::from_str(p.text.lines().nth(1).unwrap()).unwrap())
        .collect();
    fn by<'a>(docs: &'a [Value], k: &'a str) -> impl Iterator<Item = &'a Value> + 'a {
        docs.iter().filter(move |d| d["labels"]["apispm_kind"] == k)
    }
    let f = by(&docs, "finding")
        .find(|d| d["vulnerability"]["id"] == "10021")
        .unwrap();
    assert_eq!(f["event"]["kind"], "alert");
    assert_eq!(f["event"]["category"][0], "vulnerability");
    assert_eq!(f["event"]["severity"], 21);
    assert_eq!(f["vulnerability"]["severity"], "Low");
    assert_eq!(f["vulnerability"]["scanner"]["vendor"], "zap");
    assert_eq!(f["url"]["port"], 8443);
    assert_eq!(f["url"]["path"], "/v1/items0/7");
    let e = by(&docs, "endpoint").next().unwrap();
    assert_eq!(e["event"]["kind"], "state");
    assert_eq!(e["url"]["path"], "/v1/items0/{id}");
    assert!(e["event"]["risk_score"].is_number());
    assert!(e["labels"]["api_id"].is_string());
    let g = by(&docs, "compliance_gap").next().unwrap();
    assert_eq!(g["event"]["severity"], 99);
    assert_eq!(g["rule"]["ruleset"], "apispm-compliance");
    let s = by(&docs, "summary").next().unwrap();
    assert_eq!(s["event"]["kind"], "metric");
    assert_eq!(s["apispm"]["total_apis"], 2);
}

#[test]
fn hec_envelopes_and_files() {
    let report = common::report(2);
    let recs = records(&report);
    let events = hec_events(
        &recs,
        &HecOptions {
            sourcetype: Some("apispm:posture".into()),
            ..HecOptions::default()
        },
    );
    let mut file = Vec::new();
    write_payloads(&events, &mut file).unwrap();
    let text = String::from_utf8(file).unwrap();
    assert_eq!(text.lines().count(), events.len());
    for (line, r) in text.lines().zip(&recs) {
        let e: Value = serde_json::from_str(line).unwrap();
        assert_eq!(e["sourcetype"], "apispm:posture");
        assert_eq!(e["source"], "apispm");
        assert!(e.get("index").is_none(), "no index unless asked");
        assert_eq!(e["event"]["event_id"], r.id.as_str());
        assert_eq!(e["event"]["kind"], r.kind.as_str());
        let keys: Vec<&str> = e.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys, ["event", "host", "source", "sourcetype", "time"]);
    }
    let first: Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    assert_eq!(first["host"], "apispm", "the summary is about no endpoint");
    let zap: Value = text
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .find(|e| e["event"]["source"] == "zap")
        .unwrap();
    assert_eq!(zap["host"], "shop.example.com");

    let mut bulk = Vec::new();
    write_payloads(&bulk_items(&recs, &ElasticOptions::default()), &mut bulk).unwrap();
    let bulk = String::from_utf8(bulk).unwrap();
    assert_eq!(bulk.lines().count(), 2 * recs.len());
    assert!(bulk.ends_with('\n'));
}

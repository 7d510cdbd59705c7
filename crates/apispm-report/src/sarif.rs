//! SARIF 2.1.0, as GitHub code scanning and other SARIF consumers read it.
//!
//! One run whose tool is apispm. Every finding (traffic, spec audit, imported), policy
//! violation and compliance gap is a result. Rules carry what GitHub needs to list them as
//! security alerts: short and full descriptions, help in text and markdown, `security-severity`
//! and tags that include `security`. Results carry a `partialFingerprints` entry that is stable
//! across runs (rule, endpoint or file place, title), so an alert keeps its identity while the
//! problem stays. A result points into the API description when apispm knows the place (a
//! physical location with line and column, and the JSON pointer as a logical location);
//! otherwise a logical location names the endpoint: `GET /users/{id}` in its service.
//!
//! Imported findings keep their tool in the rule id (`zap/10021`), so rules of different tools
//! never collide.

use crate::Report;
use apispm_core::{Finding, Severity};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
/// The key of apispm's fingerprint in `partialFingerprints`.
pub const FINGERPRINT_KEY: &str = "apispm/v1";

/// `security-severity` per severity, inside GitHub's bands (critical over 9.0, high 7.0–8.9,
/// medium 4.0–6.9, low 0.1–3.9).
pub fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "2.0",
        Severity::Info => "0.0",
    }
}

/// SARIF `level` per severity.
pub fn level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

/// What a rule is made of, gathered from its results.
struct Rule {
    id: String,
    name: String,
    full: String,
    help: String,
    category: Option<String>,
    source: String,
    severity: Severity,
    /// Titles seen: one shared title becomes the short description.
    titles: Vec<String>,
}

/// Where a result is.
#[derive(Default)]
struct Place {
    file: Option<(String, u32, u32)>,
    pointer: Option<String>,
    service: Option<String>,
    method: Option<String>,
    path: Option<String>,
    url: Option<String>,
    api_id: Option<String>,
}

struct Item {
    rule: String,
    severity: Severity,
    message: String,
    place: Place,
    title: String,
    properties: Map<String, Value>,
}

/// Builds one SARIF run from findings, violations and gaps.
struct Builder {
    rules: Vec<Rule>,
    index: BTreeMap<String, usize>,
}

fn humanize(id: &str) -> String {
    let tail = id.rsplit('/').next().unwrap_or(id);
    let tail = tail.rsplit(':').next().unwrap_or(tail);
    // Spectral's OWASP ids end in `2023-rate-limit`: the year is not part of the name.
    let tail = match tail.split_once('-') {
        Some((year, rest)) if year.len() == 4 && year.bytes().all(|b| b.is_ascii_digit()) => rest,
        _ => tail,
    };
    let mut s: String = tail
        .chars()
        .map(|c| if c == '-' || c == '_' { ' ' } else { c })
        .collect();
    if let Some(first) = s.get(..1) {
        let up = first.to_uppercase();
        s.replace_range(..1, &up);
    }
    s
}

/// A relative or absolute file path as a URI reference: forward slashes, spaces and other
/// characters outside URIs escaped.
fn file_uri(file: &str) -> String {
    let f = file.replace('\\', "/");
    let mut out = String::with_capacity(f.len());
    for b in f.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' | b':' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

impl Builder {
    fn new() -> Builder {
        Builder {
            rules: Vec::new(),
            index: BTreeMap::new(),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn rule(
        &mut self,
        id: &str,
        name: &str,
        full: &str,
        help: &str,
        category: Option<&str>,
        source: &str,
        severity: Severity,
        title: &str,
    ) {
        let i = *self.index.entry(id.to_string()).or_insert_with(|| {
            self.rules.push(Rule {
                id: id.to_string(),
                name: name.to_string(),
                full: full.to_string(),
                help: help.to_string(),
                category: category.map(str::to_string),
                source: source.to_string(),
                severity,
                titles: Vec::new(),
            });
            self.rules.len() - 1
        });
        let r = &mut self.rules[i];
        r.severity = r.severity.max(severity);
        if r.help.is_empty() && !help.is_empty() {
            r.help = help.to_string();
        }
        if r.full.is_empty() && !full.is_empty() {
            r.full = full.to_string();
        }
        if r.category.is_none() {
            r.category = category.map(str::to_string);
        }
        if r.titles.len() < 2 && !r.titles.iter().any(|t| t == title) {
            r.titles.push(title.to_string());
        }
    }

    fn finding(&mut self, f: &Finding) -> Item {
        let id = if f.source == "apispm" {
            f.rule.clone()
        } else {
            format!("{}/{}", f.source, f.rule)
        };
        self.rule(
            &id,
            &f.rule,
            &f.detail,
            &f.remediation,
            f.category.as_deref(),
            &f.source,
            f.severity,
            &f.title,
        );
        let mut message = f.title.clone();
        if !f.detail.is_empty() && f.detail != f.title {
            message.push_str("\n\n");
            message.push_str(&f.detail);
        }
        let mut properties = Map::new();
        properties.insert("source".into(), json!(f.source));
        properties.insert("severity".into(), json!(f.severity));
        properties.insert(
            "security-severity".into(),
            json!(security_severity(f.severity)),
        );
        if let Some(c) = &f.category {
            properties.insert("category".into(), json!(c));
        }
        Item {
            rule: id,
            severity: f.severity,
            message,
            title: f.title.clone(),
            place: Place {
                file: f
                    .location
                    .as_ref()
                    .map(|l| (l.file.clone(), l.line, l.column)),
                pointer: f.location.as_ref().and_then(|l| l.pointer.clone()),
                service: f.service.clone(),
                method: f.method.clone(),
                path: f.path.clone(),
                url: f.url.clone(),
                api_id: f.api_id.clone(),
            },
            properties,
        }
    }

    fn endpoint_place(api_id: &str, service: &str, method: &str, path: &str) -> Place {
        Place {
            service: Some(service.to_string()),
            method: Some(method.to_string()),
            path: Some(path.to_string()),
            api_id: Some(api_id.to_string()),
            ..Place::default()
        }
    }

    fn violation(&mut self, v: &apispm_policy::Violation) -> Item {
        let id = format!("policy/{}", v.policy);
        let title = format!("{} {}: {}", v.method, v.path, v.description);
        self.rule(
            &id,
            &v.policy,
            &format!("Policy `{}`: {}", v.policy, v.description),
            &v.remediation,
            None,
            "apispm-policy",
            v.severity,
            &v.description,
        );
        let mut properties = Map::new();
        properties.insert("source".into(), json!("apispm-policy"));
        properties.insert("severity".into(), json!(v.severity));
        properties.insert(
            "security-severity".into(),
            json!(security_severity(v.severity)),
        );
        Item {
            rule: id,
            severity: v.severity,
            message: format!("{title}\n\n{}", v.reason),
            title,
            place: Self::endpoint_place(&v.api_id, &v.service, &v.method, &v.path),
            properties,
        }
    }

    fn gap(&mut self, g: &apispm_core::compliance::ComplianceGap) -> Item {
        let control = g.control.to_string();
        let id = format!("compliance/{}/{}", g.tag, control);
        let title = format!("{} {}: {}", g.method, g.path, g.description);
        self.rule(
            &id,
            &format!("{} {}", g.framework, control),
            &format!("{}: {}", g.requirement, g.description),
            &g.remediation,
            None,
            "apispm-compliance",
            g.severity,
            &format!("{}: {}", g.requirement, g.description),
        );
        let mut properties = Map::new();
        properties.insert("source".into(), json!("apispm-compliance"));
        properties.insert("severity".into(), json!(g.severity));
        properties.insert("framework".into(), json!(g.framework));
        properties.insert("requirement".into(), json!(g.requirement));
        properties.insert(
            "security-severity".into(),
            json!(security_severity(g.severity)),
        );
        Item {
            rule: id,
            severity: g.severity,
            message: format!("{title} ({})", g.requirement),
            title,
            place: Self::endpoint_place(&g.api_id, &g.service, &g.method, &g.path),
            properties,
        }
    }

    fn rule_json(r: &Rule) -> Value {
        let short = match r.titles.as_slice() {
            [one] => one.clone(),
            _ => {
                let h = humanize(&r.name);
                if r.source == "apispm" || r.source.starts_with("apispm-") {
                    h
                } else {
                    format!("{}: {h}", r.source)
                }
            }
        };
        let short = if short.trim().is_empty() {
            r.id.clone()
        } else {
            short
        };
        let full = if r.full.trim().is_empty() {
            match &r.category {
                Some(c) => format!("{short} ({c})"),
                None => short.clone(),
            }
        } else {
            r.full.clone()
        };
        let help_text = if r.help.trim().is_empty() {
            format!("{full}\n\nSee each result's message for the endpoint and evidence.")
        } else {
            r.help.clone()
        };
        let mut md = format!("## {}\n\n{}\n", md_escape(&short), md_escape(&full));
        if let Some(c) = &r.category {
            md.push_str(&format!(
                "\n**OWASP API Security Top 10:** {}\n",
                md_escape(c)
            ));
        }
        if !r.help.trim().is_empty() {
            md.push_str(&format!("\n**Remediation:** {}\n", md_escape(&r.help)));
        }
        md.push_str(&format!(
            "\n**Severity:** {} · **Source:** {}\n",
            r.severity,
            md_escape(&r.source)
        ));
        let mut tags = vec!["security".to_string(), "api".to_string()];
        if let Some(c) = &r.category {
            // `API2:2023 Broken Authentication` → `owasp-api2:2023`
            if let Some(code) = c.split_whitespace().next() {
                tags.push(format!("owasp-{}", code.to_ascii_lowercase()));
            }
        }
        if !tags.contains(&r.source) {
            tags.push(r.source.clone());
        }
        json!({
            "id": r.id,
            "name": r.name,
            "shortDescription": {"text": short},
            "fullDescription": {"text": full},
            "help": {"text": help_text, "markdown": md},
            "defaultConfiguration": {"level": level(r.severity)},
            "properties": {
                "security-severity": security_severity(r.severity),
                "tags": tags,
                "precision": "high",
                "problem.severity": if r.severity >= Severity::High { "error" } else if r.severity == Severity::Medium { "warning" } else { "recommendation" },
            },
        })
    }

    fn locations(p: &Place) -> Vec<Value> {
        let endpoint = match (&p.method, &p.path, &p.url) {
            (Some(m), Some(path), _) => Some(format!("{m} {path}")),
            (m, None, Some(u)) => Some(match m {
                Some(m) => format!("{m} {u}"),
                None => u.clone(),
            }),
            _ => None,
        };
        let mut logical = Vec::new();
        if let Some(e) = &endpoint {
            let fq = match &p.service {
                Some(s) => format!("{s} {e}"),
                None => e.clone(),
            };
            logical.push(json!({"name": e, "fullyQualifiedName": fq, "kind": "resource"}));
        } else if let Some(s) = &p.service {
            logical.push(json!({"name": s, "fullyQualifiedName": s, "kind": "namespace"}));
        }
        if let Some(ptr) = &p.pointer {
            logical.push(json!({"name": ptr, "fullyQualifiedName": ptr, "kind": "object"}));
        }
        let mut loc = Map::new();
        if let Some((file, line, column)) = &p.file {
            let mut phys = json!({"artifactLocation": {"uri": file_uri(file)}});
            if *line > 0 {
                let mut region = json!({"startLine": line});
                if *column > 0 {
                    region["startColumn"] = json!(column);
                }
                phys["region"] = region;
            }
            loc.insert("physicalLocation".into(), phys);
        }
        if !logical.is_empty() {
            loc.insert("logicalLocations".into(), Value::Array(logical));
        }
        if loc.is_empty() {
            Vec::new()
        } else {
            vec![Value::Object(loc)]
        }
    }

    fn fingerprint(item: &Item) -> String {
        let p = &item.place;
        let where_ = if let Some(id) = &p.api_id {
            id.clone()
        } else if let Some((file, line, _)) = &p.file {
            match &p.pointer {
                Some(ptr) => format!("{file}#{ptr}"),
                None => format!("{file}:{line}"),
            }
        } else {
            format!(
                "{}|{}|{}|{}",
                p.service.as_deref().unwrap_or(""),
                p.method.as_deref().unwrap_or(""),
                p.path.as_deref().unwrap_or(""),
                p.url.as_deref().unwrap_or("")
            )
        };
        let mut h = Sha256::new();
        for part in [item.rule.as_str(), &where_, &item.title] {
            h.update(part.as_bytes());
            h.update([0]);
        }
        h.finalize()[..16]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    fn result_json(&self, item: &Item) -> Value {
        let mut r = json!({
            "ruleId": item.rule,
            "ruleIndex": self.index[&item.rule],
            "level": level(item.severity),
            "message": {"text": item.message},
            "partialFingerprints": {FINGERPRINT_KEY: Self::fingerprint(item)},
        });
        let locations = Self::locations(&item.place);
        if !locations.is_empty() {
            r["locations"] = Value::Array(locations);
        }
        let mut props = item.properties.clone();
        for (k, v) in [
            ("api_id", &item.place.api_id),
            ("service", &item.place.service),
            ("method", &item.place.method),
            ("path", &item.place.path),
            ("url", &item.place.url),
        ] {
            if let Some(v) = v {
                props.insert(k.into(), json!(v));
            }
        }
        r["properties"] = Value::Object(props);
        r
    }

    fn driver_json(&self, tool_version: &str) -> Value {
        let rules: Vec<Value> = self.rules.iter().map(Self::rule_json).collect();
        let mut driver = json!({
            "name": "apispm",
            "version": tool_version,
            "rules": rules,
        });
        if tool_version
            .split('.')
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
        {
            driver["semanticVersion"] = json!(tool_version);
        }
        let repo = env!("CARGO_PKG_REPOSITORY");
        if !repo.is_empty() {
            driver["informationUri"] = json!(repo);
        }
        driver
    }

    fn build(&self, tool_version: &str, items: &[Item]) -> Value {
        let results: Vec<Value> = items.iter().map(|i| self.result_json(i)).collect();
        json!({
            "$schema": SCHEMA,
            "version": "2.1.0",
            "runs": [{
                "tool": {"driver": self.driver_json(tool_version)},
                "columnKind": "unicodeCodePoints",
                "results": results,
            }],
        })
    }
}

/// Everything a report lists as a result, in order.
fn report_items<'r>(r: &'r Report, b: &'r mut Builder) -> impl Iterator<Item = Item> + use<'r> {
    let findings = r.findings.iter();
    let violations = r.policy_violations.iter();
    let gaps = r.compliance_gaps.iter();
    enum Src<'a> {
        F(&'a Finding),
        V(&'a apispm_policy::Violation),
        G(&'a apispm_core::compliance::ComplianceGap),
    }
    findings
        .map(Src::F)
        .chain(violations.map(Src::V))
        .chain(gaps.map(Src::G))
        .map(move |s| match s {
            Src::F(f) => b.finding(f),
            Src::V(v) => b.violation(v),
            Src::G(g) => b.gap(g),
        })
}

/// Markdown's active characters escaped, for text from reports and other tools.
fn md_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if "\\`*_{}[]()<>#+!|".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// SARIF 2.1.0 of a plain list of findings (`apispm audit --format sarif`). Stable signature.
pub fn findings_to_sarif(findings: &[Finding], tool_version: &str) -> Value {
    let mut b = Builder::new();
    let items: Vec<Item> = findings.iter().map(|f| b.finding(f)).collect();
    b.build(tool_version, &items)
}

fn report_version(r: &Report) -> &str {
    r.generator
        .get("version")
        .and_then(Value::as_str)
        .unwrap_or(env!("CARGO_PKG_VERSION"))
}

/// SARIF 2.1.0 of a whole report: findings, policy violations and compliance gaps.
pub fn report_to_sarif(r: &Report) -> Value {
    let mut b = Builder::new();
    let items: Vec<Item> = report_items(r, &mut b).collect();
    b.build(report_version(r), &items)
}

/// The report as SARIF text, one result per line. Results are written as they are made
/// (rules first need one pass over them), so a report with many imported findings does not
/// also exist as a JSON tree.
pub fn render_sarif(r: &Report) -> String {
    let mut b = Builder::new();
    for _ in report_items(r, &mut b) {}
    let driver = b.driver_json(report_version(r));
    let mut out =
        String::with_capacity(4096 + 1024 * (r.findings.len() + r.policy_violations.len()));
    out.push_str("{\"$schema\":");
    out.push_str(&serde_json::to_string(SCHEMA).expect("serializes"));
    out.push_str(",\"version\":\"2.1.0\",\"runs\":[{\"tool\":{\"driver\":");
    out.push_str(&serde_json::to_string_pretty(&driver).expect("serializes"));
    out.push_str("},\"columnKind\":\"unicodeCodePoints\",\"results\":[");
    // The results are made again, in the same order, by a scratch builder: the rule index
    // comes from the first pass.
    let mut first = true;
    let mut scratch = Builder::new();
    for item in report_items(r, &mut scratch) {
        out.push_str(if first { "\n" } else { ",\n" });
        first = false;
        out.push_str(&serde_json::to_string(&b.result_json(&item)).expect("serializes"));
    }
    out.push_str("\n]}]}\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helpers() {
        assert_eq!(humanize("zap/10021"), "10021");
        assert_eq!(
            humanize("unauthenticated-success"),
            "Unauthenticated success"
        );
        assert_eq!(humanize("owasp:api4:2023-rate-limit"), "Rate limit");
        assert_eq!(file_uri("specs\\my api.yaml"), "specs/my%20api.yaml");
        assert_eq!(md_escape("a*b_[x]"), "a\\*b\\_\\[x\\]");
    }
}

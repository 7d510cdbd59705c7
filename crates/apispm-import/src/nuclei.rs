//! Nuclei results: JSON lines (`-jsonl`, `-json` before v3) or one JSON array
//! (`-json-export`), with the key names of every version: `templateID` or `template-id`,
//! `matched` or `matched-at`, `matcher_name` or `matcher-name`.
//!
//! The rule is `template-id:matcher-name`, as Nuclei prints it, so that one template's
//! matchers (each missing security header, say) stay distinct problems. The method comes from
//! the raw request line or the curl command; request, response, extracted results and
//! interaction data are never copied.

use crate::common::{
    TEXT_MAX, TITLE_MAX, clean_url, clip, cvss_severity, host_of, method, nonempty, number,
};
use crate::{Sink, finding};
use apispm_core::{Finding, Severity};
use serde_json::Value;

pub(crate) fn read_lines(text: &str, sink: &mut Sink) {
    sink.tool("nuclei");
    for (i, line) in text.lines().enumerate() {
        let n = i as u64 + 1;
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        sink.record();
        match serde_json::from_str::<Value>(line) {
            Ok(v) => one(&v, Some(n), format!("line {n}"), sink),
            Err(e) => sink.reject(
                Some(n),
                format!("line {n}"),
                format!("not valid JSON at column {}: {e}", e.column()),
            ),
        }
    }
}

/// Records of a JSON array, or the one record of a one-line JSON lines file; each is parsed
/// on its own, so a large export is never held as one tree.
pub(crate) fn read_records(items: &[&serde_json::value::RawValue], sink: &mut Sink) {
    sink.tool("nuclei");
    let single = sink.stats.format == crate::ImportFormat::NucleiJsonl;
    for (i, raw) in items.iter().enumerate() {
        sink.record();
        let (line, at) = if single {
            (Some(1), "line 1".to_string())
        } else {
            (None, format!("[{i}]"))
        };
        match serde_json::from_str::<Value>(raw.get()) {
            Ok(v) => one(&v, line, at, sink),
            Err(e) => sink.reject(line, at, e.to_string()),
        }
    }
}

fn one(v: &Value, line: Option<u64>, at: String, sink: &mut Sink) {
    if !v.is_object() {
        sink.reject(line, at, "a record that is not a JSON object");
        return;
    }
    match result(v, sink) {
        Ok(f) => sink.push(f),
        Err(reason) => sink.reject(line, at, reason),
    }
}

fn str_of<'a>(v: &'a Value, keys: &[&str]) -> Option<&'a str> {
    keys.iter().find_map(|k| nonempty(v.get(*k)))
}

/// The method of the raw request (`GET / HTTP/1.1`) or of the curl command (`-X 'POST'`).
fn request_method(v: &Value) -> Option<String> {
    if let Some(req) = nonempty(v.get("request")) {
        if let Some(m) = req.split_whitespace().next().and_then(method) {
            return Some(m);
        }
    }
    let curl = str_of(v, &["curl-command", "curl_command"])?;
    let mut words = curl.split_whitespace();
    while let Some(w) = words.next() {
        if w == "-X" || w == "--request" {
            return words
                .next()
                .map(|m| m.trim_matches(|c| c == '\'' || c == '"'))
                .and_then(method);
        }
    }
    None
}

fn result(v: &Value, sink: &Sink) -> Result<Finding, String> {
    let template = str_of(v, &["template-id", "templateID", "template_id"])
        .ok_or("no `template-id` (or `templateID`)")?;
    let info = v.get("info").filter(|i| i.is_object());
    let matcher = str_of(v, &["matcher-name", "matcher_name"]);
    let rule = match matcher {
        Some(m) => format!("{template}:{m}"),
        None => template.to_string(),
    };
    let severity = info
        .and_then(|i| nonempty(i.get("severity")))
        .and_then(|s| match s.to_ascii_lowercase().as_str() {
            "unknown" => Some(Severity::Info),
            other => Severity::parse(other),
        })
        .or_else(|| {
            let c = info?.get("classification")?;
            number(c.get("cvss-score").or_else(|| c.get("cvss_score"))).and_then(cvss_severity)
        })
        .unwrap_or(Severity::Info);
    let name = info
        .and_then(|i| nonempty(i.get("name")))
        .unwrap_or(template);
    let title = match matcher {
        Some(m) => format!("{name}: {m}"),
        None => name.to_string(),
    };
    let mut f = finding(
        "nuclei",
        &rule,
        severity,
        clip(&sink.clean(&title, &[]), TITLE_MAX),
    );
    if let Some(d) = info.and_then(|i| nonempty(i.get("description"))) {
        f.detail = clip(&sink.clean(d, &[]), TEXT_MAX);
    }
    if let Some(r) = info.and_then(|i| nonempty(i.get("remediation"))) {
        f.remediation = clip(&sink.clean(r, &[]), TEXT_MAX);
    }
    let matched = str_of(v, &["matched-at", "matched", "matched_at"]);
    let host = str_of(v, &["host"]);
    // DNS, SSL, network and other non-HTTP templates judge a host, not an endpoint: they
    // belong to the service even when `host` is written as a URL.
    let http = str_of(v, &["type"]).is_none_or(|t| t == "http" || t == "headless");
    if http {
        f.url = [matched, str_of(v, &["url"]), host]
            .into_iter()
            .flatten()
            .find_map(clean_url);
        f.method = request_method(v);
    }
    if f.url.is_none() {
        f.service = [host, matched].into_iter().flatten().find_map(host_of);
    }
    Ok(f)
}

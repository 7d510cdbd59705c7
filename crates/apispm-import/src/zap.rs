//! OWASP ZAP's traditional JSON report (`site[].alerts[].instances[]`), in which every number
//! is written as a string.
//!
//! One finding per alert *instance*: each instance names its own URL and method, so each
//! maps to its own endpoint, and ZAP's `count` is the number of instances. An alert without
//! instances (older reports) gives one finding for the site. `riskcode` 0–3 is informational,
//! low, medium, high; alerts whose `confidence` is 0 are ones a user marked as false
//! positives and are skipped. Evidence, attack strings and request or response text are not
//! copied: they are where ZAP puts the sensitive values it found.

use crate::common::{TEXT_MAX, TITLE_MAX, clean_url, clip, html_to_text, method, nonempty, text};
use crate::{Sink, finding};
use apispm_core::Severity;
use serde_json::Value;

pub(crate) fn read(doc: &Value, sink: &mut Sink) {
    sink.tool("ZAP");
    let sites: Vec<&Value> = match doc.get("site") {
        Some(Value::Array(a)) => a.iter().collect(),
        Some(o @ Value::Object(_)) => vec![o],
        Some(Value::Null) | None => Vec::new(),
        Some(_) => {
            sink.reject(None, "site".into(), "`site` is not an array of sites");
            return;
        }
    };
    for (s, site) in sites.into_iter().enumerate() {
        let site_url = nonempty(site.get("@name")).and_then(clean_url);
        let alerts = match site.get("alerts") {
            Some(Value::Array(a)) => a.as_slice(),
            None | Some(Value::Null) => &[],
            Some(_) => {
                sink.reject(
                    None,
                    format!("site[{s}].alerts"),
                    "`alerts` is not an array",
                );
                continue;
            }
        };
        for (a, alert) in alerts.iter().enumerate() {
            read_alert(
                &format!("site[{s}].alerts[{a}]"),
                alert,
                site_url.as_deref(),
                sink,
            );
        }
    }
}

fn risk(alert: &Value) -> Option<Severity> {
    if let Some(code) = text(alert.get("riskcode")) {
        return match code.trim() {
            "0" => Some(Severity::Info),
            "1" => Some(Severity::Low),
            "2" => Some(Severity::Medium),
            "3" => Some(Severity::High),
            _ => None,
        };
    }
    // Some exports carry only `riskdesc`: "High (Medium)".
    let desc = nonempty(alert.get("riskdesc"))?;
    Severity::parse(desc.split_whitespace().next()?)
}

fn read_alert(at: &str, alert: &Value, site_url: Option<&str>, sink: &mut Sink) {
    let instances: &[Value] = alert
        .get("instances")
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice);
    let records = instances.len().max(1);
    for _ in 0..records {
        sink.record();
    }
    if !alert.is_object() {
        sink.reject(None, at.to_string(), "an alert that is not an object");
        return;
    }
    let Some(severity) = risk(alert) else {
        for _ in 0..records {
            sink.reject(None, at.to_string(), "no valid `riskcode` (0-3)");
        }
        return;
    };
    if text(alert.get("confidence")).as_deref() == Some("0") {
        for _ in 0..records {
            sink.skip();
        }
        return;
    }
    let rule = text(alert.get("alertRef"))
        .or_else(|| text(alert.get("pluginid")))
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty());
    let name = nonempty(alert.get("alert")).or_else(|| nonempty(alert.get("name")));
    let (Some(rule), Some(name)) = (rule.or_else(|| name.map(str::to_string)), name) else {
        for _ in 0..records {
            sink.reject(None, at.to_string(), "no `alert` name");
        }
        return;
    };
    let mut detail = html_to_text(nonempty(alert.get("desc")).unwrap_or(""));
    let cwe = text(alert.get("cweid")).filter(|c| !c.is_empty() && c != "-1" && c != "0");
    if let Some(cwe) = cwe {
        detail.push_str(&format!(" (CWE-{cwe})"));
    }
    let detail = sink.clean(&detail, &[]);
    let remediation = sink.clean(
        &html_to_text(nonempty(alert.get("solution")).unwrap_or("")),
        &[],
    );
    let title = clip(&sink.clean(name, &[]), TITLE_MAX);
    let base = {
        let mut f = finding("zap", &rule, severity, title);
        f.remediation = clip(&remediation, TEXT_MAX);
        f
    };
    if instances.is_empty() {
        let mut f = base;
        f.detail = clip(&detail, TEXT_MAX);
        f.url = site_url.map(str::to_string);
        sink.push(f);
        return;
    }
    for (i, inst) in instances.iter().enumerate() {
        if !inst.is_object() {
            sink.reject(
                None,
                format!("{at}.instances[{i}]"),
                "an instance that is not an object",
            );
            continue;
        }
        let mut f = base.clone();
        f.url = nonempty(inst.get("uri"))
            .and_then(clean_url)
            .or_else(|| site_url.map(str::to_string));
        f.method = nonempty(inst.get("method")).and_then(method);
        let mut d = detail.clone();
        if let Some(param) = nonempty(inst.get("param")) {
            d.push_str(&format!(" Parameter: {}.", sink.clean(param, &[])));
        }
        f.detail = clip(&d, TEXT_MAX);
        sink.push(f);
    }
}

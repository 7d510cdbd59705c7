//! A self-contained HTML report: one file, inline CSS, no scripts, fonts, images or links to
//! fetch, so it can be attached to a ticket or archived as a build artifact and opened
//! offline. Every value from the report is escaped, since paths, titles and tool output are
//! attacker-influenced text.

use crate::Report;
use apispm_core::{Assessment, Severity, thousands};
use std::fmt::Write;

/// Escapes text for HTML element content and quoted attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Control characters other than whitespace are not valid in HTML text.
            c if c.is_control() && c != '\n' && c != '\t' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

const CSS: &str = "
:root{--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--bg:#fff;--alt:#f6f8fa}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:var(--fg);background:var(--bg);margin:0;padding:24px 32px;max-width:1400px}
h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid var(--line);padding-bottom:4px}
.muted{color:var(--muted)}
.cards{display:flex;flex-wrap:wrap;gap:12px;margin:16px 0}
.card{border:1px solid var(--line);border-radius:6px;padding:10px 14px;min-width:150px}
.card b{display:block;font-size:22px}
table{border-collapse:collapse;width:100%;margin:6px 0 12px}
th,td{border:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:top}
th{background:var(--alt);font-weight:600}
tr:nth-child(even) td{background:#fbfcfd}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
code{font:12px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;word-break:break-all}
.sev{display:inline-block;padding:0 6px;border-radius:10px;font-size:12px;font-weight:600;color:#fff}
.CRITICAL{background:#a40e26}.HIGH{background:#d1242f}.MEDIUM{background:#bc4c00}.LOW{background:#4d7e00}.INFO{background:#59636e}
.bar{display:flex;height:18px;border-radius:4px;overflow:hidden;border:1px solid var(--line);margin:8px 0}
.bar span{display:block;height:100%}
.ok{color:#1a7f37}.bad{color:#d1242f}
details{margin:6px 0}summary{cursor:pointer;font-weight:600}
footer{margin-top:32px;font-size:12px}
";

fn sev(s: Severity) -> String {
    format!("<span class=\"sev {0}\">{0}</span>", s.name())
}

fn opt(s: Option<&str>) -> String {
    s.map(escape).unwrap_or_else(|| "&mdash;".to_string())
}

fn endpoint(method: &str, path: &str) -> String {
    format!("<code>{} {}</code>", escape(method), escape(path))
}

fn missing_controls(a: &Assessment) -> String {
    let v: Vec<String> = a
        .security_controls
        .iter()
        .filter(|c| c.required && !c.present)
        .map(|c| escape(&c.name.to_string()))
        .collect();
    if v.is_empty() {
        "&mdash;".into()
    } else {
        v.join(", ")
    }
}

/// The whole report as one HTML document.
pub fn render_html(r: &Report) -> String {
    let mut o = String::with_capacity(16 * 1024 + r.endpoints.len() * 300);
    let _ = write!(
        o,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\n<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n<title>API security posture, {}</title>\n<style>{CSS}</style>\n</head>\n<body>\n",
        escape(&r.report_date)
    );
    let _ = writeln!(
        o,
        "<h1>API security posture</h1>\n<p class=\"muted\">Report of {}</p>",
        escape(&r.report_date)
    );

    let _ = writeln!(o, "<div class=\"cards\">");
    for (label, value) in [
        ("Endpoints with traffic", thousands(r.total_apis as u64)),
        ("Average risk", format!("{:.1}", r.average_risk_score)),
        ("Undocumented", thousands(r.undocumented_apis as u64)),
        (
            "Without authentication",
            thousands(r.missing_authentication as u64),
        ),
        ("Without TLS", thousands(r.missing_tls as u64)),
        ("Documented, never called", thousands(r.orphan_apis as u64)),
        ("Without owner", thousands(r.unowned_apis as u64)),
        (
            "Policy violations",
            thousands(r.policy_violations.len() as u64),
        ),
        ("Findings", thousands(r.findings.len() as u64)),
        ("Compliance gaps", thousands(r.compliance_gaps.len() as u64)),
    ] {
        let _ = writeln!(
            o,
            "<div class=\"card\"><b>{}</b><span class=\"muted\">{}</span></div>",
            escape(&value),
            escape(label)
        );
    }
    let _ = writeln!(o, "</div>");

    // Risk distribution as a proportional bar.
    let d = &r.risk_distribution;
    let total = (d.CRITICAL + d.HIGH + d.MEDIUM + d.LOW).max(1) as f64;
    let _ = writeln!(o, "<h2>Risk distribution</h2>\n<div class=\"bar\">");
    for (name, n) in [
        ("CRITICAL", d.CRITICAL),
        ("HIGH", d.HIGH),
        ("MEDIUM", d.MEDIUM),
        ("LOW", d.LOW),
    ] {
        if n > 0 {
            let _ = writeln!(
                o,
                "<span class=\"{name}\" style=\"width:{:.2}%\" title=\"{name}: {n}\"></span>",
                n as f64 / total * 100.0
            );
        }
    }
    let _ = writeln!(
        o,
        "</div>\n<p>{} critical, {} high, {} medium, {} low.</p>",
        d.CRITICAL, d.HIGH, d.MEDIUM, d.LOW
    );

    let _ = writeln!(
        o,
        "<h2>Metrics</h2>\n<table><thead><tr><th></th><th>Metric</th><th class=\"num\">Value</th><th>Target</th><th>What it measures</th></tr></thead><tbody>"
    );
    for m in &r.metrics {
        let mark = match m.met {
            Some(true) => "<span class=\"ok\">&#10004;</span>",
            Some(false) => "<span class=\"bad\">&#10008;</span>",
            None => "&mdash;",
        };
        let value = m.value.map_or("&mdash;".to_string(), |v| format!("{v:.1}"));
        let _ = writeln!(
            o,
            "<tr><td>{mark}</td><td><code>{}</code></td><td class=\"num\">{value}</td><td>{}</td><td>{}</td></tr>",
            escape(&m.name),
            escape(&m.target),
            escape(&m.description)
        );
    }
    let _ = writeln!(o, "</tbody></table>");

    if !r.top_risks.is_empty() {
        let _ = writeln!(
            o,
            "<h2>Top risks</h2>\n<table><thead><tr><th class=\"num\">Risk</th><th>Level</th><th>Class</th><th>Endpoint</th><th>Service</th></tr></thead><tbody>"
        );
        for t in &r.top_risks {
            let _ = writeln!(
                o,
                "<tr><td class=\"num\">{:.1}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                t.risk_score,
                sev(Severity::from_score(t.risk_score)),
                escape(t.classification.as_str()),
                endpoint(&t.method, &t.path),
                escape(&t.service)
            );
        }
        let _ = writeln!(o, "</tbody></table>");
    }

    if !r.policy_violations.is_empty() {
        let _ = writeln!(
            o,
            "<h2>Policy violations ({})</h2>\n<table><thead><tr><th>Severity</th><th>Policy</th><th>Endpoint</th><th>Service</th><th>Why</th><th>Remediation</th></tr></thead><tbody>",
            r.policy_violations.len()
        );
        for v in &r.policy_violations {
            let _ = writeln!(
                o,
                "<tr><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                sev(v.severity),
                escape(&v.policy),
                endpoint(&v.method, &v.path),
                escape(&v.service),
                escape(&v.reason),
                escape(&v.remediation)
            );
        }
        let _ = writeln!(o, "</tbody></table>");
    }

    if !r.findings.is_empty() {
        let _ = writeln!(
            o,
            "<h2>Findings ({})</h2>\n<table><thead><tr><th>Severity</th><th>Source</th><th>Rule</th><th>Finding</th><th>Endpoint</th><th>Service</th><th>Where</th></tr></thead><tbody>",
            r.findings.len()
        );
        for f in &r.findings {
            let ep = match (&f.method, &f.path) {
                (Some(m), Some(p)) if f.api_id.is_some() => endpoint(m, p),
                _ => "<span class=\"muted\">unmapped</span>".to_string(),
            };
            let place = match (&f.location, &f.url) {
                (Some(l), _) if l.line > 0 => {
                    format!("<code>{}:{}</code>", escape(&l.file), l.line)
                }
                (Some(l), _) => format!("<code>{}</code>", escape(&l.file)),
                (None, Some(u)) => format!("<code>{}</code>", escape(u)),
                (None, None) => "&mdash;".into(),
            };
            let detail = if f.detail.is_empty() {
                String::new()
            } else {
                format!(
                    "<details><summary>details</summary>{}{}</details>",
                    escape(&f.detail),
                    if f.remediation.is_empty() {
                        String::new()
                    } else {
                        format!("<p><b>Remediation:</b> {}</p>", escape(&f.remediation))
                    }
                )
            };
            let _ = writeln!(
                o,
                "<tr><td>{}</td><td>{}</td><td><code>{}</code></td><td>{}{detail}</td><td>{ep}</td><td>{}</td><td>{place}</td></tr>",
                sev(f.severity),
                escape(&f.source),
                escape(&f.rule),
                escape(&f.title),
                opt(f.service.as_deref())
            );
        }
        let _ = writeln!(o, "</tbody></table>");
    }

    if !r.compliance_gaps.is_empty() {
        let _ = writeln!(
            o,
            "<h2>Compliance gaps ({})</h2>\n<table><thead><tr><th>Severity</th><th>Framework</th><th>Requirement</th><th>Endpoint</th><th>Service</th><th>Remediation</th></tr></thead><tbody>",
            r.compliance_gaps.len()
        );
        for g in &r.compliance_gaps {
            let _ = writeln!(
                o,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                sev(g.severity),
                escape(&g.framework),
                escape(&g.requirement),
                endpoint(&g.method, &g.path),
                escape(&g.service),
                escape(&g.remediation)
            );
        }
        let _ = writeln!(o, "</tbody></table>");
    }

    if !r.deprecation_candidates.is_empty() {
        let _ = writeln!(
            o,
            "<h2>Deprecation candidates ({})</h2>\n<table><thead><tr><th>Endpoint</th><th>Service</th><th>Version</th><th>Newer</th><th class=\"num\">Requests</th></tr></thead><tbody>",
            r.deprecation_candidates.len()
        );
        for c in &r.deprecation_candidates {
            let _ = writeln!(
                o,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{} <code>{}</code></td><td class=\"num\">{}</td></tr>",
                endpoint(&c.method, &c.path),
                escape(&c.service),
                escape(&c.version),
                escape(&c.newer_version),
                escape(&c.newer_path),
                thousands(c.requests)
            );
        }
        let _ = writeln!(o, "</tbody></table>");
    }

    let _ = writeln!(
        o,
        "<h2>Endpoints ({})</h2>\n<details open><summary>inventory</summary>\n<table><thead><tr><th class=\"num\">Risk</th><th>Level</th><th>Class</th><th>Endpoint</th><th>Service</th><th class=\"num\">Requests</th><th>Owner</th><th>Missing controls</th><th>Sensitive data</th></tr></thead><tbody>",
        r.endpoints.len()
    );
    for a in &r.endpoints {
        let sensitive: Vec<&str> = a.sensitive_data_types.iter().map(|t| t.as_str()).collect();
        let _ = writeln!(
            o,
            "<tr><td class=\"num\">{:.1}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            a.risk_score,
            sev(a.risk_level),
            escape(a.classification.as_str()),
            endpoint(&a.method, &a.path),
            escape(&a.service),
            thousands(a.requests),
            opt(a.owner.as_deref()),
            missing_controls(a),
            if sensitive.is_empty() {
                "&mdash;".to_string()
            } else {
                escape(&sensitive.join(", "))
            }
        );
    }
    let _ = writeln!(o, "</tbody></table>\n</details>");

    let generator = r
        .generator
        .get("version")
        .and_then(|v| v.as_str())
        .unwrap_or("");
    let _ = writeln!(
        o,
        "<footer class=\"muted\">Generated by apispm {}.</footer>\n</body>\n</html>",
        escape(generator)
    );
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            escape("<script>a&b</script>\"'"),
            "&lt;script&gt;a&amp;b&lt;/script&gt;&quot;&#39;"
        );
        assert_eq!(escape("a\u{0}b\nc"), "a\u{FFFD}b\nc");
    }
}

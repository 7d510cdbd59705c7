//! Markdown for pull-request comments and wikis.

use crate::Report;
use apispm_core::{Severity, thousands};
use std::collections::BTreeMap;
use std::fmt::Write;

/// Escapes the characters that would break a table cell.
fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

pub fn render_markdown(r: &Report) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "# API security posture\n");
    let _ = writeln!(
        o,
        "Report of {}: **{}** endpoints, average risk **{:.1}**, {} undocumented, {} without authentication, {} without TLS, {} documented but never seen.\n",
        r.report_date,
        thousands(r.total_apis as u64),
        r.average_risk_score,
        r.undocumented_apis,
        r.missing_authentication,
        r.missing_tls,
        r.orphan_apis
    );
    let _ = writeln!(
        o,
        "## Metrics\n\n| | Metric | Value | Target |\n|---|---|---:|---|"
    );
    for m in &r.metrics {
        let mark = match m.met {
            Some(true) => "✅",
            Some(false) => "❌",
            None => "➖",
        };
        let value = m.value.map_or("—".to_string(), |v| format!("{v:.1}"));
        let _ = writeln!(
            o,
            "| {mark} | `{}` | {value} | {} |",
            m.name,
            cell(&m.target)
        );
    }
    let d = &r.risk_distribution;
    let _ = writeln!(
        o,
        "\n## Risk distribution\n\n| CRITICAL | HIGH | MEDIUM | LOW |\n|---:|---:|---:|---:|\n| {} | {} | {} | {} |",
        d.CRITICAL, d.HIGH, d.MEDIUM, d.LOW
    );
    if !r.top_risks.is_empty() {
        let _ = writeln!(
            o,
            "\n## Top risks\n\n| Score | Level | Class | Method | Path | Service |\n|---:|---|---|---|---|---|"
        );
        for t in &r.top_risks {
            let _ = writeln!(
                o,
                "| {:.1} | {} | {} | {} | `{}` | {} |",
                t.risk_score,
                Severity::from_score(t.risk_score),
                t.classification,
                t.method,
                cell(&t.path),
                cell(&t.service)
            );
        }
    }
    if !r.findings.is_empty() {
        let _ = writeln!(
            o,
            "\n## Findings\n\n| Severity | Rule | Category | Endpoint | Detail |\n|---|---|---|---|---|"
        );
        for f in r.findings.iter().take(100) {
            let _ = writeln!(
                o,
                "| {} | `{}` | {} | {} `{}` | {} |",
                f.severity,
                cell(&f.rule),
                cell(f.category.as_deref().unwrap_or("")),
                f.method.as_deref().unwrap_or(""),
                cell(f.path.as_deref().or(f.url.as_deref()).unwrap_or("")),
                cell(&f.detail)
            );
        }
    }
    if !r.compliance_gaps.is_empty() {
        let _ = writeln!(
            o,
            "\n## Compliance gaps\n\n| Severity | Framework | Endpoint | Missing | Requirement | Remediation |\n|---|---|---|---|---|---|"
        );
        for g in r.compliance_gaps.iter().take(100) {
            let _ = writeln!(
                o,
                "| {} | {} | {} `{}` | `{}` | {} | {} |",
                g.severity,
                cell(&g.framework),
                g.method,
                cell(&g.path),
                g.control,
                cell(&g.requirement),
                cell(&g.remediation)
            );
        }
    }
    if !r.deprecation_candidates.is_empty() {
        let _ = writeln!(
            o,
            "\n## Deprecation candidates\n\n| Endpoint | Version | Newer | Requests/day |\n|---|---|---|---:|"
        );
        for d in &r.deprecation_candidates {
            let _ = writeln!(
                o,
                "| {} `{}` | {} | `{}` | {} |",
                d.method,
                cell(&d.path),
                cell(&d.version),
                cell(&d.newer_path),
                d.traffic_volume_daily
            );
        }
    }
    let _ = writeln!(o, "\n## Policy violations\n");
    if r.policy_violations.is_empty() {
        let _ = writeln!(o, "None.");
    } else {
        let mut by: BTreeMap<(std::cmp::Reverse<Severity>, &str), Vec<_>> = BTreeMap::new();
        for v in &r.policy_violations {
            by.entry((std::cmp::Reverse(v.severity), v.policy.as_str()))
                .or_default()
                .push(v);
        }
        for ((sev, name), vs) in by {
            let _ = writeln!(
                o,
                "<details><summary><b>{}</b> {} — {} endpoint(s)</summary>\n\n{}\n\n**Remediation:** {}\n",
                sev.0,
                name,
                vs.len(),
                cell(&vs[0].description),
                cell(&vs[0].remediation)
            );
            let _ = writeln!(o, "| Method | Path | Service | Why |\n|---|---|---|---|");
            for v in vs.iter().take(50) {
                let _ = writeln!(
                    o,
                    "| {} | `{}` | {} | {} |",
                    v.method,
                    cell(&v.path),
                    cell(&v.service),
                    cell(&v.reason)
                );
            }
            if vs.len() > 50 {
                let _ = writeln!(o, "\n… and {} more.", vs.len() - 50);
            }
            let _ = writeln!(o, "\n</details>\n");
        }
    }
    o
}

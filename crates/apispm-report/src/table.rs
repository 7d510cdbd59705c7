//! The terminal view: a summary a person can read in one screen.

use crate::Report;
use apispm_core::{Metric, Severity, thousands};
use std::collections::BTreeMap;
use std::fmt::Write;

struct Paint {
    on: bool,
}

impl Paint {
    fn wrap(&self, code: &str, s: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
    fn bold(&self, s: &str) -> String {
        self.wrap("1", s)
    }
    fn dim(&self, s: &str) -> String {
        self.wrap("2", s)
    }
    fn severity(&self, sev: Severity, s: &str) -> String {
        let code = match sev {
            Severity::Critical => "1;31",
            Severity::High => "31",
            Severity::Medium => "33",
            Severity::Low => "32",
            Severity::Info => "2",
        };
        self.wrap(code, s)
    }
    fn verdict(&self, met: Option<bool>) -> String {
        match met {
            Some(true) => self.wrap("1;32", "PASS"),
            Some(false) => self.wrap("1;31", "FAIL"),
            None => self.dim("n/a "),
        }
    }
}

/// Pads to a display width, counting chars (ANSI codes are added after padding).
fn pad(s: &str, w: usize) -> String {
    let n = s.chars().count();
    if n >= w {
        s.chars().take(w).collect()
    } else {
        format!("{s}{}", " ".repeat(w - n))
    }
}

fn metric_value(m: &Metric) -> String {
    match m.value {
        None => "—".to_string(),
        Some(v) if m.name.ends_with("coverage") || m.name == "policy_compliance" => {
            format!("{v:.1}%")
        }
        Some(v) if m.name.ends_with("_count") || m.name == "critical_findings" => {
            thousands(v as u64)
        }
        Some(v) => format!("{v:.1}"),
    }
}

pub fn render_table(r: &Report, color: bool) -> String {
    let p = Paint { on: color };
    let mut o = String::new();
    let records = r
        .ingest
        .get("records")
        .and_then(|v| v.as_u64())
        .unwrap_or(0);
    let rejected = r
        .ingest
        .get("rejected")
        .and_then(|v| v.as_u64())
        .unwrap_or(0);
    let files = r
        .ingest
        .get("files")
        .and_then(|v| v.as_array())
        .map_or(0, |f| f.len());
    let _ = writeln!(
        o,
        "{}",
        p.bold(&format!("apispm posture report  {}", r.report_date))
    );
    let _ = writeln!(
        o,
        "{} endpoints from {} records in {} file(s){}",
        thousands(r.total_apis as u64),
        thousands(records),
        files,
        if rejected > 0 {
            format!(", {} malformed record(s) skipped", thousands(rejected))
        } else {
            String::new()
        }
    );
    let _ = writeln!(o, "average risk {:.1}", r.average_risk_score);
    if r.unowned_apis > 0 {
        let _ = writeln!(
            o,
            "{} endpoint(s) without a known owner",
            thousands(r.unowned_apis as u64)
        );
    }
    if r.orphan_apis > 0 {
        let _ = writeln!(
            o,
            "{} documented operation(s) never seen in traffic (orphans)",
            thousands(r.orphan_apis as u64)
        );
    }

    let _ = writeln!(o, "\n{}", p.bold("Dashboard metrics"));
    for m in &r.metrics {
        let _ = writeln!(
            o,
            "  {}  {} {} {}",
            p.verdict(m.met),
            pad(&m.name, 30),
            pad(&metric_value(m), 9),
            p.dim(&format!("target {}", m.target))
        );
    }

    let _ = writeln!(o, "\n{}", p.bold("Risk distribution"));
    let d = &r.risk_distribution;
    let max = [d.CRITICAL, d.HIGH, d.MEDIUM, d.LOW]
        .into_iter()
        .max()
        .unwrap_or(0)
        .max(1);
    for (sev, n) in [
        (Severity::Critical, d.CRITICAL),
        (Severity::High, d.HIGH),
        (Severity::Medium, d.MEDIUM),
        (Severity::Low, d.LOW),
    ] {
        let bar = "█".repeat((n * 40).div_ceil(max).min(40));
        let _ = writeln!(
            o,
            "  {} {} {}",
            p.severity(sev, &pad(sev.name(), 9)),
            pad(&thousands(n as u64), 7),
            p.severity(sev, &bar)
        );
    }
    let c = &r.classification;
    let _ = writeln!(
        o,
        "\n{} external {} · internal {} · partner {} · shadow {} · deprecated {} · undocumented {} · no auth {} · no TLS {}",
        p.bold("Inventory"),
        c.external,
        c.internal,
        c.partner,
        c.shadow,
        c.deprecated,
        r.undocumented_apis,
        r.missing_authentication,
        r.missing_tls
    );

    if !r.top_risks.is_empty() {
        let _ = writeln!(o, "\n{}", p.bold("Top risks"));
        let _ = writeln!(
            o,
            "  {}",
            p.dim(&format!(
                "{} {} {} {} {} {}",
                pad("SCORE", 6),
                pad("LEVEL", 9),
                pad("CLASS", 11),
                pad("METHOD", 7),
                pad("PATH", 44),
                "SERVICE"
            ))
        );
        for t in r.top_risks.iter().take(15) {
            let sev = Severity::from_score(t.risk_score);
            let _ = writeln!(
                o,
                "  {} {} {} {} {} {}",
                pad(&format!("{:.1}", t.risk_score), 6),
                p.severity(sev, &pad(sev.name(), 9)),
                pad(t.classification.as_str(), 11),
                pad(&t.method, 7),
                pad(&t.path, 44),
                t.service
            );
        }
    }

    if !r.policy_violations.is_empty() {
        let mut by: BTreeMap<(std::cmp::Reverse<Severity>, &str), (usize, &str)> = BTreeMap::new();
        for v in &r.policy_violations {
            let e = by
                .entry((std::cmp::Reverse(v.severity), v.policy.as_str()))
                .or_insert((0, v.remediation.as_str()));
            e.0 += 1;
        }
        let _ = writeln!(
            o,
            "\n{} {} across {} policies",
            p.bold("Policy violations"),
            thousands(r.policy_violations.len() as u64),
            by.len()
        );
        for ((sev, name), (n, remediation)) in by {
            let _ = writeln!(
                o,
                "  {} {} {} {}",
                p.severity(sev.0, &pad(sev.0.name(), 9)),
                pad(name, 26),
                pad(&format!("{} endpoint(s)", thousands(n as u64)), 16),
                p.dim(remediation)
            );
        }
    } else {
        let _ = writeln!(o, "\n{} none", p.bold("Policy violations"));
    }

    if !r.findings.is_empty() {
        let _ = writeln!(
            o,
            "\n{} {}",
            p.bold("Findings"),
            thousands(r.findings.len() as u64)
        );
        for f in r.findings.iter().take(15) {
            let _ = writeln!(
                o,
                "  {} {} {} {}",
                p.severity(f.severity, &pad(f.severity.name(), 9)),
                pad(&f.rule, 26),
                pad(
                    &format!(
                        "{} {}",
                        f.method.as_deref().unwrap_or(""),
                        f.path.as_deref().or(f.url.as_deref()).unwrap_or("")
                    ),
                    44
                ),
                p.dim(&f.title)
            );
        }
        if r.findings.len() > 15 {
            let _ = writeln!(
                o,
                "  {}",
                p.dim(&format!(
                    "… and {} more (see --format json)",
                    r.findings.len() - 15
                ))
            );
        }
    }

    if !r.compliance_gaps.is_empty() {
        let _ = writeln!(
            o,
            "\n{} {}",
            p.bold("Compliance gaps"),
            thousands(r.compliance_gaps.len() as u64)
        );
        for g in r.compliance_gaps.iter().take(15) {
            let _ = writeln!(
                o,
                "  {} {} {} {}",
                p.severity(g.severity, &pad(g.severity.name(), 9)),
                pad(&g.framework, 14),
                pad(&format!("{} {}", g.method, g.path), 44),
                p.dim(&g.requirement)
            );
        }
        if r.compliance_gaps.len() > 15 {
            let _ = writeln!(
                o,
                "  {}",
                p.dim(&format!(
                    "… and {} more (see --format json)",
                    r.compliance_gaps.len() - 15
                ))
            );
        }
    }
    if !r.deprecation_candidates.is_empty() {
        let _ = writeln!(
            o,
            "\n{} {} endpoint(s) still called under an older version",
            p.bold("Deprecation candidates"),
            thousands(r.deprecation_candidates.len() as u64)
        );
        for d in r.deprecation_candidates.iter().take(10) {
            let _ = writeln!(
                o,
                "  {} {} {}",
                pad(&format!("{} {}", d.method, d.path), 50),
                pad(
                    &format!("{} req/day", thousands(d.traffic_volume_daily)),
                    14
                ),
                p.dim(&format!("newer: {}", d.newer_path))
            );
        }
    }

    if rejected > 0 {
        let _ = writeln!(o, "\n{}", p.bold("Skipped records"));
        for f in r
            .ingest
            .get("files")
            .and_then(|v| v.as_array())
            .into_iter()
            .flatten()
        {
            let path = f.get("path").and_then(|v| v.as_str()).unwrap_or("?");
            for e in f
                .get("errors")
                .and_then(|v| v.as_array())
                .into_iter()
                .flatten()
                .take(5)
            {
                let _ = writeln!(
                    o,
                    "  {}:{}: {}",
                    path,
                    e.get("line").and_then(|v| v.as_u64()).unwrap_or(0),
                    e.get("reason").and_then(|v| v.as_str()).unwrap_or("")
                );
            }
        }
    }
    o
}

//! Audit results as a terminal table, JSON, or markdown for pull-request comments. SARIF is
//! rendered by `apispm-report`, from the same findings and the rule table.

use crate::audit::AuditOutcome;
use crate::rules;
use apispm_core::{Finding, Severity};
use serde_json::json;
use std::collections::BTreeMap;
use std::fmt::Write;

/// Output formats of `apispm audit`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Table,
    Json,
    Markdown,
}

/// Markdown tables longer than this are cut: a pull-request comment holds 65,536 characters.
const MARKDOWN_ROWS: usize = 200;

pub fn render(outcome: &AuditOutcome, files: &[String], format: Format) -> String {
    match format {
        Format::Json => json_report(outcome, files),
        Format::Table => table(outcome),
        Format::Markdown => markdown(outcome),
    }
}

fn by_severity(findings: &[Finding]) -> BTreeMap<&'static str, usize> {
    let mut m: BTreeMap<&'static str, usize> =
        Severity::ALL_DESC.iter().map(|s| (s.name(), 0)).collect();
    for f in findings {
        *m.entry(f.severity.name()).or_default() += 1;
    }
    m
}

fn json_report(outcome: &AuditOutcome, files: &[String]) -> String {
    let mut by_rule: BTreeMap<&str, usize> = BTreeMap::new();
    for f in &outcome.findings {
        *by_rule.entry(f.rule.as_str()).or_default() += 1;
    }
    let v = json!({
        "generator": {"name": "apispm", "version": env!("CARGO_PKG_VERSION")},
        "files": files,
        "summary": {
            "findings": outcome.findings.len(),
            "suppressed": outcome.suppressed.len(),
            "by_severity": by_severity(&outcome.findings),
            "by_rule": by_rule,
        },
        "findings": outcome.findings,
        "suppressed": outcome.suppressed,
    });
    let mut s = serde_json::to_string_pretty(&v).expect("findings serialize");
    s.push('\n');
    s
}

/// `file:line:column`.
pub fn location(f: &Finding) -> String {
    match &f.location {
        Some(l) => format!("{}:{}:{}", l.file, l.line, l.column),
        None => f.path.clone().unwrap_or_default(),
    }
}

fn summary_line(outcome: &AuditOutcome) -> String {
    let counts = by_severity(&outcome.findings);
    let parts: Vec<String> = Severity::ALL_DESC
        .iter()
        .filter(|s| counts[s.name()] > 0)
        .map(|s| format!("{} {}", counts[s.name()], s.name().to_lowercase()))
        .collect();
    let mut line = format!(
        "{} finding{}",
        outcome.findings.len(),
        if outcome.findings.len() == 1 { "" } else { "s" }
    );
    if !parts.is_empty() {
        let _ = write!(line, " ({})", parts.join(", "));
    }
    if !outcome.suppressed.is_empty() {
        let _ = write!(
            line,
            "; {} suppressed by x-apispm-ignore",
            outcome.suppressed.len()
        );
    }
    line
}

fn sorted(findings: &[Finding]) -> Vec<&Finding> {
    let mut v: Vec<&Finding> = findings.iter().collect();
    // Most severe first; within a severity, file order.
    v.sort_by_key(|f| std::cmp::Reverse(f.severity));
    v
}

fn table(outcome: &AuditOutcome) -> String {
    let mut out = String::new();
    let rows = sorted(&outcome.findings);
    let rule_w = rows.iter().map(|f| f.rule.len()).max().unwrap_or(4).max(4);
    let _ = writeln!(
        out,
        "{:<8}  {:<rule_w$}  LOCATION / DETAIL",
        "SEVERITY", "RULE"
    );
    for f in rows {
        let _ = writeln!(
            out,
            "{:<8}  {:<rule_w$}  {}",
            f.severity.name(),
            f.rule,
            location(f)
        );
        let _ = writeln!(out, "{:<8}  {:<rule_w$}    {}", "", "", f.detail);
    }
    if !outcome.suppressed.is_empty() {
        let _ = writeln!(out, "\nSuppressed by x-apispm-ignore:");
        for s in &outcome.suppressed {
            let _ = writeln!(
                out,
                "  {}  {}  ({})",
                s.finding.rule,
                location(&s.finding),
                s.reason
            );
        }
    }
    let _ = writeln!(out, "\n{}", summary_line(outcome));
    out
}

fn md_cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

fn markdown(outcome: &AuditOutcome) -> String {
    let mut out = String::from("## API description audit\n\n");
    let _ = writeln!(out, "{}\n", summary_line(outcome));
    if outcome.findings.is_empty() {
        out.push_str("No findings.\n");
    } else {
        out.push_str("| Severity | Rule | Category | Location | Detail |\n|---|---|---|---|---|\n");
        let rows = sorted(&outcome.findings);
        for f in rows.iter().take(MARKDOWN_ROWS) {
            let _ = writeln!(
                out,
                "| {} | `{}` | {} | `{}` | {} |",
                f.severity.name(),
                f.rule,
                md_cell(f.category.as_deref().unwrap_or("")),
                md_cell(&location(f)),
                md_cell(&f.detail)
            );
        }
        if rows.len() > MARKDOWN_ROWS {
            let _ = writeln!(
                out,
                "\n… and {} more (run `apispm audit --format json` for all).",
                rows.len() - MARKDOWN_ROWS
            );
        }
    }
    if !outcome.suppressed.is_empty() {
        out.push_str("\n### Suppressed by `x-apispm-ignore`\n\n| Rule | Location | Reason |\n|---|---|---|\n");
        for s in outcome.suppressed.iter().take(MARKDOWN_ROWS) {
            let _ = writeln!(
                out,
                "| `{}` | `{}` | {} |",
                s.finding.rule,
                md_cell(&location(&s.finding)),
                md_cell(&s.reason)
            );
        }
    }
    let used: std::collections::BTreeSet<&str> =
        outcome.findings.iter().map(|f| f.rule.as_str()).collect();
    if !used.is_empty() {
        out.push_str("\n<details><summary>Remediation</summary>\n\n");
        for id in used {
            if let Some(r) = rules::rule(id) {
                let _ = writeln!(out, "- `{}`: {}", r.id, r.remediation);
            }
        }
        out.push_str("\n</details>\n");
    }
    out
}

//! `apispm check`: the CI gate. It audits the API descriptions, scans the logs (when given)
//! as `scan` does with its policies, takes in other tools' findings, and fails when something
//! at or above `--fail-on` is new, that is, not grandfathered by the baseline file.
//! Exit codes: 0 ok, 1 the gate tripped, 2 usage or input error.

use crate::Failure;
use crate::audit::{AuditFormat, read_documents, resolve_format, threshold, write_output};
use crate::cli::{FailOn, InputArgs};
use apispm_audit::{AuditOutcome, Baseline, fingerprint};
use apispm_core::{Finding, Severity};
use apispm_report::Report;
use clap::Args;
use serde::Serialize;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

#[derive(Args, Debug)]
pub struct CheckArgs {
    /// OpenAPI 2.0/3.0/3.1 documents to audit (JSON or YAML; repeatable; folders are searched).
    #[arg(long, short = 's', required = true, num_args = 1.., value_name = "PATH")]
    pub spec: Vec<PathBuf>,

    /// Logs to scan as `apispm scan` does (files, folders or `-`); the specs document them.
    #[arg(long, short = 'l', num_args = 1.., value_name = "PATH")]
    pub logs: Vec<String>,

    /// Log format; `auto` detects it per file from its content.
    #[arg(long, default_value = "auto", value_name = "FORMAT", value_parser = clap::builder::PossibleValuesParser::new(apispm_readers::LogFormat::NAMES))]
    pub log_format: String,

    /// Policy file applied to the scanned traffic (the built-in seed policies without it).
    #[arg(long, short = 'p', value_name = "FILE")]
    pub policy: Option<PathBuf>,

    /// Config file (apispm.yaml) for the scan.
    #[arg(long, short = 'c', value_name = "FILE", env = "APISPM_CONFIG")]
    pub config: Option<PathBuf>,

    /// Findings of other tools to gate on as well: SARIF 2.1.0, ZAP JSON or Nuclei output
    /// (files or folders); with --logs they are placed on the endpoints, as `scan` does.
    #[arg(long, num_args = 1.., value_name = "PATH")]
    pub findings: Vec<PathBuf>,

    /// Exit 1 when a finding, violation or compliance gap not in the baseline is at or above
    /// this severity.
    #[arg(long, value_enum, value_name = "SEVERITY", default_value = "high")]
    pub fail_on: FailOn,

    /// Baseline file: fingerprints of accepted findings, which are reported but do not fail.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,

    /// Write every current finding into the baseline file (creating it), then gate on it.
    #[arg(long, requires = "baseline")]
    pub update_baseline: bool,

    /// Output format [default: table on a terminal, json otherwise].
    #[arg(long, short = 'f', value_enum)]
    pub format: Option<AuditFormat>,

    /// Write the report to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Worker threads for the scan [default: one per core].
    #[arg(long, short = 'j', value_name = "N")]
    pub threads: Option<usize>,

    /// No progress bar, warnings or gate message on standard error.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

/// Something the gate judges: an audit finding, a traffic or imported finding, a policy
/// violation or a compliance gap.
#[derive(Clone, Debug, Serialize)]
pub struct GateItem {
    /// `audit`, `finding`, `policy` or `compliance`.
    pub kind: &'static str,
    pub severity: Severity,
    /// Rule id, policy name or compliance requirement.
    pub rule: String,
    /// `file:line:column` or `METHOD /path`.
    pub location: String,
    pub detail: String,
    pub fingerprint: String,
    /// In the baseline: reported, but it does not trip the gate.
    pub baselined: bool,
}

#[derive(Serialize)]
struct GateSummary {
    fail_on: Severity,
    tripped: bool,
    /// Items not in the baseline at or above `fail_on`: what trips the gate.
    new_at_or_above: usize,
    new: usize,
    baselined: usize,
    /// Baseline entries nothing matched any more (fixed, or moved).
    baseline_unmatched: usize,
}

fn endpoint(method: Option<&str>, path: Option<&str>, service: Option<&str>) -> String {
    let mut s = String::new();
    if let Some(svc) = service.filter(|s| !s.is_empty()) {
        let _ = write!(s, "{svc} ");
    }
    let _ = write!(s, "{} {}", method.unwrap_or(""), path.unwrap_or(""));
    s.trim().to_string()
}

fn finding_item(kind: &'static str, f: &Finding) -> GateItem {
    GateItem {
        kind,
        severity: f.severity,
        rule: f.rule.clone(),
        location: match &f.location {
            Some(l) => format!("{}:{}:{}", l.file, l.line, l.column),
            None => endpoint(
                f.method.as_deref(),
                f.path.as_deref().or(f.url.as_deref()),
                f.service.as_deref(),
            ),
        },
        detail: f.detail.clone(),
        fingerprint: fingerprint(f),
        baselined: false,
    }
}

fn gate_items(
    audit: &AuditOutcome,
    report: Option<&Report>,
    imported: &[Finding],
) -> Vec<GateItem> {
    let mut items: Vec<GateItem> = audit
        .findings
        .iter()
        .map(|f| finding_item("audit", f))
        .collect();
    if let Some(r) = report {
        items.extend(r.findings.iter().map(|f| finding_item("finding", f)));
        items.extend(r.policy_violations.iter().map(|v| GateItem {
            kind: "policy",
            severity: v.severity,
            rule: v.policy.clone(),
            location: endpoint(Some(&v.method), Some(&v.path), Some(&v.service)),
            detail: v.reason.clone(),
            fingerprint: format!("policy:{}|{}", v.policy, v.api_id),
            baselined: false,
        }));
        items.extend(r.compliance_gaps.iter().map(|g| GateItem {
            kind: "compliance",
            severity: g.severity,
            rule: g.requirement.clone(),
            location: endpoint(Some(&g.method), Some(&g.path), Some(&g.service)),
            detail: g.description.clone(),
            fingerprint: format!("compliance:{}:{}|{}", g.framework, g.requirement, g.api_id),
            baselined: false,
        }));
    }
    items.extend(imported.iter().map(|f| finding_item("finding", f)));
    items
}

fn read_baseline(path: &Path, updating: bool) -> Result<Baseline, Failure> {
    match std::fs::read_to_string(path) {
        Ok(text) => Baseline::from_json(&text, &path.display().to_string())
            .map_err(|e| Failure::input(e.to_string())),
        Err(e) if updating && e.kind() == std::io::ErrorKind::NotFound => Ok(Baseline::new()),
        Err(e) => Err(Failure::input(format!(
            "{}: {e} (create it with --update-baseline)",
            path.display()
        ))),
    }
}

pub fn run(a: CheckArgs) -> Result<u8, Failure> {
    let gate_at = threshold(a.fail_on);
    let docs = read_documents(&a.spec)?;
    let files: Vec<String> = docs.iter().map(|d| d.file.clone()).collect();
    let audit = apispm_audit::audit_all(&docs);
    // With logs, imported findings are placed on the endpoints inside the scan (as `scan
    // --findings` does) and come back in the report; without, they are gated as they are.
    let (report, imported) = if a.logs.is_empty() {
        let imported = crate::imported::read_findings(&a.findings, a.quiet)?.findings;
        if let Some(p) = &a.policy {
            // Still refuse a broken file; policies judge endpoints seen in traffic.
            crate::scan::load_policies(Some(p))?;
            if !a.quiet {
                eprintln!(
                    "apispm: warning: {}: policies judge traffic; give --logs to apply them",
                    p.display()
                );
            }
        }
        (None, imported)
    } else {
        let input = InputArgs {
            logs: a.logs.clone(),
            log_format: a.log_format.clone(),
            spec: a.spec.clone(),
            config: a.config.clone(),
            threads: a.threads,
            quiet: a.quiet,
        };
        let report =
            crate::scan::scan_report_with_findings(&input, a.policy.as_deref(), &a.findings)?;
        (Some(report), Vec::new())
    };
    let mut items = gate_items(&audit, report.as_ref(), &imported);

    let mut baseline = match &a.baseline {
        Some(p) => read_baseline(p, a.update_baseline)?,
        None => Baseline::new(),
    };
    if a.update_baseline {
        let path = a.baseline.as_deref().expect("clap requires --baseline");
        let before = baseline.clone();
        let mut fresh = Baseline::new();
        for it in &items {
            fresh.insert(it.fingerprint.clone());
        }
        write_output(Some(path), &fresh.to_json())?;
        if !a.quiet {
            let added = fresh.iter().filter(|f| !before.contains(f)).count();
            let dropped = before.iter().filter(|f| !fresh.contains(f)).count();
            eprintln!(
                "apispm: baseline {}: {} fingerprints ({added} added, {dropped} no longer seen)",
                path.display(),
                fresh.len()
            );
        }
        baseline = fresh;
    }
    let mut matched = std::collections::HashSet::new();
    for it in &mut items {
        if baseline.contains(&it.fingerprint) {
            it.baselined = true;
            matched.insert(it.fingerprint.clone());
        }
    }
    items.sort_by_key(|it| std::cmp::Reverse(it.severity));
    let new_at_or_above = items
        .iter()
        .filter(|i| !i.baselined && i.severity >= gate_at)
        .count();
    let summary = GateSummary {
        fail_on: gate_at,
        tripped: new_at_or_above > 0,
        new_at_or_above,
        new: items.iter().filter(|i| !i.baselined).count(),
        baselined: items.iter().filter(|i| i.baselined).count(),
        baseline_unmatched: baseline.iter().filter(|f| !matched.contains(*f)).count(),
    };

    let text = match resolve_format(a.format, a.output.as_deref()) {
        AuditFormat::Json => {
            let v = serde_json::json!({
                "generator": {"name": "apispm", "version": env!("CARGO_PKG_VERSION")},
                "files": files,
                "gate": summary,
                "items": items,
                "audit": audit,
                "unplaced_imported_findings": imported.len(),
                "scan": report,
            });
            let mut s = serde_json::to_string_pretty(&v).expect("a check report serializes");
            s.push('\n');
            s
        }
        AuditFormat::Table => table(&summary, &items, &audit, report.as_ref()),
        AuditFormat::Markdown => markdown(&summary, &items, &audit),
        AuditFormat::Sarif => {
            let mut all = audit.findings.clone();
            all.extend(imported.iter().cloned());
            match &report {
                // Policy violations and compliance gaps are results too.
                Some(r) => {
                    let mut r = r.clone();
                    r.findings.extend(all);
                    apispm_report::render_sarif(&r)
                }
                None => crate::audit::sarif(&all),
            }
        }
    };
    write_output(a.output.as_deref(), &text)?;
    if summary.tripped {
        if !a.quiet {
            eprintln!(
                "apispm: --fail-on {}: {} new item(s) at or above {gate_at} ({} baselined)",
                gate_at.name().to_lowercase(),
                summary.new_at_or_above,
                summary.baselined
            );
        }
        return Ok(1);
    }
    Ok(0)
}

fn table(
    s: &GateSummary,
    items: &[GateItem],
    audit: &AuditOutcome,
    report: Option<&Report>,
) -> String {
    let mut out = String::new();
    let new: Vec<&GateItem> = items.iter().filter(|i| !i.baselined).collect();
    let rule_w = new.iter().map(|i| i.rule.len()).max().unwrap_or(4).max(4);
    if new.is_empty() {
        out.push_str("No new findings.\n");
    } else {
        let _ = writeln!(
            out,
            "{:<8}  {:<10}  {:<rule_w$}  LOCATION / DETAIL",
            "SEVERITY", "KIND", "RULE"
        );
        for i in &new {
            let _ = writeln!(
                out,
                "{:<8}  {:<10}  {:<rule_w$}  {}",
                i.severity.name(),
                i.kind,
                i.rule,
                i.location
            );
            let _ = writeln!(
                out,
                "{:<8}  {:<10}  {:<rule_w$}    {}",
                "", "", "", i.detail
            );
        }
    }
    let _ = writeln!(
        out,
        "\naudit: {} finding(s), {} suppressed by x-apispm-ignore",
        audit.findings.len(),
        audit.suppressed.len()
    );
    if let Some(r) = report {
        let _ = writeln!(
            out,
            "scan: {} endpoint(s), {} policy violation(s), {} finding(s), {} compliance gap(s)",
            r.total_apis,
            r.policy_violations.len(),
            r.findings.len(),
            r.compliance_gaps.len()
        );
    }
    let _ = writeln!(
        out,
        "baseline: {} grandfathered, {} baseline entr{} no longer seen",
        s.baselined,
        s.baseline_unmatched,
        if s.baseline_unmatched == 1 {
            "y"
        } else {
            "ies"
        }
    );
    let _ = writeln!(
        out,
        "gate (--fail-on {}): {}",
        s.fail_on.name().to_lowercase(),
        if s.tripped {
            format!(
                "FAILED, {} new item(s) at or above {}",
                s.new_at_or_above, s.fail_on
            )
        } else {
            "passed".to_string()
        }
    );
    out
}

fn markdown(s: &GateSummary, items: &[GateItem], audit: &AuditOutcome) -> String {
    let mut out = String::from("## apispm check\n\n");
    let _ = writeln!(
        out,
        "**Gate (`--fail-on {}`): {}.** {} new item(s), {} at or above the gate; {} grandfathered by the baseline; {} audit finding(s) suppressed by `x-apispm-ignore`.\n",
        s.fail_on.name().to_lowercase(),
        if s.tripped { "failed" } else { "passed" },
        s.new,
        s.new_at_or_above,
        s.baselined,
        audit.suppressed.len()
    );
    let new: Vec<&GateItem> = items.iter().filter(|i| !i.baselined).collect();
    if !new.is_empty() {
        out.push_str("| Severity | Kind | Rule | Location | Detail |\n|---|---|---|---|---|\n");
        for i in new.iter().take(200) {
            let _ = writeln!(
                out,
                "| {} | {} | `{}` | `{}` | {} |",
                i.severity.name(),
                i.kind,
                i.rule,
                i.location.replace('|', "\\|"),
                i.detail.replace('|', "\\|").replace('\n', " ")
            );
        }
        if new.len() > 200 {
            let _ = writeln!(out, "\n… and {} more.", new.len() - 200);
        }
    }
    out
}

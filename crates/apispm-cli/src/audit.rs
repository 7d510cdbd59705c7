//! `apispm audit SPEC...`: the static security audit of API descriptions, for people and
//! pipelines. Exit codes: 0 ok, 1 the `--fail-on` gate tripped, 2 a spec could not be read.

use crate::Failure;
use crate::cli::FailOn;
use apispm_audit::{AuditOutcome, SpecDocument};
use apispm_core::{Finding, Severity};
use clap::{Args, ValueEnum};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum AuditFormat {
    Table,
    Json,
    Sarif,
    Markdown,
}

#[derive(Args, Debug)]
pub struct AuditArgs {
    /// OpenAPI 2.0/3.0/3.1 documents, JSON or YAML; folders are searched for .json/.yaml/.yml.
    #[arg(required = true, value_name = "SPEC")]
    pub specs: Vec<PathBuf>,

    /// Output format [default: table on a terminal, json otherwise].
    #[arg(long, short = 'f', value_enum)]
    pub format: Option<AuditFormat>,

    /// Write the report to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Exit 1 when a finding (not silenced by x-apispm-ignore) is at or above this severity.
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub fail_on: Option<FailOn>,

    /// No gate message on standard error.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

pub fn threshold(level: FailOn) -> Severity {
    match level {
        FailOn::Critical => Severity::Critical,
        FailOn::High => Severity::High,
        FailOn::Medium => Severity::Medium,
        FailOn::Low => Severity::Low,
    }
}

/// Reads and parses every document; the first one that cannot be used ends the run with its
/// file, line and reason.
pub fn read_documents(paths: &[PathBuf]) -> Result<Vec<SpecDocument>, Failure> {
    crate::scan::spec_files(paths)?
        .iter()
        .map(|f| {
            let text = std::fs::read_to_string(f)
                .map_err(|e| Failure::input(format!("{}: {e}", f.display())))?;
            SpecDocument::parse(text, &f.display().to_string())
                .map_err(|e| Failure::input(e.to_string()))
        })
        .collect()
}

pub fn resolve_format(format: Option<AuditFormat>, output: Option<&Path>) -> AuditFormat {
    match (format, output) {
        (Some(f), _) => f,
        (None, Some(_)) => AuditFormat::Json,
        (None, None) if std::io::stdout().is_terminal() => AuditFormat::Table,
        (None, None) => AuditFormat::Json,
    }
}

/// SARIF 2.1.0 for code scanning: results point into the documents.
pub fn sarif(findings: &[Finding]) -> String {
    let log = apispm_report::findings_to_sarif(findings, env!("CARGO_PKG_VERSION"));
    let mut s = serde_json::to_string_pretty(&log).expect("SARIF serializes");
    s.push('\n');
    s
}

pub fn run(a: AuditArgs) -> Result<u8, Failure> {
    let docs = read_documents(&a.specs)?;
    let files: Vec<String> = docs.iter().map(|d| d.file.clone()).collect();
    let outcome = apispm_audit::audit_all(&docs);
    let text = match resolve_format(a.format, a.output.as_deref()) {
        AuditFormat::Table => apispm_audit::render(&outcome, &files, apispm_audit::Format::Table),
        AuditFormat::Json => apispm_audit::render(&outcome, &files, apispm_audit::Format::Json),
        AuditFormat::Markdown => {
            apispm_audit::render(&outcome, &files, apispm_audit::Format::Markdown)
        }
        AuditFormat::Sarif => sarif(&outcome.findings),
    };
    write_output(a.output.as_deref(), &text)?;
    Ok(gate(&outcome, a.fail_on, a.quiet))
}

fn gate(outcome: &AuditOutcome, fail_on: Option<FailOn>, quiet: bool) -> u8 {
    let Some(level) = fail_on else { return 0 };
    let t = threshold(level);
    let n = outcome.findings.iter().filter(|f| f.severity >= t).count();
    if n == 0 {
        return 0;
    }
    if !quiet {
        eprintln!(
            "apispm: --fail-on {}: {n} finding(s) at or above {t}",
            t.name().to_lowercase()
        );
    }
    1
}

pub fn write_output(path: Option<&Path>, text: &str) -> Result<(), Failure> {
    match path {
        Some(path) => std::fs::write(path, text)
            .map_err(|e| Failure::input(format!("{}: {e}", path.display()))),
        None => {
            let mut out = std::io::stdout().lock();
            match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
                Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
                    Err(Failure::input(format!("writing the report: {e}")))
                }
                _ => Ok(()),
            }
        }
    }
}

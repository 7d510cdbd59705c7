//! `--findings`: other tools' reports, read before the logs so that an unusable report stops
//! the run early (exit 2), and summarised in the report's `ingest.findings` section.

use crate::Failure;
use apispm_core::Finding;
use apispm_engine::{MappedBy, MappingSummary};
use apispm_import::ImportStats;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

/// The findings of every report named, in order, with each file's statistics.
pub struct ImportedFindings {
    pub findings: Vec<Finding>,
    pub files: Vec<ImportStats>,
}

/// Report files in a folder: SARIF, JSON and JSON lines, hidden entries skipped, sorted.
fn files_in(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), Failure> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| Failure::input(format!("{}: {e}", dir.display())))?;
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for p in paths {
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name.starts_with('.') {
            continue;
        }
        if p.is_dir() {
            files_in(&p, out)?;
        } else if matches!(
            p.extension().and_then(|e| e.to_str()),
            Some("sarif" | "json" | "jsonl" | "ndjson")
        ) {
            out.push(p);
        }
    }
    Ok(())
}

/// Reads every report; a file that is not a report at all is an input error.
pub fn read_findings(paths: &[PathBuf], quiet: bool) -> Result<ImportedFindings, Failure> {
    let mut files = Vec::new();
    for p in paths {
        if p.is_dir() {
            files_in(p, &mut files)?;
        } else {
            files.push(p.clone());
        }
    }
    let mut out = ImportedFindings {
        findings: Vec::new(),
        files: Vec::new(),
    };
    for f in files {
        let got = apispm_import::import_file(&f).map_err(|e| Failure::input(e.to_string()))?;
        if !quiet && got.stats.rejected > 0 {
            let first = got.stats.errors.first().map(|e| match e.line {
                Some(l) => format!(" (first at line {l}: {})", e.reason),
                None => format!(" (first at {}: {})", e.record, e.reason),
            });
            eprintln!(
                "apispm: warning: {}: {} malformed finding record(s) skipped{}",
                got.stats.path,
                got.stats.rejected,
                first.unwrap_or_default()
            );
        }
        out.findings.extend(got.findings);
        out.files.push(got.stats);
    }
    Ok(out)
}

/// `ingest.findings`: per file what was read and how its findings were placed.
pub fn ingest_section(files: &[ImportStats], mapped: &[MappedBy]) -> Value {
    let mut at = 0usize;
    let per_file: Vec<Value> = files
        .iter()
        .map(|s| {
            let n = s.imported as usize;
            let part = &mapped[at.min(mapped.len())..(at + n).min(mapped.len())];
            at += n;
            let mut v = serde_json::to_value(s).expect("stats serialize");
            v["mapping"] = json!(MappingSummary::of(part));
            v
        })
        .collect();
    json!({
        "files": per_file,
        "mapping": MappingSummary::of(mapped),
    })
}

//! Findings from other security tools, read into apispm's [`Finding`]s so that they sit next to
//! what traffic shows about the same endpoints.
//!
//! Three formats cover the SAST, secret-scanning and DAST tools teams already run: SARIF 2.1.0
//! (CodeQL, Semgrep, Gitleaks, SpotBugs and most static analysers), the OWASP ZAP traditional
//! JSON report, and Nuclei's JSON lines or JSON array output, under both its old and new key
//! names. [`import_text`] tells them apart from the content ([`detect`]), so a folder of mixed
//! reports needs no flags. Severities are normalised to apispm's five levels (see
//! `docs/integrations.md` for the table). A record that cannot be read is counted and skipped,
//! with its line (JSON lines) or its place in the document; only a file that is not one of the
//! formats at all is an error. Imported text never carries raw secrets: values a report flags
//! as secrets, and whatever apispm's detector recognises, are redacted; snippets, evidence,
//! requests and responses are not copied; URLs lose user info, query and fragment.
//!
//! Findings leave here with `api_id: None`; `apispm_engine` maps them to endpoints.
//! The crate does no I/O beyond [`import_file`] reading the named file.

mod common;
mod nuclei;
mod sarif;
mod zap;

use apispm_core::{Finding, Severity};
use serde::Serialize;
use serde_json::Value;
use serde_json::value::RawValue;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::OnceLock;

pub use common::{clean_url, cvss_severity, host_of};

/// Reports larger than this are refused rather than read into memory.
pub const MAX_REPORT_BYTES: u64 = 512 * 1024 * 1024;
/// Record errors kept per file; the rest are only counted.
pub const MAX_ERRORS: usize = 20;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ImportFormat {
    /// SARIF 2.1.0 log.
    Sarif,
    /// OWASP ZAP traditional JSON report.
    ZapJson,
    /// Nuclei output, one JSON object per line (`-jsonl`, formerly `-json`).
    NucleiJsonl,
    /// Nuclei `-json-export`: one JSON array.
    NucleiJson,
}

impl ImportFormat {
    pub fn name(self) -> &'static str {
        match self {
            ImportFormat::Sarif => "sarif",
            ImportFormat::ZapJson => "zap-json",
            ImportFormat::NucleiJsonl => "nuclei-jsonl",
            ImportFormat::NucleiJson => "nuclei-json",
        }
    }
}

/// A record that could not be read.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RecordError {
    /// 1-based line, for JSON lines.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    /// Where in the document: `runs[0].results[3]`, `site[0].alerts[2]`, `[5]`.
    pub record: String,
    pub reason: String,
}

/// What reading one report gave.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ImportStats {
    pub path: String,
    pub format: ImportFormat,
    /// The tools that produced it (SARIF's `tool.driver.name` per run; `ZAP`, `nuclei`).
    pub tools: Vec<String>,
    /// Results, alert instances or lines considered.
    pub records: u64,
    /// Findings produced.
    pub imported: u64,
    /// Records that are not open problems: suppressed or fixed (`baselineState: absent`)
    /// SARIF results, passing checks, ZAP alerts a user marked as false positives.
    pub skipped: u64,
    /// Malformed records, skipped.
    pub rejected: u64,
    /// The first [`MAX_ERRORS`] rejections.
    pub errors: Vec<RecordError>,
}

/// The findings of one report and how reading it went.
#[derive(Clone, Debug, PartialEq)]
pub struct Imported {
    pub stats: ImportStats,
    pub findings: Vec<Finding>,
}

/// A report that cannot be used at all.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}:{line}:{column}: not valid JSON: {reason}")]
    Json {
        path: String,
        line: u64,
        column: u64,
        reason: String,
    },
    #[error("{path}: {reason}")]
    Unusable { path: String, reason: String },
}

/// Reads and imports one report file.
pub fn import_file(path: &Path) -> Result<Imported, ImportError> {
    let name = path.display().to_string();
    let io = |source| ImportError::Io {
        path: name.clone(),
        source,
    };
    let meta = std::fs::metadata(path).map_err(io)?;
    if meta.is_dir() {
        return Err(ImportError::Unusable {
            path: name,
            reason: "is a folder; name the report files".into(),
        });
    }
    if meta.len() > MAX_REPORT_BYTES {
        return Err(ImportError::Unusable {
            path: name,
            reason: format!(
                "{} bytes is larger than the {} MiB limit for a findings report",
                meta.len(),
                MAX_REPORT_BYTES >> 20
            ),
        });
    }
    let bytes = std::fs::read(path).map_err(io)?;
    import_bytes(&bytes, &name)
}

/// Imports a report held in memory; `name` is used in messages and stats.
pub fn import_bytes(bytes: &[u8], name: &str) -> Result<Imported, ImportError> {
    match std::str::from_utf8(bytes) {
        Ok(text) => import_text(text, name),
        Err(e) => {
            let line = bytes[..e.valid_up_to()]
                .iter()
                .filter(|b| **b == b'\n')
                .count()
                + 1;
            Err(ImportError::Unusable {
                path: name.to_string(),
                reason: format!("line {line}: not UTF-8 text (is it compressed or binary?)"),
            })
        }
    }
}

/// The top-level members of a JSON object, unparsed: large reports (a CodeQL log of 100k
/// results) are then parsed one result at a time instead of as one document tree.
pub(crate) type RawMap<'a> = BTreeMap<String, &'a RawValue>;

/// How a report's text was recognised.
enum Recognised<'a> {
    Sarif(RawMap<'a>),
    Zap(Value),
    /// Nuclei records: a JSON array, or one object (a one-line JSON lines file).
    Records(ImportFormat, Vec<&'a RawValue>),
    Lines,
}

impl Recognised<'_> {
    fn format(&self) -> ImportFormat {
        match self {
            Recognised::Sarif(_) => ImportFormat::Sarif,
            Recognised::Zap(_) => ImportFormat::ZapJson,
            Recognised::Records(f, _) => *f,
            Recognised::Lines => ImportFormat::NucleiJsonl,
        }
    }
}

/// Tells the format from the content: a SARIF log has `runs`, a ZAP report `site`, Nuclei
/// records `template-id` (or the older `templateID`) and `info`.
pub fn detect(text: &str) -> Option<ImportFormat> {
    recognise(text.trim_start_matches('\u{feff}'), "")
        .ok()
        .map(|r| r.format())
}

fn is_nuclei_keys<'k>(mut keys: impl Iterator<Item = &'k str>) -> bool {
    let (mut template, mut info) = (false, false);
    keys.any(|k| {
        template |= k == "template";
        info |= k == "info";
        k == "template-id" || k == "templateID" || (template && info)
    })
}

fn is_nuclei_record(v: &Value) -> bool {
    v.as_object()
        .is_some_and(|o| is_nuclei_keys(o.keys().map(String::as_str)))
}

fn is_nuclei_raw(raw: &RawValue) -> bool {
    serde_json::from_str::<RawMap<'_>>(raw.get())
        .is_ok_and(|m| is_nuclei_keys(m.keys().map(String::as_str)))
}

fn json_error(name: &str, e: &serde_json::Error) -> ImportError {
    ImportError::Json {
        path: name.to_string(),
        line: e.line() as u64,
        column: e.column() as u64,
        reason: e.to_string(),
    }
}

fn recognise<'a>(text: &'a str, name: &str) -> Result<Recognised<'a>, ImportError> {
    let unusable = |reason: &str| ImportError::Unusable {
        path: name.to_string(),
        reason: reason.to_string(),
    };
    let first = text.trim_start().as_bytes().first().copied();
    let Some(first) = first else {
        return Err(unusable(
            "empty file; expected a SARIF, ZAP or Nuclei report",
        ));
    };
    // JSON lines: one document per line, so the whole text is not one value.
    let lines_or = |e: serde_json::Error| {
        let nuclei_lines = text
            .lines()
            .take(1000)
            .filter_map(|l| serde_json::from_str::<Value>(l.trim()).ok())
            .any(|v| is_nuclei_record(&v));
        if nuclei_lines {
            Ok(Recognised::Lines)
        } else {
            Err(json_error(name, &e))
        }
    };
    match first {
        b'{' => {
            let map = match serde_json::from_str::<RawMap<'a>>(text) {
                Ok(m) => m,
                Err(e) => return lines_or(e),
            };
            if map.contains_key("runs") {
                return Ok(Recognised::Sarif(map));
            }
            if map.contains_key("site") {
                let doc = serde_json::from_str::<Value>(text).map_err(|e| json_error(name, &e))?;
                return Ok(Recognised::Zap(doc));
            }
            if is_nuclei_keys(map.keys().map(String::as_str)) {
                // One record: a single JSON line, or one pretty-printed object.
                let whole: &RawValue =
                    serde_json::from_str(text).map_err(|e| json_error(name, &e))?;
                return Ok(Recognised::Records(ImportFormat::NucleiJsonl, vec![whole]));
            }
            Err(unusable(
                "a JSON object that is not a SARIF log (no `runs`), a ZAP traditional JSON report (no `site`) or a Nuclei result (no `template-id`)",
            ))
        }
        b'[' => {
            let items = match serde_json::from_str::<Vec<&'a RawValue>>(text) {
                Ok(items) => items,
                Err(e) => return lines_or(e),
            };
            if items.is_empty() || items.iter().take(100).any(|r| is_nuclei_raw(r)) {
                Ok(Recognised::Records(ImportFormat::NucleiJson, items))
            } else {
                Err(unusable(
                    "a JSON array whose items are not Nuclei results (no `template-id`)",
                ))
            }
        }
        _ => match serde_json::from_str::<Value>(text) {
            Ok(_) => Err(unusable(
                "a JSON scalar; expected a SARIF, ZAP or Nuclei report",
            )),
            Err(e) => lines_or(e),
        },
    }
}

/// Imports a report from its text; `name` is used in messages and stats.
pub fn import_text(text: &str, name: &str) -> Result<Imported, ImportError> {
    let text = text.trim_start_matches('\u{feff}');
    let recognised = recognise(text, name)?;
    let mut sink = Sink::new(name, recognised.format());
    match recognised {
        Recognised::Sarif(doc) => {
            sarif::read(&doc, &mut sink).map_err(|reason| ImportError::Unusable {
                path: name.to_string(),
                reason,
            })?
        }
        Recognised::Zap(doc) => zap::read(&doc, &mut sink),
        Recognised::Records(_, items) => nuclei::read_records(&items, &mut sink),
        Recognised::Lines => nuclei::read_lines(text, &mut sink),
    }
    Ok(sink.finish())
}

/// Where readers put what they find.
pub(crate) struct Sink {
    findings: Vec<Finding>,
    stats: ImportStats,
    redactor: &'static common::Redactor,
}

fn redactor() -> &'static common::Redactor {
    static R: OnceLock<common::Redactor> = OnceLock::new();
    R.get_or_init(common::Redactor::default)
}

impl Sink {
    fn new(name: &str, format: ImportFormat) -> Sink {
        Sink {
            findings: Vec::new(),
            stats: ImportStats {
                path: name.to_string(),
                format,
                tools: Vec::new(),
                records: 0,
                imported: 0,
                skipped: 0,
                rejected: 0,
                errors: Vec::new(),
            },
            redactor: redactor(),
        }
    }

    pub(crate) fn tool(&mut self, name: &str) {
        if !self.stats.tools.iter().any(|t| t == name) {
            self.stats.tools.push(name.to_string());
        }
    }

    pub(crate) fn record(&mut self) {
        self.stats.records += 1;
    }

    pub(crate) fn skip(&mut self) {
        self.stats.skipped += 1;
    }

    pub(crate) fn reject(&mut self, line: Option<u64>, record: String, reason: impl Into<String>) {
        self.stats.rejected += 1;
        if self.stats.errors.len() < MAX_ERRORS {
            self.stats.errors.push(RecordError {
                line,
                record,
                reason: reason.into(),
            });
        }
    }

    /// Redacts free text from a report.
    pub(crate) fn clean(&self, text: &str, secrets: &[&str]) -> String {
        self.redactor.redact(text, secrets)
    }

    pub(crate) fn push(&mut self, f: Finding) {
        self.stats.imported += 1;
        self.findings.push(f);
    }

    fn finish(self) -> Imported {
        Imported {
            stats: self.stats,
            findings: self.findings,
        }
    }
}

/// A finding with only what every reader sets.
pub(crate) fn finding(source: &str, rule: &str, severity: Severity, title: String) -> Finding {
    Finding {
        source: source.to_string(),
        rule: rule.to_string(),
        category: None,
        severity,
        title,
        detail: String::new(),
        api_id: None,
        service: None,
        method: None,
        path: None,
        url: None,
        remediation: String::new(),
        location: None,
    }
}

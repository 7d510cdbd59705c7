//! Findings: problems worth tracking one by one (unauthenticated access, secrets in URLs, and
//! later those imported from scanners). Policy violations and missing controls are reported in
//! their own sections; a finding is what needs a person to look at a specific endpoint.

use crate::Severity;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// `apispm` for findings from traffic; the tool's name for imported ones.
    pub source: String,
    pub rule: String,
    /// OWASP API Security Top 10 (2023) category, e.g. `API2:2023 Broken Authentication`.
    pub category: Option<String>,
    pub severity: Severity,
    pub title: String,
    pub detail: String,
    pub api_id: Option<String>,
    pub service: Option<String>,
    pub method: Option<String>,
    pub path: Option<String>,
    pub url: Option<String>,
    pub remediation: String,
    /// Where in a source document (an API description, a scanned file) the finding points.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<SourceLocation>,
}

/// A place in a file: what SARIF's physical location and a spec audit's JSON pointer need.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceLocation {
    /// The file as the user named it.
    pub file: String,
    /// RFC 6901 JSON pointer into the document, when it is a JSON or YAML document.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pointer: Option<String>,
    /// 1-based line and column; 0 when unknown.
    pub line: u32,
    pub column: u32,
}

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
}

use apispm_core::compliance::ComplianceGap;
use apispm_core::lifecycle::DeprecationCandidate;
use apispm_core::{
    Assessment, Classification, Control, Finding, Metric, Severity, metrics, round1,
};
use apispm_policy::Violation;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[allow(non_snake_case)]
pub struct RiskDistribution {
    pub CRITICAL: usize,
    pub HIGH: usize,
    pub MEDIUM: usize,
    pub LOW: usize,
    pub INFO: usize,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ClassificationCounts {
    pub external: usize,
    pub internal: usize,
    pub partner: usize,
    pub shadow: usize,
    pub deprecated: usize,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TopRisk {
    pub api_id: String,
    pub method: String,
    pub path: String,
    pub service: String,
    pub risk_score: f64,
    pub classification: Classification,
}

/// Top-level keys: the seed's report keys first, in the seed's order, then apispm's.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub report_date: String,
    pub total_apis: usize,
    pub average_risk_score: f64,
    pub risk_distribution: RiskDistribution,
    pub classification: ClassificationCounts,
    pub undocumented_apis: usize,
    pub missing_authentication: usize,
    pub missing_tls: usize,
    pub top_risks: Vec<TopRisk>,
    /// Documented operations that no traffic reached.
    pub orphan_apis: usize,
    /// Endpoints with traffic and no known owner.
    pub unowned_apis: usize,
    pub metrics: Vec<Metric>,
    pub policy_violations: Vec<Violation>,
    pub findings: Vec<Finding>,
    pub compliance_gaps: Vec<ComplianceGap>,
    pub deprecation_candidates: Vec<DeprecationCandidate>,
    pub endpoints: Vec<Assessment>,
    pub ingest: serde_json::Value,
    pub generator: serde_json::Value,
}

/// How many endpoints `top_risks` lists, as in the seed.
pub const TOP_RISKS: usize = 20;

/// Everything a report is made of.
pub struct ReportInput {
    pub endpoints: Vec<Assessment>,
    pub violations: Vec<Violation>,
    pub findings: Vec<Finding>,
    pub compliance_gaps: Vec<ComplianceGap>,
    pub deprecation_candidates: Vec<DeprecationCandidate>,
    pub ingest: serde_json::Value,
    pub report_date: String,
    pub mttr_days: Option<f64>,
}

pub fn build(input: ReportInput) -> Report {
    let ReportInput {
        mut endpoints,
        violations,
        findings,
        compliance_gaps,
        deprecation_candidates,
        ingest,
        report_date,
        mttr_days,
    } = input;
    endpoints.sort_by(|a, b| {
        b.risk_score
            .total_cmp(&a.risk_score)
            .then_with(|| a.service.cmp(&b.service))
            .then_with(|| a.path.cmp(&b.path))
            .then_with(|| a.method.cmp(&b.method))
    });
    let observed: Vec<&Assessment> = endpoints.iter().filter(|a| a.requests > 0).collect();
    let total = observed.len();
    let mut dist = RiskDistribution::default();
    let mut cls = ClassificationCounts::default();
    let (mut undocumented, mut no_auth, mut no_tls) = (0, 0, 0);
    for a in &observed {
        match Severity::from_score(a.risk_score) {
            Severity::Critical => dist.CRITICAL += 1,
            Severity::High => dist.HIGH += 1,
            Severity::Medium => dist.MEDIUM += 1,
            _ => dist.LOW += 1,
        }
        match a.classification {
            Classification::External => cls.external += 1,
            Classification::Internal => cls.internal += 1,
            Classification::Partner => cls.partner += 1,
            Classification::Shadow => cls.shadow += 1,
            Classification::Deprecated => cls.deprecated += 1,
        }
        undocumented += usize::from(!a.documented);
        no_auth += usize::from(!a.control_present(Control::Authentication));
        no_tls += usize::from(!a.control_present(Control::TransportEncryption));
    }
    let avg = if total == 0 {
        0.0
    } else {
        round1(observed.iter().map(|a| a.risk_score).sum::<f64>() / total as f64)
    };
    let top_risks = observed
        .iter()
        .take(TOP_RISKS)
        .map(|a| TopRisk {
            api_id: a.api_id.clone(),
            method: a.method.clone(),
            path: a.path.clone(),
            service: a.service.clone(),
            risk_score: a.risk_score,
            classification: a.classification,
        })
        .collect();
    let violating: BTreeSet<&str> = violations.iter().map(|v| v.api_id.as_str()).collect();
    let violating_observed = observed
        .iter()
        .filter(|a| violating.contains(a.api_id.as_str()))
        .count();
    let metrics = metrics(&observed, violating_observed, mttr_days);
    let orphan_apis = endpoints.iter().filter(|a| a.requests == 0).count();
    let unowned_apis = observed.iter().filter(|a| a.owner.is_none()).count();
    Report {
        report_date,
        total_apis: total,
        average_risk_score: avg,
        risk_distribution: dist,
        classification: cls,
        undocumented_apis: undocumented,
        missing_authentication: no_auth,
        missing_tls: no_tls,
        top_risks,
        orphan_apis,
        unowned_apis,
        metrics,
        policy_violations: violations,
        findings,
        compliance_gaps,
        deprecation_candidates,
        endpoints,
        ingest,
        generator: serde_json::json!({"name": "apispm", "version": env!("CARGO_PKG_VERSION")}),
    }
}

/// The `--fail-on` gate: a violation or an endpoint at or above `threshold`. Returns what
/// tripped it, for the message.
pub fn fail_gate(r: &Report, threshold: Severity) -> Option<String> {
    let v = r
        .policy_violations
        .iter()
        .filter(|v| v.severity >= threshold)
        .count();
    let e = r
        .endpoints
        .iter()
        .filter(|a| a.requests > 0 && a.risk_level >= threshold)
        .count();
    let f = r
        .findings
        .iter()
        .filter(|f| f.severity >= threshold)
        .count();
    let g = r
        .compliance_gaps
        .iter()
        .filter(|g| g.severity >= threshold)
        .count();
    if v + e + f + g == 0 {
        None
    } else {
        Some(format!(
            "{v} policy violation(s), {e} endpoint(s), {f} finding(s) and {g} compliance gap(s) at or above {threshold}"
        ))
    }
}

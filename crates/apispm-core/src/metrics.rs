//! The seed's eight dashboard metrics, each with its target and whether it is met.

use crate::{Assessment, Classification, Control, round1};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Metric {
    pub name: Cow<'static, str>,
    pub description: Cow<'static, str>,
    pub value: Option<f64>,
    /// The target as the seed states it, e.g. `> 95`, `< 25`, `0`, `100`.
    pub target: Cow<'static, str>,
    pub met: Option<bool>,
}

fn pct(k: usize, n: usize) -> f64 {
    if n == 0 {
        0.0
    } else {
        round1(100.0 * k as f64 / n as f64)
    }
}

/// Metrics over the endpoints that had traffic. `violating` is the number of those endpoints
/// with at least one policy violation; `mttr_days` the mean time to remediate, when history
/// exists to compute it.
pub fn metrics(assessed: &[&Assessment], violating: usize, mttr_days: Option<f64>) -> Vec<Metric> {
    let n = assessed.len();
    let documented = assessed.iter().filter(|a| a.documented).count();
    let avg = if n == 0 {
        0.0
    } else {
        round1(assessed.iter().map(|a| a.risk_score).sum::<f64>() / n as f64)
    };
    let critical = assessed.iter().filter(|a| a.risk_score >= 75.0).count();
    let shadow = assessed
        .iter()
        .filter(|a| !a.documented || a.classification == Classification::Shadow)
        .count();
    let auth = assessed
        .iter()
        .filter(|a| a.control_present(Control::Authentication))
        .count();
    let tls = assessed
        .iter()
        .filter(|a| a.control_present(Control::TransportEncryption))
        .count();
    let compliance = pct(n.saturating_sub(violating), n);
    let m = |name: &'static str,
             description: &'static str,
             value: f64,
             target: &'static str,
             met: bool| Metric {
        name: name.into(),
        description: description.into(),
        value: Some(value),
        target: target.into(),
        met: Some(met),
    };
    let coverage = pct(documented, n);
    let auth_cov = pct(auth, n);
    let tls_cov = pct(tls, n);
    vec![
        m(
            "api_discovery_coverage",
            "% of APIs with documentation",
            coverage,
            "> 95",
            coverage > 95.0,
        ),
        m(
            "average_risk_score",
            "Mean risk score across all APIs",
            avg,
            "< 25",
            avg < 25.0,
        ),
        m(
            "critical_findings",
            "Number of critical-risk APIs",
            critical as f64,
            "0",
            critical == 0,
        ),
        m(
            "shadow_api_count",
            "Undocumented/unmanaged APIs",
            shadow as f64,
            "0",
            shadow == 0,
        ),
        m(
            "authentication_coverage",
            "% of APIs with auth controls",
            auth_cov,
            "100",
            auth_cov >= 100.0,
        ),
        m(
            "tls_coverage",
            "% of APIs using HTTPS",
            tls_cov,
            "100",
            tls_cov >= 100.0,
        ),
        m(
            "policy_compliance",
            "% of APIs meeting all policies",
            compliance,
            "> 90",
            compliance > 90.0,
        ),
        Metric {
            name: "mean_time_to_remediate_days".into(),
            description: "Average days to fix findings".into(),
            value: mttr_days.map(round1),
            target: "< 7".into(),
            met: mttr_days.map(|d| d < 7.0),
        },
    ]
}

//! The risk formula. By default it is the seed's, number for number:
//!
//! ```text
//! weight(control) = severity value × 5      (CRITICAL 4, HIGH 3, MEDIUM 2, LOW 1)
//! max             = Σ weight over all six controls
//! score           = Σ weight over required controls that are absent
//!                 + 10 if undocumented
//!                 + 5 × number of sensitive data types
//! risk            = round(min(100, score / max × 100 × multiplier(classification)), 1)
//! multiplier      = external 1.5, partner 1.3, shadow 2.0, deprecated 1.8, internal 1.0
//! ```
//!
//! Every constant can be changed in the `risk:` section of the config file. Findings imported
//! from other tools (DAST, SAST) can add `imported_finding_weights[severity]` to the score per
//! open finding on the endpoint; the weights are zero by default, so the seed's numbers stand.

use crate::{Classification, Severity};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RiskModel {
    /// Weight per unit of severity value.
    pub severity_unit: f64,
    pub undocumented_penalty: f64,
    pub sensitive_type_penalty: f64,
    /// Added to the score per open finding imported from another tool, by its severity.
    /// All zero by default.
    pub imported_finding_weights: SeverityWeights,
    pub cap: f64,
    pub multipliers: Multipliers,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Multipliers {
    pub external: f64,
    pub internal: f64,
    pub partner: f64,
    pub shadow: f64,
    pub deprecated: f64,
}

impl Default for Multipliers {
    fn default() -> Self {
        Multipliers {
            external: 1.5,
            internal: 1.0,
            partner: 1.3,
            shadow: 2.0,
            deprecated: 1.8,
        }
    }
}

impl Default for RiskModel {
    fn default() -> Self {
        RiskModel {
            severity_unit: 5.0,
            undocumented_penalty: 10.0,
            sensitive_type_penalty: 5.0,
            imported_finding_weights: SeverityWeights::default(),
            cap: 100.0,
            multipliers: Multipliers::default(),
        }
    }
}

/// A number per severity; unset severities weigh 0.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SeverityWeights {
    pub critical: f64,
    pub high: f64,
    pub medium: f64,
    pub low: f64,
    pub info: f64,
}

impl SeverityWeights {
    pub fn weight(&self, s: Severity) -> f64 {
        match s {
            Severity::Critical => self.critical,
            Severity::High => self.high,
            Severity::Medium => self.medium,
            Severity::Low => self.low,
            Severity::Info => self.info,
        }
    }
}

/// One control as the formula sees it.
#[derive(Clone, Copy, Debug)]
pub struct ControlInput {
    pub present: bool,
    pub required: bool,
    pub severity: Severity,
}

impl RiskModel {
    pub fn multiplier(&self, c: Classification) -> f64 {
        let m = &self.multipliers;
        match c {
            Classification::External => m.external,
            Classification::Internal => m.internal,
            Classification::Partner => m.partner,
            Classification::Shadow => m.shadow,
            Classification::Deprecated => m.deprecated,
        }
    }

    pub fn score(
        &self,
        controls: &[ControlInput],
        classification: Classification,
        documented: bool,
        sensitive_types: usize,
        open_imported_findings: &[Severity],
    ) -> f64 {
        let mut score = 0.0;
        let mut max = 0.0;
        for c in controls {
            let w = c.severity.value() as f64 * self.severity_unit;
            max += w;
            if !c.present && c.required {
                score += w;
            }
        }
        if !documented {
            score += self.undocumented_penalty;
        }
        score += sensitive_types as f64 * self.sensitive_type_penalty;
        score += open_imported_findings
            .iter()
            .map(|s| self.imported_finding_weights.weight(*s))
            .sum::<f64>();
        let normalized = if max > 0.0 {
            f64::min(
                self.cap,
                score / max * 100.0 * self.multiplier(classification),
            )
        } else {
            0.0
        };
        round1(normalized)
    }
}

/// Python's `round(x, 1)`: correctly rounded, ties to even on the exact binary value. Rust's
/// float formatting rounds the same way, so formatting and parsing back reproduces it.
pub fn round1(x: f64) -> f64 {
    if !x.is_finite() {
        return x;
    }
    format!("{x:.1}").parse().unwrap_or(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(present: bool, required: bool, severity: Severity) -> ControlInput {
        ControlInput {
            present,
            required,
            severity,
        }
    }

    #[test]
    fn seed_formula_examples() {
        let m = RiskModel::default();
        // Nothing present, external, wildcard CORS: max 95, score 95 + 10 -> capped at 100.
        let all_absent = [
            c(false, true, Severity::Critical),
            c(false, true, Severity::Critical),
            c(false, true, Severity::High),
            c(false, true, Severity::High),
            c(false, true, Severity::Medium),
            c(false, true, Severity::High),
        ];
        assert_eq!(
            m.score(&all_absent, Classification::External, false, 0, &[]),
            100.0
        );
        // Internal, only rate limiting missing, documented: 15/90*100 = 16.666.. -> 16.7
        let one = [
            c(true, true, Severity::Critical),
            c(true, true, Severity::Critical),
            c(false, true, Severity::High),
            c(false, false, Severity::Medium),
            c(true, true, Severity::Medium),
            c(true, true, Severity::High),
        ];
        assert_eq!(m.score(&one, Classification::Internal, true, 0, &[]), 16.7);
        // Two sensitive types add 10: 25/90*100 = 27.77.. -> 27.8
        assert_eq!(m.score(&one, Classification::Internal, true, 2, &[]), 27.8);
        // Imported findings weigh nothing unless configured.
        let imported = [Severity::Critical, Severity::High, Severity::Info];
        assert_eq!(
            m.score(&one, Classification::Internal, true, 0, &imported),
            16.7
        );
        let mut w = RiskModel::default();
        w.imported_finding_weights.critical = 20.0;
        w.imported_finding_weights.high = 10.0;
        // (15 + 20 + 10) / 90 * 100 = 50.0
        assert_eq!(
            w.score(&one, Classification::Internal, true, 0, &imported),
            50.0
        );
    }

    #[test]
    fn round1_is_pythons_round() {
        // Values checked against CPython: round(x, 1)
        assert_eq!(round1(0.25), 0.2);
        assert_eq!(round1(0.35), 0.3); // 0.35 is 0.34999.. in binary
        assert_eq!(round1(2.675), 2.7);
        assert_eq!(round1(16.666666), 16.7);
        assert_eq!(round1(0.05), 0.1); // 0.05000000000000000277
    }
}

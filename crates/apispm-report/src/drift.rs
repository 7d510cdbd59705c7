//! Drift between two snapshots' reports: what changed in the inventory and its posture. Only
//! changes a security team acts on are listed; counts that move with traffic volume are not.

use crate::Report;
use apispm_core::{Assessment, Classification};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Drift {
    pub from: String,
    pub to: String,
    pub new_endpoints: Vec<EndpointRef>,
    pub vanished_endpoints: Vec<EndpointRef>,
    /// Endpoints that are shadow now and were not (or did not exist) before.
    pub new_shadow: Vec<EndpointRef>,
    pub control_regressions: Vec<ControlChange>,
    pub control_fixes: Vec<ControlChange>,
    pub new_sensitive_data: Vec<SensitiveChange>,
    pub risk_changes: Vec<RiskChange>,
    pub new_violations: Vec<ViolationRef>,
    pub resolved_violations: Vec<ViolationRef>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EndpointRef {
    pub api_id: String,
    pub service: String,
    pub method: String,
    pub path: String,
    pub classification: Classification,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ControlChange {
    pub endpoint: EndpointRef,
    pub control: String,
    pub observed_ratio_before: f64,
    pub observed_ratio_after: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SensitiveChange {
    pub endpoint: EndpointRef,
    #[serde(rename = "type")]
    pub kind: String,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RiskChange {
    pub endpoint: EndpointRef,
    pub before: f64,
    pub after: f64,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct ViolationRef {
    pub policy: String,
    pub api_id: String,
    pub method: String,
    pub path: String,
    pub severity: String,
}

impl Drift {
    pub fn is_empty(&self) -> bool {
        self.new_endpoints.is_empty()
            && self.vanished_endpoints.is_empty()
            && self.new_shadow.is_empty()
            && self.control_regressions.is_empty()
            && self.control_fixes.is_empty()
            && self.new_sensitive_data.is_empty()
            && self.risk_changes.is_empty()
            && self.new_violations.is_empty()
            && self.resolved_violations.is_empty()
    }
}

fn eref(a: &Assessment) -> EndpointRef {
    EndpointRef {
        api_id: a.api_id.clone(),
        service: a.service.clone(),
        method: a.method.clone(),
        path: a.path.clone(),
        classification: a.classification,
    }
}

fn sensitive_names(a: &Assessment) -> BTreeSet<String> {
    a.sensitive_data_types
        .iter()
        .filter_map(|t| serde_json::to_value(t).ok()?.as_str().map(str::to_string))
        .collect()
}

fn violations(r: &Report) -> BTreeSet<ViolationRef> {
    r.policy_violations
        .iter()
        .map(|v| ViolationRef {
            policy: v.policy.clone(),
            api_id: v.api_id.clone(),
            method: v.method.clone(),
            path: v.path.clone(),
            severity: v.severity.name().to_string(),
        })
        .collect()
}

/// What changed from `from` to `to`. `risk_threshold` is the smallest score change listed.
pub fn drift(from: &Report, to: &Report, risk_threshold: f64) -> Drift {
    // Endpoints only declared in an API description (no traffic) are not part of the
    // observed inventory; they appear as orphans in each report instead.
    let seen = |r: &Report| -> BTreeMap<String, Assessment> {
        r.endpoints
            .iter()
            .filter(|a| a.requests > 0)
            .map(|a| (a.api_id.clone(), a.clone()))
            .collect()
    };
    let (before, after) = (seen(from), seen(to));
    let mut d = Drift {
        from: from.report_date.clone(),
        to: to.report_date.clone(),
        ..Drift::default()
    };
    for (id, a) in &after {
        let Some(b) = before.get(id) else {
            d.new_endpoints.push(eref(a));
            if a.classification == Classification::Shadow {
                d.new_shadow.push(eref(a));
            }
            continue;
        };
        if a.classification == Classification::Shadow && b.classification != Classification::Shadow
        {
            d.new_shadow.push(eref(a));
        }
        // A stale endpoint carries its old assessment: nothing about it was re-judged.
        if a.stale {
            continue;
        }
        for c in &a.security_controls {
            let Some(old) = b.security_controls.iter().find(|o| o.name == c.name) else {
                continue;
            };
            let change = || ControlChange {
                endpoint: eref(a),
                control: c.name.as_str().to_string(),
                observed_ratio_before: old.observed_ratio,
                observed_ratio_after: c.observed_ratio,
            };
            match (old.present, c.present) {
                (true, false) => d.control_regressions.push(change()),
                (false, true) => d.control_fixes.push(change()),
                _ => {}
            }
        }
        let old_types = sensitive_names(b);
        for t in sensitive_names(a).difference(&old_types) {
            d.new_sensitive_data.push(SensitiveChange {
                endpoint: eref(a),
                kind: t.clone(),
            });
        }
        if (a.risk_score - b.risk_score).abs() >= risk_threshold {
            d.risk_changes.push(RiskChange {
                endpoint: eref(a),
                before: b.risk_score,
                after: a.risk_score,
            });
        }
    }
    for (id, b) in &before {
        if !after.contains_key(id) {
            d.vanished_endpoints.push(eref(b));
        }
    }
    // New endpoints' sensitive data is news too.
    for a in after.values().filter(|a| !before.contains_key(&a.api_id)) {
        for t in sensitive_names(a) {
            d.new_sensitive_data.push(SensitiveChange {
                endpoint: eref(a),
                kind: t,
            });
        }
    }
    let (vb, va) = (violations(from), violations(to));
    d.new_violations = va.difference(&vb).cloned().collect();
    d.resolved_violations = vb.difference(&va).cloned().collect();
    d.risk_changes.sort_by(|x, y| {
        (y.after - y.before)
            .abs()
            .total_cmp(&(x.after - x.before).abs())
    });
    d
}

fn ep(e: &EndpointRef) -> String {
    format!("{} {} ({})", e.method, e.path, e.service)
}

/// Lines of (section, rows) shared by the text renderers.
fn sections(d: &Drift) -> Vec<(&'static str, Vec<String>)> {
    vec![
        ("New endpoints", d.new_endpoints.iter().map(ep).collect()),
        (
            "Vanished endpoints",
            d.vanished_endpoints.iter().map(ep).collect(),
        ),
        (
            "New shadow endpoints",
            d.new_shadow.iter().map(ep).collect(),
        ),
        (
            "Control regressions (present → absent)",
            d.control_regressions
                .iter()
                .map(|c| {
                    format!(
                        "{}: {} (seen on {:.0}% → {:.0}% of requests)",
                        ep(&c.endpoint),
                        c.control,
                        c.observed_ratio_before * 100.0,
                        c.observed_ratio_after * 100.0
                    )
                })
                .collect(),
        ),
        (
            "Control fixes (absent → present)",
            d.control_fixes
                .iter()
                .map(|c| format!("{}: {}", ep(&c.endpoint), c.control))
                .collect(),
        ),
        (
            "Newly seen sensitive data",
            d.new_sensitive_data
                .iter()
                .map(|s| format!("{}: {}", ep(&s.endpoint), s.kind))
                .collect(),
        ),
        (
            "Risk changes",
            d.risk_changes
                .iter()
                .map(|r| format!("{}: {:.1} → {:.1}", ep(&r.endpoint), r.before, r.after))
                .collect(),
        ),
        (
            "New policy violations",
            d.new_violations
                .iter()
                .map(|v| format!("{} {}: {} ({})", v.method, v.path, v.policy, v.severity))
                .collect(),
        ),
        (
            "Resolved policy violations",
            d.resolved_violations
                .iter()
                .map(|v| format!("{} {}: {}", v.method, v.path, v.policy))
                .collect(),
        ),
    ]
}

pub fn render_drift_table(d: &Drift) -> String {
    let mut out = format!("Drift {} → {}\n", d.from, d.to);
    if d.is_empty() {
        out.push_str("\nNo security-relevant changes.\n");
        return out;
    }
    for (title, rows) in sections(d) {
        if rows.is_empty() {
            continue;
        }
        let _ = writeln!(out, "\n{title} ({})", rows.len());
        for r in rows {
            let _ = writeln!(out, "  {r}");
        }
    }
    out
}

pub fn render_drift_markdown(d: &Drift) -> String {
    let mut out = format!("## API posture drift\n\n`{}` → `{}`\n", d.from, d.to);
    if d.is_empty() {
        out.push_str("\nNo security-relevant changes.\n");
        return out;
    }
    for (title, rows) in sections(d) {
        if rows.is_empty() {
            continue;
        }
        let _ = writeln!(out, "\n### {title} ({})\n", rows.len());
        for r in rows {
            let _ = writeln!(out, "- {}", r.replace('|', "\\|"));
        }
    }
    out
}

//! The findings lifecycle, decided in one place for every backend: a problem seen for the
//! first time opens a finding, a finding whose problem a later snapshot no longer shows is
//! resolved, and one that comes back is reopened. Each step is stamped with the snapshot's
//! window end, a traffic time, so that mean time to remediate measures how long the API
//! behaved badly rather than when someone happened to load its logs.

use crate::model::{FindingRecord, FindingState, Problem};
use std::collections::{HashMap, HashSet};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TransitionKind {
    Opened,
    Reopened,
    Resolved,
    /// Still open: only `last_snapshot` and the descriptive fields move.
    Seen,
}

impl TransitionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TransitionKind::Opened => "opened",
            TransitionKind::Reopened => "reopened",
            TransitionKind::Resolved => "resolved",
            TransitionKind::Seen => "seen",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Transition {
    pub finding_id: String,
    pub kind: TransitionKind,
    /// Index into the snapshot's problems (`None` for a resolution).
    pub problem: Option<usize>,
    /// For a resolution: when the period that now ends was opened.
    pub opened_ms: Option<i64>,
}

/// What a snapshot did to the findings, and the figures that follow from it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LifecycleOutcome {
    pub opened: u64,
    pub reopened: u64,
    pub resolved: u64,
    pub open_after: u64,
    /// Mean days from open to resolved over every remediation so far, this one included.
    pub mttr_days: Option<f64>,
}

/// Plans the transitions from the findings on record to the problems a snapshot shows.
/// `existing` holds every finding on record (open and resolved).
pub fn plan_transitions(existing: &[FindingRecord], problems: &[Problem]) -> Vec<Transition> {
    let by_id: HashMap<&str, &FindingRecord> =
        existing.iter().map(|f| (f.id.as_str(), f)).collect();
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for (i, p) in problems.iter().enumerate() {
        let id = p.id();
        if !seen.insert(id.clone()) {
            continue; // the same problem twice in one snapshot is one finding
        }
        let kind = match by_id.get(id.as_str()) {
            None => TransitionKind::Opened,
            Some(f) if f.state == FindingState::Resolved => TransitionKind::Reopened,
            Some(_) => TransitionKind::Seen,
        };
        out.push(Transition {
            finding_id: id,
            kind,
            problem: Some(i),
            opened_ms: None,
        });
    }
    for f in existing {
        if f.state == FindingState::Open && !seen.contains(&f.id) {
            out.push(Transition {
                finding_id: f.id.clone(),
                kind: TransitionKind::Resolved,
                problem: None,
                opened_ms: Some(f.opened_ms),
            });
        }
    }
    out
}

/// Counts a plan and folds its remediations into the running MTTR (`sum_ms`, `count` of the
/// remediations on record before this snapshot).
pub(crate) fn outcome(
    plan: &[Transition],
    open_before: u64,
    at_ms: i64,
    sum_ms: i64,
    count: u64,
) -> LifecycleOutcome {
    let mut o = LifecycleOutcome::default();
    let (mut sum, mut n) = (sum_ms as f64, count);
    for t in plan {
        match t.kind {
            TransitionKind::Opened => o.opened += 1,
            TransitionKind::Reopened => o.reopened += 1,
            TransitionKind::Resolved => {
                o.resolved += 1;
                sum += (at_ms - t.opened_ms.unwrap_or(at_ms)).max(0) as f64;
                n += 1;
            }
            TransitionKind::Seen => {}
        }
    }
    o.open_after = open_before + o.opened + o.reopened - o.resolved;
    o.mttr_days = (n > 0).then(|| sum / n as f64 / 86_400_000.0);
    o
}

#[cfg(test)]
mod tests {
    use super::*;
    use apispm_core::Severity;

    fn problem(api: &str, key: &str) -> Problem {
        Problem {
            api_id: Some(api.into()),
            kind: "missing_control".into(),
            key: key.into(),
            severity: Severity::High,
            title: format!("{key} missing"),
            service: None,
            method: None,
            path: None,
        }
    }

    fn record(p: &Problem, state: FindingState, opened: i64) -> FindingRecord {
        FindingRecord {
            id: p.id(),
            api_id: p.api_id.clone(),
            kind: p.kind.clone(),
            key: p.key.clone(),
            severity: p.severity,
            title: p.title.clone(),
            service: None,
            method: None,
            path: None,
            state,
            first_opened_ms: opened,
            opened_ms: opened,
            resolved_ms: None,
            reopened: 0,
            last_snapshot: 1,
        }
    }

    #[test]
    fn open_resolve_reopen() {
        let a = problem("a", "authentication");
        let b = problem("a", "rate_limiting");
        let plan = plan_transitions(&[], &[a.clone(), b.clone(), a.clone()]);
        assert_eq!(plan.len(), 2);
        assert!(plan.iter().all(|t| t.kind == TransitionKind::Opened));

        let on_record = vec![
            record(&a, FindingState::Open, 0),
            record(&b, FindingState::Resolved, 0),
        ];
        let plan = plan_transitions(&on_record, std::slice::from_ref(&b));
        let kinds: Vec<_> = plan.iter().map(|t| t.kind).collect();
        assert_eq!(
            kinds,
            vec![TransitionKind::Reopened, TransitionKind::Resolved]
        );
        let o = outcome(&plan, 1, 2 * 86_400_000, 0, 0);
        assert_eq!(
            (o.opened, o.reopened, o.resolved, o.open_after),
            (0, 1, 1, 1)
        );
        assert_eq!(o.mttr_days, Some(2.0));
    }

    #[test]
    fn identity_ignores_title_and_severity() {
        let a = problem("a", "authentication");
        let mut b = a.clone();
        b.title = "other words".into();
        b.severity = Severity::Low;
        assert_eq!(a.id(), b.id());
        assert_ne!(a.id(), problem("b", "authentication").id());
    }
}

//! Taking a snapshot: assess the window that ends at the latest record, carry forward the
//! endpoints the window did not see (stale), turn what is wrong into tracked problems, and
//! record it all with the findings lifecycle.

use crate::PostureError;
use apispm_core::{Assessment, Classification, EndpointKey, Finding, Inventory, Severity, time};
use apispm_engine::Engine;
use apispm_report::{Report, ReportInput};
use apispm_store::{
    KeyKind, Problem, SnapshotBody, SnapshotEndpoint, SnapshotHead, SnapshotMeta, Store, bucket_of,
};
use apispm_template::{Config as LearnerConfig, Learner};
use std::collections::{BTreeMap, HashSet};

/// A snapshot just recorded, with its report.
pub struct Taken {
    pub meta: SnapshotMeta,
    pub report: Report,
}

/// The learner of all traffic so far, compacting the stored states as it goes.
fn stored_learner(store: &mut dyn Store) -> Result<Option<Learner>, PostureError> {
    let states = store.learners()?;
    let mut merged: Option<Learner> = None;
    for s in &states {
        let l = Learner::from_bytes(s, LearnerConfig::default())
            .map_err(|e| PostureError(e.to_string()))?;
        match merged.as_mut() {
            Some(m) => m.merge(l),
            None => merged = Some(l),
        }
    }
    if states.len() > 1
        && let Some(m) = &merged
    {
        store.compact_learners(states.len(), &m.to_bytes())?;
    }
    Ok(merged)
}

/// The window's inventory with final keys, plus all-time first/last seen per final key.
pub struct WindowState {
    pub inventory: Inventory,
    pub first_last: BTreeMap<EndpointKey, (Option<i64>, Option<i64>)>,
}

/// Merges the stored aggregates of buckets `from..=to` under the current templates.
pub fn load_window(
    store: &mut dyn Store,
    from_ms: i64,
    to_ms: i64,
) -> Result<WindowState, PostureError> {
    let learner = stored_learner(store)?;
    let templater = learner.map(|l| l.finish());
    let final_key = |kind: KeyKind, key: EndpointKey| match (kind, &templater) {
        (KeyKind::Provisional, Some(t)) => EndpointKey {
            path: t.template(&key.service, &key.path),
            ..key
        },
        _ => key,
    };
    let mut inventory = Inventory::new();
    for a in store.aggregates(bucket_of(from_ms), bucket_of(to_ms))? {
        let k = final_key(a.kind, a.key);
        inventory
            .tally_mut(&k.service, &k.method, &k.path)
            .merge(&a.tally);
    }
    let mut first_last: BTreeMap<EndpointKey, (Option<i64>, Option<i64>)> = BTreeMap::new();
    for f in store.endpoint_facts()? {
        let k = final_key(f.kind, f.key);
        let e = first_last.entry(k).or_insert((None, None));
        e.0 = match (e.0, f.first_seen_ms) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        e.1 = e.1.max(f.last_seen_ms);
    }
    Ok(WindowState {
        inventory,
        first_last,
    })
}

/// What is wrong with an endpoint (or the whole posture), as problems with stable identities.
pub fn problems(report: &Report) -> Vec<Problem> {
    let mut out = Vec::new();
    let on = |a: &Assessment, kind: &str, key: String, severity, title: String| Problem {
        api_id: Some(a.api_id.clone()),
        kind: kind.into(),
        key,
        severity,
        title,
        service: Some(a.service.clone()),
        method: Some(a.method.clone()),
        path: Some(a.path.clone()),
    };
    for a in report.endpoints.iter().filter(|a| a.requests > 0) {
        let name = format!("{} {}", a.method, a.path);
        for c in &a.security_controls {
            if c.required && !c.present {
                out.push(on(
                    a,
                    "missing_control",
                    c.name.as_str().to_string(),
                    c.severity,
                    format!("{name}: {} missing", c.name.as_str()),
                ));
            }
        }
        for s in &a.sensitive_data {
            let t = serde_json::to_value(s.kind)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default();
            out.push(on(
                a,
                "sensitive_data",
                t.clone(),
                Severity::High,
                format!("{name}: {t} exposed ({} seen, e.g. {})", s.count, s.hint),
            ));
        }
        match a.classification {
            Classification::Shadow => out.push(on(
                a,
                "shadow",
                String::new(),
                Severity::Medium,
                format!("{name}: undocumented (shadow) endpoint in use"),
            )),
            Classification::Deprecated => out.push(on(
                a,
                "zombie",
                String::new(),
                Severity::High,
                format!("{name}: deprecated (zombie) endpoint still in use"),
            )),
            _ => {}
        }
    }
    for v in &report.policy_violations {
        out.push(Problem {
            api_id: Some(v.api_id.clone()),
            kind: "policy_violation".into(),
            key: v.policy.clone(),
            severity: v.severity,
            title: format!("{} {}: {}", v.method, v.path, v.policy),
            service: Some(v.service.clone()),
            method: Some(v.method.clone()),
            path: Some(v.path.clone()),
        });
    }
    for f in &report.findings {
        let key = match &f.api_id {
            Some(_) => format!("{}:{}", f.source, f.rule),
            // An unmapped finding is told apart by what it names.
            None => format!(
                "{}:{}:{}",
                f.source,
                f.rule,
                f.url.as_deref().or(f.service.as_deref()).unwrap_or("")
            ),
        };
        out.push(Problem {
            api_id: f.api_id.clone(),
            kind: "finding".into(),
            key,
            severity: f.severity,
            title: f.title.clone(),
            service: f.service.clone(),
            method: f.method.clone(),
            path: f.path.clone(),
        });
    }
    out
}

/// Assesses the window ending at the latest record and records a snapshot.
pub fn take(
    engine: &Engine,
    store: &mut dyn Store,
    window_ms: i64,
    now_ms: i64,
) -> Result<Taken, PostureError> {
    let end = store.latest_record_ms()?.ok_or_else(|| {
        PostureError("nothing has been ingested yet: run `apispm ingest` first".into())
    })?;
    let start = end.saturating_sub(window_ms.max(1) - 1);
    let window = load_window(store, start, end)?;
    let imported = store
        .imported()?
        .iter()
        .map(|j| serde_json::from_str::<Finding>(j))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| PostureError(format!("a stored imported finding is unreadable: {e}")))?;
    let (mut assessed, _) = engine.assess_with_findings(&window.inventory, end, imported);
    for a in &mut assessed.endpoints {
        let key = EndpointKey {
            service: a.service.clone(),
            method: a.method.clone(),
            path: a.path.clone(),
        };
        // Discovery is all-time; the judgement is the window's.
        if let Some((first, last)) = window.first_last.get(&key) {
            a.first_discovered = first.map(time::format_rfc3339);
            a.last_seen = last.map(time::format_rfc3339);
        }
    }

    // Endpoints with no traffic in the window keep their last assessment, marked stale, with
    // the violations and findings that went with it.
    let previous = match store.snapshots(1)?.first() {
        Some(m) => store.snapshot(m.id)?,
        None => None,
    };
    if let Some(prev) = previous {
        let prev: Report = serde_json::from_str(&prev.report).map_err(|e| {
            PostureError(format!(
                "stored snapshot {} is unreadable: {e}",
                prev.meta.id
            ))
        })?;
        let live: HashSet<String> = assessed
            .endpoints
            .iter()
            .filter(|a| a.requests > 0)
            .map(|a| a.api_id.clone())
            .collect();
        let carried: HashSet<String> = prev
            .endpoints
            .iter()
            .filter(|a| a.requests > 0 && !live.contains(&a.api_id))
            .map(|a| a.api_id.clone())
            .collect();
        assessed.endpoints.retain(|a| !carried.contains(&a.api_id));
        for mut a in prev.endpoints {
            if carried.contains(&a.api_id) {
                a.stale = true;
                assessed.endpoints.push(a);
            }
        }
        assessed.violations.extend(
            prev.policy_violations
                .into_iter()
                .filter(|v| carried.contains(&v.api_id)),
        );
        assessed.findings.extend(
            prev.findings
                .into_iter()
                .filter(|f| f.api_id.as_ref().is_some_and(|id| carried.contains(id))),
        );
        assessed.endpoints.sort_by(|a, b| {
            b.risk_score
                .total_cmp(&a.risk_score)
                .then(a.api_id.cmp(&b.api_id))
        });
    }

    let totals = store.ingest_totals()?;
    let ingest = serde_json::json!({
        "store": store.backend(),
        "window": {
            "start": time::format_rfc3339(start),
            "end": time::format_rfc3339(end),
            "ms": window_ms,
        },
        "batches": totals.batches,
        "records": totals.records,
        "malformed": totals.malformed,
    });
    let mut input = Some(ReportInput {
        endpoints: assessed.endpoints,
        violations: assessed.violations,
        findings: assessed.findings,
        compliance_gaps: assessed.compliance_gaps,
        deprecation_candidates: assessed.deprecation_candidates,
        ingest,
        report_date: time::format_rfc3339(end),
        mttr_days: None,
    });
    // Problems come from the report without MTTR; the lifecycle then gives MTTR.
    let draft = apispm_report::build(clone_input(input.as_ref().expect("set")));
    let problems = problems(&draft);
    let head = SnapshotHead {
        created_ms: now_ms,
        window_start_ms: start,
        window_end_ms: end,
    };
    let mut report: Option<Report> = None;
    let meta = store.record_snapshot(&head, &problems, &mut |outcome| {
        let mut inp = input.take().expect("the body is asked for once");
        inp.mttr_days = outcome.mttr_days;
        let r = apispm_report::build(inp);
        let body = snapshot_body(&r);
        report = Some(r);
        body
    })?;
    Ok(Taken {
        meta,
        report: report.expect("recorded"),
    })
}

fn clone_input(i: &ReportInput) -> ReportInput {
    ReportInput {
        endpoints: i.endpoints.clone(),
        violations: i.violations.clone(),
        findings: i.findings.clone(),
        compliance_gaps: i.compliance_gaps.clone(),
        deprecation_candidates: i.deprecation_candidates.clone(),
        ingest: i.ingest.clone(),
        report_date: i.report_date.clone(),
        mttr_days: i.mttr_days,
    }
}

fn snapshot_body(r: &Report) -> SnapshotBody {
    let endpoints = r
        .endpoints
        .iter()
        .map(|a| SnapshotEndpoint {
            api_id: a.api_id.clone(),
            service: a.service.clone(),
            method: a.method.clone(),
            path: a.path.clone(),
            classification: a.classification.as_str().to_string(),
            risk_score: a.risk_score,
            requests: a.requests,
            stale: a.stale,
            assessment: serde_json::to_string(a).expect("an assessment serializes"),
        })
        .collect();
    SnapshotBody {
        report: apispm_report::render_json(r),
        metrics: serde_json::to_string(&r.metrics).expect("metrics serialize"),
        average_risk: r.average_risk_score,
        endpoints,
    }
}

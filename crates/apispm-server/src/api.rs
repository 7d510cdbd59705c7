//! The read API under `/api/v1/` and the Prometheus exposition. Snapshots never change once
//! recorded, so a parsed snapshot is cached by id; "latest" is one small query per request.

use crate::http::{ApiError, AppState};
use crate::metrics::{family, label};
use crate::snapshots::SnapshotError;
use apispm_core::{Assessment, Severity};
use apispm_report::Report;
use apispm_store::{FindingFilter, FindingRecord, FindingState, SnapshotMeta, Store};
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write;
use std::sync::{Arc, Mutex};

/// Parsed snapshots kept in memory (the latest few are what the dashboard asks for).
const CACHED_SNAPSHOTS: usize = 4;
/// Default smallest risk change `diff` lists.
const DIFF_RISK_THRESHOLD: f64 = 10.0;

/// A snapshot as the API serves it.
pub struct Loaded {
    pub meta: SnapshotMeta,
    pub report_text: String,
    pub report: Report,
    /// One summary row per endpoint, in the report's order (riskiest first).
    rows: Vec<Row>,
}

struct Row {
    /// Lower-cased text the `q` filter searches.
    haystack: String,
    service: String,
    classification: String,
    risk: f64,
    requests: u64,
    level: Severity,
    stale: bool,
    json: Value,
}

fn name_of<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

fn row(a: &Assessment) -> Row {
    let classification = name_of(&a.classification);
    let missing: Vec<String> = a
        .security_controls
        .iter()
        .filter(|c| c.required && !c.present)
        .map(|c| c.name.as_str().to_string())
        .collect();
    let controls: serde_json::Map<String, Value> = a
        .security_controls
        .iter()
        .map(|c| {
            (
                c.name.as_str().to_string(),
                json!({ "present": c.present, "required": c.required, "observed_ratio": c.observed_ratio }),
            )
        })
        .collect();
    let sensitive: Vec<String> = a.sensitive_data_types.iter().map(name_of).collect();
    let json = json!({
        "api_id": a.api_id,
        "service": a.service,
        "host": a.host,
        "method": a.method,
        "path": a.path,
        "classification": classification,
        "exposure": name_of(&a.exposure),
        "documented": a.documented,
        "requests": a.requests,
        "risk_score": a.risk_score,
        "risk_level": a.risk_level.name(),
        "owner": a.owner,
        "version": a.version,
        "stale": a.stale,
        "first_discovered": a.first_discovered,
        "last_seen": a.last_seen,
        "sensitive_data_types": sensitive,
        "compliance_tags": a.compliance_tags,
        "missing_controls": missing,
        "controls": controls,
    });
    let haystack = format!(
        "{} {} {} {} {} {}",
        a.method,
        a.path,
        a.service,
        a.api_id,
        a.owner.as_deref().unwrap_or(""),
        a.host.as_deref().unwrap_or("")
    )
    .to_lowercase();
    Row {
        haystack,
        service: a.service.clone(),
        classification,
        risk: a.risk_score,
        requests: a.requests,
        level: a.risk_level,
        stale: a.stale,
        json,
    }
}

#[derive(Default)]
pub struct Cache {
    snapshots: Mutex<Vec<Arc<Loaded>>>,
    /// Metrics of every snapshot asked for, for the history (small, kept for the process).
    metrics: Mutex<HashMap<i64, Value>>,
}

fn load(store: &mut dyn Store, state: &AppState, id: i64) -> Result<Arc<Loaded>, ApiError> {
    {
        let c = state
            .cache
            .snapshots
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if let Some(l) = c.iter().find(|l| l.meta.id == id) {
            return Ok(l.clone());
        }
    }
    let stored = store
        .snapshot(id)?
        .ok_or_else(|| ApiError::not_found(format!("no snapshot {id}")))?;
    let report: Report = serde_json::from_str(&stored.report)
        .map_err(|e| ApiError::internal(format!("snapshot {id} is unreadable: {e}")))?;
    let rows = report.endpoints.iter().map(row).collect();
    let loaded = Arc::new(Loaded {
        meta: stored.meta,
        report_text: stored.report,
        report,
        rows,
    });
    let mut c = state
        .cache
        .snapshots
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    if !c.iter().any(|l| l.meta.id == id) {
        c.insert(0, loaded.clone());
        c.truncate(CACHED_SNAPSHOTS);
    }
    Ok(loaded)
}

/// The snapshot `id`, or the latest; `None` when there is none yet.
fn load_or_latest(
    store: &mut dyn Store,
    state: &AppState,
    id: Option<i64>,
) -> Result<Option<Arc<Loaded>>, ApiError> {
    let id = match id {
        Some(id) => id,
        None => match store.snapshots(1)?.first() {
            Some(m) => m.id,
            None => return Ok(None),
        },
    };
    load(store, state, id).map(Some)
}

fn no_snapshot() -> ApiError {
    ApiError::not_found(
        "no snapshot yet: ingest logs, then POST /api/v1/snapshots (or run with --snapshot-interval)",
    )
}

#[derive(Deserialize, Default)]
pub struct SnapshotQuery {
    snapshot: Option<i64>,
}

pub async fn summary(State(state): State<Arc<AppState>>) -> Result<Response, ApiError> {
    let window_ms = state.window_ms;
    let body = state
        .with_store(move |store, state| {
            let totals = store.ingest_totals()?;
            let latest = load_or_latest(store, state, None)?;
            let Some(l) = latest else {
                return Ok(json!({
                    "snapshot": null,
                    "ingest": totals,
                    "window_ms": window_ms,
                }));
            };
            let r = &l.report;
            let stale = l.rows.iter().filter(|r| r.stale).count();
            Ok(json!({
                "snapshot": l.meta,
                "ingest": totals,
                "window_ms": window_ms,
                "report_date": r.report_date,
                "total_apis": r.total_apis,
                "average_risk_score": r.average_risk_score,
                "risk_distribution": r.risk_distribution,
                "classification": r.classification,
                "undocumented_apis": r.undocumented_apis,
                "missing_authentication": r.missing_authentication,
                "missing_tls": r.missing_tls,
                "orphan_apis": r.orphan_apis,
                "unowned_apis": r.unowned_apis,
                "stale_apis": stale,
                "metrics": r.metrics,
                "top_risks": r
                    .top_risks
                    .iter()
                    .take(10)
                    .filter_map(|t| l.rows.iter().find(|row| row.json["api_id"] == t.api_id.as_str()))
                    .map(|row| &row.json)
                    .collect::<Vec<_>>(),
                "policy_violations": r.policy_violations.len(),
                "findings": r.findings.len(),
                "compliance_gaps": r.compliance_gaps.len(),
                "deprecation_candidates": r.deprecation_candidates.len(),
            }))
        })
        .await?;
    Ok(axum::Json(body).into_response())
}

pub async fn report(
    State(state): State<Arc<AppState>>,
    Query(q): Query<SnapshotQuery>,
) -> Result<Response, ApiError> {
    let l = state
        .with_store(move |store, state| load_or_latest(store, state, q.snapshot))
        .await?
        .ok_or_else(no_snapshot)?;
    Ok((
        [(header::CONTENT_TYPE, "application/json")],
        l.report_text.clone(),
    )
        .into_response())
}

#[derive(Deserialize, Default)]
pub struct EndpointQuery {
    snapshot: Option<i64>,
    /// Comma-separated classifications.
    classification: Option<String>,
    /// Comma-separated services.
    service: Option<String>,
    min_risk: Option<f64>,
    /// Comma-separated risk levels.
    risk_level: Option<String>,
    /// Free text over method, path, service, id, owner and host.
    q: Option<String>,
    stale: Option<bool>,
    /// `risk_score` (default), `requests`, `path`, `service`, `method`, `classification`, `last_seen`.
    sort: Option<String>,
    /// `asc` or `desc`; the default depends on the field.
    order: Option<String>,
    limit: Option<usize>,
    offset: Option<usize>,
}

fn list(s: &Option<String>) -> Option<BTreeSet<String>> {
    s.as_ref()
        .map(|v| {
            v.split(',')
                .map(|x| x.trim().to_string())
                .filter(|x| !x.is_empty())
                .collect::<BTreeSet<_>>()
        })
        .filter(|set| !set.is_empty())
}

pub async fn endpoints(
    State(state): State<Arc<AppState>>,
    Query(q): Query<EndpointQuery>,
) -> Result<Response, ApiError> {
    let sort = q.sort.clone().unwrap_or_else(|| "risk_score".into());
    let known = [
        "risk_score",
        "requests",
        "path",
        "service",
        "method",
        "classification",
        "last_seen",
    ];
    if !known.contains(&sort.as_str()) {
        return Err(ApiError::bad_request(format!(
            "unknown sort field `{sort}`; use one of {}",
            known.join(", ")
        )));
    }
    let desc = match q.order.as_deref() {
        None => matches!(sort.as_str(), "risk_score" | "requests" | "last_seen"),
        Some("desc") => true,
        Some("asc") => false,
        Some(o) => {
            return Err(ApiError::bad_request(format!(
                "unknown order `{o}`; use asc or desc"
            )));
        }
    };
    let levels = match list(&q.risk_level) {
        None => None,
        Some(set) => Some(
            set.iter()
                .map(|l| {
                    Severity::parse(l)
                        .ok_or_else(|| ApiError::bad_request(format!("unknown risk level `{l}`")))
                })
                .collect::<Result<BTreeSet<_>, _>>()?,
        ),
    };
    let limit = q.limit.unwrap_or(100).min(5000);
    let offset = q.offset.unwrap_or(0);
    let body = state
        .with_store(move |store, state| {
            let l = load_or_latest(store, state, q.snapshot)?.ok_or_else(no_snapshot)?;
            let classes = list(&q.classification);
            let services = list(&q.service);
            let needle =
                q.q.as_deref()
                    .map(str::to_lowercase)
                    .filter(|s| !s.is_empty());
            let mut hits: Vec<&Row> = l
                .rows
                .iter()
                .filter(|r| {
                    classes
                        .as_ref()
                        .is_none_or(|c| c.contains(&r.classification))
                })
                .filter(|r| services.as_ref().is_none_or(|s| s.contains(&r.service)))
                .filter(|r| q.min_risk.is_none_or(|m| r.risk >= m))
                .filter(|r| levels.as_ref().is_none_or(|s| s.contains(&r.level)))
                .filter(|r| q.stale.is_none_or(|s| r.stale == s))
                .filter(|r| {
                    needle
                        .as_ref()
                        .is_none_or(|n| r.haystack.contains(n.as_str()))
                })
                .collect();
            let text = |r: &Row, k: &str| r.json[k].as_str().unwrap_or("").to_string();
            hits.sort_by(|a, b| {
                let o = match sort.as_str() {
                    "risk_score" => a.risk.total_cmp(&b.risk),
                    "requests" => a.requests.cmp(&b.requests),
                    f => text(a, f).cmp(&text(b, f)),
                };
                let o = if desc { o.reverse() } else { o };
                // Ties: riskiest first, then a stable order by path.
                o.then(b.risk.total_cmp(&a.risk))
                    .then_with(|| text(a, "path").cmp(&text(b, "path")))
                    .then_with(|| text(a, "method").cmp(&text(b, "method")))
            });
            let total = hits.len();
            let items: Vec<&Value> = hits
                .iter()
                .skip(offset)
                .take(limit)
                .map(|r| &r.json)
                .collect();
            let services: BTreeSet<&str> = l.rows.iter().map(|r| r.service.as_str()).collect();
            Ok(json!({
                "snapshot": l.meta.id,
                "total": total,
                "offset": offset,
                "limit": limit,
                "items": items,
                "services": services,
            }))
        })
        .await?;
    Ok(axum::Json(body).into_response())
}

fn finding_json(f: &FindingRecord) -> Value {
    let mut v = serde_json::to_value(f).unwrap_or(Value::Null);
    let days = |a: i64, b: i64| ((b - a) as f64 / 86_400_000.0 * 10.0).round() / 10.0;
    if let Some(r) = f.resolved_ms {
        v["days_to_resolve"] = json!(days(f.opened_ms, r));
    }
    v
}

pub async fn endpoint(
    State(state): State<Arc<AppState>>,
    Path(api_id): Path<String>,
    Query(q): Query<SnapshotQuery>,
) -> Result<Response, ApiError> {
    if api_id.is_empty() || api_id.len() > 64 || !api_id.bytes().all(|b| b.is_ascii_alphanumeric())
    {
        return Err(ApiError::bad_request("an endpoint id is 16 hex digits"));
    }
    let body = state
        .with_store(move |store, state| {
            let l = load_or_latest(store, state, q.snapshot)?;
            let history = store.endpoint_history(&api_id)?;
            let assessment = l
                .as_ref()
                .and_then(|l| l.report.endpoints.iter().find(|a| a.api_id == api_id));
            if assessment.is_none() && history.is_empty() {
                return Err(ApiError::not_found(format!("no endpoint {api_id}")));
            }
            let violations: Vec<_> = l
                .as_ref()
                .map(|l| {
                    l.report
                        .policy_violations
                        .iter()
                        .filter(|v| v.api_id == api_id)
                        .collect()
                })
                .unwrap_or_default();
            let report_findings: Vec<Value> = l
                .as_ref()
                .map(|l| {
                    l.report
                        .findings
                        .iter()
                        .filter(|f| f.api_id.as_deref() == Some(api_id.as_str()))
                        .filter_map(|f| serde_json::to_value(f).ok())
                        .collect()
                })
                .unwrap_or_default();
            let gaps: Vec<Value> = l
                .as_ref()
                .map(|l| {
                    l.report
                        .compliance_gaps
                        .iter()
                        .filter_map(|g| serde_json::to_value(g).ok())
                        .filter(|g| g["api_id"].as_str() == Some(api_id.as_str()))
                        .collect()
                })
                .unwrap_or_default();
            let tracked = store.findings(&FindingFilter {
                api_id: Some(api_id.clone()),
                ..Default::default()
            })?;
            let mut findings = Vec::new();
            for f in &tracked {
                let mut v = finding_json(f);
                v["events"] =
                    serde_json::to_value(store.finding_events(&f.id)?).unwrap_or_default();
                findings.push(v);
            }
            Ok(json!({
                "snapshot": l.as_ref().map(|l| l.meta.id),
                "assessment": assessment,
                "policy_violations": violations,
                "report_findings": report_findings,
                "compliance_gaps": gaps,
                "findings": findings,
                "history": history,
            }))
        })
        .await?;
    Ok(axum::Json(body).into_response())
}

#[derive(Deserialize, Default)]
pub struct FindingQuery {
    /// `open` or `resolved`.
    state: Option<String>,
    /// At least this severe.
    severity: Option<String>,
    api_id: Option<String>,
    /// `missing_control`, `policy_violation`, `sensitive_data`, `finding`, `shadow`, `zombie`.
    kind: Option<String>,
    q: Option<String>,
    limit: Option<usize>,
}

pub async fn findings(
    State(state): State<Arc<AppState>>,
    Query(q): Query<FindingQuery>,
) -> Result<Response, ApiError> {
    let st = match q.state.as_deref() {
        None | Some("") | Some("all") => None,
        Some(s) => Some(FindingState::parse(s).ok_or_else(|| {
            ApiError::bad_request(format!("unknown state `{s}`; use open, resolved or all"))
        })?),
    };
    let min_severity = match q.severity.as_deref() {
        None | Some("") => None,
        Some(s) => Some(
            Severity::parse(s)
                .ok_or_else(|| ApiError::bad_request(format!("unknown severity `{s}`")))?,
        ),
    };
    let limit = q.limit.unwrap_or(1000).min(20_000);
    let body = state
        .with_store(move |store, _| {
            let all = store.findings(&FindingFilter {
                state: st,
                min_severity,
                api_id: q.api_id.clone(),
            })?;
            let needle =
                q.q.as_deref()
                    .map(str::to_lowercase)
                    .filter(|s| !s.is_empty());
            let mut items: Vec<&FindingRecord> = all
                .iter()
                .filter(|f| {
                    q.kind
                        .as_deref()
                        .is_none_or(|k| k.is_empty() || f.kind == k)
                })
                .filter(|f| {
                    needle.as_ref().is_none_or(|n| {
                        format!(
                            "{} {} {} {}",
                            f.title,
                            f.service.as_deref().unwrap_or(""),
                            f.path.as_deref().unwrap_or(""),
                            f.kind
                        )
                        .to_lowercase()
                        .contains(n.as_str())
                    })
                })
                .collect();
            items.sort_by(|a, b| {
                (a.state != FindingState::Open)
                    .cmp(&(b.state != FindingState::Open))
                    .then(b.severity.cmp(&a.severity))
                    .then(b.opened_ms.cmp(&a.opened_ms))
                    .then(a.id.cmp(&b.id))
            });
            let mut by_severity: BTreeMap<&str, u64> = BTreeMap::new();
            let (mut open, mut resolved) = (0u64, 0u64);
            let mut resolved_days = Vec::new();
            for f in &items {
                match f.state {
                    FindingState::Open => {
                        open += 1;
                        *by_severity.entry(f.severity.name()).or_default() += 1;
                    }
                    FindingState::Resolved => {
                        resolved += 1;
                        if let Some(r) = f.resolved_ms {
                            resolved_days.push((r - f.opened_ms) as f64 / 86_400_000.0);
                        }
                    }
                }
            }
            let mttr = (!resolved_days.is_empty())
                .then(|| resolved_days.iter().sum::<f64>() / resolved_days.len() as f64);
            let total = items.len();
            let list: Vec<Value> = items.iter().take(limit).map(|f| finding_json(f)).collect();
            Ok(json!({
                "total": total,
                "open": open,
                "resolved": resolved,
                "open_by_severity": by_severity,
                "mean_days_to_resolve": mttr.map(|d| (d * 10.0).round() / 10.0),
                "items": list,
            }))
        })
        .await?;
    Ok(axum::Json(body).into_response())
}

#[derive(Deserialize, Default)]
pub struct LimitQuery {
    limit: Option<usize>,
}

pub async fn snapshots(
    State(state): State<Arc<AppState>>,
    Query(q): Query<LimitQuery>,
) -> Result<Response, ApiError> {
    let limit = q.limit.unwrap_or(100).clamp(1, 10_000);
    let list = state
        .with_store(move |store, _| Ok(store.snapshots(limit)?))
        .await?;
    Ok(axum::Json(json!({ "items": list })).into_response())
}

pub async fn take_snapshot(State(state): State<Arc<AppState>>) -> Result<Response, ApiError> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    state
        .snapshots
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .send(tx)
        .map_err(|_| ApiError::unavailable("the server is shutting down"))?;
    match rx.await {
        Ok(Ok(meta)) => Ok((StatusCode::CREATED, axum::Json(meta)).into_response()),
        Ok(Err(SnapshotError::Empty(m))) => Err(ApiError::new(StatusCode::CONFLICT, m)),
        Ok(Err(SnapshotError::Failed(m))) => {
            Err(ApiError::internal(format!("the snapshot failed: {m}")))
        }
        Err(_) => Err(ApiError::unavailable("the server is shutting down")),
    }
}

pub async fn metrics_history(
    State(state): State<Arc<AppState>>,
    Query(q): Query<LimitQuery>,
) -> Result<Response, ApiError> {
    let limit = q.limit.unwrap_or(60).clamp(1, 1000);
    let items = state
        .with_store(move |store, state| {
            let mut metas = store.snapshots(limit)?;
            metas.reverse();
            let mut out = Vec::with_capacity(metas.len());
            for m in metas {
                let cached = state
                    .cache
                    .metrics
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .get(&m.id)
                    .cloned();
                let metrics = match cached {
                    Some(v) => v,
                    None => {
                        let v = store
                            .snapshot(m.id)?
                            .and_then(|s| serde_json::from_str::<Value>(&s.metrics).ok())
                            .unwrap_or(Value::Null);
                        state
                            .cache
                            .metrics
                            .lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .insert(m.id, v.clone());
                        v
                    }
                };
                out.push(json!({
                    "snapshot_id": m.id,
                    "created_ms": m.created_ms,
                    "window_end_ms": m.window_end_ms,
                    "endpoints": m.endpoints,
                    "average_risk": m.average_risk,
                    "open_findings": m.open_findings,
                    "opened": m.opened,
                    "resolved": m.resolved,
                    "metrics": metrics,
                }));
            }
            Ok(out)
        })
        .await?;
    Ok(axum::Json(json!({ "items": items })).into_response())
}

#[derive(Deserialize, Default)]
pub struct DiffQuery {
    from: Option<i64>,
    to: Option<i64>,
    threshold: Option<f64>,
}

pub async fn diff(
    State(state): State<Arc<AppState>>,
    Query(q): Query<DiffQuery>,
) -> Result<Response, ApiError> {
    let threshold = q.threshold.unwrap_or(DIFF_RISK_THRESHOLD);
    if !threshold.is_finite() || threshold < 0.0 {
        return Err(ApiError::bad_request(
            "threshold must be a non-negative number",
        ));
    }
    let body = state
        .with_store(move |store, state| {
            let (from, to) = match (q.from, q.to) {
                (Some(f), Some(t)) => (f, t),
                (f, t) => {
                    let last = store.snapshots(2)?;
                    let to = t.or(last.first().map(|m| m.id));
                    let from = f.or_else(|| {
                        // The snapshot before `to`.
                        let to = to?;
                        store
                            .snapshots(usize::MAX >> 1)
                            .ok()?
                            .into_iter()
                            .find(|m| m.id < to)
                            .map(|m| m.id)
                    });
                    match (from, to) {
                        (Some(f), Some(t)) => (f, t),
                        _ => {
                            return Err(ApiError::new(
                                StatusCode::CONFLICT,
                                "a diff needs two snapshots; take another with POST /api/v1/snapshots",
                            ));
                        }
                    }
                }
            };
            let a = load(store, state, from)?;
            let b = load(store, state, to)?;
            let d = apispm_report::drift(&a.report, &b.report, threshold);
            Ok(json!({
                "from": a.meta,
                "to": b.meta,
                "threshold": threshold,
                "drift": d,
            }))
        })
        .await?;
    Ok(axum::Json(body).into_response())
}

/// `GET /metrics`: Prometheus text exposition.
pub async fn prometheus(State(state): State<Arc<AppState>>) -> Result<Response, ApiError> {
    let queue = state.writer.max_capacity() - state.writer.capacity();
    let counters = state.counters.clone();
    let text = state
        .with_store(move |store, state| {
            let mut out = String::with_capacity(8 << 10);
            counters.write_prometheus(&mut out, queue);
            let totals = store.ingest_totals()?;
            family(
                &mut out,
                "apispm_store_records",
                "gauge",
                "Records in the store over all batches ever applied.",
            );
            let _ = writeln!(out, "apispm_store_records {}", totals.records);
            family(
                &mut out,
                "apispm_store_batches",
                "gauge",
                "Batches in the store over all ingests.",
            );
            let _ = writeln!(out, "apispm_store_batches {}", totals.batches);
            family(
                &mut out,
                "apispm_store_malformed",
                "gauge",
                "Malformed records counted in stored batches.",
            );
            let _ = writeln!(out, "apispm_store_malformed {}", totals.malformed);

            let open = store.findings(&FindingFilter {
                state: Some(FindingState::Open),
                ..Default::default()
            })?;
            let mut by_sev: BTreeMap<Severity, u64> =
                Severity::ALL_DESC.iter().map(|s| (*s, 0)).collect();
            for f in &open {
                *by_sev.entry(f.severity).or_default() += 1;
            }
            family(
                &mut out,
                "apispm_open_findings",
                "gauge",
                "Open findings by severity.",
            );
            for (s, n) in by_sev.iter().rev() {
                let _ = writeln!(out, "apispm_open_findings{{severity=\"{}\"}} {n}", s.name());
            }

            if let Some(l) = load_or_latest(store, state, None)? {
                let r = &l.report;
                family(
                    &mut out,
                    "apispm_endpoints",
                    "gauge",
                    "Endpoints in the latest snapshot by classification.",
                );
                let classes = serde_json::to_value(&r.classification).unwrap_or_default();
                if let Some(m) = classes.as_object() {
                    for (k, v) in m {
                        let _ = writeln!(
                            out,
                            "apispm_endpoints{{classification=\"{}\"}} {}",
                            label(k),
                            v.as_u64().unwrap_or(0)
                        );
                    }
                }
                family(
                    &mut out,
                    "apispm_endpoints_by_risk_level",
                    "gauge",
                    "Endpoints in the latest snapshot by risk level.",
                );
                let levels = serde_json::to_value(&r.risk_distribution).unwrap_or_default();
                if let Some(m) = levels.as_object() {
                    for (k, v) in m {
                        let _ = writeln!(
                            out,
                            "apispm_endpoints_by_risk_level{{level=\"{}\"}} {}",
                            label(k),
                            v.as_u64().unwrap_or(0)
                        );
                    }
                }
                family(
                    &mut out,
                    "apispm_average_risk_score",
                    "gauge",
                    "Mean risk score (0-100) of the latest snapshot.",
                );
                let _ = writeln!(out, "apispm_average_risk_score {}", r.average_risk_score);
                family(
                    &mut out,
                    "apispm_posture_metric",
                    "gauge",
                    "The eight dashboard metrics of the latest snapshot.",
                );
                for m in &r.metrics {
                    if let Some(v) = m.value {
                        let _ = writeln!(
                            out,
                            "apispm_posture_metric{{name=\"{}\",target=\"{}\"}} {v}",
                            label(&m.name),
                            label(&m.target)
                        );
                    }
                }
                family(
                    &mut out,
                    "apispm_posture_metric_met",
                    "gauge",
                    "1 when the metric meets its target, 0 when not (absent when unknown).",
                );
                for m in &r.metrics {
                    if let Some(met) = m.met {
                        let _ = writeln!(
                            out,
                            "apispm_posture_metric_met{{name=\"{}\"}} {}",
                            label(&m.name),
                            u8::from(met)
                        );
                    }
                }
                family(
                    &mut out,
                    "apispm_snapshot_id",
                    "gauge",
                    "Id of the latest snapshot.",
                );
                let _ = writeln!(out, "apispm_snapshot_id {}", l.meta.id);
                family(
                    &mut out,
                    "apispm_snapshot_window_end_timestamp_seconds",
                    "gauge",
                    "Traffic time the latest snapshot's window ends at.",
                );
                let _ = writeln!(
                    out,
                    "apispm_snapshot_window_end_timestamp_seconds {}",
                    l.meta.window_end_ms as f64 / 1000.0
                );
            }
            Ok(out)
        })
        .await?;
    Ok((
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        text,
    )
        .into_response())
}

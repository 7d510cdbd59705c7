//! Ingestion over HTTP with group commit. Handlers parse their body on the blocking pool into
//! [`BatchParts`] and queue them; one writer thread owns the write connection, takes everything
//! queued, merges it into one batch, applies it in one transaction and only then answers every
//! request in the group. A request with an `Idempotency-Key` is applied as its own batch under
//! that key, so a retried POST changes nothing the second time.

use crate::http::{ApiError, AppState};
use crate::metrics::Counters;
use apispm_posture::{BatchBuilder, BatchParts};
use apispm_readers::{LogFormat, RecordError};
use apispm_store::{Applied, Store};
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use http_body_util::BodyExt as _;
use serde::Serialize;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::Instant;
use tokio::sync::{mpsc, oneshot};

/// How many queued requests one transaction takes at most; bounds a commit's size and the
/// latency of the first request in it.
const MAX_GROUP: usize = 512;
/// Requests waiting for the writer; beyond this handlers wait before queueing (backpressure).
const QUEUE: usize = 1024;

pub struct WriteJob {
    pub parts: BatchParts,
    pub malformed: u64,
    /// `http:kong`, `http:nginx`…
    pub source: String,
    pub idempotency_key: Option<String>,
    pub reply: oneshot::Sender<Result<Committed, String>>,
}

#[derive(Debug, Clone)]
pub struct Committed {
    pub batch_id: String,
    /// The idempotency key had been applied before: nothing was counted again.
    pub duplicate: bool,
}

pub struct WriterThread {
    tx: Option<mpsc::Sender<WriteJob>>,
    handle: Option<JoinHandle<()>>,
    /// Batches committed by this process: the snapshot thread compares it to know whether
    /// anything new arrived.
    pub committed: Arc<AtomicU64>,
    records: Arc<AtomicU64>,
}

impl WriterThread {
    pub fn start(store: Box<dyn Store>, counters: Arc<Counters>) -> WriterThread {
        let (tx, rx) = mpsc::channel(QUEUE);
        let committed = Arc::new(AtomicU64::new(0));
        let records = Arc::new(AtomicU64::new(0));
        let (c, r) = (committed.clone(), records.clone());
        let handle = std::thread::Builder::new()
            .name("apispm-writer".into())
            .spawn(move || writer_loop(store, rx, counters, c, r))
            .expect("spawn the writer thread");
        WriterThread {
            tx: Some(tx),
            handle: Some(handle),
            committed,
            records,
        }
    }

    pub fn sender(&self) -> mpsc::Sender<WriteJob> {
        self.tx.clone().expect("writer running")
    }

    /// Closes the queue and waits until everything in it is committed. Returns the batches
    /// and records this process committed.
    pub fn finish(mut self) -> (u64, u64) {
        self.tx.take();
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
        (
            self.committed.load(Ordering::SeqCst),
            self.records.load(Ordering::SeqCst),
        )
    }
}

/// A name for this process's merged batches that no other run reuses.
fn instance_id() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("{:x}-{:x}", now, std::process::id())
}

fn writer_loop(
    mut store: Box<dyn Store>,
    mut rx: mpsc::Receiver<WriteJob>,
    counters: Arc<Counters>,
    committed: Arc<AtomicU64>,
    records_committed: Arc<AtomicU64>,
) {
    let instance = instance_id();
    let mut seq: u64 = 0;
    // `blocking_recv` returns None only once every sender is gone and the queue is empty, so
    // everything acknowledged or in flight is committed before the thread ends.
    while let Some(first) = rx.blocking_recv() {
        let mut group = vec![first];
        while group.len() < MAX_GROUP {
            match rx.try_recv() {
                Ok(j) => group.push(j),
                Err(_) => break,
            }
        }
        let started = Instant::now();
        let now = apispm_posture::now_ms();
        let (keyed, plain): (Vec<_>, Vec<_>) =
            group.into_iter().partition(|j| j.idempotency_key.is_some());

        for job in keyed {
            let key = job.idempotency_key.clone().unwrap_or_default();
            let id = format!("http-idempotency:{key}");
            let records = job.parts.records();
            let batch =
                job.parts
                    .into_batch(id.clone(), job.source, job.malformed, Vec::new(), now);
            let result = store.apply_batch(&batch);
            let answer = match result {
                Ok(applied) => {
                    let duplicate = applied == Applied::Duplicate;
                    if !duplicate {
                        committed.fetch_add(1, Ordering::SeqCst);
                        records_committed.fetch_add(records, Ordering::SeqCst);
                        counters.committed(records, batch.malformed);
                    } else {
                        counters.duplicate();
                    }
                    Ok(Committed {
                        batch_id: id,
                        duplicate,
                    })
                }
                Err(e) => Err(e.message),
            };
            let _ = job.reply.send(answer);
        }

        if !plain.is_empty() {
            seq += 1;
            let id = format!("http:{instance}:{seq}");
            let mut parts = BatchParts::default();
            let mut malformed = 0;
            let mut sources: Vec<String> = Vec::new();
            let mut replies = Vec::with_capacity(plain.len());
            for job in plain {
                parts.merge(job.parts);
                malformed += job.malformed;
                if !sources.contains(&job.source) {
                    sources.push(job.source);
                }
                replies.push(job.reply);
            }
            let records = parts.records();
            let batch =
                parts.into_batch(id.clone(), sources.join(", "), malformed, Vec::new(), now);
            let answer = match store.apply_batch(&batch) {
                Ok(_) => {
                    committed.fetch_add(1, Ordering::SeqCst);
                    records_committed.fetch_add(records, Ordering::SeqCst);
                    counters.committed(records, malformed);
                    Ok(Committed {
                        batch_id: id,
                        duplicate: false,
                    })
                }
                Err(e) => Err(e.message),
            };
            for r in replies {
                let _ = r.send(answer.clone());
            }
        }
        counters.commit_latency(started.elapsed());
        counters.batches.fetch_add(1, Ordering::Relaxed);
    }
}

/// How much of an oversized body is still read (and dropped) before answering 413: closing a
/// connection with unread data resets it, and the client would never see the reason.
const LINGER: usize = 4 << 20;

async fn linger(body: &mut Body) {
    let drain = async {
        let mut dropped = 0usize;
        while let Some(Ok(frame)) = body.frame().await {
            dropped += frame.data_ref().map_or(0, |d| d.len());
            if dropped > LINGER {
                break;
            }
        }
    };
    let _ = tokio::time::timeout(std::time::Duration::from_secs(5), drain).await;
}

/// Longest `Idempotency-Key` accepted.
const MAX_KEY: usize = 200;

/// `POST /api/v1/ingest/{format}`: the body as the gateway sent it. Kong's http-log plugin
/// posts one JSON object, or an array of them when its queue batches.
pub async fn post_ingest(
    State(state): State<Arc<AppState>>,
    Path(format_name): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let answer = ingest(&state, &format_name, &headers, body).await;
    let format_label = if LogFormat::NAMES.contains(&format_name.as_str()) {
        format_name.as_str()
    } else {
        "unknown"
    };
    match answer {
        Ok(ok) => {
            state.counters.request(format_label, 200);
            (StatusCode::OK, axum::Json(ok)).into_response()
        }
        Err(e) => {
            state.counters.request(format_label, e.status.as_u16());
            e.into_response()
        }
    }
}

#[derive(Serialize)]
pub struct IngestAnswer {
    pub batch_id: String,
    /// Records parsed from this request and committed.
    pub records: u64,
    /// Records of this request that could not be parsed and were skipped.
    pub malformed: u64,
    /// The first reasons, by line of the body.
    pub errors: Vec<RecordError>,
    /// The request's Idempotency-Key had been committed before; nothing was counted again.
    pub duplicate: bool,
}

fn too_large(limit: usize) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        format!(
            "the request body is larger than the {} limit (--max-body); send smaller batches",
            human_bytes(limit)
        ),
    )
}

pub fn human_bytes(n: usize) -> String {
    if n >= 1 << 20 && n % (1 << 20) == 0 {
        format!("{} MiB", n >> 20)
    } else if n >= 1 << 10 && n % (1 << 10) == 0 {
        format!("{} KiB", n >> 10)
    } else {
        format!("{n}-byte")
    }
}

async fn ingest(
    state: &Arc<AppState>,
    format_name: &str,
    headers: &HeaderMap,
    body: Body,
) -> Result<IngestAnswer, ApiError> {
    let format: LogFormat = format_name.parse().map_err(|_| {
        ApiError::not_found(format!(
            "unknown log format `{format_name}`; use one of {}",
            LogFormat::NAMES.join(", ")
        ))
    })?;
    if let Some(enc) = headers.get(header::CONTENT_ENCODING) {
        if !enc.as_bytes().eq_ignore_ascii_case(b"identity") {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "compressed request bodies are not accepted; send the log records uncompressed",
            ));
        }
    }
    let idempotency_key = match headers.get("idempotency-key") {
        None => None,
        Some(v) => {
            let k = v.to_str().ok().map(str::trim).unwrap_or("");
            if k.is_empty() || k.len() > MAX_KEY || !k.bytes().all(|b| b.is_ascii_graphic()) {
                return Err(ApiError::bad_request(format!(
                    "Idempotency-Key must be 1 to {MAX_KEY} visible ASCII characters"
                )));
            }
            Some(k.to_string())
        }
    };
    let limit = state.max_body;
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|n| n > (limit + LINGER) as u64) {
        return Err(too_large(limit));
    }
    let mut body = body;
    let mut data = Vec::with_capacity(declared.map_or(64 << 10, |n| n.min(limit as u64) as usize));
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| {
            ApiError::bad_request(format!("the request body could not be read: {e}"))
        })?;
        let Ok(chunk) = frame.into_data() else {
            continue;
        };
        if data.len() + chunk.len() > limit {
            linger(&mut body).await;
            return Err(too_large(limit));
        }
        data.extend_from_slice(&chunk);
    }
    if data.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::bad_request(
            "the request body is empty: send one log record, an array of records or JSON lines",
        ));
    }

    let engine = state.engine.clone();
    let source = format!("http:{}", format_name);
    let parsed = tokio::task::spawn_blocking(move || {
        let mut builder = BatchBuilder::new(&engine, apispm_posture::now_ms());
        let stats = apispm_readers::read_bytes(&data, format, "body", 1, &mut builder);
        drop(data);
        stats.map(|s| (builder.into_parts(), s))
    })
    .await
    .map_err(|_| ApiError::internal("parsing the request body failed unexpectedly"))?;
    let (parts, stats) = parsed.map_err(|e| ApiError::bad_request(e.reason))?;
    let records = parts.records();
    if records == 0 {
        state.counters.refused_malformed(stats.rejected);
        let first = stats
            .errors
            .first()
            .map(|e| format!(" (line {}: {})", e.line, e.reason))
            .unwrap_or_default();
        return Err(ApiError::bad_request(format!(
            "no usable {} record in the body: {} malformed{first}",
            stats.format.map_or(format_name, |f| f.as_str()),
            stats.rejected
        )));
    }
    let (reply, wait) = oneshot::channel();
    let job = WriteJob {
        parts,
        malformed: stats.rejected,
        source,
        idempotency_key,
        reply,
    };
    state
        .writer
        .send(job)
        .await
        .map_err(|_| ApiError::unavailable("the server is shutting down; retry"))?;
    let committed = wait
        .await
        .map_err(|_| ApiError::unavailable("the writer stopped before committing; retry"))?
        .map_err(|e| ApiError::unavailable(format!("the records were not stored: {e}; retry")))?;
    Ok(IngestAnswer {
        batch_id: committed.batch_id,
        records,
        malformed: stats.rejected,
        errors: stats.errors,
        duplicate: committed.duplicate,
    })
}

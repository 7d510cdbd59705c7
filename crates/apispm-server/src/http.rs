//! The router and what every request passes through: authentication, the security headers
//! apispm checks gateways for, panics turned into 500s, and the access log.

use crate::access_log::SECRET_HEADERS;
use crate::auth::{TokenCheck, Verdict};
use crate::ingest::WriteJob;
use crate::metrics::Counters;
use crate::snapshots::SnapshotReply;
use crate::{ServerOptions, api, assets, ingest};
use apispm_engine::Engine;
use apispm_store::Store;
use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use hyper::body::Body as _;
use hyper::body::Incoming;
use hyper_util::service::TowerToHyperService;
use serde_json::json;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Instant;
use tower::ServiceExt as _;
use tower_http::catch_panic::CatchPanicLayer;

/// The dashboard's policy: scripts, styles and images only from this origin, data only from
/// this origin's API, no inline code, no framing, no plugins, forms nowhere.
pub const HTML_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
/// Everything else is data and must never be rendered as a document.
pub const DATA_CSP: &str =
    "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
const HSTS: &str = "max-age=63072000; includeSubDomains";

/// Who is at the other end of a connection.
#[derive(Clone, Copy, Debug)]
pub struct ConnInfo {
    pub peer: SocketAddr,
    /// The negotiated TLS version, when the connection is TLS.
    pub tls: Option<&'static str>,
}

pub struct AppState {
    pub token: TokenCheck,
    pub public_dashboard: bool,
    pub max_body: usize,
    pub tls: bool,
    pub window_ms: i64,
    pub engine: Arc<Engine>,
    pub writer: tokio::sync::mpsc::Sender<WriteJob>,
    pub snapshots: Mutex<std::sync::mpsc::Sender<SnapshotReply>>,
    pub access_log: Option<Mutex<std::sync::mpsc::Sender<String>>>,
    pub counters: Arc<Counters>,
    db: String,
    readers: Mutex<Vec<Box<dyn Store>>>,
    pub cache: api::Cache,
}

impl AppState {
    pub fn new(
        opts: &ServerOptions,
        engine: Arc<Engine>,
        writer: tokio::sync::mpsc::Sender<WriteJob>,
        snapshots: std::sync::mpsc::Sender<SnapshotReply>,
        access_log: Option<std::sync::mpsc::Sender<String>>,
        counters: Arc<Counters>,
    ) -> AppState {
        AppState {
            token: TokenCheck::new(opts.token.as_deref()),
            public_dashboard: opts.public_dashboard,
            max_body: opts.max_body,
            tls: opts.tls.is_some(),
            window_ms: opts.window_ms,
            engine,
            writer,
            snapshots: Mutex::new(snapshots),
            access_log: access_log.map(Mutex::new),
            counters,
            db: opts.db.clone(),
            readers: Mutex::new(Vec::new()),
            cache: api::Cache::default(),
        }
    }

    /// Runs `f` on the blocking pool with a read connection from the pool (opened on demand;
    /// WAL lets it read while the writer commits).
    pub async fn with_store<T, F>(self: &Arc<Self>, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut dyn Store, &AppState) -> Result<T, ApiError> + Send + 'static,
    {
        let state = self.clone();
        tokio::task::spawn_blocking(move || {
            let pooled = state
                .readers
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .pop();
            let mut store = match pooled {
                Some(s) => s,
                None => apispm_store::open(&state.db)
                    .map_err(|e| ApiError::unavailable(format!("store: {e}")))?,
            };
            let out = f(store.as_mut(), &state);
            let mut pool = state.readers.lock().unwrap_or_else(|e| e.into_inner());
            if pool.len() < 8 {
                pool.push(store);
            }
            out
        })
        .await
        .map_err(|_| ApiError::internal("the request's worker stopped unexpectedly"))?
    }
}

/// An error answered as `{"error": "..."}`.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            message: message.into(),
        }
    }
    pub fn bad_request(m: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, m)
    }
    pub fn not_found(m: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, m)
    }
    pub fn unavailable(m: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::SERVICE_UNAVAILABLE, m)
    }
    pub fn internal(m: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, m)
    }
}

impl From<apispm_store::StoreError> for ApiError {
    fn from(e: apispm_store::StoreError) -> Self {
        ApiError::unavailable(format!("store: {e}"))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, axum::Json(json!({ "error": self.message }))).into_response()
    }
}

pub fn router(state: Arc<AppState>) -> Router {
    let api = Router::new()
        .route("/summary", get(api::summary))
        .route("/report", get(api::report))
        .route("/endpoints", get(api::endpoints))
        .route("/endpoints/{api_id}", get(api::endpoint))
        .route("/findings", get(api::findings))
        .route("/snapshots", get(api::snapshots).post(api::take_snapshot))
        .route("/metrics/history", get(api::metrics_history))
        .route("/diff", get(api::diff))
        .route("/ingest/{format}", post(ingest::post_ingest))
        .fallback(api_not_found);
    Router::new()
        .route("/", get(assets::index))
        .route("/assets/{file}", get(assets::asset))
        .route("/favicon.ico", get(assets::favicon))
        .route("/healthz", get(health))
        .route("/metrics", get(api::prometheus))
        .nest("/api/v1", api)
        .fallback(not_found)
        .layer(CatchPanicLayer::custom(|_| {
            ApiError::internal("internal error; the request was not processed").into_response()
        }))
        .layer(middleware::from_fn_with_state(state.clone(), edge))
        .with_state(state)
}

/// The service one connection runs: the router, with the connection's facts on each request.
pub fn connection_service(
    app: Router,
    info: ConnInfo,
) -> TowerToHyperService<
    tower::util::MapRequest<Router, impl FnMut(Request<Incoming>) -> Request<Incoming> + Clone>,
> {
    TowerToHyperService::new(app.map_request(move |mut req: Request<Incoming>| {
        req.extensions_mut().insert(info);
        req
    }))
}

async fn health() -> impl IntoResponse {
    axum::Json(json!({ "status": "ok" }))
}

async fn api_not_found(method: Method, uri: axum::http::Uri) -> ApiError {
    ApiError::not_found(format!("no API route {method} {}", uri.path()))
}

async fn not_found() -> ApiError {
    ApiError::not_found("not found")
}

/// Which routes need the token: all of the API and `/metrics`, except the API's reads when
/// the dashboard is public. The dashboard's files carry no data and are always served.
fn needs_token(state: &AppState, method: &Method, path: &str) -> bool {
    let api = path == "/api" || path.starts_with("/api/");
    if api {
        let read = method == Method::GET || method == Method::HEAD;
        return !(read && state.public_dashboard);
    }
    path == "/metrics"
}

async fn edge(State(state): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let started_ms = apispm_posture::now_ms();
    let conn = req.extensions().get::<ConnInfo>().copied();
    let logged = state
        .access_log
        .as_ref()
        .map(|_| RequestLine::of(&req, conn));
    let path = req.uri().path().to_string();

    let mut response = if state.token.enabled() && needs_token(&state, req.method(), &path) {
        match state.token.check(req.headers()) {
            Verdict::Allowed => next.run(req).await,
            v => unauthorized(v),
        }
    } else {
        next.run(req).await
    };

    secure_headers(response.headers_mut(), &path, state.tls);

    if let (Some(line), Some(tx)) = (logged, &state.access_log) {
        let text = line.finish(&response, started_ms, started.elapsed().as_millis() as u64);
        let _ = tx.lock().unwrap_or_else(|e| e.into_inner()).send(text);
    }
    response
}

fn unauthorized(v: Verdict) -> Response {
    let (challenge, message) = match v {
        Verdict::Invalid => (
            r#"Bearer realm="apispm", error="invalid_token", error_description="the token is not valid""#,
            "the bearer token is not valid",
        ),
        _ => (
            r#"Bearer realm="apispm""#,
            "a bearer token is required: send Authorization: Bearer <APISPM_TOKEN>",
        ),
    };
    let mut r = ApiError::new(StatusCode::UNAUTHORIZED, message).into_response();
    r.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static(challenge),
    );
    r
}

fn secure_headers(h: &mut HeaderMap, path: &str, tls: bool) {
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        "cross-origin-resource-policy",
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        "permissions-policy",
        HeaderValue::from_static("camera=(), microphone=(), geolocation=(), payment=(), usb=()"),
    );
    let html = h
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(if html { HTML_CSP } else { DATA_CSP }),
    );
    // Data never goes to a cache; the dashboard's files may, but are revalidated each time.
    if path.starts_with("/api/") || path == "/metrics" || !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if tls {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(HSTS),
        );
    }
}

/// What the access log keeps of a request, taken before the handler consumes it.
struct RequestLine {
    method: String,
    uri: String,
    url: String,
    size: u64,
    headers: serde_json::Map<String, serde_json::Value>,
    client_ip: Option<String>,
    tls: Option<&'static str>,
}

fn header_map(h: &HeaderMap) -> serde_json::Map<String, serde_json::Value> {
    let mut out = serde_json::Map::new();
    for (name, value) in h {
        let n = name.as_str();
        let v = if SECRET_HEADERS.contains(&n) {
            "REDACTED".to_string()
        } else {
            String::from_utf8_lossy(value.as_bytes()).into_owned()
        };
        // Repeated headers become arrays, as Kong logs them.
        match out.get_mut(n) {
            Some(serde_json::Value::Array(a)) => a.push(v.into()),
            Some(prev) => {
                let first = prev.take();
                *prev = serde_json::Value::Array(vec![first, v.into()]);
            }
            None => {
                out.insert(n.to_string(), v.into());
            }
        }
    }
    out
}

impl RequestLine {
    fn of(req: &Request, conn: Option<ConnInfo>) -> RequestLine {
        let tls = conn.and_then(|c| c.tls);
        let scheme = if tls.is_some() { "https" } else { "http" };
        let host = req
            .headers()
            .get(header::HOST)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
            .or_else(|| req.uri().authority().map(|a| a.to_string()))
            .unwrap_or_else(|| "apispm".into());
        let uri = req
            .uri()
            .path_and_query()
            .map_or_else(|| "/".to_string(), |p| p.as_str().to_string());
        RequestLine {
            method: req.method().as_str().to_string(),
            url: format!("{scheme}://{host}{uri}"),
            uri,
            size: req
                .headers()
                .get(header::CONTENT_LENGTH)
                .and_then(|v| v.to_str().ok()?.parse().ok())
                .unwrap_or(0),
            headers: header_map(req.headers()),
            client_ip: conn.map(|c| c.peer.ip().to_string()),
            tls,
        }
    }

    fn finish(self, response: &Response<Body>, started_ms: i64, elapsed_ms: u64) -> String {
        let mut request = json!({
            "method": self.method,
            "uri": self.uri,
            "url": self.url,
            "size": self.size,
            "headers": self.headers,
        });
        if let Some(v) = self.tls {
            request["tls"] = json!({ "version": v });
        }
        let size = response.body().size_hint().exact().unwrap_or(0);
        let record = json!({
            "request": request,
            "response": {
                "status": response.status().as_u16(),
                "size": size,
                "headers": header_map(response.headers()),
            },
            "client_ip": self.client_ip,
            "started_at": started_ms,
            "latencies": { "request": elapsed_ms, "kong": elapsed_ms, "proxy": -1 },
            "service": {
                "name": "apispm",
                "protocol": if self.tls.is_some() { "https" } else { "http" },
            },
            "source": "kong",
        });
        record.to_string()
    }
}

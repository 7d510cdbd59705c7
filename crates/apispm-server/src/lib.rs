//! `apispm serve`: the long-running face of continuous posture. Gateways post their logs here
//! (Kong's http-log plugin as it is, any other format by name), a single writer thread commits
//! them to the store with group commit (everything queued becomes one transaction, and every
//! request waiting on it is answered only after it is durable), a snapshot thread assesses the
//! window on demand or on a timer, and a read-only JSON API, Prometheus metrics and an embedded
//! dashboard show the result. Every route answers with the security headers apispm itself
//! checks gateways for, behind a bearer token, optionally over TLS; the server's own access log
//! can be written as Kong records so that apispm can judge itself.

mod access_log;
mod api;
mod assets;
mod auth;
mod http;
mod ingest;
mod metrics;
mod snapshots;
mod tls;

use apispm_engine::Engine;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::graceful::GracefulShutdown;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

pub use metrics::Counters;

/// How `apispm serve` is configured; the CLI fills it from its arguments.
#[derive(Clone, Debug)]
pub struct ServerOptions {
    /// The `--db` argument: a SQLite file (created on first use).
    pub db: String,
    pub listen: SocketAddr,
    /// Snapshot window length.
    pub window_ms: i64,
    /// Take a snapshot this often when new records were committed since the last one.
    pub snapshot_interval: Option<Duration>,
    /// The bearer token; `None` only when authentication was switched off explicitly.
    pub token: Option<String>,
    /// Serve the dashboard's data (read-only `GET /api/v1/...`) without the token.
    pub public_dashboard: bool,
    /// Largest request body accepted, in bytes.
    pub max_body: usize,
    pub tls: Option<TlsFiles>,
    /// Write one Kong-style JSON line per request here.
    pub access_log: Option<PathBuf>,
}

#[derive(Clone, Debug)]
pub struct TlsFiles {
    /// PEM certificate chain, leaf first.
    pub cert: PathBuf,
    /// PEM private key (PKCS#8, PKCS#1 or SEC1).
    pub key: PathBuf,
}

impl ServerOptions {
    pub fn new(db: impl Into<String>, listen: SocketAddr) -> ServerOptions {
        ServerOptions {
            db: db.into(),
            listen,
            window_ms: 7 * 86_400_000,
            snapshot_interval: None,
            token: None,
            public_dashboard: false,
            max_body: 10 << 20,
            tls: None,
            access_log: None,
        }
    }
}

/// Why the server could not start or stopped with an error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerError(pub String);

impl std::fmt::Display for ServerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ServerError {}

/// Stops a running server from another thread (tests; the CLI uses signals).
#[derive(Clone)]
pub struct ShutdownHandle(watch::Sender<bool>);

impl ShutdownHandle {
    pub fn shutdown(&self) {
        let _ = self.0.send(true);
    }
}

/// What a server did before it stopped.
#[derive(Debug, Clone, Default)]
pub struct RunSummary {
    pub requests_in_flight_at_stop: usize,
    pub batches_committed: u64,
    pub records_committed: u64,
}

/// A bound server, not yet accepting.
pub struct Server {
    listener: std::net::TcpListener,
    local_addr: SocketAddr,
    state: Arc<http::AppState>,
    tls: Option<tokio_rustls::TlsAcceptor>,
    writer: ingest::WriterThread,
    snapshotter: snapshots::SnapshotThread,
    access_log: Option<access_log::AccessLogThread>,
    shutdown_tx: watch::Sender<bool>,
    shutdown_rx: watch::Receiver<bool>,
}

impl Server {
    /// Opens the store (running migrations), starts the writer and snapshot threads and binds
    /// the listening socket. Nothing is accepted until [`Server::run`].
    pub fn bind(opts: ServerOptions, engine: Engine) -> Result<Server, ServerError> {
        let engine = Arc::new(engine);
        let counters = Arc::new(Counters::default());
        let tls = match &opts.tls {
            Some(files) => Some(tls::acceptor(files)?),
            None => None,
        };
        let write_store = open_store(&opts.db)?;
        let writer = ingest::WriterThread::start(write_store, counters.clone());
        let snap_store = open_store(&opts.db)?;
        let snapshotter = snapshots::SnapshotThread::start(
            snap_store,
            engine.clone(),
            opts.window_ms,
            opts.snapshot_interval,
            writer.committed.clone(),
            counters.clone(),
        );
        let access_log = match &opts.access_log {
            Some(p) => Some(access_log::AccessLogThread::start(p)?),
            None => None,
        };
        let listener = std::net::TcpListener::bind(opts.listen)
            .map_err(|e| ServerError(format!("cannot listen on {}: {e}", opts.listen)))?;
        listener
            .set_nonblocking(true)
            .map_err(|e| ServerError(e.to_string()))?;
        let local_addr = listener
            .local_addr()
            .map_err(|e| ServerError(e.to_string()))?;
        let state = Arc::new(http::AppState::new(
            &opts,
            engine,
            writer.sender(),
            snapshotter.sender(),
            access_log.as_ref().map(|a| a.sender()),
            counters,
        ));
        let (shutdown_tx, shutdown_rx) = watch::channel(false);
        Ok(Server {
            listener,
            local_addr,
            state,
            tls,
            writer,
            snapshotter,
            access_log,
            shutdown_tx,
            shutdown_rx,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    pub fn counters(&self) -> Arc<Counters> {
        self.state.counters.clone()
    }

    pub fn shutdown_handle(&self) -> ShutdownHandle {
        ShutdownHandle(self.shutdown_tx.clone())
    }

    /// Serves until the shutdown handle fires or, with `on_signals`, SIGINT or SIGTERM. Then
    /// it stops accepting, lets every open request finish (up to `drain_timeout`), commits
    /// everything the writer holds and returns.
    pub fn run(self, on_signals: bool) -> Result<RunSummary, ServerError> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .thread_name("apispm-http")
            .build()
            .map_err(|e| ServerError(format!("cannot start the async runtime: {e}")))?;
        let Server {
            listener,
            local_addr: _,
            state,
            tls,
            writer,
            snapshotter,
            access_log,
            shutdown_tx,
            mut shutdown_rx,
        } = self;
        let in_flight = runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener)
                .map_err(|e| ServerError(e.to_string()))?;
            if on_signals {
                tokio::spawn(signals(shutdown_tx.clone()));
            }
            let app = http::router(state.clone());
            let graceful = GracefulShutdown::new();
            loop {
                tokio::select! {
                    biased;
                    _ = shutdown_rx.wait_for(|stop| *stop) => break,
                    accepted = listener.accept() => {
                        let (tcp, peer) = match accepted {
                            Ok(c) => c,
                            Err(_) => {
                                // Out of file descriptors or a connection reset before accept:
                                // back off briefly instead of spinning.
                                tokio::time::sleep(Duration::from_millis(20)).await;
                                continue;
                            }
                        };
                        let _ = tcp.set_nodelay(true);
                        let watcher = graceful.watcher();
                        let app = app.clone();
                        let tls = tls.clone();
                        tokio::spawn(async move {
                            serve_connection(tcp, peer, tls, app, watcher).await;
                        });
                    }
                }
            }
            drop(listener);
            let open = graceful.count();
            // Open requests finish and get their answers; idle keep-alive connections close.
            let _ = tokio::time::timeout(Duration::from_secs(30), graceful.shutdown()).await;
            Ok::<usize, ServerError>(open)
        })?;
        runtime.shutdown_timeout(Duration::from_secs(5));
        // Every handler has been answered or dropped: close the queues and let the threads
        // commit what they hold.
        let (batches, records) = writer.finish();
        snapshotter.finish();
        if let Some(a) = access_log {
            a.finish();
        }
        Ok(RunSummary {
            requests_in_flight_at_stop: in_flight,
            batches_committed: batches,
            records_committed: records,
        })
    }
}

fn open_store(db: &str) -> Result<Box<dyn apispm_store::Store>, ServerError> {
    apispm_store::open(db).map_err(|e| ServerError(format!("{db}: {e}")))
}

async fn serve_connection(
    tcp: tokio::net::TcpStream,
    peer: SocketAddr,
    tls: Option<tokio_rustls::TlsAcceptor>,
    app: axum::Router,
    watcher: hyper_util::server::graceful::Watcher,
) {
    let builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
    match tls {
        None => {
            let svc = http::connection_service(app, http::ConnInfo { peer, tls: None });
            let conn = builder.serve_connection(TokioIo::new(tcp), svc);
            let _ = watcher.watch(conn.into_owned()).await;
        }
        Some(acceptor) => {
            let stream =
                match tokio::time::timeout(Duration::from_secs(10), acceptor.accept(tcp)).await {
                    Ok(Ok(s)) => s,
                    // A failed or stalled handshake only ends this connection.
                    _ => return,
                };
            let version = stream
                .get_ref()
                .1
                .protocol_version()
                .and_then(|v| v.as_str())
                .unwrap_or("TLS");
            let svc = http::connection_service(
                app,
                http::ConnInfo {
                    peer,
                    tls: Some(version),
                },
            );
            let conn = builder.serve_connection(TokioIo::new(stream), svc);
            let _ = watcher.watch(conn.into_owned()).await;
        }
    }
}

async fn signals(stop: watch::Sender<bool>) {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = match signal(SignalKind::terminate()) {
            Ok(s) => s,
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
                let _ = stop.send(true);
                return;
            }
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
    let _ = stop.send(true);
}

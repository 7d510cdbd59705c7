//! `apispm serve`: arguments, the token, and start-up messages around `apispm-server`.

use crate::cli::{DbArgs, EngineArgs, parse_duration_ms};
use crate::{Failure, config};
use clap::Args;
use std::net::SocketAddr;
use std::path::PathBuf;

/// Shortest token accepted: a guessable token is no protection.
const MIN_TOKEN: usize = 16;

#[derive(Args, Debug)]
pub struct ServeArgs {
    #[command(flatten)]
    pub db: DbArgs,

    #[command(flatten)]
    pub engine: EngineArgs,

    /// Address and port to listen on.
    #[arg(long, default_value = "127.0.0.1:8080", value_name = "ADDR:PORT")]
    pub listen: SocketAddr,

    /// Take a snapshot this often when new records arrived (e.g. 60s, 5m); `off` for none.
    #[arg(long, default_value = "60s", value_name = "DURATION", value_parser = parse_interval)]
    pub snapshot_interval: Interval,

    /// PEM certificate chain: serve HTTPS (with --tls-key).
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,

    /// PEM private key of --tls-cert.
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,

    /// Largest request body accepted (e.g. 10MiB, 512KiB); larger ones get 413.
    #[arg(long, default_value = "10MiB", value_name = "SIZE", value_parser = parse_size)]
    pub max_body: usize,

    /// Let anyone who can reach the server read the dashboard and the read-only API without
    /// the token. Ingestion, snapshots and /metrics still require it.
    #[arg(long)]
    pub public_dashboard: bool,

    /// Run without any token. Anyone who can reach the port can then post logs and read the
    /// posture: only for a loopback-only experiment.
    #[arg(long)]
    pub no_auth: bool,

    /// Write the server's own access log here, one Kong-style JSON record per request
    /// (`apispm scan --logs FILE` reads it).
    #[arg(long, value_name = "FILE")]
    pub access_log: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug)]
pub struct Interval(pub Option<std::time::Duration>);

fn parse_interval(s: &str) -> Result<Interval, String> {
    if s.eq_ignore_ascii_case("off") {
        return Ok(Interval(None));
    }
    let ms = parse_duration_ms(s)?;
    Ok(Interval(Some(std::time::Duration::from_millis(ms as u64))))
}

/// `10MiB`, `512KiB`, `1MB`, `65536` (bytes).
pub fn parse_size(s: &str) -> Result<usize, String> {
    let t = s.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: usize = num
        .parse()
        .map_err(|_| format!("'{s}' is not a size (e.g. 10MiB, 512KiB)"))?;
    let scale: usize = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" => 1_000,
        "kib" => 1 << 10,
        "m" | "mb" => 1_000_000,
        "mib" => 1 << 20,
        "gib" => 1 << 30,
        u => return Err(format!("'{s}': unknown unit '{u}' (B, KiB, MiB, KB, MB)")),
    };
    n.checked_mul(scale)
        .filter(|v| *v > 0)
        .ok_or_else(|| format!("'{s}' must be a positive size"))
}

pub fn run(a: ServeArgs) -> Result<u8, Failure> {
    let settings = config::load(a.engine.config.as_deref())?.server;
    let token = std::env::var("APISPM_TOKEN")
        .ok()
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
        .or(settings.token.map(|t| t.trim().to_string()));
    let token = match (token, a.no_auth) {
        (Some(_), true) => {
            return Err(Failure::input(
                "--no-auth was given but a token is configured (APISPM_TOKEN or server.token); drop one of them",
            ));
        }
        (Some(t), false) if t.chars().count() < MIN_TOKEN => {
            return Err(Failure::input(format!(
                "the token must be at least {MIN_TOKEN} characters (e.g. `openssl rand -hex 32`)"
            )));
        }
        (Some(t), false) => Some(t),
        (None, true) => {
            eprintln!("apispm serve: WARNING: --no-auth: AUTHENTICATION IS OFF.");
            eprintln!(
                "apispm serve: WARNING: anyone who can reach {} can post logs and read the whole API inventory.",
                a.listen
            );
            None
        }
        (None, false) => {
            return Err(Failure::input(
                "no API token: set APISPM_TOKEN (or server.token in the config file), or pass --no-auth explicitly",
            ));
        }
    };
    let engine = crate::store_cmds::engine_from(
        a.engine.config.as_deref(),
        &a.engine.spec,
        a.engine.policy.as_deref(),
    )?;
    let tls = match (a.tls_cert, a.tls_key) {
        (Some(cert), Some(key)) => Some(apispm_server::TlsFiles { cert, key }),
        _ => None,
    };
    let scheme = if tls.is_some() { "https" } else { "http" };
    let mut opts = apispm_server::ServerOptions::new(a.db.db.clone(), a.listen);
    opts.window_ms = a.engine.window;
    opts.snapshot_interval = a.snapshot_interval.0;
    opts.token = token;
    opts.public_dashboard = a.public_dashboard;
    opts.max_body = a.max_body;
    opts.tls = tls;
    opts.access_log = a.access_log;
    let server =
        apispm_server::Server::bind(opts, engine).map_err(|e| Failure::input(e.to_string()))?;
    let addr = server.local_addr();
    eprintln!(
        "apispm serve: listening on {scheme}://{addr} (database {})",
        a.db.db
    );
    eprintln!(
        "apispm serve: dashboard {scheme}://{addr}/   API {scheme}://{addr}/api/v1/   metrics {scheme}://{addr}/metrics"
    );
    if scheme == "http" && !addr.ip().is_loopback() {
        eprintln!(
            "apispm serve: WARNING: serving plain HTTP on a non-loopback address; tokens and logs cross the network in clear text (use --tls-cert/--tls-key)"
        );
    }
    let summary = server
        .run(true)
        .map_err(|e| Failure::input(e.to_string()))?;
    eprintln!(
        "apispm serve: stopped; {} record(s) in {} batch(es) committed by this run",
        summary.records_committed, summary.batches_committed
    );
    Ok(0)
}

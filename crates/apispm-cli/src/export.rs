//! `apispm export splunk-hec|elastic`: the report of a scan as SIEM events, written to a file
//! or delivered over HTTP. [`export_report`] takes any report, so other inputs (a stored
//! snapshot) only need to produce one.

use crate::Failure;
use crate::cli::InputArgs;
use apispm_export::{
    Auth, DeliveryError, ElasticOptions, HecOptions, HttpOptions, Payload, Receiver, Report,
};
use clap::{Args, Subcommand};
use std::path::PathBuf;
use std::time::Duration;

#[derive(Subcommand, Debug)]
pub enum ExportCmd {
    /// Splunk HTTP Event Collector events (`time host source sourcetype index event`), one per
    /// endpoint, finding, policy violation and compliance gap, plus a summary.
    SplunkHec(HecArgs),
    /// Elasticsearch `_bulk` NDJSON: ECS documents (`event.*`, `url.*`, `http.*`,
    /// `vulnerability.*`, `rule.*`) with deterministic `_id`s, so a re-sent batch overwrites.
    Elastic(ElasticArgs),
}

/// What to export: the same inputs as `scan`, or a snapshot stored by `ingest`.
#[derive(Args, Debug)]
pub struct ExportInput {
    /// Log files, folders (read recursively) or `-` for standard input; `.gz` is read transparently.
    #[arg(long, short = 'l', num_args = 1.., value_name = "PATH", required_unless_present = "db")]
    pub logs: Vec<String>,

    /// Log format; `auto` detects it per file from its content.
    #[arg(long, default_value = "auto", value_name = "FORMAT", value_parser = clap::builder::PossibleValuesParser::new(apispm_readers::LogFormat::NAMES))]
    pub log_format: String,

    /// OpenAPI 2.0/3.0/3.1 documents (JSON or YAML; repeatable; folders are searched).
    #[arg(long, short = 's', value_name = "PATH")]
    pub spec: Vec<PathBuf>,

    /// Config file (apispm.yaml): risk weights, exposure rules, owners, compliance table.
    #[arg(long, short = 'c', value_name = "FILE", env = "APISPM_CONFIG")]
    pub config: Option<PathBuf>,

    /// Worker threads [default: one per core].
    #[arg(long, short = 'j', value_name = "N")]
    pub threads: Option<usize>,

    /// No progress bar and no warnings on standard error.
    #[arg(long, short = 'q')]
    pub quiet: bool,

    /// Policy file (the seed's YAML schema). Without it, the built-in seed policies apply.
    #[arg(long, short = 'p', value_name = "FILE")]
    pub policy: Option<PathBuf>,

    /// Findings of other tools to include (SARIF, ZAP JSON, Nuclei JSON/JSON lines; repeatable).
    #[arg(long, value_name = "PATH")]
    pub findings: Vec<PathBuf>,

    /// Export a stored snapshot of this posture database instead of reading logs.
    #[arg(long, value_name = "DB", conflicts_with_all = ["logs", "findings", "spec", "policy"])]
    pub db: Option<String>,

    /// With --db: the snapshot to export [default: the latest].
    #[arg(long, value_name = "ID", requires = "db")]
    pub snapshot: Option<i64>,
}

/// Where the events go.
#[derive(Args, Debug)]
pub struct SinkArgs {
    /// Write the events to FILE (`-` for standard output).
    #[arg(
        long,
        value_name = "FILE",
        required_unless_present = "url",
        conflicts_with = "url"
    )]
    pub out: Option<PathBuf>,

    /// POST the events to this receiver (base URL or full endpoint).
    #[arg(long, value_name = "URL")]
    pub url: Option<String>,

    /// Events per request.
    #[arg(long, default_value_t = 500, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=100_000))]
    pub batch_size: u64,

    /// Attempts per batch before giving up, the first included.
    #[arg(long, default_value_t = 6, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=100))]
    pub max_attempts: u32,

    /// Per request, in seconds.
    #[arg(long, default_value_t = 60, value_name = "SECONDS")]
    pub timeout: u64,
}

#[derive(Args, Debug)]
pub struct HecArgs {
    #[command(flatten)]
    pub from: ExportInput,
    #[command(flatten)]
    pub sink: SinkArgs,

    /// HEC token, sent as `Authorization: Splunk TOKEN` (required with --url).
    #[arg(
        long,
        env = "APISPM_SPLUNK_TOKEN",
        hide_env_values = true,
        value_name = "TOKEN"
    )]
    pub token: Option<String>,

    /// Splunk index; without it the token's default index is used.
    #[arg(long, value_name = "INDEX")]
    pub index: Option<String>,

    /// One sourcetype for every event [default: apispm:<kind>, e.g. apispm:finding].
    #[arg(long, value_name = "SOURCETYPE")]
    pub sourcetype: Option<String>,

    /// The events' `source`.
    #[arg(long, default_value = "apispm", value_name = "SOURCE")]
    pub source: String,
}

#[derive(Args, Debug)]
pub struct ElasticArgs {
    #[command(flatten)]
    pub from: ExportInput,
    #[command(flatten)]
    pub sink: SinkArgs,

    /// Elasticsearch API key (base64 `id:key`), sent as `Authorization: ApiKey KEY`.
    #[arg(
        long,
        alias = "token",
        env = "APISPM_ELASTIC_API_KEY",
        hide_env_values = true,
        value_name = "KEY",
        conflicts_with = "user"
    )]
    pub api_key: Option<String>,

    /// User for basic authentication (with APISPM_ELASTIC_PASSWORD).
    #[arg(long, env = "APISPM_ELASTIC_USER", value_name = "USER")]
    pub user: Option<String>,

    /// Password for basic authentication.
    #[arg(
        long,
        env = "APISPM_ELASTIC_PASSWORD",
        hide_env_values = true,
        value_name = "PASSWORD"
    )]
    pub password: Option<String>,

    /// Index, alias or data stream the documents go to.
    #[arg(long, default_value = "apispm", value_name = "INDEX")]
    pub index: String,
}

fn report_of(from: &ExportInput) -> Result<Report, Failure> {
    if let Some(db) = &from.db {
        return crate::store_cmds::stored_report(db, from.snapshot);
    }
    let input = InputArgs {
        logs: from.logs.clone(),
        log_format: from.log_format.clone(),
        spec: from.spec.clone(),
        config: from.config.clone(),
        threads: from.threads,
        quiet: from.quiet,
    };
    crate::scan::scan_report_with_findings(&input, from.policy.as_deref(), &from.findings)
}

pub fn run(cmd: ExportCmd) -> Result<u8, Failure> {
    match cmd {
        ExportCmd::SplunkHec(a) => {
            let report = report_of(&a.from)?;
            export_report(&report, Target::Hec(&a), &a.sink, a.from.quiet)
        }
        ExportCmd::Elastic(a) => {
            let report = report_of(&a.from)?;
            export_report(&report, Target::Elastic(&a), &a.sink, a.from.quiet)
        }
    }
}

/// The receiver and its settings.
pub enum Target<'a> {
    Hec(&'a HecArgs),
    Elastic(&'a ElasticArgs),
}

/// Exports one report: to `--out`, or POSTed to `--url`. Exit code 3 when delivery fails.
pub fn export_report(
    report: &Report,
    target: Target<'_>,
    sink: &SinkArgs,
    quiet: bool,
) -> Result<u8, Failure> {
    // Events are made from the records one at a time; only the events are kept.
    let records = || apispm_export::records_iter(report);
    let (receiver, payloads, auth): (Receiver, Vec<Payload>, Auth) = match target {
        Target::Hec(a) => {
            let host = std::env::var("HOSTNAME")
                .ok()
                .filter(|h| !h.is_empty())
                .unwrap_or_else(|| "apispm".into());
            let o = HecOptions {
                index: a.index.clone(),
                sourcetype: a.sourcetype.clone(),
                source: a.source.clone(),
                host,
            };
            let auth = match &a.token {
                Some(t) if !t.is_empty() => Auth::Splunk(t.clone()),
                _ if sink.url.is_some() => {
                    return Err(Failure::input(
                        "a HEC token is required with --url (--token or APISPM_SPLUNK_TOKEN)",
                    ));
                }
                _ => Auth::None,
            };
            (
                Receiver::SplunkHec,
                apispm_export::hec_events(records(), &o),
                auth,
            )
        }
        Target::Elastic(a) => {
            let auth = match (&a.api_key, &a.user, &a.password) {
                (Some(k), _, _) if !k.is_empty() => Auth::ApiKey(k.clone()),
                (_, Some(u), Some(p)) => Auth::Basic {
                    user: u.clone(),
                    password: p.clone(),
                },
                (_, Some(_), None) => {
                    return Err(Failure::input(
                        "--user needs a password (--password or APISPM_ELASTIC_PASSWORD)",
                    ));
                }
                _ => Auth::None,
            };
            let o = ElasticOptions {
                index: a.index.clone(),
            };
            (
                Receiver::Elastic,
                apispm_export::bulk_items(records(), &o),
                auth,
            )
        }
    };

    if let Some(out) = &sink.out {
        let result = if out.as_os_str() == "-" {
            apispm_export::write_payloads(&payloads, &mut std::io::stdout().lock())
        } else {
            std::fs::File::create(out).and_then(|f| {
                apispm_export::write_payloads(&payloads, &mut std::io::BufWriter::new(f))
            })
        };
        match result {
            Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
                return Err(Failure::input(format!("{}: {e}", out.display())));
            }
            _ => {}
        }
        if !quiet && out.as_os_str() != "-" {
            eprintln!(
                "apispm: export: {} events written to {}",
                payloads.len(),
                out.display()
            );
        }
        return Ok(0);
    }

    let url = sink.url.clone().unwrap_or_default();
    let opts = HttpOptions {
        url,
        auth,
        batch_size: sink.batch_size as usize,
        max_attempts: sink.max_attempts,
        timeout: Duration::from_secs(sink.timeout.max(1)),
        ..HttpOptions::default()
    };
    match apispm_export::deliver(receiver, &payloads, &opts) {
        Ok(r) => {
            if !quiet {
                eprintln!(
                    "apispm: export: {} of {} events delivered in {} batch(es), {} request(s), {} retried",
                    r.delivered, r.events, r.batches, r.requests, r.retries
                );
                for (id, why) in r.rejected.iter().take(5) {
                    eprintln!("apispm: warning: event {id} refused: {why}");
                }
            }
            // Events refused for good are a failed export: the SIEM lacks them.
            Ok(if r.rejected.is_empty() { 0 } else { 3 })
        }
        Err(DeliveryError::Config(m)) => Err(Failure::input(m)),
        Err(e) => Err(Failure {
            code: 3,
            message: e.to_string(),
        }),
    }
}

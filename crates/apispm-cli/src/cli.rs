use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// API Security Posture Management: inventory, controls, sensitive data, risk and policies
/// from API gateway logs.
#[derive(Parser, Debug)]
#[command(name = "apispm", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Read logs once, in memory, and report the posture of every endpoint seen.
    ///
    /// Exit codes: 0 ok, 1 the --fail-on gate tripped, 2 usage or input error.
    Scan(ScanArgs),
    /// Write an OpenAPI 3.1 document of the endpoints seen in traffic, to document shadow APIs.
    SpecGen(SpecGenArgs),
    /// Work with policy files.
    #[command(subcommand)]
    Policy(PolicyCmd),
    /// Audit OpenAPI documents for security problems (OWASP API Top 10 2023), without traffic.
    ///
    /// Exit codes: 0 ok, 1 the --fail-on gate tripped, 2 a document could not be read.
    Audit(crate::audit::AuditArgs),
    /// CI gate: audit the specs, scan logs and policies, and fail on new problems.
    ///
    /// Exit codes: 0 ok, 1 a finding or violation not in the baseline is at or above
    /// --fail-on, 2 usage or input error.
    Check(crate::check::CheckArgs),
    /// Merge logs into a posture database and record a snapshot of the recent window.
    ///
    /// Re-ingesting an unchanged file is recognised and counts nothing twice (use --force to
    /// count it again). Exit codes: 0 ok, 1 the --fail-on gate tripped, 2 usage or input error.
    Ingest(IngestArgs),
    /// Follow growing log files into a posture database, with a snapshot every --interval.
    ///
    /// Read offsets are committed with the data, so a restart neither skips nor double-counts.
    /// Stops cleanly on SIGINT or SIGTERM.
    Watch(WatchArgs),
    /// Print the report of a stored snapshot (the latest by default), as `scan` would.
    Report(ReportArgs),
    /// List tracked findings with their lifecycle (opened, resolved, reopened).
    Findings(FindingsArgs),
    /// List stored snapshots, newest first.
    Snapshots(SnapshotsArgs),
    /// What changed: between two snapshots of a database (--db), or between two API
    /// descriptions (OLD_SPEC NEW_SPEC).
    Diff(DiffArgs),
    /// Serve the REST API, HTTP log ingestion (Kong http-log and every other format), Prometheus
    /// metrics and the dashboard over a posture database.
    ///
    /// Requires a bearer token (APISPM_TOKEN or server.token in the config) unless --no-auth.
    /// Stops cleanly on SIGINT or SIGTERM, committing every request it acknowledged.
    Serve(crate::serve::ServeArgs),
    /// Send the posture to a SIEM: Splunk HTTP Event Collector events, or Elasticsearch `_bulk`
    /// NDJSON with ECS fields; to a file (--out) or POSTed to --url in batches, with retries.
    ///
    /// Exit codes: 0 every event delivered, 2 usage or input error, 3 delivery failed.
    #[command(subcommand)]
    Export(crate::export::ExportCmd),
}

/// The engine's set-up for commands that work on a database.
#[derive(Args, Debug, Clone)]
pub struct EngineArgs {
    /// OpenAPI 2.0/3.0/3.1 documents (JSON or YAML; repeatable; folders are searched for .json/.yaml/.yml).
    #[arg(long, short = 's', value_name = "PATH")]
    pub spec: Vec<PathBuf>,

    /// Config file (apispm.yaml): risk weights, exposure rules, owners, compliance table.
    #[arg(long, short = 'c', value_name = "FILE", env = "APISPM_CONFIG")]
    pub config: Option<PathBuf>,

    /// Policy file (the seed's YAML schema). Without it, the built-in seed policies apply.
    #[arg(long, short = 'p', value_name = "FILE")]
    pub policy: Option<PathBuf>,

    /// Length of the assessed window, ending at the latest record (e.g. 7d, 1d, 12h, 30m).
    #[arg(long, default_value = "7d", value_name = "DURATION", value_parser = parse_duration_ms)]
    pub window: i64,
}

/// The posture database.
#[derive(Args, Debug, Clone)]
pub struct DbArgs {
    /// Database: a file path for embedded SQLite (created on first use), or postgres://…
    #[arg(long, value_name = "DB", env = "APISPM_DB")]
    pub db: String,
}

/// How a report-like result is printed.
#[derive(Args, Debug, Clone)]
pub struct OutputArgs {
    /// Output format [default: table on a terminal, json otherwise].
    #[arg(long, short = 'f', value_enum)]
    pub format: Option<Format>,

    /// Write to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Colour in the table output (NO_COLOR is honoured under `auto`).
    #[arg(long, value_enum, default_value = "auto")]
    pub color: ColorChoice,
}

#[derive(Args, Debug)]
pub struct IngestArgs {
    #[command(flatten)]
    pub db: DbArgs,

    /// Log files, folders (read recursively) or `-` for standard input; `.gz` is read transparently.
    #[arg(long, short = 'l', num_args = 1.., value_name = "PATH")]
    pub logs: Vec<String>,

    /// Log format; `auto` detects it per file from its content.
    #[arg(long, default_value = "auto", value_name = "FORMAT", value_parser = clap::builder::PossibleValuesParser::new(apispm_readers::LogFormat::NAMES))]
    pub log_format: String,

    #[command(flatten)]
    pub engine: EngineArgs,

    /// Findings of other tools (SARIF 2.1.0, OWASP ZAP JSON, Nuclei JSON lines or array;
    /// repeatable; folders are searched). Each tool's latest report replaces its earlier one,
    /// so what it no longer reports is resolved at the next snapshot.
    #[arg(long, value_name = "PATH")]
    pub findings: Vec<PathBuf>,

    /// Count the logs again even if this exact content was ingested before.
    #[arg(long)]
    pub force: bool,

    /// Merge only; take no snapshot.
    #[arg(long)]
    pub no_snapshot: bool,

    /// Worker threads [default: one per core].
    #[arg(long, short = 'j', value_name = "N")]
    pub threads: Option<usize>,

    /// Print the snapshot's full report instead of a summary.
    #[arg(long)]
    pub report: bool,

    #[command(flatten)]
    pub out: OutputArgs,

    /// Exit 1 when the snapshot has a violation, finding or endpoint at or above this severity.
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub fail_on: Option<FailOn>,

    /// No progress bar and no warnings on standard error.
    #[arg(long, short = 'q')]
    pub quiet: bool,

    #[command(flatten)]
    pub stream: crate::stream::StreamArgs,
}

#[derive(Args, Debug)]
pub struct WatchArgs {
    #[command(flatten)]
    pub db: DbArgs,

    /// Log files to follow (one record per line); rotation and truncation are handled.
    #[arg(long, short = 'l', num_args = 1.., required = true, value_name = "PATH")]
    pub logs: Vec<PathBuf>,

    /// Log format of the followed files; `auto` detects it from each chunk.
    #[arg(long, default_value = "auto", value_name = "FORMAT", value_parser = clap::builder::PossibleValuesParser::new(apispm_readers::LogFormat::NAMES))]
    pub log_format: String,

    #[command(flatten)]
    pub engine: EngineArgs,

    /// Time between snapshots (taken only when new records arrived).
    #[arg(long, default_value = "60s", value_name = "DURATION", value_parser = parse_duration_ms)]
    pub interval: i64,

    /// Time between looks at the files.
    #[arg(long, default_value = "1s", value_name = "DURATION", value_parser = parse_duration_ms)]
    pub poll: i64,

    /// Exit once the files hold nothing new (after a final snapshot): for batch jobs and tests.
    #[arg(long)]
    pub once: bool,

    /// No progress lines on standard error.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

#[derive(Args, Debug)]
pub struct ReportArgs {
    #[command(flatten)]
    pub db: DbArgs,

    /// Snapshot id [default: the latest].
    #[arg(long, value_name = "ID")]
    pub snapshot: Option<i64>,

    #[command(flatten)]
    pub out: OutputArgs,

    /// Exit 1 when the report has a violation, finding or endpoint at or above this severity.
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub fail_on: Option<FailOn>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum StateArg {
    Open,
    Resolved,
    All,
}

#[derive(Args, Debug)]
pub struct FindingsArgs {
    #[command(flatten)]
    pub db: DbArgs,

    /// Which findings.
    #[arg(long, value_enum, default_value = "open")]
    pub state: StateArg,

    /// Only findings at or above this severity.
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub severity: Option<FailOn>,

    /// Only findings of this endpoint.
    #[arg(long, value_name = "API_ID")]
    pub api_id: Option<String>,

    #[command(flatten)]
    pub out: OutputArgs,
}

#[derive(Args, Debug)]
pub struct SnapshotsArgs {
    #[command(flatten)]
    pub db: DbArgs,

    /// How many.
    #[arg(long, default_value = "20")]
    pub limit: usize,

    #[command(flatten)]
    pub out: OutputArgs,
}

#[derive(Args, Debug)]
pub struct DiffArgs {
    /// Database whose snapshots to compare (or set APISPM_DB).
    #[arg(long, value_name = "DB", env = "APISPM_DB", conflicts_with = "specs")]
    pub db: Option<String>,

    /// Older snapshot id [default: the one before --to].
    #[arg(long, value_name = "SNAP")]
    pub from: Option<i64>,

    /// Newer snapshot id [default: the latest].
    #[arg(long, value_name = "SNAP")]
    pub to: Option<i64>,

    /// Smallest risk score change listed.
    #[arg(long, default_value = "10", value_name = "POINTS")]
    pub risk_threshold: f64,

    /// OLD_SPEC NEW_SPEC: compare two versions of an API description instead.
    #[arg(num_args = 2, value_names = ["OLD_SPEC", "NEW_SPEC"])]
    pub specs: Vec<PathBuf>,

    #[command(flatten)]
    pub out: OutputArgs,
}

/// Parses `7d`, `12h`, `30m`, `45s`, `500ms` (a bare number is seconds) into milliseconds.
pub fn parse_duration_ms(s: &str) -> Result<i64, String> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let n: i64 = num
        .parse()
        .map_err(|_| format!("'{s}' is not a duration (e.g. 7d, 12h, 30m, 45s)"))?;
    let scale = match unit {
        "ms" => 1,
        "" | "s" => 1_000,
        "m" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        "w" => 7 * 86_400_000,
        _ => return Err(format!("'{s}': unknown unit '{unit}' (ms, s, m, h, d, w)")),
    };
    n.checked_mul(scale)
        .filter(|&v| v > 0)
        .ok_or_else(|| format!("'{s}' must be a positive duration"))
}

#[derive(Args, Debug)]
pub struct SpecGenArgs {
    #[command(flatten)]
    pub input: InputArgs,

    /// Only endpoints no loaded API description documents (the shadow APIs).
    #[arg(long)]
    pub only_undocumented: bool,

    /// The document's `info.title`.
    #[arg(long, default_value = "Observed API")]
    pub title: String,

    /// Write to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// Where traffic and API descriptions come from; shared by the commands that read logs.
#[derive(Args, Debug)]
pub struct InputArgs {
    /// Log files, folders (read recursively) or `-` for standard input; `.gz` is read transparently.
    #[arg(long, short = 'l', num_args = 1.., required = true, value_name = "PATH")]
    pub logs: Vec<String>,

    /// Log format; `auto` detects it per file from its content.
    #[arg(long, default_value = "auto", value_name = "FORMAT", value_parser = clap::builder::PossibleValuesParser::new(apispm_readers::LogFormat::NAMES))]
    pub log_format: String,

    /// OpenAPI 2.0/3.0/3.1 documents (JSON or YAML; repeatable; folders are searched for .json/.yaml/.yml).
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
}

#[derive(Subcommand, Debug)]
pub enum PolicyCmd {
    /// Check policy files without scanning; exit 2 naming the file and line of the first problem.
    Validate {
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Json,
    Markdown,
    /// SARIF 2.1.0, for GitHub code scanning and other SARIF consumers.
    Sarif,
    /// One self-contained HTML file.
    Html,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Critical,
    High,
    Medium,
    Low,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Args, Debug)]
pub struct ScanArgs {
    #[command(flatten)]
    pub input: InputArgs,

    /// Policy file (the seed's YAML schema). Without it, the built-in seed policies apply.
    #[arg(long, short = 'p', value_name = "FILE")]
    pub policy: Option<PathBuf>,

    /// Findings of other tools to place on the endpoints (repeatable; folders are searched):
    /// SARIF 2.1.0 (CodeQL, Semgrep, Gitleaks…), OWASP ZAP traditional JSON, Nuclei JSON lines
    /// or JSON array. The format is detected from the content.
    #[arg(long, value_name = "PATH")]
    pub findings: Vec<PathBuf>,

    /// Output format [default: table on a terminal, json otherwise].
    #[arg(long, short = 'f', value_enum)]
    pub format: Option<Format>,

    /// Write the report to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Exit 1 when a policy violation, a finding or an endpoint's risk level is at or above this severity.
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub fail_on: Option<FailOn>,

    /// Colour in the table output (NO_COLOR is honoured under `auto`).
    #[arg(long, value_enum, default_value = "auto")]
    pub color: ColorChoice,
}

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

//! The `apispm` binary: argument parsing, files, terminals and exit codes around the library
//! crates. Exit codes are stable: 0 ok, 1 a `--fail-on` gate tripped, 2 usage or input error.

mod audit;
mod check;
mod cli;
mod config;
mod export;
mod imported;
mod scan;
mod serve;
mod spec_diff;
mod store_cmds;
mod stream;

use clap::Parser;
use std::process::ExitCode;

/// An error that ends the run: exit code 2 (usage or input) unless stated.
#[derive(Debug)]
pub struct Failure {
    pub code: u8,
    pub message: String,
}

impl Failure {
    pub fn input(message: impl Into<String>) -> Self {
        Failure {
            code: 2,
            message: message.into(),
        }
    }
}

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    let result = match args.command {
        cli::Command::Scan(a) => scan::run(a),
        cli::Command::SpecGen(a) => scan::spec_gen(a),
        cli::Command::Policy(cli::PolicyCmd::Validate { files }) => scan::validate_policies(&files),
        cli::Command::Ingest(a) => store_cmds::ingest(a),
        cli::Command::Watch(a) => store_cmds::watch(a),
        cli::Command::Report(a) => store_cmds::report(a),
        cli::Command::Findings(a) => store_cmds::findings(a),
        cli::Command::Snapshots(a) => store_cmds::snapshots(a),
        cli::Command::Diff(a) => store_cmds::diff(a),
        cli::Command::Audit(a) => audit::run(a),
        cli::Command::Check(a) => check::run(a),
        cli::Command::Serve(a) => serve::run(a),
        cli::Command::Export(c) => export::run(c),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(f) => {
            eprintln!("apispm: error: {}", f.message);
            ExitCode::from(f.code)
        }
    }
}

use crate::Failure;
use crate::cli::{InputArgs, ScanArgs, SpecGenArgs};
use apispm_core::{Inventory, time};
use apispm_engine::Engine;
use apispm_policy::PolicySet;
use apispm_readers::{IngestStats, LogFormat, ReadOptions, Source};
use apispm_spec::Spec;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub fn load_policies(path: Option<&Path>) -> Result<PolicySet, Failure> {
    match path {
        None => Ok(PolicySet::builtin()),
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .map_err(|e| Failure::input(format!("{}: {e}", p.display())))?;
            PolicySet::from_yaml(&text, &p.display().to_string())
                .map_err(|e| Failure::input(e.to_string()))
        }
    }
}

pub fn validate_policies(files: &[PathBuf]) -> Result<u8, Failure> {
    for f in files {
        let set = load_policies(Some(f))?;
        println!("{}: {} policies OK", f.display(), set.policies.len());
    }
    Ok(0)
}

/// Loads API descriptions; folders are searched for `.json`, `.yaml` and `.yml` files.
pub fn load_specs(paths: &[PathBuf]) -> Result<Vec<Spec>, Failure> {
    spec_files(paths)?
        .iter()
        .map(|f| {
            let text = std::fs::read_to_string(f)
                .map_err(|e| Failure::input(format!("{}: {e}", f.display())))?;
            // The error names the file, line and column itself.
            apispm_spec::load(&text, &f.display().to_string())
                .map_err(|e| Failure::input(e.to_string()))
        })
        .collect()
}

/// The files named, with folders expanded to the `.json`, `.yaml` and `.yml` files in them.
pub fn spec_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, Failure> {
    let mut files = Vec::new();
    for p in paths {
        let meta =
            std::fs::metadata(p).map_err(|e| Failure::input(format!("{}: {e}", p.display())))?;
        if meta.is_dir() {
            let sources = apispm_readers::expand(&[p.display().to_string()])
                .map_err(|e| Failure::input(e.to_string()))?;
            for s in sources {
                if let Some(f) = s.path().map(Path::to_path_buf) {
                    let ext = f.extension().and_then(|e| e.to_str()).unwrap_or("");
                    if matches!(ext, "json" | "yaml" | "yml") {
                        files.push(f);
                    }
                }
            }
        } else {
            files.push(p.clone());
        }
    }
    Ok(files)
}

fn progress_bar(sources: &[Source], quiet: bool) -> Option<indicatif::ProgressBar> {
    if quiet || !std::io::stderr().is_terminal() {
        return None;
    }
    let total: u64 = sources
        .iter()
        .filter_map(|s| match s {
            Source::File(p) | Source::Found(p) if !s.is_gzip_name() => {
                std::fs::metadata(p).ok().map(|m| m.len())
            }
            _ => None,
        })
        .sum();
    let pb = indicatif::ProgressBar::with_draw_target(
        Some(total.max(1)),
        indicatif::ProgressDrawTarget::stderr_with_hz(8),
    );
    pb.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} reading logs [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
        )
        .expect("static template")
        .progress_chars("=> "),
    );
    Some(pb)
}

/// Reads every log through the engine: the merged inventory and what was read.
pub fn read_logs(input: &InputArgs, engine: &Engine) -> Result<(Inventory, IngestStats), Failure> {
    let sources = apispm_readers::expand(&input.logs).map_err(|e| Failure::input(e.to_string()))?;
    if sources.is_empty() {
        return Err(Failure::input(format!(
            "no log files found in {}",
            input.logs.join(", ")
        )));
    }
    let format: LogFormat = input.log_format.parse().map_err(Failure::input)?;
    let pb = progress_bar(&sources, input.quiet);
    let mut opts = ReadOptions {
        format,
        ..Default::default()
    };
    if let Some(t) = input.threads {
        opts.threads = t.max(1);
    }
    if let Some(pb) = &pb {
        let pb = pb.clone();
        opts.progress = Some(Arc::new(move |n| pb.inc(n)));
    }
    let (workers, stats) = apispm_readers::read_all(&sources, &opts, || engine.worker())
        .map_err(|e| Failure::input(e.to_string()))?;
    if let Some(pb) = pb {
        pb.finish_and_clear();
    }
    let inventory = engine.finish(workers);
    if !input.quiet {
        warn_about(&stats);
    }
    Ok((inventory, stats))
}

/// Warnings on standard error: files found in folders that were not logs, and malformed
/// records skipped per file with the first reason.
pub fn warn_about(stats: &IngestStats) {
    let skipped: Vec<_> = stats.files.iter().filter(|f| f.skipped.is_some()).collect();
    for f in skipped.iter().take(5) {
        eprintln!(
            "apispm: warning: {}: skipped ({})",
            f.path,
            f.skipped.as_deref().unwrap_or("")
        );
    }
    if skipped.len() > 5 {
        eprintln!(
            "apispm: warning: {} more files found in the folders were not logs and were skipped (listed in the report's ingest section)",
            skipped.len() - 5
        );
    }
    for f in &stats.files {
        if f.rejected > 0 {
            let first = f
                .errors
                .first()
                .map(|e| format!(" (first at line {}: {})", e.line, e.reason));
            eprintln!(
                "apispm: warning: {}: {} malformed record(s) skipped{}",
                f.path,
                f.rejected,
                first.unwrap_or_default()
            );
        }
    }
}

pub fn build_engine(input: &InputArgs, policies: PolicySet) -> Result<Engine, Failure> {
    crate::store_cmds::engine_with(input.config.as_deref(), &input.spec, policies)
}

/// Reads the logs and judges what they show, with other tools' findings (`--findings`)
/// placed on the endpoints: the report `scan` and `export` print and `check` gates on.
pub fn scan_report_with_findings(
    input: &InputArgs,
    policy: Option<&Path>,
    findings: &[PathBuf],
) -> Result<apispm_report::Report, Failure> {
    let policies = load_policies(policy)?;
    let engine = build_engine(input, policies)?;
    let imported = crate::imported::read_findings(findings, input.quiet)?;
    let started_ms = now_ms();
    let (inventory, stats) = read_logs(input, &engine)?;
    let (assessed, mapped) = engine.assess_with_findings(&inventory, started_ms, imported.findings);
    let mut ingest = serde_json::to_value(&stats).expect("stats serialize");
    if let (false, Some(o)) = (findings.is_empty(), ingest.as_object_mut()) {
        o.insert(
            "findings".into(),
            crate::imported::ingest_section(&imported.files, &mapped),
        );
    }
    Ok(apispm_report::build(apispm_report::ReportInput {
        endpoints: assessed.endpoints,
        violations: assessed.violations,
        findings: assessed.findings,
        compliance_gaps: assessed.compliance_gaps,
        deprecation_candidates: assessed.deprecation_candidates,
        ingest,
        report_date: time::format_rfc3339(now_ms()),
        mttr_days: None,
    }))
}

pub fn run(a: ScanArgs) -> Result<u8, Failure> {
    let report = scan_report_with_findings(&a.input, a.policy.as_deref(), &a.findings)?;

    let to_file = a.output.is_some();
    let text = apispm_report::render(
        &report,
        crate::store_cmds::output_format(a.format, to_file),
        crate::store_cmds::use_color(a.color, to_file),
    );
    write_output(a.output.as_deref(), &text)?;
    Ok(crate::store_cmds::gate(&report, a.fail_on, a.input.quiet))
}

pub fn spec_gen(a: SpecGenArgs) -> Result<u8, Failure> {
    let engine = build_engine(&a.input, PolicySet::builtin())?;
    let (inventory, _) = read_logs(&a.input, &engine)?;
    let observed = engine.observed_endpoints(&inventory, a.only_undocumented);
    let doc = apispm_spec::generate(&observed, &a.title);
    let mut text = serde_json::to_string_pretty(&doc).expect("a document serializes");
    text.push('\n');
    write_output(a.output.as_deref(), &text)?;
    Ok(0)
}

pub fn write_output(path: Option<&Path>, text: &str) -> Result<(), Failure> {
    match path {
        Some(path) => std::fs::write(path, text)
            .map_err(|e| Failure::input(format!("{}: {e}", path.display()))),
        None => {
            let mut out = std::io::stdout().lock();
            match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
                Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
                    Err(Failure::input(format!("writing the report: {e}")))
                }
                _ => Ok(()),
            }
        }
    }
}

pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

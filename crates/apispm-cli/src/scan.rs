use crate::cli::{ColorChoice, FailOn, Format, ScanArgs};
use crate::{Failure, config};
use apispm_core::{Exchange, Inventory, Labels, Observer, Severity, assess, time};
use apispm_policy::PolicySet;
use apispm_readers::{ExchangeSink, LogFormat, ReadOptions, Source};
use apispm_report::OutputFormat;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

struct ScanSink<'o> {
    inventory: Inventory,
    observer: &'o Observer,
}

impl ExchangeSink for ScanSink<'_> {
    fn accept(&mut self, ex: &Exchange<'_>) {
        self.inventory.observe(self.observer, ex);
    }
}

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

fn progress_bar(sources: &[Source], quiet: bool) -> Option<indicatif::ProgressBar> {
    if quiet || !std::io::stderr().is_terminal() {
        return None;
    }
    let total: u64 = sources
        .iter()
        .filter_map(|s| match s {
            Source::File(p) if !s.is_gzip_name() => std::fs::metadata(p).ok().map(|m| m.len()),
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

pub fn run(a: ScanArgs) -> Result<u8, Failure> {
    let sources = apispm_readers::expand(&a.logs).map_err(|e| Failure::input(e.to_string()))?;
    if sources.is_empty() {
        return Err(Failure::input(format!(
            "no log files found in {}",
            a.logs.join(", ")
        )));
    }
    let policies = load_policies(a.policy.as_deref())?;
    let config = config::load(a.config.as_deref())?;
    let format: LogFormat = a.log_format.parse().map_err(Failure::input)?;
    let observer = Observer::new(policies.header_names());

    let pb = progress_bar(&sources, a.quiet);
    let mut opts = ReadOptions {
        format,
        ..Default::default()
    };
    if let Some(t) = a.threads {
        opts.threads = t.max(1);
    }
    if let Some(pb) = &pb {
        let pb = pb.clone();
        opts.progress = Some(Arc::new(move |n| pb.inc(n)));
    }
    let started_ms = now_ms();
    let timing = std::env::var_os("APISPM_TIMING").is_some();
    let t0 = std::time::Instant::now();
    let (sinks, stats) = apispm_readers::read_all(&sources, &opts, || ScanSink {
        inventory: Inventory::new(),
        observer: &observer,
    })
    .map_err(|e| Failure::input(e.to_string()))?;
    if let Some(pb) = pb {
        pb.finish_and_clear();
    }
    if timing {
        eprintln!("timing: read+parse+observe {:?}", t0.elapsed());
    }
    let mut inventory = Inventory::new();
    for s in sinks {
        inventory.merge(s.inventory);
    }

    let mut assessments = Vec::with_capacity(inventory.len());
    let mut violations = Vec::new();
    for (key, tally) in inventory.entries() {
        let mut tally = tally.clone();
        // Records without a time of their own are stamped with the time they were read.
        if tally.first_seen_ms.is_none() {
            tally.first_seen_ms = Some(started_ms);
            tally.last_seen_ms = Some(started_ms);
        }
        let labels = Labels::declared(&tally);
        let a = assess(&key, &tally, &labels, &config.risk);
        violations.extend(policies.evaluate(&a));
        assessments.push(a);
    }
    violations.sort_by(|x, y| {
        y.severity
            .cmp(&x.severity)
            .then_with(|| x.policy.cmp(&y.policy))
            .then_with(|| x.service.cmp(&y.service))
            .then_with(|| x.path.cmp(&y.path))
            .then_with(|| x.method.cmp(&y.method))
    });

    for f in &stats.files {
        if f.rejected > 0 && !a.quiet {
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
    let ingest = serde_json::to_value(&stats).expect("stats serialize");
    let report = apispm_report::build(apispm_report::ReportInput {
        endpoints: assessments,
        violations,
        findings: Vec::new(),
        ingest,
        report_date: time::format_rfc3339(now_ms()),
        mttr_days: None,
    });

    let out_format = match (a.format, &a.output) {
        (Some(Format::Table), _) => OutputFormat::Table,
        (Some(Format::Json), _) => OutputFormat::Json,
        (Some(Format::Markdown), _) => OutputFormat::Markdown,
        (None, Some(_)) => OutputFormat::Json,
        (None, None) if std::io::stdout().is_terminal() => OutputFormat::Table,
        (None, None) => OutputFormat::Json,
    };
    let color = match a.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            a.output.is_none()
                && std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    };
    if timing {
        eprintln!("timing: merged, assessed, built {:?}", t0.elapsed());
    }
    let text = apispm_report::render(&report, out_format, color);
    match &a.output {
        Some(path) => std::fs::write(path, text)
            .map_err(|e| Failure::input(format!("{}: {e}", path.display())))?,
        None => {
            let mut out = std::io::stdout().lock();
            if let Err(e) = out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
                if e.kind() != std::io::ErrorKind::BrokenPipe {
                    return Err(Failure::input(format!("writing the report: {e}")));
                }
            }
        }
    }

    if let Some(level) = a.fail_on {
        let threshold = match level {
            FailOn::Critical => Severity::Critical,
            FailOn::High => Severity::High,
            FailOn::Medium => Severity::Medium,
            FailOn::Low => Severity::Low,
        };
        if let Some(why) = apispm_report::fail_gate(&report, threshold) {
            if !a.quiet {
                eprintln!(
                    "apispm: --fail-on {}: {why}",
                    threshold.name().to_lowercase()
                );
            }
            return Ok(1);
        }
    }
    Ok(0)
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

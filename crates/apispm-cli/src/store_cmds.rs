//! The commands that work on a posture database: `ingest`, `watch`, `report`, `findings`,
//! `snapshots` and `diff`. The work is in `apispm-posture` and `apispm-store`; this is
//! arguments, messages and exit codes.

use crate::cli::{
    ColorChoice, DbArgs, DiffArgs, EngineArgs, FailOn, FindingsArgs, Format, IngestArgs,
    OutputArgs, ReportArgs, SnapshotsArgs, StateArg, WatchArgs,
};
use crate::scan::{load_policies, load_specs, now_ms, write_output};
use crate::{Failure, config};
use apispm_core::{Severity, time};
use apispm_engine::{Engine, EngineConfig};
use apispm_posture::follow::Follower;
use apispm_readers::{LogFormat, ReadOptions, Source};
use apispm_report::{OutputFormat, Report};
use apispm_store::{FindingFilter, FindingState, SnapshotMeta, Store};
use sha2::{Digest, Sha256};
use std::io::IsTerminal;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// An engine from a config file, API descriptions and a policy file.
pub fn engine_from(
    config_path: Option<&Path>,
    specs: &[std::path::PathBuf],
    policy: Option<&Path>,
) -> Result<Engine, Failure> {
    engine_with(config_path, specs, load_policies(policy)?)
}

/// An engine from a config file, API descriptions and loaded policies.
pub fn engine_with(
    config_path: Option<&Path>,
    specs: &[std::path::PathBuf],
    policies: apispm_policy::PolicySet,
) -> Result<Engine, Failure> {
    let config = config::load(config_path)?;
    let exposure = config.exposure_rules(config_path)?;
    let specs = load_specs(specs)?;
    Ok(Engine::new(EngineConfig {
        risk: config.risk,
        policies,
        exposure,
        specs,
        owners: config.owners,
        compliance: config.compliance,
    }))
}

fn engine(a: &EngineArgs) -> Result<Engine, Failure> {
    engine_from(a.config.as_deref(), &a.spec, a.policy.as_deref())
}

fn open_store(db: &DbArgs) -> Result<Box<dyn Store>, Failure> {
    apispm_store::open(&db.db).map_err(|e| Failure::input(e.message))
}

fn store_err(e: impl std::fmt::Display) -> Failure {
    Failure::input(e.to_string())
}

/// The format asked for, else a table on a terminal and JSON otherwise.
pub fn output_format(format: Option<Format>, to_file: bool) -> OutputFormat {
    match format {
        Some(Format::Table) => OutputFormat::Table,
        Some(Format::Json) => OutputFormat::Json,
        Some(Format::Markdown) => OutputFormat::Markdown,
        Some(Format::Sarif) => OutputFormat::Sarif,
        Some(Format::Html) => OutputFormat::Html,
        None if !to_file && std::io::stdout().is_terminal() => OutputFormat::Table,
        None => OutputFormat::Json,
    }
}

/// Colour only on a terminal, unless forced; NO_COLOR is honoured under `auto`.
pub fn use_color(choice: ColorChoice, to_file: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            !to_file
                && std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    }
}

pub fn severity_of(f: FailOn) -> Severity {
    match f {
        FailOn::Critical => Severity::Critical,
        FailOn::High => Severity::High,
        FailOn::Medium => Severity::Medium,
        FailOn::Low => Severity::Low,
    }
}

/// Applies `--fail-on` to a report: 1 when it trips.
pub fn gate(report: &Report, fail_on: Option<FailOn>, quiet: bool) -> u8 {
    let Some(level) = fail_on else { return 0 };
    let threshold = severity_of(level);
    match apispm_report::fail_gate(report, threshold) {
        Some(why) => {
            if !quiet {
                eprintln!(
                    "apispm: --fail-on {}: {why}",
                    threshold.name().to_lowercase()
                );
            }
            1
        }
        None => 0,
    }
}

fn print_report(report: &Report, out: &OutputArgs) -> Result<(), Failure> {
    let to_file = out.output.is_some();
    let text = apispm_report::render(
        report,
        output_format(out.format, to_file),
        use_color(out.color, to_file),
    );
    write_output(out.output.as_deref(), &text)
}

/// A batch id naming the files' identity and size, so re-running an ingest that committed is
/// recognised. Standard input has no identity: each read is new.
fn content_id(sources: &[Source], force: bool) -> String {
    let mut h = Sha256::new();
    let mut stable = !force;
    for s in sources {
        match s.path().and_then(|p| Some((p, std::fs::metadata(p).ok()?))) {
            Some((p, m)) => {
                use std::os::unix::fs::MetadataExt;
                h.update(
                    format!(
                        "{}\0{}\0{}\0{}\0{}\0",
                        std::path::absolute(p)
                            .unwrap_or_else(|_| p.to_path_buf())
                            .display(),
                        m.dev(),
                        m.ino(),
                        m.len(),
                        m.mtime_nsec() + m.mtime() * 1_000_000_000
                    )
                    .as_bytes(),
                );
            }
            None => stable = false,
        }
    }
    if !stable {
        h.update(format!("{}:{}", now_ms(), std::process::id()).as_bytes());
    }
    let d = h.finalize();
    let hex: String = d[..12].iter().map(|b| format!("{b:02x}")).collect();
    format!("files:{hex}")
}

fn summary_line(meta: &SnapshotMeta) -> String {
    format!(
        "snapshot #{} of {} → {}: {} endpoints, average risk {:.1}; findings: {} opened, {} resolved, {} reopened, {} open",
        meta.id,
        time::format_rfc3339(meta.window_start_ms),
        time::format_rfc3339(meta.window_end_ms),
        meta.endpoints,
        meta.average_risk,
        meta.opened,
        meta.resolved,
        meta.reopened,
        meta.open_findings
    )
}

pub fn ingest(a: IngestArgs) -> Result<u8, Failure> {
    if a.stream.is_set() {
        return crate::stream::ingest(&a);
    }
    if a.logs.is_empty() && a.findings.is_empty() {
        return Err(Failure::input(
            "nothing to ingest: give --logs PATH… (files, folders or - for standard input) or --findings PATH…",
        ));
    }
    let engine = engine(&a.engine)?;
    // Read reports before anything is written, so an unusable one changes nothing.
    let imported = crate::imported::read_findings(&a.findings, a.quiet)?;
    let mut store = open_store(&a.db)?;
    if !a.findings.is_empty() {
        let tools: Vec<String> = imported
            .files
            .iter()
            .flat_map(|f| f.tools.iter().cloned())
            .collect();
        apispm_posture::record_imported(store.as_mut(), &imported.findings, &tools)
            .map_err(store_err)?;
        if !a.quiet {
            eprintln!(
                "apispm: recorded {} finding(s) from {} report(s)",
                imported.findings.len(),
                imported.files.len()
            );
        }
    }
    if a.logs.is_empty() {
        return snapshot_after_ingest(&a, &engine, store.as_mut(), None);
    }
    let sources = apispm_readers::expand(&a.logs).map_err(store_err)?;
    if sources.is_empty() {
        return Err(Failure::input(format!(
            "no log files found in {}",
            a.logs.join(", ")
        )));
    }
    let format: LogFormat = a.log_format.parse().map_err(Failure::input)?;
    let mut opts = ReadOptions {
        format,
        ..Default::default()
    };
    if let Some(t) = a.threads {
        opts.threads = t.max(1);
    }
    let started = now_ms();
    let id = content_id(&sources, a.force);
    let (ingested, stats) =
        apispm_posture::ingest_sources(&engine, store.as_mut(), &sources, &opts, id, started)
            .map_err(store_err)?;
    if !a.quiet {
        crate::scan::warn_about(&stats);
        if ingested.applied {
            eprintln!(
                "apispm: ingested {} record(s) ({} malformed) into {}",
                ingested.records, ingested.malformed, a.db.db
            );
        } else {
            eprintln!(
                "apispm: these logs were ingested before (batch {}); nothing counted again (use --force to count them again)",
                ingested.batch_id
            );
        }
    }
    snapshot_after_ingest(&a, &engine, store.as_mut(), Some(ingested))
}

pub(crate) fn snapshot_after_ingest(
    a: &IngestArgs,
    engine: &Engine,
    store: &mut dyn Store,
    ingested: Option<apispm_posture::Ingested>,
) -> Result<u8, Failure> {
    if a.no_snapshot {
        return Ok(0);
    }
    let taken =
        apispm_posture::take(engine, store, a.engine.window, now_ms()).map_err(store_err)?;
    if a.report {
        print_report(&taken.report, &a.out)?;
    } else {
        let json = matches!(a.out.format, Some(Format::Json));
        let text = if json {
            let mut s = serde_json::to_string_pretty(&serde_json::json!({
                "ingested": ingested,
                "snapshot": taken.meta,
            }))
            .expect("serializes");
            s.push('\n');
            s
        } else {
            format!("{}\n", summary_line(&taken.meta))
        };
        write_output(a.out.output.as_deref(), &text)?;
    }
    Ok(gate(&taken.report, a.fail_on, a.quiet))
}

pub fn watch(a: WatchArgs) -> Result<u8, Failure> {
    let engine = engine(&a.engine)?;
    let mut store = open_store(&a.db)?;
    let format: LogFormat = a.log_format.parse().map_err(Failure::input)?;
    for p in &a.logs {
        if p.is_dir() {
            return Err(Failure::input(format!(
                "{}: is a folder; watch follows files (name each log file)",
                p.display()
            )));
        }
    }
    let stop = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(sig, Arc::clone(&stop))
            .map_err(|e| Failure::input(format!("cannot handle signals: {e}")))?;
    }
    let say = |msg: String| {
        if !a.quiet {
            eprintln!("apispm: {msg}");
        }
    };
    let (mut follower, resumed) =
        Follower::new(&a.logs, format, store.as_mut(), &engine, now_ms()).map_err(store_err)?;
    let mut pending = resumed.records();
    for w in resumed.warnings {
        say(format!("warning: {w}"));
    }
    let mut last_snapshot = std::time::Instant::now();
    let interval = std::time::Duration::from_millis(a.interval as u64);
    let poll = std::time::Duration::from_millis(a.poll as u64);
    loop {
        let out = follower
            .poll(&engine, store.as_mut(), now_ms())
            .map_err(store_err)?;
        for w in &out.warnings {
            say(format!("warning: {w}"));
        }
        let got = out.records();
        if got > 0 {
            say(format!("read {got} record(s)"));
        }
        pending += got;
        let stopping = stop.load(Ordering::Relaxed);
        let idle = got == 0;
        if pending > 0 && (last_snapshot.elapsed() >= interval || stopping || (a.once && idle)) {
            let taken = apispm_posture::take(&engine, store.as_mut(), a.engine.window, now_ms())
                .map_err(store_err)?;
            say(summary_line(&taken.meta));
            pending = 0;
            last_snapshot = std::time::Instant::now();
        }
        if stopping {
            say("stopped; every record read is committed".into());
            return Ok(0);
        }
        if a.once && idle {
            return Ok(0);
        }
        // Sleep in small steps so a signal is answered promptly.
        let until = std::time::Instant::now() + poll;
        while std::time::Instant::now() < until && !stop.load(Ordering::Relaxed) {
            std::thread::sleep(std::time::Duration::from_millis(50).min(poll));
        }
    }
}

fn load_report(store: &mut dyn Store, id: Option<i64>) -> Result<(SnapshotMeta, Report), Failure> {
    let id = match id {
        Some(id) => id,
        None => store
            .snapshots(1)
            .map_err(store_err)?
            .first()
            .map(|m| m.id)
            .ok_or_else(|| {
                Failure::input("the database has no snapshot yet: run `apispm ingest` first")
            })?,
    };
    let snap = store
        .snapshot(id)
        .map_err(store_err)?
        .ok_or_else(|| Failure::input(format!("no snapshot #{id} in the database")))?;
    let report: Report = serde_json::from_str(&snap.report)
        .map_err(|e| Failure::input(format!("snapshot #{id} is unreadable: {e}")))?;
    Ok((snap.meta, report))
}

/// The report of a stored snapshot (the latest when `id` is `None`).
pub fn stored_report(db: &str, id: Option<i64>) -> Result<Report, Failure> {
    let mut store = open_store(&DbArgs { db: db.to_string() })?;
    Ok(load_report(store.as_mut(), id)?.1)
}

pub fn report(a: ReportArgs) -> Result<u8, Failure> {
    let mut store = open_store(&a.db)?;
    let (_, report) = load_report(store.as_mut(), a.snapshot)?;
    print_report(&report, &a.out)?;
    Ok(gate(&report, a.fail_on, false))
}

fn date(ms: i64) -> String {
    time::format_rfc3339(ms)[..10].to_string()
}

pub fn findings(a: FindingsArgs) -> Result<u8, Failure> {
    let mut store = open_store(&a.db)?;
    let filter = FindingFilter {
        state: match a.state {
            StateArg::Open => Some(FindingState::Open),
            StateArg::Resolved => Some(FindingState::Resolved),
            StateArg::All => None,
        },
        min_severity: a.severity.map(severity_of),
        api_id: a.api_id.clone(),
    };
    let mut list = store.findings(&filter).map_err(store_err)?;
    list.sort_by(|x, y| {
        y.severity
            .cmp(&x.severity)
            .then(y.opened_ms.cmp(&x.opened_ms))
            .then(x.id.cmp(&y.id))
    });
    let to_file = a.out.output.is_some();
    let text = match output_format(a.out.format, to_file) {
        OutputFormat::Json => {
            let mut s = serde_json::to_string_pretty(&list).expect("serializes");
            s.push('\n');
            s
        }
        fmt => {
            let md = fmt == OutputFormat::Markdown;
            let mut s = String::new();
            if md {
                s.push_str("| id | state | severity | kind | finding | opened | resolved |\n|---|---|---|---|---|---|---|\n");
            } else {
                s.push_str(&format!(
                    "{:<16}  {:<8}  {:<8}  {:<16}  {:<10}  {:<10}  {}\n",
                    "ID", "STATE", "SEVERITY", "KIND", "OPENED", "RESOLVED", "FINDING"
                ));
            }
            for f in &list {
                let resolved = f.resolved_ms.map(date).unwrap_or_else(|| "-".into());
                if md {
                    s.push_str(&format!(
                        "| `{}` | {} | {} | {} | {} | {} | {} |\n",
                        f.id,
                        f.state.as_str(),
                        f.severity,
                        f.kind,
                        f.title.replace('|', "\\|"),
                        date(f.opened_ms),
                        resolved
                    ));
                } else {
                    s.push_str(&format!(
                        "{:<16}  {:<8}  {:<8}  {:<16}  {:<10}  {:<10}  {}\n",
                        f.id,
                        f.state.as_str(),
                        f.severity.name(),
                        f.kind,
                        date(f.opened_ms),
                        resolved,
                        f.title
                    ));
                }
            }
            if list.is_empty() {
                s.push_str("(no findings match)\n");
            }
            s
        }
    };
    write_output(a.out.output.as_deref(), &text)?;
    Ok(0)
}

pub fn snapshots(a: SnapshotsArgs) -> Result<u8, Failure> {
    let mut store = open_store(&a.db)?;
    let list = store.snapshots(a.limit).map_err(store_err)?;
    let text = match output_format(a.out.format, a.out.output.is_some()) {
        OutputFormat::Json => {
            let mut s = serde_json::to_string_pretty(&list).expect("serializes");
            s.push('\n');
            s
        }
        _ => {
            let mut s = String::new();
            for m in &list {
                s.push_str(&summary_line(m));
                s.push('\n');
            }
            if list.is_empty() {
                s.push_str("(no snapshots yet)\n");
            }
            s
        }
    };
    write_output(a.out.output.as_deref(), &text)?;
    Ok(0)
}

pub fn diff(a: DiffArgs) -> Result<u8, Failure> {
    if !a.specs.is_empty() {
        return crate::spec_diff::run(&a);
    }
    let Some(db) = a.db.clone() else {
        return Err(Failure::input(
            "diff needs --db DB (snapshots) or two API descriptions OLD_SPEC NEW_SPEC",
        ));
    };
    let mut store = open_store(&DbArgs { db })?;
    let (to_id, from_id) = match (a.from, a.to) {
        (Some(f), Some(t)) => (t, f),
        (f, t) => {
            let list = store.snapshots(usize::MAX).map_err(store_err)?;
            let to = t.or(list.first().map(|m| m.id)).ok_or_else(|| {
                Failure::input("the database has no snapshot yet: run `apispm ingest` first")
            })?;
            let from = match f {
                Some(f) => f,
                None => list
                    .iter()
                    .map(|m| m.id)
                    .find(|&id| id < to)
                    .ok_or_else(|| {
                        Failure::input(format!(
                            "no snapshot before #{to} to compare with (give --from)"
                        ))
                    })?,
            };
            (to, from)
        }
    };
    let (_, old) = load_report(store.as_mut(), Some(from_id))?;
    let (_, new) = load_report(store.as_mut(), Some(to_id))?;
    let d = apispm_report::drift(&old, &new, a.risk_threshold);
    let text = match output_format(a.out.format, a.out.output.is_some()) {
        OutputFormat::Json => {
            let mut s = serde_json::to_string_pretty(&d).expect("serializes");
            s.push('\n');
            s
        }
        OutputFormat::Markdown => apispm_report::render_drift_markdown(&d),
        _ => apispm_report::render_drift_table(&d),
    };
    write_output(a.out.output.as_deref(), &text)?;
    Ok(0)
}

//! `apispm ingest` from a message system instead of files: a Kafka consumer group or a NATS
//! JetStream durable consumer (crate `apispm-stream`). Runs until SIGTERM or SIGINT (storing
//! and committing what it has read, then exiting 0), or until the stream has been idle for
//! `--stream-idle-exit`; then takes a snapshot like a file ingest.

use crate::Failure;
use crate::cli::{IngestArgs, parse_duration_ms};
use apispm_readers::LogFormat;
use apispm_stream::{Batching, Summary};
use clap::Args;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// The streaming sources of `apispm ingest`.
#[derive(Args, Debug, Default)]
#[command(next_help_heading = "Streaming sources (instead of --logs)")]
pub struct StreamArgs {
    /// Kafka bootstrap brokers, HOST:PORT[,HOST:PORT…]: consume --kafka-topic as a member of
    /// consumer group --kafka-group (partitions are shared by every member).
    #[arg(long, value_name = "HOST:PORT", requires_all = ["kafka_topic", "kafka_group"], conflicts_with_all = ["logs", "nats_url"])]
    pub kafka_brokers: Option<String>,

    /// Kafka topic to consume.
    #[arg(long, value_name = "TOPIC", requires = "kafka_brokers")]
    pub kafka_topic: Option<String>,

    /// Kafka consumer group; run more apispm processes (or --stream-workers) with the same
    /// group to spread the partitions.
    #[arg(long, value_name = "GROUP", requires = "kafka_brokers")]
    pub kafka_group: Option<String>,

    /// A librdkafka setting (repeatable), e.g. security.protocol=SASL_SSL,
    /// sasl.mechanisms=SCRAM-SHA-512, sasl.username=…, session.timeout.ms=10000.
    #[arg(long, value_name = "KEY=VALUE", requires = "kafka_brokers")]
    pub kafka_option: Vec<String>,

    /// NATS server URL (nats://HOST:PORT): pull from --nats-consumer on --nats-stream, a
    /// durable consumer every apispm worker shares.
    #[arg(long, value_name = "URL", requires_all = ["nats_stream", "nats_consumer"], conflicts_with = "logs")]
    pub nats_url: Option<String>,

    /// JetStream stream name.
    #[arg(long, value_name = "STREAM", requires = "nats_url")]
    pub nats_stream: Option<String>,

    /// Durable pull consumer name (created if missing).
    #[arg(long, value_name = "CONSUMER", requires = "nats_url")]
    pub nats_consumer: Option<String>,

    /// Subject to create the stream with if it does not exist, and the consumer's filter.
    #[arg(long, value_name = "SUBJECT", requires = "nats_url")]
    pub nats_subject: Option<String>,

    /// How long NATS waits for an acknowledgement before redelivering a message to another
    /// worker (when apispm creates the consumer).
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = parse_duration_ms)]
    pub nats_ack_wait: i64,

    /// Most messages delivered and not yet acknowledged over all workers (when apispm
    /// creates the consumer); keep it above workers × --stream-batch.
    #[arg(long, value_name = "N", default_value_t = 100_000)]
    pub nats_max_ack_pending: i64,

    /// Consumer workers in this process, each with its own connections.
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub stream_workers: usize,

    /// Messages per store batch (per partition for Kafka).
    #[arg(long, value_name = "N", default_value_t = 5_000)]
    pub stream_batch: usize,

    /// Longest a message waits for its batch to fill before the batch is stored.
    #[arg(long, value_name = "DURATION", default_value = "1s", value_parser = parse_duration_ms)]
    pub stream_linger: i64,

    /// Stop once nothing has arrived for this long (to replay a backlog and exit).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration_ms)]
    pub stream_idle_exit: Option<i64>,

    /// Also take a snapshot this often while consuming (one process of a cluster is enough).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration_ms)]
    pub snapshot_every: Option<i64>,
}

impl StreamArgs {
    /// Whether a streaming source was named.
    pub fn is_set(&self) -> bool {
        self.kafka_brokers.is_some() || self.nats_url.is_some()
    }
}

fn ms(v: i64) -> Duration {
    Duration::from_millis(v.max(0) as u64)
}

/// Consumes the named stream into the database, then snapshots as `ingest` does.
pub fn ingest(a: &IngestArgs) -> Result<u8, Failure> {
    let s = &a.stream;
    let engine = crate::store_cmds::engine_from(
        a.engine.config.as_deref(),
        &a.engine.spec,
        a.engine.policy.as_deref(),
    )?;
    let format: LogFormat = a.log_format.parse().map_err(Failure::input)?;
    // Open once first, so a wrong --db is a clear error before any broker is contacted.
    let mut store = apispm_store::open(&a.db.db).map_err(|e| Failure::input(e.message))?;
    let stop = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(sig, Arc::clone(&stop))
            .map_err(|e| Failure::input(format!("cannot handle signals: {e}")))?;
    }
    let batching = Batching {
        format,
        workers: s.stream_workers.max(1),
        max_messages: s.stream_batch.max(1),
        linger: ms(s.stream_linger),
        idle_exit: s.stream_idle_exit.map(ms),
        crash_after_batches: None,
    };
    let quiet = a.quiet;
    let log = move |line: &str| {
        if !quiet {
            eprintln!("apispm: {line}");
        }
    };
    let done = AtomicBool::new(false);
    let summary = std::thread::scope(|scope| {
        if let Some(every) = s.snapshot_every {
            let (engine, done, db) = (&engine, &done, &a.db.db);
            scope.spawn(move || {
                periodic_snapshots(engine, db, ms(every), done, a.engine.window, &log)
            });
        }
        let r = consume(&engine, a, batching, &stop, &log);
        done.store(true, Ordering::SeqCst);
        r
    })?;
    log(&format!(
        "consumed {} message(s): {} record(s) stored ({} malformed) in {} batch(es); {} already stored",
        summary.messages,
        summary.records,
        summary.malformed,
        summary.batches,
        summary.already_stored
    ));
    let nothing_stored = store
        .latest_record_ms()
        .map_err(|e| Failure::input(e.message))?
        .is_none();
    if nothing_stored {
        log("nothing stored yet; no snapshot taken");
        return Ok(0);
    }
    crate::store_cmds::snapshot_after_ingest(a, &engine, store.as_mut(), None)
}

fn consume(
    engine: &apispm_engine::Engine,
    a: &IngestArgs,
    batching: Batching,
    stop: &AtomicBool,
    log: &(dyn Fn(&str) + Sync),
) -> Result<Summary, Failure> {
    let s = &a.stream;
    let failed = |e: apispm_stream::StreamError| Failure::input(e.0);
    if let Some(url) = &s.nats_url {
        let opts = apispm_stream::nats::NatsOptions {
            url: url.clone(),
            stream: s.nats_stream.clone().unwrap_or_default(),
            consumer: s.nats_consumer.clone().unwrap_or_default(),
            subject: s.nats_subject.clone(),
            ack_wait: ms(s.nats_ack_wait),
            max_ack_pending: s.nats_max_ack_pending,
            batching,
        };
        return apispm_stream::nats::run(engine, &a.db.db, &opts, stop, log).map_err(failed);
    }
    kafka(engine, a, batching, stop, log)
}

#[cfg(feature = "kafka")]
fn kafka(
    engine: &apispm_engine::Engine,
    a: &IngestArgs,
    batching: Batching,
    stop: &AtomicBool,
    log: &(dyn Fn(&str) + Sync),
) -> Result<Summary, Failure> {
    let s = &a.stream;
    let mut settings = Vec::new();
    for kv in &s.kafka_option {
        let Some((k, v)) = kv.split_once('=') else {
            return Err(Failure::input(format!(
                "--kafka-option {kv}: expected KEY=VALUE"
            )));
        };
        settings.push((k.trim().to_string(), v.trim().to_string()));
    }
    let opts = apispm_stream::kafka::KafkaOptions {
        brokers: s.kafka_brokers.clone().unwrap_or_default(),
        topic: s.kafka_topic.clone().unwrap_or_default(),
        group: s.kafka_group.clone().unwrap_or_default(),
        settings,
        batching,
    };
    apispm_stream::kafka::run(engine, &a.db.db, &opts, stop, log).map_err(|e| Failure::input(e.0))
}

#[cfg(not(feature = "kafka"))]
fn kafka(
    _: &apispm_engine::Engine,
    _: &IngestArgs,
    _: Batching,
    _: &AtomicBool,
    _: &(dyn Fn(&str) + Sync),
) -> Result<Summary, Failure> {
    Err(Failure::input(
        "this apispm was built without Kafka support: build it with `--features kafka`",
    ))
}

/// Snapshots on a timer on a connection of its own, until `done`.
fn periodic_snapshots(
    engine: &apispm_engine::Engine,
    db: &str,
    every: Duration,
    done: &AtomicBool,
    window_ms: i64,
    log: &(dyn Fn(&str) + Sync),
) {
    let mut store = match apispm_store::open(db) {
        Ok(s) => s,
        Err(e) => return log(&format!("warning: no periodic snapshots: {e}")),
    };
    let mut next = std::time::Instant::now() + every;
    while !done.load(Ordering::SeqCst) {
        std::thread::sleep(Duration::from_millis(100));
        if std::time::Instant::now() < next {
            continue;
        }
        next += every;
        if matches!(store.latest_record_ms(), Ok(None)) {
            continue;
        }
        match apispm_posture::take(engine, store.as_mut(), window_ms, apispm_posture::now_ms()) {
            Ok(t) => log(&format!(
                "snapshot #{}: {} endpoints, average risk {:.1}, {} open findings",
                t.meta.id, t.meta.endpoints, t.meta.average_risk, t.meta.open_findings
            )),
            Err(e) => log(&format!("warning: snapshot failed: {e}")),
        }
    }
}

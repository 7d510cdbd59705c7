//! The NATS JetStream source: every worker pulls from one durable consumer, so the server
//! hands each message to one worker and redelivers it (to any worker) when it is not
//! acknowledged within `ack_wait`. A worker pulls up to `max_messages`, has the store claim
//! their stream sequences and merge the fresh ones in one transaction
//! ([`apispm_store::Store::apply_units`]), and only then acknowledges them all.
//!
//! The client is async (tokio); the store is not and must not run inside the runtime (the
//! PostgreSQL client drives its own), so a worker alternates: pull inside `block_on`, store
//! outside it, acknowledge inside again.

use crate::{Batching, Log, Repeats, StreamError, Summary, build_batch, now_ms, run_workers};
use apispm_engine::Engine;
use apispm_store::Store;
use async_nats::jetstream::{self, consumer::PullConsumer};
use futures_util::StreamExt;
use std::collections::HashMap;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

/// Where to consume from.
#[derive(Clone, Debug)]
pub struct NatsOptions {
    /// `nats://host:port`.
    pub url: String,
    pub stream: String,
    /// The durable consumer's name, shared by every worker of every process.
    pub consumer: String,
    /// When given: the subject to create the stream with if it does not exist, and the
    /// consumer's filter.
    pub subject: Option<String>,
    /// How long the server waits for an acknowledgement before redelivering, when this run
    /// creates the consumer.
    pub ack_wait: Duration,
    /// Messages delivered and not yet acknowledged, across all workers, when this run creates
    /// the consumer. The server's default (1,000 on 2.9) lets one worker's batch block every
    /// other worker's pull until it is acknowledged; it should exceed workers × batch size.
    pub max_ack_pending: i64,
    pub batching: Batching,
}

impl NatsOptions {
    /// The store's idempotence scope: a stream's sequence numbers, as read by one consumer.
    pub fn scope(&self) -> String {
        format!("nats:{}/{}", self.stream, self.consumer)
    }
}

fn nats_err(what: &str) -> impl Fn(&dyn std::fmt::Display) -> StreamError + '_ {
    move |e| StreamError(format!("NATS: {what}: {e}"))
}

/// Finds (or, with a subject, creates) the stream and the durable pull consumer.
pub async fn consumer(
    client: &async_nats::Client,
    opts: &NatsOptions,
) -> Result<PullConsumer, StreamError> {
    let js = jetstream::new(client.clone());
    let stream = match &opts.subject {
        Some(subject) => js
            .get_or_create_stream(jetstream::stream::Config {
                name: opts.stream.clone(),
                subjects: vec![subject.clone()],
                ..Default::default()
            })
            .await
            .map_err(|e| nats_err(&format!("stream {}", opts.stream))(&e))?,
        None => js.get_stream(&opts.stream).await.map_err(|e| {
            nats_err(&format!(
                "stream {} (create it, or pass --nats-subject to have it created)",
                opts.stream
            ))(&e)
        })?,
    };
    stream
        .get_or_create_consumer(
            &opts.consumer,
            jetstream::consumer::pull::Config {
                durable_name: Some(opts.consumer.clone()),
                ack_policy: jetstream::consumer::AckPolicy::Explicit,
                ack_wait: opts.ack_wait,
                max_ack_pending: opts.max_ack_pending,
                filter_subject: opts.subject.clone().unwrap_or_default(),
                ..Default::default()
            },
        )
        .await
        .map_err(|e| nats_err(&format!("consumer {}", opts.consumer))(&e))
}

/// Runs the workers until `stop` is raised (or the consumer is idle for `idle_exit`),
/// storing into the database `db` names.
pub fn run(
    engine: &Engine,
    db: &str,
    opts: &NatsOptions,
    stop: &AtomicBool,
    log: Log<'_>,
) -> Result<Summary, StreamError> {
    if opts.stream.is_empty() || opts.consumer.is_empty() {
        return Err(StreamError(
            "NATS needs --nats-url, --nats-stream and --nats-consumer".into(),
        ));
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .map_err(|e| StreamError(format!("cannot start the NATS client runtime: {e}")))?;
    run_workers(opts.batching.workers, stop, |_, should_stop| {
        let mut store = apispm_store::open(db)?;
        worker(engine, store.as_mut(), opts, &runtime, should_stop, log)
    })
}

fn worker(
    engine: &Engine,
    store: &mut dyn Store,
    opts: &NatsOptions,
    runtime: &tokio::runtime::Runtime,
    should_stop: &(dyn Fn() -> bool + Sync),
    log: Log<'_>,
) -> Result<Summary, StreamError> {
    let batching = &opts.batching;
    let scope = opts.scope();
    let (client, consumer) = runtime.block_on(async {
        let client = async_nats::connect(&opts.url)
            .await
            .map_err(|e| nats_err(&format!("cannot connect to {}", opts.url))(&e))?;
        let consumer = consumer(&client, opts).await?;
        Ok::<_, StreamError>((client, consumer))
    })?;
    let mut summary = Summary::default();
    let mut last_message = Instant::now();
    let mut last_forget = Instant::now();
    let mut repeats = Repeats::new();
    // A short pull while stopping is wanted, not an empty wait.
    let wait = batching
        .linger
        .clamp(Duration::from_millis(10), Duration::from_secs(30));
    while !should_stop() {
        let messages = runtime.block_on(async {
            let mut batch = consumer
                .batch()
                .max_messages(batching.max_messages.max(1))
                .expires(wait)
                .messages()
                .await
                .map_err(|e| nats_err("pull")(&e))?;
            let mut got = Vec::new();
            while let Some(m) = batch.next().await {
                match m {
                    Ok(m) => got.push(m),
                    Err(e) => repeats.warn(log, format!("warning: NATS: {e}")),
                }
            }
            Ok::<_, StreamError>(got)
        })?;
        if messages.is_empty() {
            if batching
                .idle_exit
                .is_some_and(|idle| last_message.elapsed() >= idle)
            {
                break;
            }
            continue;
        }
        last_message = Instant::now();
        summary.messages += messages.len() as u64;
        // A message without JetStream metadata cannot be deduplicated; it is acknowledged and
        // counted as malformed rather than redelivered forever.
        let mut units = Vec::with_capacity(messages.len());
        let mut payloads = Vec::with_capacity(messages.len());
        for m in &messages {
            match m.info() {
                Ok(info) => {
                    units.push(info.stream_sequence);
                    payloads.push(&m.payload[..]);
                }
                Err(_) => summary.malformed += 1,
            }
        }
        // The records of each batch the store asked for, by the units it covered: a retried
        // transaction asks again, a backend without one-transaction claims asks per unit.
        let mut built: HashMap<Vec<bool>, (u64, u64)> = HashMap::new();
        let fresh = store.apply_units(&scope, &units, &mut |fresh| {
            let batch = build_batch(
                engine,
                payloads
                    .iter()
                    .zip(fresh)
                    .filter(|(_, f)| **f)
                    .map(|(p, _)| *p),
                batching.format,
                &scope,
                String::new(),
                Vec::new(),
                now_ms(),
            );
            built.insert(fresh.to_vec(), (batch.records, batch.malformed));
            batch
        })?;
        let stored = fresh.iter().filter(|f| **f).count() as u64;
        summary.already_stored += units.len() as u64 - stored;
        if stored > 0 {
            summary.batches += 1;
            let (records, malformed) = match built.get(&fresh) {
                Some(&counts) => counts,
                None => built
                    .iter()
                    .filter(|(mask, _)| {
                        mask.iter().filter(|m| **m).count() == 1
                            && mask.iter().zip(&fresh).any(|(m, f)| *m && *f)
                    })
                    .fold((0, 0), |acc, (_, c)| (acc.0 + c.0, acc.1 + c.1)),
            };
            summary.records += records;
            summary.malformed += malformed;
        }
        if batching
            .crash_after_batches
            .is_some_and(|n| summary.batches >= n)
        {
            return Ok(summary);
        }
        runtime.block_on(async {
            for m in &messages {
                if let Err(e) = m.ack().await {
                    // Redelivered later and recognised by the store: no harm beyond a re-read.
                    log(&format!("warning: NATS: acknowledgement failed: {e}"));
                }
            }
            let _ = client.flush().await;
        });
        if last_forget.elapsed() >= Duration::from_secs(30) {
            last_forget = Instant::now();
            forget_acknowledged(runtime, &consumer, store, &scope, log);
        }
    }
    runtime.block_on(async {
        let _ = client.flush().await;
    });
    Ok(summary)
}

/// Drops the store's claims below the consumer's acknowledgement floor: the server will
/// never deliver those sequences to this consumer again.
fn forget_acknowledged(
    runtime: &tokio::runtime::Runtime,
    consumer: &PullConsumer,
    store: &mut dyn Store,
    scope: &str,
    log: Log<'_>,
) {
    let mut consumer = consumer.clone();
    let floor = runtime.block_on(async {
        consumer
            .info()
            .await
            .map(|i| i.ack_floor.stream_sequence)
            .ok()
    });
    if let Some(floor) = floor
        && floor > 0
        && let Err(e) = store.forget_units(scope, floor)
    {
        log(&format!(
            "warning: could not prune delivered NATS sequences: {e}"
        ));
    }
}

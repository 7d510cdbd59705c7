//! The Kafka source: a consumer group whose members split the topic's partitions. Each worker
//! keeps, per partition it owns, the messages read since the last stored batch; a batch is
//! stored when it is full or has waited `linger`, then its offsets are committed to Kafka.
//! The stored position of each partition (checkpoint `kafka:TOPIC/PARTITION`, committed with
//! the data) is the truth: Kafka's committed offset may lag it after a crash, and whatever
//! lies below it is skipped. See the crate documentation for the chain of batch ids.

use crate::{Batching, Log, Repeats, StreamError, Summary, build_batch, now_ms, run_workers};
use apispm_engine::Engine;
use apispm_store::{Applied, Checkpoint, Store};
use rdkafka::config::{ClientConfig, RDKafkaLogLevel};
use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer, ConsumerContext, Rebalance};
use rdkafka::error::KafkaError;
use rdkafka::message::Message;
use rdkafka::{ClientContext, Offset, TopicPartitionList};
use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

/// Where to consume from.
#[derive(Clone, Debug)]
pub struct KafkaOptions {
    /// `host:port[,host:port…]`.
    pub brokers: String,
    pub topic: String,
    pub group: String,
    /// Further librdkafka settings (`security.protocol`, `sasl.*`, `session.timeout.ms`…),
    /// applied last.
    pub settings: Vec<(String, String)>,
    pub batching: Batching,
}

/// Runs the workers until `stop` is raised (or the stream is idle for `idle_exit`), storing
/// into the database `db` names. Every worker opens its own store connection and consumer.
pub fn run(
    engine: &Engine,
    db: &str,
    opts: &KafkaOptions,
    stop: &AtomicBool,
    log: Log<'_>,
) -> Result<Summary, StreamError> {
    if opts.topic.is_empty() || opts.group.is_empty() || opts.brokers.is_empty() {
        return Err(StreamError(
            "Kafka needs --kafka-brokers, --kafka-topic and --kafka-group".into(),
        ));
    }
    run_workers(opts.batching.workers, stop, |i, should_stop| {
        let mut store = apispm_store::open(db)?;
        Worker::new(engine, store.as_mut(), opts, i, log)?.run(should_stop)
    })
}

/// Partitions revoked by a rebalance, noted inside `poll` for the worker loop to act on.
struct Rebalances {
    revoked: Mutex<Vec<i32>>,
}

impl ClientContext for Rebalances {}

impl ConsumerContext for Rebalances {
    fn pre_rebalance(&self, _consumer: &BaseConsumer<Self>, rebalance: &Rebalance<'_>) {
        if let Rebalance::Revoke(list) = rebalance
            && let Ok(mut revoked) = self.revoked.lock()
        {
            revoked.extend(list.elements().iter().map(|e| e.partition()));
        }
    }
}

/// One partition as this worker sees it.
struct Partition {
    /// The stored position: the next offset no batch has covered. `None` until a batch is
    /// stored when the store knows nothing of this partition.
    next: Option<i64>,
    /// Messages read and not yet stored: offset and payload.
    pending: Vec<(i64, Vec<u8>)>,
    since: Instant,
}

struct Worker<'a> {
    engine: &'a Engine,
    store: &'a mut dyn Store,
    consumer: BaseConsumer<Rebalances>,
    opts: &'a KafkaOptions,
    log: Log<'a>,
    partitions: BTreeMap<i32, Partition>,
    summary: Summary,
}

fn kafka_err(what: &str) -> impl Fn(KafkaError) -> StreamError + '_ {
    move |e| StreamError(format!("Kafka: {what}: {e}"))
}

impl<'a> Worker<'a> {
    fn new(
        engine: &'a Engine,
        store: &'a mut dyn Store,
        opts: &'a KafkaOptions,
        index: usize,
        log: Log<'a>,
    ) -> Result<Worker<'a>, StreamError> {
        let mut config = ClientConfig::new();
        config
            .set("bootstrap.servers", &opts.brokers)
            .set("group.id", &opts.group)
            .set(
                "client.id",
                format!("apispm-{}-{index}", std::process::id()),
            )
            // Offsets move only after the store has the records.
            .set("enable.auto.commit", "false")
            .set("enable.auto.offset.store", "false")
            .set("auto.offset.reset", "earliest")
            .set_log_level(RDKafkaLogLevel::Error);
        for (k, v) in &opts.settings {
            config.set(k, v);
        }
        let consumer: BaseConsumer<Rebalances> = config
            .create_with_context(Rebalances {
                revoked: Mutex::new(Vec::new()),
            })
            .map_err(kafka_err("cannot create the consumer"))?;
        consumer
            .subscribe(&[opts.topic.as_str()])
            .map_err(kafka_err(&format!("cannot subscribe to {}", opts.topic)))?;
        Ok(Worker {
            engine,
            store,
            consumer,
            opts,
            log,
            partitions: BTreeMap::new(),
            summary: Summary::default(),
        })
    }

    fn checkpoint_source(&self, partition: i32) -> String {
        format!("kafka:{}/{partition}", self.opts.topic)
    }

    fn run(mut self, should_stop: &(dyn Fn() -> bool + Sync)) -> Result<Summary, StreamError> {
        let batching = &self.opts.batching;
        let mut last_message = Instant::now();
        let mut repeats = Repeats::new();
        loop {
            if should_stop() {
                self.store_all()?;
                return Ok(self.summary);
            }
            let polled = self
                .consumer
                .poll(Duration::from_millis(100))
                .map(|r| r.map(|m| (m.partition(), m.offset(), m.payload().map(<[u8]>::to_vec))));
            // Revocations first: what this poll returns comes from the new assignment.
            let revoked: Vec<i32> = self
                .consumer
                .context()
                .revoked
                .lock()
                .map(|mut r| std::mem::take(&mut *r))
                .unwrap_or_default();
            for p in revoked {
                // Unstored messages go back to the partition's next owner with it.
                self.partitions.remove(&p);
            }
            match polled {
                Some(Ok((partition, offset, payload))) => {
                    last_message = Instant::now();
                    self.summary.messages += 1;
                    self.accept(partition, offset, payload)?;
                }
                Some(Err(e)) => repeats.warn(self.log, format!("warning: Kafka: {e}")),
                None => {}
            }
            let due: Vec<i32> = self
                .partitions
                .iter()
                .filter(|(_, p)| {
                    !p.pending.is_empty()
                        && (p.pending.len() >= batching.max_messages
                            || p.since.elapsed() >= batching.linger)
                })
                .map(|(&k, _)| k)
                .collect();
            for p in due {
                if self.store_partition(p)? {
                    return Ok(self.summary);
                }
            }
            if let Some(idle) = batching.idle_exit
                && last_message.elapsed() >= idle
                && self.partitions.values().all(|p| p.pending.is_empty())
            {
                return Ok(self.summary);
            }
        }
    }

    /// Takes one message, skipping what the store already has.
    fn accept(
        &mut self,
        partition: i32,
        offset: i64,
        payload: Option<Vec<u8>>,
    ) -> Result<(), StreamError> {
        if !self.partitions.contains_key(&partition) {
            let source = self.checkpoint_source(partition);
            let next = self.store.checkpoint(&source)?.map(|c| c.offset as i64);
            if let Some(next) = next
                && offset < next
            {
                // A takeover after a crash: the previous owner stored more than it committed.
                // Skip ahead, and bring Kafka's offset up to the store's in case nothing new
                // arrives before this worker stops.
                let _ = self.consumer.seek(
                    &self.opts.topic,
                    partition,
                    Offset::Offset(next),
                    Duration::from_secs(5),
                );
                self.commit(partition, next)?;
            }
            (self.log)(&format!(
                "{source}: reading from offset {offset} (stored up to {})",
                next.map_or_else(|| "nothing yet".to_string(), |n| n.to_string())
            ));
            self.partitions.insert(
                partition,
                Partition {
                    next,
                    pending: Vec::new(),
                    since: Instant::now(),
                },
            );
        }
        let state = self.partitions.get_mut(&partition).expect("inserted above");
        if state.next.is_some_and(|next| offset < next) {
            self.summary.already_stored += 1;
            return Ok(());
        }
        if state
            .pending
            .last()
            .is_some_and(|(last, _)| offset <= *last)
        {
            return Ok(()); // a re-fetch after a seek
        }
        if state.pending.is_empty() {
            state.since = Instant::now();
        }
        // A tombstone (no payload) still moves the position.
        state.pending.push((offset, payload.unwrap_or_default()));
        Ok(())
    }

    /// Stores every partition's pending messages (on the way out).
    fn store_all(&mut self) -> Result<(), StreamError> {
        let parts: Vec<i32> = self.partitions.keys().copied().collect();
        for p in parts {
            if self.store_partition(p)? {
                break;
            }
        }
        Ok(())
    }

    /// Stores one partition's pending messages as the next batch of its chain, then commits
    /// the offset. Returns true when the crash simulation says to stop now.
    fn store_partition(&mut self, partition: i32) -> Result<bool, StreamError> {
        let source = self.checkpoint_source(partition);
        let Some(state) = self.partitions.get_mut(&partition) else {
            return Ok(false);
        };
        let (Some(first), Some(last)) = (state.pending.first(), state.pending.last()) else {
            return Ok(false);
        };
        let start = state.next.unwrap_or(first.0);
        let end = last.0;
        let batch = build_batch(
            self.engine,
            state.pending.iter().map(|(_, p)| p.as_slice()),
            self.opts.batching.format,
            &format!("{source} offsets {start}-{end}"),
            format!("{source}@{start}"),
            vec![Checkpoint {
                source: source.clone(),
                file_id: "kafka".into(),
                offset: (end + 1) as u64,
            }],
            now_ms(),
        );
        let outcome = self.store.apply_batch(&batch)?;
        match outcome {
            Applied::Merged => {
                state.next = Some(end + 1);
                state.pending.clear();
                self.summary.batches += 1;
                self.summary.records += batch.records;
                self.summary.malformed += batch.malformed;
            }
            Applied::Duplicate => {
                // Another owner stored a batch from the same position (a rebalance race):
                // continue from where the store is now.
                let next = self
                    .store
                    .checkpoint(&source)?
                    .map(|c| c.offset as i64)
                    .unwrap_or(end + 1);
                state.next = Some(next);
                let before = state.pending.len();
                state.pending.retain(|(o, _)| *o >= next);
                self.summary.already_stored += (before - state.pending.len()) as u64;
                (self.log)(&format!(
                    "{source}: offsets from {start} were stored by another consumer; continuing at {next}"
                ));
                if !state.pending.is_empty() {
                    return self.store_partition(partition);
                }
            }
        }
        if self
            .opts
            .batching
            .crash_after_batches
            .is_some_and(|n| self.summary.batches >= n)
        {
            return Ok(true);
        }
        let next = self.partitions[&partition].next.unwrap_or(end + 1);
        self.commit(partition, next)?;
        Ok(false)
    }

    /// Commits `next` as the partition's offset, after the store has everything before it.
    fn commit(&self, partition: i32, next: i64) -> Result<(), StreamError> {
        let mut offsets = TopicPartitionList::new();
        offsets
            .add_partition_offset(&self.opts.topic, partition, Offset::Offset(next))
            .map_err(kafka_err("offset list"))?;
        if let Err(e) = self.consumer.commit(&offsets, CommitMode::Sync) {
            // The store holds the position; a lost commit only means a re-read that the
            // next owner skips.
            (self.log)(&format!(
                "warning: Kafka: committing {} at {next} failed ({e}); the store has it",
                self.checkpoint_source(partition)
            ));
        }
        Ok(())
    }
}

//! The Kafka source against librdkafka's mock cluster (real brokers' protocol on loopback
//! ports, consumer groups and committed offsets included; no broker to install) and a
//! PostgreSQL store: workers sharing a topic's partitions, a worker that dies after storing a
//! batch it never committed, and two consumer groups racing over one database. The state
//! must equal one ingest of all records.

#![cfg(feature = "kafka")]

mod common;

use apispm_readers::LogFormat;
use apispm_stream::kafka::{self, KafkaOptions};
use apispm_stream::{Batching, Summary};
use common::*;
use rdkafka::ClientConfig;
use rdkafka::mocking::MockCluster;
use rdkafka::producer::{BaseProducer, BaseRecord, Producer};
use std::sync::Mutex;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

const PARTITIONS: i32 = 4;

fn cluster(topic: &str) -> MockCluster<'static, rdkafka::producer::DefaultProducerContext> {
    let c = MockCluster::new(3).expect("mock cluster");
    c.create_topic(topic, PARTITIONS, 1).expect("topic");
    c
}

/// Produces each record as one message, spread over the partitions.
fn produce(brokers: &str, topic: &str, records: &[Vec<u8>]) {
    let producer: BaseProducer = ClientConfig::new()
        .set("bootstrap.servers", brokers)
        .create()
        .expect("producer");
    for (i, r) in records.iter().enumerate() {
        let key = i.to_string();
        let mut record = BaseRecord::to(topic)
            .key(&key)
            .payload(r)
            .partition(i as i32 % PARTITIONS);
        loop {
            match producer.send(record) {
                Ok(()) => break,
                Err((_, back)) => {
                    producer.poll(Duration::from_millis(50));
                    record = back;
                }
            }
        }
        producer.poll(Duration::ZERO);
    }
    producer.flush(Duration::from_secs(30)).expect("flushed");
}

fn options(brokers: &str, topic: &str, group: &str, batching: Batching) -> KafkaOptions {
    KafkaOptions {
        brokers: brokers.into(),
        topic: topic.into(),
        group: group.into(),
        settings: vec![
            ("session.timeout.ms".into(), "6000".into()),
            ("heartbeat.interval.ms".into(), "500".into()),
        ],
        batching,
    }
}

fn batching(max_messages: usize) -> Batching {
    Batching {
        format: LogFormat::Kong,
        workers: 1,
        max_messages,
        linger: Duration::from_millis(300),
        // Generous: joining a group and its rebalance take seconds on a loaded CI machine,
        // and a consumer that gives up before its assignment reads nothing.
        idle_exit: Some(Duration::from_secs(20)),
        crash_after_batches: None,
    }
}

/// Runs one consumer ("a process") to the end, returning what it did and what it logged.
fn run(opts: &KafkaOptions, db: &str) -> (Summary, Vec<String>) {
    let engine = engine();
    let lines = Mutex::new(Vec::new());
    let log = |l: &str| lines.lock().unwrap().push(l.to_string());
    let s = kafka::run(&engine, db, opts, &AtomicBool::new(false), &log).unwrap();
    (s, lines.into_inner().unwrap())
}

fn partitions_read(log: &[String]) -> usize {
    log.iter()
        .filter(|l| l.contains(": reading from offset"))
        .count()
}

#[test]
fn two_workers_in_one_group_share_the_partitions() {
    let topic = "logs-share";
    let c = cluster(topic);
    let brokers = c.bootstrap_servers();
    let (Some(shared), Some(alone)) = (schema("kafka_share"), schema("kafka_share_alone")) else {
        return;
    };
    let records = kong_records();
    let opts = options(&brokers, topic, "apispm", batching(100));
    let url = shared.url();
    let ((a, a_log), (b, b_log)) = std::thread::scope(|s| {
        let a = s.spawn(|| run(&opts, &url));
        let b = s.spawn(|| run(&opts, &url));
        // Both join the group before there is anything to read, so each owns partitions.
        std::thread::sleep(Duration::from_secs(5));
        produce(&brokers, topic, &records);
        (a.join().unwrap(), b.join().unwrap())
    });
    assert!(
        a.messages > 0 && b.messages > 0,
        "both consumed: {a:?} {a_log:?} {b:?} {b_log:?}"
    );
    assert!(partitions_read(&a_log) < PARTITIONS as usize, "{a_log:?}");
    assert_eq!(a.records + b.records, records.len() as u64, "{a:?} {b:?}");
    let engine = engine();
    let expected = single_ingest(&engine, &mut alone.open(), &records);
    assert_eq!(merged(&mut shared.open()), expected);
}

#[test]
fn a_worker_killed_before_committing_loses_nothing_and_counts_nothing_twice() {
    let topic = "logs-kill";
    let c = cluster(topic);
    let brokers = c.bootstrap_servers();
    let (Some(shared), Some(alone)) = (schema("kafka_kill"), schema("kafka_kill_alone")) else {
        return;
    };
    let records = kong_records();
    produce(&brokers, topic, &records);
    let url = shared.url();
    // Stores two batches, commits the first only, and vanishes with whatever it buffered.
    let doomed = options(
        &brokers,
        topic,
        "apispm",
        Batching {
            crash_after_batches: Some(2),
            ..batching(200)
        },
    );
    let (first, _) = run(&doomed, &url);
    assert_eq!(first.batches, 2);
    // Its partitions are taken over: offsets below what the store holds are skipped.
    let (second, log) = run(&options(&brokers, topic, "apispm", batching(150)), &url);
    assert!(second.already_stored > 0, "{second:?} {log:?}");
    assert_eq!(first.records + second.records, records.len() as u64);
    let engine = engine();
    let expected = single_ingest(&engine, &mut alone.open(), &records);
    let got = merged(&mut shared.open());
    assert_eq!(got.records, records.len() as u64);
    assert_eq!(got, expected);
}

#[test]
fn two_groups_racing_into_one_database_count_each_record_once() {
    let topic = "logs-race";
    let c = cluster(topic);
    let brokers = c.bootstrap_servers();
    let (Some(shared), Some(alone)) = (schema("kafka_race"), schema("kafka_race_alone")) else {
        return;
    };
    let records = kong_records();
    produce(&brokers, topic, &records);
    let url = shared.url();
    // Every partition is read by both groups at once; each batch of the partition's chain is
    // stored by whichever gets there first, and the other resynchronises.
    let a_opts = options(&brokers, topic, "apispm-a", batching(120));
    let b_opts = options(&brokers, topic, "apispm-b", batching(170));
    let ((a, a_log), (b, b_log)) = std::thread::scope(|s| {
        let a = s.spawn(|| run(&a_opts, &url));
        let b = s.spawn(|| run(&b_opts, &url));
        (a.join().unwrap(), b.join().unwrap())
    });
    // Each read every partition (a group that finds a partition stored further than its
    // committed offset seeks ahead, so neither necessarily received every message).
    assert_eq!(partitions_read(&a_log), PARTITIONS as usize, "{a_log:?}");
    assert_eq!(partitions_read(&b_log), PARTITIONS as usize, "{b_log:?}");
    assert_eq!(a.records + b.records, records.len() as u64, "{a:?} {b:?}");
    let engine = engine();
    let expected = single_ingest(&engine, &mut alone.open(), &records);
    assert_eq!(merged(&mut shared.open()), expected);
}

//! The NATS JetStream source against the real server (`APISPM_TEST_NATS`, default
//! `nats://127.0.0.1:4222`) and a PostgreSQL store: workers sharing one durable consumer, and
//! a worker that dies after storing a batch it never acknowledged, whose messages the server
//! redelivers to the other. The state must equal one ingest of all records. An unreachable
//! server fails the case unless `APISPM_SKIP_NATS=1`, which prints SKIPPED instead.

mod common;

use apispm_readers::LogFormat;
use apispm_stream::nats::{self, NatsOptions};
use apispm_stream::{Batching, Summary};
use common::*;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

fn nats_url() -> String {
    std::env::var("APISPM_TEST_NATS").unwrap_or_else(|_| "nats://127.0.0.1:4222".into())
}

/// A stream of its own for one case, deleted when the case ends.
struct TestStream {
    name: String,
    subject: String,
    runtime: tokio::runtime::Runtime,
    client: async_nats::Client,
}

impl TestStream {
    fn new(case: &str) -> Option<TestStream> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let url = nats_url();
        let client = match runtime.block_on(async_nats::connect(&url)) {
            Ok(c) => c,
            Err(e) => {
                let why = format!(
                    "NATS is not reachable at {url} ({e}); start nats-server -js, set \
                     APISPM_TEST_NATS, or set APISPM_SKIP_NATS=1 to skip"
                );
                if std::env::var("APISPM_SKIP_NATS").as_deref() == Ok("1") {
                    loud(&format!("SKIPPED nats::{case}: {why}"));
                    return None;
                }
                panic!("{why}");
            }
        };
        let name = format!("APISPM_T{}_{}", std::process::id(), case.to_uppercase());
        let s = TestStream {
            subject: format!("apispm.t{}.{case}", std::process::id()),
            name,
            runtime,
            client,
        };
        s.runtime.block_on(async {
            let js = async_nats::jetstream::new(s.client.clone());
            let _ = js.delete_stream(&s.name).await;
            js.create_stream(async_nats::jetstream::stream::Config {
                name: s.name.clone(),
                subjects: vec![s.subject.clone()],
                ..Default::default()
            })
            .await
            .expect("stream created");
        });
        Some(s)
    }

    /// Publishes each record as one message, awaiting the server's acks in windows (the
    /// client allows 5,000 in flight).
    fn publish(&self, records: &[Vec<u8>]) {
        self.runtime.block_on(async {
            let js = async_nats::jetstream::new(self.client.clone());
            for chunk in records.chunks(500) {
                let mut acks = Vec::new();
                for r in chunk {
                    acks.push(
                        js.publish(self.subject.clone(), r.clone().into())
                            .await
                            .unwrap(),
                    );
                }
                for a in acks {
                    a.await.unwrap();
                }
            }
        });
    }

    fn options(&self, consumer: &str, batching: Batching) -> NatsOptions {
        NatsOptions {
            url: nats_url(),
            stream: self.name.clone(),
            consumer: consumer.into(),
            subject: None,
            ack_wait: Duration::from_secs(2),
            max_ack_pending: 20_000,
            batching,
        }
    }

    /// Creates the durable consumer up front so that every worker shares its settings.
    fn create_consumer(&self, opts: &NatsOptions) {
        self.runtime
            .block_on(nats::consumer(&self.client, opts))
            .expect("consumer created");
    }
}

impl Drop for TestStream {
    fn drop(&mut self) {
        let _ = self.runtime.block_on(async {
            let js = async_nats::jetstream::new(self.client.clone());
            js.delete_stream(&self.name).await
        });
    }
}

fn batching(max_messages: usize) -> Batching {
    Batching {
        format: LogFormat::Kong,
        workers: 1,
        max_messages,
        linger: Duration::from_millis(200),
        idle_exit: Some(Duration::from_secs(4)),
        crash_after_batches: None,
    }
}

fn run(opts: &NatsOptions, db: &str) -> Summary {
    let engine = engine();
    let quiet = |_: &str| {};
    nats::run(&engine, db, opts, &AtomicBool::new(false), &quiet).unwrap()
}

#[test]
fn two_workers_share_a_durable_consumer() {
    let Some(stream) = TestStream::new("share") else {
        return;
    };
    let (Some(shared), Some(alone)) = (schema("nats_share"), schema("nats_share_alone")) else {
        return;
    };
    let records = kong_records();
    stream.publish(&records);
    let opts = stream.options("apispm", batching(100));
    stream.create_consumer(&opts);
    let url = shared.url();
    // Two "processes": separate runs, each with its own connections.
    let (a, b) = std::thread::scope(|s| {
        let a = s.spawn(|| run(&opts, &url));
        let b = s.spawn(|| run(&opts, &url));
        (a.join().unwrap(), b.join().unwrap())
    });
    assert!(a.messages > 0 && b.messages > 0, "both worked: {a:?} {b:?}");
    assert_eq!(a.records + b.records, records.len() as u64, "{a:?} {b:?}");
    assert_eq!(a.already_stored + b.already_stored, 0);
    let engine = engine();
    let expected = single_ingest(&engine, &mut alone.open(), &records);
    assert_eq!(merged(&mut shared.open()), expected);
}

#[test]
fn a_killed_workers_unacknowledged_messages_are_redelivered_and_not_counted_twice() {
    let Some(stream) = TestStream::new("kill") else {
        return;
    };
    let (Some(shared), Some(alone)) = (schema("nats_kill"), schema("nats_kill_alone")) else {
        return;
    };
    let records = kong_records();
    stream.publish(&records);
    let url = shared.url();
    // The doomed worker stores three batches of 250 and dies before acknowledging the third.
    let doomed = stream.options(
        "apispm",
        Batching {
            crash_after_batches: Some(3),
            ..batching(250)
        },
    );
    stream.create_consumer(&doomed);
    let first = run(&doomed, &url);
    assert_eq!(first.batches, 3);
    assert_eq!(first.records, 750);
    // The survivor gets the rest, and the unacknowledged 250 again once ack_wait (2 s)
    // passes; the store recognises them.
    let opts = stream.options("apispm", batching(100));
    let second = run(&opts, &url);
    assert_eq!(second.already_stored, 250, "{second:?}");
    assert_eq!(first.records + second.records, records.len() as u64);
    let engine = engine();
    let expected = single_ingest(&engine, &mut alone.open(), &records);
    let got = merged(&mut shared.open());
    assert_eq!(got.records, records.len() as u64);
    assert_eq!(got, expected);
}

#[test]
fn a_sqlite_store_counts_redelivered_messages_once_too() {
    let Some(stream) = TestStream::new("sqlite") else {
        return;
    };
    let records: Vec<Vec<u8>> = kong_records().into_iter().take(400).collect();
    stream.publish(&records);
    let dir = std::env::temp_dir().join(format!("apispm-nats-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("s.db").display().to_string();
    let doomed = stream.options(
        "apispm",
        Batching {
            crash_after_batches: Some(1),
            ..batching(150)
        },
    );
    stream.create_consumer(&doomed);
    let first = run(&doomed, &db);
    let second = run(&stream.options("apispm", batching(150)), &db);
    assert_eq!(second.already_stored, 150, "{second:?}");
    assert_eq!(first.records + second.records, 400);
    let mut store = apispm_store::open(&db).unwrap();
    assert_eq!(store.ingest_totals().unwrap().records, 400);
    let mut alone = apispm_store::open(&dir.join("alone.db").display().to_string()).unwrap();
    let engine = engine();
    assert_eq!(
        merged(store.as_mut()),
        single_ingest(&engine, alone.as_mut(), &records)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_unknown_stream_is_named() {
    let Some(stream) = TestStream::new("unknown") else {
        return;
    };
    let mut opts = stream.options("apispm", batching(10));
    opts.stream = "APISPM_NO_SUCH_STREAM".into();
    let engine = engine();
    let quiet = |_: &str| {};
    let dir = std::env::temp_dir().join(format!("apispm-nats-u{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("u.db").display().to_string();
    let e = nats::run(&engine, &db, &opts, &AtomicBool::new(false), &quiet).unwrap_err();
    assert!(e.0.contains("stream APISPM_NO_SUCH_STREAM"), "{e}");
    let _ = std::fs::remove_dir_all(&dir);
}

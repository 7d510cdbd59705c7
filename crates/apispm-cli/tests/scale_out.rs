//! Scale-out through the real binary on a shared PostgreSQL database (a fresh schema per
//! case; see `crates/apispm-stream/tests/common`): concurrent `apispm ingest` processes over
//! shards of one log equal one ingest of the whole log, in merged state and in the report of
//! the latest snapshot; `--threads 1` equals `--threads 2`; and streaming ingest processes
//! killed with SIGKILL mid-stream (NATS JetStream against the real server, Kafka against
//! librdkafka's mock cluster) are taken over by another process with nothing lost or counted
//! twice, while SIGTERM stops one cleanly with its offsets committed.

#[path = "../../apispm-stream/tests/common/mod.rs"]
mod common;

use common::*;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

fn apispm(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_apispm"))
        .args(args)
        .env_remove("APISPM_DB")
        .output()
        .unwrap()
}

fn ok(args: &[&str]) -> String {
    let out = apispm(args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{args:?}\nstdout: {}\nstderr: {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn spawn(args: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_apispm"))
        .args(args)
        .env_remove("APISPM_DB")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn finish(child: Child, what: &str) -> String {
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(0), "{what}: {stderr}");
    stderr
}

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("apispm-scale-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn write_lines(path: &Path, lines: &[Vec<u8>]) {
    let mut all = lines.join(&b'\n');
    all.push(b'\n');
    std::fs::write(path, all).unwrap();
}

/// The latest snapshot's report, without what differs by how the records arrived (the number
/// of batches).
fn latest_report(db: &str) -> serde_json::Value {
    let mut r: serde_json::Value =
        serde_json::from_str(&ok(&["report", "--db", db, "--format", "json"])).unwrap();
    r["ingest"]
        .as_object_mut()
        .expect("an ingest section")
        .remove("batches");
    r
}

fn records_in(url: &str) -> u64 {
    apispm_store::open(url)
        .and_then(|mut s| s.ingest_totals())
        .map_or(0, |t| t.records)
}

#[test]
fn concurrent_ingest_processes_equal_one_ingest_of_the_whole_log() {
    let (Some(shared), Some(alone)) = (schema("cli_shards"), schema("cli_whole")) else {
        return;
    };
    let dir = tmp("shards");
    let records = kong_records();
    // Interleaved shards: every shard sees most endpoints, in every hour bucket.
    const SHARDS: usize = 4;
    let mut shard_paths = Vec::new();
    for i in 0..SHARDS {
        let shard: Vec<Vec<u8>> = records.iter().skip(i).step_by(SHARDS).cloned().collect();
        let p = dir.join(format!("shard-{i}.jsonl"));
        write_lines(&p, &shard);
        shard_paths.push(p.display().to_string());
    }
    let whole = dir.join("whole.jsonl");
    write_lines(&whole, &records);
    let empty = dir.join("empty.jsonl");
    std::fs::write(&empty, "").unwrap();

    let url = shared.url();
    let children: Vec<Child> = shard_paths
        .iter()
        .map(|p| {
            spawn(&[
                "ingest",
                "--db",
                &url,
                "--logs",
                p,
                "--log-format",
                "kong",
                "--no-snapshot",
                "-q",
            ])
        })
        .collect();
    for c in children {
        finish(c, "a shard ingest");
    }
    // The snapshot after all shards are in (an ingest of nothing takes it).
    ok(&[
        "ingest",
        "--db",
        &url,
        "--logs",
        &empty.display().to_string(),
        "--log-format",
        "kong",
        "-q",
    ]);
    let alone_url = alone.url();
    ok(&[
        "ingest",
        "--db",
        &alone_url,
        "--logs",
        &whole.display().to_string(),
        "--log-format",
        "kong",
        "-q",
    ]);

    assert_eq!(merged(&mut shared.open()), merged(&mut alone.open()));
    assert_eq!(merged(&mut shared.open()).records, records.len() as u64);
    let (a, b) = (latest_report(&url), latest_report(&alone_url));
    assert_eq!(a["ingest"]["records"], records.len());
    assert!(a["total_apis"].as_u64().unwrap() > 100);
    assert_eq!(a, b);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn concurrent_ingests_with_their_own_snapshots_all_succeed() {
    let (Some(shared), Some(alone)) = (schema("cli_snaps"), schema("cli_snaps_whole")) else {
        return;
    };
    let dir = tmp("snaps");
    let records = kong_records();
    let url = shared.url();
    let children: Vec<Child> = (0..3)
        .map(|i| {
            let shard: Vec<Vec<u8>> = records.iter().skip(i).step_by(3).cloned().collect();
            let p = dir.join(format!("s{i}.jsonl"));
            write_lines(&p, &shard);
            spawn(&[
                "ingest",
                "--db",
                &url,
                "--logs",
                &p.display().to_string(),
                "--log-format",
                "kong",
                "-q",
            ])
        })
        .collect();
    for c in children {
        finish(c, "an ingest with a snapshot");
    }
    let mut s = shared.open();
    use apispm_store::Store;
    assert_eq!(
        s.snapshots(10).unwrap().len(),
        3,
        "one snapshot per process"
    );
    let engine = engine();
    assert_eq!(
        merged(&mut s),
        single_ingest(&engine, &mut alone.open(), &records)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn one_thread_and_two_threads_store_the_same_state_and_report() {
    let (Some(one), Some(two)) = (schema("cli_t1"), schema("cli_t2")) else {
        return;
    };
    let dir = tmp("threads");
    // Big enough to be cut into several blocks per thread (blocks are 1 MiB).
    let records = kong_records();
    let lines: Vec<Vec<u8>> = records.iter().chain(&records).cloned().collect();
    let log = dir.join("big.jsonl");
    write_lines(&log, &lines);
    let log = log.display().to_string();
    let (u1, u2) = (one.url(), two.url());
    ok(&[
        "ingest",
        "--db",
        &u1,
        "--logs",
        &log,
        "--log-format",
        "kong",
        "-j",
        "1",
        "-q",
    ]);
    ok(&[
        "ingest",
        "--db",
        &u2,
        "--logs",
        &log,
        "--log-format",
        "kong",
        "-j",
        "2",
        "-q",
    ]);
    assert_eq!(merged(&mut one.open()), merged(&mut two.open()));
    assert_eq!(latest_report(&u1), latest_report(&u2));
    let _ = std::fs::remove_dir_all(&dir);
}

mod nats {
    use super::*;

    fn url() -> String {
        std::env::var("APISPM_TEST_NATS").unwrap_or_else(|_| "nats://127.0.0.1:4222".into())
    }

    /// Publishes each record as one message on a new stream; `None` (SKIPPED) only when the
    /// server is unreachable and `APISPM_SKIP_NATS=1`.
    fn stream_with(case: &str, records: &[Vec<u8>]) -> Option<(String, String)> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let client = match rt.block_on(async_nats::connect(url())) {
            Ok(c) => c,
            Err(e) => {
                let why = format!("NATS is not reachable at {} ({e})", url());
                if std::env::var("APISPM_SKIP_NATS").as_deref() == Ok("1") {
                    loud(&format!("SKIPPED {case}: {why}"));
                    return None;
                }
                panic!("{why}; start nats-server -js or set APISPM_SKIP_NATS=1");
            }
        };
        let name = format!("APISPM_C{}_{}", std::process::id(), case.to_uppercase());
        let subject = format!("apispm.c{}.{case}", std::process::id());
        rt.block_on(async {
            let js = async_nats::jetstream::new(client.clone());
            let _ = js.delete_stream(&name).await;
            js.create_stream(async_nats::jetstream::stream::Config {
                name: name.clone(),
                subjects: vec![subject.clone()],
                ..Default::default()
            })
            .await
            .unwrap();
            for chunk in records.chunks(500) {
                let mut acks = Vec::new();
                for r in chunk {
                    acks.push(js.publish(subject.clone(), r.clone().into()).await.unwrap());
                }
                for a in acks {
                    a.await.unwrap();
                }
            }
        });
        Some((name, subject))
    }

    fn delete(name: &str) {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            if let Ok(c) = async_nats::connect(url()).await {
                let _ = async_nats::jetstream::new(c).delete_stream(name).await;
            }
        });
    }

    #[test]
    fn a_killed_process_is_taken_over_without_loss_or_double_counting() {
        let records = kong_records();
        let (Some(shared), Some(alone)) = (schema("cli_nats"), schema("cli_nats_alone")) else {
            return;
        };
        let Some((stream, _)) = stream_with("kill", &records) else {
            return;
        };
        let db = shared.url();
        let nats = url();
        let args = |extra: &[&'static str]| -> Vec<String> {
            let mut v: Vec<String> = [
                "ingest",
                "--db",
                &db,
                "--nats-url",
                &nats,
                "--nats-stream",
                &stream,
                "--nats-consumer",
                "apispm",
                "--nats-ack-wait",
                "2s",
                "--log-format",
                "kong",
                "--stream-batch",
                "25",
                "--stream-linger",
                "100ms",
            ]
            .iter()
            .map(|s| s.to_string())
            .collect();
            v.extend(extra.iter().map(|s| s.to_string()));
            v
        };
        let first_args = args(&[]);
        let mut first = spawn(&first_args.iter().map(String::as_str).collect::<Vec<_>>());
        assert!(
            wait_for(60, || records_in(&db) >= 100),
            "the first process stored nothing"
        );
        first.kill().unwrap(); // SIGKILL, mid-stream
        let _ = first.wait();
        let stored_by_first = records_in(&db);
        assert!(
            stored_by_first < records.len() as u64,
            "killed after the end: {stored_by_first}"
        );
        let second_args = args(&["--stream-idle-exit", "5s"]);
        let log = finish(
            spawn(&second_args.iter().map(String::as_str).collect::<Vec<_>>()),
            "the second process",
        );
        assert!(log.contains("consumed"), "{log}");
        assert_eq!(records_in(&db), records.len() as u64, "{log}");
        let engine = engine();
        assert_eq!(
            merged(&mut shared.open()),
            single_ingest(&engine, &mut alone.open(), &records),
            "first stored {stored_by_first}; {log}"
        );
        delete(&stream);
    }
}

#[cfg(feature = "kafka")]
mod kafka {
    use super::*;
    use rdkafka::ClientConfig;
    use rdkafka::consumer::{BaseConsumer, Consumer};
    use rdkafka::mocking::MockCluster;
    use rdkafka::producer::{BaseProducer, BaseRecord, Producer};
    use rdkafka::{Offset, TopicPartitionList};

    const PARTITIONS: i32 = 4;

    fn produce(brokers: &str, topic: &str, records: &[Vec<u8>]) {
        let producer: BaseProducer = ClientConfig::new()
            .set("bootstrap.servers", brokers)
            .create()
            .unwrap();
        for (i, r) in records.iter().enumerate() {
            let key = i.to_string();
            let mut rec = BaseRecord::to(topic)
                .key(&key)
                .payload(r)
                .partition(i as i32 % PARTITIONS);
            while let Err((_, back)) = producer.send(rec) {
                producer.poll(Duration::from_millis(50));
                rec = back;
            }
            producer.poll(Duration::ZERO);
        }
        producer.flush(Duration::from_secs(30)).unwrap();
    }

    fn ingest_args(db: &str, brokers: &str, topic: &str, extra: &[&str]) -> Vec<String> {
        // Small batches, so that a kill lands between batches rather than after the last.
        let mut v: Vec<String> = [
            "ingest",
            "--db",
            db,
            "--kafka-brokers",
            brokers,
            "--kafka-topic",
            topic,
            "--kafka-group",
            "apispm",
            "--log-format",
            "kong",
            "--stream-batch",
            "25",
            "--stream-linger",
            "100ms",
            "--kafka-option",
            "session.timeout.ms=6000",
            "--kafka-option",
            "heartbeat.interval.ms=500",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        v.extend(extra.iter().map(|s| s.to_string()));
        v
    }

    fn run(args: &[String]) -> Child {
        spawn(&args.iter().map(String::as_str).collect::<Vec<_>>())
    }

    #[test]
    fn a_killed_process_is_taken_over_and_sigterm_commits_what_is_stored() {
        let records = kong_records();
        let (Some(shared), Some(alone)) = (schema("cli_kafka"), schema("cli_kafka_alone")) else {
            return;
        };
        let cluster = MockCluster::new(3).unwrap();
        let topic = "gateway-logs";
        cluster.create_topic(topic, PARTITIONS, 1).unwrap();
        let brokers = cluster.bootstrap_servers();
        let db = shared.url();
        // Half the log first; a process reads some of it and is killed with SIGKILL.
        let (early, late) = records.split_at(records.len() / 2);
        produce(&brokers, topic, early);
        let mut first = run(&ingest_args(&db, &brokers, topic, &[]));
        assert!(wait_for(60, || records_in(&db) >= 100), "nothing stored");
        first.kill().unwrap();
        let _ = first.wait();
        let stored_by_first = records_in(&db);
        assert!(
            stored_by_first < early.len() as u64,
            "killed after the end: {stored_by_first}"
        );
        // A second process takes the partitions over and is stopped with SIGTERM once the
        // first half is in; then the second half comes and a third process reads it to the end.
        let second = run(&ingest_args(&db, &brokers, topic, &[]));
        assert!(
            wait_for(90, || records_in(&db) == early.len() as u64),
            "the first half was not stored exactly once: {}",
            records_in(&db)
        );
        let term = Command::new("kill")
            .args(["-TERM", &second.id().to_string()])
            .status()
            .unwrap();
        assert!(term.success());
        let log = finish(second, "the SIGTERMed process");
        assert!(log.contains("consumed"), "{log}");
        // Everything it stored is committed to Kafka: the group's offsets match the store's.
        let mut store = shared.open();
        let consumer: BaseConsumer = ClientConfig::new()
            .set("bootstrap.servers", &brokers)
            .set("group.id", "apispm")
            .create()
            .unwrap();
        let mut tpl = TopicPartitionList::new();
        for p in 0..PARTITIONS {
            tpl.add_partition(topic, p);
        }
        let committed = consumer
            .committed_offsets(tpl, Duration::from_secs(10))
            .unwrap();
        use apispm_store::Store;
        for p in 0..PARTITIONS {
            let stored = store
                .checkpoint(&format!("kafka:{topic}/{p}"))
                .unwrap()
                .map(|c| c.offset as i64);
            let kafka = committed
                .find_partition(topic, p)
                .map(|e| e.offset())
                .unwrap();
            assert_eq!(kafka, Offset::Offset(stored.unwrap()), "partition {p}");
        }
        produce(&brokers, topic, late);
        let third = run(&ingest_args(
            &db,
            &brokers,
            topic,
            &["--stream-idle-exit", "8s"],
        ));
        finish(third, "the third process");
        assert_eq!(records_in(&db), records.len() as u64);
        let engine = engine();
        assert_eq!(
            merged(&mut store),
            single_ingest(&engine, &mut alone.open(), &records)
        );
    }
}

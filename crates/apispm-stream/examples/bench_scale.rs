//! The scale-out benchmark behind `docs/scaling.md` (run by `scripts/bench-scale.sh`).
//!
//! `pipeline`: what one consumer worker does per batch, without a broker: parse a batch of
//! records, key and tally them (the CPU part), then merge the batch into the store (the store
//! part), with W workers on disjoint shards writing one database at once. Synthetic records
//! with a chosen number of distinct endpoints (seed format: declared templates) or of distinct
//! concrete URLs over fixed templates (Kong format: templates learned).
//!
//! `nats`: the same through the real NATS server: publish N records, one per message, then
//! time W workers of one durable consumer draining them.
//!
//!   bench_scale pipeline --db URL [--records N] [--endpoints E] [--urls U --ids int|name]
//!                        [--batch B] [--workers W] [--partition batch|service]
//!                        [--snapshot yes]
//!   bench_scale nats --db URL [--nats URL] [--records N] [--batch B] [--workers W]
//!
//! Prints one JSON object per run.

use apispm_engine::{Engine, EngineConfig};
use apispm_policy::PolicySet;
use apispm_posture::BatchBuilder;
use apispm_readers::LogFormat;
use std::collections::HashMap;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

fn engine() -> Engine {
    Engine::new(EngineConfig {
        risk: Default::default(),
        policies: PolicySet::builtin(),
        exposure: Default::default(),
        specs: Vec::new(),
        owners: Vec::new(),
        compliance: Default::default(),
    })
}

/// A cheap deterministic scramble, so that endpoints are hit in no particular order.
fn mix(i: u64) -> u64 {
    let mut x = i.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

const T0: i64 = 1_767_225_600_000;

/// Seed-format records over `endpoints` declared endpoints (√E services × √E paths).
fn seed_record(i: u64, endpoints: u64) -> (u64, String) {
    let e = mix(i) % endpoints;
    let services = (endpoints as f64).sqrt().ceil() as u64;
    let (svc, path) = (e % services, e / services);
    let t = T0 + (i as i64 % 21_600) * 1_000; // six hourly buckets
    let auth = if mix(e) % 5 == 0 {
        ""
    } else {
        r#","Authorization":"Bearer x""#
    };
    let line = format!(
        r#"{{"service":"svc-{svc}","method":"GET","path":"/api/v1/r{path}/{{id}}","classification":"external","documented":true,"scheme":"https","status":200,"timestamp":{t},"request_headers":{{"Host":"svc-{svc}.example.com"{auth}}},"response_headers":{{"X-RateLimit-Limit":"100","Content-Type":"application/json"}}}}"#
    );
    (svc, line)
}

/// Kong records over 1,000 templates whose path parameter takes `urls` distinct values:
/// integers (typed, a parameter on sight) or words (learned from how many there are).
fn kong_record(i: u64, urls: u64, names: bool) -> (u64, String) {
    let h = mix(i);
    let template = h % 1_000;
    let (svc, res) = (template % 50, template / 50);
    let value = mix(h) % urls;
    let id = if names {
        // Lowercase words, like user or repository names: nothing marks them as ids, so the
        // template learner must see enough siblings first.
        let mut v = value;
        let mut w = String::new();
        loop {
            w.push((b'a' + (v % 26) as u8) as char);
            v /= 26;
            if v == 0 {
                break;
            }
        }
        w
    } else {
        value.to_string()
    };
    let t = T0 + (i as i64 % 21_600) * 1_000;
    let line = format!(
        r#"{{"started_at":{t},"client_ip":"203.0.113.7","service":{{"name":"svc-{svc}"}},"request":{{"method":"GET","uri":"/api/v1/res{res}/{id}/items","url":"https://svc-{svc}.example.com/api/v1/res{res}/{id}/items","headers":{{"host":"svc-{svc}.example.com","authorization":"REDACTED"}}}},"response":{{"status":200,"headers":{{"x-ratelimit-limit":"100"}}}}}}"#
    );
    (svc, line)
}

struct Args {
    mode: String,
    db: String,
    nats: String,
    records: u64,
    endpoints: u64,
    urls: Option<u64>,
    names: bool,
    batch: usize,
    workers: usize,
    /// Give each worker the records of its own services (as a topic keyed by service
    /// would), instead of every W-th batch of all records.
    by_service: bool,
    /// Time a snapshot after the ingest.
    snapshot: bool,
}

fn args() -> Args {
    let mut it = std::env::args().skip(1);
    let mut a = Args {
        mode: it.next().unwrap_or_else(|| "pipeline".into()),
        db: String::new(),
        nats: "nats://127.0.0.1:4222".into(),
        records: 100_000,
        endpoints: 10_000,
        urls: None,
        names: false,
        batch: 5_000,
        workers: 1,
        by_service: false,
        snapshot: false,
    };
    while let Some(k) = it.next() {
        let v = it.next().unwrap_or_default();
        match k.as_str() {
            "--db" => a.db = v,
            "--nats" => a.nats = v,
            "--records" => a.records = v.parse().expect("--records N"),
            "--endpoints" => a.endpoints = v.parse().expect("--endpoints E"),
            "--urls" => a.urls = Some(v.parse().expect("--urls U")),
            "--ids" => a.names = v == "name",
            "--batch" => a.batch = v.parse().expect("--batch B"),
            "--workers" => a.workers = v.parse().expect("--workers W"),
            "--partition" => a.by_service = v == "service",
            "--snapshot" => a.snapshot = v == "yes",
            other => panic!("unknown option {other}"),
        }
    }
    assert!(!a.db.is_empty(), "--db URL is required");
    a
}

#[derive(Default, Clone, Copy)]
struct WorkerTimes {
    build: Duration,
    store: Duration,
    batches: u64,
    rows: u64,
}

fn pipeline(a: &Args) {
    let engine = engine();
    let (format, lines): (LogFormat, Vec<(u64, String)>) = match a.urls {
        Some(u) => (
            LogFormat::Kong,
            (0..a.records).map(|i| kong_record(i, u, a.names)).collect(),
        ),
        None => (
            LogFormat::Seed,
            (0..a.records)
                .map(|i| seed_record(i, a.endpoints))
                .collect(),
        ),
    };
    let started = Instant::now();
    let times: Vec<WorkerTimes> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..a.workers)
            .map(|w| {
                let (engine, lines) = (&engine, &lines);
                s.spawn(move || {
                    let mut store = apispm_store::open(&a.db).expect("store");
                    let mut t = WorkerTimes::default();
                    // Disjoint shards of one stream: every W-th batch, or the worker's services.
                    let mine: Vec<&str> = if a.by_service {
                        lines
                            .iter()
                            .filter(|(svc, _)| *svc as usize % a.workers == w)
                            .map(|(_, l)| l.as_str())
                            .collect()
                    } else {
                        lines.iter().map(|(_, l)| l.as_str()).collect()
                    };
                    for (n, chunk) in mine.chunks(a.batch).enumerate() {
                        if !a.by_service && n % a.workers != w {
                            continue;
                        }
                        let t0 = Instant::now();
                        let mut data = chunk.join("\n");
                        data.push('\n');
                        let mut builder = BatchBuilder::new(engine, T0);
                        apispm_readers::read_bytes(
                            data.as_bytes(),
                            format,
                            "bench",
                            1,
                            &mut builder,
                        )
                        .expect("parsed");
                        let batch = builder.into_parts().into_batch(
                            format!("bench-{w}-{n}-{}", apispm_posture::now_ms()),
                            "bench".into(),
                            0,
                            Vec::new(),
                            T0,
                        );
                        let t1 = Instant::now();
                        store.apply_batch(&batch).expect("stored");
                        t.store += t1.elapsed();
                        t.build += t1 - t0;
                        t.batches += 1;
                        t.rows += batch.aggregates.len() as u64;
                    }
                    t
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let wall = started.elapsed().as_secs_f64();
    let build: f64 = times.iter().map(|t| t.build.as_secs_f64()).sum();
    let store: f64 = times.iter().map(|t| t.store.as_secs_f64()).sum();
    let batches: u64 = times.iter().map(|t| t.batches).sum();
    let rows: u64 = times.iter().map(|t| t.rows).sum();
    let mut s = apispm_store::open(&a.db).expect("store");
    let keys = s.endpoint_facts().expect("facts").len();
    let (snapshot_s, snapshot_endpoints, findings) = if a.snapshot {
        let t = Instant::now();
        let taken =
            apispm_posture::take(&engine, s.as_mut(), 7 * 86_400_000, T0).expect("snapshot");
        (
            Some(t.elapsed().as_secs_f64()),
            Some(taken.meta.endpoints),
            Some(taken.meta.open_findings),
        )
    } else {
        (None, None, None)
    };
    println!(
        "{}",
        serde_json::json!({
            "mode": "pipeline",
            "format": if a.urls.is_some() { "kong" } else { "seed" },
            "records": a.records,
            "endpoints": if a.urls.is_some() { serde_json::Value::Null } else { a.endpoints.into() },
            "urls": a.urls,
            "ids": if a.names { "name" } else { "int" },
            "batch": a.batch,
            "workers": a.workers,
            "partition": if a.by_service { "service" } else { "batch" },
            "wall_s": wall,
            "records_per_s": a.records as f64 / wall,
            "per_worker_records_per_s": a.records as f64 / wall / a.workers as f64,
            "build_s": build,
            "store_s": store,
            "store_share": store / (build + store),
            "build_records_per_s_per_worker": a.records as f64 / build,
            "store_records_per_s_per_worker": a.records as f64 / store,
            "batches": batches,
            "rows_per_batch": rows as f64 / batches.max(1) as f64,
            "stored_keys": keys,
            "snapshot_s": snapshot_s,
            "snapshot_endpoints": snapshot_endpoints,
            "open_findings": findings,
        })
    );
}

fn nats_bench(a: &Args) {
    let engine = engine();
    let stream = format!("APISPM_BENCH_{}", std::process::id());
    let subject = format!("apispm.bench.{}", std::process::id());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let lines: Vec<String> = (0..a.records)
        .map(|i| kong_record(i, a.urls.unwrap_or(1_000_000), a.names).1)
        .collect();
    let client = rt.block_on(async_nats::connect(&a.nats)).expect("NATS");
    let published = Instant::now();
    rt.block_on(async {
        let js = async_nats::jetstream::new(client.clone());
        let _ = js.delete_stream(&stream).await;
        js.create_stream(async_nats::jetstream::stream::Config {
            name: stream.clone(),
            subjects: vec![subject.clone()],
            ..Default::default()
        })
        .await
        .unwrap();
        for chunk in lines.chunks(1_000) {
            let mut acks = Vec::new();
            for l in chunk {
                acks.push(
                    js.publish(subject.clone(), l.clone().into_bytes().into())
                        .await
                        .unwrap(),
                );
            }
            for ack in acks {
                ack.await.unwrap();
            }
        }
    });
    let publish_s = published.elapsed().as_secs_f64();
    let opts = apispm_stream::nats::NatsOptions {
        url: a.nats.clone(),
        stream: stream.clone(),
        consumer: "bench".into(),
        subject: None,
        ack_wait: Duration::from_secs(30),
        max_ack_pending: 100_000,
        batching: apispm_stream::Batching {
            format: LogFormat::Kong,
            workers: a.workers,
            max_messages: a.batch,
            linger: Duration::from_millis(200),
            idle_exit: Some(Duration::from_secs(2)),
            crash_after_batches: None,
        },
    };
    let quiet = |_: &str| {};
    let started = Instant::now();
    let summary = apispm_stream::nats::run(&engine, &a.db, &opts, &AtomicBool::new(false), &quiet)
        .expect("consumed");
    // The idle wait at the end is not work.
    let wall = started.elapsed().as_secs_f64() - 2.0;
    rt.block_on(async {
        let _ = async_nats::jetstream::new(client)
            .delete_stream(&stream)
            .await;
    });
    let mut counts: HashMap<&str, u64> = HashMap::new();
    counts.insert("records", summary.records);
    counts.insert("batches", summary.batches);
    println!(
        "{}",
        serde_json::json!({
            "mode": "nats",
            "records": a.records,
            "batch": a.batch,
            "workers": a.workers,
            "publish_s": publish_s,
            "wall_s": wall,
            "records_per_s": summary.records as f64 / wall,
            "per_worker_records_per_s": summary.records as f64 / wall / a.workers as f64,
            "counts": counts,
        })
    );
}

fn main() {
    let a = args();
    match a.mode.as_str() {
        "pipeline" => pipeline(&a),
        "nats" => nats_bench(&a),
        m => panic!("unknown mode {m} (pipeline or nats)"),
    }
}

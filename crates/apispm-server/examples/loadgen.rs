//! HTTP load generator for `apispm serve`: POSTs Kong http-log batches (JSON arrays, as Kong's
//! queue sends them) from several keep-alive connections and reports what was acknowledged,
//! records per second and latency percentiles as one JSON object.
//!
//! ```text
//! cargo run --release -p apispm-server --example loadgen -- \
//!     --url http://127.0.0.1:8080 --file kong.jsonl --batch 100 --connections 4 --duration 20
//! ```
//! `--requests N` sends requests 0..N (request i carries batch i mod the file's batches);
//! `--keys PREFIX` gives request i the header `Idempotency-Key: PREFIX-i`, so re-sending the
//! same range after a crash counts nothing twice. The token comes from `APISPM_TOKEN`. Only
//! loopback targets are accepted.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

struct Args {
    url: String,
    file: String,
    batch: usize,
    connections: usize,
    duration: Option<f64>,
    requests: Option<u64>,
    keys: Option<String>,
    path: String,
}

fn usage(msg: &str) -> ! {
    eprintln!("loadgen: {msg}");
    eprintln!(
        "usage: loadgen --url URL --file KONG.jsonl [--batch 100] [--connections 4] [--duration SECS | --requests N] [--keys PREFIX] [--path /api/v1/ingest/kong]"
    );
    std::process::exit(2)
}

fn args() -> Args {
    let mut a = Args {
        url: String::new(),
        file: String::new(),
        batch: 100,
        connections: 4,
        duration: None,
        requests: None,
        keys: None,
        path: "/api/v1/ingest/kong".into(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut val = || {
            it.next()
                .unwrap_or_else(|| usage(&format!("{flag} needs a value")))
        };
        match flag.as_str() {
            "--url" => a.url = val(),
            "--file" => a.file = val(),
            "--batch" => a.batch = val().parse().unwrap_or_else(|_| usage("--batch N")),
            "--connections" => {
                a.connections = val().parse().unwrap_or_else(|_| usage("--connections N"))
            }
            "--duration" => {
                a.duration = Some(val().parse().unwrap_or_else(|_| usage("--duration SECS")))
            }
            "--requests" => {
                a.requests = Some(val().parse().unwrap_or_else(|_| usage("--requests N")))
            }
            "--keys" => a.keys = Some(val()),
            "--path" => a.path = val(),
            f => usage(&format!("unknown argument {f}")),
        }
    }
    if a.url.is_empty() || a.file.is_empty() {
        usage("--url and --file are required");
    }
    let host = a
        .url
        .split("://")
        .nth(1)
        .unwrap_or("")
        .split(['/', ':'])
        .next()
        .unwrap_or("");
    if !(host == "localhost" || host.starts_with("127.") || host == "[") {
        usage("only loopback targets (127.0.0.0/8, localhost, [::1]) are allowed");
    }
    if a.duration.is_none() && a.requests.is_none() {
        a.duration = Some(10.0);
    }
    a
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn main() {
    let a = args();
    let token = std::env::var("APISPM_TOKEN").unwrap_or_default();
    let text =
        std::fs::read_to_string(&a.file).unwrap_or_else(|e| usage(&format!("{}: {e}", a.file)));
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    if lines.len() < a.batch {
        usage("the file has fewer records than --batch");
    }
    // Every body holds exactly `batch` records, wrapping around the file.
    let bodies: Arc<Vec<Vec<u8>>> = Arc::new(
        (0..lines.len() / a.batch)
            .map(|b| format!("[{}]", lines[b * a.batch..(b + 1) * a.batch].join(",")).into_bytes())
            .collect(),
    );
    let next = Arc::new(AtomicU64::new(0));
    let ok_requests = Arc::new(AtomicU64::new(0));
    let errors = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let latencies = Arc::new(Mutex::new(Vec::<f64>::new()));
    let unacked = Arc::new(Mutex::new(Vec::<u64>::new()));
    let statuses = Arc::new(Mutex::new(std::collections::BTreeMap::<u16, u64>::new()));
    let url = format!("{}{}", a.url.trim_end_matches('/'), a.path);
    let started = Instant::now();
    let deadline = a.duration.map(|d| started + Duration::from_secs_f64(d));

    let mut threads = Vec::new();
    for _ in 0..a.connections {
        let (bodies, next, ok_requests, errors, stop, latencies, unacked, statuses) = (
            bodies.clone(),
            next.clone(),
            ok_requests.clone(),
            errors.clone(),
            stop.clone(),
            latencies.clone(),
            unacked.clone(),
            statuses.clone(),
        );
        let (url, token, keys, limit) = (url.clone(), token.clone(), a.keys.clone(), a.requests);
        threads.push(std::thread::spawn(move || {
            let agent: ureq::Agent = ureq::Agent::config_builder()
                .http_status_as_error(false)
                .timeout_global(Some(Duration::from_secs(60)))
                .build()
                .into();
            let mut mine = Vec::new();
            loop {
                if stop.load(Ordering::Relaxed) || deadline.is_some_and(|d| Instant::now() >= d) {
                    break;
                }
                let i = next.fetch_add(1, Ordering::SeqCst);
                if limit.is_some_and(|n| i >= n) {
                    break;
                }
                let body = &bodies[(i as usize) % bodies.len()];
                let mut req = agent
                    .post(&url)
                    .header("Content-Type", "application/json")
                    .header("Authorization", format!("Bearer {token}"));
                if let Some(k) = &keys {
                    req = req.header("Idempotency-Key", format!("{k}-{i}"));
                }
                let t = Instant::now();
                match req.send(&body[..]) {
                    Ok(mut r) => {
                        let status = r.status().as_u16();
                        let _ = r.body_mut().read_to_string();
                        *statuses.lock().unwrap().entry(status).or_default() += 1;
                        if status == 200 {
                            ok_requests.fetch_add(1, Ordering::SeqCst);
                            mine.push(t.elapsed().as_secs_f64() * 1000.0);
                        } else {
                            unacked.lock().unwrap().push(i);
                        }
                    }
                    Err(_) => {
                        // The server is gone (killed or stopped): this request is in doubt.
                        errors.fetch_add(1, Ordering::SeqCst);
                        unacked.lock().unwrap().push(i);
                        stop.store(true, Ordering::SeqCst);
                    }
                }
            }
            latencies.lock().unwrap().extend(mine);
        }));
    }
    for t in threads {
        let _ = t.join();
    }
    let elapsed = started.elapsed().as_secs_f64();
    let mut lat = latencies.lock().unwrap().clone();
    lat.sort_by(f64::total_cmp);
    let ok = ok_requests.load(Ordering::SeqCst);
    let records = ok * a.batch as u64;
    let mut unacked = unacked.lock().unwrap().clone();
    unacked.sort_unstable();
    let attempted = next
        .load(Ordering::SeqCst)
        .min(a.requests.unwrap_or(u64::MAX));
    let statuses: Vec<String> = statuses
        .lock()
        .unwrap()
        .iter()
        .map(|(k, v)| format!("\"{k}\":{v}"))
        .collect();
    println!(
        "{{\"batch\":{},\"connections\":{},\"attempted_requests\":{attempted},\"acked_requests\":{ok},\"acked_records\":{records},\"transport_errors\":{},\"statuses\":{{{}}},\"elapsed_s\":{elapsed:.3},\"records_per_s\":{:.0},\"requests_per_s\":{:.1},\"latency_ms\":{{\"p50\":{:.2},\"p95\":{:.2},\"p99\":{:.2},\"max\":{:.2}}},\"unacked\":{:?}}}",
        a.batch,
        a.connections,
        errors.load(Ordering::SeqCst),
        statuses.join(","),
        records as f64 / elapsed,
        ok as f64 / elapsed,
        percentile(&lat, 0.5),
        percentile(&lat, 0.95),
        percentile(&lat, 0.99),
        lat.last().copied().unwrap_or(0.0),
        unacked
    );
}

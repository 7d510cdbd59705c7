//! Records per second for each reader on one core (`--ignored`, in release):
//! `cargo test --release -p apispm-readers --test gateway_readers -- --ignored --nocapture perf`

use crate::support::*;
use apispm_core::Exchange;
use apispm_readers::formats::{apigee, aws_apigw, envoy, envoy_json, har, kong, nginx};
use std::time::Instant;

fn compact(json: &str) -> String {
    let v: serde_json::Value = serde_json::from_str(json).unwrap();
    serde_json::to_string(&v).unwrap()
}

fn rate(name: &str, record: &str, parse: fn(&str) -> Result<Exchange<'_>, String>) -> f64 {
    assert!(parse(record).is_ok(), "{name}");
    if std::env::var("PERF_ONLY").is_ok_and(|o| !name.starts_with(&o)) {
        return 0.0;
    }
    let n = 300_000;
    let t = Instant::now();
    let mut sum = 0usize;
    for _ in 0..n {
        sum += parse(std::hint::black_box(record)).map_or(0, |e| e.path.len());
    }
    let per_s = n as f64 / t.elapsed().as_secs_f64();
    println!(
        "{name:12} {:>6} bytes  {:>9.0} records/s  {:>6.0} MB/s  ({sum})",
        record.len(),
        per_s,
        per_s * record.len() as f64 / 1e6
    );
    per_s
}

#[test]
#[ignore]
fn perf() {
    let kong_rec = compact(&fixture("kong/kong-3.8-sample-log-object.json"));
    let batch = fixture("kong/http-log-batch.json");
    let kong_batch = compact(json_records(&batch)[0]);
    rate("kong 3.8", &kong_rec, kong::parse);
    rate("scan only", &kong_rec, |t| {
        let mut sc = apispm_readers::jsonscan::Scanner::new(t);
        sc.skip().map_err(|e| e.describe())?;
        Ok(Exchange::default())
    });
    rate("serde skip", &kong_rec, |t| {
        serde_json::from_str::<serde::de::IgnoredAny>(t).map_err(|e| e.to_string())?;
        Ok(Exchange::default())
    });
    rate("kong batch", &kong_batch, kong::parse);
    let grpc = fixture("kong/grpc-say-hello.log");
    rate("kong 1.2", lines(&grpc)[0], kong::parse);
    let aws = fixture("aws-apigw/rest-api.jsonl");
    rate("aws", lines(&aws)[1], aws_apigw::parse);
    let e = fixture("envoy/istio-access-log-task-examples.log");
    rate("envoy", lines(&e)[0], envoy::parse);
    let ej = fixture("envoy-json/istio-json.jsonl");
    rate("envoy-json", lines(&ej)[1], envoy_json::parse);
    let ap = compact(&fixture("apigee/ax-record-fixed.json"));
    rate("apigee", &ap, apigee::parse);
    let h = fixture("har/mitmproxy2swagger/form_data_har.har");
    let entry = compact(har_entries(&h).unwrap()[0]);
    rate("har", &entry, har::parse);
    let ng = fixture("nginx/combined.log");
    rate("nginx", lines(&ng)[0], nginx::parse);
}

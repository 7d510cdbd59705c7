//! Where the time of a seed-format scan goes, stage by stage, on one core.
//! `cargo run --release -p apispm-readers --example stage_bench -- FILE.jsonl`

use apispm_core::{Inventory, Observer};
use apispm_readers::LogFormat;
use std::time::Instant;

fn main() {
    let path = std::env::args()
        .nth(1)
        .expect("a seed-format JSON lines file");
    let data = std::fs::read(&path).unwrap();
    let lines: Vec<&[u8]> = data
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .collect();
    let mb = data.len() as f64 / 1e6;
    let report = |name: &str, t: Instant| {
        let s = t.elapsed().as_secs_f64();
        println!("{name:28} {:7.1} ms  {:7.0} MB/s", s * 1e3, mb / s);
    };
    let t = Instant::now();
    let mut n = 0;
    for l in &lines {
        n += std::str::from_utf8(l).is_ok() as usize;
    }
    report("utf8 check", t);
    let t = Instant::now();
    for l in &lines {
        n += serde_json::from_slice::<serde::de::IgnoredAny>(l).is_ok() as usize;
    }
    report("serde_json IgnoredAny", t);
    let t = Instant::now();
    for l in &lines {
        n += LogFormat::Seed.parse_line(l).is_ok() as usize;
    }
    report("seed parse to Exchange", t);
    let observer = Observer::default();
    let mut inv = Inventory::new();
    let t = Instant::now();
    for l in &lines {
        if let Ok(ex) = LogFormat::Seed.parse_line(l) {
            inv.observe(&observer, &ex);
        }
    }
    report("parse + observe", t);
    println!("{n} {}", inv.len());
}

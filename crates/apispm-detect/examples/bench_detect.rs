//! Throughput of `Detector::scan` on synthetic API bodies shaped like gen_traffic.py's
//! (`{"id": …, "status": …, "note": "lorem ipsum …"}`, 30% carrying one PII field), or on the
//! `body` fields of a seed.jsonl given as the first argument.
//! `cargo run --release -p apispm-detect --example bench_detect [-- seed.jsonl]`
use std::time::Instant;

use apispm_detect::Detector;

struct XorShift(u64);
impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn body(r: &mut XorShift, pii: bool) -> String {
    let note = "lorem ipsum dolor sit amet ".repeat(1 + r.below(5) as usize);
    let mut s = format!(
        r#"{{"id": {}, "status": "ok", "note": "{note}""#,
        r.below(1_000_000)
    );
    if pii {
        match r.below(5) {
            0 => s += &format!(r#", "email": "user{}@mail.example.org""#, r.below(100_000)),
            1 => {
                s += &format!(
                    r#", "ssn": "{}-{}-{}""#,
                    100 + r.below(565),
                    10 + r.below(89),
                    1000 + r.below(8999)
                )
            }
            2 => s += r#", "card": "4532015112830366""#,
            3 => s += &format!(r#", "phone": "+1{:010}""#, r.below(10_000_000_000)),
            _ => {
                s += r#", "token": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJlX2hlcmU""#
            }
        }
    }
    s.push('}');
    s
}

fn run(name: &str, d: &Detector, bodies: &[String], min_bytes: usize) {
    let total: usize = bodies.iter().map(String::len).sum();
    let rounds = (min_bytes / total.max(1)).max(1);
    let mut found = 0usize;
    // warm-up
    for b in bodies {
        d.scan(b, &mut |_| found += 1);
    }
    found = 0;
    let t = Instant::now();
    for _ in 0..rounds {
        for b in bodies {
            d.scan(b, &mut |_| found += 1);
        }
    }
    let secs = t.elapsed().as_secs_f64();
    let mb = (total * rounds) as f64 / 1e6;
    println!(
        "{name:<28} {:>8.1} MB in {:>6.3} s = {:>7.1} MB/s  ({} bodies/round, avg {} B, {} findings)",
        mb,
        secs,
        mb / secs,
        bodies.len(),
        total / bodies.len().max(1),
        found / rounds
    );
}

fn main() {
    let d = Detector::new();
    let mut r = XorShift(0x2545_F491_4F6C_DD1D);
    if let Some(path) = std::env::args().nth(1) {
        let text = std::fs::read_to_string(&path).expect("read file");
        let bodies: Vec<String> = text
            .lines()
            .filter_map(|l| {
                let key = "\"body\": \"";
                let at = l.find(key)? + key.len();
                let end = l.rfind("\"}")?;
                Some(l[at..end].replace("\\\"", "\""))
            })
            .collect();
        run(&format!("file {path}"), &d, &bodies, 1_000_000_000);
        return;
    }
    let clean: Vec<String> = (0..20_000).map(|_| body(&mut r, false)).collect();
    let mixed: Vec<String> = (0..20_000)
        .map(|_| {
            let pii = r.below(10) < 3;
            body(&mut r, pii)
        })
        .collect();
    run("synthetic, no PII", &d, &clean, 1_000_000_000);
    run("synthetic, 30% PII", &d, &mixed, 1_000_000_000);
    let big: String = clean.concat();
    run("one 2.6 MB body", &d, &[big], 1_000_000_000);
    // adversarial shapes: the pass must stay linear
    let b64: String = (0..1_000_000)
        .map(|_| {
            char::from(
                b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
                    [r.below(64) as usize],
            )
        })
        .collect();
    run("adversarial: 1 MB base64", &d, &[b64], 200_000_000);
    run(
        "adversarial: digit groups",
        &d,
        &["4111 1111-1111.1111 ".repeat(50_000)],
        200_000_000,
    );
    run(
        "adversarial: BEGIN lines",
        &d,
        &["-----BEGIN PRIVATE KEY-----\\n".repeat(30_000)],
        200_000_000,
    );
    run(
        "adversarial: @ and dots",
        &d,
        &["a.b@c.d.e.f@g.h ".repeat(60_000)],
        200_000_000,
    );
    run(
        "adversarial: eyJ parts",
        &d,
        &["eyJhbGciOiJIUzI1NiJ9.eyJ.".repeat(40_000)],
        200_000_000,
    );
    run(
        "adversarial: colons",
        &d,
        &["1:2::3:a:b::c:".repeat(70_000)],
        200_000_000,
    );
}

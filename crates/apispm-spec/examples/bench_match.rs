//! Microbenchmark of `Matcher::find` over a large spec, Stripe's by default:
//! `cargo run --release -p apispm-spec --example bench_match -- [SPEC]`
//!
//! Requests are the spec's own operations with parameters filled in, plus as many that match
//! nothing (shadow traffic), so both the hit and the miss paths are timed.

use std::hint::black_box;
use std::time::Instant;

fn concrete(template: &str) -> String {
    let mut out = String::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let Some(len) = rest[open..].find('}') else {
            break;
        };
        out.push_str(&rest[..open]);
        out.push_str(if rest[open..open + len].ends_with('+') {
            "a1/b2"
        } else {
            "x1y2z3"
        });
        rest = &rest[open + len + 1..];
    }
    out.push_str(rest);
    out
}

fn main() {
    let path = std::env::args().nth(1).unwrap_or_else(|| {
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/corpus/stripe-openapi/spec3.json"
        )
        .to_string()
    });
    let text = std::fs::read_to_string(&path).expect("read spec");
    let mut best = f64::MAX;
    let mut spec = None;
    for _ in 0..5 {
        let t = Instant::now();
        let s = apispm_spec::load(&text, &path).expect("load");
        best = best.min(t.elapsed().as_secs_f64());
        spec = Some(s);
    }
    let spec = spec.unwrap();
    println!(
        "{path}: {} bytes, {} operations, load {:.1} ms (best of 5)",
        text.len(),
        spec.operations.len(),
        best * 1e3
    );

    let t = Instant::now();
    let specs = vec![spec];
    let m = apispm_spec::Matcher::new(&specs);
    println!("matcher built in {:.2} ms", t.elapsed().as_secs_f64() * 1e3);

    let srv = &specs[0].servers[0];
    let host = srv.host.clone();
    let mut reqs: Vec<(String, String)> = Vec::new();
    for op in &specs[0].operations {
        let p = format!("{}{}", srv.base_path, concrete(&op.template));
        reqs.push((op.method.clone(), p.clone()));
        reqs.push((
            op.method.clone(),
            format!("{p}/undocumented-{}", reqs.len()),
        ));
    }
    let hits = reqs
        .iter()
        .filter(|(me, p)| m.find(host.as_deref(), me, p).is_some())
        .count();
    println!("{} requests, {hits} matched", reqs.len());

    let rounds = 2000usize;
    let t = Instant::now();
    let mut found = 0usize;
    for _ in 0..rounds {
        for (me, p) in &reqs {
            if black_box(m.find(black_box(host.as_deref()), me, p)).is_some() {
                found += 1;
            }
        }
    }
    let ns = t.elapsed().as_nanos() as f64 / (rounds * reqs.len()) as f64;
    println!(
        "{:.0} ns/lookup ({} lookups, {found} hits)",
        ns,
        rounds * reqs.len()
    );
}

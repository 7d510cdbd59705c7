//! Template-inference benchmark: learns templates from the traffic written by
//! `scripts/template-f1.py` and scores them against the API descriptions' real templates.
//!
//! cargo run --release -p apispm-template --example f1 -- traffic.tsv truth.json [--show N]
//!
//! The traffic is split across two learners (as two pipeline workers would) that are merged;
//! every distinct (method, key) that `observe` returned is mapped through the final templater,
//! and the set of (method, template) is compared with the truth, placeholder names ignored.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use apispm_template::{Config, Learner};

fn normalize(t: &str) -> String {
    let mut out = String::with_capacity(t.len());
    let mut depth = 0;
    for c in t.chars() {
        match c {
            '{' => {
                if depth == 0 {
                    out.push_str("{}");
                }
                depth += 1;
            }
            '}' if depth > 0 => depth -= 1,
            _ if depth > 0 => {}
            _ => out.push(c),
        }
    }
    out
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 3 {
        eprintln!("usage: f1 traffic.tsv truth.json [--show N]");
        std::process::exit(2);
    }
    let show: usize = args
        .iter()
        .position(|a| a == "--show")
        .and_then(|i| args.get(i + 1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let traffic = std::fs::read_to_string(&args[1]).expect("traffic");
    let truth: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&args[2]).expect("truth")).expect("json");

    let lines: Vec<(&str, &str, &str)> = traffic
        .lines()
        .filter_map(|l| {
            let mut it = l.splitn(3, '\t');
            Some((it.next()?, it.next()?, it.next()?))
        })
        .collect();

    // Two workers, each with its own learner, merged at the end.
    let mut workers = [
        Learner::new(Config::default()),
        Learner::new(Config::default()),
    ];
    let mut keys: BTreeSet<(String, String, String)> = BTreeSet::new();
    let mut buf = String::new();
    let t0 = Instant::now();
    for (i, (scope, method, path)) in lines.iter().enumerate() {
        workers[i % 2].observe_into(scope, method, path, &mut buf);
        if !keys.contains(&(scope.to_string(), method.to_string(), buf.clone())) {
            keys.insert((scope.to_string(), method.to_string(), buf.clone()));
        }
    }
    let learn_time = t0.elapsed();
    let [mut a, b] = workers;
    a.merge(b);
    let t1 = Instant::now();
    let templater = a.finish();
    let finish_time = t1.elapsed();

    // Throughput of observe alone, warm (the tree has seen the traffic) and cold.
    let mut cold = Learner::new(Config::default());
    let t2 = Instant::now();
    for (scope, method, path) in &lines {
        cold.observe_into(scope, method, path, &mut buf);
    }
    let cold_time = t2.elapsed();
    let reps = (2_000_000 / lines.len().max(1)).max(1);
    let t3 = Instant::now();
    for _ in 0..reps {
        for (scope, method, path) in &lines {
            cold.observe_into(scope, method, path, &mut buf);
        }
    }
    let warm_time = t3.elapsed();

    let mut predicted: BTreeMap<String, BTreeSet<(String, String)>> = BTreeMap::new();
    let mut examples: BTreeMap<(String, String, String), String> = BTreeMap::new();
    for (scope, method, key) in &keys {
        let t = templater.template(scope, key);
        let n = normalize(&t);
        examples
            .entry((scope.clone(), method.clone(), n.clone()))
            .or_insert_with(|| format!("{key} -> {t}"));
        predicted
            .entry(scope.clone())
            .or_default()
            .insert((method.clone(), n));
    }

    println!(
        "{:<20} {:>6} {:>6} {:>5} {:>5} {:>7} {:>7} {:>7}",
        "spec", "truth", "pred", "fp", "fn", "P", "R", "F1"
    );
    let (mut tp_all, mut fp_all, mut fn_all) = (0usize, 0usize, 0usize);
    let mut macro_f1 = Vec::new();
    for spec in truth["specs"].as_array().expect("specs") {
        let name = spec["name"].as_str().unwrap_or("?");
        let scope = spec["scope"].as_str().unwrap_or("?");
        let want: BTreeSet<(String, String)> = spec["ops"]
            .as_array()
            .expect("ops")
            .iter()
            .map(|o| {
                (
                    o[0].as_str().unwrap_or("").to_string(),
                    normalize(o[1].as_str().unwrap_or("")),
                )
            })
            .collect();
        let empty = BTreeSet::new();
        let got = predicted.get(scope).unwrap_or(&empty);
        let tp = got.intersection(&want).count();
        let fp = got.len() - tp;
        let fnn = want.len() - tp;
        let p = tp as f64 / got.len().max(1) as f64;
        let r = tp as f64 / want.len().max(1) as f64;
        let f1 = if p + r > 0.0 {
            2.0 * p * r / (p + r)
        } else {
            0.0
        };
        macro_f1.push(f1);
        tp_all += tp;
        fp_all += fp;
        fn_all += fnn;
        println!(
            "{:<20} {:>6} {:>6} {:>5} {:>5} {:>7.4} {:>7.4} {:>7.4}",
            name,
            want.len(),
            got.len(),
            fp,
            fnn,
            p,
            r,
            f1
        );
        if show > 0 {
            for (m, t) in got.difference(&want).take(show) {
                let ex = examples
                    .get(&(scope.to_string(), m.clone(), t.clone()))
                    .cloned()
                    .unwrap_or_default();
                println!("    FP {m} {t}    [{ex}]");
            }
            for (m, t) in want.difference(got).take(show) {
                println!("    FN {m} {t}");
            }
        }
    }
    let p = tp_all as f64 / (tp_all + fp_all).max(1) as f64;
    let r = tp_all as f64 / (tp_all + fn_all).max(1) as f64;
    let f1 = 2.0 * p * r / (p + r).max(f64::MIN_POSITIVE);
    println!(
        "{:<20} {:>6} {:>6} {:>5} {:>5} {:>7.4} {:>7.4} {:>7.4}",
        "OVERALL (micro)",
        tp_all + fn_all,
        tp_all + fp_all,
        fp_all,
        fn_all,
        p,
        r,
        f1
    );
    println!(
        "macro F1 over {} specs: {:.4}",
        macro_f1.len(),
        macro_f1.iter().sum::<f64>() / macro_f1.len().max(1) as f64
    );
    let n = lines.len() as f64;
    println!(
        "requests {}  distinct keys {}  learn+key {:.1} ms  finish {:.1} ms",
        lines.len(),
        keys.len(),
        learn_time.as_secs_f64() * 1e3,
        finish_time.as_secs_f64() * 1e3
    );
    println!(
        "observe throughput (1 thread): cold {:.2} M paths/s ({:.0} ns/path), warm {:.2} M paths/s ({:.0} ns/path) over {} paths",
        n / cold_time.as_secs_f64() / 1e6,
        cold_time.as_secs_f64() * 1e9 / n,
        n * reps as f64 / warm_time.as_secs_f64() / 1e6,
        warm_time.as_secs_f64() * 1e9 / (n * reps as f64),
        n as usize * reps
    );
    println!(
        "learner memory estimate {:.1} KiB, {} nodes",
        a.memory_estimate() as f64 / 1024.0,
        a.node_count()
    );
}

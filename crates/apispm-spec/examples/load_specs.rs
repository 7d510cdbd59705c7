//! Loads each spec named on the command line and prints what came out and how long it took:
//! `cargo run --release -p apispm-spec --example load_specs -- FILE...`
//! With `LINES=1` in the environment, each operation's line is printed too (to compare with
//! another parser's positions).

use std::time::Instant;

fn main() {
    for path in std::env::args().skip(1) {
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) => {
                println!("{path}: {e}");
                continue;
            }
        };
        let t = Instant::now();
        let r = apispm_spec::load(&text, &path);
        let took = t.elapsed();
        match r {
            Ok(s) => {
                let with_line = s.operations.iter().filter(|o| o.line.is_some()).count();
                let deprecated = s.operations.iter().filter(|o| o.deprecated).count();
                println!(
                    "{path}: {} {} ops ({deprecated} deprecated, {with_line} with line), servers {:?}, {} warnings, {:.1} ms",
                    s.openapi,
                    s.operations.len(),
                    s.servers,
                    s.warnings.len(),
                    took.as_secs_f64() * 1e3
                );
                if std::env::var_os("LINES").is_some() {
                    for o in &s.operations {
                        println!("LINE\t{}\t{}\t{:?}", o.template, o.method, o.line);
                    }
                }
                for w in s.warnings.iter().take(5) {
                    println!("    warning: {w}");
                }
            }
            Err(e) => println!("{path}: ERROR {e} ({:.1} ms)", took.as_secs_f64() * 1e3),
        }
    }
}

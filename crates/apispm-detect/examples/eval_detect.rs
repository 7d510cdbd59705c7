//! Prints precision and recall per type on tests/data/labelled.jsonl.
//! `cargo run --release -p apispm-detect --example eval_detect [-- --misses] [--heldout]`
//! (`--heldout` scores tests/data/heldout.jsonl, vectors kept out of development.)
#[path = "../tests/common/mod.rs"]
mod common;

use apispm_detect::Detector;
use apispm_detect::eval::evaluate;

fn main() {
    let heldout = std::env::args().any(|a| a == "--heldout");
    let cases = if heldout {
        common::load_file("heldout.jsonl")
    } else {
        common::load_labelled()
    };
    let rep = evaluate(&Detector::new(), &cases);
    print!("{}", rep.table());
    if std::env::args().any(|a| a == "--misses") {
        for (text, want, got, src) in &rep.misses {
            let t: String = text.chars().take(160).collect();
            println!(
                "\nMISS want={:?} got={:?}\n  src: {src}\n  text: {t:?}",
                want, got
            );
        }
    }
}

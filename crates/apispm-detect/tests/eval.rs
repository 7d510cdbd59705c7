//! Precision and recall on tests/data/labelled.jsonl (public detector test vectors plus
//! look-alikes): every type and the overall figures must reach 0.95; and the same on
//! tests/data/heldout.jsonl.
mod common;

use apispm_detect::Detector;
use apispm_detect::eval::evaluate;

#[test]
fn precision_and_recall_at_least_95_percent() {
    let cases = common::load_labelled();
    assert!(
        cases.len() >= 300,
        "labelled set too small: {}",
        cases.len()
    );
    let rep = evaluate(&Detector::new(), &cases);
    println!("{}", rep.table());
    for (text, want, got, src) in rep.misses.iter().take(20) {
        println!("miss: want {want:?} got {got:?} [{src}] {text:.120}");
    }
    for (t, n) in &rep.per_type {
        if n.tp + n.fn_ > 0 {
            assert!(
                n.precision() >= 0.95,
                "{} precision {:.3}",
                t.as_str(),
                n.precision()
            );
            assert!(
                n.recall() >= 0.95,
                "{} recall {:.3}",
                t.as_str(),
                n.recall()
            );
        }
    }
    assert!(rep.overall.precision() >= 0.95 && rep.overall.recall() >= 0.95);
    assert!(
        rep.exact as f64 / rep.cases as f64 >= 0.95,
        "exact-match accuracy"
    );
}

/// Vectors kept out of development (Stripe test cards, trufflehog, RFC examples, ...).
#[test]
fn heldout_accuracy_at_least_95_percent() {
    let cases = common::load_file("heldout.jsonl");
    let rep = evaluate(&Detector::new(), &cases);
    println!("{}", rep.table());
    assert!(
        rep.exact as f64 / rep.cases as f64 >= 0.95,
        "{:?}",
        rep.misses
    );
    assert!(rep.overall.precision() >= 0.95 && rep.overall.recall() >= 0.95);
}

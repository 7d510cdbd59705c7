//! Precision/recall over a labelled set (used by the evaluation test and example).

use std::collections::BTreeSet;

use crate::{Detector, SensitiveType};

/// One labelled text.
#[derive(Debug, Clone)]
pub struct Case {
    pub text: String,
    pub expect: BTreeSet<SensitiveType>,
    pub source: String,
}

/// Per-type counts.
#[derive(Debug, Default, Clone, Copy)]
pub struct Counts {
    pub tp: usize,
    pub fp: usize,
    pub fn_: usize,
}

impl Counts {
    pub fn precision(&self) -> f64 {
        if self.tp + self.fp == 0 {
            1.0
        } else {
            self.tp as f64 / (self.tp + self.fp) as f64
        }
    }
    pub fn recall(&self) -> f64 {
        if self.tp + self.fn_ == 0 {
            1.0
        } else {
            self.tp as f64 / (self.tp + self.fn_) as f64
        }
    }
}

/// The outcome of an evaluation run.
#[derive(Debug, Default)]
pub struct Report {
    pub per_type: Vec<(SensitiveType, Counts)>,
    pub overall: Counts,
    pub cases: usize,
    pub exact: usize,
    /// (text, expected, found, source) for every case whose type set differs.
    pub misses: Vec<(
        String,
        BTreeSet<SensitiveType>,
        BTreeSet<SensitiveType>,
        String,
    )>,
}

/// Scores `detector` on `cases`: a type counts once per case (present or not).
pub fn evaluate(detector: &Detector, cases: &[Case]) -> Report {
    let mut rep = Report {
        cases: cases.len(),
        ..Report::default()
    };
    let mut per: Vec<(SensitiveType, Counts)> = SensitiveType::ALL
        .iter()
        .map(|&t| (t, Counts::default()))
        .collect();
    for c in cases {
        let mut found = BTreeSet::new();
        detector.scan(&c.text, &mut |d| {
            found.insert(d.kind);
        });
        for (t, n) in per.iter_mut() {
            match (c.expect.contains(t), found.contains(t)) {
                (true, true) => n.tp += 1,
                (false, true) => n.fp += 1,
                (true, false) => n.fn_ += 1,
                _ => {}
            }
        }
        if found == c.expect {
            rep.exact += 1;
        } else {
            rep.misses
                .push((c.text.clone(), c.expect.clone(), found, c.source.clone()));
        }
    }
    for (_, n) in &per {
        rep.overall.tp += n.tp;
        rep.overall.fp += n.fp;
        rep.overall.fn_ += n.fn_;
    }
    rep.per_type = per;
    rep
}

impl Report {
    /// A plain-text table.
    pub fn table(&self) -> String {
        let mut s = format!(
            "{:<12} {:>5} {:>4} {:>4} {:>9} {:>7}\n",
            "type", "tp", "fp", "fn", "precision", "recall"
        );
        for (t, n) in &self.per_type {
            s += &format!(
                "{:<12} {:>5} {:>4} {:>4} {:>9.3} {:>7.3}\n",
                t.as_str(),
                n.tp,
                n.fp,
                n.fn_,
                n.precision(),
                n.recall()
            );
        }
        let o = self.overall;
        s += &format!(
            "{:<12} {:>5} {:>4} {:>4} {:>9.3} {:>7.3}\n",
            "overall",
            o.tp,
            o.fp,
            o.fn_,
            o.precision(),
            o.recall()
        );
        s += &format!(
            "cases {}  exact type-set match {} ({:.3})\n",
            self.cases,
            self.exact,
            self.exact as f64 / self.cases.max(1) as f64
        );
        s
    }
}

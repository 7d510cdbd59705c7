//! Sensitive data detection for apispm.
//!
//! One linear pass over a body or query string finds card numbers, SSNs, emails, phone
//! numbers, JWTs, secrets (API keys, private keys), IBANs and IP addresses. A byte-class table
//! skips ordinary text; only cheap triggers (digit runs, `@`, `+`, `(`, `eyJ`, `-----BEGIN`,
//! known token prefixes, long mixed-alphabet tokens) reach a detector, and every candidate goes
//! through a validator (Luhn and issuer ranges, SSN area/group/serial rules, IBAN mod-97, JWT
//! header JSON with `alg`, entropy plus a dictionary check) so that look-alikes such as
//! timestamps, decimals, UUIDs, identifiers and version strings do not fire.
//! A detection never carries the raw value: only its type, specific kind, span and a redacted
//! hint. The crate is pure: no I/O, no global state; nothing is allocated when nothing matches.

mod context;
#[doc(hidden)]
pub mod eval;
mod hint;
mod scan;
mod types;
mod validate;
mod words;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

pub use types::{Detection, SensitiveType};

/// A reusable scanner; build once, share across threads (`Sync`).
pub struct Detector {
    /// Common words, for telling identifiers and phrases from random tokens.
    dict: AhoCorasick,
}

impl std::fmt::Debug for Detector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Detector")
            .field("dictionary_words", &words::WORDS.len())
            .finish()
    }
}

impl Default for Detector {
    fn default() -> Self {
        Self::new()
    }
}

impl Detector {
    pub fn new() -> Self {
        let dict = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .build(words::WORDS)
            .expect("static word list builds");
        Detector { dict }
    }

    /// Calls `sink` once per validated finding in `text`, in order of position.
    pub fn scan(&self, text: &str, sink: &mut dyn FnMut(Detection)) {
        scan::scan(&self.dict, text, sink);
    }

    /// All findings in `text`, in order of position.
    pub fn detect(&self, text: &str) -> Vec<Detection> {
        let mut v = Vec::new();
        self.scan(text, &mut |d| v.push(d));
        v
    }
}

#[cfg(test)]
mod tests;

//! Compatibility with the seed: on the synthetic traffic the product is tested on, the set of
//! types found in each body equals the set the seed's regexes find.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::Command;

use apispm_detect::Detector;
use regex_automata::meta::Regex;

/// The seed's SENSITIVE_PATTERNS, verbatim.
fn seed_patterns() -> Vec<(&'static str, Regex)> {
    [
        ("ssn", r"\b\d{3}-\d{2}-\d{4}\b"),
        ("credit_card", r"\b\d{4}[- ]?\d{4}[- ]?\d{4}[- ]?\d{4}\b"),
        (
            "email",
            r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Z|a-z]{2,}\b",
        ),
        ("api_key", r"\b[A-Za-z0-9]{32,}\b"),
        (
            "jwt",
            r"eyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+",
        ),
        ("phone", r"\b\+?1?\d{10,15}\b"),
    ]
    .into_iter()
    .map(|(n, p)| (n, Regex::new(p).expect("seed regex")))
    .collect()
}

fn seed_types(pats: &[(&'static str, Regex)], body: &str) -> BTreeSet<String> {
    pats.iter()
        .filter(|(_, re)| re.is_match(body))
        .map(|(n, _)| n.to_string())
        .collect()
}

fn our_types(d: &Detector, body: &str) -> BTreeSet<String> {
    let mut s = BTreeSet::new();
    d.scan(body, &mut |x| {
        s.insert(x.kind.as_str().to_string());
    });
    s
}

fn compare(bodies: &[String]) -> (usize, Vec<String>) {
    let pats = seed_patterns();
    let d = Detector::new();
    let mut pii = 0;
    let mut diffs = Vec::new();
    for b in bodies {
        let want = seed_types(&pats, b);
        let got = our_types(&d, b);
        if !want.is_empty() {
            pii += 1;
        }
        if want != got && diffs.len() < 10 {
            diffs.push(format!("seed {want:?} ours {got:?} in {b}"));
        }
    }
    (pii, diffs)
}

fn shared_dir() -> Option<PathBuf> {
    if let Ok(p) = std::env::var("APISPM_SHARED") {
        return Some(PathBuf::from(p));
    }
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let p = here.join("../../../shared");
    p.join("tools/gen_traffic.py").exists().then_some(p)
}

/// The real generator (`gen_traffic.py OUT 20000 5 --consistent`) when python3 and shared/
/// are present.
#[test]
fn seed_equivalence_on_generated_traffic() {
    let Some(shared) = shared_dir() else {
        eprintln!("shared/tools/gen_traffic.py not found; covered by the built-in generator test");
        return;
    };
    let out = std::env::temp_dir().join(format!("apispm-detect-gen-{}", std::process::id()));
    let status = Command::new("python3")
        .arg(shared.join("tools/gen_traffic.py"))
        .arg(&out)
        .args(["20000", "5", "--consistent"])
        .status();
    match status {
        Ok(s) if s.success() => {}
        other => {
            eprintln!("python3 gen_traffic.py unavailable ({other:?}); skipped");
            return;
        }
    }
    let text = std::fs::read_to_string(out.join("seed.jsonl")).expect("seed.jsonl");
    let bodies: Vec<String> = text
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("json");
            v["body"].as_str().unwrap_or("").to_string()
        })
        .collect();
    let _ = std::fs::remove_dir_all(&out);
    assert_eq!(bodies.len(), 20000);
    let (pii, diffs) = compare(&bodies);
    assert!(pii > 500, "generator produced too few PII bodies: {pii}");
    assert!(
        diffs.is_empty(),
        "{} differences, e.g.:\n{}",
        diffs.len(),
        diffs.join("\n")
    );
}

/// A Rust rendition of gen_traffic.py's `body()`, so the property holds without python.
#[test]
fn seed_equivalence_on_builtin_bodies() {
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    let mut bodies = Vec::new();
    for _ in 0..20000 {
        bodies.push(synthetic_body(&mut rng));
    }
    let (pii, diffs) = compare(&bodies);
    assert!(pii > 2000);
    assert!(
        diffs.is_empty(),
        "{} differences, e.g.:\n{}",
        diffs.len(),
        diffs.join("\n")
    );
}

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
    fn range(&mut self, a: u64, b: u64) -> u64 {
        a + self.below(b - a)
    }
}

fn luhn_complete(prefix15: &str) -> String {
    let total: u32 = prefix15
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, c)| {
            let mut d = u32::from(c - b'0');
            if i % 2 == 0 {
                d *= 2;
                if d > 9 {
                    d -= 9;
                }
            }
            d
        })
        .sum();
    format!("{prefix15}{}", (10 - total % 10) % 10)
}

fn synthetic_body(r: &mut XorShift) -> String {
    let status = ["ok", "pending", "done"][r.below(3) as usize];
    let note = "lorem ipsum dolor sit amet ".repeat(r.range(1, 6) as usize);
    let mut s = format!(
        r#"{{"id": {}, "status": "{status}", "note": "{note}""#,
        r.below(1_000_000)
    );
    if r.below(10) < 3 {
        match r.below(5) {
            0 => s += &format!(r#", "email": "user{}@mail.example.org""#, r.below(100_000)),
            1 => {
                s += &format!(
                    r#", "ssn": "{:03}-{:02}-{:04}""#,
                    r.range(100, 665),
                    r.range(10, 99),
                    r.range(1000, 9999)
                )
            }
            2 => {
                let p: String = std::iter::once('4')
                    .chain((0..14).map(|_| char::from(b'0' + r.below(10) as u8)))
                    .collect();
                s += &format!(r#", "card": "{}""#, luhn_complete(&p));
            }
            3 => {
                let p: String = (0..10)
                    .map(|_| char::from(b'0' + r.below(10) as u8))
                    .collect();
                s += &format!(r#", "phone": "+1{p}""#);
            }
            _ => {
                s += r#", "token": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJlX2hlcmU""#
            }
        }
    }
    s.push('}');
    s
}

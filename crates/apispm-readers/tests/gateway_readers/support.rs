//! Cutting fixture files into records the way the pipeline hands them to a reader.

use apispm_core::Exchange;
use apispm_readers::jsonscan::Scanner;
use std::path::Path;

pub fn fixture(rel: &str) -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// The non-blank lines of a text log.
pub fn lines(text: &str) -> Vec<&str> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect()
}

/// The elements of a JSON array, as text.
fn array_elements(t: &str) -> Vec<&str> {
    let mut spans = Vec::new();
    let mut sc = Scanner::new(t);
    sc.array(|sc| {
        let a = sc.pos();
        sc.skip()?;
        spans.push((a, sc.pos()));
        Ok(())
    })
    .unwrap_or_else(|e| panic!("fixture array: {}", e.describe()));
    spans.into_iter().map(|(a, b)| t[a..b].trim()).collect()
}

/// A JSON log file as records: the elements of a top-level array (a batch), one document
/// when the file is a single (possibly pretty-printed) value or starts with a line that is
/// just `{`, else one record per line.
pub fn json_records(text: &str) -> Vec<&str> {
    let t = text.trim();
    if t.starts_with('[') {
        return array_elements(t);
    }
    let mut sc = Scanner::new(t);
    if sc.skip().and_then(|_| sc.finish()).is_ok() || t.lines().next() == Some("{") {
        return vec![t];
    }
    lines(t)
}

/// The entries of a HAR document (`log.entries[]`), as text.
pub fn har_entries(text: &str) -> Result<Vec<&str>, String> {
    let t = text.trim_start_matches('\u{feff}').trim();
    let mut sc = Scanner::new(t);
    let mut span = None;
    sc.object(|sc, key| {
        if !key.is("log") {
            return sc.skip();
        }
        sc.object(|sc, key| {
            if key.is("entries") {
                let a = sc.pos();
                sc.skip()?;
                span = Some((a, sc.pos()));
                Ok(())
            } else {
                sc.skip()
            }
        })
    })
    .map_err(|e| e.describe())?;
    let (a, b) = span.ok_or("not a HAR document: no log.entries")?;
    Ok(array_elements(t[a..b].trim()))
}

/// Every record parsed: the exchanges read and the reasons of those refused.
pub struct Outcome<'a> {
    pub ok: Vec<Exchange<'a>>,
    pub errors: Vec<String>,
}

pub fn read<'a>(
    records: &[&'a str],
    parse: fn(&'a str) -> Result<Exchange<'a>, String>,
) -> Outcome<'a> {
    let mut out = Outcome {
        ok: Vec::new(),
        errors: Vec::new(),
    };
    for r in records {
        match parse(r) {
            Ok(ex) => out.ok.push(ex),
            Err(e) => {
                assert!(!e.is_empty(), "an empty reason for {r}");
                out.errors.push(e)
            }
        }
    }
    out
}

/// `(service, method, route or path)`: the endpoint an exchange counts for.
pub fn endpoint(ex: &Exchange<'_>) -> (String, String, String) {
    (
        ex.service
            .as_deref()
            .or(ex.host.as_deref())
            .unwrap_or("unknown")
            .to_string(),
        ex.method.to_string(),
        ex.route.as_deref().unwrap_or(&ex.path).to_string(),
    )
}

pub fn ep(service: &str, method: &str, path: &str) -> (String, String, String) {
    (service.into(), method.into(), path.into())
}

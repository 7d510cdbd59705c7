//! The seed's traffic sample, one JSON object per line:
//! `service method path classification` are required; `documented scheme request_headers
//! response_headers has_schema_validation status timestamp body request_body response_body`
//! are optional. Unknown keys are ignored so that richer producers can add fields.

use crate::format::Spare;
use crate::jsonscan::{Kind, Scanner};
use apispm_core::{Classification, Declared, Exchange};
use std::borrow::Cow;

pub fn looks_like(keys: &[String]) -> bool {
    let has = |k: &str| keys.iter().any(|x| x == k);
    has("service") && has("method") && has("path") && has("classification")
}

/// Methods are tokens (RFC 9110); normalised to upper case so `get` and `GET` are one endpoint.
pub fn normalize_method(m: Cow<'_, str>) -> Result<Cow<'_, str>, String> {
    if m.is_empty()
        || m.len() > 32
        || !m
            .bytes()
            .all(|b| b.is_ascii_alphabetic() || b == b'-' || b == b'_')
    {
        return Err(format!(
            "bad method \"{}\"",
            m.chars().take(40).collect::<String>()
        ));
    }
    if m.bytes().any(|b| b.is_ascii_lowercase()) {
        Ok(Cow::Owned(m.to_ascii_uppercase()))
    } else {
        Ok(m)
    }
}

const FIELDS: [&str; 14] = [
    "service",
    "method",
    "path",
    "classification",
    "documented",
    "scheme",
    "request_headers",
    "response_headers",
    "has_schema_validation",
    "status",
    "timestamp",
    "body",
    "request_body",
    "response_body",
];

/// The field's index in [`FIELDS`]. Dispatching on length first keeps this to one comparison
/// for almost every key, instead of a scan over all names.
fn field_index(key: &crate::jsonscan::JStr<'_>) -> Option<usize> {
    if key.escaped {
        let decoded = key.decode();
        return FIELDS.iter().position(|f| *f == decoded);
    }
    let k = key.raw;
    let candidates: &[usize] = match k.len() {
        4 => &[2, 11],
        6 => &[1, 5, 9],
        7 => &[0],
        9 => &[10],
        10 => &[4],
        12 => &[12],
        13 => &[13],
        14 => &[3],
        15 => &[6],
        16 => &[7],
        21 => &[8],
        _ => &[],
    };
    candidates.iter().copied().find(|&i| FIELDS[i] == k)
}

pub fn parse(line: &[u8]) -> Result<Exchange<'_>, String> {
    parse_with(line, &mut Spare::default())
}

pub fn parse_with<'a>(line: &'a [u8], spare: &mut Spare) -> Result<Exchange<'a>, String> {
    // Validating UTF-8 once for the whole line is far cheaper than per string.
    let text = super::json::utf8(line)?;
    let mut sc = Scanner::new(text);
    if sc.peek().ok() != Some(Kind::Obj) {
        return Err(super::json::not_an_object(line));
    }
    let mut ex = Exchange::default();
    spare.fill(&mut ex);
    let mut service: Option<Cow<'_, str>> = None;
    let mut method: Option<Cow<'_, str>> = None;
    let mut path: Option<Cow<'_, str>> = None;
    let mut class: Option<Cow<'_, str>> = None;
    let mut seen: u32 = 0;
    let mut status = None;
    let mut declared = Declared::default();
    sc.object(|sc, key| {
        let Some(i) = field_index(&key) else {
            return sc.skip();
        };
        if seen & (1 << i) != 0 {
            return sc.err(format!("duplicate field `{}`", FIELDS[i]));
        }
        seen |= 1 << i;
        match i {
            0 => service = sc.text("service")?,
            1 => method = sc.text("method")?,
            2 => path = sc.text("path")?,
            3 => class = sc.text("classification")?,
            4 => declared.documented = if sc.null()? { None } else { Some(sc.bool()?) },
            5 => ex.scheme = sc.text("scheme")?,
            6 => sc.headers(&mut ex.request_headers, "request_headers")?,
            7 => sc.headers(&mut ex.response_headers, "response_headers")?,
            8 => declared.schema_validation = if sc.null()? { None } else { Some(sc.bool()?) },
            9 => status = sc.lenient_int("status")?,
            10 => ex.time_ms = sc.timestamp("timestamp")?,
            11 => ex.body = sc.text("body")?,
            12 => ex.request_body = sc.text("request_body")?,
            _ => ex.response_body = sc.text("response_body")?,
        }
        Ok(())
    })
    .and_then(|_| sc.finish())
    .map_err(|e| e.describe())?;

    let missing = |name: &str| format!("missing field `{name}`");
    let service = service.ok_or_else(|| missing("service"))?;
    let method = method.ok_or_else(|| missing("method"))?;
    let path = path.ok_or_else(|| missing("path"))?;
    let class = class.ok_or_else(|| missing("classification"))?;
    let classification = Classification::parse(&class).ok_or_else(|| {
        format!(
            "bad classification \"{}\" (one of external internal partner shadow deprecated)",
            class.chars().take(40).collect::<String>()
        )
    })?;
    if service.trim().is_empty() {
        return Err("empty service".into());
    }
    if path.is_empty() {
        return Err("empty path".into());
    }
    ex.method = normalize_method(method)?;
    ex.status = match status {
        None => None,
        Some(s) if (100..=599).contains(&s) => Some(s as u16),
        Some(s) => return Err(format!("bad status {s}")),
    };
    let (path, query) = super::common::split_target(path);
    ex.path = path;
    ex.query = query;
    ex.service = Some(service);
    declared.classification = Some(classification);
    declared.documented = Some(declared.documented.unwrap_or(false));
    declared.schema_validation = Some(declared.schema_validation.unwrap_or(false));
    ex.declared = declared;
    Ok(ex)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_full_record() {
        let line = br#"{"service":"svc","method":"get","path":"/a/{id}?x=1","classification":"partner","documented":true,"scheme":"https","request_headers":{"Authorization":"Bearer x","Set-Cookie":["a","b"]},"response_headers":{"X-RateLimit-Limit":100},"status":"201","timestamp":"2025-12-04T00:00:00Z","body":"hi"}"#;
        let ex = parse(line).unwrap();
        assert_eq!(ex.method, "GET");
        assert_eq!(ex.path, "/a/{id}");
        assert_eq!(ex.query.as_deref(), Some("x=1"));
        assert_eq!(ex.status, Some(201));
        assert_eq!(ex.time_ms, Some(1_764_806_400_000));
        assert_eq!(ex.request_headers.len(), 3);
        assert_eq!(ex.response_header("x-ratelimit-limit"), Some("100"));
        assert_eq!(ex.declared.classification, Some(Classification::Partner));
        assert_eq!(ex.declared.documented, Some(true));
    }

    #[test]
    fn rejects_bad_records_with_a_reason() {
        for (line, want) in [
            (&b"not json"[..], "expected"),
            (b"{}", "missing field"),
            (b"[1,2]", "not a JSON object"),
            (br#"{"service":"s","method":"GET","path":"/a","classification":"internal","documented":"yes"}"#, "true or false"),
            (br#"{"service":"s","service":"t","method":"GET","path":"/a","classification":"internal"}"#, "duplicate field"),
            (br#"{"service":"s","method":"GET","path":"/a","classification":"nonsense"}"#, "bad classification"),
            (br#"{"service":"s","method":"G T","path":"/a","classification":"internal"}"#, "bad method"),
            (br#"{"service":"s","method":"GET","path":"/a","classification":"internal","status":9999}"#, "bad status"),
            (br#"{"service":"s","method":"GET","path":"/a","classification":"internal","request_headers":{"a":{"b":1}}}"#, "header value"),
            (br#"{"service":"s","method":"GET","path":"/a","classification":"internal"} x"#, "trailing"),
        ] {
            let err = parse(line).unwrap_err();
            assert!(err.contains(want), "{err} should mention {want}");
        }
    }

    #[test]
    fn every_field_name_dispatches_to_itself() {
        for (i, f) in FIELDS.iter().enumerate() {
            let key = crate::jsonscan::JStr {
                raw: f,
                escaped: false,
            };
            assert_eq!(field_index(&key), Some(i), "{f}");
        }
        let escaped = crate::jsonscan::JStr {
            raw: "p\\u0061th",
            escaped: true,
        };
        assert_eq!(field_index(&escaped), Some(2));
    }

    use proptest::prelude::*;

    // Header names match case-insensitively, so generated names must differ in more than case.
    fn header_map() -> impl Strategy<Value = std::collections::BTreeMap<String, String>> {
        proptest::collection::btree_map("[a-z-]{1,20}", "\\PC{0,40}", 0..6)
    }

    proptest! {
        // Any record the seed's schema allows is read back field for field, whatever the
        // strings contain (escapes, unicode, quotes).
        #[test]
        fn valid_records_round_trip(
            service in "\\PC{1,30}", method in "(GET|post|Put|DELETE)", path in "/[^?]{0,40}",
            class in prop::sample::select(vec!["external", "internal", "partner", "shadow", "deprecated"]),
            documented in any::<Option<bool>>(), status in 100u16..600, body in "\\PC{0,80}",
            req in header_map(), resp in header_map(),
        ) {
            prop_assume!(!service.trim().is_empty());
            let mut v = serde_json::json!({"service": service, "method": method, "path": path,
                "classification": class, "status": status, "body": body,
                "request_headers": req, "response_headers": resp});
            if let Some(d) = documented { v["documented"] = serde_json::json!(d); }
            let line = serde_json::to_string(&v).unwrap();
            let ex = parse(line.as_bytes()).unwrap();
            prop_assert_eq!(ex.service.as_deref(), Some(service.as_str()));
            prop_assert_eq!(ex.method.as_ref(), method.to_ascii_uppercase());
            prop_assert_eq!(ex.path.as_ref(), path.as_str());
            prop_assert_eq!(ex.status, Some(status));
            prop_assert_eq!(ex.body.as_deref(), Some(body.as_str()));
            prop_assert_eq!(ex.declared.documented, Some(documented.unwrap_or(false)));
            prop_assert_eq!(ex.request_headers.len(), req.len());
            for (k, val) in &resp {
                prop_assert_eq!(ex.response_header(k), Some(val.as_str()));
            }
        }

        // Arbitrary bytes, and valid records with one byte replaced or cut short, never panic;
        // whatever is accepted is valid JSON (checked against serde_json).
        #[test]
        fn hostile_lines_never_panic(data in proptest::collection::vec(any::<u8>(), 0..400), cut in any::<prop::sample::Index>(), byte in any::<u8>()) {
            let _ = parse(&data);
            let good = br#"{"service":"s","method":"GET","path":"/a","classification":"internal","request_headers":{"A":"b"},"status":200}"#;
            let mut m = good.to_vec();
            let i = cut.index(m.len());
            m[i] = byte;
            if parse(&m).is_ok() {
                prop_assert!(serde_json::from_slice::<serde_json::Value>(&m).is_ok());
            }
            let _ = parse(&good[..i]);
        }
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let mut line = String::from(
            r#"{"service":"s","method":"GET","path":"/a","classification":"internal","x":"#,
        );
        line.push_str(&"[".repeat(100_000));
        assert!(parse(line.as_bytes()).is_err());
    }
}

//! What the three readers share: lenient JSON scalars, URL clean-up, HTML to text, the
//! redaction of sensitive values and HTTP routes named in free text.

use apispm_core::Severity;
use apispm_detect::{Detector, SensitiveType};
use serde_json::Value;

/// Longest title kept; tools sometimes put a whole paragraph in the message.
pub const TITLE_MAX: usize = 300;
/// Longest detail or remediation kept.
pub const TEXT_MAX: usize = 4000;

pub const METHODS: [&str; 9] = [
    "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE", "CONNECT",
];

/// A string field, or a number written as a string (ZAP writes every number as a string;
/// other tools write strings as numbers now and then).
pub fn text<'a>(v: Option<&'a Value>) -> Option<std::borrow::Cow<'a, str>> {
    match v? {
        Value::String(s) => Some(std::borrow::Cow::Borrowed(s.as_str())),
        Value::Number(n) => Some(std::borrow::Cow::Owned(n.to_string())),
        Value::Bool(b) => Some(std::borrow::Cow::Owned(b.to_string())),
        _ => None,
    }
}

/// A non-empty trimmed string field.
pub fn nonempty(v: Option<&Value>) -> Option<&str> {
    v?.as_str().map(str::trim).filter(|s| !s.is_empty())
}

/// A number, or a string holding one.
pub fn number(v: Option<&Value>) -> Option<f64> {
    match v? {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok(),
        _ => None,
    }
    .filter(|x| x.is_finite())
}

/// `obj[key]` for the first key present, ignoring ASCII case.
pub fn get_ci<'a>(obj: &'a serde_json::Map<String, Value>, keys: &[&str]) -> Option<&'a Value> {
    keys.iter().find_map(|k| {
        obj.get(*k).or_else(|| {
            obj.iter()
                .find(|(name, _)| name.eq_ignore_ascii_case(k))
                .map(|(_, v)| v)
        })
    })
}

/// CVSS-like 0–10 scores, with GitHub code scanning's bands for `security-severity`:
/// over 9.0 critical, 7.0–8.9 high, 4.0–6.9 medium, 0.1–3.9 low, 0 none.
pub fn cvss_severity(score: f64) -> Option<Severity> {
    if !(0.0..=10.0).contains(&score) {
        return None;
    }
    Some(if score >= 9.0 {
        Severity::Critical
    } else if score >= 7.0 {
        Severity::High
    } else if score >= 4.0 {
        Severity::Medium
    } else if score > 0.0 {
        Severity::Low
    } else {
        Severity::Info
    })
}

/// Cuts `s` to at most `max` characters, marking the cut.
pub fn clip(s: &str, max: usize) -> String {
    let s = s.trim();
    match s.char_indices().nth(max) {
        None => s.to_string(),
        Some((i, _)) => format!("{}…", s[..i].trim_end()),
    }
}

/// The first line of a message, for a title.
pub fn first_line(s: &str) -> &str {
    s.trim().lines().next().unwrap_or("").trim()
}

/// Text of an HTML fragment (ZAP's descriptions): tags dropped, paragraphs and line breaks
/// become spaces, the common entities decoded, whitespace collapsed.
pub fn html_to_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut in_tag = false;
    for c in s.chars() {
        match c {
            '<' => {
                in_tag = true;
                out.push(' ');
            }
            '>' if in_tag => in_tag = false,
            _ if in_tag => {}
            _ => out.push(c),
        }
    }
    let decoded = decode_entities(&out);
    decoded.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let end = rest[..rest.len().min(12)].find(';');
        let decoded = end.and_then(|e| {
            let name = &rest[1..e];
            let c = match name {
                "lt" => Some('<'),
                "gt" => Some('>'),
                "amp" => Some('&'),
                "quot" => Some('"'),
                "apos" | "#39" => Some('\''),
                "nbsp" => Some(' '),
                _ => name
                    .strip_prefix("#x")
                    .or_else(|| name.strip_prefix("#X"))
                    .and_then(|h| u32::from_str_radix(h, 16).ok())
                    .or_else(|| name.strip_prefix('#').and_then(|d| d.parse().ok()))
                    .and_then(char::from_u32),
            };
            c.map(|c| (c, e + 1))
        });
        match decoded {
            Some((c, len)) => {
                out.push(c);
                rest = &rest[len..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// An absolute `http`/`https` URL reduced to scheme, host, port and path. User info, the
/// query and the fragment are dropped: they are where credentials and personal values sit in
/// URLs, and a finding must not carry them. `None` for anything else.
pub fn clean_url(raw: &str) -> Option<String> {
    let raw = raw.trim();
    let (scheme, rest) = raw.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "http" && scheme != "https" {
        return None;
    }
    let end = rest
        .find(|c: char| c.is_whitespace() || c.is_control())
        .unwrap_or(rest.len());
    let rest = &rest[..end];
    let rest = rest.split(['?', '#']).next().unwrap_or("");
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    if host.is_empty()
        || !host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-._:[]%".contains(c))
    {
        return None;
    }
    Some(format!("{scheme}://{}{path}", host.to_ascii_lowercase()))
}

/// The host name of a URL or of `host[:port]`, lower-case, without port.
pub fn host_of(target: &str) -> Option<String> {
    let t = target.trim();
    let rest = t.split_once("://").map_or(t, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let authority = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let name = if let Some(v6) = authority.strip_prefix('[') {
        v6.split(']').next().unwrap_or("")
    } else {
        authority.split(':').next().unwrap_or("")
    };
    let name = name.trim_end_matches('.');
    (!name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-._:".contains(c)))
    .then(|| name.to_ascii_lowercase())
}

/// An HTTP method token, upper-cased, when `s` is one.
pub fn method(s: &str) -> Option<String> {
    let up = s.trim().to_ascii_uppercase();
    METHODS.contains(&up.as_str()).then_some(up)
}

/// A route named in free text: `GET /users/{id}` or `POST https://api.example.com/x`.
/// Returns the method and the target (a path or an absolute URL).
pub fn find_route(text: &str) -> Option<(String, String)> {
    let mut words = text.split_whitespace().peekable();
    while let Some(w) = words.next() {
        let w = w.trim_matches(|c: char| "`'\"([".contains(c));
        let Some(m) = method(w) else { continue };
        if let Some(next) = words.peek() {
            let target = next.trim_matches(|c: char| "`'\")],.;:".contains(c));
            if target.starts_with('/') || clean_url(target).is_some() {
                return Some((m, target.to_string()));
            }
        }
    }
    None
}

/// The first absolute http(s) URL in free text.
pub fn find_url(text: &str) -> Option<String> {
    let lower = text.to_ascii_lowercase();
    let mut from = 0;
    while let Some(i) = lower[from..].find("http") {
        let start = from + i;
        let cand = &text[start..];
        let end = cand
            .find(|c: char| c.is_whitespace() || "\"'<>`)]".contains(c))
            .unwrap_or(cand.len());
        let cand = cand[..end].trim_end_matches(['.', ',', ';', ':']);
        if let Some(u) = clean_url(cand) {
            return Some(u);
        }
        from = start + 4;
    }
    None
}

/// Removes sensitive values from text taken from another tool's report: values the report
/// itself flags as secrets, and whatever apispm's detector finds (keys, tokens, card numbers,
/// personal data). IP addresses stay: they name scanned hosts.
pub struct Redactor {
    detector: Detector,
}

impl Default for Redactor {
    fn default() -> Self {
        Redactor {
            detector: Detector::new(),
        }
    }
}

impl Redactor {
    pub fn redact(&self, text: &str, known_secrets: &[&str]) -> String {
        let mut s = text.to_string();
        for secret in known_secrets {
            // Short values would blank ordinary words.
            if secret.len() >= 4 && s.contains(secret) {
                s = s.replace(secret, "[REDACTED]");
            }
        }
        let hits = self.detector.detect(&s);
        if hits.iter().all(|d| d.kind == SensitiveType::IpAddress) {
            return s;
        }
        let mut out = String::with_capacity(s.len());
        let mut at = 0;
        for d in hits {
            if d.kind == SensitiveType::IpAddress || d.start < at {
                continue;
            }
            out.push_str(&s[at..d.start]);
            out.push_str("[REDACTED ");
            out.push_str(d.kind.as_str());
            out.push(']');
            at = d.end;
        }
        out.push_str(&s[at..]);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_lose_credentials_query_and_fragment() {
        assert_eq!(
            clean_url("HTTPS://user:pw@API.Example.com:8443/a/b?token=x#f").as_deref(),
            Some("https://api.example.com:8443/a/b")
        );
        assert_eq!(
            clean_url("http://example.com").as_deref(),
            Some("http://example.com/")
        );
        assert_eq!(clean_url("example.com:22"), None);
        assert_eq!(clean_url("ftp://x/y"), None);
        assert_eq!(clean_url("http:///nohost"), None);
    }

    #[test]
    fn hosts() {
        assert_eq!(
            host_of("nuclei-example.com:22").as_deref(),
            Some("nuclei-example.com")
        );
        assert_eq!(host_of("https://A.b.c./x").as_deref(), Some("a.b.c"));
        assert_eq!(host_of("http://[::1]:80/").as_deref(), Some("::1"));
        assert_eq!(host_of(""), None);
    }

    #[test]
    fn html() {
        assert_eq!(
            html_to_text("<p>Test 'Other\\</p><p>Second &amp; line &#x41;</p>"),
            "Test 'Other\\ Second & line A"
        );
        assert_eq!(html_to_text("a &bogus b"), "a &bogus b");
    }

    #[test]
    fn routes_in_text() {
        assert_eq!(
            find_route("Broken auth on `GET /users/{id}` in service x"),
            Some(("GET".into(), "/users/{id}".into()))
        );
        assert_eq!(
            find_route("post https://a.example/x?q=1."),
            Some(("POST".into(), "https://a.example/x?q=1".into()))
        );
        assert_eq!(find_route("We GET results"), None);
        assert_eq!(
            find_url("see (https://x.example/p?a=1), then").as_deref(),
            Some("https://x.example/p")
        );
    }

    #[test]
    fn cvss_bands() {
        assert_eq!(cvss_severity(9.0), Some(Severity::Critical));
        assert_eq!(cvss_severity(8.9), Some(Severity::High));
        assert_eq!(cvss_severity(4.0), Some(Severity::Medium));
        assert_eq!(cvss_severity(0.1), Some(Severity::Low));
        assert_eq!(cvss_severity(0.0), Some(Severity::Info));
        assert_eq!(cvss_severity(11.0), None);
    }

    #[test]
    fn redaction() {
        let r = Redactor::default();
        let s = r.redact(
            "AWS key AKIAIOSFODNN7EXAMPLE found, host 10.0.0.1",
            &["AKIAIOSFODNN7EXAMPLE"],
        );
        assert!(!s.contains("AKIAIOSFODNN7EXAMPLE"), "{s}");
        assert!(s.contains("10.0.0.1"));
        let s = r.redact("token ghp_16C7e42F292c6912E7710c838347Ae178B4a here", &[]);
        assert!(
            !s.contains("ghp_16C7e42F292c6912E7710c838347Ae178B4a"),
            "{s}"
        );
    }

    #[test]
    fn clipping() {
        assert_eq!(clip("abcdef", 3), "abc…");
        assert_eq!(clip("ab", 3), "ab");
        assert_eq!(clip("éééé", 2), "éé…");
    }
}

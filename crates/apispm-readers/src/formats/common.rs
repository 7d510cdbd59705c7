//! Small pieces shared by the gateway readers: unset values, statuses, request targets and
//! URLs, Common Log Format times, addresses, base64, JSON key sniffing, and unwrapping text
//! lines that a container runtime or log shipper wrapped.
//!
//! Everything here keeps borrows where the input allows, and nothing panics on any input.

use crate::jsonscan::{JStr, Kind, Scanner};
use apispm_core::{Exchange, Headers};
use std::borrow::Cow;
use std::ops::Range;

/// Gateways write an unset value as `-` (or leave it empty).
pub fn is_unset(s: &str) -> bool {
    let t = crate::jsonscan::trim(s);
    t.is_empty() || t == "-"
}

/// An object key's text: borrowed as written, decoded only when it has escapes. Inlined, so
/// the common case costs no call.
#[inline(always)]
pub fn key<'a>(k: &JStr<'a>) -> Cow<'a, str> {
    if k.escaped {
        k.decode()
    } else {
        Cow::Borrowed(k.raw)
    }
}

/// A string value's text, decoded only when it has escapes.
#[inline(always)]
pub fn jstr<'a>(v: JStr<'a>) -> Cow<'a, str> {
    if v.escaped {
        v.decode()
    } else {
        Cow::Borrowed(v.raw)
    }
}

const EMPTY_PAIR: (Cow<'static, str>, Cow<'static, str>) = (Cow::Borrowed(""), Cow::Borrowed(""));

/// A header object whose values may be strings, numbers, booleans, arrays of those, or null:
/// the same as [`Scanner::headers`], with the common case (a string value) inlined.
pub fn json_headers<'a>(
    sc: &mut Scanner<'a>,
    out: &mut Headers<'a>,
    what: &str,
) -> crate::jsonscan::Result<()> {
    match sc.peek()? {
        Kind::Obj => {}
        Kind::Null => return sc.null().map(|_| ()),
        _ => return sc.err(format!("{what}: expected an object of headers")),
    }
    sc.object(|sc, k| {
        let name = key(&k);
        match sc.peek()? {
            Kind::Str => {
                let v = jstr(sc.string_at_quote()?);
                // Filling a pushed pair field by field writes each straight into the vector;
                // pushing the pair builds it on the stack and copies it over in wider moves
                // that stall on the narrower stores just made.
                out.push(EMPTY_PAIR);
                if let Some(pair) = out.last_mut() {
                    pair.0 = name;
                    pair.1 = v;
                }
            }
            Kind::Arr => sc.array(|sc| {
                if let Some(v) = sc.text("header value")? {
                    out.push((name.clone(), v));
                }
                Ok(())
            })?,
            _ => {
                if let Some(v) = sc.text("header value")? {
                    out.push((name, v));
                }
            }
        }
        Ok(())
    })
}

/// `-` and empty text become none.
pub fn unset(v: Option<Cow<'_, str>>) -> Option<Cow<'_, str>> {
    v.filter(|s| !is_unset(s))
}

/// A logged status: `0` (no response was sent) is none; anything outside 100-599 is refused.
pub fn status(v: Option<i64>) -> Result<Option<u16>, String> {
    match v {
        None | Some(0) => Ok(None),
        Some(s) if (100..=599).contains(&s) => Ok(Some(s as u16)),
        Some(s) => Err(format!("bad status {s}")),
    }
}

/// A status written as text in a text log: `-` and `0` are none.
pub fn status_text(s: &str) -> Result<Option<u16>, String> {
    if is_unset(s) {
        return Ok(None);
    }
    match s.parse::<i64>() {
        Ok(v) => status(Some(v)),
        Err(_) => Err(format!("bad status \"{}\"", clip(s, 20))),
    }
}

/// At most `n` characters of `s`, for error messages.
pub fn clip(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

/// The part `r` of `c`, borrowed when `c` is.
pub fn sub<'a>(c: &Cow<'a, str>, r: Range<usize>) -> Cow<'a, str> {
    match c {
        Cow::Borrowed(s) => Cow::Borrowed(&s[r]),
        Cow::Owned(s) => Cow::Owned(s[r].to_string()),
    }
}

/// Splits a request target `path?query`. An empty query is none. Nothing is decoded.
pub fn split_target(p: Cow<'_, str>) -> (Cow<'_, str>, Option<Cow<'_, str>>) {
    match memchr::memchr(b'?', p.as_bytes()) {
        None => (p, None),
        Some(i) => {
            let q = (i + 1 < p.len()).then(|| sub(&p, i + 1..p.len()));
            (sub(&p, 0..i), q)
        }
    }
}

/// A URL or request target, cut into its parts without decoding anything.
#[derive(Debug, Default, PartialEq)]
pub struct Url<'a> {
    pub scheme: Option<Cow<'a, str>>,
    /// `host[:port]`, without any user info.
    pub authority: Option<Cow<'a, str>>,
    /// Never empty: a URL without a path has `/`.
    pub path: Cow<'a, str>,
    pub query: Option<Cow<'a, str>>,
}

/// Where the scheme of an absolute URL ends. A scheme is a run of scheme characters right
/// before the first `://`: scanning the run and looking for `://` after it finds the same
/// without a substring search.
fn scheme_end(s: &str) -> Option<usize> {
    let run = s
        .bytes()
        .position(|b| !(b.is_ascii_alphanumeric() || b"+-.".contains(&b)))
        .unwrap_or(s.len());
    (run > 0 && s.as_bytes()[run..].starts_with(b"://")).then_some(run)
}

/// `host[:port]` of an absolute URL whose scheme ends at `se`, without any user info.
fn authority_span(s: &str, se: usize) -> (usize, usize) {
    // Hosts are short: one plain loop finds both ends, where two searches cost more to start.
    let b = s.as_bytes();
    let (mut start, mut i) = (se + 3, se + 3);
    while let Some(&c) = b.get(i) {
        match c {
            b'/' | b'?' | b'#' => break,
            b'@' => start = i + 1,
            _ => {}
        }
        i += 1;
    }
    (start, i)
}

/// The scheme and authority of a URL, as [`parse_url`] gives them, when its path is not
/// needed.
pub fn url_origin<'a>(u: &Cow<'a, str>) -> (Option<Cow<'a, str>>, Option<Cow<'a, str>>) {
    let s: &str = u;
    let Some(se) = scheme_end(s) else {
        return (None, None);
    };
    let (auth_start, auth_end) = authority_span(s, se);
    (
        Some(sub(u, 0..se)),
        (auth_end > auth_start).then(|| sub(u, auth_start..auth_end)),
    )
}

/// Parses an absolute URL (`https://host:8443/a/b?x=1#frag`) or an origin-form target
/// (`/a/b?x=1`). Anything else (authority-form, `*`) is kept whole as the path.
pub fn parse_url(u: Cow<'_, str>) -> Url<'_> {
    let s: &str = &u;
    let Some(se) = scheme_end(s) else {
        let (path, query) = split_target(u);
        return Url {
            scheme: None,
            authority: None,
            path,
            query,
        };
    };
    let (auth_start, auth_end) = authority_span(s, se);
    let b = s.as_bytes();
    let frag = memchr::memchr(b'#', &b[auth_end..]).map_or(s.len(), |i| auth_end + i);
    let q = memchr::memchr(b'?', &b[auth_end..frag]).map(|i| auth_end + i);
    let path_end = q.unwrap_or(frag);
    let path = if path_end > auth_end {
        sub(&u, auth_end..path_end)
    } else {
        Cow::Borrowed("/")
    };
    let query = q.filter(|&i| i + 1 < frag).map(|i| sub(&u, i + 1..frag));
    Url {
        scheme: Some(sub(&u, 0..se)),
        authority: (auth_end > auth_start).then(|| sub(&u, auth_start..auth_end)),
        path,
        query,
    }
}

use apispm_core::time::days_from_civil;

fn digits(b: &[u8]) -> Option<i64> {
    if b.is_empty() || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(b.iter().fold(0i64, |a, &c| a * 10 + i64::from(c - b'0')))
}

const MONTHS: [&[u8; 3]; 12] = [
    b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec",
];

/// Common Log Format time, as nginx's `$time_local` and API Gateway's `requestTime` write it:
/// `10/Oct/2000:13:55:36 -0700` (the zone may be missing, then UTC). Epoch milliseconds.
pub fn clf_time(s: &str) -> Option<i64> {
    let b = s.trim().as_bytes();
    if b.len() < 20
        || b[2] != b'/'
        || b[6] != b'/'
        || b[11] != b':'
        || b[14] != b':'
        || b[17] != b':'
    {
        return None;
    }
    let d = digits(&b[0..2])?;
    let mon = MONTHS
        .iter()
        .position(|m| m.eq_ignore_ascii_case(&b[3..6]))? as i64
        + 1;
    let y = digits(&b[7..11])?;
    let (h, mi, se) = (
        digits(&b[12..14])?,
        digits(&b[15..17])?,
        digits(&b[18..20])?,
    );
    if !(1..=31).contains(&d) || h > 23 || mi > 59 || se > 60 {
        return None;
    }
    let mut i = 20;
    let mut ms = 0;
    if b.get(i) == Some(&b'.') {
        let start = i + 1;
        i = start;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        let frac = &b[start..i.min(start + 3)];
        ms = digits(frac)? * 10i64.pow(3 - frac.len() as u32);
    }
    let rest = &b[i..];
    let offset_min = match rest {
        [] => 0,
        [b' ', sign @ (b'+' | b'-'), zone @ ..] if zone.len() == 4 => {
            let o = digits(&zone[0..2])? * 60 + digits(&zone[2..4])?;
            if *sign == b'+' { o } else { -o }
        }
        [b' ', b'Z' | b'z'] => 0,
        _ => return None,
    };
    let secs = days_from_civil(y, mon, d) * 86400 + h * 3600 + mi * 60 + se - offset_min * 60;
    Some(secs * 1000 + ms)
}

/// The first address of a comma-separated list (`X-Forwarded-For`).
pub fn first_hop(list: &str) -> &str {
    list.split(',').next().unwrap_or("").trim()
}

/// An address without its port: `10.0.0.1:80` → `10.0.0.1`, `[::1]:80` → `::1`. A bare IPv6
/// address (several colons, no brackets) is kept whole.
pub fn strip_port(addr: &str) -> &str {
    let a = addr.trim();
    if let Some(rest) = a.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest);
    }
    match a.rfind(':') {
        Some(i) if a[..i].find(':').is_none() && a[i + 1..].bytes().all(|b| b.is_ascii_digit()) => {
            &a[..i]
        }
        _ => a,
    }
}

/// The part of `c` that `f` picks (a sub-slice of its argument), borrowed when `c` is.
pub fn narrow<'a>(c: &Cow<'a, str>, f: impl FnOnce(&str) -> Option<&str>) -> Option<Cow<'a, str>> {
    let s: &str = c;
    let part = f(s)?;
    let (base, p) = (s.as_ptr() as usize, part.as_ptr() as usize);
    if p >= base && p + part.len() <= base + s.len() {
        Some(sub(c, p - base..p - base + part.len()))
    } else {
        Some(Cow::Owned(part.to_string()))
    }
}

/// The team of a gateway tag `owner:<team>` (also `owner=<team>`).
pub fn owner_tag(tag: &str) -> Option<&str> {
    let t = tag.trim();
    let rest = t
        .strip_prefix("owner:")
        .or_else(|| t.strip_prefix("owner="))?
        .trim();
    (!rest.is_empty()).then_some(rest)
}

fn b64_value(c: u8) -> Option<u32> {
    Some(match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' | b'-' => 62,
        b'/' | b'_' => 63,
        _ => return None,
    } as u32)
}

/// Decodes base64 (standard or URL-safe alphabet; padding optional; whitespace ignored).
pub fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() / 4 * 3 + 3);
    let (mut acc, mut bits) = (0u32, 0u32);
    let mut pad = 0;
    for &c in s.as_bytes() {
        if c.is_ascii_whitespace() {
            continue;
        }
        if c == b'=' {
            pad += 1;
            continue;
        }
        if pad > 0 {
            return None;
        }
        acc = (acc << 6) | b64_value(c)?;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    if pad > 2 || bits >= 6 {
        return None;
    }
    Some(out)
}

/// Text that is base64 on the wire, decoded; none when it is not base64 or not UTF-8.
pub fn base64_text(s: &str) -> Option<String> {
    String::from_utf8(base64_decode(s)?).ok()
}

/// Checks that the scanner is at an object, or says why the record is not one.
pub fn expect_object(sc: &mut Scanner<'_>) -> Result<(), String> {
    match sc.peek() {
        Ok(Kind::Obj) => Ok(()),
        Ok(_) => match sc.skip().and_then(|_| sc.finish()) {
            Ok(()) => Err("not a JSON object".into()),
            Err(e) => Err(e.describe()),
        },
        Err(e) => Err(e.describe()),
    }
}

/// The text from the first object on: past a byte-order mark, whitespace and the `[` of a
/// batch array.
pub fn first_object(text: &str) -> &str {
    let t = text.trim_start_matches('\u{feff}').trim_start();
    match t.strip_prefix('[') {
        Some(rest) => rest.trim_start(),
        None => t,
    }
}

/// The top-level keys of a JSON object, with the kind of each value, for sniffing. Tolerates a
/// truncated object (a first line, a first block) and a leading `[` (a batch array), so
/// whatever could be read before the text ended or went wrong is returned.
pub fn sniff_keys(text: &str) -> Vec<(Cow<'_, str>, Kind)> {
    let t = first_object(text);
    let mut keys = Vec::new();
    if !t.starts_with('{') {
        return keys;
    }
    let mut sc = Scanner::new(t);
    let _ = sc.object(|sc, key| {
        let kind = sc.peek()?;
        keys.push((key.decode(), kind));
        sc.skip()
    });
    keys
}

/// True when `keys` has `name`.
pub fn has(keys: &[(Cow<'_, str>, Kind)], name: &str) -> bool {
    keys.iter().any(|(k, _)| k == name)
}

/// A text log line that a shipper wrapped in JSON: Docker's `{"log":"…","stream":…}` or a
/// `{"message":"…"}` envelope. Returns the inner line, unescaped.
pub fn unwrap_json_line(text: &str) -> Option<String> {
    let t = text.trim_start();
    if !t.starts_with('{') {
        return None;
    }
    let mut sc = Scanner::new(t);
    let mut inner = None;
    sc.object(|sc, key| {
        if inner.is_none() && (key.is("log") || key.is("message")) && sc.peek()? == Kind::Str {
            inner = Some(sc.string()?.decode().into_owned());
            Ok(())
        } else {
            sc.skip()
        }
    })
    .ok()?;
    sc.finish().ok()?;
    inner.map(|s| s.trim_end_matches(['\n', '\r']).to_string())
}

/// Strips the prefix that the CRI container log format puts before each line:
/// `2022-07-22T12:24:12.325744791Z stdout F `.
pub fn strip_cri_prefix(line: &str) -> &str {
    let b = line.as_bytes();
    if b.len() < 20 || !b[..4].iter().all(u8::is_ascii_digit) || b[4] != b'-' || b[10] != b'T' {
        return line;
    }
    let mut parts = line.splitn(4, ' ');
    let (Some(ts), Some(stream), Some(tag), Some(rest)) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return line;
    };
    if (stream == "stdout" || stream == "stderr")
        && (tag == "F" || tag == "P")
        && apispm_core::time::parse_rfc3339(ts).is_some()
    {
        rest
    } else {
        line
    }
}

fn own(c: Cow<'_, str>) -> Cow<'static, str> {
    Cow::Owned(c.into_owned())
}

fn own_opt(c: Option<Cow<'_, str>>) -> Option<Cow<'static, str>> {
    c.map(own)
}

fn own_headers(h: Headers<'_>) -> Headers<'static> {
    h.into_iter().map(|(k, v)| (own(k), own(v))).collect()
}

/// An exchange that no longer borrows: for records parsed out of a text that was itself
/// unwrapped from an envelope.
pub fn into_owned(ex: Exchange<'_>) -> Exchange<'static> {
    Exchange {
        time_ms: ex.time_ms,
        method: own(ex.method),
        scheme: own_opt(ex.scheme),
        host: own_opt(ex.host),
        service: own_opt(ex.service),
        path: own(ex.path),
        query: own_opt(ex.query),
        route: own_opt(ex.route),
        status: ex.status,
        request_headers: own_headers(ex.request_headers),
        response_headers: own_headers(ex.response_headers),
        request_body: own_opt(ex.request_body),
        response_body: own_opt(ex.response_body),
        body: own_opt(ex.body),
        client_ip: own_opt(ex.client_ip),
        consumer: own_opt(ex.consumer),
        owner: own_opt(ex.owner),
        declared: ex.declared,
    }
}

/// A quoted field of a text log starting at `b[i] == '"'`: returns its content and the index
/// after the closing quote. The closing quote is the next `"` followed by a space or the end,
/// so an unescaped quote inside a value (a user agent, say) does not cut the field short.
pub fn quoted(s: &str, i: usize) -> Option<(&str, usize)> {
    let b = s.as_bytes();
    if b.get(i) != Some(&b'"') {
        return None;
    }
    let mut j = i + 1;
    loop {
        let k = memchr::memchr(b'"', &b[j..])? + j;
        if k + 1 == b.len() || b[k + 1] == b' ' || b[k + 1] == b'\t' {
            return Some((&s[i + 1..k], k + 1));
        }
        j = k + 1;
    }
}

/// Splits a request line `METHOD TARGET PROTOCOL` (the protocol may be missing).
pub fn request_line(r: &str) -> Option<(&str, &str)> {
    let r = r.trim();
    let (method, rest) = r.split_once(' ')?;
    let rest = rest.trim();
    let target = match rest.rsplit_once(' ') {
        Some((t, proto)) if proto.starts_with("HTTP/") || proto.starts_with("http/") => t.trim(),
        _ => rest,
    };
    if method.is_empty() || target.is_empty() {
        return None;
    }
    Some((method, target))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_split_without_decoding() {
        let u = parse_url(Cow::Borrowed(
            "https://user:pw@api.example.com:8443/a/b%20c?x=1&y#frag",
        ));
        assert_eq!(u.scheme.as_deref(), Some("https"));
        assert_eq!(u.authority.as_deref(), Some("api.example.com:8443"));
        assert_eq!(u.path, "/a/b%20c");
        assert_eq!(u.query.as_deref(), Some("x=1&y"));
        for url in [
            "https://user:pw@api.example.com:8443/a?b#c",
            "http://h",
            "/a/b",
            "h://",
            "x:/y",
        ] {
            let whole = parse_url(Cow::Borrowed(url));
            assert_eq!(
                url_origin(&Cow::Borrowed(url)),
                (whole.scheme, whole.authority),
                "{url}"
            );
        }
        let u = parse_url(Cow::Borrowed("http://h"));
        assert_eq!((u.path.as_ref(), u.query), ("/", None));
        let u = parse_url(Cow::Borrowed("http://h?q=1"));
        assert_eq!((u.path.as_ref(), u.query.as_deref()), ("/", Some("q=1")));
        let u = parse_url(Cow::Owned("/p?".to_string()));
        assert_eq!((u.path.as_ref(), u.query), ("/p", None));
        assert!(matches!(u.path, Cow::Owned(_)));
    }

    #[test]
    fn clf_times() {
        assert_eq!(clf_time("01/Jan/1970:00:00:00 +0000"), Some(0));
        assert_eq!(
            clf_time("10/Oct/2000:13:55:36 -0700"),
            Some(971_211_336_000)
        );
        assert_eq!(
            clf_time("26/Jul/2023:12:07:03 +0000"),
            Some(1_690_373_223_000)
        );
        assert_eq!(clf_time("26/Jul/2023:12:07:03"), Some(1_690_373_223_000));
        assert_eq!(clf_time("26/Jux/2023:12:07:03 +0000"), None);
        assert_eq!(clf_time("26/Jul/2023:12:07:03 +00"), None);
        assert_eq!(clf_time("2023-07-26T12:07:03Z"), None);
    }

    #[test]
    fn addresses() {
        assert_eq!(strip_port("10.0.0.1:80"), "10.0.0.1");
        assert_eq!(strip_port("[2a02:cf40::4e36]:5000"), "2a02:cf40::4e36");
        assert_eq!(strip_port("2a02:cf40::4e36"), "2a02:cf40::4e36");
        assert_eq!(strip_port("host"), "host");
        assert_eq!(first_hop(" 1.2.3.4, 5.6.7.8"), "1.2.3.4");
        assert_eq!(
            narrow(&Cow::Borrowed("a:1"), |s| Some(strip_port(s))).as_deref(),
            Some("a")
        );
    }

    #[test]
    fn base64() {
        assert_eq!(base64_text("aGVsbG8=").as_deref(), Some("hello"));
        assert_eq!(base64_text("aGVsbG8").as_deref(), Some("hello"));
        assert_eq!(base64_text("aGVs\nbG8=").as_deref(), Some("hello"));
        assert_eq!(base64_text("/w==").as_deref(), None); // 0xff is not UTF-8
        assert_eq!(base64_decode("/w=="), Some(vec![0xff]));
        assert_eq!(base64_decode("a"), None);
        assert_eq!(base64_decode("a=b"), None);
    }

    #[test]
    fn wrapped_lines() {
        assert_eq!(
            unwrap_json_line(r#"{"log":"a \"b\"\n","stream":"stdout"}"#).as_deref(),
            Some("a \"b\"")
        );
        assert_eq!(unwrap_json_line(r#"{"log":{"x":1}}"#), None);
        assert_eq!(
            strip_cri_prefix("2022-07-22T12:24:12.325744791Z stdout F [x] y"),
            "[x] y"
        );
        assert_eq!(strip_cri_prefix("[x] y"), "[x] y");
    }

    #[test]
    fn quoted_fields_and_request_lines() {
        let s = r#""a"b c" 200"#;
        assert_eq!(quoted(s, 0), Some((r#"a"b c"#, 7)));
        assert_eq!(quoted("\"abc", 0), None);
        assert_eq!(request_line("GET /a?b HTTP/1.1"), Some(("GET", "/a?b")));
        assert_eq!(request_line("GET /a"), Some(("GET", "/a")));
        assert_eq!(request_line("hello"), None);
        assert_eq!(request_line(""), None);
    }
}

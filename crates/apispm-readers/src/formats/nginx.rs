//! nginx's `combined` access-log format, one line each:
//!
//! ```text
//! $remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"
//! ```
//!
//! Also the common variants: more quoted fields after the user agent (`main`'s
//! `"$http_x_forwarded_for"`, Kong's `kong_request_id: "…"`), a virtual host before the
//! address (`example.com:80 10.0.0.1 - - […]`), a list of addresses, a CRI container-log
//! prefix, or the line wrapped in a Docker/shipper JSON object.
//!
//! Mapping:
//! - time `$time_local`; method and raw target from `$request` (an absolute-form target gives
//!   scheme and host); status `$status`.
//! - service: none (the format has no host; the pipeline falls back to the host, then
//!   "unknown"). host: the virtual host when one prefixes the line.
//! - scheme: none, unless the target was absolute. route: none.
//! - client IP `$remote_addr` (the first of a list); consumer `$remote_user`.
//! - request headers: `referer`, `user-agent` and a third quoted field as
//!   `x-forwarded-for` when logged.
//!
//! A line whose `$request` is not `METHOD TARGET [PROTOCOL]` (an empty request, a TLS
//! handshake sent to a plain port) is refused.

use super::common;
use super::seed::normalize_method;
use apispm_core::Exchange;
use std::borrow::Cow;

/// The `[dd/Mon/yyyy:hh:mm:ss +zzzz]` field: its bracket positions and time.
fn clf_field(line: &str) -> Option<(usize, usize, i64)> {
    let b = line.as_bytes();
    let mut from = 0;
    while let Some(i) = memchr::memchr(b'[', &b[from..]).map(|i| from + i) {
        if let Some(close) = memchr::memchr(b']', &b[i..]).map(|k| i + k) {
            if let Some(t) = common::clf_time(&line[i + 1..close]) {
                return Some((i, close, t));
            }
        }
        from = i + 1;
    }
    None
}

struct Head<'a> {
    vhost: Option<&'a str>,
    addr: Option<&'a str>,
    user: Option<&'a str>,
}

/// What stands before the time: `[vhost] addr[, addr…] - user`.
fn head(prefix: &str) -> Option<Head<'_>> {
    let words: Vec<&str> = prefix.split_ascii_whitespace().collect();
    if words.len() < 3 {
        return None;
    }
    let user = words[words.len() - 1];
    let rest = &words[..words.len() - 2];
    // A vhost is a first word that does not continue an address list (`a, b`), followed by at
    // least one more word.
    let (vhost, addrs) = if rest.len() >= 2 && !rest[0].ends_with(',') {
        (Some(rest[0]), &rest[1..])
    } else {
        (None, rest)
    };
    let addr = addrs
        .first()
        .map(|a| a.trim_matches('"').trim_end_matches(','))
        .filter(|a| !common::is_unset(a));
    Some(Head {
        vhost,
        addr,
        user: Some(user).filter(|u| !common::is_unset(u)),
    })
}

pub fn parse(text: &str) -> Result<Exchange<'_>, String> {
    let line = text.trim();
    if line.starts_with('{') {
        let inner = common::unwrap_json_line(line)
            .ok_or("a JSON line without a `log` or `message` text to read")?;
        return parse_line(&inner).map(common::into_owned);
    }
    parse_line(line)
}

fn parse_line(line: &str) -> Result<Exchange<'_>, String> {
    let line = common::strip_cri_prefix(line.trim());
    let (open, close, time) = clf_field(line).ok_or("no [dd/Mon/yyyy:hh:mm:ss +zzzz] time")?;
    let h = head(&line[..open]).ok_or("expected `$remote_addr - $remote_user` before the time")?;
    let b = line.as_bytes();
    let mut i = close + 1;
    while b.get(i) == Some(&b' ') {
        i += 1;
    }
    let (request, next) = common::quoted(line, i).ok_or("no quoted \"$request\" after the time")?;
    let rest = &line[next..];
    let mut words = rest.split_ascii_whitespace();
    let status = words.next().ok_or("no $status after the request")?;
    let mut ex = Exchange {
        status: common::status_text(status)?,
        time_ms: Some(time),
        ..Default::default()
    };
    let (method, target) = common::request_line(request)
        .ok_or_else(|| format!("no HTTP request in \"{}\"", common::clip(request, 60)))?;
    ex.method = normalize_method(Cow::Borrowed(method))?;
    if target.starts_with('/') || target == "*" {
        let (path, query) = common::split_target(Cow::Borrowed(target));
        ex.path = path;
        ex.query = query;
    } else if target.contains("://") {
        let u = common::parse_url(Cow::Borrowed(target));
        ex.scheme = u.scheme;
        ex.host = u.authority;
        ex.path = u.path;
        ex.query = u.query;
    } else {
        return Err(format!(
            "bad request target \"{}\"",
            common::clip(target, 60)
        ));
    }
    if ex.host.is_none() {
        ex.host = h.vhost.map(Cow::Borrowed);
    }
    ex.client_ip = h.addr.map(Cow::Borrowed);
    ex.consumer = h.user.map(Cow::Borrowed);

    // After `$status $body_bytes_sent`: quoted referer, user agent, and maybe more.
    let b = rest.as_bytes();
    let mut quoted_fields = Vec::with_capacity(3);
    let mut j = 0;
    while j < b.len() && quoted_fields.len() < 3 {
        if b[j] == b'"' {
            match common::quoted(rest, j) {
                Some((v, n)) => {
                    // `kong_request_id: "…"` is labelled; it is no header of ours.
                    let labelled = rest[..j].trim_end().ends_with(':');
                    if !labelled {
                        quoted_fields.push(v);
                    }
                    j = n;
                }
                None => break,
            }
        } else {
            j += 1;
        }
    }
    for (name, v) in ["referer", "user-agent", "x-forwarded-for"]
        .into_iter()
        .zip(quoted_fields)
    {
        if !common::is_unset(v) {
            ex.request_headers
                .push((Cow::Borrowed(name), Cow::Borrowed(v)));
        }
    }
    Ok(ex)
}

/// `addr - user [10/Oct/2000:13:55:36 -0700] "…" status`, with the variants `parse` takes.
pub fn looks_like(text: &str) -> bool {
    let t = text.trim();
    if t.starts_with('{') {
        return common::unwrap_json_line(t).is_some_and(|l| looks_like_line(&l));
    }
    looks_like_line(t)
}

fn looks_like_line(line: &str) -> bool {
    let line = common::strip_cri_prefix(line.trim());
    let Some((open, close, _)) = clf_field(line) else {
        return false;
    };
    if head(&line[..open]).is_none() {
        return false;
    }
    let after = line[close + 1..].trim_start();
    let Some((_, next)) = common::quoted(after, 0) else {
        return false;
    };
    after[next..]
        .split_ascii_whitespace()
        .next()
        .is_some_and(|s| s.len() == 3 && s.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heads() {
        let h = head("127.0.0.1 - frank ").unwrap();
        assert_eq!(
            (h.vhost, h.addr, h.user),
            (None, Some("127.0.0.1"), Some("frank"))
        );
        let h = head("example.com:80 10.0.0.2, 10.0.0.1 - - ").unwrap();
        assert_eq!(
            (h.vhost, h.addr, h.user),
            (Some("example.com:80"), Some("10.0.0.2"), None)
        );
        let h = head("10.0.0.2, 10.0.0.1 - - ").unwrap();
        assert_eq!((h.vhost, h.addr), (None, Some("10.0.0.2")));
        assert!(head("- -").is_none());
    }
}

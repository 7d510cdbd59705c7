//! Envoy's default text access-log format and Istio's default text format, one line each:
//!
//! ```text
//! [START_TIME] "METHOD PATH PROTOCOL" CODE FLAGS RX TX DURATION UPSTREAM_TIME "XFF" "UA" "REQ_ID" "AUTHORITY" "UPSTREAM_HOST"
//! [START_TIME] "METHOD PATH PROTOCOL" CODE FLAGS DETAILS TERMINATION "FAILURE" RX TX DURATION UPSTREAM_TIME "XFF" "UA" "REQ_ID" "AUTHORITY" "UPSTREAM_HOST" CLUSTER UPSTREAM_LOCAL DOWNSTREAM_LOCAL DOWNSTREAM_REMOTE SNI ROUTE
//! ```
//!
//! Also with Ambassador's `ACCESS ` prefix, a CRI container-log prefix, or wrapped in a
//! Docker/shipper JSON object (`{"log": "…"}`, `{"message": "…"}`).
//!
//! Mapping:
//! - time `START_TIME`; method and raw path (query split off) from the request line; status
//!   `RESPONSE_CODE` (`0`, no response sent, is none).
//! - service: the upstream cluster; for Istio's `outbound|9080||reviews.default.svc.cluster.local`
//!   the FQDN. An inbound cluster (`inbound|9080||`) names no service: then the FQDN in the
//!   requested server name (`outbound_.9080_._.reviews.default.svc.cluster.local`), else the
//!   authority. host: the authority.
//! - scheme: none (neither format logs it). route: none (`ROUTE_NAME` is a name, not a
//!   template).
//! - client IP: the first `X-Forwarded-For` hop, else Istio's downstream remote address.
//! - request headers: `x-forwarded-for`, `user-agent`, `x-request-id` when logged.
//!
//! A TCP-proxy record (`"- - -"`) has no HTTP request and is refused.

use super::common;
use super::seed::normalize_method;
use apispm_core::Exchange;
use std::borrow::Cow;

/// One token of the line: a bracketed time, a quoted field or a bare word.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Tok<'a> {
    Quoted(&'a str),
    Bare(&'a str),
}

/// The start of `[YYYY-…` in `line`, after an optional prefix without quotes.
fn time_start(line: &str) -> Option<usize> {
    let b = line.as_bytes();
    let mut from = 0;
    while let Some(i) = memchr::memchr(b'[', &b[from..]).map(|i| from + i) {
        if b[..i].contains(&b'"') {
            return None;
        }
        if b.len() > i + 5 && b[i + 1..i + 5].iter().all(u8::is_ascii_digit) && b[i + 5] == b'-' {
            return Some(i);
        }
        from = i + 1;
    }
    None
}

struct Line<'a> {
    time: &'a str,
    request: &'a str,
    toks: Vec<Tok<'a>>,
}

fn tokenize(line: &str) -> Result<Line<'_>, String> {
    let start = time_start(line).ok_or("no [START_TIME] at the start of the line")?;
    let b = line.as_bytes();
    let close = memchr::memchr(b']', &b[start..])
        .map(|i| start + i)
        .ok_or("unterminated [START_TIME]")?;
    let time = &line[start + 1..close];
    let mut i = close + 1;
    let mut toks = Vec::with_capacity(24);
    let mut request = None;
    while i < b.len() {
        if b[i] == b' ' || b[i] == b'\t' {
            i += 1;
            continue;
        }
        if b[i] == b'"' {
            let (v, next) = common::quoted(line, i).ok_or("unterminated quoted field")?;
            if request.is_none() && toks.is_empty() {
                request = Some(v);
            } else {
                toks.push(Tok::Quoted(v));
            }
            i = next;
        } else {
            let end = b[i..]
                .iter()
                .position(|&c| c == b' ' || c == b'\t')
                .map_or(b.len(), |k| i + k);
            if request.is_none() {
                return Err("no quoted request line after [START_TIME]".into());
            }
            toks.push(Tok::Bare(&line[i..end]));
            i = end;
        }
    }
    let request = request.ok_or("no quoted request line after [START_TIME]")?;
    Ok(Line {
        time,
        request,
        toks,
    })
}

/// The service an Istio/Envoy cluster name stands for, if any.
pub(crate) fn cluster_service(c: &str) -> Option<&str> {
    if common::is_unset(c) {
        return None;
    }
    if c.contains('|') {
        // direction|port|subset|fqdn
        let fqdn = c.split('|').nth(3).unwrap_or("");
        return (!fqdn.is_empty()).then_some(fqdn);
    }
    match c {
        "PassthroughCluster"
        | "BlackHoleCluster"
        | "InboundPassthroughCluster"
        | "InboundPassthroughClusterIpv4"
        | "InboundPassthroughClusterIpv6" => None,
        _ => Some(c),
    }
}

/// The FQDN in Istio's mTLS server name `outbound_.9080_._.reviews.default.svc.cluster.local`.
pub(crate) fn sni_service(sni: &str) -> Option<&str> {
    let rest = sni.strip_prefix("outbound_.")?;
    let mut parts = rest.splitn(3, "_.");
    let (_port, _subset, fqdn) = (parts.next()?, parts.next()?, parts.next()?);
    (!fqdn.is_empty()).then_some(fqdn)
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
    let l = tokenize(line)?;
    let time = apispm_core::time::parse_rfc3339(l.time)
        .ok_or_else(|| format!("bad START_TIME \"{}\"", common::clip(l.time, 40)))?;
    let mut ex = Exchange {
        time_ms: Some(time),
        ..Default::default()
    };
    if l.request.trim() == "- - -" {
        return Err("a TCP proxy record has no HTTP request".into());
    }
    let (method, target) = common::request_line(l.request)
        .ok_or_else(|| format!("bad request line \"{}\"", common::clip(l.request, 60)))?;
    if common::is_unset(target) || common::is_unset(method) {
        return Err(format!(
            "no HTTP request in \"{}\"",
            common::clip(l.request, 60)
        ));
    }
    ex.method = normalize_method(Cow::Borrowed(method))?;
    let (path, query) = common::split_target(Cow::Borrowed(target));
    ex.path = path;
    ex.query = query;

    let toks = &l.toks;
    let code = match toks.first() {
        Some(Tok::Bare(c)) => *c,
        _ => return Err("no RESPONSE_CODE after the request line".into()),
    };
    ex.status = common::status_text(code)?;

    // The five quoted fields XFF, UA, REQ_ID, AUTHORITY, UPSTREAM_HOST are the last run of
    // quoted fields; Istio adds bare fields after them.
    let last_q = toks.iter().rposition(|t| matches!(t, Tok::Quoted(_)));
    let mut quoted: [Option<&str>; 5] = [None; 5];
    let mut trailing: &[Tok<'_>] = &[];
    if let Some(last) = last_q {
        let mut first = last;
        while first > 0 && matches!(toks[first - 1], Tok::Quoted(_)) {
            first -= 1;
        }
        let run = &toks[first..=last];
        let skip = 5usize.saturating_sub(run.len());
        for (slot, t) in quoted[skip..]
            .iter_mut()
            .zip(&run[run.len().saturating_sub(5)..])
        {
            if let Tok::Quoted(v) = t {
                *slot = Some(*v).filter(|v| !common::is_unset(v));
            }
        }
        trailing = &toks[last + 1..];
    }
    let [xff, ua, req_id, authority, _upstream_host] = quoted;
    let bare = |i: usize| match trailing.get(i) {
        Some(Tok::Bare(v)) if !common::is_unset(v) => Some(*v),
        _ => None,
    };
    let (cluster, downstream_remote, sni) = (bare(0), bare(3), bare(4));

    ex.host = authority.map(Cow::Borrowed);
    ex.service = cluster
        .and_then(cluster_service)
        .or_else(|| sni.and_then(sni_service))
        .or(authority)
        .map(Cow::Borrowed);
    ex.client_ip = xff
        .map(common::first_hop)
        .or_else(|| downstream_remote.map(common::strip_port))
        .filter(|s| !s.is_empty())
        .map(Cow::Borrowed);
    for (name, v) in [
        ("x-forwarded-for", xff),
        ("user-agent", ua),
        ("x-request-id", req_id),
    ] {
        if let Some(v) = v {
            ex.request_headers
                .push((Cow::Borrowed(name), Cow::Borrowed(v)));
        }
    }
    Ok(ex)
}

/// `[2016-04-15T20:17:00.310Z] "…" CODE …`, after an optional prefix, or such a line wrapped
/// in JSON.
pub fn looks_like(text: &str) -> bool {
    let t = text.trim();
    if t.starts_with('{') {
        return common::unwrap_json_line(t).is_some_and(|l| looks_like_line(&l));
    }
    looks_like_line(t)
}

fn looks_like_line(line: &str) -> bool {
    let line = common::strip_cri_prefix(line.trim());
    let Ok(l) = tokenize(line) else {
        return false;
    };
    apispm_core::time::parse_rfc3339(l.time).is_some()
        && matches!(l.toks.first(), Some(Tok::Bare(c)) if c.bytes().all(|b| b.is_ascii_digit()))
        && l.toks.len() >= 5
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn istio_names() {
        assert_eq!(
            cluster_service("outbound|8000||httpbin.foo.svc.cluster.local"),
            Some("httpbin.foo.svc.cluster.local")
        );
        assert_eq!(cluster_service("inbound|8000||"), None);
        assert_eq!(cluster_service("backend"), Some("backend"));
        assert_eq!(cluster_service("PassthroughCluster"), None);
        assert_eq!(
            sni_service("outbound_.8000_._.httpbin.foo.svc.cluster.local"),
            Some("httpbin.foo.svc.cluster.local")
        );
        assert_eq!(sni_service("example.com"), None);
    }
}

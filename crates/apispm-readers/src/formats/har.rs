//! HAR 1.2 (and the 1.3 drafts tools emit). The pipeline finds `log.entries[]`; this reads one
//! entry object.
//!
//! Mapping:
//! - method `request.method`; scheme, host, path and query from `request.url` (raw, not
//!   decoded); without a host in the URL, the `Host` header.
//! - service: the host (`authority` of the URL, port included).
//! - time `startedDateTime`; status `response.status` (`0`, a request that got no answer,
//!   is none).
//! - headers: the `{name, value}` arrays as logged (HTTP/2 pseudo-headers included).
//! - bodies: `request.postData.text` and `response.content.text`, decoded when
//!   `encoding` is `base64` (a body that is then not UTF-8 is dropped).
//! - route, consumer, client IP: none (HAR has none; `serverIPAddress` is the server).

use super::common;
use super::seed::normalize_method;
use crate::jsonscan::{Kind, Result as ScanResult, Scanner};
use apispm_core::{Exchange, Headers};
use std::borrow::Cow;

/// A `headers` array of `{"name": …, "value": …}` objects.
fn headers<'a>(sc: &mut Scanner<'a>, out: &mut Headers<'a>, what: &str) -> ScanResult<()> {
    if sc.null()? {
        return Ok(());
    }
    if sc.peek()? != Kind::Arr {
        return sc.err(format!("{what}: expected an array of {{name, value}}"));
    }
    sc.array(|sc| {
        if sc.null()? {
            return Ok(());
        }
        if sc.peek()? != Kind::Obj {
            return sc.err(format!("{what}: expected an object with name and value"));
        }
        let (mut name, mut value) = (None, None);
        sc.object(|sc, key| {
            match &*common::key(&key) {
                "name" => name = sc.text("header name")?,
                "value" => value = sc.text("header value")?,
                _ => sc.skip()?,
            }
            Ok(())
        })?;
        if let Some(n) = name.filter(|n| !n.is_empty()) {
            out.push((n, value.unwrap_or_default()));
        }
        Ok(())
    })
}

/// `text` and `encoding` of a `postData` or `content` object.
fn body<'a>(sc: &mut Scanner<'a>, what: &str) -> ScanResult<Option<Cow<'a, str>>> {
    if sc.peek()? != Kind::Obj {
        sc.skip()?;
        return Ok(None);
    }
    let (mut text, mut base64) = (None, false);
    sc.object(|sc, key| {
        match &*common::key(&key) {
            "text" => text = sc.text(what)?,
            "encoding" => {
                base64 = sc
                    .text("encoding")?
                    .is_some_and(|e| e.eq_ignore_ascii_case("base64"))
            }
            _ => sc.skip()?,
        }
        Ok(())
    })?;
    Ok(match text {
        Some(t) if base64 => common::base64_text(&t).map(Cow::Owned),
        t => t,
    })
}

pub fn parse(text: &str) -> Result<Exchange<'_>, String> {
    let mut sc = Scanner::new(text.trim_start_matches('\u{feff}'));
    common::expect_object(&mut sc)?;
    let mut ex = Exchange::default();
    let (mut method, mut url, mut saw_request) = (None, None, false);
    let mut status = None;
    sc.object(|sc, key| {
        match &*common::key(&key) {
            "startedDateTime" => ex.time_ms = sc.timestamp("startedDateTime")?,
            "request" => {
                if sc.peek()? != Kind::Obj {
                    return sc.err("request: expected an object");
                }
                saw_request = true;
                ex.request_headers.reserve(16);
                sc.object(|sc, key| {
                    match &*common::key(&key) {
                        "method" => method = sc.text("request.method")?,
                        "url" => url = sc.text("request.url")?,
                        "headers" => headers(sc, &mut ex.request_headers, "request.headers")?,
                        "postData" => ex.request_body = body(sc, "request.postData.text")?,
                        _ => sc.skip()?,
                    }
                    Ok(())
                })?;
            }
            "response" => {
                if sc.null()? {
                    return Ok(());
                }
                if sc.peek()? != Kind::Obj {
                    return sc.err("response: expected an object");
                }
                ex.response_headers.reserve(16);
                sc.object(|sc, key| {
                    match &*common::key(&key) {
                        "status" => status = sc.lenient_int("response.status")?,
                        "headers" => headers(sc, &mut ex.response_headers, "response.headers")?,
                        "content" => ex.response_body = body(sc, "response.content.text")?,
                        _ => sc.skip()?,
                    }
                    Ok(())
                })?;
            }
            _ => sc.skip()?,
        }
        Ok(())
    })
    .and_then(|_| sc.finish())
    .map_err(|e| e.describe())?;

    if !saw_request {
        return Err("missing field `request` (not a HAR entry)".into());
    }
    ex.method = normalize_method(method.ok_or("missing field `request.method`")?)?;
    let url = url
        .filter(|u| !u.trim().is_empty())
        .ok_or("missing field `request.url`")?;
    let u = common::parse_url(url);
    ex.scheme = u.scheme;
    ex.host = u.authority.or_else(|| {
        ex.request_headers
            .iter()
            .find(|(k, v)| (k.eq_ignore_ascii_case("host") || k == ":authority") && !v.is_empty())
            .map(|(_, v)| v.clone())
    });
    ex.service = ex.host.clone();
    ex.path = u.path;
    ex.query = u.query;
    ex.status = common::status(status)?;
    Ok(ex)
}

/// A HAR document: its `log` is an object. Also a bare line `"log": {` or one that mentions
/// `"log"` with `"entries"`, `"version"` or `"creator"`.
pub fn looks_like(text: &str) -> bool {
    let t = text.trim_start_matches('\u{feff}').trim();
    if t.starts_with('{') {
        let keys = common::sniff_keys(t);
        if !keys.is_empty() {
            return keys
                .iter()
                .any(|(k, kind)| k == "log" && *kind == Kind::Obj);
        }
    }
    let Some(i) = t.find("\"log\"") else {
        return false;
    };
    let Some(value) = t[i + 5..].trim_start().strip_prefix(':') else {
        return false;
    };
    let Some(inside) = value.trim_start().strip_prefix('{') else {
        return false;
    };
    inside.trim().is_empty()
        || t.contains("\"entries\"")
        || t.contains("\"version\"")
        || t.contains("\"creator\"")
}

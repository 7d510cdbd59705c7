//! Kong Gateway's log plugins (file-log, http-log, tcp-log, udp-log, syslog): the table of
//! `kong.log.serialize()` as JSON, one object per record.
//!
//! Mapping:
//! - method, path and query from `request.method` and `request.uri` (path and query as
//!   received); without `uri`, from `request.url`; Kong 0.x's `request.request_uri` too. The
//!   query is kept raw; only when no raw query was logged is it rebuilt from the
//!   `request.querystring` object.
//! - scheme and host from `request.url`; without it, `https` when `request.tls` is present,
//!   else `service.protocol`.
//! - service: `service.name`, else `service.host`, else the request's host.
//! - route: none. `route.paths` are prefixes or regexes, not templates.
//! - time: `started_at` (epoch milliseconds). status: `response.status` (`0` is none).
//! - consumer: `consumer.username`, `custom_id` or `id`, else `authenticated_entity`
//!   (`consumer_id`, then `id`).
//! - owner: a service tag `owner:<team>`, else a route tag.
//! - headers as logged; `authorization: REDACTED` is kept, so it still counts as credentials.
//!
//! Stream (TCP/UDP) records carry a `session` instead of a `request` and are refused.

use super::common::{self, key as name, unset};
use super::seed::normalize_method;
use crate::format::Spare;
use crate::jsonscan::{Kind, Result as ScanResult, Scanner};
use apispm_core::Exchange;
use std::borrow::Cow;

#[derive(Default)]
struct Parts<'a> {
    method: Option<Cow<'a, str>>,
    uri: Option<Cow<'a, str>>,
    url: Option<Cow<'a, str>>,
    querystring: Option<(usize, usize)>,
    tls: bool,
    saw_request: bool,
    saw_session: bool,
    svc_name: Option<Cow<'a, str>>,
    svc_host: Option<Cow<'a, str>>,
    svc_protocol: Option<Cow<'a, str>>,
    svc_owner: Option<Cow<'a, str>>,
    route_owner: Option<Cow<'a, str>>,
    consumer: Option<Cow<'a, str>>,
    entity: Option<Cow<'a, str>>,
}

pub fn parse(text: &str) -> Result<Exchange<'_>, String> {
    parse_with(text, &mut Spare::default())
}

pub fn parse_with<'a>(text: &'a str, spare: &mut Spare) -> Result<Exchange<'a>, String> {
    let mut sc = Scanner::new(text);
    common::expect_object(&mut sc)?;
    let mut ex = Exchange::default();
    spare.fill(&mut ex);
    let mut p = Parts::default();
    sc.object(|sc, key| match &*name(&key) {
        "request" => request(sc, &mut ex, &mut p),
        "response" => response(sc, &mut ex),
        "service" => service(sc, &mut p),
        "route" => route(sc, &mut p),
        "client_ip" => {
            ex.client_ip = unset(sc.text("client_ip")?);
            Ok(())
        }
        "started_at" => {
            ex.time_ms = sc.timestamp("started_at")?;
            Ok(())
        }
        "consumer" => consumer(sc, &mut p),
        "authenticated_entity" => entity(sc, &mut p),
        "session" => {
            p.saw_session = true;
            sc.skip()
        }
        _ => sc.skip(),
    })
    .and_then(|_| sc.finish())
    .map_err(|e| e.describe())?;

    if !p.saw_request {
        return Err(if p.saw_session {
            "a Kong stream (TCP/UDP) session record has no HTTP request".into()
        } else {
            "missing field `request`".into()
        });
    }
    let method = unset(p.method).ok_or("missing field `request.method`")?;
    ex.method = normalize_method(method)?;

    let from_uri = p.uri.map(|u| {
        if u.starts_with('/') || u.starts_with('*') {
            common::split_target(u)
        } else {
            let u = common::parse_url(u);
            (u.path, u.query)
        }
    });
    // With the target logged on its own, only the URL's scheme and host are needed.
    let url = match (&from_uri, p.url) {
        (Some(_), Some(u)) => {
            let (scheme, authority) = common::url_origin(&u);
            Some(common::Url {
                scheme,
                authority,
                path: Cow::Borrowed("/"),
                query: None,
            })
        }
        (_, u) => u.map(common::parse_url),
    };
    let (path, query, had_query) = match (from_uri, &url) {
        (Some((path, query)), _) => {
            let had = query.is_some();
            (path, query, had)
        }
        (None, Some(u)) => (u.path.clone(), u.query.clone(), u.query.is_some()),
        (None, None) => return Err("missing field `request.uri` (and `request.url`)".into()),
    };
    if path.is_empty() {
        return Err("empty request path".into());
    }
    ex.path = path;
    ex.query = query;
    if !had_query {
        if let Some((a, b)) = p.querystring {
            ex.query = rebuild_query(&text[a..b]).map(Cow::Owned);
        }
    }
    if let Some(u) = url {
        ex.scheme = u.scheme;
        ex.host = u.authority;
    }
    if ex.scheme.is_none() {
        ex.scheme = if p.tls {
            Some(Cow::Borrowed("https"))
        } else {
            unset(p.svc_protocol)
        };
    }
    ex.service = unset(p.svc_name).or(unset(p.svc_host));
    if ex.service.is_none() {
        ex.service = ex.host.clone().or_else(|| {
            ex.request_headers
                .iter()
                .find(|(k, v)| k.eq_ignore_ascii_case("host") && !v.is_empty())
                .map(|(_, v)| v.clone())
        });
    }
    ex.owner = p.svc_owner.or(p.route_owner);
    ex.consumer = unset(p.consumer).or(unset(p.entity));
    Ok(ex)
}

fn request<'a>(sc: &mut Scanner<'a>, ex: &mut Exchange<'a>, p: &mut Parts<'a>) -> ScanResult<()> {
    if sc.null()? {
        return Ok(());
    }
    if sc.peek()? != Kind::Obj {
        return sc.err("request: expected an object");
    }
    p.saw_request = true;
    ex.request_headers.reserve(16);
    sc.object(|sc, key| {
        match &*name(&key) {
            "method" => p.method = sc.text("request.method")?,
            "uri" => p.uri = unset(sc.text("request.uri")?),
            "url" | "request_uri" => {
                let v = unset(sc.text("request.url")?);
                if v.is_some() {
                    p.url = v;
                }
            }
            "headers" => common::json_headers(sc, &mut ex.request_headers, "request.headers")?,
            "querystring" => {
                let start = sc.pos();
                sc.skip()?;
                p.querystring = Some((start, sc.pos()));
            }
            "tls" => {
                if !sc.null()? {
                    p.tls = true;
                    sc.skip()?;
                }
            }
            _ => sc.skip()?,
        }
        Ok(())
    })
}

fn response<'a>(sc: &mut Scanner<'a>, ex: &mut Exchange<'a>) -> ScanResult<()> {
    if sc.null()? {
        return Ok(());
    }
    if sc.peek()? != Kind::Obj {
        return sc.err("response: expected an object");
    }
    ex.response_headers.reserve(16);
    sc.object(|sc, key| {
        match &*name(&key) {
            "status" => match common::status(sc.lenient_int("response.status")?) {
                Ok(s) => ex.status = s,
                Err(e) => return sc.err(format!("response.status: {e}")),
            },
            "headers" => common::json_headers(sc, &mut ex.response_headers, "response.headers")?,
            _ => sc.skip()?,
        }
        Ok(())
    })
}

/// A `tags` array: the team of the first `owner:<team>` tag.
fn owner_of<'a>(sc: &mut Scanner<'a>, out: &mut Option<Cow<'a, str>>) -> ScanResult<()> {
    if sc.null()? {
        return Ok(());
    }
    if sc.peek()? != Kind::Arr {
        return sc.skip();
    }
    sc.array(|sc| {
        if sc.peek()? != Kind::Str {
            return sc.skip();
        }
        let t = sc.string()?.decode();
        if out.is_none() {
            *out = common::narrow(&t, common::owner_tag);
        }
        Ok(())
    })
}

fn service<'a>(sc: &mut Scanner<'a>, p: &mut Parts<'a>) -> ScanResult<()> {
    match sc.peek()? {
        Kind::Obj => sc.object(|sc, key| {
            match &*name(&key) {
                "name" => p.svc_name = sc.text("service.name")?,
                "host" => p.svc_host = sc.text("service.host")?,
                "protocol" => p.svc_protocol = sc.text("service.protocol")?,
                "tags" => owner_of(sc, &mut p.svc_owner)?,
                _ => sc.skip()?,
            }
            Ok(())
        }),
        // A custom field may replace the service with its name.
        Kind::Str => {
            p.svc_name = sc.text("service")?;
            Ok(())
        }
        _ => sc.skip(),
    }
}

fn route<'a>(sc: &mut Scanner<'a>, p: &mut Parts<'a>) -> ScanResult<()> {
    if sc.peek()? != Kind::Obj {
        return sc.skip();
    }
    sc.object(|sc, key| {
        if key.is("tags") {
            owner_of(sc, &mut p.route_owner)
        } else {
            sc.skip()
        }
    })
}

fn consumer<'a>(sc: &mut Scanner<'a>, p: &mut Parts<'a>) -> ScanResult<()> {
    match sc.peek()? {
        Kind::Obj => {
            let (mut user, mut custom, mut id) = (None, None, None);
            sc.object(|sc, key| {
                match &*name(&key) {
                    "username" => user = unset(sc.text("consumer.username")?),
                    "custom_id" => custom = unset(sc.text("consumer.custom_id")?),
                    "id" => id = unset(sc.text("consumer.id")?),
                    _ => sc.skip()?,
                }
                Ok(())
            })?;
            p.consumer = user.or(custom).or(id);
            Ok(())
        }
        Kind::Str => {
            p.consumer = sc.text("consumer")?;
            Ok(())
        }
        _ => sc.skip(),
    }
}

fn entity<'a>(sc: &mut Scanner<'a>, p: &mut Parts<'a>) -> ScanResult<()> {
    if sc.peek()? != Kind::Obj {
        return sc.skip();
    }
    let (mut consumer_id, mut id) = (None, None);
    sc.object(|sc, key| {
        match &*name(&key) {
            "consumer_id" => match sc.peek()? {
                // Newer Kong writes `{"id": …}`.
                Kind::Obj => sc.object(|sc, key| {
                    if key.is("id") {
                        consumer_id = unset(sc.text("authenticated_entity.consumer_id.id")?);
                        Ok(())
                    } else {
                        sc.skip()
                    }
                })?,
                _ => consumer_id = unset(sc.text("authenticated_entity.consumer_id")?),
            },
            "id" => id = unset(sc.text("authenticated_entity.id")?),
            _ => sc.skip()?,
        }
        Ok(())
    })?;
    p.entity = consumer_id.or(id);
    Ok(())
}

/// `request.querystring` as a query string: `{"a":"1","flag":true,"b":["x","y"]}` →
/// `a=1&flag&b=x&b=y`. Values stay as Kong decoded them.
fn rebuild_query(obj: &str) -> Option<String> {
    let mut sc = Scanner::new(obj);
    if sc.peek().ok()? != Kind::Obj {
        return None;
    }
    let mut out = String::new();
    let push = |out: &mut String, k: &str, v: Option<&str>| {
        if !out.is_empty() {
            out.push('&');
        }
        out.push_str(k);
        if let Some(v) = v {
            out.push('=');
            out.push_str(v);
        }
    };
    let one = |sc: &mut Scanner<'_>, k: &str, out: &mut String| -> ScanResult<()> {
        match sc.peek()? {
            Kind::Bool => {
                if sc.bool()? {
                    push(out, k, None);
                }
            }
            Kind::Null => {
                sc.null()?;
            }
            Kind::Str | Kind::Num => {
                let v = sc.text("querystring")?.unwrap_or_default();
                push(out, k, Some(&v));
            }
            _ => sc.skip()?,
        }
        Ok(())
    };
    sc.object(|sc, key| {
        let k = key.decode();
        if sc.peek()? == Kind::Arr {
            sc.array(|sc| one(sc, &k, &mut out))
        } else {
            one(sc, &k, &mut out)
        }
    })
    .ok()?;
    (!out.is_empty()).then_some(out)
}

/// A Kong log object: `request` and `response`, plus one of Kong's own top-level keys.
pub fn looks_like(text: &str) -> bool {
    let keys = common::sniff_keys(text);
    let has = |k| common::has(&keys, k);
    has("request")
        && has("response")
        && (has("started_at")
            || has("service")
            || has("route")
            || has("latencies")
            || has("upstream_uri")
            || has("tries")
            || has("workspace"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rebuilds_a_query_from_the_object() {
        assert_eq!(
            rebuild_query(r#"{"a":"1","flag":true,"off":false,"b":["x","y"],"n":2}"#).as_deref(),
            Some("a=1&flag&b=x&b=y&n=2")
        );
        assert_eq!(rebuild_query("{}"), None);
    }

    #[test]
    fn uses_the_querystring_only_without_a_raw_query() {
        let ex = parse(
            r#"{"request":{"method":"get","uri":"/a","querystring":{"x":"1"}},"response":{"status":200}}"#,
        )
        .unwrap();
        assert_eq!(ex.query.as_deref(), Some("x=1"));
        let ex = parse(
            r#"{"request":{"method":"GET","uri":"/a?x=%31","querystring":{"x":"1"}},"response":{"status":0}}"#,
        )
        .unwrap();
        assert_eq!(ex.query.as_deref(), Some("x=%31"));
        assert_eq!(ex.status, None);
    }
}

//! Apigee analytics records (the JSON the runtime sends to Apigee Analytics), and
//! MessageLogging templates that use the same names or the flow-variable names
//! (`request.verb`, `request.uri`, `proxy.basepath`, `response.status.code`, `client.ip`,
//! `apiproxy.name`, `client.received.start.timestamp`, …).
//!
//! Mapping:
//! - method `request_verb`; path and query from `request_uri`, else `request_path`, else
//!   `proxy_basepath` + `proxy_pathsuffix`. route: none (Apigee logs no template).
//! - service: `apiproxy`. host: a logged `Host` request header, if any.
//! - scheme: `x_forwarded_proto`. time: `client_received_start_timestamp` (epoch ms).
//! - status: `response_status_code`, else `target_response_code`.
//! - client IP: `ax_resolved_client_ip`, else the first `x_forwarded_for_ip`, else
//!   `client_ip`.
//! - consumer: `developer_app`, else `developer_email`.
//! - `useragent` becomes the `User-Agent` request header.

use super::common::{self, unset};
use super::seed::normalize_method;
use crate::jsonscan::{Kind, Scanner};
use apispm_core::Exchange;
use std::borrow::Cow;

#[derive(Clone, Copy)]
enum F {
    Verb,
    Uri,
    Path,
    Basepath,
    Suffix,
    Proxy,
    Proto,
    Resolved,
    Xff,
    ClientIp,
    App,
    Email,
    Agent,
    Host,
    Status,
    TargetStatus,
    Time,
    TimeEnd,
}

fn field(key: &str) -> Option<F> {
    Some(match key {
        "request_verb" | "request.verb" => F::Verb,
        "request_uri" | "request.uri" => F::Uri,
        "request_path" | "request.path" => F::Path,
        "proxy_basepath" | "proxy.basepath" => F::Basepath,
        "proxy_pathsuffix" | "proxy.pathsuffix" => F::Suffix,
        "apiproxy" | "apiproxy.name" => F::Proxy,
        "x_forwarded_proto" | "client.scheme" => F::Proto,
        "ax_resolved_client_ip" => F::Resolved,
        "x_forwarded_for_ip" | "request.header.x-forwarded-for" => F::Xff,
        "client_ip" | "client.ip" => F::ClientIp,
        "developer_app" | "developer.app.name" => F::App,
        "developer_email" | "developer.email" => F::Email,
        "useragent" | "request.header.user-agent" => F::Agent,
        "request.header.host" | "host" => F::Host,
        "response_status_code" | "response.status.code" => F::Status,
        "target_response_code" | "target.response.status.code" => F::TargetStatus,
        "client_received_start_timestamp" | "client.received.start.timestamp" => F::Time,
        "client_received_end_timestamp" | "client.received.end.timestamp" => F::TimeEnd,
        _ => return None,
    })
}

pub fn parse(text: &str) -> Result<Exchange<'_>, String> {
    let mut sc = Scanner::new(text);
    common::expect_object(&mut sc)?;
    let mut v: [Option<Cow<'_, str>>; 14] = Default::default();
    let (mut status, mut target_status, mut time, mut time_end) = (None, None, None, None);
    sc.object(|sc, key| {
        let k = common::key(&key);
        let Some(f) = field(&k) else {
            return sc.skip();
        };
        match f {
            F::Status => status = sc.lenient_int(&k)?,
            F::TargetStatus => target_status = sc.lenient_int(&k)?,
            F::Time => time = sc.timestamp(&k)?,
            F::TimeEnd => time_end = sc.timestamp(&k)?,
            _ => {
                if matches!(sc.peek()?, Kind::Obj | Kind::Arr) {
                    return sc.skip();
                }
                let i = f as usize;
                v[i] = sc.text(&k)?;
                // An empty path suffix is a value; elsewhere empty and `-` are unset.
                if !matches!(f, F::Suffix) {
                    v[i] = unset(v[i].take());
                }
            }
        }
        Ok(())
    })
    .and_then(|_| sc.finish())
    .map_err(|e| e.describe())?;

    let [
        verb,
        uri,
        path,
        basepath,
        suffix,
        proxy,
        proto,
        resolved,
        xff,
        client_ip,
        app,
        email,
        agent,
        host,
    ] = v;
    let mut ex = Exchange {
        method: normalize_method(verb.ok_or("missing request_verb")?)?,
        ..Default::default()
    };
    let (path, query) = match (uri, path, basepath) {
        (Some(u), _, _) if u.starts_with('/') => common::split_target(u),
        (Some(u), _, _) if u.contains("://") => {
            let u = common::parse_url(u);
            (u.path, u.query)
        }
        (_, Some(p), _) => common::split_target(p),
        (_, None, Some(b)) => {
            let suffix = suffix.unwrap_or_default();
            if suffix.is_empty() {
                (b, None)
            } else {
                let mut s = b.trim_end_matches('/').to_string();
                if !suffix.starts_with('/') {
                    s.push('/');
                }
                s.push_str(&suffix);
                common::split_target(Cow::Owned(s))
            }
        }
        (Some(u), None, None) => common::split_target(u),
        (None, None, None) => return Err("missing request_uri (and request_path)".into()),
    };
    if path.is_empty() {
        return Err("empty request path".into());
    }
    ex.path = path;
    ex.query = query;
    ex.status = common::status(status.or(target_status))?;
    ex.time_ms = time.or(time_end);
    ex.service = proxy;
    ex.host = host;
    ex.scheme = proto;
    ex.client_ip = resolved
        .or_else(|| common::narrow(xff.as_ref()?, |s| Some(common::first_hop(s))))
        .or(client_ip)
        .filter(|s| !s.is_empty());
    ex.consumer = app.or(email);
    if let Some(a) = agent {
        ex.request_headers.push((Cow::Borrowed("User-Agent"), a));
    }
    Ok(ex)
}

/// An analytics record: `request_verb`, `apiproxy` or `proxy_basepath`.
pub fn looks_like(text: &str) -> bool {
    let keys = common::sniff_keys(text);
    let has = |k| common::has(&keys, k);
    has("request_verb")
        || has("apiproxy")
        || has("proxy_basepath")
        || has("apiproxy.name")
        || has("request.verb")
}

//! Envoy's JSON access logs (`json_format`, where every value is a string, and
//! `typed_json_format`, where numbers are numbers and unset values `null`), with Istio's keys
//! (`start_time method path protocol response_code response_flags authority upstream_cluster
//! upstream_host x_forwarded_for user_agent request_id downstream_remote_address
//! requested_server_name route_name …`) and the usual alternatives operators pick
//! (`:method`, `:path`, `:authority`, `status`, `host`, `@timestamp`, `x-forwarded-proto`…).
//! `-` and `null` are unset.
//!
//! Mapping as for the text format ([`super::envoy`]): service from the upstream cluster
//! (Istio's FQDN), else the requested server name's FQDN, else the authority; host the
//! authority; scheme from `x_forwarded_proto`/`scheme` when logged; route none; client IP the
//! first `X-Forwarded-For` hop, else the downstream remote address. `x_forwarded_for`,
//! `user_agent`, `request_id`, and any logged `authorization`/`x-api-key`, become request
//! headers; `request_headers`/`response_headers` objects are read whole.

use super::common::{self, unset};
use super::envoy;
use super::seed::normalize_method;
use crate::jsonscan::{Kind, Scanner};
use apispm_core::Exchange;
use std::borrow::Cow;

#[derive(Clone, Copy, PartialEq)]
enum F {
    Method,
    OriginalPath,
    Path,
    Status,
    Time,
    Authority,
    Cluster,
    Xff,
    UserAgent,
    RequestId,
    Scheme,
    Remote,
    Sni,
    Auth,
    ApiKey,
    ReqHeaders,
    RespHeaders,
}

fn field(key: &str) -> Option<F> {
    Some(match key {
        "method" | ":method" | "request_method" | "http_method" => F::Method,
        "x-envoy-original-path" | "x_envoy_original_path" | "original_path" => F::OriginalPath,
        "path" | ":path" | "request_path" | "uri" => F::Path,
        "response_code" | "status" | "status_code" | "response_status" | ":status" => F::Status,
        "start_time" | "@timestamp" | "timestamp" | "time" => F::Time,
        "authority" | ":authority" | "host" => F::Authority,
        "upstream_cluster" | "cluster" => F::Cluster,
        "x_forwarded_for" | "x-forwarded-for" | "forwarded_for" => F::Xff,
        "user_agent" | "user-agent" | "useragent" => F::UserAgent,
        "request_id" | "x-request-id" | "x_request_id" => F::RequestId,
        "x_forwarded_proto" | "x-forwarded-proto" | "scheme" | ":scheme" => F::Scheme,
        "downstream_remote_address"
        | "downstream_remote_address_without_port"
        | "downstream_direct_remote_address"
        | "client_ip"
        | "remote_address" => F::Remote,
        "requested_server_name" => F::Sni,
        "authorization" => F::Auth,
        "x-api-key" | "x_api_key" => F::ApiKey,
        "request_headers" => F::ReqHeaders,
        "response_headers" => F::RespHeaders,
        _ => return None,
    })
}

pub fn parse(text: &str) -> Result<Exchange<'_>, String> {
    let mut sc = Scanner::new(text);
    common::expect_object(&mut sc)?;
    let mut ex = Exchange::default();
    let mut v: [Option<Cow<'_, str>>; 15] = Default::default();
    let mut status = None;
    sc.object(|sc, key| {
        let k = common::key(&key);
        let Some(f) = field(&k) else {
            return sc.skip();
        };
        match f {
            F::Status => status = sc.lenient_int(&k)?,
            F::Time => ex.time_ms = sc.timestamp(&k)?,
            F::ReqHeaders => sc.headers(&mut ex.request_headers, "request_headers")?,
            F::RespHeaders => sc.headers(&mut ex.response_headers, "response_headers")?,
            _ => {
                let t = match sc.peek()? {
                    Kind::Obj | Kind::Arr => {
                        sc.skip()?;
                        None
                    }
                    _ => unset(sc.text(&k)?),
                };
                if t.is_some() {
                    v[f as usize] = t;
                }
            }
        }
        Ok(())
    })
    .and_then(|_| sc.finish())
    .map_err(|e| e.describe())?;

    let [
        method,
        original_path,
        path,
        _,
        _,
        authority,
        cluster,
        xff,
        ua,
        req_id,
        scheme,
        remote,
        sni,
        auth,
        api_key,
    ] = v;
    let method = method.ok_or("missing method")?;
    ex.method = normalize_method(method)?;
    let target = original_path.or(path).ok_or("missing path")?;
    let (path, query) = common::split_target(target);
    ex.path = path;
    ex.query = query;
    ex.status = common::status(status)?;
    ex.scheme = scheme;
    let service = cluster
        .as_ref()
        .and_then(|c| common::narrow(c, envoy::cluster_service))
        .or_else(|| common::narrow(sni.as_ref()?, envoy::sni_service));
    ex.service = service.or_else(|| authority.clone());
    ex.host = authority;
    ex.client_ip = xff
        .as_ref()
        .and_then(|x| common::narrow(x, |s| Some(common::first_hop(s))))
        .or_else(|| common::narrow(remote.as_ref()?, |s| Some(common::strip_port(s))))
        .filter(|s| !s.is_empty());
    for (name, val) in [
        ("x-forwarded-for", xff),
        ("user-agent", ua),
        ("x-request-id", req_id),
        ("authorization", auth),
        ("x-api-key", api_key),
    ] {
        if let Some(val) = val {
            ex.request_headers.push((Cow::Borrowed(name), val));
        }
    }
    Ok(ex)
}

/// An object with Envoy's or Istio's characteristic keys.
pub fn looks_like(text: &str) -> bool {
    let keys = common::sniff_keys(text);
    let has = |k| common::has(&keys, k);
    has("response_code")
        || has("response_flags")
        || has("upstream_cluster")
        || has("upstream_host")
        || has(":authority")
        || has(":method")
        || has("downstream_remote_address")
        || (has("authority") && (has("method") || has("path")))
}

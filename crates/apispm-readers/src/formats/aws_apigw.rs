//! Amazon API Gateway access logs in JSON, REST and HTTP APIs. The operator picks the keys in
//! the log template; the names of the console examples and of the `$context` variables are
//! read (`httpMethod`, `resourcePath`, `routeKey`, `path`, `status`, `ip` or `sourceIp`,
//! `requestTime`, `requestTimeEpoch`, `apiId`, `domainName`, `user`, `caller`, …), flat,
//! dotted (`identity.sourceIp`) or nested (`"identity": {"sourceIp": …}`). Every value may be
//! a string; `-` is unset.
//!
//! Mapping:
//! - route: REST `resourcePath` (the matched template, `/pets/{petId}`), else the path of an
//!   HTTP API `routeKey` (`POST /orders/{id}`); `$default` is no template.
//! - path: `path` as logged (REST includes the stage: `/prod/pets/1`), else the template.
//! - method: `httpMethod`, else the method of the `routeKey` (unless `ANY`).
//! - service: `apiId`, else `domainName` (the stage is not part of it: stages deploy the same
//!   API). host: `domainName`.
//! - scheme: always `https` (API Gateway serves HTTPS only).
//! - time: `requestTimeEpoch`, else `requestTime` (`26/Jul/2023:12:07:03 +0000`).
//! - consumer: the authorizer's `principalId`, else `user`, `caller`, `cognitoIdentityId`,
//!   `userArn`, `apiKeyId`.
//! - `userAgent` becomes the `User-Agent` request header.
//!
//! A CloudWatch event (`{"message": "<the access log line>", …}`) is unwrapped.

use super::common::{self, unset};
use super::seed::normalize_method;
use crate::jsonscan::{Kind, Result as ScanResult, Scanner};
use apispm_core::Exchange;
use std::borrow::Cow;

#[derive(Default)]
struct Parts<'a> {
    method: Option<Cow<'a, str>>,
    resource_path: Option<Cow<'a, str>>,
    route_key: Option<Cow<'a, str>>,
    path: Option<Cow<'a, str>>,
    status: Option<i64>,
    time_text: Option<Cow<'a, str>>,
    epoch: Option<i64>,
    ip: Option<Cow<'a, str>>,
    api_id: Option<Cow<'a, str>>,
    domain: Option<Cow<'a, str>>,
    principal: Option<Cow<'a, str>>,
    user: Option<Cow<'a, str>>,
    caller: Option<Cow<'a, str>>,
    cognito: Option<Cow<'a, str>>,
    user_arn: Option<Cow<'a, str>>,
    api_key_id: Option<Cow<'a, str>>,
    user_agent: Option<Cow<'a, str>>,
    message: Option<Cow<'a, str>>,
    envelope_time: Option<i64>,
    fields: u32,
}

/// Reads one value into the slot its key names; false when the key is not one of ours.
fn field<'a>(sc: &mut Scanner<'a>, key: &str, p: &mut Parts<'a>) -> ScanResult<bool> {
    let slot = match key {
        "httpMethod" | "http_method" | "context.httpMethod" => &mut p.method,
        "resourcePath" | "resource_path" | "context.resourcePath" => &mut p.resource_path,
        "routeKey" | "route_key" | "context.routeKey" => &mut p.route_key,
        "path" | "context.path" => &mut p.path,
        "ip" | "sourceIp" | "source_ip" | "identity.sourceIp" | "clientIp" | "client_ip" => {
            &mut p.ip
        }
        "apiId" | "api_id" => &mut p.api_id,
        "domainName" | "domain_name" => &mut p.domain,
        "principalId" | "authorizer.principalId" | "authorizerPrincipalId" => &mut p.principal,
        "user" | "identity.user" => &mut p.user,
        "caller" | "identity.caller" => &mut p.caller,
        "cognitoIdentityId" | "identity.cognitoIdentityId" => &mut p.cognito,
        "userArn" | "identity.userArn" => &mut p.user_arn,
        "apiKeyId" | "identity.apiKeyId" => &mut p.api_key_id,
        "userAgent" | "identity.userAgent" | "user_agent" => &mut p.user_agent,
        "requestTime" | "request_time" => &mut p.time_text,
        "status" | "statusCode" | "status_code" => {
            p.status = sc.lenient_int(key)?;
            p.fields += 1;
            return Ok(true);
        }
        "requestTimeEpoch" | "request_time_epoch" => {
            p.epoch = sc.lenient_int(key)?;
            return Ok(true);
        }
        _ => return Ok(false),
    };
    *slot = unset(sc.text(key)?);
    p.fields += 1;
    Ok(true)
}

/// A nested `identity` or `authorizer` object.
fn nested<'a>(sc: &mut Scanner<'a>, prefix: &str, p: &mut Parts<'a>) -> ScanResult<()> {
    sc.object(|sc, key| {
        let k = common::key(&key);
        let full = format!("{prefix}.{k}");
        if !field(sc, &full, p)? {
            sc.skip()?;
        }
        Ok(())
    })
}

pub fn parse(text: &str) -> Result<Exchange<'_>, String> {
    let mut sc = Scanner::new(text);
    common::expect_object(&mut sc)?;
    let mut p = Parts::default();
    sc.object(|sc, key| {
        let k = common::key(&key);
        if field(sc, &k, &mut p)? {
            return Ok(());
        }
        match (&*k, sc.peek()?) {
            ("identity", Kind::Obj) => nested(sc, "identity", &mut p),
            ("authorizer", Kind::Obj) => nested(sc, "authorizer", &mut p),
            ("message", Kind::Str) => {
                p.message = sc.text("message")?;
                Ok(())
            }
            ("timestamp", Kind::Num) => {
                p.envelope_time = sc.timestamp("timestamp")?;
                Ok(())
            }
            _ => sc.skip(),
        }
    })
    .and_then(|_| sc.finish())
    .map_err(|e| e.describe())?;

    if p.fields == 0 {
        if let Some(m) = &p.message {
            if m.trim_start().starts_with('{') {
                let mut ex = common::into_owned(parse(m)?);
                if ex.time_ms.is_none() {
                    ex.time_ms = p.envelope_time;
                }
                return Ok(ex);
            }
        }
    }
    build(p)
}

fn build(p: Parts<'_>) -> Result<Exchange<'_>, String> {
    let mut ex = Exchange::default();
    // `GET /pets/{id}`; `$default`, `$connect` and other `$` keys are no template.
    let (key_method, key_path) = match p.route_key.as_ref() {
        Some(k) if !k.starts_with('$') => match k.find(' ') {
            Some(i) => (
                Some(common::sub(k, 0..i)),
                Some(common::sub(k, i + 1..k.len())).filter(|p| p.starts_with('/')),
            ),
            None => (None, None),
        },
        _ => (None, None),
    };
    let method = unset(p.method)
        .or(key_method.filter(|m| !m.eq_ignore_ascii_case("ANY")))
        .ok_or_else(|| match &p.route_key {
            Some(k) => format!(
                "missing httpMethod (routeKey \"{}\" names none)",
                common::clip(k, 40)
            ),
            None => "missing httpMethod".to_string(),
        })?;
    ex.method = normalize_method(method)?;
    ex.route = p.resource_path.or(key_path);
    let (path, query) = match p.path {
        Some(path) => common::split_target(path),
        None => match &ex.route {
            Some(r) => (r.clone(), None),
            None => return Err("missing path (no path, resourcePath or routeKey)".into()),
        },
    };
    ex.path = path;
    ex.query = query;
    ex.status = common::status(p.status)?;
    ex.time_ms = match (p.epoch, &p.time_text) {
        (Some(e), _) => Some(
            apispm_core::time::from_epoch_number(e as f64)
                .ok_or_else(|| format!("bad requestTimeEpoch {e}"))?,
        ),
        (None, Some(t)) => Some(
            common::clf_time(t)
                .or_else(|| apispm_core::time::parse_any(t))
                .ok_or_else(|| format!("bad requestTime \"{}\"", common::clip(t, 40)))?,
        ),
        (None, None) => None,
    };
    ex.scheme = Some(Cow::Borrowed("https"));
    ex.service = p.api_id.or_else(|| p.domain.clone());
    ex.host = p.domain;
    ex.client_ip = p.ip;
    ex.consumer = p
        .principal
        .or(p.user)
        .or(p.caller)
        .or(p.cognito)
        .or(p.user_arn)
        .or(p.api_key_id);
    if let Some(ua) = p.user_agent {
        ex.request_headers.push((Cow::Borrowed("User-Agent"), ua));
    }
    Ok(ex)
}

/// An access-log object: `requestId` (required by API Gateway in every access-log format)
/// with `httpMethod`, `routeKey` or `resourcePath`; also inside a CloudWatch `message`.
pub fn looks_like(text: &str) -> bool {
    let keys = common::sniff_keys(text);
    let has = |k| common::has(&keys, k);
    if (has("requestId") || has("extendedRequestId"))
        && (has("httpMethod") || has("routeKey") || has("resourcePath"))
    {
        return true;
    }
    if keys
        .iter()
        .any(|(k, kind)| k == "message" && *kind == Kind::Str)
    {
        let mut sc = Scanner::new(common::first_object(text));
        let mut inner = None;
        let _ = sc.object(|sc, key| {
            if key.is("message") && sc.peek()? == Kind::Str {
                inner = Some(sc.string()?.decode().into_owned());
                Ok(())
            } else {
                sc.skip()
            }
        });
        if let Some(m) = inner {
            return m.trim_start().starts_with('{') && looks_like(&m);
        }
    }
    false
}

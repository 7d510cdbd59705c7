//! apispm's own rules (`apispm:`): what Spectral's ruleset leaves out or only approximates.
//! They read the document as an API (operations, their inputs and outputs, references
//! followed) rather than node by node.

use crate::audit::{Cx, Hit, Op};
use crate::owasp::{op_parameters, truthy};
use crate::pointer;
use crate::rules::*;
use apispm_core::Severity;
use hashbrown::HashSet;
use serde_json::{Map, Value};

pub(crate) fn run(cx: &mut Cx) {
    anonymous_operations(cx);
    plain_http_servers(cx);
    unbounded_input(cx);
    sensitive_responses(cx);
    missing_security_responses(cx);
}

fn is_write(method: &str) -> bool {
    matches!(method, "post" | "put" | "patch" | "delete")
}

/// How an operation's effective security requirement lets anonymous calls in, if it does.
fn anonymous_because(cx: &Cx, op: &Op) -> Option<&'static str> {
    let (sec, own) = match op.op.get("security") {
        Some(s) => (Some(s), true),
        None => (cx.root.get("security"), false),
    };
    match sec {
        None => Some("neither the operation nor the document declares a security requirement"),
        Some(Value::Array(a)) if a.is_empty() => Some(if own {
            "the operation turns authentication off with `security: []`"
        } else {
            "the document's `security` is empty"
        }),
        Some(Value::Array(a)) if a.iter().any(|r| r.as_object().is_some_and(Map::is_empty)) => {
            Some(
                "its security requirement has an empty alternative `{}`, which accepts anonymous calls",
            )
        }
        Some(Value::Array(_)) => None,
        Some(_) => Some("its `security` is not a list of requirements"),
    }
}

fn anonymous_operations(cx: &mut Cx) {
    let mut hits = Vec::new();
    for op in cx
        .ops
        .iter()
        .filter(|o| !o.callback && o.method != "options")
    {
        if let Some(why) = anonymous_because(cx, op) {
            let at = if op.op.contains_key("security") {
                pointer::join(&op.ptr, "security")
            } else {
                op.ptr.clone()
            };
            let severity = if is_write(op.method) {
                Severity::High
            } else {
                Severity::Medium
            };
            hits.push((
                at,
                format!("{} can be called anonymously: {why}.", op.label()),
                op.key(),
                severity,
            ));
        }
    }
    for (at, d, key, sev) in hits {
        cx.hit_op(&OPERATION_WITHOUT_SECURITY, at, d, key, sev);
    }
}

fn loopback(host: &str) -> bool {
    let h = host.to_ascii_lowercase();
    let h = h.split('@').next_back().unwrap_or(&h);
    let name = if let Some(rest) = h.strip_prefix('[') {
        rest.split(']').next().unwrap_or("")
    } else {
        h.split(':').next().unwrap_or("")
    };
    name == "localhost"
        || name.ends_with(".localhost")
        || name.starts_with("127.")
        || name == "::1"
        || name == "0.0.0.0"
}

/// The URLs a server can be: variables replaced by their default, and each `enum` value of
/// each variable in turn.
fn expansions(url: &str, vars: Option<&Map<String, Value>>) -> Vec<String> {
    let defaults = |skip: Option<(&str, &str)>| {
        let mut out = url.to_string();
        if let Some(vars) = vars {
            for (name, v) in vars {
                let val = match skip {
                    Some((n, val)) if n == name => val.to_string(),
                    _ => v
                        .get("default")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_string(),
                };
                out = out.replace(&format!("{{{name}}}"), &val);
            }
        }
        out
    };
    let mut out = vec![defaults(None)];
    if let Some(vars) = vars {
        for (name, v) in vars {
            if let Some(Value::Array(vals)) = v.get("enum") {
                for val in vals.iter().filter_map(Value::as_str).take(32) {
                    out.push(defaults(Some((name, val))));
                }
            }
        }
    }
    out
}

fn plain_http(url: &str) -> Option<&'static str> {
    let l = url.trim_start().to_ascii_lowercase();
    let (scheme, rest) = if let Some(r) = l.strip_prefix("http://") {
        ("http", r)
    } else if let Some(r) = l.strip_prefix("ws://") {
        ("ws", r)
    } else {
        return None;
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    if loopback(host) { None } else { Some(scheme) }
}

fn plain_http_servers(cx: &mut Cx) {
    if cx.v2 {
        // Swagger 2.0's `schemes` are owasp:api8:2023-no-scheme-http's.
        return;
    }
    let mut lists: Vec<(&Value, String, bool)> = Vec::new();
    if let Some(s) = cx.root.get("servers") {
        lists.push((s, "/servers".to_string(), true));
    }
    let mut items_seen: Vec<&str> = Vec::new();
    for op in &cx.ops {
        if !items_seen.contains(&op.item_ptr.as_str()) {
            items_seen.push(&op.item_ptr);
            if let Some(s) = op.item.get("servers") {
                lists.push((s, pointer::join(&op.item_ptr, "servers"), false));
            }
        }
        if let Some(s) = op.op.get("servers") {
            lists.push((s, pointer::join(&op.ptr, "servers"), false));
        }
    }
    let mut hits = Vec::new();
    for (list, at, top) in lists {
        let Value::Array(list) = list else { continue };
        for (i, server) in list.iter().enumerate() {
            let Some(url) = server.get("url").and_then(Value::as_str) else {
                continue;
            };
            // The top level's literal http: URLs are owasp:api8:2023-no-server-http's.
            if top && url.starts_with("http:") {
                continue;
            }
            let vars = server.get("variables").and_then(Value::as_object);
            let bad = expansions(url, vars)
                .into_iter()
                .find_map(|u| plain_http(&u).map(|s| (s, u)));
            if let Some((scheme, expanded)) = bad {
                let via = if expanded == url {
                    String::new()
                } else {
                    format!(" (as `{expanded}`)")
                };
                hits.push((
                    pointer::join(&pointer::join(&at, &i.to_string()), "url"),
                    format!("Server `{url}`{via} is served over plain {scheme}, without TLS."),
                ));
            }
        }
    }
    for (p, d) in hits {
        cx.hit(&SERVER_PLAIN_HTTP, p, d);
    }
}

/// Formats whose validators bound the length.
const BOUNDED_FORMATS: [&str; 12] = [
    "date",
    "date-time",
    "time",
    "uuid",
    "ipv4",
    "ipv6",
    "hostname",
    "int32",
    "int64",
    "duration",
    "ulid",
    "country-code",
];

/// An anchored pattern without unbounded repetition (`^[A-Z]{3}$`) bounds the length too.
fn bounded_pattern(p: &str) -> bool {
    p.starts_with('^') && p.ends_with('$') && !p.contains(['*', '+']) && !p.contains(",}")
}

fn type_has(o: &Map<String, Value>, t: &str) -> bool {
    match o.get("type") {
        Some(Value::String(s)) => s == t,
        Some(Value::Array(a)) => a.iter().any(|x| x.as_str() == Some(t)),
        _ => false,
    }
}

/// Subschemas of a schema, with their pointers.
fn subschemas<'a>(o: &'a Map<String, Value>, at: &str) -> Vec<(&'a Value, String)> {
    let mut out = Vec::new();
    for key in ["properties", "patternProperties"] {
        if let Some(Value::Object(props)) = o.get(key) {
            let kp = pointer::join(at, key);
            for (name, s) in props {
                out.push((s, pointer::join(&kp, name)));
            }
        }
    }
    for key in [
        "items",
        "additionalProperties",
        "additionalItems",
        "unevaluatedProperties",
        "not",
    ] {
        match o.get(key) {
            Some(s @ Value::Object(_)) => out.push((s, pointer::join(at, key))),
            Some(Value::Array(list)) if key == "items" => {
                let kp = pointer::join(at, key);
                for (i, s) in list.iter().enumerate() {
                    out.push((s, pointer::join(&kp, &i.to_string())));
                }
            }
            _ => {}
        }
    }
    for key in ["allOf", "anyOf", "oneOf", "prefixItems"] {
        if let Some(Value::Array(list)) = o.get(key) {
            let kp = pointer::join(at, key);
            for (i, s) in list.iter().enumerate() {
                out.push((s, pointer::join(&kp, &i.to_string())));
            }
        }
    }
    out
}

/// The name a schema node is known by: its property name, else what the caller called it.
fn field_name<'s>(at: &'s str, fallback: &'s str) -> String {
    let segs = pointer::segments(at);
    match segs.as_slice() {
        [.., parent, name] if parent == "properties" => name.clone(),
        _ => fallback.to_string(),
    }
}

/// Walks an input schema, references followed; each node is judged once for the whole
/// document (`seen`), in the name of the first operation that reaches it.
#[allow(clippy::too_many_arguments)]
fn input_schema<'a>(
    cx: &Cx<'a>,
    v: &'a Value,
    at: String,
    name: &str,
    op: &Op<'a>,
    seen: &mut HashSet<String>,
    hits: &mut Vec<Hit>,
    depth: usize,
) {
    if depth > 64 {
        return;
    }
    let Some((Value::Object(o), at)) = cx.resolve(v, &at) else {
        return;
    };
    if !seen.insert(at.clone()) {
        return;
    }
    if o.get("readOnly").is_some_and(truthy) {
        return;
    }
    let field = field_name(&at, name);
    let key = if pointer::is_within(&at, &op.ptr) {
        op.key()
    } else {
        None
    };
    if type_has(o, "string") {
        let bounded = o.contains_key("maxLength")
            || o.contains_key("enum")
            || o.contains_key("const")
            || o.get("format")
                .and_then(Value::as_str)
                .is_some_and(|f| BOUNDED_FORMATS.contains(&f))
            || o.get("pattern")
                .and_then(Value::as_str)
                .is_some_and(bounded_pattern);
        if !bounded {
            hits.push(Hit {
                rule: &UNBOUNDED_STRING_INPUT,
                pointer: at.clone(),
                detail: format!(
                    "`{field}`, a string {} accepts, has no maxLength.",
                    op.label()
                ),
                severity: UNBOUNDED_STRING_INPUT.severity,
                op: key.clone(),
            });
        }
    }
    if type_has(o, "array") && !o.contains_key("maxItems") {
        hits.push(Hit {
            rule: &UNBOUNDED_ARRAY_INPUT,
            pointer: at.clone(),
            detail: format!(
                "`{field}`, an array {} accepts, has no maxItems.",
                op.label()
            ),
            severity: UNBOUNDED_ARRAY_INPUT.severity,
            op: key,
        });
    }
    for (s, sp) in subschemas(o, &at) {
        input_schema(cx, s, sp, &field, op, seen, hits, depth + 1);
    }
}

fn content_schemas<'a>(holder: &'a Map<String, Value>, at: &str) -> Vec<(&'a Value, String)> {
    let mut out = Vec::new();
    if let Some(Value::Object(content)) = holder.get("content") {
        let cp = pointer::join(at, "content");
        for (media, m) in content {
            if let Some(s) = m.get("schema") {
                out.push((s, pointer::join(&pointer::join(&cp, media), "schema")));
            }
        }
    }
    out
}

fn unbounded_input(cx: &mut Cx) {
    let mut seen = HashSet::new();
    let mut hits = Vec::new();
    for op in cx.ops.iter().filter(|o| !o.callback) {
        for (p, at) in op_parameters(cx, op) {
            let name = p.get("name").and_then(Value::as_str).unwrap_or("parameter");
            let loc = p.get("in").and_then(Value::as_str).unwrap_or("");
            if cx.v2 && loc != "body" {
                // A Swagger 2.0 parameter is its own schema.
                if let Some(v) = cx.root.pointer(&at) {
                    input_schema(cx, v, at.clone(), name, op, &mut seen, &mut hits, 0);
                }
                continue;
            }
            if let Some(s) = p.get("schema") {
                input_schema(
                    cx,
                    s,
                    pointer::join(&at, "schema"),
                    name,
                    op,
                    &mut seen,
                    &mut hits,
                    0,
                );
            }
            for (s, sp) in content_schemas(p, &at) {
                input_schema(cx, s, sp, name, op, &mut seen, &mut hits, 0);
            }
        }
        if let Some(raw) = op.op.get("requestBody") {
            if let Some((Value::Object(body), bp)) =
                cx.resolve(raw, &pointer::join(&op.ptr, "requestBody"))
            {
                for (s, sp) in content_schemas(body, &bp) {
                    input_schema(cx, s, sp, "body", op, &mut seen, &mut hits, 0);
                }
            }
        }
    }
    cx.hits.extend(hits);
}

/// Words of a property name: `cardNumber`, `card_number` and `card-number` are
/// `["card", "number"]`.
fn words(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut prev_lower = false;
    for c in name.chars() {
        if !c.is_alphanumeric() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            prev_lower = false;
            continue;
        }
        if c.is_uppercase() && prev_lower && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        prev_lower = c.is_lowercase() || c.is_ascii_digit();
        cur.extend(c.to_lowercase());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// What a property name says it holds, if it is a secret or a personal datum, and how bad
/// returning it is.
fn sensitive_kind(name: &str) -> Option<(&'static str, Severity)> {
    let w = words(name);
    let joined: String = w.concat();
    let last = w.last().map(String::as_str).unwrap_or("");
    let before_last = if w.len() >= 2 {
        w[w.len() - 2].as_str()
    } else {
        ""
    };
    // Redacted or derived forms are not the datum.
    const HARMLESS: [&str; 14] = [
        "last4", "last", "hint", "masked", "redacted", "set", "exists", "required", "policy",
        "length", "changed", "expires", "has", "is",
    ];
    if w.iter().any(|x| HARMLESS.contains(&x.as_str())) || joined.ends_with("last4") {
        return None;
    }
    if ["password", "passwd", "passphrase"]
        .iter()
        .any(|p| joined.contains(p))
        || last == "pwd"
    {
        return Some(("a password", Severity::High));
    }
    if last == "ssn" || joined.contains("socialsecurity") {
        return Some(("a social security number", Severity::High));
    }
    if joined.contains("cardnumber")
        || joined.contains("creditcard")
        || joined == "pan"
        || (before_last == "card" && matches!(last, "number" | "num" | "no"))
    {
        return Some(("a card number", Severity::High));
    }
    if matches!(last, "cvv" | "cvc" | "cvv2" | "cvc2" | "csc") {
        return Some(("a card security code", Severity::High));
    }
    if last == "key"
        && matches!(
            before_last,
            "private" | "secret" | "signing" | "encryption" | "master"
        )
        || joined == "privatekey"
    {
        return Some(("a private or secret key", Severity::High));
    }
    if last == "secret" || joined == "clientsecret" {
        return Some(("a secret", Severity::High));
    }
    if (last == "key" && matches!(before_last, "api" | "access")) || joined == "apikey" {
        return Some(("an API key", Severity::Medium));
    }
    // Pagination cursors and CSRF tokens are tokens too, but not credentials.
    if last == "token"
        && !matches!(
            before_last,
            "page"
                | "next"
                | "continuation"
                | "pagination"
                | "cursor"
                | "sync"
                | "prev"
                | "previous"
                | "resume"
                | "csrf"
                | "xsrf"
        )
    {
        return Some(("a token", Severity::Medium));
    }
    None
}

fn output_schema<'a>(
    cx: &Cx<'a>,
    v: &'a Value,
    at: String,
    seen: &mut HashSet<String>,
    hits: &mut Vec<(String, String, Severity)>,
    depth: usize,
) {
    if depth > 64 {
        return;
    }
    let Some((Value::Object(o), at)) = cx.resolve(v, &at) else {
        return;
    };
    if !seen.insert(at.clone()) {
        return;
    }
    if let Some(Value::Object(props)) = o.get("properties") {
        let pp = pointer::join(&at, "properties");
        for (name, raw) in props {
            let p_at = pointer::join(&pp, name);
            let Some((Value::Object(prop), _)) = cx.resolve(raw, &p_at) else {
                continue;
            };
            if prop.get("writeOnly").is_some_and(truthy) {
                continue;
            }
            let scalar = !["boolean", "integer", "number"]
                .iter()
                .any(|t| type_has(prop, t));
            let dated = prop
                .get("format")
                .and_then(Value::as_str)
                .is_some_and(|f| f.starts_with("date"));
            let by_format = prop.get("format").and_then(Value::as_str) == Some("password");
            let kind = if by_format {
                Some(("a password (format: password)", Severity::High))
            } else if scalar && !dated {
                sensitive_kind(name)
            } else {
                None
            };
            if let Some((what, sev)) = kind {
                hits.push((
                    p_at,
                    format!("Response property `{name}` looks like {what} and is not writeOnly."),
                    sev,
                ));
            }
        }
    }
    for (s, sp) in subschemas(o, &at) {
        output_schema(cx, s, sp, seen, hits, depth + 1);
    }
}

fn sensitive_responses(cx: &mut Cx) {
    let mut seen = HashSet::new();
    let mut hits = Vec::new();
    for op in cx.ops.iter().filter(|o| !o.callback) {
        let Some(Value::Object(responses)) = op.op.get("responses") else {
            continue;
        };
        let rp = pointer::join(&op.ptr, "responses");
        for (code, raw) in responses {
            let Some((Value::Object(r), at)) = cx.resolve(raw, &pointer::join(&rp, code)) else {
                continue;
            };
            if let Some(s) = r.get("schema") {
                output_schema(cx, s, pointer::join(&at, "schema"), &mut seen, &mut hits, 0);
            }
            for (s, sp) in content_schemas(r, &at) {
                output_schema(cx, s, sp, &mut seen, &mut hits, 0);
            }
        }
    }
    for (p, d, sev) in hits {
        cx.hit_op(&SENSITIVE_FIELD_IN_RESPONSE, p, d, None, sev);
    }
}

fn missing_security_responses(cx: &mut Cx) {
    let mut hits = Vec::new();
    for op in cx
        .ops
        .iter()
        .filter(|o| !o.callback && o.method != "options")
    {
        let responses = op.op.get("responses").and_then(Value::as_object);
        let has = |c: &str| responses.is_some_and(|r| r.contains_key(c));
        let range = has("4XX") || has("4xx");
        let secured = anonymous_because(cx, op).is_none();
        let mut missing = Vec::new();
        if secured && !(has("401") || has("403") || range) {
            missing.push("401 or 403");
        }
        if !(has("429") || range) {
            missing.push("429");
        }
        if missing.is_empty() {
            continue;
        }
        let at = if responses.is_some() {
            pointer::join(&op.ptr, "responses")
        } else {
            op.ptr.clone()
        };
        hits.push((
            at,
            format!(
                "{} declares no {} response.",
                op.label(),
                missing.join(" and no ")
            ),
            op.key(),
        ));
    }
    for (p, d, key) in hits {
        cx.hit_op(
            &MISSING_SECURITY_RESPONSES,
            p,
            d,
            key,
            MISSING_SECURITY_RESPONSES.severity,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sensitive_names() {
        for n in [
            "password",
            "newPassword",
            "user_password",
            "ssn",
            "social_security_number",
            "cardNumber",
            "card_number",
            "cvv",
            "client_secret",
            "secret",
            "private_key",
            "access_token",
            "refreshToken",
            "token",
            "api_key",
            "apiKey",
        ] {
            assert!(sensitive_kind(n).is_some(), "{n}");
        }
        for n in [
            "max_tokens",
            "tokens",
            "next_page_token",
            "card_last4",
            "password_policy",
            "has_password",
            "name",
            "token_type",
            "secretary",
            "key",
            "id",
        ] {
            assert!(sensitive_kind(n).is_none(), "{n}");
        }
    }

    #[test]
    fn server_expansion() {
        let vars: Map<String, Value> =
            serde_json::from_str(r#"{"scheme": {"default": "https", "enum": ["https", "http"]}}"#)
                .unwrap();
        let e = expansions("{scheme}://api.example.com", Some(&vars));
        assert!(e.contains(&"http://api.example.com".to_string()));
        assert_eq!(plain_http("http://api.example.com/v1"), Some("http"));
        assert_eq!(plain_http("http://localhost:8080"), None);
        assert_eq!(plain_http("ws://127.0.0.1"), None);
        assert_eq!(plain_http("ws://x.example"), Some("ws"));
        assert_eq!(plain_http("https://x"), None);
    }

    #[test]
    fn bounded_patterns() {
        assert!(bounded_pattern("^[A-Z]{3}$"));
        assert!(!bounded_pattern("^[A-Z]+$"));
        assert!(!bounded_pattern("[A-Z]{3}"));
        assert!(!bounded_pattern("^a{2,}$"));
    }
}

//! The 32 rules of Spectral's OWASP ruleset (2023), with its semantics: the JSONPath each
//! rule is given, the JavaScript truthiness and loose equality its functions use, results
//! placed at the deepest node that exists on the rule's path, and a node reached through a
//! `$ref` reported once, where it is defined. Where apispm deliberately differs, the
//! difference is marked `Deliberate:` here and listed in `docs/audit.md`.

use crate::audit::{Cx, Hit, Op};
use crate::pointer;
use crate::rules::*;
use serde_json::{Map, Value};

pub(crate) fn run(cx: &mut Cx) {
    let mut ptr = String::new();
    let root = cx.root;
    walk(cx, root, &mut ptr, false);
    numeric_ids(cx);
    security_schemes(cx);
    restricted(cx);
    admin_unique(cx);
    concerning_url_parameters(cx);
    operation_responses(cx);
    servers(cx);
    let root = cx.root;
    for h in &mut cx.hits {
        if let Some(p) = through_references(root, &h.pointer) {
            h.pointer = p;
        }
    }
}

/// Spectral reports a result that lands on (or passes through) a plain `$ref` where the
/// reference points: `additionalProperties: {$ref: '#/components/schemas/Manifest'}` is
/// reported at `/components/schemas/Manifest`. `None` when no reference is crossed.
fn through_references(root: &Value, ptr: &str) -> Option<String> {
    fn follow<'a>(root: &'a Value, cur: &mut &'a Value, at: &mut String, crossed: &mut bool) {
        let plain_ref = matches!(*cur, Value::Object(o) if o.len() == 1 && o.contains_key("$ref"));
        if plain_ref {
            if let Some((t, p)) = crate::document::resolve(root, cur, at) {
                *cur = t;
                *at = p;
                *crossed = true;
            }
        }
    }
    let mut cur = root;
    let mut at = String::new();
    let mut crossed = false;
    for seg in pointer::segments(ptr) {
        follow(root, &mut cur, &mut at, &mut crossed);
        cur = match cur {
            Value::Object(o) => o.get(&seg)?,
            Value::Array(a) => a.get(seg.parse::<usize>().ok()?)?,
            _ => return None,
        };
        at = pointer::join(&at, &seg);
    }
    follow(root, &mut cur, &mut at, &mut crossed);
    crossed.then_some(at)
}

/// Keys whose value is a map of names (property names, status codes, scheme names) rather
/// than keywords.
const NAME_MAPS: [&str; 22] = [
    "properties",
    "patternProperties",
    "definitions",
    "$defs",
    "schemas",
    "parameters",
    "responses",
    "headers",
    "securitySchemes",
    "securityDefinitions",
    "requestBodies",
    "links",
    "callbacks",
    "pathItems",
    "paths",
    "webhooks",
    "content",
    "encoding",
    "variables",
    "dependentSchemas",
    "scopes",
    "mapping",
];

/// Keywords whose values are data, not descriptions: a `type: string` inside an example is
/// not a schema. Deliberate: Spectral's `$..` also walks examples and flags them.
const DATA_KEYWORDS: [&str; 5] = ["example", "examples", "default", "enum", "const"];

/// Spectral's `$..[?(…)]` rules: every node of the document (but the root) once, where it is
/// written.
fn walk<'a>(cx: &mut Cx<'a>, v: &'a Value, ptr: &mut String, names: bool) {
    match v {
        Value::Object(o) => {
            if !ptr.is_empty() && !names {
                if o.len() > 1 && o.contains_key("$ref") {
                    // A reference with siblings (3.1's `$ref` + `description`) is a node of its
                    // own where it is written: the target with the siblings laid over it.
                    if let Some((Value::Object(target), _)) = cx.resolve(v, ptr) {
                        let mut merged = target.clone();
                        for (k, x) in o {
                            if k != "$ref" {
                                merged.insert(k.clone(), x.clone());
                            }
                        }
                        schema_checks(cx, &merged, ptr);
                    }
                } else {
                    schema_checks(cx, o, ptr);
                }
            }
            for (k, child) in o {
                if k == "x-apispm-ignore" || (!names && DATA_KEYWORDS.contains(&k.as_str())) {
                    continue;
                }
                let len = ptr.len();
                ptr.push('/');
                ptr.push_str(&pointer::escape(k));
                if !names {
                    match k.as_str() {
                        "securitySchemes" if cx.oas3() => scheme_urls(cx, child, ptr),
                        "parameters" if cx.oas3() => credentials_in_url(cx, child, ptr),
                        "responses" => response_headers(cx, child, ptr),
                        _ => {}
                    }
                }
                walk(cx, child, ptr, !names && NAME_MAPS.contains(&k.as_str()));
                ptr.truncate(len);
            }
        }
        Value::Array(a) => {
            for (i, child) in a.iter().enumerate() {
                let len = ptr.len();
                ptr.push('/');
                ptr.push_str(&i.to_string());
                walk(cx, child, ptr, false);
                ptr.truncate(len);
            }
        }
        _ => {}
    }
}

/// `@.type == t` as JavaScript compares it (`["string"] == "string"` holds), plus, for
/// OpenAPI 3.1, type lists that include `t`.
fn type_is(o: &Map<String, Value>, t: &str, lists: bool) -> bool {
    match o.get("type") {
        Some(Value::String(s)) => s == t,
        Some(Value::Array(a)) if lists => a.iter().any(|x| x.as_str() == Some(t)),
        Some(Value::Array(a)) => a.len() == 1 && a[0].as_str() == Some(t),
        _ => false,
    }
}

fn has(o: &Map<String, Value>, keys: &[&str]) -> bool {
    keys.iter().any(|k| o.contains_key(*k))
}

/// JavaScript truthiness of a JSON value.
pub(crate) fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(_) | Value::Object(_) => true,
    }
}

fn js_number(s: &str) -> Option<f64> {
    let t = s.trim();
    if t.is_empty() {
        Some(0.0)
    } else {
        t.parse::<f64>().ok()
    }
}

fn js_string(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        Value::Array(a) => a.iter().map(js_string).collect::<Vec<_>>().join(","),
        Value::Object(_) => "[object Object]".to_string(),
    }
}

/// `v == b` in JavaScript.
fn loose_eq_bool(v: &Value, b: bool) -> bool {
    let target = if b { 1.0 } else { 0.0 };
    match v {
        Value::Bool(x) => *x == b,
        Value::Number(n) => n.as_f64() == Some(target),
        Value::String(s) => js_number(s) == Some(target),
        Value::Array(_) => js_number(&js_string(v)) == Some(target),
        Value::Null | Value::Object(_) => false,
    }
}

fn schema_checks(cx: &mut Cx, o: &Map<String, Value>, ptr: &str) {
    let lists = cx.v31;
    if type_is(o, "array", lists) && !o.contains_key("maxItems") {
        cx.hit(
            &ARRAY_LIMIT,
            ptr.to_string(),
            "Schema of type array must specify maxItems.".into(),
        );
    }
    if type_is(o, "string", lists) {
        if !has(o, &["maxLength", "enum", "const"]) {
            cx.hit(
                &STRING_LIMIT,
                ptr.to_string(),
                "Schema of type string must specify maxLength, enum, or const.".into(),
            );
        }
        if !has(o, &["format", "pattern", "enum", "const"]) {
            cx.hit(
                &STRING_RESTRICTED,
                ptr.to_string(),
                "Schema of type string should specify a format, pattern, enum, or const.".into(),
            );
        }
    }
    if type_is(o, "integer", lists) {
        if cx.v31 {
            let xor = |a: &str, b: &str| o.contains_key(a) != o.contains_key(b);
            if !(xor("minimum", "exclusiveMinimum") && xor("maximum", "exclusiveMaximum")) {
                cx.hit(
                    &INTEGER_LIMIT,
                    ptr.to_string(),
                    "Schema of type integer must specify minimum and maximum.".into(),
                );
            }
        } else if !(o.contains_key("minimum") && o.contains_key("maximum")) {
            cx.hit(
                &INTEGER_LIMIT_LEGACY,
                ptr.to_string(),
                "Schema of type integer must specify minimum and maximum.".into(),
            );
        }
        if !o.contains_key("format") {
            cx.hit(
                &INTEGER_FORMAT,
                ptr.to_string(),
                "Schema of type integer must specify format (int32 or int64).".into(),
            );
        }
    }
    if type_is(o, "object", false) {
        let (key, open, bounded) = if cx.v30 {
            (
                "additionalProperties",
                &NO_ADDITIONAL_PROPERTIES,
                &CONSTRAINED_ADDITIONAL_PROPERTIES,
            )
        } else if cx.v31 {
            (
                "unevaluatedProperties",
                &NO_UNEVALUATED_PROPERTIES,
                &CONSTRAINED_UNEVALUATED_PROPERTIES,
            )
        } else {
            return;
        };
        if let Some(extra) = o.get(key).filter(|v| truthy(v)) {
            cx.hit(
                open,
                pointer::join(ptr, key),
                format!("If the {key} keyword is used it must be set to false."),
            );
            if !loose_eq_bool(extra, true)
                && !loose_eq_bool(extra, false)
                && !o.contains_key("maxProperties")
            {
                cx.hit(
                    bounded,
                    ptr.to_string(),
                    format!("Objects should not allow unconstrained {key}."),
                );
            }
        }
    }
}

/// Members of a collection as `$..x[*]` sees them: items of a list, values of a mapping.
fn members<'a>(v: &'a Value, ptr: &str) -> Vec<(String, &'a Value)> {
    match v {
        Value::Array(a) => a
            .iter()
            .enumerate()
            .map(|(i, x)| (pointer::join(ptr, &i.to_string()), x))
            .collect(),
        Value::Object(o) => o.iter().map(|(k, x)| (pointer::join(ptr, k), x)).collect(),
        _ => Vec::new(),
    }
}

/// `$..[securitySchemes][?(@.type=="apiKey")].in` and `…[?(@.type=="http")].scheme`.
fn scheme_urls(cx: &mut Cx, schemes: &Value, ptr: &str) {
    for (at, raw) in members(schemes, ptr) {
        let Some((Value::Object(s), at)) = cx.resolve(raw, &at) else {
            continue;
        };
        let ty = s.get("type").and_then(Value::as_str);
        if ty == Some("apiKey") {
            if let Some(loc) = s.get("in").and_then(Value::as_str) {
                if loc == "path" || loc == "query" {
                    cx.hit(
                        &NO_API_KEYS_IN_URL,
                        pointer::join(&at, "in"),
                        format!("API Key passed in URL: \"{loc}\" must not match the pattern \"^(path|query)$\"."),
                    );
                }
            }
        }
        if ty == Some("http") {
            if let Some(scheme) = s.get("scheme").and_then(Value::as_str) {
                // Deliberate: auth-scheme names are case-insensitive (RFC 9110 §11.1).
                let lower = scheme.to_ascii_lowercase();
                if lower == "negotiate" || lower == "oauth" {
                    cx.hit(
                        &AUTH_INSECURE_SCHEMES,
                        pointer::join(&at, "scheme"),
                        format!(
                            "Authentication scheme is considered outdated or insecure: {scheme}."
                        ),
                    );
                }
            }
        }
    }
}

/// `$..parameters[?(@.in.match(/query|path/))].name` against credential-like names.
fn credentials_in_url(cx: &mut Cx, params: &Value, ptr: &str) {
    for (at, raw) in members(params, ptr) {
        let Some((Value::Object(p), at)) = cx.resolve(raw, &at) else {
            continue;
        };
        let Some(loc) = p.get("in").and_then(Value::as_str) else {
            continue;
        };
        if !(loc.contains("query") || loc.contains("path")) {
            continue;
        }
        let Some(name) = p.get("name").and_then(Value::as_str) else {
            continue;
        };
        if credential_name(name) {
            cx.hit(
                &NO_CREDENTIALS_IN_URL,
                pointer::join(&at, "name"),
                format!("Security credentials detected in {loc} parameter: {name}."),
            );
        }
    }
}

/// `/^.*(client_?secret|token|access_?token|refresh_?token|id_?token|password|secret|api-?key).*$/i`
/// (the alternatives all contain `token`, `secret`, `password` or `api[-]key`).
fn credential_name(name: &str) -> bool {
    if name.contains(['\n', '\r', '\u{2028}', '\u{2029}']) {
        // `.` stops at line breaks: only one line has to match.
        return name.lines().any(credential_name);
    }
    let l = name.to_lowercase();
    l.contains("token")
        || l.contains("secret")
        || l.contains("password")
        || l.contains("apikey")
        || l.contains("api-key")
}

/// `$..[responses][*].headers` (CORS) and `$..responses[429].headers` (Retry-After).
fn response_headers(cx: &mut Cx, responses: &Value, ptr: &str) {
    let Value::Object(map) = responses else {
        return;
    };
    for (code, raw) in map {
        let at = pointer::join(ptr, code);
        let Some((Value::Object(r), at)) = cx.resolve(raw, &at) else {
            continue;
        };
        let Some(headers) = r.get("headers") else {
            continue;
        };
        let hp = pointer::join(&at, "headers");
        // Deliberate: header names are case-insensitive, so the declared name is matched so.
        let declares = |name: &str| match headers {
            Value::Object(h) => h
                .iter()
                .any(|(k, v)| k.eq_ignore_ascii_case(name) && truthy(v)),
            other => truthy(other),
        };
        if !declares("Access-Control-Allow-Origin") {
            cx.hit(
                &DEFINE_CORS_ORIGIN,
                hp.clone(),
                "Header `headers.Access-Control-Allow-Origin` should be defined on all responses."
                    .into(),
            );
        }
        if code == "429" && cx.oas3() {
            let defined = match headers {
                Value::Object(h) => h.keys().any(|k| k.eq_ignore_ascii_case("Retry-After")),
                _ => true,
            };
            if !defined {
                cx.hit(
                    &RATE_LIMIT_RETRY_AFTER,
                    hp,
                    "A 429 response should define a Retry-After header.".into(),
                );
            }
        }
    }
}

/// `id`, `*_id`, `*Id`, `*-id`.
fn id_name(name: &str) -> bool {
    name == "id" || name.ends_with("_id") || name.ends_with("Id") || name.ends_with("-id")
}

/// Parameters of a path item or operation, references followed.
fn parameters<'a>(
    cx: &Cx<'a>,
    holder: &'a Map<String, Value>,
    at: &str,
) -> Vec<(&'a Map<String, Value>, String)> {
    let Some(list) = holder.get("parameters") else {
        return Vec::new();
    };
    members(list, &pointer::join(at, "parameters"))
        .into_iter()
        .filter_map(|(p, raw)| match cx.resolve(raw, &p) {
            Some((Value::Object(o), p)) => Some((o, p)),
            _ => None,
        })
        .collect()
}

/// Parameters of every path item and operation under `paths`, callbacks included, each once.
fn all_parameters<'a>(cx: &Cx<'a>) -> Vec<(&'a Map<String, Value>, String)> {
    let mut out = Vec::new();
    let mut items_seen = Vec::new();
    for op in &cx.ops {
        if !items_seen.contains(&op.item_ptr) {
            items_seen.push(op.item_ptr.clone());
            out.extend(parameters(cx, op.item, &op.item_ptr));
        }
        out.extend(parameters(cx, op.op, &op.ptr));
    }
    out
}

/// `$.paths..parameters[*][?(@property === "name" && …)]^.schema` must not be an integer.
fn numeric_ids(cx: &mut Cx) {
    for (p, at) in all_parameters(cx) {
        let Some(name) = p.get("name").and_then(Value::as_str) else {
            continue;
        };
        if !id_name(name) {
            continue;
        }
        let Some(raw) = p.get("schema") else { continue };
        let Some((schema, sp)) = cx.resolve(raw, &pointer::join(&at, "schema")) else {
            continue;
        };
        // Spectral's check is `not: {properties: {type: {const: integer}}}`, which a schema
        // without `type` (say `oneOf: [integer, string]`) fails as well.
        let numeric = match schema {
            Value::Object(s) => match s.get("type") {
                None => true,
                Some(t) => t.as_str() == Some("integer"),
            },
            _ => true,
        };
        if numeric {
            cx.hit(
                &NO_NUMERIC_IDS,
                sp,
                format!("Parameter `{name}` is an integer: use random IDs that cannot be guessed. UUIDs are preferred but any other random string will do."),
            );
        }
    }
}

/// Rules on `components.securitySchemes` (and, deliberately, Swagger 2.0's
/// `securityDefinitions` for HTTP Basic).
fn security_schemes(cx: &mut Cx) {
    let root = cx.root;
    if let Some(schemes) = root
        .get("components")
        .and_then(|c| c.get("securitySchemes"))
    {
        for (at, raw) in members(schemes, "/components/securitySchemes") {
            let Some((Value::Object(s), at)) = cx.resolve(raw, &at) else {
                continue;
            };
            if let Some(scheme) = s.get("scheme").and_then(Value::as_str) {
                // Deliberate: `Basic` is the same scheme as `basic`.
                if scheme.to_ascii_lowercase().contains("basic") {
                    cx.hit(
                        &NO_HTTP_BASIC,
                        pointer::join(&at, "scheme"),
                        "Security scheme uses HTTP Basic. Use a more secure authentication method, like OAuth 2, or OpenID.".into(),
                    );
                }
            }
            let oauth2 = s.get("type").and_then(Value::as_str) == Some("oauth2");
            let jwt = s
                .get("bearerFormat")
                .and_then(Value::as_str)
                .is_some_and(|f| f == "jwt" || f == "JWT");
            if oauth2 || jwt {
                let desc = s.get("description");
                let missing = !desc.is_some_and(truthy);
                let no_rfc = desc
                    .and_then(Value::as_str)
                    .is_some_and(|d| !d.contains("RFC8725"));
                if missing || no_rfc {
                    let p = if desc.is_some() {
                        pointer::join(&at, "description")
                    } else {
                        at.clone()
                    };
                    cx.hit(
                        &JWT_BEST_PRACTICES,
                        p,
                        "Security schemes using JWTs must explicitly declare support for RFC8725 in the description.".into(),
                    );
                }
            }
            if oauth2 {
                if let Some(flows) = s.get("flows") {
                    let fp = pointer::join(&at, "flows");
                    for (flow_at, flow) in members(flows, &fp) {
                        // The client-credentials flow has no refresh tokens by design.
                        if flow_at.ends_with("/clientCredentials") {
                            continue;
                        }
                        let refresh = match flow {
                            Value::Object(f) => f.get("refreshUrl"),
                            other => Some(other),
                        };
                        if !refresh.is_some_and(truthy) {
                            let p = match (flow, refresh) {
                                (Value::Object(_), Some(_)) => {
                                    pointer::join(&flow_at, "refreshUrl")
                                }
                                _ => flow_at,
                            };
                            cx.hit(
                                &SHORT_LIVED_ACCESS_TOKENS,
                                p,
                                "Authentication scheme does not appear to support refresh tokens, meaning access tokens likely do not expire.".into(),
                            );
                        }
                    }
                }
            }
        }
    }
    if cx.v2 {
        if let Some(defs) = root.get("securityDefinitions") {
            for (at, raw) in members(defs, "/securityDefinitions") {
                let Some((Value::Object(s), at)) = cx.resolve(raw, &at) else {
                    continue;
                };
                if s.get("type").and_then(Value::as_str) == Some("basic") {
                    cx.hit(
                        &NO_HTTP_BASIC,
                        pointer::join(&at, "type"),
                        "Security scheme uses HTTP Basic. Use a more secure authentication method, like OAuth 2, or OpenID.".into(),
                    );
                }
            }
        }
    }
}

/// `checkSecurity`: write operations (error) and reads (warn) without a security requirement.
fn restricted(cx: &mut Cx) {
    let global = cx.root.get("security");
    let mut hits = Vec::new();
    for op in cx.ops.iter().filter(|o| !o.callback) {
        let (rule, kind) = match op.method {
            "post" | "put" | "patch" | "delete" => (&WRITE_RESTRICTED, "write"),
            "get" | "head" => (&READ_RESTRICTED, "read"),
            _ => continue,
        };
        let own = op.op.get("security");
        let (sec, from) = match own {
            Some(s) => (Some(s), op.label()),
            None => (global, "$.security".to_string()),
        };
        let undefined = match sec {
            None => true,
            Some(Value::Array(a)) => a.is_empty(),
            Some(Value::String(s)) => s.is_empty(),
            Some(v) => !truthy(v),
        };
        if undefined {
            let p = if own.is_some() {
                pointer::join(&op.ptr, "security")
            } else {
                op.ptr.clone()
            };
            hits.push((
                rule,
                p,
                format!("This {kind} operation is not protected by any security scheme (no security requirement in {from})."),
                op.key(),
            ));
        }
    }
    for (rule, p, detail, key) in hits {
        cx.hit_op(rule, p, detail, key, rule.severity);
    }
}

/// `differentSecuritySchemes`: admin operations must not share a requirement with others.
fn admin_unique(cx: &mut Cx) {
    let mut normal: Vec<String> = Vec::new();
    struct AdminEntry<'t> {
        hash: String,
        at: String,
        key: Option<(String, String)>,
        template: &'t str,
    }
    let mut admin: Vec<AdminEntry> = Vec::new();
    for op in cx.ops.iter().filter(|o| !o.callback) {
        let Some(Value::Array(reqs)) = op.op.get("security") else {
            continue;
        };
        for (i, entry) in reqs.iter().enumerate() {
            if !matches!(entry, Value::Object(_) | Value::Array(_) | Value::Null) {
                continue;
            }
            let hash = entry.to_string();
            if op.template.contains("/admin") {
                admin.push(AdminEntry {
                    hash,
                    at: pointer::join(&pointer::join(&op.ptr, "security"), &i.to_string()),
                    key: op.key(),
                    template: op.template,
                });
            } else {
                normal.push(hash);
            }
        }
    }
    let mut hits = Vec::new();
    for AdminEntry {
        hash,
        at: p,
        key,
        template,
    } in admin
    {
        if normal.contains(&hash) {
            hits.push((
                p,
                format!("Admin endpoint {template} has the same security requirement as a non-admin endpoint."),
                key,
            ));
        }
    }
    for (p, d, key) in hits {
        cx.hit_op(
            &ADMIN_SECURITY_UNIQUE,
            p,
            d,
            key,
            ADMIN_SECURITY_UNIQUE.severity,
        );
    }
}

/// `(^(callback|redirect)|(_url|Url|-url))$`.
fn url_name(name: &str) -> bool {
    name == "callback"
        || name == "redirect"
        || name.ends_with("_url")
        || name.ends_with("Url")
        || name.ends_with("-url")
}

/// `$.paths[*].parameters[*].name` and `$.paths[*][get,…].parameters[*].name`.
fn concerning_url_parameters(cx: &mut Cx) {
    let mut found = Vec::new();
    let mut items_seen: Vec<&str> = Vec::new();
    for op in cx.ops.iter().filter(|o| !o.callback) {
        let mut params = Vec::new();
        if !items_seen.contains(&op.item_ptr.as_str()) {
            items_seen.push(&op.item_ptr);
            params.extend(parameters(cx, op.item, &op.item_ptr));
        }
        params.extend(parameters(cx, op.op, &op.ptr));
        for (p, at) in params {
            if let Some(name) = p.get("name").and_then(Value::as_str) {
                if url_name(name) {
                    found.push((pointer::join(&at, "name"), name.to_string()));
                }
            }
        }
    }
    for (p, name) in found {
        cx.hit(
            &CONCERNING_URL_PARAMETER,
            p,
            format!("Parameter `{name}` looks like a URL: make sure to review the way this URL is handled to protect against Server Side Request Forgery."),
        );
    }
}

fn response_body<'a>(cx: &Cx<'a>, r: &'a Value) -> bool {
    // Deliberate: Swagger 2.0 responses carry `schema`, not `content`.
    let key = if cx.v2 { "schema" } else { "content" };
    r.get(key).is_some_and(truthy)
}

/// Rules given `$.paths..responses`: 429, 401 and 500 with bodies, a validation error, and
/// (OpenAPI 3) rate-limit headers on every 2XX and 4XX response. A hit placed outside the
/// operation (on a shared response component) names no operation, so that it is reported
/// once however many operations use the component.
fn operation_responses(cx: &mut Cx) {
    let mut hits: Vec<Hit> = Vec::new();
    for op in &cx.ops {
        let Some(responses) = op.op.get("responses") else {
            continue;
        };
        let rp = pointer::join(&op.ptr, "responses");
        let Value::Object(map) = responses else {
            hits.push(Hit {
                rule: &DEFINE_ERROR_VALIDATION,
                pointer: rp.clone(),
                detail: format!(
                    "{}: missing error response of either 400, 422 or 4XX.",
                    op.label()
                ),
                severity: DEFINE_ERROR_VALIDATION.severity,
                op: op.key(),
            });
            continue;
        };
        let mut push = |rule: &'static Rule, at: String, detail: String| {
            let key = if pointer::is_within(&at, &op.ptr) {
                op.key()
            } else {
                None
            };
            let detail = match &key {
                Some(_) => format!("{}: {detail}", op.label()),
                None => detail,
            };
            hits.push(Hit {
                rule,
                pointer: at,
                detail,
                severity: rule.severity,
                op: key,
            });
        };
        for (code, rule) in [
            ("429", &RATE_LIMIT_RESPONSES_429),
            ("401", &DEFINE_ERROR_RESPONSES_401),
            ("500", &DEFINE_ERROR_RESPONSES_500),
        ] {
            let raw = map.get(code);
            if !raw.is_some_and(truthy) {
                push(
                    rule,
                    rp.clone(),
                    format!("operation is missing responses[{code}]."),
                );
            }
            let resolved = raw.and_then(|r| cx.resolve(r, &pointer::join(&rp, code)));
            let has_body = resolved.as_ref().is_some_and(|(r, _)| response_body(cx, r));
            if !has_body {
                let body = if cx.v2 { "schema" } else { "content" };
                match (raw, resolved) {
                    (Some(_), Some((_, p))) => {
                        push(rule, p, format!("the {code} response has no {body}."))
                    }
                    (Some(_), None) => push(
                        rule,
                        pointer::join(&rp, code),
                        format!("the {code} response has no {body}."),
                    ),
                    _ => push(
                        rule,
                        rp.clone(),
                        format!("operation is missing responses[{code}].{body}."),
                    ),
                }
            }
        }
        if !["400", "422", "4XX"].iter().any(|c| map.contains_key(*c)) {
            push(
                &DEFINE_ERROR_VALIDATION,
                rp.clone(),
                "missing error response of either 400, 422 or 4XX.".to_string(),
            );
        }
        if !cx.v2 {
            for (code, raw) in map {
                if !(code.starts_with('2') || code.starts_with('4')) {
                    continue;
                }
                let Some((r, at)) = cx.resolve(raw, &pointer::join(&rp, code)) else {
                    continue;
                };
                let at = match r.get("headers") {
                    None => at,
                    Some(Value::Object(h)) if rate_limited(h) => continue,
                    Some(_) => pointer::join(&at, "headers"),
                };
                push(
                    &RATE_LIMIT,
                    at,
                    "All 2XX and 4XX responses should define rate limiting headers.".to_string(),
                );
            }
        }
    }
    cx.hits.extend(hits);
}

/// One of the rate-limit header conventions is declared. Deliberate: Spectral demands exactly
/// one convention (`oneOf`), so declaring two fails there; header names are compared without
/// case.
fn rate_limited(h: &Map<String, Value>) -> bool {
    let has = |n: &str| h.keys().any(|k| k.eq_ignore_ascii_case(n));
    has("RateLimit")
        || (has("RateLimit-Limit") && has("RateLimit-Reset"))
        || has("X-RateLimit-Limit")
        || has("X-Rate-Limit-Limit")
}

fn environment_named(desc: &str) -> bool {
    let l = desc.to_lowercase();
    [
        "local", "sandbox", "alpha", "beta", "test", "stag", "prod", "next",
    ]
    .iter()
    .any(|w| l.contains(w))
}

/// `$.schemes.*` (2.0), `$.servers..url` and `$.servers.*` (3.x).
fn servers(cx: &mut Cx) {
    let root = cx.root;
    if cx.v2 {
        if let Some(schemes) = root.get("schemes") {
            for (at, s) in members(schemes, "/schemes") {
                if !matches!(s.as_str(), Some("https" | "wss")) {
                    cx.hit(
                        &NO_SCHEME_HTTP,
                        at,
                        format!(
                            "Server schemes must not use {}. Use https or wss instead.",
                            s.as_str().unwrap_or("this scheme")
                        ),
                    );
                }
            }
        }
        return;
    }
    let Some(servers) = root.get("servers") else {
        return;
    };
    let mut urls = Vec::new();
    collect_urls(servers, "/servers".to_string(), &mut urls);
    for (at, url) in urls {
        if url.starts_with("http:") {
            cx.hit(
                &NO_SERVER_HTTP,
                at,
                format!("Server URL {url} must not use http://. Use https:// or wss:// instead."),
            );
        }
    }
    for (at, s) in members(servers, "/servers") {
        let Value::Object(s) = s else { continue };
        if !s.contains_key("x-internal") {
            cx.hit(
                &INVENTORY_ACCESS,
                at.clone(),
                "Declare intended audience of every server by defining x-internal as true/false."
                    .into(),
            );
        }
        if let Some(d) = s.get("description").and_then(Value::as_str) {
            if !environment_named(d) {
                cx.hit(
                    &INVENTORY_ENVIRONMENT,
                    pointer::join(&at, "description"),
                    "Declare intended environment in server descriptions using terms like local, staging, production.".into(),
                );
            }
        }
    }
}

/// String values of `url` keys at any depth.
fn collect_urls<'a>(v: &'a Value, at: String, out: &mut Vec<(String, &'a str)>) {
    match v {
        Value::Object(o) => {
            for (k, c) in o {
                let p = pointer::join(&at, k);
                if k == "url" {
                    if let Some(s) = c.as_str() {
                        out.push((p.clone(), s));
                    }
                }
                collect_urls(c, p, out);
            }
        }
        Value::Array(a) => {
            for (i, c) in a.iter().enumerate() {
                collect_urls(c, pointer::join(&at, &i.to_string()), out);
            }
        }
        _ => {}
    }
}

/// An operation's parameters with those of its path item that it does not override.
pub(crate) fn op_parameters<'a>(cx: &Cx<'a>, op: &Op<'a>) -> Vec<(&'a Map<String, Value>, String)> {
    let mut out = parameters(cx, op.op, &op.ptr);
    for (p, at) in parameters(cx, op.item, &op.item_ptr) {
        let id = (p.get("name"), p.get("in"));
        if !out.iter().any(|(q, _)| (q.get("name"), q.get("in")) == id) {
            out.push((p, at));
        }
    }
    out
}

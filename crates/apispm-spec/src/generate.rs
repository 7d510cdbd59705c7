//! `spec-gen`: an OpenAPI 3.1 document of what traffic showed, to start documenting shadow APIs.
//!
//! Only what was observed is claimed: paths, methods, path parameter types, query parameter
//! names, status codes. Bodies, headers and auth schemes are not guessed. The output loads back
//! through [`crate::load`] and the [`crate::Matcher`] finds each endpoint in it again.

use crate::path::template_params;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, BTreeSet};

/// An endpoint as the inventory saw it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObservedEndpoint {
    pub host: Option<String>,
    pub scheme: Option<String>,
    pub method: String,
    /// `/users/{id}`: the wire path with its variable parts named.
    pub template: String,
    /// Parameter name → `integer`, `number`, `boolean`, `string`, `string(uuid)`, `uuid`,
    /// `date`…: a bare word that is no JSON type is taken as a string format.
    pub param_types: Vec<(String, String)>,
    pub query_params: Vec<String>,
    pub statuses: Vec<u16>,
    pub deprecated: bool,
    pub authenticated: bool,
}

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

const AUTH_SCHEME: &str = "observed_auth";

#[derive(Default)]
struct OpAcc {
    servers: BTreeSet<String>,
    params: Vec<(String, String)>,
    query: BTreeSet<String>,
    statuses: BTreeSet<u16>,
    deprecated: bool,
    authenticated: bool,
}

fn server_url(e: &ObservedEndpoint) -> String {
    match e.host.as_deref().map(str::trim).filter(|h| !h.is_empty()) {
        None => "/".to_string(),
        Some(h) => {
            let scheme = e
                .scheme
                .as_deref()
                .filter(|s| !s.is_empty())
                .unwrap_or("https");
            format!(
                "{}://{}",
                scheme.to_ascii_lowercase(),
                h.to_ascii_lowercase()
            )
        }
    }
}

/// Leading slash, no trailing slash, parameter names made unique (OpenAPI forbids two
/// parameters of one name in a path) and the query cut off.
fn clean_template(t: &str) -> String {
    let t = t.split(['?', '#']).next().unwrap_or("");
    let mut out = String::new();
    let mut seen: Vec<String> = Vec::new();
    for seg in t.split('/').filter(|s| !s.is_empty()) {
        out.push('/');
        let mut rest = seg;
        while let Some(open) = rest.find('{') {
            let Some(len) = rest[open..].find('}') else {
                break;
            };
            out.push_str(&rest[..open]);
            let name = &rest[open + 1..open + len];
            let mut unique = if name.is_empty() {
                "param".to_string()
            } else {
                name.to_string()
            };
            let mut k = 2;
            while seen.contains(&unique) {
                unique = format!("{name}_{k}");
                k += 1;
            }
            seen.push(unique.clone());
            out.push('{');
            out.push_str(&unique);
            out.push('}');
            rest = &rest[open + len + 1..];
        }
        out.push_str(rest);
    }
    if out.is_empty() {
        out.push('/');
    }
    out
}

fn schema_for(ty: &str) -> Value {
    let ty = ty.trim();
    let (base, format) = match ty.split_once('(') {
        Some((b, f)) => (b.trim(), Some(f.trim_end_matches(')').trim())),
        None => (ty, None),
    };
    let mut s = Map::new();
    match base {
        "integer" | "number" | "boolean" | "string" => {
            s.insert("type".into(), base.into());
            if let Some(f) = format.filter(|f| !f.is_empty()) {
                s.insert("format".into(), f.into());
            }
        }
        "" => {
            s.insert("type".into(), "string".into());
        }
        other => {
            s.insert("type".into(), "string".into());
            s.insert("format".into(), other.into());
        }
    }
    Value::Object(s)
}

fn operation_id(method: &str, template: &str) -> String {
    let mut id = method.to_string();
    let mut any = false;
    for seg in template.split('/').filter(|s| !s.is_empty()) {
        id.push('_');
        any = true;
        for c in seg.chars() {
            if c.is_ascii_alphanumeric() {
                id.push(c.to_ascii_lowercase());
            } else if !id.ends_with('_') {
                id.push('_');
            }
        }
        while id.ends_with('_') {
            id.pop();
        }
    }
    if !any {
        id.push_str("_root");
    }
    id
}

/// An OpenAPI 3.1 document of `endpoints`. Endpoints are merged by method and template; with
/// more than one host, each operation names its own `servers`. Methods OpenAPI cannot hold
/// (`PROPFIND`, `CONNECT`) are listed under `x-apispm-skipped` instead.
pub fn generate(endpoints: &[ObservedEndpoint], title: &str) -> Value {
    let mut ops: BTreeMap<String, BTreeMap<&'static str, OpAcc>> = BTreeMap::new();
    let mut all_servers: BTreeSet<String> = BTreeSet::new();
    let mut skipped: BTreeSet<String> = BTreeSet::new();
    for e in endpoints {
        let template = clean_template(&e.template);
        let lower = e.method.trim().to_ascii_lowercase();
        let Some(method) = METHODS.iter().find(|m| **m == lower) else {
            skipped.insert(format!(
                "{} {}",
                e.method.trim().to_ascii_uppercase(),
                template
            ));
            continue;
        };
        let url = server_url(e);
        all_servers.insert(url.clone());
        let acc = ops
            .entry(template.clone())
            .or_default()
            .entry(method)
            .or_default();
        acc.servers.insert(url);
        // Types are looked up by the original names: `clean_template` only renames repeats.
        let original = template_params(&e.template);
        for (i, name) in template_params(&template).into_iter().enumerate() {
            let lookup = original.get(i).unwrap_or(&name);
            let ty = e
                .param_types
                .iter()
                .find(|(n, _)| n == lookup)
                .map(|(_, t)| t.clone());
            match acc.params.iter_mut().find(|(n, _)| *n == name) {
                Some(slot) => {
                    if slot.1.is_empty() {
                        slot.1 = ty.unwrap_or_default();
                    }
                }
                None => acc.params.push((name, ty.unwrap_or_default())),
            }
        }
        acc.query
            .extend(e.query_params.iter().filter(|q| !q.is_empty()).cloned());
        acc.statuses
            .extend(e.statuses.iter().filter(|s| (100..=599).contains(*s)));
        acc.deprecated |= e.deprecated;
        acc.authenticated |= e.authenticated;
    }

    let per_op_servers = all_servers.len() > 1;
    let mut any_auth = false;
    let mut used_ids: BTreeSet<String> = BTreeSet::new();
    let mut paths = Map::new();
    for (template, methods) in &ops {
        let mut item = Map::new();
        for (method, acc) in methods {
            let mut op = Map::new();
            let mut id = operation_id(method, template);
            let mut k = 2;
            while used_ids.contains(&id) {
                id = format!("{}_{k}", operation_id(method, template));
                k += 1;
            }
            used_ids.insert(id.clone());
            op.insert("operationId".into(), id.into());
            let mut params: Vec<Value> = acc
                .params
                .iter()
                .map(|(n, t)| {
                    json!({"name": n, "in": "path", "required": true, "schema": schema_for(t)})
                })
                .collect();
            params.extend(acc.query.iter().map(|q| {
                json!({"name": q, "in": "query", "required": false, "schema": {"type": "string"}})
            }));
            if !params.is_empty() {
                op.insert("parameters".into(), Value::Array(params));
            }
            let mut responses = Map::new();
            for s in &acc.statuses {
                responses.insert(
                    s.to_string(),
                    json!({"description": format!("Observed {s}")}),
                );
            }
            if responses.is_empty() {
                responses.insert(
                    "default".into(),
                    json!({"description": "No response observed"}),
                );
            }
            op.insert("responses".into(), Value::Object(responses));
            if acc.deprecated {
                op.insert("deprecated".into(), true.into());
            }
            if acc.authenticated {
                any_auth = true;
                op.insert("security".into(), json!([{ AUTH_SCHEME: [] }]));
            }
            if per_op_servers {
                let s: Vec<Value> = acc.servers.iter().map(|u| json!({"url": u})).collect();
                op.insert("servers".into(), Value::Array(s));
            }
            item.insert((*method).to_string(), Value::Object(op));
        }
        paths.insert(template.clone(), Value::Object(item));
    }

    let mut doc = Map::new();
    doc.insert("openapi".into(), "3.1.0".into());
    doc.insert(
        "info".into(),
        json!({
            "title": title,
            "version": "observed",
            "description": "Generated by apispm from observed traffic: paths, methods, path \
                parameter types, query parameter names and status codes. Request and response \
                bodies are not described.",
        }),
    );
    let servers: Vec<Value> = if all_servers.is_empty() {
        vec![json!({"url": "/"})]
    } else {
        all_servers.iter().map(|u| json!({"url": u})).collect()
    };
    doc.insert("servers".into(), Value::Array(servers));
    doc.insert("paths".into(), Value::Object(paths));
    if any_auth {
        doc.insert(
            "components".into(),
            json!({"securitySchemes": {AUTH_SCHEME: {
                "type": "apiKey", "in": "header", "name": "Authorization",
                "description": "Requests carried credentials; the actual scheme was not determined from traffic."
            }}}),
        );
    }
    if !skipped.is_empty() {
        doc.insert(
            "x-apispm-skipped".into(),
            Value::Array(skipped.into_iter().map(Value::from).collect()),
        );
    }
    Value::Object(doc)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_are_cleaned() {
        assert_eq!(clean_template("users/{id}/"), "/users/{id}");
        assert_eq!(clean_template("/a/{id}/b/{id}"), "/a/{id}/b/{id_2}");
        assert_eq!(clean_template(""), "/");
        assert_eq!(clean_template("/x?y=1"), "/x");
    }

    #[test]
    fn schemas() {
        assert_eq!(schema_for("integer"), json!({"type": "integer"}));
        assert_eq!(
            schema_for("string(uuid)"),
            json!({"type": "string", "format": "uuid"})
        );
        assert_eq!(
            schema_for("date"),
            json!({"type": "string", "format": "date"})
        );
        assert_eq!(schema_for(""), json!({"type": "string"}));
    }

    #[test]
    fn operation_ids() {
        assert_eq!(operation_id("get", "/users/{id}"), "get_users_id");
        assert_eq!(operation_id("post", "/"), "post_root");
        assert_eq!(
            operation_id("get", "/v1/files/{name}.json"),
            "get_v1_files_name_json"
        );
    }
}

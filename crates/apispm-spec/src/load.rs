//! A parsed document into a [`Spec`]: version, servers, and one [`Operation`] per method.

use crate::lines::{self, Lines};
use crate::parse::{self, Format};
use crate::path::{percent_decode, template_params};
use crate::server::{self, scalar_string};
use crate::{Operation, Server, Spec, SpecError};
use hashbrown::HashSet;
use serde_json::Value;

/// Method keys of a path item, in the order operations are listed.
const METHODS: [(&str, &str); 10] = [
    ("get", "GET"),
    ("put", "PUT"),
    ("post", "POST"),
    ("delete", "DELETE"),
    ("options", "OPTIONS"),
    ("head", "HEAD"),
    ("patch", "PATCH"),
    ("trace", "TRACE"),
    ("query", "QUERY"),
    ("x-amazon-apigateway-any-method", "ANY"),
];

/// Hops along a chain of `$ref`s before it is taken for a cycle the seen-list missed.
const MAX_REF_HOPS: usize = 64;
/// A document full of broken references should not make a report of megabytes.
const MAX_WARNINGS: usize = 200;

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Version {
    V2,
    V3,
}

/// Loads a Swagger 2.0 or OpenAPI 3.x document, JSON or YAML.
///
/// `source` names the document in the result and in errors. Only local `$ref`s are followed;
/// remote ones, unresolvable ones and cycles become [`Spec::warnings`].
pub fn load(text: &str, source: &str) -> Result<Spec, SpecError> {
    let (root, format) = parse::parse(text, source)?;
    let not_openapi = |reason: String| SpecError::NotOpenApi {
        origin: source.to_string(),
        reason,
    };
    let Some(obj) = root.as_object() else {
        return Err(not_openapi(format!(
            "the top level is {}, not a mapping",
            kind(&root)
        )));
    };
    let (version, openapi) = sniff(obj, source)?;
    let lines = match format {
        Format::Json => lines::json_lines(text),
        Format::Yaml => lines::yaml_lines(text),
    };
    let mut cx = Cx {
        root: &root,
        warnings: Vec::new(),
        seen_warnings: HashSet::new(),
    };
    let info = root.get("info");
    let servers = match version {
        Version::V2 => server::servers_v2(&root),
        Version::V3 => server::servers_v3(root.get("servers"), &mut cx.warnings)
            .unwrap_or_else(|| vec![relative_root()]),
    };
    let owner = root
        .get("x-owner")
        .and_then(owner_value)
        .or_else(|| info.and_then(|i| i.get("x-owner")).and_then(owner_value))
        .or_else(|| {
            let c = info.and_then(|i| i.get("contact"))?;
            c.get("name")
                .and_then(non_empty_str)
                .or_else(|| c.get("email").and_then(non_empty_str))
        });
    let operations = match root.get("paths") {
        Some(Value::Object(paths)) => cx.operations(paths, version, &lines),
        Some(Value::Null) | None => {
            if version == Version::V2 || openapi.starts_with("3.0") {
                cx.warn("the document has no `paths`".to_string());
            }
            Vec::new()
        }
        Some(other) => {
            cx.warn(format!("`paths` is {}, not a mapping", kind(other)));
            Vec::new()
        }
    };
    Ok(Spec {
        source: source.to_string(),
        title: info.and_then(|i| i.get("title")).and_then(scalar_string),
        version: info.and_then(|i| i.get("version")).and_then(scalar_string),
        owner,
        servers,
        operations,
        warnings: cx.warnings,
        openapi,
    })
}

fn relative_root() -> Server {
    Server {
        scheme: None,
        host: None,
        base_path: String::new(),
    }
}

pub(crate) fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a sequence",
        Value::Object(_) => "a mapping",
    }
}

pub(crate) fn sniff(
    obj: &serde_json::Map<String, Value>,
    source: &str,
) -> Result<(Version, String), SpecError> {
    let unsupported = |v: String| SpecError::UnsupportedVersion {
        origin: source.to_string(),
        version: v,
    };
    if let Some(v) = obj.get("openapi") {
        let s = scalar_string(v).unwrap_or_default();
        return if s.starts_with("3.") || s == "3" {
            Ok((Version::V3, s))
        } else {
            Err(unsupported(s))
        };
    }
    if let Some(v) = obj.get("swagger") {
        let s = scalar_string(v).unwrap_or_default();
        return if s == "2.0" || s == "2" {
            Ok((Version::V2, "2.0".to_string()))
        } else {
            Err(unsupported(s))
        };
    }
    if let Some(v) = obj.get("swaggerVersion") {
        return Err(unsupported(scalar_string(v).unwrap_or_default()));
    }
    Err(SpecError::NotOpenApi {
        origin: source.to_string(),
        reason: "no `openapi` or `swagger` field at the top level".to_string(),
    })
}

fn non_empty_str(v: &Value) -> Option<String> {
    v.as_str()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
}

/// `x-owner` as a string, or a mapping naming a team or a person.
fn owner_value(v: &Value) -> Option<String> {
    match v {
        Value::String(_) => non_empty_str(v),
        Value::Object(o) => ["name", "team", "email"]
            .iter()
            .find_map(|k| o.get(*k).and_then(non_empty_str)),
        Value::Array(a) => a.iter().find_map(owner_value),
        _ => None,
    }
}

fn truthy(v: Option<&Value>) -> bool {
    match v {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => s.eq_ignore_ascii_case("true"),
        _ => false,
    }
}

/// `~` and `/` escaped per RFC 6901.
pub(crate) fn escape_pointer(s: &str) -> String {
    s.replace('~', "~0").replace('/', "~1")
}

struct Cx<'a> {
    root: &'a Value,
    warnings: Vec<String>,
    seen_warnings: HashSet<String>,
}

impl<'a> Cx<'a> {
    fn warn(&mut self, w: String) {
        if self.warnings.len() > MAX_WARNINGS || !self.seen_warnings.insert(w.clone()) {
            return;
        }
        if self.warnings.len() == MAX_WARNINGS {
            self.warnings
                .push("further warnings were left out".to_string());
        } else {
            self.warnings.push(w);
        }
    }

    /// Follows local `$ref`s to the node they name; `None` (with a warning) for remote,
    /// dangling or cyclic ones.
    fn deref(&mut self, v: &'a Value) -> Option<&'a Value> {
        let mut cur = v;
        let mut seen: Vec<&'a str> = Vec::new();
        loop {
            let Some(r) = cur.get("$ref").and_then(Value::as_str) else {
                return Some(cur);
            };
            let Some(frag) = r.strip_prefix('#') else {
                self.warn(format!("remote $ref `{r}` not followed"));
                return None;
            };
            if seen.contains(&r) || seen.len() >= MAX_REF_HOPS {
                self.warn(format!("$ref cycle through `{r}`"));
                return None;
            }
            seen.push(r);
            match self.root.pointer(&percent_decode(frag)) {
                Some(t) => cur = t,
                None => {
                    self.warn(format!("$ref `{r}` points at nothing"));
                    return None;
                }
            }
        }
    }

    fn operations(
        &mut self,
        paths: &'a serde_json::Map<String, Value>,
        version: Version,
        lines: &Lines,
    ) -> Vec<Operation> {
        let mut out = Vec::new();
        for (template, raw_item) in paths {
            if template.starts_with("x-") {
                continue;
            }
            if !template.starts_with('/') {
                self.warn(format!("path `{template}` does not start with `/`"));
            }
            let Some(item) = self.deref(raw_item) else {
                continue;
            };
            if !item.is_object() {
                self.warn(format!("path item `{template}` is not a mapping"));
                continue;
            }
            let item_params = self.params(item.get("parameters"));
            let item_servers = if version == Version::V3 {
                server::servers_v3(item.get("servers"), &mut self.warnings)
            } else {
                None
            };
            let item_owner = item.get("x-owner").and_then(owner_value);
            for (key, method) in METHODS {
                let Some(op) = item.get(key) else { continue };
                let Some(op) = self.deref(op) else { continue };
                if !op.is_object() {
                    self.warn(format!("`{key} {template}` is not a mapping"));
                    continue;
                }
                let op_params = self.params(op.get("parameters"));
                // Operation parameters override path-level ones with the same name and place.
                let mut params: Vec<&'a Value> = op_params.clone();
                for p in &item_params {
                    let id = param_id(p);
                    if !op_params.iter().any(|q| param_id(q) == id) {
                        params.push(p);
                    }
                }
                let op_servers = if version == Version::V3 {
                    server::servers_v3(op.get("servers"), &mut self.warnings)
                } else {
                    None
                };
                let (security, auth_optional) = self.security(op);
                let body_schema = version == Version::V3
                    && op
                        .get("requestBody")
                        .and_then(|b| self.deref(b))
                        .is_some_and(content_has_schema);
                let validates_input = body_schema || params.iter().any(|p| param_has_schema(p));
                let query_params = unique(
                    params
                        .iter()
                        .filter(|p| p.get("in").and_then(Value::as_str) == Some("query"))
                        .filter_map(|p| p.get("name").and_then(Value::as_str)),
                );
                let path_params = template_params(template)
                    .into_iter()
                    .map(|name| {
                        let declared = params.iter().find(|p| {
                            p.get("in").and_then(Value::as_str) == Some("path")
                                && p.get("name").and_then(Value::as_str) == Some(name.as_str())
                        });
                        let ty =
                            declared.map_or_else(|| "string".to_string(), |p| self.param_type(p));
                        (name, ty)
                    })
                    .collect();
                let responses = op
                    .get("responses")
                    .and_then(Value::as_object)
                    .map(|r| r.keys().filter(|k| !k.starts_with("x-")).cloned().collect())
                    .unwrap_or_default();
                let tags = op
                    .get("tags")
                    .and_then(Value::as_array)
                    .map(|a| a.iter().filter_map(scalar_string).collect())
                    .unwrap_or_default();
                let pos = lines.get(&(template.clone(), key.to_string())).copied();
                let announces_deprecation = self.announces_deprecation(op);
                out.push(Operation {
                    method: method.to_string(),
                    template: template.clone(),
                    deprecated: truthy(op.get("deprecated")) || truthy(op.get("x-deprecated")),
                    announces_deprecation,
                    operation_id: op.get("operationId").and_then(scalar_string),
                    owner: op
                        .get("x-owner")
                        .and_then(owner_value)
                        .or_else(|| item_owner.clone()),
                    validates_input,
                    security,
                    auth_optional,
                    query_params,
                    path_params,
                    responses,
                    pointer: format!("/paths/{}/{key}", escape_pointer(template)),
                    line: pos.map(|p| p.0),
                    column: pos.map(|p| p.1),
                    tags,
                    servers: op_servers.or_else(|| item_servers.clone()),
                });
            }
        }
        out
    }

    fn announces_deprecation(&mut self, op: &'a Value) -> bool {
        let Some(responses) = op.get("responses").and_then(Value::as_object) else {
            return false;
        };
        responses.values().any(|r| {
            self.deref(r)
                .and_then(|r| r.get("headers"))
                .and_then(Value::as_object)
                .is_some_and(|h| {
                    h.keys().any(|k| {
                        k.eq_ignore_ascii_case("deprecation") || k.eq_ignore_ascii_case("sunset")
                    })
                })
        })
    }

    fn params(&mut self, list: Option<&'a Value>) -> Vec<&'a Value> {
        let Some(arr) = list.and_then(Value::as_array) else {
            return Vec::new();
        };
        arr.iter()
            .filter_map(|p| self.deref(p))
            .filter(|p| p.is_object())
            .collect()
    }

    /// `integer`, `string(uuid)`: a 3.x schema's or a 2.0 parameter's own type and format.
    fn param_type(&mut self, p: &'a Value) -> String {
        let schema = match p.get("schema") {
            Some(s) => self.deref(s),
            None => match p.get("content").and_then(Value::as_object) {
                Some(c) => c
                    .values()
                    .next()
                    .and_then(|m| m.get("schema"))
                    .and_then(|s| self.deref(s)),
                None => Some(p),
            },
        };
        let Some(s) = schema else {
            return "string".to_string();
        };
        let ty = match s.get("type") {
            Some(Value::String(t)) => Some(t.clone()),
            // 3.1 writes nullable types as `[integer, "null"]`.
            Some(Value::Array(a)) => a
                .iter()
                .filter_map(Value::as_str)
                .find(|t| *t != "null")
                .map(String::from),
            _ => None,
        };
        let ty = ty.unwrap_or_else(|| "string".to_string());
        match s.get("format").and_then(Value::as_str) {
            Some(f) if !f.is_empty() => format!("{ty}({f})"),
            _ => ty,
        }
    }

    /// The effective requirement's scheme names, and whether it lets anonymous calls in.
    fn security(&mut self, op: &'a Value) -> (Option<Vec<String>>, bool) {
        let Some(req) = op.get("security").or_else(|| self.root.get("security")) else {
            return (None, false);
        };
        let Some(alts) = req.as_array() else {
            return (None, false);
        };
        let mut names = Vec::new();
        let mut optional = false;
        for alt in alts {
            match alt.as_object() {
                Some(o) if o.is_empty() => optional = true,
                Some(o) => {
                    for k in o.keys() {
                        if !names.contains(k) {
                            names.push(k.clone());
                        }
                    }
                }
                None => {}
            }
        }
        (Some(names), optional)
    }
}

fn param_id(p: &Value) -> (Option<&str>, Option<&str>) {
    (
        p.get("name").and_then(Value::as_str),
        p.get("in").and_then(Value::as_str),
    )
}

fn unique<'s>(it: impl Iterator<Item = &'s str>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for s in it {
        if !out.iter().any(|o| o == s) {
            out.push(s.to_string());
        }
    }
    out
}

/// A schema that constrains something: `{}` and `true` accept anything.
fn real_schema(s: &Value) -> bool {
    match s {
        Value::Object(o) => !o.is_empty(),
        Value::Bool(b) => !*b,
        _ => false,
    }
}

fn content_has_schema(body: &Value) -> bool {
    // 2.0-style bodies sometimes appear in 3.x exports; a bare `schema` counts as well.
    body.get("schema").is_some_and(real_schema)
        || body
            .get("content")
            .and_then(Value::as_object)
            .is_some_and(|c| c.values().any(|m| m.get("schema").is_some_and(real_schema)))
}

fn param_has_schema(p: &Value) -> bool {
    p.get("schema").is_some_and(real_schema)
        || p.get("type").is_some_and(|t| !t.is_null())
        || content_has_schema(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointer_escaping() {
        assert_eq!(escape_pointer("/pets/{petId}"), "~1pets~1{petId}");
        assert_eq!(escape_pointer("/a~b"), "~1a~0b");
    }

    #[test]
    fn refusals() {
        assert!(matches!(
            load("hello", "t"),
            Err(SpecError::NotOpenApi { .. })
        ));
        assert!(matches!(
            load("a: 1", "t"),
            Err(SpecError::NotOpenApi { .. })
        ));
        assert!(matches!(load("", "t"), Err(SpecError::Empty { .. })));
        assert!(matches!(
            load("swagger: '1.2'", "t"),
            Err(SpecError::UnsupportedVersion { .. })
        ));
        assert!(matches!(
            load("{\"openapi\": \"4.0.0\"}", "t"),
            Err(SpecError::UnsupportedVersion { .. })
        ));
        let e = load("openapi: 3.0.0\npaths: [\n", "bad.yaml").unwrap_err();
        assert!(e.line().is_some(), "{e}");
    }
}

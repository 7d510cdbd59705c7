//! Server URLs (3.x `servers`, 2.0 `host` + `basePath` + `schemes`) into [`Server`]s.

use crate::Server;
use serde_json::Value;

/// Enough for every enum combination real specs list (regions × stages), bounded so that a
/// document cannot make the matcher grow without limit.
const MAX_EXPANSIONS: usize = 32;

/// Servers of a 3.x `servers` array; `None` if there is no usable entry.
pub(crate) fn servers_v3(list: Option<&Value>, warnings: &mut Vec<String>) -> Option<Vec<Server>> {
    let arr = list?.as_array()?;
    let mut out = Vec::new();
    for entry in arr {
        let Some(url) = entry.get("url").and_then(Value::as_str) else {
            warnings.push("a server without a `url` string was skipped".to_string());
            continue;
        };
        for u in expand_variables(url, entry.get("variables")) {
            let s = parse_url(&u, None);
            if !out.contains(&s) {
                out.push(s);
            }
        }
    }
    (!out.is_empty()).then_some(out)
}

/// Substitutes `{var}`s: the default first, then each other enum value, so that traffic to
/// any listed region or stage is recognised. A variable with no value stays as `{var}`.
fn expand_variables(url: &str, vars: Option<&Value>) -> Vec<String> {
    let mut outs = vec![String::new()];
    let mut rest = url;
    while let Some(open) = rest.find('{') {
        let Some(len) = rest[open..].find('}') else {
            break;
        };
        let name = &rest[open + 1..open + len];
        let lit = &rest[..open];
        let var = vars.and_then(|v| v.get(name));
        let mut values: Vec<String> = Vec::new();
        if let Some(d) = var.and_then(|v| v.get("default")).and_then(scalar_string) {
            values.push(d);
        }
        if let Some(e) = var.and_then(|v| v.get("enum")).and_then(Value::as_array) {
            for x in e.iter().filter_map(scalar_string) {
                if !values.contains(&x) {
                    values.push(x);
                }
            }
        }
        if values.is_empty() {
            values.push(format!("{{{name}}}"));
        }
        let mut next = Vec::new();
        'outer: for o in &outs {
            for v in &values {
                if next.len() >= MAX_EXPANSIONS {
                    break 'outer;
                }
                next.push(format!("{o}{lit}{v}"));
            }
        }
        outs = next;
        rest = &rest[open + len + 1..];
    }
    for o in &mut outs {
        o.push_str(rest);
    }
    outs
}

pub(crate) fn scalar_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Servers of a 2.0 document.
pub(crate) fn servers_v2(root: &Value) -> Vec<Server> {
    let host = root.get("host").and_then(Value::as_str).map(str::trim);
    let base = root.get("basePath").and_then(Value::as_str).unwrap_or("");
    let schemes: Vec<&str> = root
        .get("schemes")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let mut out = Vec::new();
    let mut push = |scheme: Option<&str>| {
        let s = match host {
            // Some exports write the whole URL into `host`.
            Some(h) if h.contains("://") => parse_url(&format!("{h}{}", slash(base)), scheme),
            Some(h) if !h.is_empty() => {
                let url = match scheme {
                    Some(sc) => format!("{sc}://{h}{}", slash(base)),
                    None => format!("//{h}{}", slash(base)),
                };
                parse_url(&url, scheme)
            }
            _ => Server {
                scheme: scheme.map(str::to_ascii_lowercase),
                host: None,
                base_path: normalize_base(base),
            },
        };
        if !out.contains(&s) {
            out.push(s);
        }
    };
    if schemes.is_empty() {
        push(None);
    } else {
        for s in schemes {
            push(Some(s));
        }
    }
    out
}

fn slash(base: &str) -> String {
    if base.starts_with('/') || base.is_empty() {
        base.to_string()
    } else {
        format!("/{base}")
    }
}

/// Parses an absolute, scheme-relative or relative URL. Never fails: whatever is not a host
/// is taken as a path, since a server that cannot match costs less than a refused document.
pub(crate) fn parse_url(url: &str, scheme_hint: Option<&str>) -> Server {
    let url = url.trim();
    let (scheme, rest) = match url.find("://") {
        Some(i) if is_scheme(&url[..i]) => {
            (Some(url[..i].to_ascii_lowercase()), Some(&url[i + 3..]))
        }
        _ => match url.strip_prefix("//") {
            Some(r) => (scheme_hint.map(str::to_ascii_lowercase), Some(r)),
            None => (None, None),
        },
    };
    let Some(rest) = rest else {
        return Server {
            scheme: None,
            host: None,
            base_path: normalize_base(url),
        };
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..end];
    let path = &rest[end..];
    let authority = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = normalize_host(authority, scheme.as_deref());
    Server {
        scheme,
        host,
        base_path: normalize_base(path),
    }
}

fn is_scheme(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
}

fn normalize_host(authority: &str, scheme: Option<&str>) -> Option<String> {
    let a = authority.trim().to_ascii_lowercase();
    let (name, port) = split_host_port(&a);
    let name = name.strip_suffix('.').unwrap_or(name);
    if name.is_empty() {
        return None;
    }
    let default = match scheme {
        Some("http") | Some("ws") => Some("80"),
        Some("https") | Some("wss") => Some("443"),
        _ => None,
    };
    Some(match port {
        Some(p) if Some(p) != default && !p.is_empty() => format!("{name}:{p}"),
        _ => name.to_string(),
    })
}

/// `host:port` apart; `[::1]:8080` keeps its brackets on the name.
pub(crate) fn split_host_port(a: &str) -> (&str, Option<&str>) {
    if a.starts_with('[') {
        if let Some(close) = a.find(']') {
            let port = a[close + 1..].strip_prefix(':');
            return (&a[..=close], port);
        }
        return (a, None);
    }
    match a.rsplit_once(':') {
        Some((h, p)) if p.bytes().all(|b| b.is_ascii_digit()) && !h.contains(':') => (h, Some(p)),
        _ => (a, None),
    }
}

/// `""` or `/a/b`: leading slash, no trailing slash, no `//` runs, no query, no `./`.
pub(crate) fn normalize_base(p: &str) -> String {
    let p = p.split(['?', '#']).next().unwrap_or("");
    let mut out = String::new();
    for seg in p.split('/') {
        if seg.is_empty() || seg == "." {
            continue;
        }
        out.push('/');
        out.push_str(seg);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn srv(scheme: Option<&str>, host: Option<&str>, base: &str) -> Server {
        Server {
            scheme: scheme.map(String::from),
            host: host.map(String::from),
            base_path: base.into(),
        }
    }

    #[test]
    fn urls() {
        assert_eq!(
            parse_url("https://API.OpenAI.com/v1/", None),
            srv(Some("https"), Some("api.openai.com"), "/v1")
        );
        assert_eq!(
            parse_url("https://api.stripe.com/", None),
            srv(Some("https"), Some("api.stripe.com"), "")
        );
        assert_eq!(
            parse_url("http://localhost:8888", None),
            srv(Some("http"), Some("localhost:8888"), "")
        );
        assert_eq!(
            parse_url("https://h:443/x", None),
            srv(Some("https"), Some("h"), "/x")
        );
        assert_eq!(parse_url("/v1", None), srv(None, None, "/v1"));
        assert_eq!(parse_url("v1/", None), srv(None, None, "/v1"));
        assert_eq!(parse_url("/", None), srv(None, None, ""));
        assert_eq!(parse_url("./api", None), srv(None, None, "/api"));
        assert_eq!(
            parse_url("//cdn.example.com/a", None),
            srv(None, Some("cdn.example.com"), "/a")
        );
        assert_eq!(
            parse_url("https://u:p@h.example.com//stage", None),
            srv(Some("https"), Some("h.example.com"), "/stage")
        );
    }

    #[test]
    fn variables_default_first_then_enum() {
        let mut w = Vec::new();
        let list = json!([{ "url": "{scheme}://developer.uspto.gov/ds-api",
            "variables": {"scheme": {"enum": ["https", "http"], "default": "https"}}}]);
        let s = servers_v3(Some(&list), &mut w).unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!(
            s[0],
            srv(Some("https"), Some("developer.uspto.gov"), "/ds-api")
        );
        assert_eq!(s[1].scheme.as_deref(), Some("http"));
        let list = json!([{ "url": "https://{region}.example.com/{basePath}",
            "variables": {"region": {"default": "eu"}, "basePath": {"default": "/prod"}}}]);
        let s = servers_v3(Some(&list), &mut w).unwrap();
        assert_eq!(s, vec![srv(Some("https"), Some("eu.example.com"), "/prod")]);
    }

    #[test]
    fn swagger_servers() {
        let root =
            json!({"host": "petstore.swagger.io", "basePath": "/v1", "schemes": ["http", "https"]});
        let s = servers_v2(&root);
        assert_eq!(s.len(), 2);
        assert_eq!(s[0], srv(Some("http"), Some("petstore.swagger.io"), "/v1"));
        let root = json!({"basePath": "/test"});
        assert_eq!(servers_v2(&root), vec![srv(None, None, "/test")]);
        let root = json!({"host": "https://api.x.com", "basePath": "v2"});
        assert_eq!(
            servers_v2(&root),
            vec![srv(Some("https"), Some("api.x.com"), "/v2")]
        );
        let root = json!({"host": "hostname:443", "schemes": ["https"]});
        assert_eq!(
            servers_v2(&root),
            vec![srv(Some("https"), Some("hostname"), "")]
        );
    }
}

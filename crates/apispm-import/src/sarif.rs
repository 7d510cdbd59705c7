//! SARIF 2.1.0 logs: every result of every run that is an open problem becomes a finding.
//!
//! Results that are suppressed (a suppression not `rejected`), fixed (`baselineState:
//! absent`) or not failures (`kind` `pass` or `notApplicable`) are skipped and counted. The
//! severity is the result's or its rule's `properties.security-severity` (a CVSS-like score,
//! as GitHub code scanning reads it), else the result's `level`, else the rule's
//! `defaultConfiguration.level`, else SARIF's default `warning`. An HTTP endpoint is taken
//! from the result's `webRequest`, its properties, an http(s) artifact URI, a logical location
//! (`GET /users/{id}`, or a JSON pointer into an API description's `paths`), or its message,
//! in that order. Secret scanners' results keep only the rule and the location: their
//! messages, snippets and properties may hold the secret.

use crate::common::{
    TEXT_MAX, TITLE_MAX, clean_url, clip, cvss_severity, find_route, find_url, first_line, get_ci,
    method, nonempty, number,
};
use crate::{RawMap, Sink, finding};
use apispm_core::{Finding, Severity, SourceLocation};
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use std::collections::HashMap;

type Obj = Map<String, Value>;

/// Reads a SARIF log whose top-level members are still unparsed: runs and results are parsed
/// one at a time, so memory follows the largest result, not the log.
pub(crate) fn read(doc: &RawMap<'_>, sink: &mut Sink) -> Result<(), String> {
    if let Some(v) = doc.get("version") {
        match serde_json::from_str::<Value>(v.get()) {
            Ok(Value::String(s)) if s == "2.1.0" => {}
            Ok(Value::String(other)) => {
                return Err(format!(
                    "SARIF version {other} is not supported; apispm reads SARIF 2.1.0"
                ));
            }
            _ => return Err("SARIF `version` is not a string".into()),
        }
    }
    let Some(runs) = doc.get("runs") else {
        return Ok(());
    };
    let runs: Option<Vec<&RawValue>> =
        serde_json::from_str(runs.get()).map_err(|_| "SARIF `runs` is not an array".to_string())?;
    for (r, run) in runs.into_iter().flatten().enumerate() {
        match serde_json::from_str::<RawMap<'_>>(run.get()) {
            Ok(run) => read_run(r, &run, sink),
            Err(_) => sink.reject(None, format!("runs[{r}]"), "a run that is not an object"),
        }
    }
    Ok(())
}

struct Run<'a> {
    tool: &'a str,
    rules: Vec<&'a Obj>,
    by_id: HashMap<&'a str, &'a Obj>,
    artifacts: &'a [Value],
    logical: &'a [Value],
    secrets_tool: bool,
}

impl<'a> Run<'a> {
    fn new(run: &'a Obj) -> Run<'a> {
        let driver = run
            .get("tool")
            .and_then(|t| t.get("driver"))
            .and_then(Value::as_object);
        let tool = driver
            .and_then(|d| nonempty(d.get("name")))
            .unwrap_or("sarif");
        let mut rules: Vec<&Obj> = Vec::new();
        let rule_list = |c: Option<&'a Obj>| {
            c.and_then(|c| c.get("rules"))
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_object)
        };
        rules.extend(rule_list(driver));
        // Rules of extensions (CodeQL query packs) are only found by id.
        let mut by_id: HashMap<&str, &Obj> = HashMap::new();
        let extensions = run
            .get("tool")
            .and_then(|t| t.get("extensions"))
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_object);
        for r in rules
            .iter()
            .copied()
            .chain(extensions.flat_map(|e| rule_list(Some(e))))
        {
            if let Some(id) = nonempty(r.get("id")) {
                by_id.entry(id).or_insert(r);
            }
        }
        let lower = tool.to_ascii_lowercase();
        let secrets_tool = ["gitleaks", "trufflehog", "secret", "ggshield", "talisman"]
            .iter()
            .any(|t| lower.contains(t));
        let arr = |k: &str| {
            run.get(k)
                .and_then(Value::as_array)
                .map_or(&[][..], Vec::as_slice)
        };
        Run {
            tool,
            rules,
            by_id,
            artifacts: arr("artifacts"),
            logical: arr("logicalLocations"),
            secrets_tool,
        }
    }

    /// The rule of a result: by `ruleId` (or its hierarchical base, `C2001/1` → `C2001`),
    /// `rule.id`, `rule.index`/`ruleIndex`; for logs without ids (Gitleaks 7) the rule whose
    /// id or name starts the message.
    fn rule_of(&self, res: &Obj, message: &str) -> (String, Option<&'a Obj>) {
        let id = nonempty(res.get("ruleId"))
            .or_else(|| res.get("rule").and_then(|r| nonempty(r.get("id"))));
        let index = res
            .get("rule")
            .and_then(|r| r.get("index"))
            .or_else(|| res.get("ruleIndex"))
            .and_then(Value::as_u64);
        let by_index = index.and_then(|i| self.rules.get(i as usize).copied());
        if let Some(id) = id {
            let rule = self
                .by_id
                .get(id)
                .or_else(|| id.split_once('/').and_then(|(b, _)| self.by_id.get(b)))
                .copied()
                .or(by_index);
            return (id.to_string(), rule);
        }
        if let Some(rule) = by_index {
            if let Some(id) = nonempty(rule.get("id")) {
                return (id.to_string(), Some(rule));
            }
        }
        let best = self
            .rules
            .iter()
            .filter_map(|r| {
                let id = nonempty(r.get("id"))?;
                let name = nonempty(r.get("name")).unwrap_or(id);
                [id, name]
                    .into_iter()
                    .filter(|p| message.starts_with(p))
                    .map(|p| p.len())
                    .max()
                    .map(|len| (len, id, *r))
            })
            .max_by_key(|(len, _, _)| *len);
        match best {
            Some((_, id, r)) => (id.to_string(), Some(r)),
            None => ("unknown".to_string(), None),
        }
    }
}

fn read_run(r: usize, raw: &RawMap<'_>, sink: &mut Sink) {
    // What results refer to is parsed; the results themselves one by one below.
    let mut run = Obj::new();
    for k in ["tool", "artifacts", "logicalLocations"] {
        if let Some(v) = raw.get(k).and_then(|v| serde_json::from_str(v.get()).ok()) {
            run.insert(k.to_string(), v);
        }
    }
    let ctx = Run::new(&run);
    sink.tool(ctx.tool);
    let results = match raw
        .get("results")
        .map(|v| serde_json::from_str::<Option<Vec<&RawValue>>>(v.get()))
    {
        None | Some(Ok(None)) => return,
        Some(Ok(Some(a))) => a,
        Some(Err(_)) => {
            sink.reject(
                None,
                format!("runs[{r}].results"),
                "`results` is not an array",
            );
            return;
        }
    };
    let mut texts = RuleTexts::default();
    for (i, res) in results.iter().enumerate() {
        sink.record();
        let at = format!("runs[{r}].results[{i}]");
        let Ok(Value::Object(res)) = serde_json::from_str::<Value>(res.get()) else {
            sink.reject(None, at, "a result that is not an object");
            continue;
        };
        if !is_open(&res) {
            sink.skip();
            continue;
        }
        match result_finding(&ctx, &res, sink, &mut texts) {
            Ok(f) => sink.push(f),
            Err(reason) => sink.reject(None, at, reason),
        }
    }
}

/// A rule's descriptions as they go into findings (redacted, clipped), worked out once per
/// rule rather than once per result.
#[derive(Default)]
struct RuleTexts {
    by_rule: HashMap<String, (Option<String>, Option<String>)>,
}

/// Not suppressed, not fixed, and a failure.
fn is_open(res: &Obj) -> bool {
    if let Some(k) = res.get("kind").and_then(Value::as_str) {
        if k == "pass" || k == "notApplicable" {
            return false;
        }
    }
    if res.get("baselineState").and_then(Value::as_str) == Some("absent") {
        return false;
    }
    // A suppression counts unless it was rejected; `underReview` still suppresses.
    let suppressed = res
        .get("suppressions")
        .and_then(Value::as_array)
        .is_some_and(|s| {
            s.iter()
                .any(|x| x.get("status").and_then(Value::as_str) != Some("rejected"))
        });
    !suppressed
}

fn props(o: Option<&Obj>) -> Option<&Obj> {
    o?.get("properties")?.as_object()
}

fn text_of(v: Option<&Value>) -> Option<&str> {
    let v = v?;
    nonempty(v.get("text")).or_else(|| nonempty(v.get("markdown")))
}

/// A message's text: `text`, else `markdown`, else the rule's `messageStrings[id]`, with
/// `{n}` placeholders filled from `arguments` and embedded links reduced to their text.
fn message(res: &Obj, rule: Option<&Obj>) -> String {
    let Some(msg) = res.get("message") else {
        return String::new();
    };
    let template = text_of(Some(msg)).or_else(|| {
        let id = nonempty(msg.get("id"))?;
        text_of(rule?.get("messageStrings")?.get(id))
    });
    let Some(template) = template else {
        return String::new();
    };
    let args: Vec<&str> = msg
        .get("arguments")
        .and_then(Value::as_array)
        .map(|a| a.iter().map(|x| x.as_str().unwrap_or("")).collect())
        .unwrap_or_default();
    unlink(&fill(template, &args))
}

/// `{0}` → argument 0; `{{` and `}}` are literal braces.
fn fill(template: &str, args: &[&str]) -> String {
    let mut out = String::with_capacity(template.len());
    let mut chars = template.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '{' if chars.peek().map(|x| x.1) == Some('{') => {
                chars.next();
                out.push('{');
            }
            '}' if chars.peek().map(|x| x.1) == Some('}') => {
                chars.next();
                out.push('}');
            }
            '{' => {
                let rest = &template[i + 1..];
                let arg = rest
                    .find('}')
                    .and_then(|e| rest[..e].parse::<usize>().ok().map(|n| (n, e)));
                match arg {
                    Some((n, e)) if n < args.len() => {
                        out.push_str(args[n]);
                        for _ in 0..=e {
                            chars.next();
                        }
                    }
                    _ => out.push('{'),
                }
            }
            _ => out.push(c),
        }
    }
    out
}

/// `[text](3)` → `text` (SARIF embedded links point at locations or URIs).
fn unlink(s: &str) -> String {
    if !s.contains("](") {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(open) = rest.find('[') {
        let after = &rest[open + 1..];
        let link = after.find("](").and_then(|close| {
            let target = &after[close + 2..];
            target.find(')').map(|end| (close, close + 2 + end + 1))
        });
        match link {
            Some((close, skip)) if !after[..close].contains('[') => {
                out.push_str(&rest[..open]);
                out.push_str(&after[..close]);
                rest = &after[skip..];
            }
            _ => {
                out.push_str(&rest[..=open]);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

fn severity(res: &Obj, rule: Option<&Obj>) -> Severity {
    let score = number(props(Some(res)).and_then(|p| p.get("security-severity")))
        .or_else(|| number(props(rule).and_then(|p| p.get("security-severity"))));
    if let Some(s) = score.and_then(cvss_severity) {
        return s;
    }
    let level = nonempty(res.get("level"))
        .or_else(|| {
            rule.and_then(|r| r.get("defaultConfiguration"))
                .and_then(|c| nonempty(c.get("level")))
        })
        .or_else(|| {
            // A result of another kind than `fail` defaults to level `none`.
            res.get("kind")
                .and_then(Value::as_str)
                .filter(|k| *k != "fail")
                .map(|_| "none")
        })
        .unwrap_or("warning");
    match level {
        "error" => Severity::High,
        "warning" => Severity::Medium,
        "note" => Severity::Low,
        "none" => Severity::Info,
        _ => Severity::Medium,
    }
}

/// A JSON pointer into an API description's document, from the forms tools write:
/// `#/paths/~1users~1{id}/get`, `/paths/…`, `paths./users/{id}.get`,
/// `$.paths['/users/{id}'].get`. Percent-escapes of URI fragments are decoded.
fn openapi_pointer(s: &str) -> Option<String> {
    let s = s.trim();
    let s = s.strip_prefix('#').unwrap_or(s);
    if s.starts_with("/paths/") || s.starts_with("/components/") || s.starts_with("/webhooks/") {
        return Some(percent_decode(s));
    }
    let s = s.strip_prefix("$.").unwrap_or(s);
    let rest = s.strip_prefix("paths")?;
    let (path, tail) = if let Some(r) = rest.strip_prefix("['").or(rest.strip_prefix("[\"")) {
        let end = r.find(['\'', '"'])?;
        let tail = r[end + 1..].strip_prefix(']')?;
        (&r[..end], tail)
    } else if let Some(r) = rest.strip_prefix('.') {
        if !r.starts_with('/') {
            return None;
        }
        // The path runs up to the method: the last `.get`-like component.
        match r.rfind('.') {
            Some(dot) if method(&r[dot + 1..]).is_some() => (&r[..dot], &r[dot..]),
            _ => (r, ""),
        }
    } else {
        return None;
    };
    if !path.starts_with('/') {
        return None;
    }
    let mut pointer = format!("/paths/{}", path.replace('~', "~0").replace('/', "~1"));
    for part in tail.split('.').filter(|p| !p.is_empty()) {
        pointer.push('/');
        pointer.push_str(part.trim_matches(|c| c == '[' || c == ']' || c == '\'' || c == '"'));
    }
    Some(pointer)
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            let hex = |c: u8| (c as char).to_digit(16);
            if let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|_| s.to_string())
}

/// The operation a pointer is in: (method, path template).
pub(crate) fn pointer_route(pointer: &str) -> Option<(String, String)> {
    let mut parts = pointer.strip_prefix("/paths/")?.split('/');
    let path = parts.next()?.replace("~1", "/").replace("~0", "~");
    let m = method(parts.next()?)?;
    Some((m, path))
}

/// Where a result points: the first physical location (an http(s) artifact is an endpoint,
/// not a file) and an OpenAPI pointer from its logical locations or properties.
struct Place {
    file: Option<SourceLocation>,
    url: Option<String>,
    pointer: Option<String>,
    route: Option<(String, String)>,
}

fn place(ctx: &Run<'_>, res: &Obj) -> Place {
    let mut p = Place {
        file: None,
        url: None,
        pointer: None,
        route: None,
    };
    let locations = res
        .get("locations")
        .and_then(Value::as_array)
        .map_or(&[][..], Vec::as_slice);
    if let Some(phys) = locations.first().and_then(|l| l.get("physicalLocation")) {
        let art = phys.get("artifactLocation");
        let uri = art.and_then(|a| nonempty(a.get("uri"))).or_else(|| {
            let i = art?.get("index")?.as_u64()? as usize;
            nonempty(ctx.artifacts.get(i)?.get("location")?.get("uri"))
        });
        if let Some(uri) = uri {
            if let Some(u) = clean_url(uri) {
                p.url = Some(u);
            } else {
                let region = phys.get("region");
                let num = |k: &str| {
                    region
                        .and_then(|r| r.get(k))
                        .and_then(Value::as_u64)
                        .map_or(0, |n| n.min(u32::MAX as u64) as u32)
                };
                let file = uri.strip_prefix("file://").unwrap_or(uri);
                // `file:///C:/x` keeps its drive letter.
                let file = match file.as_bytes() {
                    [b'/', d, b':', ..] if d.is_ascii_alphabetic() => &file[1..],
                    _ => file,
                };
                p.file = Some(SourceLocation {
                    file: percent_decode(file),
                    pointer: None,
                    line: num("startLine"),
                    column: num("startColumn"),
                });
            }
        }
    }
    // Logical locations: on the locations, or by index into the run's table.
    let mut names: Vec<&str> = Vec::new();
    if let Some(pr) = props(Some(res)) {
        for k in ["jsonPointer", "json-pointer", "pointer", "jsonPath"] {
            if let Some(s) = nonempty(pr.get(k)) {
                names.push(s);
            }
        }
    }
    for l in locations {
        for ll in l
            .get("logicalLocations")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let indexed = ll
                .get("index")
                .and_then(Value::as_u64)
                .and_then(|i| ctx.logical.get(i as usize));
            for src in [Some(ll), indexed].into_iter().flatten() {
                for k in ["fullyQualifiedName", "name", "decoratedName"] {
                    if let Some(s) = nonempty(src.get(k)) {
                        names.push(s);
                    }
                }
            }
        }
    }
    for n in names {
        if p.pointer.is_none() {
            if let Some(ptr) = openapi_pointer(n) {
                if p.route.is_none() {
                    p.route = pointer_route(&ptr);
                }
                p.pointer = Some(ptr);
                continue;
            }
        }
        if p.route.is_none() {
            p.route = find_route(n);
        }
    }
    if let (Some(f), Some(ptr)) = (p.file.as_mut(), &p.pointer) {
        f.pointer = Some(ptr.clone());
    }
    p
}

fn result_finding(
    ctx: &Run<'_>,
    res: &Obj,
    sink: &Sink,
    texts: &mut RuleTexts,
) -> Result<Finding, String> {
    let raw_message = message(res, None);
    let (rule_id, rule) = ctx.rule_of(res, &raw_message);
    let raw_message = if raw_message.is_empty() {
        message(res, rule)
    } else {
        raw_message
    };
    if raw_message.trim().is_empty() && rule.is_none() && rule_id == "unknown" {
        return Err("a result with neither a message nor a rule".into());
    }
    let result_props = props(Some(res));
    // Values the report itself calls secrets (Gitleaks 7 `offender`, Gitleaks JSON `Secret`
    // and `Match`): never copied, whatever field they turn up in.
    let secrets: Vec<&str> = result_props
        .map(|p| {
            p.iter()
                .filter(|(k, _)| {
                    let k = k.to_ascii_lowercase();
                    k == "offender" || k == "secret" || k == "match" || k == "value"
                })
                .filter_map(|(_, v)| v.as_str())
                .collect()
        })
        .unwrap_or_default();
    let rule_label = rule
        .and_then(|r| text_of(r.get("shortDescription")))
        .or_else(|| rule.and_then(|r| nonempty(r.get("name"))))
        .unwrap_or(&rule_id)
        .to_string();
    let rule_tags_secret = props(rule)
        .and_then(|p| p.get("tags"))
        .and_then(Value::as_array)
        .is_some_and(|t| {
            t.iter()
                .filter_map(Value::as_str)
                .any(|t| t.eq_ignore_ascii_case("secret") || t.eq_ignore_ascii_case("secrets"))
        });
    let secret_result = ctx.secrets_tool || rule_tags_secret || !secrets.is_empty();
    let place = place(ctx, res);

    let severity = severity(res, rule);
    let message = if secret_result {
        String::new()
    } else {
        sink.clean(&raw_message, &secrets)
    };
    let mut f = finding(ctx.tool, &rule_id, severity, String::new());
    if secret_result {
        let at = place
            .file
            .as_ref()
            .map(|l| {
                if l.line > 0 {
                    format!(" in {}:{}", l.file, l.line)
                } else {
                    format!(" in {}", l.file)
                }
            })
            .unwrap_or_default();
        f.title = clip(
            &sink.clean(&format!("Secret detected: {rule_label}{at}"), &secrets),
            TITLE_MAX,
        );
        f.detail = format!(
            "{} reported a secret matching rule `{}`{at}; the value, message and snippet are not imported.",
            ctx.tool, rule_id
        );
        f.remediation = "Revoke and rotate the credential, remove it from the code and its history, and load it from a secret store at run time.".into();
    } else {
        let title = first_line(&message);
        f.title = if title.is_empty() {
            clip(&sink.clean(&rule_label, &secrets), TITLE_MAX)
        } else {
            clip(title, TITLE_MAX)
        };
        // Without result-specific secrets (those make it a secret result), a rule's texts
        // redact the same for every result.
        let (full, help) = texts
            .by_rule
            .entry(rule_id.clone())
            .or_insert_with(|| {
                let clean = |k: &str| {
                    rule.and_then(|r| text_of(r.get(k)))
                        .map(|t| clip(&sink.clean(t, &[]), TEXT_MAX))
                };
                (clean("fullDescription"), clean("help"))
            })
            .clone();
        let mut detail = message.clone();
        if let Some(full) = full.filter(|d| !message.contains(d.as_str())) {
            if !detail.is_empty() {
                detail.push_str("\n\n");
            }
            detail.push_str(&full);
        }
        f.detail = clip(&detail, TEXT_MAX);
        if let Some(help) = help {
            f.remediation = help;
        }
    }
    f.category = [result_props, props(rule)]
        .into_iter()
        .flatten()
        .find_map(|p| nonempty(p.get("owasp-api")).or_else(|| nonempty(p.get("category"))))
        .filter(|c| c.starts_with("API"))
        .map(str::to_string);

    // The endpoint, most explicit first.
    let mut target: Option<String> = None;
    let mut verb: Option<String> = None;
    if let Some(web) = res.get("webRequest") {
        target = nonempty(web.get("target")).map(str::to_string);
        verb = nonempty(web.get("method")).and_then(method);
    }
    if let Some(p) = result_props {
        if target.is_none() {
            target = get_ci(p, &["url", "uri", "endpoint", "http.url", "request.url"])
                .and_then(|v| nonempty(Some(v)))
                .map(str::to_string);
        }
        if verb.is_none() {
            verb = get_ci(p, &["method", "http.method", "httpMethod", "http_method"])
                .and_then(|v| nonempty(Some(v)))
                .and_then(method);
        }
        if target.is_none() {
            if let Some(route) = get_ci(p, &["route", "operation"]).and_then(|v| nonempty(Some(v)))
            {
                match find_route(route) {
                    Some((m, t)) => {
                        verb = verb.or(Some(m));
                        target = Some(t);
                    }
                    None if route.starts_with('/') => target = Some(route.to_string()),
                    None => {}
                }
            }
        }
    }
    if target.is_none() {
        target = place.url.clone();
    }
    if target.is_none() {
        if let Some((m, t)) = &place.route {
            verb = verb.or(Some(m.clone()));
            target = Some(t.clone());
        }
    }
    if target.is_none() && !secret_result {
        if let Some((m, t)) = find_route(&message) {
            verb = verb.or(Some(m));
            target = Some(t);
        } else {
            target = find_url(&message);
        }
    }
    if let Some(t) = target {
        if let Some(u) = clean_url(&t) {
            f.url = Some(u);
        } else if t.starts_with('/') {
            let path = t.split(['?', '#']).next().unwrap_or("/");
            f.path = Some(path.to_string());
        }
    }
    f.method = verb;
    f.location = place.file.map(|mut l| {
        l.pointer = l.pointer.or(place.pointer.clone());
        l
    });
    Ok(f)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_and_links() {
        assert_eq!(
            fill("Variable \"{0}\" in {1}, {{literal}} {5}", &["count", "f"]),
            "Variable \"count\" in f, {literal} {5}"
        );
        assert_eq!(
            unlink("Tainted [user input](1) reaches [sink](2) [x"),
            "Tainted user input reaches sink [x"
        );
    }

    #[test]
    fn pointers() {
        assert_eq!(
            openapi_pointer("#/paths/~1users~1%7Bid%7D/get").as_deref(),
            Some("/paths/~1users~1{id}/get")
        );
        assert_eq!(
            openapi_pointer("paths./users/{id}.get").as_deref(),
            Some("/paths/~1users~1{id}/get")
        );
        assert_eq!(
            openapi_pointer("$.paths['/a.b/{x}'].post.responses").as_deref(),
            Some("/paths/~1a.b~1{x}/post/responses")
        );
        assert_eq!(openapi_pointer("collections::list::add"), None);
        assert_eq!(
            pointer_route("/paths/~1users~1{id}/delete/responses/200"),
            Some(("DELETE".into(), "/users/{id}".into()))
        );
        assert_eq!(pointer_route("/components/schemas/User"), None);
    }
}

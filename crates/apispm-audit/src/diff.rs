//! Spec drift: what changed between two versions of an API description that matters for
//! security. Operations are paired by method and path template (parameter names ignored:
//! `/pets/{id}` is `/pets/{petId}`); schemas are compared where they sit in both documents,
//! parameters paired by name and location rather than by position.

use crate::document::{SpecDocument, resolve};
use crate::render::Format;
use crate::{locate, pointer};
use apispm_core::Severity;
use hashbrown::HashMap;
use serde::Serialize;
use serde_json::{Map, Value, json};
use std::fmt::Write;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChangeKind {
    /// A security requirement that protected operations was removed or made optional.
    SecurityRemoved,
    /// An operation that did not exist and accepts anonymous calls.
    NewOperationWithoutAuth,
    /// A server that used TLS no longer does, or a new server without TLS.
    ServerInsecure,
    /// A schema accepts more than it did: a bound dropped or raised, `additionalProperties`
    /// opened, an `enum`, `const`, `pattern` or `format` removed.
    SchemaLoosened,
    OperationAdded,
    OperationRemoved,
}

impl ChangeKind {
    pub fn name(self) -> &'static str {
        match self {
            ChangeKind::SecurityRemoved => "security-removed",
            ChangeKind::NewOperationWithoutAuth => "new-operation-without-auth",
            ChangeKind::ServerInsecure => "server-insecure",
            ChangeKind::SchemaLoosened => "schema-loosened",
            ChangeKind::OperationAdded => "operation-added",
            ChangeKind::OperationRemoved => "operation-removed",
        }
    }
}

/// Which document a change points into.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    Old,
    New,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SpecChange {
    pub kind: ChangeKind,
    pub severity: Severity,
    pub method: Option<String>,
    pub path: Option<String>,
    pub detail: String,
    /// The document the location is in: the new one, except for what only the old one has.
    pub side: Side,
    pub file: String,
    pub pointer: String,
    pub line: u32,
    pub column: u32,
}

/// The security-relevant differences between two versions of a document.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SpecDiff {
    pub old_file: String,
    pub new_file: String,
    /// Most severe first, then by kind and location.
    pub changes: Vec<SpecChange>,
}

impl SpecDiff {
    pub fn max_severity(&self) -> Option<Severity> {
        self.changes.iter().map(|c| c.severity).max()
    }

    pub fn count(&self, kind: ChangeKind) -> usize {
        self.changes.iter().filter(|c| c.kind == kind).count()
    }
}

struct Pending {
    kind: ChangeKind,
    severity: Severity,
    op: Option<(String, String)>,
    detail: String,
    side: Side,
    pointer: String,
}

/// How an operation may be called.
#[derive(Clone, Debug, PartialEq)]
enum Auth {
    /// Every alternative names at least one scheme.
    Required(Vec<String>),
    /// An empty alternative `{}` lets anonymous calls in.
    Optional,
    None,
}

fn auth_of(sec: Option<&Value>) -> Auth {
    match sec {
        Some(Value::Array(alts)) if !alts.is_empty() => {
            if alts
                .iter()
                .any(|a| a.as_object().is_some_and(Map::is_empty))
            {
                return Auth::Optional;
            }
            let mut names: Vec<String> = alts
                .iter()
                .filter_map(Value::as_object)
                .flat_map(|o| o.keys().cloned())
                .collect();
            names.sort();
            names.dedup();
            Auth::Required(names)
        }
        _ => Auth::None,
    }
}

struct OpInfo<'a> {
    template: &'a str,
    method: &'static str,
    op: &'a Map<String, Value>,
    ptr: String,
    /// The operation's own `security`, if it has one.
    own: Option<&'a Value>,
}

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// `/pets/{petId}` → `/pets/{}`.
fn normalized(template: &str) -> String {
    let mut out = String::with_capacity(template.len());
    let mut depth = 0;
    for c in template.chars() {
        match c {
            '{' => {
                if depth == 0 {
                    out.push_str("{}");
                }
                depth += 1;
            }
            '}' if depth > 0 => depth -= 1,
            _ if depth > 0 => {}
            _ => out.push(c),
        }
    }
    let trimmed = out.trim_end_matches('/');
    if trimmed.is_empty() {
        "/".to_string()
    } else {
        trimmed.to_string()
    }
}

fn operations(doc: &SpecDocument) -> Vec<(String, OpInfo<'_>)> {
    let root = doc.root();
    let mut out = Vec::new();
    let Some(Value::Object(paths)) = root.get("paths") else {
        return out;
    };
    for (template, raw) in paths {
        if template.starts_with("x-") {
            continue;
        }
        let at = pointer::join("/paths", template);
        let Some((Value::Object(item), item_ptr)) = resolve(root, raw, &at) else {
            continue;
        };
        for method in METHODS {
            let Some(raw_op) = item.get(method) else {
                continue;
            };
            let Some((Value::Object(op), ptr)) =
                resolve(root, raw_op, &pointer::join(&item_ptr, method))
            else {
                continue;
            };
            out.push((
                format!("{} {}", method.to_ascii_uppercase(), normalized(template)),
                OpInfo {
                    template,
                    method,
                    op,
                    ptr,
                    own: op.get("security"),
                },
            ));
        }
    }
    out
}

fn effective<'a>(root: &'a Value, op: &OpInfo<'a>) -> Auth {
    auth_of(op.own.or_else(|| root.get("security")))
}

fn is_write(method: &str) -> bool {
    matches!(method, "post" | "put" | "patch" | "delete")
}

fn describe(a: &Auth) -> String {
    match a {
        Auth::Required(n) if n.is_empty() => "a security requirement".to_string(),
        Auth::Required(n) => format!("`{}`", n.join("`, `")),
        Auth::Optional => "an optional requirement (`{}`)".to_string(),
        Auth::None => "no security requirement".to_string(),
    }
}

/// The security-relevant changes from `old` to `new`.
pub fn spec_diff(old: &SpecDocument, new: &SpecDocument) -> SpecDiff {
    let mut out: Vec<Pending> = Vec::new();
    let (oroot, nroot) = (old.root(), new.root());

    // Document-wide security.
    let (og, ng) = (
        auth_of(oroot.get("security")),
        auth_of(nroot.get("security")),
    );
    if matches!(og, Auth::Required(_)) && !matches!(ng, Auth::Required(_)) {
        let new_ops = operations(new);
        let inheriting = new_ops.iter().filter(|(_, o)| o.own.is_none()).count();
        out.push(Pending {
            kind: ChangeKind::SecurityRemoved,
            severity: Severity::Critical,
            op: None,
            detail: format!(
                "The document-wide security requirement ({}) was removed: the new document has {}, and {inheriting} operation(s) inherit it.",
                describe(&og),
                describe(&ng)
            ),
            side: if nroot.get("security").is_some() { Side::New } else { Side::Old },
            pointer: "/security".to_string(),
        });
    }

    // Operations.
    let old_ops = operations(old);
    let new_ops = operations(new);
    let old_index: HashMap<&str, &OpInfo> = old_ops.iter().map(|(k, o)| (k.as_str(), o)).collect();
    let new_keys: hashbrown::HashSet<&str> = new_ops.iter().map(|(k, _)| k.as_str()).collect();
    for (key, n) in &new_ops {
        let label = Some((n.method.to_ascii_uppercase(), n.template.to_string()));
        let name = format!("{} {}", n.method.to_ascii_uppercase(), n.template);
        let now = effective(nroot, n);
        match old_index.get(key.as_str()) {
            None => {
                if matches!(now, Auth::Required(_)) {
                    out.push(Pending {
                        kind: ChangeKind::OperationAdded,
                        severity: Severity::Info,
                        op: label,
                        detail: format!("{name} was added, protected by {}.", describe(&now)),
                        side: Side::New,
                        pointer: n.ptr.clone(),
                    });
                } else {
                    out.push(Pending {
                        kind: ChangeKind::NewOperationWithoutAuth,
                        severity: if is_write(n.method) {
                            Severity::Critical
                        } else {
                            Severity::High
                        },
                        op: label,
                        detail: format!(
                            "{name} was added with {}: it accepts anonymous calls.",
                            describe(&now)
                        ),
                        side: Side::New,
                        pointer: n.ptr.clone(),
                    });
                }
            }
            Some(o) => {
                let before = effective(oroot, o);
                // A change that only follows the document-wide one is reported there.
                let own_changed = o.own != n.own;
                if matches!(before, Auth::Required(_))
                    && !matches!(now, Auth::Required(_))
                    && own_changed
                {
                    let at = if n.own.is_some() {
                        pointer::join(&n.ptr, "security")
                    } else {
                        n.ptr.clone()
                    };
                    out.push(Pending {
                        kind: ChangeKind::SecurityRemoved,
                        severity: if is_write(n.method) {
                            Severity::Critical
                        } else {
                            Severity::High
                        },
                        op: label,
                        detail: format!(
                            "{name} was protected by {} and now has {}.",
                            describe(&before),
                            describe(&now)
                        ),
                        side: Side::New,
                        pointer: at,
                    });
                }
            }
        }
    }
    for (key, o) in &old_ops {
        if !new_keys.contains(key.as_str()) {
            out.push(Pending {
                kind: ChangeKind::OperationRemoved,
                severity: Severity::Info,
                op: Some((o.method.to_ascii_uppercase(), o.template.to_string())),
                detail: format!(
                    "{} {} was removed.",
                    o.method.to_ascii_uppercase(),
                    o.template
                ),
                side: Side::Old,
                pointer: o.ptr.clone(),
            });
        }
    }

    // Schemas, compared where they sit in both documents.
    let mut ptr = String::new();
    loosened(oroot, nroot, &mut ptr, false, &mut out);

    servers(old, new, &mut out);

    finish(old, new, out)
}

/// Keywords whose values are data, not constraints.
const DATA_KEYWORDS: [&str; 6] = [
    "example",
    "examples",
    "default",
    "description",
    "x-apispm-ignore",
    "summary",
];

fn num(v: Option<&Value>) -> Option<f64> {
    v.and_then(Value::as_f64)
}

fn fmt_num(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{}", f as i64)
    } else {
        f.to_string()
    }
}

fn op_of(ptr: &str) -> Option<(String, String)> {
    let segs = pointer::segments(ptr);
    if segs.len() >= 3 && segs[0] == "paths" && METHODS.contains(&segs[2].as_str()) {
        Some((segs[2].to_ascii_uppercase(), segs[1].clone()))
    } else {
        None
    }
}

/// What a schema node is called: `NewPet.name`, `POST /pets body.tags[]`.
fn schema_label(at: &str) -> String {
    let segs = pointer::segments(at);
    let (mut label, rest) = match segs.as_slice() {
        [c, s, name, rest @ ..] if c == "components" && s == "schemas" => (name.clone(), rest),
        [d, name, rest @ ..] if d == "definitions" => (name.clone(), rest),
        [p, t, m, rest @ ..] if p == "paths" && METHODS.contains(&m.as_str()) => {
            (format!("{} {t}", m.to_ascii_uppercase()), rest)
        }
        _ => return at.to_string(),
    };
    let mut it = rest.iter();
    while let Some(s) = it.next() {
        match s.as_str() {
            "properties" => {
                if let Some(p) = it.next() {
                    label.push('.');
                    label.push_str(p);
                }
            }
            "items" => label.push_str("[]"),
            "requestBody" => label.push_str(" body"),
            "parameters" => {
                if let Some(i) = it.next() {
                    label.push_str(&format!(" parameter {i}"));
                }
            }
            "responses" => {
                if let Some(code) = it.next() {
                    label.push_str(&format!(" response {code}"));
                }
            }
            _ => {}
        }
    }
    label
}

fn schema_changes(
    o: &Map<String, Value>,
    n: &Map<String, Value>,
    at: &str,
    out: &mut Vec<Pending>,
) {
    let mut push = |what: String, kw: &str| {
        let what = format!("{}: {what}", schema_label(at));
        let p = if n.contains_key(kw) {
            pointer::join(at, kw)
        } else {
            at.to_string()
        };
        out.push(Pending {
            kind: ChangeKind::SchemaLoosened,
            severity: Severity::Medium,
            op: op_of(at),
            detail: what,
            side: Side::New,
            pointer: p,
        });
    };
    for kw in [
        "maxLength",
        "maxItems",
        "maxProperties",
        "maximum",
        "exclusiveMaximum",
    ] {
        if let Some(before) = num(o.get(kw)) {
            match num(n.get(kw)) {
                None if !n.contains_key(kw) => {
                    push(format!("`{kw}` ({}) was removed.", fmt_num(before)), kw)
                }
                Some(after) if after > before => push(
                    format!(
                        "`{kw}` was raised from {} to {}.",
                        fmt_num(before),
                        fmt_num(after)
                    ),
                    kw,
                ),
                _ => {}
            }
        }
    }
    for kw in ["minLength", "minItems", "minimum"] {
        if let Some(before) = num(o.get(kw)) {
            if let Some(after) = num(n.get(kw)) {
                if after < before {
                    push(
                        format!(
                            "`{kw}` was lowered from {} to {}.",
                            fmt_num(before),
                            fmt_num(after)
                        ),
                        kw,
                    );
                }
            }
        }
    }
    for kw in ["additionalProperties", "unevaluatedProperties"] {
        if o.get(kw) == Some(&Value::Bool(false)) && n.get(kw) != Some(&Value::Bool(false)) {
            let how = match n.get(kw) {
                None => "is no longer set (extra properties are accepted)".to_string(),
                Some(Value::Bool(true)) => "is now true".to_string(),
                Some(_) => "now accepts extra properties by schema".to_string(),
            };
            push(format!("`{kw}` was false and {how}."), kw);
        }
    }
    if let Some(Value::Array(before)) = o.get("enum") {
        match n.get("enum") {
            Some(Value::Array(after)) => {
                let added: Vec<String> = after
                    .iter()
                    .filter(|v| !before.contains(v))
                    .map(|v| v.to_string())
                    .collect();
                if !added.is_empty() {
                    push(
                        format!("`enum` was widened with {}.", added.join(", ")),
                        "enum",
                    );
                }
            }
            None => push(
                format!("`enum` ({} values) was removed.", before.len()),
                "enum",
            ),
            Some(_) => {}
        }
    }
    for kw in ["pattern", "const", "format"] {
        if let Some(before) = o.get(kw) {
            if !n.contains_key(kw) {
                push(format!("`{kw}` ({before}) was removed."), kw);
            } else if kw == "pattern" && n.get(kw) != Some(before) {
                push(format!("`pattern` changed from {before} to {}.", n[kw]), kw);
            }
        }
    }
    if o.get("readOnly") == Some(&Value::Bool(true))
        && n.get("readOnly") != Some(&Value::Bool(true))
    {
        push(
            "`readOnly` was removed: clients may now send the property.".to_string(),
            "readOnly",
        );
    }
}

fn param_key(v: &Value) -> Option<String> {
    Some(format!(
        "{}\u{0}{}",
        v.get("name")?.as_str()?,
        v.get("in").and_then(Value::as_str).unwrap_or("")
    ))
}

/// Walks both documents in step: objects by key, parameter lists by name and location,
/// other lists by position.
fn loosened(o: &Value, n: &Value, ptr: &mut String, names: bool, out: &mut Vec<Pending>) {
    match (o, n) {
        (Value::Object(om), Value::Object(nm)) => {
            if !names && !ptr.is_empty() {
                schema_changes(om, nm, ptr, out);
            }
            let at_paths = ptr == "/paths";
            for (k, ov) in om {
                if !names && DATA_KEYWORDS.contains(&k.as_str()) {
                    continue;
                }
                // Path items pair by template whatever their parameters are called; the
                // pointer is the new document's.
                let (k, nv) = match nm.get(k) {
                    Some(nv) => (k, nv),
                    None if at_paths => {
                        let want = normalized(k);
                        match nm.iter().find(|(nk, _)| normalized(nk) == want) {
                            Some((nk, nv)) => (nk, nv),
                            None => continue,
                        }
                    }
                    None => continue,
                };
                let len = ptr.len();
                ptr.push('/');
                ptr.push_str(&pointer::escape(k));
                let child_names = !names
                    && matches!(
                        k.as_str(),
                        "properties"
                            | "patternProperties"
                            | "definitions"
                            | "$defs"
                            | "schemas"
                            | "responses"
                            | "headers"
                            | "securitySchemes"
                            | "securityDefinitions"
                            | "requestBodies"
                            | "paths"
                            | "content"
                            | "callbacks"
                            | "links"
                            | "encoding"
                            | "variables"
                            | "dependentSchemas"
                            | "webhooks"
                            | "pathItems"
                    );
                if k == "parameters" && !names {
                    if let (Value::Array(oa), Value::Array(na)) = (ov, nv) {
                        for (i, np) in na.iter().enumerate() {
                            let Some(key) = param_key(np) else { continue };
                            if let Some(op) =
                                oa.iter().find(|p| param_key(p).as_deref() == Some(&key))
                            {
                                let l2 = ptr.len();
                                ptr.push('/');
                                ptr.push_str(&i.to_string());
                                loosened(op, np, ptr, false, out);
                                ptr.truncate(l2);
                            }
                        }
                        ptr.truncate(len);
                        continue;
                    }
                }
                loosened(ov, nv, ptr, child_names, out);
                ptr.truncate(len);
            }
        }
        (Value::Array(oa), Value::Array(na)) => {
            for (i, (ov, nv)) in oa.iter().zip(na).enumerate() {
                let len = ptr.len();
                ptr.push('/');
                ptr.push_str(&i.to_string());
                loosened(ov, nv, ptr, false, out);
                ptr.truncate(len);
            }
        }
        _ => {}
    }
}

/// `(pointer of the url, url)` of every server, each variable set to its default.
fn server_urls(doc: &SpecDocument) -> Vec<(String, String)> {
    let root = doc.root();
    let mut out = Vec::new();
    if doc.doc.is_v2() {
        let host = root.get("host").and_then(Value::as_str).unwrap_or("");
        let base = root.get("basePath").and_then(Value::as_str).unwrap_or("");
        if let Some(Value::Array(schemes)) = root.get("schemes") {
            for (i, s) in schemes.iter().enumerate() {
                if let Some(s) = s.as_str() {
                    out.push((format!("/schemes/{i}"), format!("{s}://{host}{base}")));
                }
            }
        }
        return out;
    }
    let mut lists: Vec<(String, &Value)> = Vec::new();
    if let Some(s) = root.get("servers") {
        lists.push(("/servers".to_string(), s));
    }
    for (_, op) in operations(doc) {
        if let Some(s) = op.op.get("servers") {
            lists.push((pointer::join(&op.ptr, "servers"), s));
        }
    }
    if let Some(Value::Object(paths)) = root.get("paths") {
        for (t, item) in paths {
            if let Some(s) = item.get("servers") {
                lists.push((pointer::join(&pointer::join("/paths", t), "servers"), s));
            }
        }
    }
    for (at, list) in lists {
        let Value::Array(list) = list else { continue };
        for (i, s) in list.iter().enumerate() {
            let Some(url) = s.get("url").and_then(Value::as_str) else {
                continue;
            };
            let mut u = url.to_string();
            if let Some(Value::Object(vars)) = s.get("variables") {
                for (name, v) in vars {
                    let d = v.get("default").and_then(Value::as_str).unwrap_or("");
                    u = u.replace(&format!("{{{name}}}"), d);
                }
            }
            out.push((pointer::join(&pointer::join(&at, &i.to_string()), "url"), u));
        }
    }
    out
}

fn split_scheme(url: &str) -> (String, String) {
    match url.find("://") {
        Some(i) => (
            url[..i].to_ascii_lowercase(),
            url[i + 3..].trim_end_matches('/').to_ascii_lowercase(),
        ),
        None => (
            String::new(),
            url.trim_end_matches('/').to_ascii_lowercase(),
        ),
    }
}

fn servers(old: &SpecDocument, new: &SpecDocument, out: &mut Vec<Pending>) {
    let before = server_urls(old);
    let after = server_urls(new);
    for (at, url) in &after {
        let (scheme, rest) = split_scheme(url);
        if scheme != "http" && scheme != "ws" {
            continue;
        }
        if before
            .iter()
            .any(|(_, u)| split_scheme(u) == (scheme.clone(), rest.clone()))
        {
            continue;
        }
        let was_secure = before.iter().find(|(_, u)| {
            let (s, r) = split_scheme(u);
            r == rest && (s == "https" || s == "wss")
        });
        let detail = match was_secure {
            Some((_, u)) => {
                format!("Server `{u}` moved to plain `{url}`: traffic is no longer encrypted.")
            }
            None => format!("Server `{url}` without TLS was added."),
        };
        out.push(Pending {
            kind: ChangeKind::ServerInsecure,
            severity: Severity::High,
            op: op_of(at),
            detail,
            side: Side::New,
            pointer: at.clone(),
        });
    }
}

fn finish(old: &SpecDocument, new: &SpecDocument, pending: Vec<Pending>) -> SpecDiff {
    let old_pos = locate::locate(
        &old.text,
        old.doc.format,
        pending
            .iter()
            .filter(|p| p.side == Side::Old)
            .map(|p| p.pointer.as_str()),
    );
    let new_pos = locate::locate(
        &new.text,
        new.doc.format,
        pending
            .iter()
            .filter(|p| p.side == Side::New)
            .map(|p| p.pointer.as_str()),
    );
    let mut changes: Vec<SpecChange> = pending
        .into_iter()
        .map(|p| {
            let (file, pos) = match p.side {
                Side::Old => (&old.file, old_pos.get(&p.pointer)),
                Side::New => (&new.file, new_pos.get(&p.pointer)),
            };
            let (line, column) = pos.copied().unwrap_or((1, 1));
            let (method, path) = match p.op {
                Some((m, t)) => (Some(m), Some(t)),
                None => (None, None),
            };
            SpecChange {
                kind: p.kind,
                severity: p.severity,
                method,
                path,
                detail: p.detail,
                side: p.side,
                file: file.clone(),
                pointer: p.pointer,
                line,
                column,
            }
        })
        .collect();
    changes.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then(a.kind.cmp(&b.kind))
            .then(a.file.cmp(&b.file))
            .then((a.line, a.column).cmp(&(b.line, b.column)))
            .then(a.detail.cmp(&b.detail))
    });
    changes.dedup();
    SpecDiff {
        old_file: old.file.clone(),
        new_file: new.file.clone(),
        changes,
    }
}

/// The diff as a table, JSON or markdown.
pub fn render_diff(diff: &SpecDiff, format: Format) -> String {
    match format {
        Format::Json => {
            let mut counts: std::collections::BTreeMap<&str, usize> =
                std::collections::BTreeMap::new();
            for c in &diff.changes {
                *counts.entry(c.kind.name()).or_default() += 1;
            }
            let v = json!({
                "old": diff.old_file,
                "new": diff.new_file,
                "summary": counts,
                "changes": diff.changes,
            });
            let mut s = serde_json::to_string_pretty(&v).expect("a diff serializes");
            s.push('\n');
            s
        }
        Format::Table => {
            let mut out = String::new();
            if diff.changes.is_empty() {
                let _ = writeln!(
                    out,
                    "No security-relevant changes from {} to {}.",
                    diff.old_file, diff.new_file
                );
                return out;
            }
            let kind_w = diff
                .changes
                .iter()
                .map(|c| c.kind.name().len())
                .max()
                .unwrap_or(4);
            let _ = writeln!(
                out,
                "{:<8}  {:<kind_w$}  LOCATION / DETAIL",
                "SEVERITY", "CHANGE"
            );
            for c in &diff.changes {
                let _ = writeln!(
                    out,
                    "{:<8}  {:<kind_w$}  {}:{}:{}",
                    c.severity.name(),
                    c.kind.name(),
                    c.file,
                    c.line,
                    c.column
                );
                let _ = writeln!(out, "{:<8}  {:<kind_w$}    {}", "", "", c.detail);
            }
            let _ = writeln!(
                out,
                "\n{} change(s) from {} to {}.",
                diff.changes.len(),
                diff.old_file,
                diff.new_file
            );
            out
        }
        Format::Markdown => {
            let mut out = format!(
                "## API description changes\n\n`{}` → `{}`\n\n",
                diff.old_file, diff.new_file
            );
            if diff.changes.is_empty() {
                out.push_str("No security-relevant changes.\n");
                return out;
            }
            out.push_str(
                "| Severity | Change | Operation | Location | Detail |\n|---|---|---|---|---|\n",
            );
            for c in &diff.changes {
                let op = match (&c.method, &c.path) {
                    (Some(m), Some(p)) => format!("`{m} {p}`"),
                    _ => String::new(),
                };
                let _ = writeln!(
                    out,
                    "| {} | {} | {} | `{}:{}` | {} |",
                    c.severity.name(),
                    c.kind.name(),
                    op,
                    c.file,
                    c.line,
                    c.detail.replace('|', "\\|")
                );
            }
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_normalize() {
        assert_eq!(normalized("/pets/{petId}/"), "/pets/{}");
        assert_eq!(normalized("/"), "/");
        assert_eq!(normalized("/a/{b}.{c}"), "/a/{}.{}");
    }
}

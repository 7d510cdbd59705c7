//! From YAML text to validated policies.
//!
//! The document is read into a `yaml_serde::Value` and walked by hand rather than derived
//! with serde: the walk knows the path of every node, so each refusal can be placed exactly
//! (see `locate`), and it can say what was expected in the schema's own words. Before that,
//! two cheap passes bound the work a hostile file can cause: a look at the text refuses deep
//! `[`/`{` nesting (which the YAML scanner handles in quadratic time), and a counting pass
//! bounds how far aliases expand, so an alias bomb is refused after a bounded amount of work
//! instead of being materialised.

use crate::expr::Condition;
use crate::locate::{Pos, Step, locate};
use crate::{Policy, PolicyError, Rule, Scope};
use apispm_core::{Classification, Control, Severity};
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use std::cell::Cell;
use std::collections::HashMap;
use std::fmt;
use yaml_serde::{Mapping, Value};

/// Nodes a policy file may expand to, aliases included. Hundreds of policies need a few
/// thousand; the bound only exists to refuse alias bombs cheaply.
const MAX_NODES: usize = 200_000;

const TOP_KEYS: &[&str] = &["policies"];
const POLICY_KEYS: &[&str] = &[
    "name",
    "description",
    "scope",
    "rule",
    "severity",
    "remediation",
];
const SCOPE_KEYS: &[&str] = &["classification", "compliance"];
const RULE_KEYS: &[&str] = &[
    "control",
    "required",
    "condition",
    "documented",
    "header_present",
    "owner_present",
];

pub(crate) fn load(text: &str, file: &str) -> Result<Vec<Policy>, PolicyError> {
    check_flow_depth(text, file)?;
    count_nodes(text).map_err(|e| yaml_error(&e, text, file))?;
    let root: Value = yaml_serde::from_str(text).map_err(|e| yaml_error(&e, text, file))?;
    Cx { text, file }.document(&root)
}

fn yaml_error(e: &yaml_serde::Error, text: &str, file: &str) -> PolicyError {
    let msg = e.to_string();
    if msg.starts_with("repetition limit exceeded") || msg.contains(TOO_BIG) {
        return match first_alias_line(text) {
            Some(line) => PolicyError::new(
                file,
                line,
                None,
                format!(
                    "YAML aliases expand to too much data (over {MAX_NODES} nodes); refusing what looks like an alias bomb"
                ),
            ),
            None => PolicyError::new(
                file,
                1,
                None,
                format!("more than {MAX_NODES} YAML nodes; a policy file needs far fewer"),
            ),
        };
    }
    match e.location() {
        Some(l) => {
            // yaml_serde appends the position we already report up front
            let reason = msg.replace(&format!(" at line {} column {}", l.line(), l.column()), "");
            PolicyError::new(
                file,
                l.line(),
                Some(l.column()),
                format!("invalid YAML: {reason}"),
            )
        }
        None => PolicyError::new(file, 1, None, format!("invalid YAML: {msg}")),
    }
}

/// The line of the first `*alias`: where expansion starts, for errors that carry no mark.
fn first_alias_line(text: &str) -> Option<usize> {
    for (i, line) in text.lines().enumerate() {
        let b = line.as_bytes();
        for j in 0..b.len() {
            let starts = j == 0 || matches!(b[j - 1], b' ' | b'\t' | b'[' | b'{' | b',');
            let named = b
                .get(j + 1)
                .is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-'));
            if b[j] == b'*' && starts && named {
                return Some(i + 1);
            }
        }
    }
    None
}

/// Deeper than `yaml_serde` accepts anyway (its recursion limit), so refusing earlier loses
/// no valid file.
const MAX_FLOW_DEPTH: usize = 128;

/// The YAML scanner slows down quadratically with the depth of nested `[`/`{` (100,000 of
/// them take many seconds before any limit applies), so such nesting is refused by a quick
/// look at the text first. Quoted strings and comments are skipped; a stray bracket in a
/// plain scalar can only make the count err high by one, far from the bound.
fn check_flow_depth(text: &str, file: &str) -> Result<(), PolicyError> {
    #[derive(PartialEq)]
    enum In {
        Code,
        Single,
        Double,
    }
    let mut state = In::Code;
    let mut depth = 0usize;
    for (ln, line) in text.lines().enumerate() {
        let mut prev = ' ';
        let mut escaped = false;
        for (col, c) in line.chars().enumerate() {
            match state {
                In::Single => {
                    if c == '\'' {
                        state = In::Code;
                    }
                }
                In::Double => {
                    if escaped {
                        escaped = false;
                    } else if c == '\\' {
                        escaped = true;
                    } else if c == '"' {
                        state = In::Code;
                    }
                }
                In::Code => {
                    let starts_token = prev.is_whitespace() || "[{,:".contains(prev);
                    match c {
                        '#' if prev.is_whitespace() => break,
                        '\'' if starts_token => state = In::Single,
                        '"' if starts_token => state = In::Double,
                        '[' | '{' => {
                            depth += 1;
                            if depth > MAX_FLOW_DEPTH {
                                return Err(PolicyError::new(
                                    file,
                                    ln + 1,
                                    Some(col + 1),
                                    format!(
                                        "invalid YAML: `[`/`{{` nest deeper than {MAX_FLOW_DEPTH} levels"
                                    ),
                                ));
                            }
                        }
                        ']' | '}' => depth = depth.saturating_sub(1),
                        _ => {}
                    }
                }
            }
            prev = c;
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Alias-bomb guard: visit the document as it would expand, counting nodes, and give up early.

const TOO_BIG: &str = "document expands past the node limit";

fn count_nodes(text: &str) -> Result<(), yaml_serde::Error> {
    let count = Cell::new(0usize);
    let de = yaml_serde::Deserializer::from_str(text);
    Counter { count: &count }.deserialize(de)
}

#[derive(Clone, Copy)]
struct Counter<'c> {
    count: &'c Cell<usize>,
}

impl Counter<'_> {
    fn tick<E: de::Error>(self) -> Result<(), E> {
        self.count.set(self.count.get() + 1);
        if self.count.get() > MAX_NODES {
            return Err(E::custom(TOO_BIG));
        }
        Ok(())
    }
}

impl<'de> DeserializeSeed<'de> for Counter<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

macro_rules! count_scalar {
    ($($name:ident: $t:ty),*) => {$(
        fn $name<E: de::Error>(self, _: $t) -> Result<(), E> {
            self.tick()
        }
    )*};
}

impl<'de> Visitor<'de> for Counter<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML node")
    }

    count_scalar!(visit_bool: bool, visit_i64: i64, visit_u64: u64, visit_i128: i128,
        visit_u128: u128, visit_f64: f64, visit_str: &str, visit_bytes: &[u8]);

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.tick()
    }
    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        self.tick()
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        self.tick::<D::Error>()?;
        d.deserialize_any(self)
    }
    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        self.tick::<D::Error>()?;
        d.deserialize_any(self)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        self.tick::<A::Error>()?;
        while seq.next_element_seed(self)?.is_some() {}
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        self.tick::<A::Error>()?;
        while map.next_key_seed(self)?.is_some() {
            map.next_value_seed(self)?;
        }
        Ok(())
    }
    fn visit_enum<A: de::EnumAccess<'de>>(self, data: A) -> Result<(), A::Error> {
        // a tagged node (`!tag value`): count the tag and walk the value
        use de::VariantAccess;
        self.tick::<A::Error>()?;
        let ((), variant) = data.variant_seed(self)?;
        variant.newtype_variant_seed(self)
    }
}

// ---------------------------------------------------------------------------------------
// The schema walk

struct Cx<'t> {
    text: &'t str,
    file: &'t str,
}

type Fields<'v> = Vec<(&'v str, &'v Value)>;

fn get<'v>(fields: &Fields<'v>, key: &str) -> Option<&'v Value> {
    fields.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
}

fn with<'p>(path: &[Step<'p>], step: Step<'p>) -> Vec<Step<'p>> {
    let mut p = path.to_vec();
    p.push(step);
    p
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "empty value",
        Value::Bool(_) => "true/false value",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Sequence(_) => "list",
        Value::Mapping(_) => "mapping",
        Value::Tagged(_) => "tagged value",
    }
}

fn one_of(list: impl IntoIterator<Item = &'static str>) -> String {
    list.into_iter().collect::<Vec<_>>().join(", ")
}

/// Levenshtein distance, for "did you mean" hints on short keys.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

fn suggestion(word: &str, known: &[&'static str]) -> String {
    let lower = word.to_ascii_lowercase().replace('-', "_");
    known
        .iter()
        .map(|k| (distance(&lower, k), *k))
        .filter(|(d, _)| *d <= 2)
        .min()
        .map(|(_, k)| format!(" (did you mean `{k}`?)"))
        .unwrap_or_default()
}

impl Cx<'_> {
    fn at(&self, path: &[Step<'_>]) -> Pos {
        locate(self.text, path).unwrap_or(Pos { line: 1, column: 1 })
    }

    fn fail(&self, path: &[Step<'_>], reason: impl Into<String>) -> PolicyError {
        let p = self.at(path);
        PolicyError::new(self.file, p.line, Some(p.column), reason)
    }

    /// The entries of a mapping, refusing non-string and unknown keys.
    fn fields<'v>(
        &self,
        map: &'v Mapping,
        path: &[Step<'_>],
        allowed: &[&'static str],
        what: &str,
        ctx: &str,
    ) -> Result<Fields<'v>, PolicyError> {
        let mut out = Vec::with_capacity(map.len());
        for (k, v) in map {
            let Value::String(k) = k else {
                return Err(self.fail(
                    path,
                    format!(
                        "{ctx}keys {what} must be plain names, found a {} key",
                        kind(k)
                    ),
                ));
            };
            if !allowed.contains(&k.as_str()) {
                let hint = if k == "<<" {
                    " (YAML merge keys are not supported; repeat the keys or use an alias for the whole value)".to_string()
                } else {
                    suggestion(k, allowed)
                };
                return Err(self.fail(
                    &with(path, Step::KeyName(k)),
                    format!(
                        "{ctx}unknown key `{k}` {what}{hint}; expected {}",
                        one_of(allowed.iter().copied())
                    ),
                ));
            }
            out.push((k.as_str(), v));
        }
        Ok(out)
    }

    fn document(&self, root: &Value) -> Result<Vec<Policy>, PolicyError> {
        let map = match root {
            Value::Mapping(m) => m,
            Value::Null => {
                return Err(PolicyError::new(
                    self.file,
                    1,
                    None,
                    "empty policy file: expected a top-level `policies:` list",
                ));
            }
            other => {
                return Err(self.fail(
                    &[],
                    format!(
                        "expected a mapping with a `policies:` list at the top level, found a {}",
                        kind(other)
                    ),
                ));
            }
        };
        let fields = self.fields(map, &[], TOP_KEYS, "at the top level", "")?;
        let path = [Step::Key("policies")];
        let list = match get(&fields, "policies") {
            Some(Value::Sequence(s)) => s,
            Some(other) => {
                return Err(self.fail(
                    &path,
                    format!(
                        "`policies` must be a list of policies, found a {}",
                        kind(other)
                    ),
                ));
            }
            None => return Err(self.fail(&[], "no `policies:` list at the top level")),
        };
        let mut names: HashMap<String, usize> = HashMap::new();
        let mut out = Vec::with_capacity(list.len());
        for (i, v) in list.iter().enumerate() {
            let policy = self.policy(v, &with(&path, Step::Index(i)), i)?;
            let name_path = with(&with(&path, Step::Index(i)), Step::Key("name"));
            if let Some(first) = names.get(policy.name.as_str()) {
                return Err(self.fail(
                    &name_path,
                    format!(
                        "duplicate policy name `{}`; the first is at line {first}",
                        policy.name
                    ),
                ));
            }
            names.insert(policy.name.clone(), policy.line);
            out.push(policy);
        }
        Ok(out)
    }

    fn string<'v>(
        &self,
        fields: &Fields<'v>,
        path: &[Step<'_>],
        key: &'static str,
        ctx: &str,
    ) -> Result<Option<&'v str>, PolicyError> {
        match get(fields, key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.as_str())),
            Some(other) => Err(self.fail(
                &with(path, Step::Key(key)),
                format!("{ctx}`{key}` must be a string, found a {}", kind(other)),
            )),
        }
    }

    fn boolean(
        &self,
        fields: &Fields<'_>,
        path: &[Step<'_>],
        key: &'static str,
        ctx: &str,
    ) -> Result<Option<bool>, PolicyError> {
        match get(fields, key) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(other) => {
                let shown = match other {
                    Value::String(s) => format!("the string '{s}'"),
                    _ => format!("a {}", kind(other)),
                };
                Err(self.fail(
                    &with(path, Step::Key(key)),
                    format!("{ctx}`{key}` must be true or false, found {shown}"),
                ))
            }
        }
    }

    fn policy(&self, v: &Value, path: &[Step<'_>], i: usize) -> Result<Policy, PolicyError> {
        let Value::Mapping(map) = v else {
            return Err(self.fail(
                path,
                format!(
                    "policy #{} must be a mapping with name, scope, rule and severity, found a {}",
                    i + 1,
                    kind(v)
                ),
            ));
        };
        let ctx = match map.get("name") {
            Some(Value::String(n)) => format!("policy `{n}`: "),
            _ => format!("policy #{}: ", i + 1),
        };
        let f = self.fields(map, path, POLICY_KEYS, "in a policy", &ctx)?;
        let line = self.at(path).line;

        let name = self
            .string(&f, path, "name", &ctx)?
            .ok_or_else(|| self.fail(path, format!("{ctx}no `name`")))?;
        if name.trim().is_empty() {
            return Err(self.fail(&with(path, Step::Key("name")), "policy name is empty"));
        }
        let description = self.string(&f, path, "description", &ctx)?.unwrap_or("");
        let remediation = self.string(&f, path, "remediation", &ctx)?.unwrap_or("");

        let sev_path = with(path, Step::Key("severity"));
        let severity = match get(&f, "severity") {
            None => return Err(self.fail(path, format!("{ctx}no `severity`"))),
            Some(Value::String(s)) => Severity::parse(s).ok_or_else(|| {
                self.fail(
                    &sev_path,
                    format!(
                        "{ctx}unknown severity `{s}`; expected critical, high, medium, low or info"
                    ),
                )
            })?,
            Some(other) => {
                return Err(self.fail(
                    &sev_path,
                    format!(
                        "{ctx}`severity` must be critical, high, medium, low or info, found a {}",
                        kind(other)
                    ),
                ));
            }
        };

        let scope = self.scope(get(&f, "scope"), &with(path, Step::Key("scope")), &ctx)?;
        let rule = match get(&f, "rule") {
            None => return Err(self.fail(path, format!("{ctx}no `rule`"))),
            Some(r) => self.rule(r, &with(path, Step::Key("rule")), &ctx)?,
        };

        Ok(Policy {
            name: name.to_string(),
            description: description.to_string(),
            scope,
            rule,
            severity,
            remediation: remediation.to_string(),
            line,
        })
    }

    /// A list of strings (a single string counts as a list of one); never empty.
    fn strings<'v>(
        &self,
        v: &'v Value,
        path: &[Step<'_>],
        key: &str,
        ctx: &str,
    ) -> Result<Vec<(&'v str, Vec<Step<'static>>)>, PolicyError> {
        let empty = || {
            self.fail(
                path,
                format!(
                    "{ctx}`{key}` lists nothing, so the policy would apply to no endpoint; list values or remove `{key}`"
                ),
            )
        };
        match v {
            Value::String(s) => Ok(vec![(s.as_str(), Vec::new())]),
            Value::Null => Err(empty()),
            Value::Sequence(items) if items.is_empty() => Err(empty()),
            Value::Sequence(items) => items
                .iter()
                .enumerate()
                .map(|(j, item)| match item {
                    Value::String(s) => Ok((s.as_str(), vec![Step::Index(j)])),
                    other => Err(self.fail(
                        &with(path, Step::Index(j)),
                        format!(
                            "{ctx}`{key}` entries must be strings, found a {}",
                            kind(other)
                        ),
                    )),
                })
                .collect(),
            other => Err(self.fail(
                path,
                format!("{ctx}`{key}` must be a list, found a {}", kind(other)),
            )),
        }
    }

    fn scope(&self, v: Option<&Value>, path: &[Step<'_>], ctx: &str) -> Result<Scope, PolicyError> {
        let map = match v {
            None | Some(Value::Null) => return Ok(Scope::default()),
            Some(Value::Mapping(m)) => m,
            Some(other) => {
                return Err(self.fail(
                    path,
                    format!(
                        "{ctx}`scope` must be a mapping (classification, compliance), found a {}",
                        kind(other)
                    ),
                ));
            }
        };
        let f = self.fields(map, path, SCOPE_KEYS, "in `scope`", ctx)?;
        let mut scope = Scope::default();
        if let Some(v) = get(&f, "classification") {
            let p = with(path, Step::Key("classification"));
            let mut list = Vec::new();
            for (s, sub) in self.strings(v, &p, "classification", ctx)? {
                let c = Classification::parse(&s.trim().to_ascii_lowercase()).ok_or_else(|| {
                    let mut at = p.clone();
                    at.extend(sub);
                    self.fail(
                        &at,
                        format!(
                            "{ctx}unknown classification `{s}`; expected {}",
                            one_of(Classification::ALL.map(Classification::as_str))
                        ),
                    )
                })?;
                if !list.contains(&c) {
                    list.push(c);
                }
            }
            scope.classification = Some(list);
        }
        if let Some(v) = get(&f, "compliance") {
            let p = with(path, Step::Key("compliance"));
            let mut list: Vec<String> = Vec::new();
            for (s, sub) in self.strings(v, &p, "compliance", ctx)? {
                let tag = s.trim();
                if tag.is_empty() {
                    let mut at = p.clone();
                    at.extend(sub);
                    return Err(self.fail(&at, format!("{ctx}empty compliance tag")));
                }
                if !list.iter().any(|t| t.eq_ignore_ascii_case(tag)) {
                    list.push(tag.to_string());
                }
            }
            scope.compliance = Some(list);
        }
        Ok(scope)
    }

    fn rule(&self, v: &Value, path: &[Step<'_>], ctx: &str) -> Result<Rule, PolicyError> {
        let empty = || {
            self.fail(
                path,
                format!(
                    "{ctx}empty rule; give at least one of {}",
                    one_of(RULE_KEYS.iter().copied())
                ),
            )
        };
        let map = match v {
            Value::Null => return Err(empty()),
            Value::Mapping(m) if m.is_empty() => return Err(empty()),
            Value::Mapping(m) => m,
            other => {
                return Err(self.fail(
                    path,
                    format!("{ctx}`rule` must be a mapping, found a {}", kind(other)),
                ));
            }
        };
        let f = self.fields(map, path, RULE_KEYS, "in a rule", ctx)?;
        let mut rule = Rule::default();

        if let Some(name) = self.string(&f, path, "control", ctx)? {
            rule.control = Some(
                Control::parse(&name.trim().to_ascii_lowercase()).ok_or_else(|| {
                    self.fail(
                        &with(path, Step::Key("control")),
                        format!(
                            "{ctx}unknown control `{name}`{}; expected {}",
                            suggestion(name, &Control::ALL.map(Control::as_str)),
                            one_of(Control::ALL.map(Control::as_str))
                        ),
                    )
                })?,
            );
        }
        rule.required = self.boolean(&f, path, "required", ctx)?;
        rule.documented = self.boolean(&f, path, "documented", ctx)?;
        rule.owner_present = self.boolean(&f, path, "owner_present", ctx)?;

        if let Some(h) = self.string(&f, path, "header_present", ctx)? {
            let tchar = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
            if h.is_empty() || !h.chars().all(tchar) {
                return Err(self.fail(
                    &with(path, Step::Key("header_present")),
                    format!("{ctx}`{h}` is not an HTTP header name"),
                ));
            }
            rule.header_present = Some(h.to_string());
        }

        match get(&f, "condition") {
            None => {}
            Some(Value::String(src)) => {
                let cpath = with(path, Step::Key("condition"));
                rule.condition =
                    Some(Condition::parse(src, rule.control.is_some()).map_err(|e| {
                        let p = self.at(&cpath);
                        let column = self.expression_column(p, src, e.offset);
                        PolicyError::new(
                            self.file,
                            p.line,
                            Some(column),
                            format!("{ctx}bad condition \"{src}\": {e}"),
                        )
                    })?);
            }
            Some(other) => {
                return Err(self.fail(
                    &with(path, Step::Key("condition")),
                    format!(
                        "{ctx}`condition` must be a string such as \"origin != '*'\", found a {}",
                        kind(other)
                    ),
                ));
            }
        }

        if rule.required.is_some() && rule.control.is_none() {
            return Err(self.fail(
                &with(path, Step::KeyName("required")),
                format!("{ctx}`required` needs a `control` to apply to"),
            ));
        }
        if let (Some(c), None, None) = (rule.control, rule.required, &rule.condition) {
            return Err(self.fail(
                &with(path, Step::KeyName("control")),
                format!(
                    "{ctx}`control: {c}` alone checks nothing; add `required: true` or a `condition`"
                ),
            ));
        }
        Ok(rule)
    }

    /// The column of character `offset` of an expression whose scalar starts at `p`, when the
    /// scalar sits on one line as written (plain, or quoted without escapes); else the
    /// scalar's own column, and the message still gives the offset.
    fn expression_column(&self, p: Pos, src: &str, offset: usize) -> usize {
        let Some(line) = self.text.lines().nth(p.line.saturating_sub(1)) else {
            return p.column;
        };
        let rest: String = line.chars().skip(p.column.saturating_sub(1)).collect();
        let quote = usize::from(rest.starts_with('\'') || rest.starts_with('"'));
        if rest[quote..].starts_with(src) {
            p.column + quote + offset
        } else {
            p.column
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn did_you_mean() {
        assert_eq!(distance("kitten", "sitting"), 3);
        assert_eq!(distance("", "abc"), 3);
        assert_eq!(
            suggestion("header-present", RULE_KEYS),
            " (did you mean `header_present`?)"
        );
        assert_eq!(suggestion("xyz", RULE_KEYS), "");
    }

    #[test]
    fn flow_depth() {
        let ok = |t: &str| check_flow_depth(t, "f").is_ok();
        let deep = |n: usize| format!("a: {}{}\n", "[".repeat(n), "]".repeat(n));
        assert!(ok(&deep(MAX_FLOW_DEPTH)));
        let e = check_flow_depth(&deep(MAX_FLOW_DEPTH + 1), "f").unwrap_err();
        assert_eq!((e.line, e.column), (1, Some(MAX_FLOW_DEPTH + 4)));
        // brackets in strings and comments do not count
        let quoted = format!(
            "a: '{0}'\nb: \"{0}\\\" {0}\"\nc: 1 # {0}\nd: \"x\n  {0}\"\n",
            "[".repeat(200)
        );
        assert!(ok(&quoted), "{quoted}");
        assert!(ok(&"a: [1]\n".repeat(1000)));
    }

    #[test]
    fn alias_lines() {
        assert_eq!(
            first_alias_line("a: &x 1\nb: \"*x\"\nc: [1, *x]\n"),
            Some(3)
        );
        assert_eq!(first_alias_line("a: 1 * 2\n"), None);
    }
}

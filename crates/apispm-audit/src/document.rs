//! An API description as the audit reads it: the source text (for lines), the parsed value,
//! and its `x-apispm-ignore` entries, checked when the document is read.

use crate::pointer;
use crate::rules;
use apispm_spec::{Document, SourceFormat, SpecError};
use serde_json::Value;

/// Hops along a chain of `$ref`s before it is taken for a cycle.
const MAX_REF_HOPS: usize = 64;

/// A document the audit can run on.
#[derive(Clone, Debug)]
pub struct SpecDocument {
    /// The file as the user named it; findings carry it.
    pub file: String,
    pub text: String,
    pub doc: Document,
    pub(crate) ignores: Vec<Ignore>,
}

/// `x-apispm-ignore: [{rule, reason}]` at `scope`: the rule is silenced there and below.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ignore {
    pub scope: String,
    pub rule: String,
    pub reason: String,
}

/// Why a document cannot be audited. Messages start with `FILE:LINE:COLUMN:` where the
/// position is known.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuditError {
    #[error("{0}")]
    Spec(#[from] SpecError),
    #[error("{file}:{line}:{column}: x-apispm-ignore: {message}")]
    Ignore {
        file: String,
        line: u32,
        column: u32,
        pointer: String,
        message: String,
    },
}

impl AuditError {
    /// 1-based line of the fault, when known.
    pub fn line(&self) -> Option<usize> {
        match self {
            AuditError::Spec(e) => e.line(),
            AuditError::Ignore { line, .. } => Some(*line as usize),
        }
    }
}

impl SpecDocument {
    /// Parses a Swagger 2.0 or OpenAPI 3.x document (JSON or YAML) and checks its
    /// `x-apispm-ignore` entries: each needs a known `rule` and a non-empty `reason`.
    pub fn parse(text: impl Into<String>, file: &str) -> Result<SpecDocument, AuditError> {
        let text = text.into();
        let doc = apispm_spec::parse_document(&text, file)?;
        let mut ignores = Vec::new();
        let mut path = String::new();
        if let Err((at, message)) = collect_ignores(&doc.root, &mut path, &mut ignores) {
            let pos = crate::locate::locate(&text, doc.format, [at.as_str()]);
            let (line, column) = pos.get(&at).copied().unwrap_or((1, 1));
            return Err(AuditError::Ignore {
                file: file.to_string(),
                line,
                column,
                pointer: at,
                message,
            });
        }
        Ok(SpecDocument {
            file: file.to_string(),
            text,
            doc,
            ignores,
        })
    }

    pub fn root(&self) -> &Value {
        &self.doc.root
    }

    pub fn format(&self) -> SourceFormat {
        self.doc.format
    }

    /// The `x-apispm-ignore` entries, in document order.
    pub fn ignores(&self) -> &[Ignore] {
        &self.ignores
    }

    /// Follows local `$ref`s from `v` (found at pointer `at`) to the node they name, and that
    /// node's pointer. `None` for remote, dangling or cyclic references.
    pub fn resolve<'a>(&'a self, v: &'a Value, at: &str) -> Option<(&'a Value, String)> {
        resolve(&self.doc.root, v, at)
    }
}

pub(crate) fn resolve<'a>(root: &'a Value, v: &'a Value, at: &str) -> Option<(&'a Value, String)> {
    let mut cur = v;
    let mut ptr: Option<String> = None;
    for _ in 0..MAX_REF_HOPS {
        let Some(r) = cur.get("$ref").and_then(Value::as_str) else {
            return Some((cur, ptr.unwrap_or_else(|| at.to_string())));
        };
        let frag = r.strip_prefix('#')?;
        let decoded = pointer::percent_decode(frag).into_owned();
        cur = root.pointer(&decoded)?;
        ptr = Some(decoded);
    }
    None
}

fn collect_ignores(
    v: &Value,
    path: &mut String,
    out: &mut Vec<Ignore>,
) -> Result<(), (String, String)> {
    match v {
        Value::Object(o) => {
            if let Some(entries) = o.get("x-apispm-ignore") {
                let at = pointer::join(path, "x-apispm-ignore");
                let list: Vec<(String, &Value)> = match entries {
                    Value::Array(a) => a
                        .iter()
                        .enumerate()
                        .map(|(i, e)| (pointer::join(&at, &i.to_string()), e))
                        .collect(),
                    Value::Object(_) => vec![(at.clone(), entries)],
                    _ => {
                        return Err((at, "expected a list of {rule, reason} entries".to_string()));
                    }
                };
                for (entry_at, e) in list {
                    let Some(m) = e.as_object() else {
                        return Err((
                            entry_at,
                            "each entry is a mapping with `rule` and `reason`".to_string(),
                        ));
                    };
                    for k in m.keys() {
                        if k != "rule" && k != "reason" {
                            return Err((
                                pointer::join(&entry_at, k),
                                format!("unknown key `{k}` (entries have `rule` and `reason`)"),
                            ));
                        }
                    }
                    let rule = match m.get("rule") {
                        Some(Value::String(s)) if !s.trim().is_empty() => s.trim().to_string(),
                        _ => {
                            return Err((
                                entry_at,
                                "the entry names no `rule` (a rule id such as owasp:api4:2023-rate-limit)"
                                    .to_string(),
                            ));
                        }
                    };
                    if rules::rule(&rule).is_none() {
                        return Err((
                            pointer::join(&entry_at, "rule"),
                            format!("unknown rule `{rule}` (see `docs/audit.md` for the rule ids)"),
                        ));
                    }
                    let reason = match m.get("reason") {
                        Some(Value::String(s)) if !s.trim().is_empty() => s.trim().to_string(),
                        Some(_) => {
                            return Err((
                                pointer::join(&entry_at, "reason"),
                                format!(
                                    "the reason for ignoring `{rule}` is empty; say why the rule does not apply here"
                                ),
                            ));
                        }
                        None => {
                            return Err((
                                entry_at,
                                format!(
                                    "ignoring `{rule}` needs a `reason`: say why the rule does not apply here"
                                ),
                            ));
                        }
                    };
                    out.push(Ignore {
                        scope: path.clone(),
                        rule,
                        reason,
                    });
                }
            }
            for (k, child) in o {
                if k == "x-apispm-ignore" {
                    continue;
                }
                let len = path.len();
                path.push('/');
                path.push_str(&pointer::escape(k));
                let r = collect_ignores(child, path, out);
                path.truncate(len);
                r?;
            }
        }
        Value::Array(a) => {
            for (i, child) in a.iter().enumerate() {
                let len = path.len();
                path.push('/');
                path.push_str(&i.to_string());
                let r = collect_ignores(child, path, out);
                path.truncate(len);
                r?;
            }
        }
        _ => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ignores_are_read_with_their_scope() {
        let d = SpecDocument::parse(
            "openapi: 3.0.0\npaths:\n  /a:\n    get:\n      x-apispm-ignore:\n        - rule: owasp:api4:2023-rate-limit\n          reason: gateway enforces\n",
            "a.yaml",
        )
        .unwrap();
        assert_eq!(
            d.ignores(),
            &[Ignore {
                scope: "/paths/~1a/get".into(),
                rule: "owasp:api4:2023-rate-limit".into(),
                reason: "gateway enforces".into()
            }]
        );
    }

    #[test]
    fn missing_reason_names_file_and_line() {
        let e = SpecDocument::parse(
            "openapi: 3.0.0\npaths:\n  /a:\n    get:\n      x-apispm-ignore:\n        - rule: owasp:api4:2023-rate-limit\n",
            "a.yaml",
        )
        .unwrap_err();
        assert!(
            e.to_string().starts_with("a.yaml:6:11: x-apispm-ignore:"),
            "{e}"
        );
        let e = SpecDocument::parse(
            "{\"openapi\": \"3.0.0\", \"x-apispm-ignore\": [{\"rule\": \"nope\", \"reason\": \"x\"}]}",
            "a.json",
        )
        .unwrap_err();
        assert!(e.to_string().contains("unknown rule `nope`"), "{e}");
        assert_eq!(e.line(), Some(1));
    }

    #[test]
    fn references_resolve_with_their_pointer() {
        let d = SpecDocument::parse(
            "{\"openapi\": \"3.0.0\", \"components\": {\"schemas\": {\"A\": {\"$ref\": \"#/components/schemas/B%20C\"}, \"B C\": {\"type\": \"string\"}, \"L\": {\"$ref\": \"#/components/schemas/L\"}}}}",
            "a.json",
        )
        .unwrap();
        let a = &d.root()["components"]["schemas"]["A"];
        let (v, p) = d.resolve(a, "/components/schemas/A").unwrap();
        assert_eq!(v["type"], "string");
        assert_eq!(p, "/components/schemas/B C");
        let l = &d.root()["components"]["schemas"]["L"];
        assert!(d.resolve(l, "/x").is_none());
    }
}

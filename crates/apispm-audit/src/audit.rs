//! Running the rules over documents: hits become located [`Finding`]s, ignored ones are kept
//! apart with their reason.

use crate::document::SpecDocument;
use crate::rules::Rule;
use crate::{locate, owasp, own, pointer};
use apispm_core::{Finding, Severity, SourceLocation};
use hashbrown::HashSet;
use serde::Serialize;
use serde_json::Value;

/// What `source` audit findings carry.
pub const SOURCE: &str = "apispm-audit";

/// The outcome of an audit.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct AuditOutcome {
    /// Findings not silenced, ordered by file, line, column and rule.
    pub findings: Vec<Finding>,
    /// Findings silenced by `x-apispm-ignore`, with the reason given.
    pub suppressed: Vec<Suppressed>,
}

/// A finding an `x-apispm-ignore` entry silenced.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Suppressed {
    #[serde(flatten)]
    pub finding: Finding,
    pub reason: String,
    /// Pointer of the node carrying the `x-apispm-ignore` entry.
    pub ignored_at: String,
}

/// One rule firing at one node, before it is located.
pub(crate) struct Hit {
    pub rule: &'static Rule,
    pub pointer: String,
    pub detail: String,
    pub severity: Severity,
    /// Method (upper-case) and path template, when the hit is about one operation.
    pub op: Option<(String, String)>,
}

/// Method keys of a path item that Spectral's ruleset treats as operations, in its order.
pub(crate) const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// One operation of the document, references followed.
pub(crate) struct Op<'a> {
    pub template: &'a str,
    /// Lower-case method key.
    pub method: &'static str,
    pub op: &'a serde_json::Map<String, Value>,
    pub ptr: String,
    pub item: &'a serde_json::Map<String, Value>,
    pub item_ptr: String,
    /// Inside a callback rather than directly under `paths`.
    pub callback: bool,
}

impl Op<'_> {
    pub fn label(&self) -> String {
        format!("{} {}", self.method.to_ascii_uppercase(), self.template)
    }

    pub fn key(&self) -> Option<(String, String)> {
        Some((self.method.to_ascii_uppercase(), self.template.to_string()))
    }
}

/// What every check sees.
pub(crate) struct Cx<'a> {
    pub root: &'a Value,
    pub v2: bool,
    pub v30: bool,
    pub v31: bool,
    pub hits: Vec<Hit>,
    /// Path items and operations, callbacks included, in document order.
    pub ops: Vec<Op<'a>>,
}

impl<'a> Cx<'a> {
    fn new(doc: &'a SpecDocument) -> Cx<'a> {
        let d = &doc.doc;
        let mut cx = Cx {
            root: &d.root,
            v2: d.is_v2(),
            v30: d.is_v3_0(),
            v31: d.is_v3_1(),
            hits: Vec::new(),
            ops: Vec::new(),
        };
        if let Some(Value::Object(paths)) = cx.root.get("paths") {
            let mut ops = Vec::new();
            collect_ops(doc, paths, "/paths", false, 0, &mut ops);
            cx.ops = ops;
        }
        cx
    }

    pub fn oas3(&self) -> bool {
        !self.v2
    }

    pub fn hit(&mut self, rule: &'static Rule, pointer: String, detail: String) {
        self.hits.push(Hit {
            rule,
            pointer,
            detail,
            severity: rule.severity,
            op: None,
        });
    }

    pub fn hit_op(
        &mut self,
        rule: &'static Rule,
        pointer: String,
        detail: String,
        op: Option<(String, String)>,
        severity: Severity,
    ) {
        self.hits.push(Hit {
            rule,
            pointer,
            detail,
            severity,
            op,
        });
    }

    pub fn resolve(&self, v: &'a Value, at: &str) -> Option<(&'a Value, String)> {
        crate::document::resolve(self.root, v, at)
    }
}

/// Callbacks nest operations in operations; three levels is more than real documents use.
const MAX_CALLBACK_DEPTH: usize = 3;

fn collect_ops<'a>(
    doc: &'a SpecDocument,
    paths: &'a serde_json::Map<String, Value>,
    at: &str,
    callback: bool,
    depth: usize,
    out: &mut Vec<Op<'a>>,
) {
    let root = &doc.doc.root;
    for (template, raw) in paths {
        if template.starts_with("x-") {
            continue;
        }
        let raw_ptr = pointer::join(at, template);
        let Some((Value::Object(item), item_ptr)) = crate::document::resolve(root, raw, &raw_ptr)
        else {
            continue;
        };
        for method in METHODS {
            let Some(raw_op) = item.get(method) else {
                continue;
            };
            let op_ptr = pointer::join(&item_ptr, method);
            let Some((Value::Object(op), ptr)) = crate::document::resolve(root, raw_op, &op_ptr)
            else {
                continue;
            };
            out.push(Op {
                template,
                method,
                op,
                ptr: ptr.clone(),
                item,
                item_ptr: item_ptr.clone(),
                callback,
            });
            if depth < MAX_CALLBACK_DEPTH {
                if let Some(Value::Object(cbs)) = op.get("callbacks") {
                    let cbs_ptr = pointer::join(&ptr, "callbacks");
                    for (name, cb) in cbs {
                        let cb_ptr = pointer::join(&cbs_ptr, name);
                        if let Some((Value::Object(cb), cb_ptr)) =
                            crate::document::resolve(root, cb, &cb_ptr)
                        {
                            collect_ops(doc, cb, &cb_ptr, true, depth + 1, out);
                        }
                    }
                }
            }
        }
    }
}

/// Audits one document.
pub fn audit_document(doc: &SpecDocument) -> AuditOutcome {
    let mut cx = Cx::new(doc);
    owasp::run(&mut cx);
    own::run(&mut cx);
    let hits = std::mem::take(&mut cx.hits);
    finish(doc, hits)
}

/// Audits every document; findings of one document stay together, in the order given.
pub fn audit_all(docs: &[SpecDocument]) -> AuditOutcome {
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(docs.len());
    let outcomes: Vec<AuditOutcome> = if workers > 1 {
        // Documents are independent; worker `w` takes every `workers`-th one.
        let mut parts: Vec<(usize, AuditOutcome)> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..workers)
                .map(|w| {
                    s.spawn(move || {
                        docs.iter()
                            .enumerate()
                            .skip(w)
                            .step_by(workers)
                            .map(|(i, d)| (i, audit_document(d)))
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            handles
                .into_iter()
                .flat_map(|h| h.join().unwrap_or_default())
                .collect()
        });
        parts.sort_by_key(|(i, _)| *i);
        parts.into_iter().map(|(_, o)| o).collect()
    } else {
        docs.iter().map(audit_document).collect()
    };
    let mut out = AuditOutcome::default();
    for o in outcomes {
        out.findings.extend(o.findings);
        out.suppressed.extend(o.suppressed);
    }
    out
}

/// The findings of the documents that no `x-apispm-ignore` silences.
pub fn audit(docs: &[SpecDocument]) -> Vec<Finding> {
    audit_all(docs).findings
}

fn finish(doc: &SpecDocument, hits: Vec<Hit>) -> AuditOutcome {
    let mut seen: HashSet<(&'static str, String, String)> = HashSet::with_capacity(hits.len());
    let mut unique = Vec::with_capacity(hits.len());
    for h in hits {
        if seen.insert((h.rule.id, h.pointer.clone(), h.detail.clone())) {
            unique.push(h);
        }
    }
    let positions = locate::locate(
        &doc.text,
        doc.doc.format,
        unique.iter().map(|h| h.pointer.as_str()),
    );
    let mut located: Vec<(u32, u32, Hit)> = unique
        .into_iter()
        .map(|h| {
            let (l, c) = positions.get(&h.pointer).copied().unwrap_or((1, 1));
            (l, c, h)
        })
        .collect();
    located.sort_by(|a, b| {
        (a.0, a.1, a.2.rule.id, &a.2.pointer, &a.2.detail).cmp(&(
            b.0,
            b.1,
            b.2.rule.id,
            &b.2.pointer,
            &b.2.detail,
        ))
    });
    let mut out = AuditOutcome::default();
    for (line, column, h) in located {
        let ignore = doc
            .ignores
            .iter()
            .filter(|i| i.rule == h.rule.id && pointer::is_within(&h.pointer, &i.scope))
            // The closest ignore explains it best.
            .max_by_key(|i| i.scope.len());
        let (method, path) = match h.op {
            Some((m, p)) => (Some(m), Some(p)),
            None => (None, None),
        };
        let finding = Finding {
            source: SOURCE.to_string(),
            rule: h.rule.id.to_string(),
            category: Some(h.rule.category.to_string()),
            severity: h.severity,
            title: h.rule.title.to_string(),
            detail: h.detail,
            api_id: None,
            service: None,
            method,
            path,
            url: None,
            remediation: h.rule.remediation.to_string(),
            location: Some(SourceLocation {
                file: doc.file.clone(),
                pointer: Some(h.pointer),
                line,
                column,
            }),
        };
        match ignore {
            Some(i) => out.suppressed.push(Suppressed {
                finding,
                reason: i.reason.clone(),
                ignored_at: i.scope.clone(),
            }),
            None => out.findings.push(finding),
        }
    }
    out
}

//! The audit, the spec diff and the locator never panic, whatever the document holds: random
//! JSON values built from OpenAPI's own keywords (so the rules meet odd shapes where they
//! look), in JSON and YAML text.

use apispm_audit::{SpecDocument, audit_document, spec_diff};
use proptest::prelude::*;
use serde_json::{Map, Value};

const KEYS: &[&str] = &[
    "paths",
    "/a",
    "/admin/{id}",
    "get",
    "post",
    "delete",
    "parameters",
    "name",
    "in",
    "schema",
    "type",
    "string",
    "integer",
    "array",
    "object",
    "maxLength",
    "items",
    "properties",
    "additionalProperties",
    "unevaluatedProperties",
    "responses",
    "200",
    "429",
    "401",
    "4XX",
    "headers",
    "content",
    "application/json",
    "$ref",
    "security",
    "components",
    "schemas",
    "securitySchemes",
    "servers",
    "url",
    "variables",
    "default",
    "enum",
    "flows",
    "scheme",
    "description",
    "x-apispm-ignore",
    "rule",
    "reason",
    "password",
    "requestBody",
    "callbacks",
    "format",
    "allOf",
    "readOnly",
    "writeOnly",
    "example",
    "id",
    "user_id",
    "schemes",
];

const STRINGS: &[&str] = &[
    "http://x.example",
    "https://x.example",
    "{s}://h",
    "#/components/schemas/A",
    "#/paths/~1a",
    "#/",
    "#",
    "basic",
    "apiKey",
    "query",
    "path",
    "oauth2",
    "integer",
    "string",
    "array",
    "object",
    "owasp:api4:2023-rate-limit",
    "",
    "~1",
    "{id}",
];

fn value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i32>().prop_map(Value::from),
        prop::sample::select(STRINGS).prop_map(|s| Value::String(s.to_string())),
        "[a-z{}/~ ]{0,8}".prop_map(Value::String),
    ];
    leaf.prop_recursive(6, 80, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((prop::sample::select(KEYS), inner), 0..6).prop_map(|kv| {
                let mut m = Map::new();
                for (k, v) in kv {
                    m.insert(k.to_string(), v);
                }
                Value::Object(m)
            }),
        ]
    })
}

fn document() -> impl Strategy<Value = Value> {
    (
        prop::sample::select(&["2.0", "3.0.3", "3.1.0"][..]),
        prop::collection::vec((prop::sample::select(KEYS), value()), 0..8),
    )
        .prop_map(|(version, kv)| {
            let mut m = Map::new();
            for (k, v) in kv {
                m.insert(k.to_string(), v);
            }
            m.remove("x-apispm-ignore");
            let key = if version == "2.0" {
                "swagger"
            } else {
                "openapi"
            };
            m.insert(key.to_string(), Value::String(version.to_string()));
            Value::Object(m)
        })
}

fn check(text: String, name: &str) {
    // A document may be refused (an x-apispm-ignore without a reason), never panic.
    if let Ok(d) = SpecDocument::parse(text, name) {
        let o = audit_document(&d);
        for f in o
            .findings
            .iter()
            .chain(o.suppressed.iter().map(|s| &s.finding))
        {
            let l = f.location.as_ref().unwrap();
            assert!(l.line >= 1 && l.column >= 1);
        }
        let diff = spec_diff(&d, &d);
        assert!(diff.changes.is_empty(), "{:?}", diff.changes);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn audit_never_panics(doc in document(), other in document()) {
        check(serde_json::to_string_pretty(&doc).unwrap(), "p.json");
        check(yaml_serde::to_string(&doc).unwrap(), "p.yaml");
        if let (Ok(a), Ok(b)) = (
            SpecDocument::parse(serde_json::to_string(&doc).unwrap(), "a.json"),
            SpecDocument::parse(yaml_serde::to_string(&other).unwrap(), "b.yaml"),
        ) {
            let _ = spec_diff(&a, &b);
            let _ = spec_diff(&b, &a);
        }
    }

    #[test]
    fn locate_never_panics(text in "[ -~\n]{0,200}", ptr in "(/[a-z0-9~]{0,4}){0,4}") {
        let _ = apispm_audit::locate(&text, apispm_spec::SourceFormat::Json, [ptr.as_str()]);
        let _ = apispm_audit::locate(&text, apispm_spec::SourceFormat::Yaml, [ptr.as_str()]);
    }
}

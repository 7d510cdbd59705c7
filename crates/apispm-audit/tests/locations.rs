//! Findings point at the right place in the source text, JSON or YAML: exact positions on a
//! small document written both ways, and on corpus documents that exist in both syntaxes,
//! the same findings, each placed on the text of the node its pointer names.

use apispm_audit::{SpecDocument, audit_document, pointer};
use apispm_core::Finding;
use std::collections::BTreeSet;

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/tests/fixtures/corpus/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

fn at<'a>(findings: &'a [Finding], rule: &str, ptr: &str) -> &'a Finding {
    findings
        .iter()
        .find(|f| f.rule == rule && f.location.as_ref().unwrap().pointer.as_deref() == Some(ptr))
        .unwrap_or_else(|| panic!("no {rule} at {ptr}"))
}

fn pos(f: &Finding) -> (u32, u32) {
    let l = f.location.as_ref().unwrap();
    (l.line, l.column)
}

const YAML: &str = "\
openapi: 3.0.3
info: {title: t, version: '1'}
servers:
  - url: http://api.example.com
paths:
  /users/{user_id}:
    get:
      parameters:
        - name: user_id
          in: path
          required: true
          schema: {type: integer}
      responses:
        '200':
          description: ok
          headers:
            X-Other: {schema: {type: string, maxLength: 3}}
";

const JSON: &str = r#"{
  "openapi": "3.0.3",
  "info": {"title": "t", "version": "1"},
  "servers": [
    {"url": "http://api.example.com"}
  ],
  "paths": {
    "/users/{user_id}": {
      "get": {
        "parameters": [
          {
            "name": "user_id", "in": "path", "required": true,
            "schema": {"type": "integer"}
          }
        ],
        "responses": {
          "200": {
            "description": "ok",
            "headers": {"X-Other": {"schema": {"type": "string", "maxLength": 3}}}
          }
        }
      }
    }
  }
}"#;

#[test]
fn exact_positions_in_yaml() {
    let d = SpecDocument::parse(YAML, "api.yaml").unwrap();
    let f = audit_document(&d).findings;
    assert_eq!(
        pos(at(&f, "owasp:api8:2023-no-server-http", "/servers/0/url")),
        (4, 5)
    );
    assert_eq!(
        pos(at(&f, "owasp:api9:2023-inventory-access", "/servers/0")),
        (4, 5)
    );
    let ids = "/paths/~1users~1{user_id}/get/parameters/0/schema";
    assert_eq!(pos(at(&f, "owasp:api1:2023-no-numeric-ids", ids)), (12, 11));
    let ops = "/paths/~1users~1{user_id}/get";
    assert_eq!(pos(at(&f, "owasp:api2:2023-read-restricted", ops)), (7, 5));
    let headers = "/paths/~1users~1{user_id}/get/responses/200/headers";
    assert_eq!(pos(at(&f, "owasp:api4:2023-rate-limit", headers)), (16, 11));
    let responses = "/paths/~1users~1{user_id}/get/responses";
    assert_eq!(
        pos(at(
            &f,
            "owasp:api8:2023-define-error-responses-401",
            responses
        )),
        (13, 7)
    );
    for f in &f {
        let l = f.location.as_ref().unwrap();
        assert_eq!(l.file, "api.yaml");
        assert!(l.line >= 1 && l.column >= 1);
    }
}

#[test]
fn exact_positions_in_json() {
    let d = SpecDocument::parse(JSON, "api.json").unwrap();
    let f = audit_document(&d).findings;
    assert_eq!(
        pos(at(&f, "owasp:api8:2023-no-server-http", "/servers/0/url")),
        (5, 6)
    );
    assert_eq!(
        pos(at(&f, "owasp:api9:2023-inventory-access", "/servers/0")),
        (5, 5)
    );
    let ids = "/paths/~1users~1{user_id}/get/parameters/0/schema";
    assert_eq!(pos(at(&f, "owasp:api1:2023-no-numeric-ids", ids)), (13, 13));
    let ops = "/paths/~1users~1{user_id}/get";
    assert_eq!(pos(at(&f, "owasp:api2:2023-read-restricted", ops)), (9, 7));
    let headers = "/paths/~1users~1{user_id}/get/responses/200/headers";
    assert_eq!(pos(at(&f, "owasp:api4:2023-rate-limit", headers)), (19, 13));
}

/// The last segment of the pointer is written at the finding's position: a key (quoted or
/// not) for a member, a value for an item of a sequence.
fn check_placement(text: &str, f: &Finding, json: bool) {
    let l = f.location.as_ref().unwrap();
    let p = l.pointer.as_deref().unwrap();
    let line = text.lines().nth(l.line as usize - 1).unwrap();
    let rest: String = line.chars().skip(l.column as usize - 1).collect();
    let segs = pointer::segments(p);
    let Some(last) = segs.last() else { return };
    let parent = text_parent_is_sequence(&segs);
    if parent {
        assert!(
            !rest.starts_with(char::is_whitespace) && !rest.is_empty(),
            "{}: item at {}:{} is {rest:?}",
            f.rule,
            l.line,
            l.column
        );
    } else if json {
        assert!(
            rest.starts_with(&serde_json::to_string(last).unwrap()),
            "{} {p}: {}:{} is {rest:?}",
            f.rule,
            l.line,
            l.column
        );
    } else {
        let ok = rest.starts_with(&format!("{last}:"))
            || rest.starts_with(&format!("'{last}'"))
            || rest.starts_with(&format!("\"{last}\""));
        assert!(ok, "{} {p}: {}:{} is {rest:?}", f.rule, l.line, l.column);
    }
}

/// Whether the node's parent is a list: its last segment is an index under a known list.
fn text_parent_is_sequence(segs: &[String]) -> bool {
    segs.len() >= 2
        && segs.last().unwrap().parse::<usize>().is_ok()
        && matches!(
            segs[segs.len() - 2].as_str(),
            "parameters"
                | "servers"
                | "allOf"
                | "anyOf"
                | "oneOf"
                | "security"
                | "tags"
                | "schemes"
                | "enum"
                | "required"
        )
}

#[test]
fn corpus_documents_in_both_syntaxes_agree_and_point_at_their_nodes() {
    for base in ["petstore", "uspto"] {
        let jt = fixture(&format!("{base}.json"));
        let yt = fixture(&format!("{base}.yaml"));
        let j = audit_document(&SpecDocument::parse(jt.clone(), "a.json").unwrap()).findings;
        let y = audit_document(&SpecDocument::parse(yt.clone(), "a.yaml").unwrap()).findings;
        assert!(!j.is_empty());
        let key = |f: &Finding| {
            (
                f.rule.clone(),
                f.location.as_ref().unwrap().pointer.clone().unwrap(),
                f.detail.clone(),
            )
        };
        let js: BTreeSet<_> = j.iter().map(key).collect();
        let ys: BTreeSet<_> = y.iter().map(key).collect();
        assert_eq!(js, ys, "{base}: JSON and YAML differ");
        for f in &j {
            check_placement(&jt, f, true);
        }
        for f in &y {
            check_placement(&yt, f, false);
        }
    }
}

//! Spec drift on real documents with planted changes: the petstore pair in
//! `tests/fixtures/corpus/` (a hardened Petstore and its loosened successor, both made from
//! the OpenAPI Initiative's petstore-expanded example) and crAPI's description edited in code.

use apispm_audit::{ChangeKind, Side, SpecDiff, SpecDocument, render_diff, spec_diff};
use apispm_core::Severity;
use serde_json::{Value, json};

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/tests/fixtures/corpus/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

fn doc(name: &str) -> SpecDocument {
    SpecDocument::parse(fixture(name), name).unwrap()
}

fn kinds(d: &SpecDiff) -> Vec<(ChangeKind, String)> {
    d.changes
        .iter()
        .map(|c| (c.kind, c.detail.clone()))
        .collect()
}

/// The text at a change's line, in the file it names.
fn line_of(text: &str, line: u32) -> &str {
    text.lines().nth(line as usize - 1).unwrap()
}

#[test]
fn petstore_planted_changes_are_all_found_and_nothing_else() {
    let before = doc("petstore-expanded.before.yaml");
    let after = doc("petstore-expanded.after.yaml");
    let d = spec_diff(&before, &after);
    let all = kinds(&d);
    assert_eq!(d.count(ChangeKind::SecurityRemoved), 2, "{all:#?}");
    assert_eq!(d.count(ChangeKind::NewOperationWithoutAuth), 1, "{all:#?}");
    assert_eq!(d.count(ChangeKind::OperationAdded), 1, "{all:#?}");
    assert_eq!(d.count(ChangeKind::OperationRemoved), 1, "{all:#?}");
    assert_eq!(d.count(ChangeKind::ServerInsecure), 1, "{all:#?}");
    assert_eq!(d.count(ChangeKind::SchemaLoosened), 6, "{all:#?}");
    assert_eq!(d.changes.len(), 12, "{all:#?}");

    let text = fixture("petstore-expanded.after.yaml");
    let old_text = fixture("petstore-expanded.before.yaml");
    let find = |kind: ChangeKind, needle: &str| {
        d.changes
            .iter()
            .find(|c| c.kind == kind && c.detail.contains(needle))
            .unwrap_or_else(|| panic!("no {kind:?} with {needle}: {all:#?}"))
    };
    // The document-wide requirement is gone from the new file: placed in the old one.
    let global = find(ChangeKind::SecurityRemoved, "document-wide");
    assert_eq!(global.severity, Severity::Critical);
    assert_eq!(global.side, Side::Old);
    assert!(line_of(&old_text, global.line).starts_with("security:"));
    let delete = find(
        ChangeKind::SecurityRemoved,
        "DELETE /pets/{petId} was protected",
    );
    assert_eq!(delete.method.as_deref(), Some("DELETE"));
    assert_eq!(line_of(&text, delete.line).trim(), "security: []");
    let put = find(
        ChangeKind::NewOperationWithoutAuth,
        "PUT /pets/{petId} was added",
    );
    assert_eq!(put.severity, Severity::Critical);
    assert_eq!(line_of(&text, put.line).trim(), "put:");
    let removed = find(ChangeKind::OperationRemoved, "GET /stores");
    assert_eq!(removed.side, Side::Old);
    assert_eq!(line_of(&old_text, removed.line).trim(), "get:");
    let server = find(
        ChangeKind::ServerInsecure,
        "https://petstore.swagger.io/api",
    );
    assert!(line_of(&text, server.line).contains("http://petstore.swagger.io/api"));
    for (needle, at) in [
        ("`maxItems` (10) was removed", "schema:"),
        ("`maxLength` was raised from 20 to 200", "maxLength: 200"),
        ("`additionalProperties` was false", "NewPet:"),
        ("`maxLength` (64) was removed", "name:"),
        ("`pattern`", "name:"),
        ("`enum` (2 values) was removed", "tag:"),
    ] {
        let c = find(ChangeKind::SchemaLoosened, needle);
        assert!(
            line_of(&text, c.line).trim().starts_with(at),
            "{needle}: line {} is {:?}",
            c.line,
            line_of(&text, c.line)
        );
    }
    // The GET kept under a renamed parameter is the same operation.
    assert!(!all.iter().any(
        |(_, d)| d.starts_with("GET /pets/{petId} was") || d.starts_with("GET /pets/{id} was")
    ));
    // Loosened schemas say which schema.
    assert!(
        all.iter()
            .any(|(_, d)| d == "NewPet.name: `maxLength` (64) was removed.")
    );
    assert!(
        all.iter()
            .any(|(_, d)| d.starts_with("GET /pets parameter 0[]: `maxLength` was raised"))
    );
}

#[test]
fn identical_documents_have_no_drift_whatever_the_syntax() {
    let d = spec_diff(&doc("petstore.yaml"), &doc("petstore.json"));
    assert!(d.changes.is_empty(), "{:#?}", d.changes);
    let d = spec_diff(
        &doc("crapi-openapi-spec.json"),
        &doc("crapi-openapi-spec.json"),
    );
    assert!(d.changes.is_empty());
    let d = spec_diff(&doc("uspto.yaml"), &doc("uspto.json"));
    assert!(d.changes.is_empty());
}

#[test]
fn crapi_edited_in_code() {
    let original: Value = serde_json::from_str(&fixture("crapi-openapi-spec.json")).unwrap();
    let mut edited = original.clone();
    // An authenticated write loses its requirement.
    edited["paths"]["/identity/api/v2/user/reset-password"]["post"]["security"] = json!([]);
    // An admin export appears without any.
    edited["paths"]["/workshop/api/admin/export"] = json!({
        "get": {"operationId": "export", "security": [], "responses": {"200": {"description": "ok"}}}
    });
    let otp = &mut edited["components"]["schemas"]["OtpForm"]["properties"];
    otp["otp"].as_object_mut().unwrap().remove("maxLength");
    otp["password"]["maxLength"] = json!(300);
    edited["components"]["schemas"]["OrderStatusEnum"]["enum"]
        .as_array_mut()
        .unwrap()
        .push(json!("any"));
    edited["components"]["schemas"]["Product"]["properties"]["price"]
        .as_object_mut()
        .unwrap()
        .remove("pattern");
    let new_text = serde_json::to_string_pretty(&edited).unwrap();
    let before = doc("crapi-openapi-spec.json");
    let after = SpecDocument::parse(new_text.clone(), "crapi-edited.json").unwrap();
    let d = spec_diff(&before, &after);
    let all = kinds(&d);
    assert_eq!(d.count(ChangeKind::SecurityRemoved), 1, "{all:#?}");
    assert_eq!(d.count(ChangeKind::NewOperationWithoutAuth), 1, "{all:#?}");
    assert_eq!(d.count(ChangeKind::SchemaLoosened), 4, "{all:#?}");
    assert_eq!(d.changes.len(), 6, "{all:#?}");
    let sec = &d.changes[0];
    assert_eq!(sec.kind, ChangeKind::SecurityRemoved);
    assert_eq!(sec.severity, Severity::Critical);
    assert_eq!(
        sec.path.as_deref(),
        Some("/identity/api/v2/user/reset-password")
    );
    assert_eq!(line_of(&new_text, sec.line).trim(), "\"security\": [],");
    for c in &d.changes {
        assert_eq!(c.file, "crapi-edited.json");
        let l = line_of(&new_text, c.line);
        let key = c.pointer.rsplit('/').next().unwrap().replace("~1", "/");
        assert!(
            l.contains(&format!("\"{key}\"")),
            "{:?} at {}: {l}",
            c.kind,
            c.line
        );
    }
    // The renderers carry every change.
    let json: Value = serde_json::from_str(&render_diff(&d, apispm_audit::Format::Json)).unwrap();
    assert_eq!(json["changes"].as_array().unwrap().len(), 6);
    assert_eq!(json["summary"]["schema-loosened"], 4);
    let md = render_diff(&d, apispm_audit::Format::Markdown);
    assert_eq!(md.matches("\n| ").count(), 6 + 1, "{md}");
    let table = render_diff(&d, apispm_audit::Format::Table);
    assert!(table.contains("security-removed") && table.contains("crapi-edited.json:"));
}

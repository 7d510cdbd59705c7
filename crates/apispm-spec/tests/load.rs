//! What `load` keeps of an operation: deprecation, input validation, security, owners,
//! parameters, pointers and lines; and how it copes with `$ref` cycles and refusals.

use apispm_spec::{Operation, Spec, SpecError, load};

fn op<'a>(spec: &'a Spec, method: &str, template: &str) -> &'a Operation {
    spec.operations
        .iter()
        .find(|o| o.method == method && o.template == template)
        .unwrap_or_else(|| panic!("no {method} {template} in {:#?}", spec.operations))
}

const V3: &str = r##"
openapi: 3.1.0
info:
  title: Shop
  version: 2.4
  x-owner: info-team
  contact: {name: Contact Name, email: c@example.com}
x-owner: {team: payments}
security:
  - api_key: []
paths:
  /orders/{orderId}:
    x-owner: orders-team
    parameters:
      - name: orderId
        in: path
        required: true
        schema: {type: [integer, "null"], format: int64}
      - $ref: '#/components/parameters/Trace'
    get:
      operationId: getOrder
      tags: [orders]
      deprecated: true
      responses:
        200: {description: ok}
        404: {$ref: '#/components/responses/NotFound'}
    put:
      x-owner: owner-of-put
      security: []
      requestBody: {$ref: '#/components/requestBodies/Order'}
      responses: {default: {$ref: '#/components/responses/Retiring'}}
    delete:
      x-deprecated: true
      security:
        - {}
        - oauth: [write]
      parameters:
        - name: Trace
          in: header
          description: overrides the path-level one and has no schema
      responses: {204: {description: gone}}
  /orders:
    post:
      requestBody:
        content:
          application/json: {schema: {}}
    get:
      parameters:
        - {name: limit, in: query, schema: {$ref: '#/components/schemas/Limit'}}
        - {name: cursor, in: query, schema: {type: string}}
        - {name: limit, in: query}
  /loop:
    get:
      parameters:
        - $ref: '#/components/parameters/A'
        - $ref: 'common.yaml#/components/parameters/Remote'
        - {name: q, in: query, schema: {$ref: '#/components/schemas/Self'}}
  /selfref/{s}:
    get:
      parameters:
        - {name: s, in: path, required: true, schema: {$ref: '#/components/schemas/Self'}}
  /ids/{id}:
    get:
      parameters:
        - {name: id, in: path, required: true, schema: {$ref: '#/components/schemas/Uuid'}}
  /aliased:
    $ref: '#/components/pathItems/Aliased'
  /cycle-a: {$ref: '#/paths/~1cycle-b'}
  /cycle-b: {$ref: '#/paths/~1cycle-a'}
  x-internal: {get: {}}
components:
  parameters:
    Trace: {name: Trace, in: header, schema: {type: string}}
    A: {$ref: '#/components/parameters/B'}
    B: {$ref: '#/components/parameters/A'}
  requestBodies:
    Order:
      content:
        application/json:
          schema: {$ref: '#/components/schemas/Order'}
  responses:
    NotFound: {description: nope}
    Retiring: {description: x, headers: {sunset: {schema: {type: string}}}}
  schemas:
    Order: {type: object, properties: {next: {$ref: '#/components/schemas/Order'}}}
    Limit: {type: integer, format: int32}
    Self: {$ref: '#/components/schemas/Self'}
    Uuid: {type: string, format: uuid}
  pathItems:
    Aliased:
      get: {operationId: aliased}
"##;

#[test]
fn document_level_fields() {
    let s = load(V3, "shop.yaml").unwrap();
    assert_eq!(s.source, "shop.yaml");
    assert_eq!(s.openapi, "3.1.0");
    assert_eq!(s.title.as_deref(), Some("Shop"));
    assert_eq!(s.version.as_deref(), Some("2.4"));
    // Root `x-owner` first, even as a mapping.
    assert_eq!(s.owner.as_deref(), Some("payments"));
    assert_eq!(s.servers.len(), 1);
    assert_eq!(s.servers[0].host, None);
    assert_eq!(s.servers[0].base_path, "");
    // `x-internal` is an extension, `/cycle-*` resolve to nothing.
    let templates: Vec<_> = s
        .operations
        .iter()
        .map(|o| (o.method.as_str(), o.template.as_str()))
        .collect();
    assert_eq!(
        templates,
        [
            ("GET", "/aliased"),
            ("GET", "/ids/{id}"),
            ("GET", "/loop"),
            ("GET", "/orders"),
            ("POST", "/orders"),
            ("GET", "/orders/{orderId}"),
            ("PUT", "/orders/{orderId}"),
            ("DELETE", "/orders/{orderId}"),
            ("GET", "/selfref/{s}"),
        ]
    );
}

#[test]
fn owner_precedence() {
    let s = load(V3, "shop.yaml").unwrap();
    assert_eq!(
        op(&s, "GET", "/orders/{orderId}").owner.as_deref(),
        Some("orders-team")
    );
    assert_eq!(
        op(&s, "PUT", "/orders/{orderId}").owner.as_deref(),
        Some("owner-of-put")
    );
    assert_eq!(op(&s, "GET", "/orders").owner, None);
    let doc = |extra: &str| {
        load(
            &format!("openapi: 3.0.0\ninfo:\n  title: t\n  version: '1'\n{extra}paths: {{}}\n"),
            "t",
        )
        .unwrap()
        .owner
    };
    assert_eq!(
        doc("  x-owner: in-info\n  contact: {name: N}\n").as_deref(),
        Some("in-info")
    );
    assert_eq!(
        doc("  contact: {name: N, email: e@x}\n").as_deref(),
        Some("N")
    );
    assert_eq!(doc("  contact: {email: e@x}\n").as_deref(), Some("e@x"));
    assert_eq!(doc("  contact: {name: '  '}\n"), None);
    assert_eq!(doc(""), None);
}

#[test]
fn deprecation() {
    let s = load(V3, "shop.yaml").unwrap();
    assert!(op(&s, "GET", "/orders/{orderId}").deprecated);
    assert!(op(&s, "DELETE", "/orders/{orderId}").deprecated);
    assert!(!op(&s, "PUT", "/orders/{orderId}").deprecated);
    // Declaring a `Sunset` header announces retirement without `deprecated: true`.
    assert!(op(&s, "PUT", "/orders/{orderId}").announces_deprecation);
    assert!(!op(&s, "GET", "/orders/{orderId}").announces_deprecation);
}

#[test]
fn input_validation() {
    let s = load(V3, "shop.yaml").unwrap();
    // Path-level parameter with a schema.
    assert!(op(&s, "GET", "/orders/{orderId}").validates_input);
    // Request body through `$ref`.
    assert!(op(&s, "PUT", "/orders/{orderId}").validates_input);
    // `schema: {}` accepts anything.
    assert!(!op(&s, "POST", "/orders").validates_input);
    assert!(op(&s, "GET", "/orders").validates_input);
    assert!(!op(&s, "GET", "/aliased").validates_input);
    let v2 = r##"{"swagger": "2.0", "info": {"title": "t", "version": "1"}, "paths": {
        "/a": {"post": {"parameters": [{"in": "body", "name": "b", "schema": {"$ref": "#/definitions/X"}}]}},
        "/b": {"post": {"parameters": [{"in": "formData", "name": "f", "type": "file"}]}},
        "/c": {"get": {}}}, "definitions": {"X": {"type": "object"}}}"##;
    let s = load(v2, "v2.json").unwrap();
    assert!(op(&s, "POST", "/a").validates_input);
    assert!(op(&s, "POST", "/b").validates_input);
    assert!(!op(&s, "GET", "/c").validates_input);
}

#[test]
fn security_inheritance() {
    let s = load(V3, "shop.yaml").unwrap();
    let get = op(&s, "GET", "/orders/{orderId}");
    assert_eq!(get.security, Some(vec!["api_key".to_string()]));
    assert!(!get.auth_optional);
    assert_eq!(op(&s, "PUT", "/orders/{orderId}").security, Some(vec![]));
    let del = op(&s, "DELETE", "/orders/{orderId}");
    assert_eq!(del.security, Some(vec!["oauth".to_string()]));
    assert!(del.auth_optional);
    let none = load(
        "openapi: 3.0.0\ninfo: {title: t, version: '1'}\npaths: {/x: {get: {}}}\n",
        "t",
    )
    .unwrap();
    assert_eq!(none.operations[0].security, None);
}

#[test]
fn parameters() {
    let s = load(V3, "shop.yaml").unwrap();
    let get = op(&s, "GET", "/orders/{orderId}");
    assert_eq!(
        get.path_params,
        vec![("orderId".into(), "integer(int64)".into())]
    );
    assert_eq!(get.operation_id.as_deref(), Some("getOrder"));
    assert_eq!(get.tags, vec!["orders".to_string()]);
    assert_eq!(get.responses, vec!["200".to_string(), "404".to_string()]);
    assert_eq!(
        op(&s, "GET", "/orders").query_params,
        vec!["limit".to_string(), "cursor".to_string()]
    );
    assert_eq!(
        op(&s, "GET", "/ids/{id}").path_params,
        vec![("id".into(), "string(uuid)".into())]
    );
    assert_eq!(
        op(&s, "GET", "/aliased").operation_id.as_deref(),
        Some("aliased")
    );
}

#[test]
fn refs_cycles_and_remote_refs_are_warnings() {
    let s = load(V3, "shop.yaml").unwrap();
    let w = s.warnings.join("\n");
    assert!(
        w.contains("$ref cycle through `#/components/parameters/"),
        "{w}"
    );
    assert!(w.contains("$ref cycle through `#/paths/~1cycle-"), "{w}");
    assert!(
        w.contains("$ref cycle through `#/components/schemas/Self`"),
        "{w}"
    );
    assert!(
        w.contains("remote $ref `common.yaml#/components/parameters/Remote` not followed"),
        "{w}"
    );
    // The operation survives its broken parameters.
    let lp = op(&s, "GET", "/loop");
    assert_eq!(lp.query_params, vec!["q".to_string()]);
    // A schema that is only a reference to itself has no type to tell.
    let sr = op(&s, "GET", "/selfref/{s}");
    assert_eq!(sr.path_params, vec![("s".into(), "string".into())]);
}

#[test]
fn pointers_and_lines() {
    let s = load(V3, "shop.yaml").unwrap();
    let get = op(&s, "GET", "/orders/{orderId}");
    assert_eq!(get.pointer, "/paths/~1orders~1{orderId}/get");
    let line = get.line.unwrap() as usize;
    assert_eq!(V3.lines().nth(line - 1).unwrap().trim(), "get:");
    assert_eq!(get.column, Some(5));
    let del = op(&s, "DELETE", "/orders/{orderId}");
    assert_eq!(
        V3.lines()
            .nth(del.line.unwrap() as usize - 1)
            .unwrap()
            .trim(),
        "delete:"
    );
    // Operations behind a path-item `$ref` live elsewhere in the file.
    assert_eq!(op(&s, "GET", "/aliased").line, None);
    assert_eq!(op(&s, "GET", "/aliased").pointer, "/paths/~1aliased/get");
}

#[test]
fn refusals_say_why() {
    let e = load("{\"openapi\": \"3.0.0\",\n \"paths\": {,}}", "broken.json").unwrap_err();
    assert!(matches!(e, SpecError::Json { line: 2, .. }), "{e:?}");
    assert!(e.to_string().starts_with("broken.json:2:"), "{e}");
    let e = load("openapi: 3.0.0\npaths:\n  /x: [\n", "broken.yaml").unwrap_err();
    assert!(matches!(e, SpecError::Yaml { line: Some(_), .. }), "{e:?}");
    let e = load("just some words", "words.txt").unwrap_err();
    assert!(e.to_string().contains("not an OpenAPI document"), "{e}");
    let e = load("{\"name\": \"package.json\"}", "package.json").unwrap_err();
    assert!(e.to_string().contains("no `openapi` or `swagger`"), "{e}");
    let e = load("swaggerVersion: '1.2'\napis: []\n", "old.yaml").unwrap_err();
    assert!(matches!(e, SpecError::UnsupportedVersion { .. }), "{e:?}");
    let e = load("\u{feff}  \n", "blank").unwrap_err();
    assert!(matches!(e, SpecError::Empty { .. }), "{e:?}");
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    assert!(load(&deep, "deep.json").is_err());
    // Deep YAML nesting is refused by the parser's depth limit rather than overflowing the stack.
    let deep = format!("openapi: 3.0.0\nx: {}1\n", "[".repeat(10_000));
    assert!(load(&deep, "deep.yaml").is_err());
    let deep = format!(
        "openapi: 3.0.0\nx:\n{}",
        (0..5_000)
            .map(|i| format!("{}- \n", " ".repeat(i)))
            .collect::<String>()
    );
    let _ = load(&deep, "deep.yaml");
}

#[test]
fn yaml_numbers_as_keys_and_versions() {
    let s = load(
        "swagger: 2.0\ninfo: {title: 7, version: 1.0}\npaths:\n  /x:\n    get:\n      responses:\n        200: {description: ok}\n        404: {description: no}\n",
        "n.yaml",
    )
    .unwrap();
    assert_eq!(s.openapi, "2.0");
    assert_eq!(s.version.as_deref(), Some("1.0"));
    assert_eq!(s.title.as_deref(), Some("7"));
    assert_eq!(
        s.operations[0].responses,
        vec!["200".to_string(), "404".to_string()]
    );
}

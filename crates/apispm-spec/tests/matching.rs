//! Matching rules on small hand-written specs: base paths, precedence, trailing slashes,
//! percent-decoding, methods, hosts, and choosing among several specs.

use apispm_spec::{Matcher, Spec, load};

const API: &str = r#"
openapi: 3.0.3
info: {title: Example, version: "1.0"}
servers:
  - url: https://api.example.com/v1
paths:
  /users/me:
    get: {responses: {200: {description: ok}}}
  /users/{id}:
    get: {responses: {200: {description: ok}}}
    delete: {responses: {204: {description: gone}}}
  /users/{id}/posts/:
    get: {responses: {200: {description: ok}}}
  /files/{name}.json:
    get: {responses: {200: {description: ok}}}
  /files/{name}:
    get: {responses: {200: {description: ok}}}
  /repos/{owner}/{repo}/compare/{basehead}:
    get: {responses: {200: {description: ok}}}
  /a/b:
    get: {responses: {200: {description: ok}}}
  /v1/{name}:cancel:
    post: {responses: {200: {description: ok}}}
  /:
    get: {responses: {200: {description: root}}}
"#;

fn one(text: &str) -> Vec<Spec> {
    vec![load(text, "api.yaml").unwrap()]
}

/// The template of the operation a request reaches, or `None`.
fn hit(
    m: &Matcher,
    specs: &[Spec],
    host: Option<&str>,
    method: &str,
    path: &str,
) -> Option<String> {
    m.find(host, method, path).map(|f| {
        format!(
            "{}#{}",
            specs[f.spec].operations[f.operation].template, f.spec
        )
    })
}

#[test]
fn base_path_is_stripped_and_kept_in_the_wire_template() {
    let specs = one(API);
    let m = Matcher::new(&specs);
    let f = m
        .find(Some("api.example.com"), "GET", "/v1/users/42")
        .unwrap();
    assert_eq!(f.wire_template, "/v1/users/{id}");
    assert_eq!(specs[0].operations[f.operation].template, "/users/{id}");
    // Without the base path, or with a longer first segment, the server is not the spec's.
    assert!(
        m.find(Some("api.example.com"), "GET", "/users/42")
            .is_none()
    );
    assert!(
        m.find(Some("api.example.com"), "GET", "/v10/users/42")
            .is_none()
    );
    // The root operation sits at the base path itself.
    let f = m.find(Some("api.example.com"), "GET", "/v1").unwrap();
    assert_eq!(f.wire_template, "/v1");
    assert!(m.find(Some("api.example.com"), "GET", "/v1/").is_some());
}

#[test]
fn constant_beats_parameter() {
    let specs = one(API);
    let m = Matcher::new(&specs);
    let h = Some("api.example.com");
    assert_eq!(
        hit(&m, &specs, h, "GET", "/v1/users/me").unwrap(),
        "/users/me#0"
    );
    assert_eq!(
        hit(&m, &specs, h, "GET", "/v1/users/mee").unwrap(),
        "/users/{id}#0"
    );
    // `/users/me` has no DELETE; the parameter template that has one answers.
    assert_eq!(
        hit(&m, &specs, h, "DELETE", "/v1/users/me").unwrap(),
        "/users/{id}#0"
    );
    // Text inside a segment beats a bare parameter.
    assert_eq!(
        hit(&m, &specs, h, "GET", "/v1/files/r.json").unwrap(),
        "/files/{name}.json#0"
    );
    assert_eq!(
        hit(&m, &specs, h, "GET", "/v1/files/r.txt").unwrap(),
        "/files/{name}#0"
    );
    assert_eq!(
        hit(&m, &specs, h, "GET", "/v1/files/.json").unwrap(),
        "/files/{name}#0"
    );
    assert_eq!(
        hit(&m, &specs, h, "GET", "/v1/repos/o/r/compare/main...dev").unwrap(),
        "/repos/{owner}/{repo}/compare/{basehead}#0"
    );
    assert_eq!(
        hit(&m, &specs, h, "POST", "/v1/v1/op1:cancel").unwrap(),
        "/v1/{name}:cancel#0"
    );
    assert!(m.find(h, "POST", "/v1/v1/op1").is_none());
}

#[test]
fn trailing_slash_on_either_side() {
    let specs = one(API);
    let m = Matcher::new(&specs);
    let h = Some("api.example.com");
    assert_eq!(
        hit(&m, &specs, h, "GET", "/v1/users/42/").unwrap(),
        "/users/{id}#0"
    );
    assert_eq!(
        hit(&m, &specs, h, "GET", "/v1/users/42/posts").unwrap(),
        "/users/{id}/posts/#0"
    );
    assert_eq!(
        hit(&m, &specs, h, "GET", "/v1/users/42/posts/").unwrap(),
        "/users/{id}/posts/#0"
    );
    // An empty segment is not a parameter value.
    assert!(m.find(h, "GET", "/v1/users//posts").is_none());
}

#[test]
fn percent_decoding_happens_once() {
    let specs = one(API);
    let m = Matcher::new(&specs);
    let h = Some("api.example.com");
    // `%2F` decodes inside its segment: one parameter value, not two segments.
    assert_eq!(
        hit(&m, &specs, h, "GET", "/v1/users/a%2Fb").unwrap(),
        "/users/{id}#0"
    );
    assert!(m.find(h, "GET", "/v1/a%2Fb").is_none());
    // Escaped letters compare equal to the constants they spell.
    assert_eq!(hit(&m, &specs, h, "GET", "/v1/%61/%62").unwrap(), "/a/b#0");
    assert_eq!(
        hit(&m, &specs, h, "GET", "/v1/users/%6De").unwrap(),
        "/users/me#0"
    );
    // Decoded once only: `%2561` is `%61`, not `a`.
    assert!(m.find(h, "GET", "/v1/%2561/b").is_none());
    // The query is not part of the path.
    assert_eq!(
        hit(&m, &specs, h, "GET", "/v1/users/me?x=/a/b").unwrap(),
        "/users/me#0"
    );
}

#[test]
fn method_must_be_documented() {
    let specs = one(API);
    let m = Matcher::new(&specs);
    let h = Some("api.example.com");
    assert!(m.find(h, "PATCH", "/v1/users/42").is_none());
    assert!(m.find(h, "POST", "/v1/users/me").is_none());
    assert!(m.find(h, "get", "/v1/users/42").is_some());
    assert!(m.find(h, "Delete", "/v1/users/42").is_some());
}

#[test]
fn hosts() {
    let specs = one(API);
    let m = Matcher::new(&specs);
    assert!(
        m.find(Some("API.Example.COM"), "GET", "/v1/users/1")
            .is_some()
    );
    // The server names no port: any port will do.
    assert!(
        m.find(Some("api.example.com:8443"), "GET", "/v1/users/1")
            .is_some()
    );
    assert!(
        m.find(Some("api.example.com."), "GET", "/v1/users/1")
            .is_some()
    );
    assert!(
        m.find(Some("other.example.com"), "GET", "/v1/users/1")
            .is_none()
    );
    // A log without hosts still matches.
    assert!(m.find(None, "GET", "/v1/users/1").is_some());
    assert!(m.find(Some(""), "GET", "/v1/users/1").is_some());
    // Unless told to, a wrong host is a different API.
    let m = Matcher::new(&specs).ignoring_hosts();
    assert!(
        m.find(Some("localhost:8080"), "GET", "/v1/users/1")
            .is_some()
    );
    // An absolute-form request target carries its own path.
    let m = Matcher::new(&specs);
    assert!(
        m.find(
            Some("api.example.com"),
            "GET",
            "https://api.example.com/v1/users/1"
        )
        .is_some()
    );
}

#[test]
fn server_ports() {
    let specs = one(
        "openapi: 3.0.0\ninfo: {title: t, version: '1'}\nservers: [{url: 'http://localhost:8888'}]\npaths: {/x: {get: {}}}\n",
    );
    let m = Matcher::new(&specs);
    assert!(m.find(Some("localhost:8888"), "GET", "/x").is_some());
    assert!(m.find(Some("LOCALHOST:8888"), "GET", "/x").is_some());
    assert!(m.find(Some("localhost:9999"), "GET", "/x").is_none());
    assert!(m.find(Some("localhost"), "GET", "/x").is_none());
    // `:443` on https is the default and is dropped; the request may name it or not.
    let specs = one(
        "openapi: 3.0.0\ninfo: {title: t, version: '1'}\nservers: [{url: 'https://h.example:443/'}]\npaths: {/x: {get: {}}}\n",
    );
    let m = Matcher::new(&specs);
    assert!(m.find(Some("h.example"), "GET", "/x").is_some());
    assert!(m.find(Some("h.example:443"), "GET", "/x").is_some());
    // IPv6 literals keep their brackets.
    let specs = one(
        "openapi: 3.0.0\ninfo: {title: t, version: '1'}\nservers: [{url: 'http://[::1]:8080/api'}]\npaths: {/x: {get: {}}}\n",
    );
    let m = Matcher::new(&specs);
    assert!(m.find(Some("[::1]:8080"), "GET", "/api/x").is_some());
    assert!(m.find(Some("[::1]:8081"), "GET", "/api/x").is_none());
}

#[test]
fn exact_host_then_longest_base_path() {
    let relative =
        "openapi: 3.0.0\ninfo: {title: rel, version: '1'}\npaths: {'/v1/users/{id}': {get: {}}}\n";
    let absolute = "openapi: 3.0.0\ninfo: {title: abs, version: '1'}\nservers: [{url: 'https://api.example.com/v1'}]\npaths: {'/users/{id}': {get: {}}}\n";
    let specs = vec![
        load(relative, "rel").unwrap(),
        load(absolute, "abs").unwrap(),
    ];
    let m = Matcher::new(&specs);
    // The exact host wins although the relative spec was loaded first.
    let f = m
        .find(Some("api.example.com"), "GET", "/v1/users/1")
        .unwrap();
    assert_eq!(f.spec, 1);
    assert_eq!(f.wire_template, "/v1/users/{id}");
    // Other hosts only reach the relative spec.
    assert_eq!(
        m.find(Some("elsewhere"), "GET", "/v1/users/1")
            .unwrap()
            .spec,
        0
    );

    let short = "openapi: 3.0.0\ninfo: {title: s, version: '1'}\nservers: [{url: /v1}]\npaths: {'/admin/users/{id}': {get: {}}}\n";
    let long = "openapi: 3.0.0\ninfo: {title: l, version: '1'}\nservers: [{url: /v1/admin}]\npaths: {'/users/{id}': {get: {}}}\n";
    let specs = vec![load(short, "short").unwrap(), load(long, "long").unwrap()];
    let m = Matcher::new(&specs);
    let f = m.find(Some("x"), "GET", "/v1/admin/users/1").unwrap();
    assert_eq!(f.spec, 1);
    assert_eq!(f.wire_template, "/v1/admin/users/{id}");
    // Falls back to the shorter base when the longer one has no such operation.
    let both = "openapi: 3.0.0\ninfo: {title: s, version: '1'}\nservers: [{url: /v1}]\npaths: {'/admin/users/{id}': {get: {}, delete: {}}}\n";
    let specs = vec![load(both, "short").unwrap(), load(long, "long").unwrap()];
    let m = Matcher::new(&specs);
    assert_eq!(m.find(None, "DELETE", "/v1/admin/users/1").unwrap().spec, 0);
}

#[test]
fn same_operation_in_two_specs_goes_to_the_first() {
    let a = "openapi: 3.0.0\ninfo: {title: a, version: '1'}\npaths: {'/x/{id}': {get: {}}}\n";
    let b =
        "openapi: 3.0.0\ninfo: {title: b, version: '1'}\npaths: {'/x/{key}': {get: {}, put: {}}}\n";
    let specs = vec![load(a, "a").unwrap(), load(b, "b").unwrap()];
    let m = Matcher::new(&specs);
    let f = m.find(None, "GET", "/x/1").unwrap();
    assert_eq!((f.spec, f.wire_template.as_str()), (0, "/x/{id}"));
    let f = m.find(None, "PUT", "/x/1").unwrap();
    assert_eq!((f.spec, f.wire_template.as_str()), (1, "/x/{key}"));
}

#[test]
fn swagger_base_path_and_schemes() {
    let text = r#"{"swagger": "2.0", "info": {"title": "t", "version": "1"},
        "host": "petstore.swagger.io", "basePath": "/api/", "schemes": ["http", "https"],
        "paths": {"/pets/{id}": {"get": {"responses": {"200": {"description": "ok"}}}}}}"#;
    let specs = vec![load(text, "p.json").unwrap()];
    assert_eq!(specs[0].servers.len(), 2);
    assert_eq!(specs[0].servers[0].base_path, "/api");
    let m = Matcher::new(&specs);
    let f = m
        .find(Some("petstore.swagger.io"), "GET", "/api/pets/7")
        .unwrap();
    assert_eq!(f.wire_template, "/api/pets/{id}");
    assert_eq!(m.operations().count(), 1);
    assert!(
        m.find(Some("petstore.swagger.io"), "GET", "/pets/7")
            .is_none()
    );
}

#[test]
fn aws_greedy_path_and_any_method() {
    let text = r#"{"swagger": "2.0", "info": {"title": "proxy", "version": "1"}, "basePath": "/prod",
        "paths": {
          "/": {"get": {"responses": {}}},
          "/{proxy+}": {"x-amazon-apigateway-any-method": {
              "parameters": [{"name": "proxy", "in": "path", "required": true, "type": "string"}],
              "x-amazon-apigateway-integration": {"type": "aws_proxy"}}},
          "/health": {"get": {"responses": {}}}
        },
        "x-amazon-apigateway-binary-media-types": ["*/*"]}"#;
    let specs = vec![load(text, "aws.json").unwrap()];
    assert_eq!(specs[0].operations.len(), 3);
    let any = specs[0]
        .operations
        .iter()
        .find(|o| o.method == "ANY")
        .unwrap();
    assert_eq!(
        any.pointer,
        "/paths/~1{proxy+}/x-amazon-apigateway-any-method"
    );
    assert_eq!(
        any.path_params,
        vec![("proxy".to_string(), "string".to_string())]
    );
    let m = Matcher::new(&specs);
    let t = |method: &str, path: &str| m.find(None, method, path).map(|f| f.wire_template);
    assert_eq!(t("GET", "/prod/health").as_deref(), Some("/prod/health"));
    assert_eq!(t("POST", "/prod/health").as_deref(), Some("/prod/{proxy+}"));
    assert_eq!(
        t("DELETE", "/prod/a/b/c").as_deref(),
        Some("/prod/{proxy+}")
    );
    assert_eq!(t("GET", "/prod").as_deref(), Some("/prod"));
    assert_eq!(t("POST", "/prod"), None);
}

#[test]
fn path_and_operation_servers_override() {
    let text = r#"
openapi: 3.1.0
info: {title: t, version: "1"}
servers: [{url: "https://api.example.com"}]
paths:
  /public:
    get: {}
  /uploads:
    servers: [{url: "https://uploads.example.com/u"}]
    post: {}
    get:
      servers: [{url: "https://cdn.example.com"}]
"#;
    let specs = one(text);
    let m = Matcher::new(&specs);
    assert!(m.find(Some("api.example.com"), "GET", "/public").is_some());
    assert!(
        m.find(Some("api.example.com"), "POST", "/uploads")
            .is_none()
    );
    let f = m
        .find(Some("uploads.example.com"), "POST", "/u/uploads")
        .unwrap();
    assert_eq!(f.wire_template, "/u/uploads");
    assert!(
        m.find(Some("uploads.example.com"), "GET", "/u/uploads")
            .is_none()
    );
    assert!(m.find(Some("cdn.example.com"), "GET", "/uploads").is_some());
}

#[test]
fn server_variables_match_every_listed_value() {
    let text = r#"
openapi: 3.0.0
info: {title: t, version: "1"}
servers:
  - url: "https://{region}.api.example.com/{stage}"
    variables:
      region: {default: eu, enum: [eu, us]}
      stage: {default: prod}
paths: {/x: {get: {}}}
"#;
    let specs = one(text);
    assert_eq!(specs[0].servers.len(), 2);
    let m = Matcher::new(&specs);
    assert!(
        m.find(Some("eu.api.example.com"), "GET", "/prod/x")
            .is_some()
    );
    assert!(
        m.find(Some("us.api.example.com"), "GET", "/prod/x")
            .is_some()
    );
    assert!(
        m.find(Some("ap.api.example.com"), "GET", "/prod/x")
            .is_none()
    );
    let (_, _, wire) = m.operations().next().unwrap();
    assert_eq!(wire, "/prod/x");
}

#[test]
fn matcher_is_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<Matcher>();
}

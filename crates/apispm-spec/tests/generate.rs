//! `spec-gen` output is OpenAPI 3.1 that loads back and matches the endpoints it came from.

use apispm_spec::{Matcher, ObservedEndpoint, generate, load};

fn ep(host: Option<&str>, method: &str, template: &str) -> ObservedEndpoint {
    ObservedEndpoint {
        host: host.map(String::from),
        scheme: Some("https".into()),
        method: method.into(),
        template: template.into(),
        ..Default::default()
    }
}

fn observed() -> Vec<ObservedEndpoint> {
    let mut users = ep(Some("api.example.com"), "GET", "/users/{id}");
    users.param_types = vec![("id".into(), "integer".into())];
    users.query_params = vec!["expand".into(), "fields".into()];
    users.statuses = vec![200, 404];
    users.authenticated = true;
    let mut old = ep(Some("api.example.com"), "DELETE", "/users/{id}");
    old.deprecated = true;
    old.statuses = vec![204];
    let mut orders = ep(
        Some("api.example.com"),
        "POST",
        "/v2/orders/{order_id}/items/{item}",
    );
    orders.param_types = vec![
        ("order_id".into(), "string(uuid)".into()),
        ("item".into(), "date".into()),
    ];
    orders.statuses = vec![201, 999];
    vec![
        users,
        old,
        orders,
        ep(Some("api.example.com"), "get", "/"),
        ep(Some("API.example.com"), "GET", "/users/{id}"),
        ep(Some("admin.example.com"), "GET", "/users/{id}"),
        ep(Some("admin.example.com"), "PUT", "/settings/"),
        ep(None, "GET", "/health"),
        ep(Some("api.example.com"), "PROPFIND", "/dav"),
        ep(Some("api.example.com"), "GET", "/pairs/{id}/{id}"),
    ]
}

#[test]
fn output_is_openapi_3_1() {
    let doc = generate(&observed(), "Observed API");
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(doc["info"]["title"], "Observed API");
    let get = &doc["paths"]["/users/{id}"]["get"];
    assert_eq!(get["parameters"][0]["in"], "path");
    assert_eq!(get["parameters"][0]["schema"]["type"], "integer");
    assert_eq!(get["parameters"][1]["name"], "expand");
    assert_eq!(get["responses"]["404"]["description"], "Observed 404");
    assert_eq!(get["security"][0]["observed_auth"], serde_json::json!([]));
    // Two hosts saw GET /users/{id}: both are its servers.
    assert_eq!(get["servers"].as_array().unwrap().len(), 2);
    assert_eq!(doc["paths"]["/users/{id}"]["delete"]["deprecated"], true);
    let post = &doc["paths"]["/v2/orders/{order_id}/items/{item}"]["post"];
    assert_eq!(post["parameters"][0]["schema"]["format"], "uuid");
    assert_eq!(post["parameters"][1]["schema"]["format"], "date");
    assert!(post["responses"].get("999").is_none());
    assert!(doc["paths"]["/settings"]["put"].is_object());
    assert!(doc["paths"].get("/dav").is_none());
    assert_eq!(doc["x-apispm-skipped"][0], "PROPFIND /dav");
    assert!(doc["paths"]["/pairs/{id}/{id_2}"]["get"].is_object());
    assert!(doc["components"]["securitySchemes"]["observed_auth"].is_object());
    let ids: Vec<&str> = doc["paths"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|p| p.as_object().unwrap().values())
        .map(|o| o["operationId"].as_str().unwrap())
        .collect();
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(ids.len(), unique.len(), "{ids:?}");
}

#[test]
fn output_loads_back_and_matches_its_endpoints() {
    let endpoints = observed();
    let doc = generate(&endpoints, "Observed API");
    for text in [
        serde_json::to_string_pretty(&doc).unwrap(),
        yaml_serde::to_string(&doc).unwrap(),
    ] {
        let spec = load(&text, "generated").unwrap_or_else(|e| panic!("{e}\n{text}"));
        assert!(spec.warnings.is_empty(), "{:?}", spec.warnings);
        assert_eq!(spec.operations.len(), 7);
        assert!(spec.operations.iter().all(|o| o.line.is_some()));
        let specs = vec![spec];
        let m = Matcher::new(&specs);
        for e in endpoints.iter().filter(|e| e.method != "PROPFIND") {
            let path = e
                .template
                .replace("{id}", "7")
                .replace("{order_id}", "0b6f")
                .replace("{item}", "2024-01-01");
            let f = m
                .find(e.host.as_deref(), &e.method, &path)
                .unwrap_or_else(|| panic!("{} {:?} {path} not found", e.method, e.host));
            let op = &specs[0].operations[f.operation];
            assert_eq!(op.method, e.method.to_ascii_uppercase());
            if e.template != "/pairs/{id}/{id}" {
                let expected = match e.template.trim_end_matches('/') {
                    "" => "/",
                    t => t,
                };
                assert_eq!(op.template, expected);
            }
        }
        // Each host keeps its own operations.
        assert!(
            m.find(Some("admin.example.com"), "DELETE", "/users/7")
                .is_none()
        );
        assert!(
            m.find(Some("api.example.com"), "PUT", "/settings")
                .is_none()
        );
        let ops = &specs[0].operations;
        let get = ops
            .iter()
            .find(|o| o.method == "GET" && o.template == "/users/{id}")
            .unwrap();
        assert_eq!(get.path_params, vec![("id".into(), "integer".into())]);
        assert_eq!(
            get.query_params,
            vec!["expand".to_string(), "fields".to_string()]
        );
        assert_eq!(get.responses, vec!["200".to_string(), "404".to_string()]);
        assert_eq!(get.security, Some(vec!["observed_auth".to_string()]));
        let post = ops.iter().find(|o| o.method == "POST").unwrap();
        assert_eq!(
            post.path_params,
            vec![
                ("order_id".into(), "string(uuid)".into()),
                ("item".into(), "string(date)".into())
            ]
        );
        assert!(
            ops.iter()
                .find(|o| o.method == "DELETE")
                .unwrap()
                .deprecated
        );
    }
}

#[test]
fn one_host_means_document_level_servers() {
    let doc = generate(&[ep(Some("api.example.com"), "GET", "/a")], "t");
    assert_eq!(
        doc["servers"],
        serde_json::json!([{"url": "https://api.example.com"}])
    );
    assert!(doc["paths"]["/a"]["get"].get("servers").is_none());
    let spec = load(&doc.to_string(), "g").unwrap();
    let specs = vec![spec];
    let m = Matcher::new(&specs);
    assert!(m.find(Some("api.example.com"), "GET", "/a").is_some());
    assert!(m.find(Some("other.example.com"), "GET", "/a").is_none());

    let doc = generate(&[], "empty");
    assert_eq!(doc["servers"], serde_json::json!([{"url": "/"}]));
    assert_eq!(load(&doc.to_string(), "g").unwrap().operations.len(), 0);
}

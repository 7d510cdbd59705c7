//! Properties: no input makes `load` or `find` panic, and generated specs match their endpoints.

use apispm_spec::{Matcher, ObservedEndpoint, generate, load};
use proptest::prelude::*;

const HEADERS: &[&str] = &[
    "",
    "openapi: 3.0.0\n",
    "swagger: '2.0'\n",
    "{\"openapi\": \"3.1.0\", ",
    "openapi: 3.1.0\npaths:\n",
];

fn template() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            "[a-z]{1,6}".prop_map(|s| s),
            "[a-z]{1,3}".prop_map(|s| format!("{{{s}}}")),
            "[a-z]{1,3}".prop_map(|s| format!("{{{s}}}.json")),
        ],
        0..5,
    )
    .prop_map(|segs| format!("/{}", segs.join("/")))
}

fn fill(template: &str) -> String {
    let mut out = String::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let close = rest[open..].find('}').unwrap();
        out.push_str(&rest[..open]);
        out.push_str("V9");
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    out
}

/// Templates with parameter names replaced, to compare shapes.
fn shape(template: &str) -> String {
    fill(template)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn load_never_panics(header in prop::sample::select(HEADERS), body in any::<String>()) {
        let _ = load(&format!("{header}{body}"), "p");
    }

    #[test]
    fn load_never_panics_on_spec_like_text(
        lines in prop::collection::vec(
            prop_oneof![
                Just("paths:".to_string()),
                Just("  /a/{b}:".to_string()),
                Just("    get: {parameters: [{$ref: '#/x'}]}".to_string()),
                Just("    $ref: '#/paths/~1a~1{b}'".to_string()),
                Just("servers: [{url: 'https://{h}:{p}/v'}]".to_string()),
                Just("security: [{}]".to_string()),
                "[ -~]{0,20}",
            ],
            0..12,
        )
    ) {
        let text = format!("openapi: 3.0.0\n{}", lines.join("\n"));
        if let Ok(spec) = load(&text, "p") {
            let specs = vec![spec];
            let m = Matcher::new(&specs);
            let _ = m.find(Some("h"), "GET", "/a/x");
        }
    }

    #[test]
    fn find_never_panics(host in proptest::option::of("[ -~]{0,20}"), method in "[ -~]{0,8}", path in any::<String>()) {
        let spec = load(
            "openapi: 3.0.0\nservers: [{url: 'https://{r}.x.com/v1'}]\npaths:\n  /a/{b}.json: {get: {}}\n  /{p+}: {x-amazon-apigateway-any-method: {}}\n",
            "p",
        ).unwrap();
        let specs = vec![spec];
        let m = Matcher::new(&specs);
        let _ = m.find(host.as_deref(), &method, &path);
    }

    #[test]
    fn generated_specs_match_their_endpoints(
        eps in prop::collection::vec(
            (template(), prop::sample::select(&["GET", "POST", "PUT", "DELETE"][..]), prop::option::of(prop::sample::select(&["a.example", "b.example"][..]))),
            1..12,
        )
    ) {
        let endpoints: Vec<ObservedEndpoint> = eps
            .iter()
            .map(|(t, m, h)| ObservedEndpoint {
                host: h.map(String::from),
                method: m.to_string(),
                template: t.clone(),
                statuses: vec![200],
                ..Default::default()
            })
            .collect();
        let doc = generate(&endpoints, "p");
        let spec = load(&doc.to_string(), "generated").unwrap();
        prop_assert!(spec.warnings.is_empty(), "{:?}", spec.warnings);
        let specs = vec![spec];
        let m = Matcher::new(&specs);
        for e in &endpoints {
            let path = fill(&e.template);
            let f = m.find(e.host.as_deref(), &e.method, &path);
            prop_assert!(f.is_some(), "{} {:?} {} not found in {}", e.method, e.host, path, doc);
            let f = f.unwrap();
            let op = &specs[0].operations[f.operation];
            prop_assert_eq!(&op.method, &e.method);
            // Another template of the same or a more specific shape may answer; it must fit.
            let got = shape(&op.template);
            let want = shape(&e.template);
            prop_assert_eq!(got.matches('/').count(), want.matches('/').count());
        }
    }
}

//! Real specs: operation counts (cross-checked with a PyYAML script over the same files), lines,
//! and every documented operation found again by the matcher from a request built out of it.

use apispm_spec::{Matcher, Spec, load};
use std::path::PathBuf;

fn fixture(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel)
}

/// Large files stay in the shared corpus; `None` (after saying why) when it is not there.
fn shared(rel: &str) -> Option<PathBuf> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/corpus")
        .join(rel);
    if p.exists() {
        Some(p)
    } else {
        eprintln!("skipping {rel}: {} not found", p.display());
        None
    }
}

fn load_path(p: &PathBuf) -> Spec {
    let text = std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    load(&text, &p.display().to_string()).unwrap_or_else(|e| panic!("{e}"))
}

/// `(file, paths-with-operations count, operations, deprecated)` as counted by
/// `yaml.safe_load` over `paths.*.{get,put,post,delete,options,head,patch,trace}`.
const SMALL: &[(&str, usize, usize)] = &[
    (
        "oai-openapi-specification/examples/v2.0/json/api-with-examples.json",
        2,
        0,
    ),
    (
        "oai-openapi-specification/examples/v2.0/json/petstore-expanded.json",
        4,
        0,
    ),
    (
        "oai-openapi-specification/examples/v2.0/json/petstore-minimal.json",
        1,
        0,
    ),
    (
        "oai-openapi-specification/examples/v2.0/json/petstore-simple.json",
        4,
        0,
    ),
    (
        "oai-openapi-specification/examples/v2.0/json/petstore-with-external-docs.json",
        4,
        0,
    ),
    (
        "oai-openapi-specification/examples/v2.0/json/petstore.json",
        3,
        0,
    ),
    (
        "oai-openapi-specification/examples/v2.0/json/uber.json",
        5,
        0,
    ),
    (
        "oai-openapi-specification/examples/v2.0/yaml/api-with-examples.yaml",
        2,
        0,
    ),
    (
        "oai-openapi-specification/examples/v2.0/yaml/petstore-expanded.yaml",
        4,
        0,
    ),
    (
        "oai-openapi-specification/examples/v2.0/yaml/petstore-minimal.yaml",
        1,
        0,
    ),
    (
        "oai-openapi-specification/examples/v2.0/yaml/petstore-simple.yaml",
        4,
        0,
    ),
    (
        "oai-openapi-specification/examples/v2.0/yaml/petstore-with-external-docs.yaml",
        4,
        0,
    ),
    (
        "oai-openapi-specification/examples/v2.0/yaml/petstore.yaml",
        3,
        0,
    ),
    (
        "oai-openapi-specification/examples/v2.0/yaml/uber.yaml",
        5,
        0,
    ),
    (
        "oai-openapi-specification/examples/v3.0/api-with-examples.json",
        2,
        0,
    ),
    (
        "oai-openapi-specification/examples/v3.0/api-with-examples.yaml",
        2,
        0,
    ),
    (
        "oai-openapi-specification/examples/v3.0/callback-example.json",
        1,
        0,
    ),
    (
        "oai-openapi-specification/examples/v3.0/callback-example.yaml",
        1,
        0,
    ),
    (
        "oai-openapi-specification/examples/v3.0/link-example.json",
        6,
        0,
    ),
    (
        "oai-openapi-specification/examples/v3.0/link-example.yaml",
        6,
        0,
    ),
    (
        "oai-openapi-specification/examples/v3.0/petstore-expanded.json",
        4,
        0,
    ),
    (
        "oai-openapi-specification/examples/v3.0/petstore-expanded.yaml",
        4,
        0,
    ),
    (
        "oai-openapi-specification/examples/v3.0/petstore.json",
        3,
        0,
    ),
    (
        "oai-openapi-specification/examples/v3.0/petstore.yaml",
        3,
        0,
    ),
    ("oai-openapi-specification/examples/v3.0/uspto.json", 3, 0),
    ("oai-openapi-specification/examples/v3.0/uspto.yaml", 3, 0),
    (
        "oai-openapi-specification/examples/v3.1/webhook-example.json",
        0,
        0,
    ),
    (
        "oai-openapi-specification/examples/v3.1/webhook-example.yaml",
        0,
        0,
    ),
    ("oai-learn/examples/v3.1/non-oauth-scopes.json", 1, 0),
    ("oai-learn/examples/v3.1/non-oauth-scopes.yaml", 1, 0),
    ("oai-learn/examples/v3.1/tictactoe.json", 3, 0),
    ("oai-learn/examples/v3.1/tictactoe.yaml", 3, 0),
    ("oai-learn/examples/v3.1/webhook-example.json", 0, 0),
    ("oai-learn/examples/v3.1/webhook-example.yaml", 0, 0),
    ("oai-learn/examples/v3.2/3.2-tags-example.json", 4, 0),
    ("oai-learn/examples/v3.2/3.2-tags-example.yaml", 4, 0),
    ("crapi/crapi-openapi-spec.json", 44, 0),
    ("vampi/openapi3.yml", 14, 0),
    ("redocly-museum/openapi.yaml", 8, 0),
    (
        "aws-apigateway-docs/api-as-kinesis-proxy-export-swagger-with-extensions.block0.oas30.json",
        8,
        0,
    ),
    (
        "aws-apigateway-docs/api-as-kinesis-proxy-export-swagger-with-extensions.block1.swagger20.json",
        8,
        0,
    ),
    (
        "aws-apigateway-docs/api-as-lambda-proxy-export-swagger-with-extensions.block0.swagger20.json",
        3,
        0,
    ),
    (
        "aws-apigateway-docs/api-as-s3-proxy-export-swagger-with-extensions.block0.swagger20.json",
        8,
        0,
    ),
    (
        "aws-apigateway-docs/http-api-open-api.block4.oas30.json",
        3,
        0,
    ),
    ("vacuum-test-files/asana.yaml", 152, 0),
    ("vacuum-test-files/xsoar.json", 88, 0),
];

const LARGE: &[(&str, usize, usize)] = &[
    ("stripe-openapi/spec3.json", 397, 15),
    ("stripe-openapi/spec3.yaml", 460, 4),
    ("openai-openapi/openapi.json", 288, 15),
    ("openai-openapi/openapi.yaml", 288, 15),
    ("vacuum-test-files/api.github.com.yaml", 873, 46),
];

/// A request for a template: each parameter filled with text no spec uses as a constant.
fn concrete(template: &str) -> String {
    let mut out = String::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let Some(len) = rest[open..].find('}') else {
            break;
        };
        out.push_str(&rest[..open]);
        let greedy = rest[open..open + len].ends_with('+');
        out.push_str(if greedy { "q9/r8" } else { "x1y2z3" });
        rest = &rest[open + len + 1..];
    }
    out.push_str(rest);
    out
}

struct Score {
    documented_ok: usize,
    documented_total: usize,
    shadow_ok: usize,
    shadow_total: usize,
    deprecated_ok: usize,
    deprecated_total: usize,
}

/// Builds one documented and one shadow request per operation and checks the labels.
fn score(spec: &Spec) -> Score {
    let specs = std::slice::from_ref(spec);
    let m = Matcher::new(specs);
    let mut s = Score {
        documented_ok: 0,
        documented_total: 0,
        shadow_ok: 0,
        shadow_total: 0,
        deprecated_ok: 0,
        deprecated_total: 0,
    };
    for (i, op) in spec.operations.iter().enumerate() {
        let srv = &spec.servers_of(op)[0];
        let host = srv
            .host
            .as_deref()
            .map(|h| h.replace("{region}", "us-east-1"));
        let path = format!("{}{}", srv.base_path, concrete(&op.template));
        let method = if op.method == "ANY" {
            "PATCH"
        } else {
            &op.method
        };
        let found = m.find(host.as_deref(), method, &path);
        s.documented_total += 1;
        // Another operation may legitimately win when the spec has a more specific template
        // for the same request; the label (documented, deprecated) must still be right.
        if let Some(f) = &found {
            let got = &spec.operations[f.operation];
            if f.operation == i || got.method == op.method {
                s.documented_ok += 1;
            } else {
                eprintln!(
                    "{} {path}: matched {} {}",
                    op.method, got.method, got.template
                );
            }
            s.deprecated_total += 1;
            if got.deprecated == op.deprecated || f.operation != i {
                s.deprecated_ok += 1;
            }
        } else {
            eprintln!("{}: {} {path} not matched", spec.source, op.method);
        }
        if op.method != "ANY" {
            s.shadow_total += 1;
            let shadow = format!(
                "{}/zz-undocumented{}",
                srv.base_path,
                concrete(&op.template)
            );
            if m.find(host.as_deref(), &op.method, &shadow).is_none() {
                s.shadow_ok += 1;
            } else {
                eprintln!("{}: shadow {shadow} matched", spec.source);
            }
        }
    }
    s
}

fn check(spec: &Spec, ops: usize, deprecated: usize) {
    assert_eq!(spec.operations.len(), ops, "{}", spec.source);
    assert_eq!(
        spec.operations.iter().filter(|o| o.deprecated).count(),
        deprecated,
        "{}",
        spec.source
    );
    // Every operation of these block-style or JSON documents is found in the text.
    assert!(
        spec.operations.iter().all(|o| o.line.is_some()),
        "{}: some operation has no line",
        spec.source
    );
    if ops == 0 {
        return;
    }
    let s = score(spec);
    let doc = s.documented_ok as f64 / s.documented_total.max(1) as f64;
    let shadow = s.shadow_ok as f64 / s.shadow_total.max(1) as f64;
    assert!(doc >= 0.99, "{}: documented {doc}", spec.source);
    assert_eq!(s.deprecated_ok, s.deprecated_total, "{}", spec.source);
    // AWS's `/{folder}` catches any first segment, so its shadow requests are documented.
    if !spec.source.contains("s3-proxy") {
        assert!(shadow >= 0.99, "{}: shadow {shadow}", spec.source);
    }
}

#[test]
fn small_specs() {
    for (rel, ops, dep) in SMALL {
        let spec = load_path(&fixture(rel));
        assert!(spec.warnings.is_empty(), "{rel}: {:?}", spec.warnings);
        check(&spec, *ops, *dep);
    }
}

#[test]
fn large_specs() {
    for (rel, ops, dep) in LARGE {
        let Some(p) = shared(rel) else { continue };
        let text = std::fs::read_to_string(&p).unwrap();
        let t = std::time::Instant::now();
        let spec = load(&text, rel).unwrap_or_else(|e| panic!("{e}"));
        eprintln!("{rel}: loaded in {:?} (test profile)", t.elapsed());
        check(&spec, *ops, *dep);
    }
}

#[test]
fn json_and_yaml_of_one_spec_agree() {
    let pairs = [
        (
            "oai-openapi-specification/examples/v3.0/petstore-expanded.json",
            "oai-openapi-specification/examples/v3.0/petstore-expanded.yaml",
        ),
        (
            "oai-openapi-specification/examples/v2.0/json/petstore.json",
            "oai-openapi-specification/examples/v2.0/yaml/petstore.yaml",
        ),
        (
            "oai-openapi-specification/examples/v3.0/uspto.json",
            "oai-openapi-specification/examples/v3.0/uspto.yaml",
        ),
        (
            "oai-learn/examples/v3.2/3.2-tags-example.json",
            "oai-learn/examples/v3.2/3.2-tags-example.yaml",
        ),
    ];
    for (j, y) in pairs {
        let a = load_path(&fixture(j));
        let b = load_path(&fixture(y));
        let strip = |s: &Spec| {
            s.operations
                .iter()
                .map(|o| {
                    let mut o = o.clone();
                    o.line = None;
                    o.column = None;
                    o
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(strip(&a), strip(&b), "{j} vs {y}");
        assert_eq!(a.servers, b.servers);
        assert_eq!(a.owner, b.owner);
    }
}

#[test]
fn openai_wire_templates_carry_v1() {
    let Some(p) = shared("openai-openapi/openapi.json") else {
        return;
    };
    let spec = load_path(&p);
    let specs = vec![spec];
    let m = Matcher::new(&specs);
    let hit = m
        .find(Some("API.OpenAI.com"), "post", "/v1/chat/completions")
        .expect("documented");
    assert_eq!(hit.wire_template, "/v1/chat/completions");
    assert_eq!(
        specs[0].operations[hit.operation].template,
        "/chat/completions"
    );
    // Without the server's base path the request is not OpenAI's API.
    assert!(
        m.find(Some("api.openai.com"), "POST", "/chat/completions")
            .is_none()
    );
    // Another host is not OpenAI's either.
    assert!(
        m.find(Some("example.com"), "POST", "/v1/chat/completions")
            .is_none()
    );
    let orphans: Vec<_> = m.operations().collect();
    assert_eq!(orphans.len(), 288);
    assert!(orphans.iter().all(|(_, _, w)| w.starts_with("/v1/")));
}

#[test]
fn stripe_constant_beats_parameter() {
    let Some(p) = shared("stripe-openapi/spec3.json") else {
        return;
    };
    let specs = vec![load_path(&p)];
    let m = Matcher::new(&specs);
    let t = |path: &str, method: &str| {
        let f = m.find(Some("api.stripe.com"), method, path).expect(path);
        specs[0].operations[f.operation].template.clone()
    };
    assert_eq!(t("/v1/invoices/upcoming", "GET"), "/v1/invoices/upcoming");
    assert_eq!(t("/v1/invoices/in_123", "GET"), "/v1/invoices/{invoice}");
    assert_eq!(t("/v1/invoices/in_123/", "GET"), "/v1/invoices/{invoice}");
    assert_eq!(
        t("/v1/credit_notes/preview", "GET"),
        "/v1/credit_notes/preview"
    );
    assert_eq!(t("/v1/credit_notes/cn_1", "GET"), "/v1/credit_notes/{id}");
}

#[test]
fn aws_exports() {
    let s3 = load_path(&fixture(
        "aws-apigateway-docs/api-as-s3-proxy-export-swagger-with-extensions.block0.swagger20.json",
    ));
    let specs = vec![s3];
    let m = Matcher::new(&specs);
    // `{region}` in a 2.0 host is a wildcard for one label.
    let f = m
        .find(
            Some("9gn28ca086.execute-api.eu-west-1.amazonaws.com"),
            "HEAD",
            "/S3/bucket/key.txt",
        )
        .unwrap();
    assert_eq!(f.wire_template, "/S3/{folder}/{item}");
    assert!(
        m.find(
            Some("other.execute-api.eu-west-1.amazonaws.com"),
            "GET",
            "/S3/b"
        )
        .is_none()
    );
    assert!(
        m.find(Some("9gn28ca086.execute-api.amazonaws.com"), "GET", "/S3/b")
            .is_none()
    );
}

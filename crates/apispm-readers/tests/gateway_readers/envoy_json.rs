use crate::support::*;
use apispm_readers::formats::envoy_json;

#[test]
fn istio_json_lines() {
    let text = fixture("envoy-json/istio-json.jsonl");
    let recs = json_records(&text);
    assert_eq!(recs.len(), 3);
    let out = read(&recs, envoy_json::parse);
    assert_eq!((out.ok.len(), out.errors.len()), (2, 1), "{:?}", out.errors);
    assert!(
        out.errors[0].contains("missing method"),
        "{}",
        out.errors[0]
    );

    let a = &out.ok[0];
    assert_eq!(
        endpoint(a),
        ep("reviews.default.svc.cluster.local", "GET", "/reviews/0")
    );
    assert_eq!(a.query.as_deref(), Some("detail=full"));
    assert_eq!(a.status, Some(200), "a string number");
    assert_eq!(a.time_ms, Some(1_764_842_400_656));
    assert_eq!(a.host.as_deref(), Some("reviews:9080"));
    assert_eq!(a.client_ip.as_deref(), Some("10.124.0.13"));
    assert_eq!(a.request_header("x-forwarded-for"), None, "`-` is unset");
    assert_eq!(a.request_header("user-agent"), Some("curl/7.79.1"));

    let b = &out.ok[1];
    assert_eq!(
        endpoint(b),
        ep("ratings.default.svc.cluster.local", "POST", "/ratings/7")
    );
    assert_eq!(b.status, Some(201), "a typed number");
    assert_eq!(
        b.client_ip.as_deref(),
        Some("192.0.2.33"),
        "the first XFF hop"
    );
    assert_eq!(b.scheme, None);
}

#[test]
fn typed_json_batch_with_header_style_keys() {
    let text = fixture("envoy-json/typed-json-batch.json");
    let recs = json_records(&text);
    assert_eq!(recs.len(), 2);
    let out = read(&recs, envoy_json::parse);
    assert_eq!((out.ok.len(), out.errors.len()), (2, 0), "{:?}", out.errors);
    let a = &out.ok[0];
    assert_eq!(
        endpoint(a),
        ep("users_backend", "DELETE", "/users/42"),
        "the original path"
    );
    assert_eq!(a.scheme.as_deref(), Some("https"));
    assert_eq!(a.status, Some(204));
    assert!(a.request_header("authorization").is_some());
    assert_eq!(a.client_ip.as_deref(), Some("192.0.2.77"));
    let b = &out.ok[1];
    assert_eq!(endpoint(b), ep("users.example.com", "GET", "/api/v1/users"));
    assert_eq!(b.query.as_deref(), Some("limit=10"));
    assert_eq!(b.status, None, "status 0");
    assert_eq!(b.scheme.as_deref(), Some("http"));
}

#[test]
fn bad_records_are_refused_with_a_reason() {
    for (rec, want) in [
        ("nope", "expected"),
        ("3", "not a JSON object"),
        (r#"{"path":"/a","response_code":200}"#, "missing method"),
        (r#"{"method":"GET","response_code":200}"#, "missing path"),
        (
            r#"{"method":"GET","path":"/a","response_code":"x"}"#,
            "expected an integer",
        ),
        (
            r#"{"method":"GET","path":"/a","response_code":99}"#,
            "bad status",
        ),
        (
            r#"{"method":"GET","path":"/a","start_time":"later"}"#,
            "bad timestamp",
        ),
        (r#"{"method":"GET","path":"/a"} {}"#, "trailing"),
    ] {
        let err = envoy_json::parse(rec).unwrap_err();
        assert!(err.contains(want), "{rec}: {err} should mention {want}");
    }
}

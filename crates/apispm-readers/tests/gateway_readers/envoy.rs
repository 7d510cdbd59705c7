use crate::support::*;
use apispm_readers::formats::envoy;

#[test]
fn envoy_default_format_example() {
    let text = fixture("envoy/envoy-default-format-example.log");
    let recs = lines(&text);
    let out = read(&recs, envoy::parse);
    assert_eq!((out.ok.len(), out.errors.len()), (1, 0), "{:?}", out.errors);
    let ex = &out.ok[0];
    assert_eq!(endpoint(ex), ep("locations", "POST", "/api/v1/locations"));
    assert_eq!(ex.status, Some(204));
    assert_eq!(ex.time_ms, Some(1_460_751_420_310));
    assert_eq!(ex.host.as_deref(), Some("locations"));
    assert_eq!(ex.client_ip.as_deref(), Some("10.0.35.28"));
    assert_eq!(ex.scheme, None);
    assert_eq!(ex.route, None);
    assert_eq!(ex.request_header("user-agent"), Some("nsq2http"));
    assert_eq!(
        ex.request_header("x-request-id"),
        Some("cc21d9b0-cf5c-432b-8c7e-98aeb7988cd2")
    );
}

#[test]
fn istio_default_text_format_examples() {
    let text = fixture("envoy/istio-access-log-task-examples.log");
    let recs = lines(&text);
    let out = read(&recs, envoy::parse);
    assert_eq!((out.ok.len(), out.errors.len()), (2, 0), "{:?}", out.errors);
    // The outbound line names the service in its cluster, the inbound one in its SNI: both
    // sides of the call count for the same service.
    for ex in &out.ok {
        assert_eq!(
            endpoint(ex),
            ep("httpbin.foo.svc.cluster.local", "GET", "/status/418")
        );
        assert_eq!(ex.status, Some(418));
        assert_eq!(ex.time_ms, Some(1_606_339_578_409));
        assert_eq!(ex.host.as_deref(), Some("httpbin:8000"));
        assert_eq!(ex.client_ip.as_deref(), Some("10.44.1.23"));
        assert_eq!(ex.request_header("user-agent"), Some("curl/7.73.0-DEV"));
        assert_eq!(ex.request_header("x-forwarded-for"), None, "`-` is unset");
    }
}

#[test]
fn variants_prefixes_wrappers_and_refusals() {
    let text = fixture("envoy/variants.log");
    let recs = lines(&text);
    assert_eq!(recs.len(), 6);
    let out = read(&recs, envoy::parse);
    assert_eq!((out.ok.len(), out.errors.len()), (4, 2), "{:?}", out.errors);
    assert!(out.errors[0].contains("TCP"), "{}", out.errors[0]);
    assert!(out.errors[1].contains("START_TIME"), "{}", out.errors[1]);
    let eps: Vec<_> = out.ok.iter().map(endpoint).collect();
    assert_eq!(
        eps,
        [
            ep("localhost:9001", "GET", "/backend/items"),
            ep("reviews.default.svc.cluster.local", "GET", "/reviews/0"),
            ep("ratings.default.svc.cluster.local", "POST", "/ratings/7"),
            ep("192.168.99.107:30901", "GET", "/status"),
        ]
    );
    let a = &out.ok[0];
    assert_eq!(a.query.as_deref(), Some("page=2"));
    assert_eq!(
        a.client_ip.as_deref(),
        Some("192.0.2.9"),
        "the first XFF hop"
    );
    assert_eq!(out.ok[1].status, None, "status 0: no response was sent");
    assert_eq!(out.ok[1].client_ip.as_deref(), Some("10.24.0.11"));
    assert_eq!(out.ok[2].status, Some(201));
    assert_eq!(out.ok[2].time_ms, Some(1_764_842_403_500));
    assert_eq!(out.ok[3].status, Some(404));
}

#[test]
fn bad_lines_are_refused_with_a_reason() {
    for (rec, want) in [
        ("", "START_TIME"),
        ("hello world", "START_TIME"),
        ("[2016-04-15T20:17:00.310Z]", "request line"),
        (
            "[2016-04-15T20:17:00.310Z] \"GET /a HTTP/1.1",
            "unterminated",
        ),
        (
            "[2016-04-15T20:17:00.310Z] \"GET /a HTTP/1.1\"",
            "RESPONSE_CODE",
        ),
        (
            "[2016-04-15T20:17:00.310Z] \"GET /a HTTP/1.1\" 2000 -",
            "bad status",
        ),
        (
            "[2016-04-15T20:17:00.310Z] \"GET /a HTTP/1.1\" abc -",
            "bad status",
        ),
        (
            "[2016-13-15T20:17:00.310Z] \"GET /a HTTP/1.1\" 200 -",
            "bad START_TIME",
        ),
        (
            "[2016-04-15T20:17:00.310Z] \"- - HTTP/1.1\" 400 DPE",
            "no HTTP request",
        ),
        (
            "[2016-04-15T20:17:00.310Z] \"G?T /a HTTP/1.1\" 200 -",
            "bad method",
        ),
        (r#"{"stream":"stdout"}"#, "`log` or `message`"),
    ] {
        let err = envoy::parse(rec).unwrap_err();
        assert!(err.contains(want), "{rec}: {err} should mention {want}");
    }
}

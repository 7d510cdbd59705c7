use crate::support::*;
use apispm_readers::formats::kong;

#[test]
fn kong_1_2_file_log_lines() {
    let text = fixture("kong/grpc-say-hello.log");
    let recs = json_records(&text);
    let out = read(&recs, kong::parse);
    assert_eq!((out.ok.len(), out.errors.len()), (2, 0), "{:?}", out.errors);
    let ex = &out.ok[0];
    assert_eq!(
        endpoint(ex),
        ep("grpc", "POST", "/hello.HelloService/SayHello")
    );
    // `\/` escapes are decoded; there is no query.
    assert_eq!(ex.path, "/hello.HelloService/SayHello");
    assert_eq!(ex.query, None);
    assert_eq!(ex.scheme.as_deref(), Some("http"));
    assert_eq!(ex.host.as_deref(), Some("localhost:9080"));
    assert_eq!(ex.status, Some(200));
    assert_eq!(ex.time_ms, Some(1_564_527_732_516));
    assert_eq!(ex.client_ip.as_deref(), Some("127.0.0.1"));
    assert_eq!(ex.route, None);
    assert_eq!(ex.consumer, None);
    assert_eq!(ex.owner, None);
    assert_eq!(ex.request_headers.len(), 5);
    assert_eq!(ex.request_header("content-type"), Some("application/grpc"));
    assert_eq!(ex.response_header("via"), Some("kong/1.2.1"));
    assert_eq!(out.ok[1].time_ms, Some(1_564_527_733_554));
}

#[test]
fn kong_3_8_sample_object() {
    let text = fixture("kong/kong-3.8-sample-log-object.json");
    let recs = json_records(&text);
    assert_eq!(recs.len(), 1);
    let out = read(&recs, kong::parse);
    assert_eq!((out.ok.len(), out.errors.len()), (1, 0), "{:?}", out.errors);
    let ex = &out.ok[0];
    assert_eq!(endpoint(ex), ep("example_service", "GET", "/example-route"));
    assert_eq!(ex.scheme.as_deref(), Some("http"));
    assert_eq!(ex.host.as_deref(), Some("localhost:8000"));
    assert_eq!(ex.status, Some(200));
    assert_eq!(ex.time_ms, Some(1_726_783_839_538));
    assert_eq!(ex.client_ip.as_deref(), Some("192.168.65.1"));
    assert_eq!(ex.route, None, "route.paths are prefixes, not templates");
    assert_eq!(ex.request_header("user-agent"), Some("HTTPie/3.2.3"));
    assert_eq!(ex.response_header("access-control-allow-origin"), Some("*"));
    assert_eq!(ex.response_headers.len(), 11);
}

#[test]
fn http_log_batch_with_arrays_redaction_consumers_and_owners() {
    let text = fixture("kong/http-log-batch.json");
    let recs = json_records(&text);
    let out = read(&recs, kong::parse);
    assert_eq!((out.ok.len(), out.errors.len()), (2, 0), "{:?}", out.errors);

    let a = &out.ok[0];
    assert_eq!(endpoint(a), ep("orders-svc", "GET", "/v1/orders/42"));
    assert_eq!(
        a.query.as_deref(),
        Some("expand=items&note=a%20b"),
        "raw, not rebuilt"
    );
    assert_eq!(a.scheme.as_deref(), Some("https"));
    assert_eq!(a.host.as_deref(), Some("api.example.com:8443"));
    assert_eq!(a.request_header("authorization"), Some("REDACTED"));
    let accepts: Vec<_> = a
        .request_headers
        .iter()
        .filter(|(k, _)| k == "accept")
        .map(|(_, v)| v.as_ref())
        .collect();
    assert_eq!(accepts, ["application/json", "text/plain"]);
    assert_eq!(a.consumer.as_deref(), Some("alice"));
    assert_eq!(a.owner.as_deref(), Some("payments"));
    assert_eq!(a.time_ms, Some(1_764_842_400_000));
    assert_eq!(a.client_ip.as_deref(), Some("203.0.113.10"));

    let b = &out.ok[1];
    // No service name: the service host; no URL: the service protocol.
    assert_eq!(endpoint(b), ep("legacy.internal", "POST", "/v1/orders"));
    assert_eq!(b.scheme.as_deref(), Some("http"));
    assert_eq!(b.host, None);
    assert_eq!(b.status, Some(401));
    assert_eq!(b.owner.as_deref(), Some("checkout"), "a route tag");
    assert_eq!(
        b.consumer.as_deref(),
        Some("2e3f4a5b-8888-4c5d-9e0f-1a2b3c4d5e6f"),
        "authenticated_entity.consumer_id"
    );
}

#[test]
fn service_falls_back_to_the_request_host_and_tls_means_https() {
    let ex = kong::parse(
        r#"{"request":{"method":"GET","uri":"/x","headers":{"host":"h.example"},"tls":{"version":"TLSv1.2"}},"response":{"status":204},"started_at":1}"#,
    )
    .unwrap();
    assert_eq!(ex.service.as_deref(), Some("h.example"));
    assert_eq!(ex.scheme.as_deref(), Some("https"));
    assert_eq!(ex.status, Some(204));
    // Kong 0.x: `request.request_uri` is the whole URL.
    let ex = kong::parse(
        r#"{"request":{"method":"GET","request_uri":"http://old.example:8000/a/b?c=d"},"response":{"status":200},"api":{"name":"x"}}"#,
    )
    .unwrap();
    assert_eq!(
        (ex.path.as_ref(), ex.query.as_deref()),
        ("/a/b", Some("c=d"))
    );
    assert_eq!(ex.service.as_deref(), Some("old.example:8000"));
}

#[test]
fn bad_records_are_refused_with_a_reason() {
    for (rec, want) in [
        ("not json", "expected"),
        ("[1]", "not a JSON object"),
        (
            r#"{"request":{"method":"GET","uri":"/a"},"response":{"status":200}"#,
            "EOF",
        ),
        (
            r#"{"session":{"status":200},"upstream":{},"started_at":1}"#,
            "stream",
        ),
        (r#"{"response":{"status":200}}"#, "missing field `request`"),
        (
            r#"{"request":{"uri":"/a"},"response":{}}"#,
            "request.method",
        ),
        (
            r#"{"request":{"method":"GET"},"response":{}}"#,
            "request.uri",
        ),
        (r#"{"request":{"method":"G T","uri":"/a"}}"#, "bad method"),
        (
            r#"{"request":{"method":"GET","uri":"/a"},"response":{"status":1000}}"#,
            "bad status",
        ),
        (
            r#"{"request":{"method":"GET","uri":"/a","headers":{"a":{"b":1}}}}"#,
            "header value",
        ),
        (
            r#"{"request":{"method":"GET","uri":"/a"},"started_at":"yesterday"}"#,
            "bad timestamp",
        ),
        (
            r#"{"request":{"method":"GET","uri":"/a"},"response":{"status":"x"}}"#,
            "expected an integer",
        ),
    ] {
        let err = kong::parse(rec).unwrap_err();
        assert!(err.contains(want), "{rec}: {err} should mention {want}");
    }
}

use crate::support::*;
use apispm_readers::formats::aws_apigw;

#[test]
fn rest_api_lines() {
    let text = fixture("aws-apigw/rest-api.jsonl");
    let recs = json_records(&text);
    assert_eq!(recs.len(), 4);
    let out = read(&recs, aws_apigw::parse);
    assert_eq!((out.ok.len(), out.errors.len()), (3, 1), "{:?}", out.errors);
    assert!(
        out.errors[0].contains("missing httpMethod"),
        "{}",
        out.errors[0]
    );

    // The console JSON format: no path, no apiId.
    let a = &out.ok[0];
    assert_eq!(endpoint(a), ep("unknown", "GET", "/pets/{petId}"));
    assert_eq!(a.route.as_deref(), Some("/pets/{petId}"));
    assert_eq!(a.path, "/pets/{petId}");
    assert_eq!(a.status, Some(200));
    assert_eq!(a.scheme.as_deref(), Some("https"));
    assert_eq!(a.time_ms, Some(1_764_842_400_000));
    assert_eq!(a.client_ip.as_deref(), Some("192.0.2.10"));
    assert_eq!(a.consumer, None, "`-` is unset");

    let b = &out.ok[1];
    assert_eq!(endpoint(b), ep("a1b2c3d4e5", "POST", "/pets"));
    assert_eq!(b.path, "/prod/pets", "the raw path keeps the stage");
    assert_eq!(
        b.host.as_deref(),
        Some("a1b2c3d4e5.execute-api.us-east-1.amazonaws.com")
    );
    assert_eq!(b.time_ms, Some(1_764_842_401_000), "requestTimeEpoch");
    assert_eq!(b.status, Some(201));
    assert_eq!(
        b.consumer.as_deref(),
        Some("user-123"),
        "the authorizer principal first"
    );
    assert_eq!(b.request_header("user-agent"), Some("curl/8.4.0"));

    let c = &out.ok[2];
    assert_eq!(endpoint(c), ep("a1b2c3d4e5", "DELETE", "/pets/{petId}"));
    assert_eq!(c.path, "/prod/pets/7");
    assert_eq!(c.status, Some(403));
    assert_eq!(
        c.time_ms,
        Some(1_764_842_402_000),
        "+0100 is taken into account"
    );
    assert_eq!(
        c.consumer.as_deref(),
        Some("abc123key"),
        "identity.apiKeyId"
    );
    assert_eq!(c.client_ip.as_deref(), Some("203.0.113.9"));
}

#[test]
fn http_api_lines() {
    let text = fixture("aws-apigw/http-api.jsonl");
    let recs = json_records(&text);
    assert_eq!(recs.len(), 5);
    let out = read(&recs, aws_apigw::parse);
    assert_eq!((out.ok.len(), out.errors.len()), (4, 1), "{:?}", out.errors);
    assert!(out.errors[0].contains("$connect"), "{}", out.errors[0]);
    let eps: Vec<_> = out.ok.iter().map(endpoint).collect();
    assert_eq!(
        eps,
        [
            ep("unknown", "GET", "/"),
            ep("x9y8z7w6v5", "POST", "/orders/{id}"),
            ep("x9y8z7w6v5", "PUT", "/{proxy+}"),
            ep("unknown", "GET", "/health"),
        ]
    );
    assert_eq!(out.ok[0].time_ms, Some(1_764_851_400_000));
    assert_eq!(out.ok[1].path, "/orders/17");
    assert_eq!(out.ok[1].time_ms, Some(1_764_851_401_123));
    assert_eq!(out.ok[1].status, Some(201));
    assert_eq!(out.ok[1].host.as_deref(), Some("api.example.com"));
    assert_eq!(out.ok[3].route, None, "$default is no template");
    assert!(out.ok.iter().all(|e| e.scheme.as_deref() == Some("https")));
}

#[test]
fn cloudwatch_events_are_unwrapped() {
    let text = fixture("aws-apigw/cloudwatch-events.json");
    let recs = json_records(&text);
    let out = read(&recs, aws_apigw::parse);
    assert_eq!((out.ok.len(), out.errors.len()), (1, 0), "{:?}", out.errors);
    let ex = &out.ok[0];
    assert_eq!(endpoint(ex), ep("unknown", "GET", "/pets"));
    assert_eq!(ex.time_ms, Some(1_764_842_400_000), "the event's timestamp");
    assert_eq!(ex.client_ip.as_deref(), Some("192.0.2.60"));
}

#[test]
fn bad_records_are_refused_with_a_reason() {
    for (rec, want) in [
        ("{", "EOF"),
        (r#""x""#, "not a JSON object"),
        (r#"{"requestId":"r","httpMethod":"GET"}"#, "missing path"),
        (
            r#"{"requestId":"r","httpMethod":"GET","resourcePath":"/a","status":"abc"}"#,
            "expected an integer",
        ),
        (
            r#"{"requestId":"r","httpMethod":"GET","resourcePath":"/a","requestTime":"soon"}"#,
            "bad requestTime",
        ),
        (
            r#"{"requestId":"r","httpMethod":"GET","resourcePath":"/a","status":"700"}"#,
            "bad status",
        ),
        (r#"{"message":"{\"httpMethod\":\"GET\"}"}"#, "missing path"),
    ] {
        let err = aws_apigw::parse(rec).unwrap_err();
        assert!(err.contains(want), "{rec}: {err} should mention {want}");
    }
}

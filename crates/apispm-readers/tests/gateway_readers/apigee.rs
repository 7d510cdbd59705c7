use crate::support::*;
use apispm_readers::formats::apigee;

#[test]
fn the_published_record_is_refused_for_its_invalid_escapes() {
    let text = fixture("apigee/ax-record-before-obfuscation.json.txt");
    let recs = json_records(&text);
    assert_eq!(recs.len(), 1);
    let out = read(&recs, apigee::parse);
    assert_eq!((out.ok.len(), out.errors.len()), (0, 1));
    assert!(
        out.errors[0].contains("invalid escape"),
        "{}",
        out.errors[0]
    );
}

#[test]
fn the_fixed_record() {
    let text = fixture("apigee/ax-record-fixed.json");
    let recs = json_records(&text);
    assert_eq!(recs.len(), 1);
    let out = read(&recs, apigee::parse);
    assert_eq!((out.ok.len(), out.errors.len()), (1, 0), "{:?}", out.errors);
    let ex = &out.ok[0];
    assert_eq!(endpoint(ex), ep("APP_NAME", "GET", "/APP_NAME"));
    assert_eq!(ex.query, None);
    assert_eq!(ex.status, Some(200));
    assert_eq!(ex.time_ms, Some(1_582_770_652_813));
    assert_eq!(ex.scheme.as_deref(), Some("http"));
    assert_eq!(ex.client_ip.as_deref(), Some("10.10.0.99"));
    assert_eq!(ex.route, None);
    assert_eq!(
        ex.request_header("user-agent"),
        Some("Apache-HttpClient/4.3.6 (java 1.6)")
    );
}

#[test]
fn paths_queries_and_flow_variable_names() {
    let ex = apigee::parse(
        r#"{"request_verb":"post","request_uri":"/v1/orders/9?expand=1","apiproxy":"orders","response_status_code":"201","developer_app":"shop-app","ax_resolved_client_ip":"192.0.2.5","client_ip":"10.0.0.1"}"#,
    )
    .unwrap();
    assert_eq!(endpoint(&ex), ep("orders", "POST", "/v1/orders/9"));
    assert_eq!(ex.query.as_deref(), Some("expand=1"));
    assert_eq!(ex.status, Some(201));
    assert_eq!(ex.consumer.as_deref(), Some("shop-app"));
    assert_eq!(ex.client_ip.as_deref(), Some("192.0.2.5"));
    let ex = apigee::parse(
        r#"{"request.verb":"GET","proxy.basepath":"/v1/pets/","proxy.pathsuffix":"7","apiproxy.name":"pets","response.status.code":404,"client.received.start.timestamp":"1764842400000"}"#,
    )
    .unwrap();
    assert_eq!(endpoint(&ex), ep("pets", "GET", "/v1/pets/7"));
    assert_eq!(ex.time_ms, Some(1_764_842_400_000));
    assert_eq!(ex.status, Some(404));
}

#[test]
fn bad_records_are_refused_with_a_reason() {
    for (rec, want) in [
        ("", "EOF"),
        ("[]", "not a JSON object"),
        (
            r#"{"apiproxy":"p","request_uri":"/a"}"#,
            "missing request_verb",
        ),
        (
            r#"{"apiproxy":"p","request_verb":"GET"}"#,
            "missing request_uri",
        ),
        (
            r#"{"apiproxy":"p","request_verb":"GET","request_uri":"/a","response_status_code":42}"#,
            "bad status",
        ),
    ] {
        let err = apigee::parse(rec).unwrap_err();
        assert!(err.contains(want), "{rec}: {err} should mention {want}");
    }
}

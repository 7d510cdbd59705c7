use crate::support::*;
use apispm_readers::formats::har;

fn read_har(rel: &str, entries: usize) -> Vec<apispm_core::Exchange<'static>> {
    let text: &'static str = Box::leak(fixture(rel).into_boxed_str());
    let recs = har_entries(text).unwrap();
    assert_eq!(recs.len(), entries, "{rel}");
    let out = read(&recs, har::parse);
    assert!(out.errors.is_empty(), "{rel}: {:?}", out.errors);
    out.ok
}

#[test]
fn akto_81_entries() {
    let ok = read_har("har/akto/restapi_81.har", 81);
    let posts = ok.iter().filter(|e| e.method == "POST").count();
    assert_eq!((posts, ok.len() - posts), (54, 27));
    let a = &ok[0];
    assert_eq!(endpoint(a), ep("localhost:8000", "POST", "/api/cars"));
    // `\u003d` and `\u0026` are JSON escapes, decoded; the query itself stays raw.
    assert_eq!(a.query.as_deref(), Some("p=1&q=2"));
    assert_eq!(a.scheme.as_deref(), Some("http"));
    assert_eq!(a.status, Some(201));
    assert_eq!(a.time_ms, Some(1_643_947_475_225), "+0530 without a colon");
    assert!(a.request_body.is_some());
    assert_eq!(a.request_header("Host"), Some("localhost:8000"));
    let books: Vec<_> = ok.iter().filter(|e| e.path == "/api/books").collect();
    assert_eq!(books.len(), 27);
    assert!(books.iter().all(|e| e.method == "GET"));
}

#[test]
fn optic_har_1_3_with_base64_bodies() {
    let ok = read_har("har/optic/har.har", 10);
    let a = &ok[0];
    assert_eq!(
        endpoint(a),
        ep("localhost:3030", "GET", "/books/NjpTwgmENj11rGdUgpCQ9")
    );
    assert_eq!(a.time_ms, Some(18_682));
    assert!(
        a.response_body
            .as_deref()
            .unwrap()
            .starts_with(r#"{"id":"NjpTwgmENj11rGdUgpCQ9","name":"Pride and Prejudice""#),
        "{:?}",
        a.response_body
    );
    let post = &ok[3];
    assert_eq!(endpoint(post), ep("localhost:3030", "POST", "/books"));
    assert_eq!(post.status, Some(201));
    assert!(
        post.request_body
            .as_deref()
            .unwrap()
            .starts_with(r#"{"name": "Animal Farm""#),
        "postData.encoding base64: {:?}",
        post.request_body
    );
    assert_eq!(ok[8].status, Some(400));
    assert_eq!(ok[8].request_body.as_deref(), Some("{}"));
    assert_eq!(ok[8].response_body.as_deref(), Some("error"));
    assert_eq!(ok[9].time_ms, Some(1_704_909_787_346));
    assert_eq!(ok[9].path, "/form");
}

#[test]
fn optic_chrome_petstore_export() {
    let ok = read_har("har/optic/petstore.swagger.io.har", 9);
    let eps: Vec<_> = ok.iter().map(endpoint).collect();
    let svc = "petstore.swagger.io";
    assert_eq!(
        eps,
        [
            ep(svc, "GET", "/"),
            ep(svc, "GET", "/v2/store/inventory"),
            ep(svc, "GET", "/v2/user/user1"),
            ep(svc, "GET", "/v2/pet/findByStatus"),
            ep(svc, "GET", "/v2/pet/findByStatus"),
            ep(svc, "GET", "/v2/pet/findByStatus"),
            ep(svc, "GET", "/v2/pet/9223372036854017000"),
            ep(svc, "POST", "/v2/store/order"),
            ep(svc, "GET", "/v2/pet/9223372036854017000"),
        ]
    );
    assert!(ok.iter().all(|e| e.scheme.as_deref() == Some("https")));
    assert_eq!(ok[3].query.as_deref(), Some("status=available"));
    assert_eq!(ok[2].status, Some(404));
    assert_eq!(ok[0].time_ms, Some(1_652_269_612_286));
    assert_eq!(
        ok[0].request_header(":authority"),
        Some("petstore.swagger.io")
    );
    assert!(
        ok[7]
            .request_body
            .as_deref()
            .unwrap()
            .contains("\"petId\": 0")
    );
}

#[test]
fn mitmproxy2swagger_samples() {
    let ok = read_har("har/mitmproxy2swagger/form_data_har.har", 1);
    assert_eq!(endpoint(&ok[0]), ep("httpbin.org", "POST", "/post"));
    assert_eq!(
        ok[0].request_body.as_deref(),
        Some("username=alice&password=secret")
    );
    assert_eq!(ok[0].response_body.as_deref(), Some("{}"));
    assert_eq!(ok[0].time_ms, Some(1_704_067_200_000));
    let ok = read_har("har/mitmproxy2swagger/headers_and_params_har.har", 1);
    assert_eq!(endpoint(&ok[0]), ep("httpbin.org", "GET", "/get"));
    assert_eq!(ok[0].query.as_deref(), Some("search=test"));
    assert_eq!(ok[0].request_header("x-api-key"), Some("mykey"));
}

#[test]
fn har_validator_samples() {
    let ok = read_har("har/har-validator/valid.json", 1);
    let ex = &ok[0];
    assert_eq!(endpoint(ex), ep("mockbin.com", "GET", "/"));
    assert_eq!(ex.status, Some(200));
    assert_eq!(ex.time_ms, Some(1_423_553_597_146));
    assert_eq!(
        ex.response_body.as_deref(),
        Some("ALL YOUR BASE ARE BELONG TO US")
    );
    assert_eq!(ex.response_header("content-encoding"), Some("gzip"));
    assert_eq!(ex.request_headers.len(), 4);
    // The deliberately invalid fixture is three broken logs under other keys: no HAR.
    let bad = fixture("har/har-validator/invalid.json");
    let err = har_entries(&bad).unwrap_err();
    assert!(err.contains("no log.entries"), "{err}");
    assert!(!har::looks_like(&bad));
}

#[test]
fn bodies_that_are_not_utf8_are_dropped() {
    let ex = har::parse(
        r#"{"request":{"method":"GET","url":"https://h/x"},"response":{"status":200,"content":{"size":1,"mimeType":"application/octet-stream","text":"/w==","encoding":"base64"}}}"#,
    )
    .unwrap();
    assert_eq!(ex.response_body, None);
    assert_eq!(ex.status, Some(200));
}

#[test]
fn bad_entries_are_refused_with_a_reason() {
    for (rec, want) in [
        ("{", "EOF"),
        ("[]", "not a JSON object"),
        (r#"{"response":{"status":200}}"#, "missing field `request`"),
        (r#"{"request":{"url":"http://h/"}}"#, "request.method"),
        (r#"{"request":{"method":"GET"}}"#, "request.url"),
        (
            r#"{"request":{"method":"GET","url":"http://h/","headers":{"a":"b"}}}"#,
            "expected an array",
        ),
        (
            r#"{"request":{"method":"GET","url":"http://h/"},"response":{"status":-1}}"#,
            "bad status",
        ),
        (
            r#"{"request":{"method":"GET","url":"http://h/"},"startedDateTime":"never"}"#,
            "bad timestamp",
        ),
        (r#"{"request":"GET /"}"#, "expected an object"),
    ] {
        let err = har::parse(rec).unwrap_err();
        assert!(err.contains(want), "{rec}: {err} should mention {want}");
    }
}

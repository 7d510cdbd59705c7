use crate::support::*;
use apispm_readers::formats::nginx;

#[test]
fn combined_lines_and_variants() {
    let text = fixture("nginx/combined.log");
    let recs = lines(&text);
    assert_eq!(recs.len(), 9);
    let out = read(&recs, nginx::parse);
    assert_eq!((out.ok.len(), out.errors.len()), (7, 2), "{:?}", out.errors);
    assert!(
        out.errors.iter().all(|e| e.contains("no HTTP request")),
        "{:?}",
        out.errors
    );
    let eps: Vec<_> = out.ok.iter().map(endpoint).collect();
    assert_eq!(
        eps,
        [
            ep("unknown", "GET", "/index.html"),
            ep("unknown", "POST", "/api/v1/login"),
            ep("unknown", "GET", "/api/v1/search"),
            ep("shop.example.com", "DELETE", "/cart/items/17"),
            ep("proxy.example.net", "GET", "/remote/path"),
            ep("unknown", "GET", "/kong/route"),
            ep("unknown", "HEAD", "/"),
        ]
    );
    let a = &out.ok[0];
    assert_eq!(a.service, None);
    assert_eq!(a.scheme, None);
    assert_eq!(a.status, Some(200));
    assert_eq!(a.time_ms, Some(1_764_842_400_000));
    assert_eq!(a.client_ip.as_deref(), Some("192.0.2.1"));
    assert!(
        a.request_header("user-agent")
            .unwrap()
            .starts_with("Mozilla/5.0")
    );
    assert_eq!(a.request_header("referer"), None, "`-` is unset");
    let b = &out.ok[1];
    assert_eq!(b.query.as_deref(), Some("next=%2Fhome"));
    assert_eq!(b.consumer.as_deref(), Some("frank"));
    assert_eq!(b.time_ms, Some(1_764_842_401_000), "+0100");
    assert_eq!(
        b.request_header("referer"),
        Some("https://www.example.com/login")
    );
    let c = &out.ok[2];
    assert_eq!(c.query.as_deref(), Some("q=caf%C3%A9&page=2"));
    assert_eq!(
        c.time_ms,
        Some(1_764_842_400_000 + 7 * 3_600_000 + 2_000),
        "-0700"
    );
    assert_eq!(
        c.request_header("x-forwarded-for"),
        Some("203.0.113.50, 10.0.0.1")
    );
    assert_eq!(out.ok[3].host.as_deref(), Some("shop.example.com"));
    assert_eq!(out.ok[3].status, Some(204));
    assert_eq!(out.ok[4].scheme.as_deref(), Some("http"));
    assert_eq!(out.ok[4].query.as_deref(), Some("x=1"));
    assert_eq!(out.ok[5].request_header("user-agent"), Some("HTTPie/3.2.3"));
    assert_eq!(
        out.ok[5].request_headers.len(),
        1,
        "kong_request_id is no header"
    );
    assert_eq!(out.ok[6].status, Some(499));
}

#[test]
fn bad_lines_are_refused_with_a_reason() {
    for (rec, want) in [
        ("", "time"),
        (
            "127.0.0.1 - - [10/Foo/2000:13:55:36 -0700] \"GET / HTTP/1.0\" 200 1",
            "time",
        ),
        (
            "[10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.0\" 200 1",
            "$remote_addr",
        ),
        (
            "127.0.0.1 - - [10/Oct/2000:13:55:36 -0700] GET / 200 1",
            "quoted",
        ),
        (
            "127.0.0.1 - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.0\"",
            "$status",
        ),
        (
            "127.0.0.1 - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.0\" 20x 1",
            "bad status",
        ),
        (
            "127.0.0.1 - - [10/Oct/2000:13:55:36 -0700] \"GET nowhere HTTP/1.0\" 400 1",
            "bad request target",
        ),
        (
            "127.0.0.1 - - [10/Oct/2000:13:55:36 -0700] \"G@T / HTTP/1.0\" 400 1",
            "bad method",
        ),
    ] {
        let err = nginx::parse(rec).unwrap_err();
        assert!(err.contains(want), "{rec}: {err} should mention {want}");
    }
}

//! No reader panics, whatever it is handed: arbitrary text, and valid samples with characters
//! replaced, inserted or cut off.

use apispm_readers::formats::{apigee, aws_apigw, envoy, envoy_json, har, kong, nginx};
use proptest::prelude::*;

type Parse = fn(&str) -> Result<apispm_core::Exchange<'_>, String>;
type Sniff = fn(&str) -> bool;

const READERS: [(Parse, Sniff); 7] = [
    (kong::parse, kong::looks_like),
    (aws_apigw::parse, aws_apigw::looks_like),
    (envoy::parse, envoy::looks_like),
    (envoy_json::parse, envoy_json::looks_like),
    (apigee::parse, apigee::looks_like),
    (har::parse, har::looks_like),
    (nginx::parse, nginx::looks_like),
];

const SAMPLES: [&str; 12] = [
    r#"{"request":{"method":"GET","uri":"/a?b=1","url":"https://h:1/a?b=1","headers":{"authorization":"REDACTED","x":["1","2"]},"querystring":{"b":"1"},"tls":{}},"response":{"status":200,"headers":{"a":"b"}},"service":{"name":"s","tags":["owner:t"]},"route":{"tags":["owner:u"]},"consumer":{"username":"c"},"authenticated_entity":{"consumer_id":{"id":"i"}},"client_ip":"1.2.3.4","started_at":1726783839538}"#,
    r#"{"requestId":"r","ip":"1.2.3.4","caller":"-","user":"-","requestTime":"26/Jul/2023:12:07:03 +0000","httpMethod":"GET","resourcePath":"/pets/{petId}","path":"/prod/pets/1","status":"200","apiId":"a","identity":{"sourceIp":"5.6.7.8"},"message":"{\"x\":1}"}"#,
    r#"{"requestId":"r","routeKey":"POST /orders/{id}","status":201,"requestTimeEpoch":"1764842400000"}"#,
    r#"[2016-04-15T20:17:00.310Z] "POST /api/v1/locations?x=1 HTTP/2" 204 - 154 0 226 100 "10.0.35.28" "nsq2http" "cc21d9b0" "locations" "tcp://10.0.2.1:80""#,
    r#"[2020-11-25T21:26:18.409Z] "GET /status/418 HTTP/1.1" 418 - via_upstream - "-" 0 135 3 1 "-" "curl/7.73.0-DEV" "8496" "httpbin:8000" "127.0.0.1:80" inbound|8000|| 127.0.0.1:41854 10.44.1.27:80 10.44.1.23:37652 outbound_.8000_._.httpbin.foo.svc.cluster.local default"#,
    r#"{"log":"2022-07-22T12:24:12.3Z stdout F ACCESS [2016-04-15T20:17:00.310Z] \"GET / HTTP/1.1\" 200 - 0 0 0 - \"-\" \"-\" \"-\" \"a\" \"-\"\n"}"#,
    r#"{"authority":"reviews:9080","method":"GET","path":"/reviews/0","response_code":200,"start_time":"2022-09-08T12:51:05.656Z","upstream_cluster":"outbound|9080||r.d.svc","requested_server_name":"outbound_.9080_._.r","x_forwarded_for":"1.1.1.1, 2.2.2.2","downstream_remote_address":"[::1]:5"}"#,
    r#"{"request_verb":"GET","request_uri":"/APP?x=1","proxy_basepath":"/APP","proxy_pathsuffix":"","apiproxy":"APP","response_status_code":200,"client_received_start_timestamp":1582770652813,"x_forwarded_for_ip":"1.1.1.1","useragent":"u"}"#,
    r#"{"startedDateTime":"2022-02-04T09:34:35.225+0530","request":{"method":"POST","url":"http://localhost:8000/api/cars?p\u003d1","headers":[{"name":"Host","value":"h"}],"postData":{"mimeType":"a","text":"e30=","encoding":"base64"}},"response":{"status":201,"headers":[],"content":{"size":2,"text":"eyJpZCI6MX0=","encoding":"base64"}}}"#,
    r#"{"log":{"version":"1.2","creator":{"name":"x"},"entries":[]}}"#,
    r#"example.com:80 192.0.2.1, 10.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET http://h/a?b HTTP/1.1" 200 2326 "-" "Mozilla" "1.2.3.4" kong_request_id: "x""#,
    r#"{"message":"127.0.0.1 - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.0\" 200 1 \"-\" \"-\""}"#,
];

fn exercise(text: &str) {
    for (parse, looks_like) in READERS {
        let _ = parse(text);
        let _ = looks_like(text);
    }
}

#[test]
fn the_samples_are_read() {
    // The mutation test starts from records that at least one reader accepts.
    for s in SAMPLES {
        assert!(
            READERS.iter().any(|(parse, _)| parse(s).is_ok()) || s.contains("\"entries\""),
            "{s}"
        );
    }
}

proptest! {
    // 2000 cases each, or PROPTEST_CASES.
    #![proptest_config(ProptestConfig::with_cases(
        std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(2000)
    ))]

    #[test]
    fn arbitrary_text_never_panics(s in "\\PC*") {
        exercise(&s);
    }

    #[test]
    fn arbitrary_structured_text_never_panics(
        s in r#"[\[\]{}":,\\ \-/?.0-9a-zA-Z|%_\u{e9}\u{1F600}]*"#
    ) {
        exercise(&s);
    }

    #[test]
    fn mutated_samples_never_panic(
        which in 0..SAMPLES.len(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), 0u8..3, prop::sample::select(
            vec!['{', '}', '[', ']', '"', ':', ',', '\\', ' ', '-', '/', '?', '0', '9', 'a', '|', '%', '\u{e9}', '\u{0}', '\n', '\u{1F600}']
        )), 1..6),
        cut in any::<prop::sample::Index>(),
        truncate in any::<bool>(),
    ) {
        let mut chars: Vec<char> = SAMPLES[which].chars().collect();
        for (at, op, c) in edits {
            if chars.is_empty() {
                chars.push(c);
                continue;
            }
            let i = at.index(chars.len());
            match op {
                0 => chars[i] = c,
                1 => chars.insert(i, c),
                _ => {
                    chars.remove(i);
                }
            }
        }
        if truncate && !chars.is_empty() {
            chars.truncate(cut.index(chars.len()));
        }
        let s: String = chars.into_iter().collect();
        exercise(&s);
    }
}

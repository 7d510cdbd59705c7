//! Whatever arrives on the ingestion route gets an answer with a reason, never a crash: random
//! bytes, damaged Kong records and JSON of the wrong shape, to every format.

mod common;

use common::*;
use proptest::prelude::*;
use std::sync::OnceLock;

fn server() -> &'static TestServer {
    static S: OnceLock<TestServer> = OnceLock::new();
    S.get_or_init(|| TestServer::start(|o, _| o.max_body = 256 << 10))
}

fn kong_record() -> &'static str {
    static L: OnceLock<String> = OnceLock::new();
    L.get_or_init(|| kong_lines()[7].clone())
}

const FORMATS: [&str; 10] = [
    "auto",
    "seed",
    "kong",
    "aws-apigw",
    "envoy",
    "envoy-json",
    "apigee",
    "har",
    "nginx",
    "not-a-format",
];

fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..4096),
        // A real record cut and spliced at random places.
        (
            0usize..1000,
            0usize..1000,
            proptest::collection::vec(any::<u8>(), 0..16)
        )
            .prop_map(|(a, b, junk)| {
                let r = kong_record().as_bytes();
                let (a, b) = (a.min(r.len()), b.min(r.len()));
                let (a, b) = (a.min(b), a.max(b));
                let mut v = r[..a].to_vec();
                v.extend_from_slice(&junk);
                v.extend_from_slice(&r[b..]);
                v
            }),
        // JSON of the wrong shape.
        "[\\[\\]{}\"a-z0-9:,. -]{0,300}".prop_map(String::into_bytes),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn any_body_gets_an_answer_with_a_reason(format in 0usize..FORMATS.len(), data in body()) {
        let s = server();
        let a = agent();
        let r = post(&a, &s.url(&format!("/api/v1/ingest/{}", FORMATS[format])), Some(TOKEN), &[], &data);
        prop_assert!(
            matches!(r.status, 200 | 400 | 404 | 413),
            "status {} for {:?}: {}", r.status, String::from_utf8_lossy(&data), r.body
        );
        let j = r.json();
        if r.status == 200 {
            prop_assert!(j["records"].as_u64().unwrap() > 0);
        } else {
            prop_assert!(!j["error"].as_str().unwrap_or("").is_empty());
        }
        prop_assert_eq!(get(&a, &s.url("/healthz"), None).status, 200);
    }
}

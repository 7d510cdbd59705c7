//! Each reader's `looks_like` says yes to its own samples and no to every other format's, and
//! `LogFormat::sniff` picks the right format from a file's first line.

use crate::support::*;
use apispm_readers::LogFormat;
use apispm_readers::formats::{apigee, aws_apigw, envoy, envoy_json, har, kong, nginx};

type Sniff = fn(&str) -> bool;

const FORMATS: [(LogFormat, Sniff); 7] = [
    (LogFormat::Kong, kong::looks_like),
    (LogFormat::AwsApigw, aws_apigw::looks_like),
    (LogFormat::EnvoyJson, envoy_json::looks_like),
    (LogFormat::Apigee, apigee::looks_like),
    (LogFormat::Har, har::looks_like),
    (LogFormat::Envoy, envoy::looks_like),
    (LogFormat::Nginx, nginx::looks_like),
];

fn first_line(text: &str) -> &str {
    text.lines().map(str::trim).find(|l| !l.is_empty()).unwrap()
}

/// What a sniffer may be handed for each fixture: its first line, and for JSON documents the
/// first record and the whole text.
fn samples() -> Vec<(LogFormat, String, Vec<String>)> {
    let mut out = Vec::new();
    let line_files = [
        (LogFormat::Kong, "kong/grpc-say-hello.log"),
        (LogFormat::AwsApigw, "aws-apigw/rest-api.jsonl"),
        (LogFormat::AwsApigw, "aws-apigw/http-api.jsonl"),
        (LogFormat::EnvoyJson, "envoy-json/istio-json.jsonl"),
        (LogFormat::Envoy, "envoy/envoy-default-format-example.log"),
        (LogFormat::Envoy, "envoy/istio-access-log-task-examples.log"),
        (LogFormat::Envoy, "envoy/variants.log"),
        (LogFormat::Nginx, "nginx/combined.log"),
        (LogFormat::Har, "har/akto/restapi_81.har"),
    ];
    for (f, rel) in line_files {
        let text = fixture(rel);
        let mut inputs: Vec<String> = lines(&text).into_iter().map(String::from).collect();
        inputs.truncate(4);
        out.push((f, rel.to_string(), inputs));
    }
    let documents = [
        (LogFormat::Kong, "kong/kong-3.8-sample-log-object.json"),
        (LogFormat::Kong, "kong/http-log-batch.json"),
        (LogFormat::AwsApigw, "aws-apigw/cloudwatch-events.json"),
        (LogFormat::EnvoyJson, "envoy-json/typed-json-batch.json"),
        (LogFormat::Apigee, "apigee/ax-record-fixed.json"),
        (
            LogFormat::Apigee,
            "apigee/ax-record-before-obfuscation.json.txt",
        ),
        (LogFormat::Har, "har/optic/har.har"),
        (LogFormat::Har, "har/optic/petstore.swagger.io.har"),
        (LogFormat::Har, "har/mitmproxy2swagger/form_data_har.har"),
        (
            LogFormat::Har,
            "har/mitmproxy2swagger/headers_and_params_har.har",
        ),
        (LogFormat::Har, "har/har-validator/valid.json"),
    ];
    for (f, rel) in documents {
        let text = fixture(rel);
        let first_record = json_records(&text)[0].to_string();
        out.push((f, rel.to_string(), vec![first_record, text]));
    }
    out
}

#[test]
fn each_reader_recognises_its_own_samples_and_no_other() {
    for (own, rel, inputs) in samples() {
        for input in &inputs {
            for (f, looks_like) in FORMATS {
                let yes = looks_like(input);
                if f == own {
                    assert!(yes, "{own} should recognise {rel}: {}", clip(input));
                } else {
                    assert!(!yes, "{f} should not claim {rel}: {}", clip(input));
                }
            }
        }
    }
}

#[test]
fn first_lines_of_json_documents_are_claimed_by_no_one() {
    for (_, rel, inputs) in samples() {
        let whole = inputs.last().unwrap();
        let line = first_line(whole);
        if line == "{" || line == "[" {
            for (f, looks_like) in FORMATS {
                assert!(!looks_like(line), "{f} claims the bare `{line}` of {rel}");
            }
        }
    }
    // A pretty-printed HAR's second line is enough.
    let text = fixture("har/optic/har.har");
    let line = text.lines().nth(1).unwrap();
    assert!(har::looks_like(line), "{line}");
    assert!(har::looks_like(
        r#"{"log":{"version":"1.2","creator":{"name":"x"#
    ));
    assert!(!har::looks_like(
        r#"{"log":"[2016-04-15T20:17:00.310Z] \"GET / HTTP/1.1\" 200"}"#
    ));
}

#[test]
fn sniff_picks_the_format_from_the_first_line() {
    for (own, rel, inputs) in samples() {
        let first = &inputs[0];
        if first.lines().count() == 1 {
            assert_eq!(LogFormat::sniff(first.as_bytes()), Some(own), "{rel}");
        }
    }
}

#[test]
fn other_corpus_files_are_claimed_by_no_reader() {
    let seed = r#"{"service":"s","method":"GET","path":"/a","classification":"internal"}"#;
    let nuclei = r#"{"template-id":"CVE-2021-44228","info":{"severity":"critical"},"type":"http","host":"http://10.1.6.107:8080","matched-at":"http://10.1.6.107:8080/","ip":"10.1.6.107","timestamp":"2021-12-21T15:36:21.9627479Z"}"#;
    let openapi = r#"{"openapi":"3.0.0","info":{"title":"x","version":"1"},"paths":{}}"#;
    for text in [
        seed,
        nuclei,
        openapi,
        "hello world",
        "",
        "{",
        "[",
        "GET / HTTP/1.1",
    ] {
        for (f, looks_like) in FORMATS {
            assert!(!looks_like(text), "{f} claims {text}");
        }
    }
    assert_eq!(LogFormat::sniff(seed.as_bytes()), Some(LogFormat::Seed));
}

fn clip(s: &str) -> String {
    s.chars().take(120).collect()
}

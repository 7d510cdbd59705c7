//! Whatever the bytes, importing never panics: it returns findings or an error.

use apispm_import::{import_bytes, import_text};
use proptest::prelude::*;

/// Report-shaped JSON with random values where the readers look.
fn fragment() -> impl Strategy<Value = String> {
    let scalar = prop_oneof![
        Just("null".to_string()),
        Just("\"\"".to_string()),
        any::<i64>().prop_map(|n| n.to_string()),
        any::<f64>().prop_map(|x| if x.is_finite() {
            x.to_string()
        } else {
            "1e308".into()
        }),
        "[ -~]{0,12}".prop_map(|s| serde_json::to_string(&s).unwrap()),
        Just("\"https://u:p@h.example:8/a/{id}?q=1#f\"".to_string()),
        Just("\"GET /x/{y}\"".to_string()),
        Just("\"#/paths/~1a%7B/get\"".to_string()),
        Just("\"[a](1) {0} {{ }}\"".to_string()),
        Just("[]".to_string()),
        Just("{}".to_string()),
    ];
    scalar.prop_recursive(3, 24, 6, |inner| {
        let key = prop_oneof![
            Just("runs"),
            Just("results"),
            Just("tool"),
            Just("driver"),
            Just("name"),
            Just("rules"),
            Just("ruleId"),
            Just("ruleIndex"),
            Just("message"),
            Just("text"),
            Just("id"),
            Just("arguments"),
            Just("locations"),
            Just("physicalLocation"),
            Just("artifactLocation"),
            Just("uri"),
            Just("index"),
            Just("region"),
            Just("startLine"),
            Just("logicalLocations"),
            Just("fullyQualifiedName"),
            Just("properties"),
            Just("security-severity"),
            Just("level"),
            Just("kind"),
            Just("suppressions"),
            Just("status"),
            Just("webRequest"),
            Just("target"),
            Just("method"),
            Just("site"),
            Just("alerts"),
            Just("instances"),
            Just("riskcode"),
            Just("confidence"),
            Just("alert"),
            Just("pluginid"),
            Just("@name"),
            Just("template-id"),
            Just("templateID"),
            Just("info"),
            Just("severity"),
            Just("matched-at"),
            Just("matched"),
            Just("host"),
            Just("type"),
            Just("request"),
            Just("curl-command"),
            Just("offender"),
            Just("messageStrings"),
            Just("version"),
        ];
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(|v| format!("[{}]", v.join(","))),
            prop::collection::vec((key, inner), 0..5).prop_map(|kv| {
                let body: Vec<String> = kv
                    .into_iter()
                    .map(|(k, v)| format!("\"{k}\":{v}"))
                    .collect();
                format!("{{{}}}", body.join(","))
            }),
        ]
    })
}

/// A string value from the shapes readers parse: URLs, routes, pointers, placeholders.
fn text_value() -> impl Strategy<Value = String> {
    prop_oneof![
        "[ -~]{0,16}",
        Just("https://u:p@h.example:8/a/{id}?q=1#f".to_string()),
        Just("GET /x/{y} and POST http://a.example/b".to_string()),
        Just("#/paths/~1a%7B/get".to_string()),
        Just("paths./users/{id}.get".to_string()),
        Just("$.paths['/a'].post".to_string()),
        Just("[a](1) {0} {{ }} {9}".to_string()),
        Just("file:///C:/x.c".to_string()),
        Just("ghp_R4nd0mT0k3nV4lu3Xyz0123456789abcdEF".to_string()),
        Just("é€😀 \u{0}".to_string()),
    ]
    .prop_map(|s| serde_json::to_string(&s).unwrap())
}

fn value() -> impl Strategy<Value = String> {
    prop_oneof![text_value(), fragment()]
}

/// A SARIF result with the fields the reader uses, each a random value.
fn sarif_result() -> impl Strategy<Value = String> {
    (
        value(),
        text_value(),
        value(),
        value(),
        value(),
        value(),
        value(),
        value(),
    )
        .prop_map(|(rule, text, args, uri, line, logical, props, web)| {
            format!(
                "{{\"ruleId\":{rule},\"ruleIndex\":0,\"message\":{{\"text\":{text},\"id\":\"default\",\"arguments\":{args}}},\
                 \"locations\":[{{\"physicalLocation\":{{\"artifactLocation\":{{\"uri\":{uri},\"index\":0}},\"region\":{{\"startLine\":{line},\"startColumn\":{line}}}}},\
                 \"logicalLocations\":[{{\"fullyQualifiedName\":{logical},\"index\":0}}]}}],\
                 \"properties\":{props},\"webRequest\":{web},\"level\":{rule}}}"
            )
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        let _ = import_bytes(&bytes, "x");
    }

    #[test]
    fn report_shaped_json(body in fragment()) {
        let _ = import_text(&body, "x");
        let _ = import_text(&format!("{{\"version\":\"2.1.0\",\"runs\":[{{\"results\":[{body}]}}]}}"), "x");
        let _ = import_text(&format!("{{\"site\":[{{\"alerts\":[{body}]}}]}}"), "x");
        let _ = import_text(&format!("{{\"template-id\":\"t\",\"info\":{body}}}\n{body}\n"), "x");
    }

    #[test]
    fn sarif_results_with_random_fields(results in prop::collection::vec(sarif_result(), 1..4), rules in fragment(), tool in text_value()) {
        let doc = format!(
            "{{\"version\":\"2.1.0\",\"runs\":[{{\"tool\":{{\"driver\":{{\"name\":{tool},\"rules\":[{rules}]}}}},\"logicalLocations\":[{rules}],\"artifacts\":[{rules}],\"results\":[{}]}}]}}",
            results.join(",")
        );
        if let Ok(got) = import_text(&doc, "x.sarif") {
            prop_assert_eq!(got.stats.imported + got.stats.rejected + got.stats.skipped, got.stats.records);
            for f in &got.findings {
                prop_assert!(!f.title.contains("ghp_R4nd0mT0k3n"), "{}", f.title);
            }
        }
    }

    #[test]
    fn nuclei_and_zap_records_with_random_fields(a in value(), b in value(), c in value(), d in value()) {
        let line = format!("{{\"template-id\":{a},\"info\":{{\"name\":{b},\"severity\":{c},\"classification\":{{\"cvss-score\":{d}}}}},\"type\":{c},\"matched-at\":{b},\"host\":{d},\"request\":{a},\"curl-command\":{b},\"matcher-name\":{d}}}");
        let _ = import_text(&format!("{line}\n{line}\n"), "n.jsonl");
        let zap = format!("{{\"site\":[{{\"@name\":{a},\"alerts\":[{{\"alert\":{b},\"pluginid\":{c},\"alertRef\":{d},\"riskcode\":{c},\"confidence\":{a},\"desc\":{b},\"solution\":{d},\"cweid\":{a},\"instances\":[{{\"uri\":{a},\"method\":{b},\"param\":{c}}},{d}]}}]}}]}}");
        if let Ok(got) = import_text(&zap, "z.json") {
            prop_assert_eq!(got.stats.imported + got.stats.rejected + got.stats.skipped, got.stats.records);
        }
    }

    #[test]
    fn every_imported_url_is_clean(path in "[a-z/{}%~.]{0,20}", query in "[a-z=&]{0,10}") {
        let line = format!(
            "{{\"template-id\":\"t\",\"info\":{{\"severity\":\"low\"}},\"matched-at\":\"https://user:pw@h.example/{path}?{query}\"}}"
        );
        let got = import_text(&line, "n.jsonl").unwrap();
        for f in &got.findings {
            if let Some(u) = &f.url {
                prop_assert!(!u.contains("pw@") && !u.contains('?'));
            }
        }
    }
}

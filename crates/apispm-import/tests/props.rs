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

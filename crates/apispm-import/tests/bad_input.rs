//! Unusable files are errors that name the file and the reason; malformed records inside a
//! usable file are counted, located and skipped.

use apispm_import::{ImportError, ImportFormat, detect, import_bytes, import_text};

#[test]
fn not_json_names_file_line_and_column() {
    let e = import_text("{\n  \"runs\": [\n    oops\n", "scan.sarif").unwrap_err();
    let msg = e.to_string();
    assert!(matches!(e, ImportError::Json { line: 3, .. }), "{msg}");
    assert!(msg.starts_with("scan.sarif:3:"), "{msg}");
}

#[test]
fn unknown_documents_say_what_was_expected() {
    for (text, why) in [
        ("{\"hello\": 1}", "no `runs`"),
        ("[1, 2]", "not Nuclei results"),
        ("42", "scalar"),
        ("   \n", "empty"),
        (
            "{\"version\": \"1.0.0\", \"runs\": []}",
            "SARIF version 1.0.0",
        ),
        ("{\"version\": \"2.1.0\", \"runs\": {}}", "not an array"),
    ] {
        let e = import_text(text, "x.json").unwrap_err().to_string();
        assert!(
            e.starts_with("x.json: ") && e.contains(why),
            "{text:?}: {e}"
        );
    }
    let e = import_bytes(b"\x1f\x8b\x08\x00", "r.json.gz")
        .unwrap_err()
        .to_string();
    assert!(e.contains("not UTF-8"), "{e}");
}

#[test]
fn malformed_nuclei_lines_are_counted_with_their_line() {
    let good = r#"{"template-id":"a","info":{"name":"A","severity":"high"},"type":"http","host":"https://h.example","matched-at":"https://h.example/x?token=secret"}"#;
    let text = format!(
        "{good}\n\n{{broken\n{good}\n[1]\n{{\"info\":{{}}}}\n{}\n",
        good.replace("high", "unknown")
    );
    let got = import_text(&text, "n.jsonl").unwrap();
    let s = &got.stats;
    assert_eq!(s.format, ImportFormat::NucleiJsonl);
    assert_eq!((s.records, s.imported, s.rejected), (6, 3, 3));
    let lines: Vec<Option<u64>> = s.errors.iter().map(|e| e.line).collect();
    assert_eq!(lines, vec![Some(3), Some(5), Some(6)]);
    assert!(s.errors[2].reason.contains("template-id"));
    assert_eq!(got.findings[0].url.as_deref(), Some("https://h.example/x"));
    assert_eq!(got.findings[2].severity, apispm_core::Severity::Info);
}

#[test]
fn malformed_sarif_results_and_zap_alerts_are_skipped() {
    let sarif = r#"{"version":"2.1.0","runs":[
        {"tool":{"driver":{"name":"T"}},"results":[7,{"ruleId":"r","message":{"text":"m"}},{"message":{}}]},
        "not a run"]}"#;
    let got = import_text(sarif, "t.sarif").unwrap();
    assert_eq!((got.stats.imported, got.stats.rejected), (1, 3));
    let at: Vec<&str> = got.stats.errors.iter().map(|e| e.record.as_str()).collect();
    assert_eq!(at, ["runs[0].results[0]", "runs[0].results[2]", "runs[1]"]);

    let zap = r#"{"site":[{"@name":"https://a.example","alerts":[
        {"alert":"A","pluginid":"1","riskcode":"9","instances":[{"uri":"https://a.example/1"}]},
        {"alert":"B","pluginid":"2","riskcode":2,"confidence":"0","instances":[{"uri":"https://a.example/2"}]},
        {"alert":"C","pluginid":"3","riskcode":"1"},
        {"alert":"D","alertRef":"4-1","riskcode":"2","instances":[{"uri":"https://a.example/4","method":"post"},"x"]}]}]}"#;
    let got = import_text(zap, "z.json").unwrap();
    let s = &got.stats;
    assert_eq!((s.records, s.imported, s.skipped, s.rejected), (5, 2, 1, 2));
    assert_eq!(
        got.findings[0].url.as_deref(),
        Some("https://a.example/"),
        "alert without instances: the site"
    );
    assert_eq!(got.findings[1].rule, "4-1");
    assert_eq!(got.findings[1].method.as_deref(), Some("POST"));
}

#[test]
fn detection_by_content() {
    assert_eq!(detect("{\"runs\":[]}"), Some(ImportFormat::Sarif));
    assert_eq!(detect("\u{feff}{\"site\":[]}"), Some(ImportFormat::ZapJson));
    assert_eq!(detect("[]"), Some(ImportFormat::NucleiJson));
    assert_eq!(
        detect("{\"templateID\":\"x\",\"info\":{}}\n{\"templateID\":\"y\",\"info\":{}}\n"),
        Some(ImportFormat::NucleiJsonl)
    );
    assert_eq!(detect("hello"), None);
}

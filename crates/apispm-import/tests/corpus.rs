//! The corpus reports import with the counts, severities and endpoints worked out
//! independently (Python over the same files; see fixtures/README.md).

use apispm_core::{Finding, Severity};
use apispm_import::{ImportFormat, import_file};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel)
}

fn severities(findings: &[Finding]) -> BTreeMap<Severity, usize> {
    let mut m = BTreeMap::new();
    for f in findings {
        *m.entry(f.severity).or_default() += 1;
    }
    m
}

use Severity::{Critical as C, High as H, Info as I, Low as L, Medium as M};

/// (file, format, tool, records, imported, skipped, severities of the imported findings)
#[allow(clippy::type_complexity)]
const EXPECTED: &[(
    &str,
    ImportFormat,
    &str,
    u64,
    u64,
    u64,
    &[(Severity, usize)],
)] = &[
    (
        "defectdojo/sarif/appendix_k1.sarif",
        ImportFormat::Sarif,
        "CodeScanner",
        0,
        0,
        0,
        &[],
    ),
    (
        "defectdojo/sarif/appendix_k2.sarif",
        ImportFormat::Sarif,
        "CodeScanner",
        1,
        1,
        0,
        &[(M, 1)],
    ),
    (
        "defectdojo/sarif/appendix_k3.sarif",
        ImportFormat::Sarif,
        "BinaryScanner",
        1,
        1,
        0,
        &[(M, 1)],
    ),
    (
        "defectdojo/sarif/codeQL-output.sarif",
        ImportFormat::Sarif,
        "CodeQL",
        72,
        72,
        0,
        &[(L, 57), (M, 4), (H, 11)],
    ),
    (
        "defectdojo/sarif/gitleaks_7.5.0.sarif",
        ImportFormat::Sarif,
        "Gitleaks",
        8,
        8,
        0,
        &[(M, 8)],
    ),
    (
        "defectdojo/sarif/njsscan.sarif",
        ImportFormat::Sarif,
        "nodejsscan",
        2,
        2,
        0,
        &[(M, 1), (H, 1)],
    ),
    (
        "defectdojo/sarif/no_runs.sarif",
        ImportFormat::Sarif,
        "",
        0,
        0,
        0,
        &[],
    ),
    (
        "defectdojo/sarif/spotbugs.sarif",
        ImportFormat::Sarif,
        "SpotBugs",
        56,
        56,
        0,
        &[(L, 56)],
    ),
    (
        "defectdojo/sarif/suppression_test.sarif",
        ImportFormat::Sarif,
        "CodeScanner",
        5,
        2,
        3,
        &[(M, 2)],
    ),
    (
        "defectdojo/nuclei/issue_9201.json",
        ImportFormat::NucleiJsonl,
        "nuclei",
        1,
        1,
        0,
        &[(I, 1)],
    ),
    (
        "defectdojo/nuclei/many_findings.json",
        ImportFormat::NucleiJsonl,
        "nuclei",
        18,
        18,
        0,
        &[(I, 16), (L, 1), (M, 1)],
    ),
    (
        "defectdojo/nuclei/many_findings_new.json",
        ImportFormat::NucleiJsonl,
        "nuclei",
        2,
        2,
        0,
        &[(L, 1), (M, 1)],
    ),
    (
        "defectdojo/nuclei/many_findings_third.json",
        ImportFormat::NucleiJsonl,
        "nuclei",
        2,
        2,
        0,
        &[(I, 2)],
    ),
    (
        "defectdojo/nuclei/multiple_matches.json",
        ImportFormat::NucleiJsonl,
        "nuclei",
        2,
        2,
        0,
        &[(I, 2)],
    ),
    (
        "defectdojo/nuclei/multiple_v3.json",
        ImportFormat::NucleiJson,
        "nuclei",
        6,
        6,
        0,
        &[(I, 6)],
    ),
    (
        "securecodebox/nuclei/example-com-only-misc-tags-with-incluce-rr.jsonl",
        ImportFormat::NucleiJsonl,
        "nuclei",
        1,
        1,
        0,
        &[(I, 1)],
    ),
    (
        "securecodebox/nuclei/example-com-test.jsonl",
        ImportFormat::NucleiJsonl,
        "nuclei",
        27,
        27,
        0,
        &[(I, 27)],
    ),
    (
        "securecodebox/nuclei/hostname-without-port.jsonl",
        ImportFormat::NucleiJsonl,
        "nuclei",
        1,
        1,
        0,
        &[(I, 1)],
    ),
    (
        "securecodebox/nuclei/log4shell.jsonl",
        ImportFormat::NucleiJsonl,
        "nuclei",
        1,
        1,
        0,
        &[(C, 1)],
    ),
    (
        "securecodebox/nuclei/secureCodeBox-test.jsonl",
        ImportFormat::NucleiJsonl,
        "nuclei",
        22,
        22,
        0,
        &[(I, 22)],
    ),
    (
        "zap-extensions/basic-traditional-json.json",
        ImportFormat::ZapJson,
        "ZAP",
        2,
        2,
        0,
        &[(H, 2)],
    ),
    (
        "zap-extensions/basic-traditional-json-plus.json",
        ImportFormat::ZapJson,
        "ZAP",
        2,
        2,
        0,
        &[(H, 2)],
    ),
];

#[test]
fn every_corpus_report_imports_with_the_expected_counts_and_severities() {
    for (file, format, tool, records, imported, skipped, sev) in EXPECTED {
        let got = import_file(&fixture(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        let s = &got.stats;
        assert_eq!(s.format, *format, "{file}");
        if tool.is_empty() {
            assert!(s.tools.is_empty(), "{file}: {:?}", s.tools);
        } else {
            assert_eq!(s.tools, vec![tool.to_string()], "{file}");
        }
        assert_eq!(
            (s.records, s.imported, s.skipped, s.rejected),
            (*records, *imported, *skipped, 0),
            "{file}: {:?}",
            s.errors
        );
        assert_eq!(got.findings.len() as u64, *imported, "{file}");
        let want: BTreeMap<Severity, usize> = sev.iter().copied().collect();
        assert_eq!(severities(&got.findings), want, "{file}");
        for f in &got.findings {
            assert_eq!(f.api_id, None, "{file}: unmapped until the engine maps it");
            assert!(!f.rule.is_empty() && !f.title.is_empty(), "{file}: {f:?}");
            if let Some(u) = &f.url {
                assert!(!u.contains('?') && !u.contains('@'), "{file}: {u}");
            }
        }
    }
}

#[test]
fn every_fixture_is_covered() {
    let mut on_disk = Vec::new();
    for dir in [
        "defectdojo/sarif",
        "defectdojo/nuclei",
        "securecodebox/nuclei",
        "zap-extensions",
    ] {
        for e in std::fs::read_dir(fixture(dir)).unwrap() {
            on_disk.push(format!(
                "{dir}/{}",
                e.unwrap().file_name().to_string_lossy()
            ));
        }
    }
    on_disk.sort();
    let mut listed: Vec<String> = EXPECTED.iter().map(|e| e.0.to_string()).collect();
    listed.sort();
    assert_eq!(on_disk, listed);
}

#[test]
fn sarif_keeps_rules_and_file_locations() {
    let got = import_file(&fixture("defectdojo/sarif/njsscan.sarif")).unwrap();
    let f = &got.findings[1];
    assert_eq!(f.source, "nodejsscan");
    assert_eq!(f.rule, "node_password");
    assert_eq!(f.severity, Severity::High, "level error");
    let loc = f.location.as_ref().unwrap();
    assert_eq!(
        (loc.file.as_str(), loc.line, loc.column),
        ("/src/index.js", 235, 9)
    );

    // CodeQL: the level is the rule's default configuration, found through ruleIndex.
    let got = import_file(&fixture("defectdojo/sarif/codeQL-output.sarif")).unwrap();
    let sql = got
        .findings
        .iter()
        .find(|f| f.rule == "py/sql-injection")
        .unwrap();
    assert_eq!(sql.severity, Severity::High);
    assert_eq!(sql.location.as_ref().unwrap().file, "bad/libuser.py");
    assert!(got.findings.iter().all(|f| f.location.is_some()));

    // Message strings with arguments (SARIF spec appendix K.2).
    let got = import_file(&fixture("defectdojo/sarif/appendix_k2.sarif")).unwrap();
    assert_eq!(
        got.findings[0].title,
        "Variable \"count\" was used without being initialized."
    );
    assert_eq!(got.findings[0].location.as_ref().unwrap().line, 15);
}

#[test]
fn gitleaks_secrets_never_reach_a_finding() {
    let path = fixture("defectdojo/sarif/gitleaks_7.5.0.sarif");
    let raw: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    // Every value the report calls a secret, and every snippet that shows one.
    let mut secrets = Vec::new();
    for r in raw["runs"][0]["results"].as_array().unwrap() {
        secrets.push(r["properties"]["offender"].as_str().unwrap().to_string());
        for l in r["locations"].as_array().unwrap() {
            if let Some(s) = l["physicalLocation"]["region"]["snippet"]["text"].as_str() {
                secrets.push(s.trim().to_string());
            }
        }
    }
    assert_eq!(secrets.len(), 16);
    let got = import_file(&path).unwrap();
    let rules: Vec<&str> = got.findings.iter().map(|f| f.rule.as_str()).collect();
    // Gitleaks 7 writes no ruleId: the rule is the one whose name starts the message.
    assert_eq!(rules.iter().filter(|r| **r == "AWS Access Key").count(), 6);
    assert_eq!(
        rules
            .iter()
            .filter(|r| **r == "Asymmetric Private Key")
            .count(),
        2
    );
    let text = serde_json::to_string(&got.findings).unwrap();
    for s in &secrets {
        let probe: String = s.chars().take(24).collect();
        assert!(!text.contains(&probe), "secret {probe} leaked");
    }
    for f in &got.findings {
        let loc = f.location.as_ref().unwrap();
        assert!(loc.line > 0 && f.title.contains(&loc.file));
    }
}

#[test]
fn nuclei_old_and_new_keys_give_the_same_shape() {
    let old = import_file(&fixture("defectdojo/nuclei/many_findings.json")).unwrap();
    let phpmyadmin = old
        .findings
        .iter()
        .find(|f| f.rule == "phpmyadmin-setup")
        .unwrap();
    assert_eq!(
        phpmyadmin.url.as_deref(),
        Some("https://nuclei-example.com/phpmyadmin/setup/index.php")
    );
    assert_eq!(phpmyadmin.severity, Severity::Medium);
    // A network template judges a host: service, no URL.
    let ssh = old
        .findings
        .iter()
        .find(|f| f.rule == "openssh5.3-detect")
        .unwrap();
    assert_eq!(
        (ssh.url.as_deref(), ssh.service.as_deref()),
        (None, Some("nuclei-example.com"))
    );

    let new = import_file(&fixture("defectdojo/nuclei/many_findings_new.json")).unwrap();
    let prom = new
        .findings
        .iter()
        .find(|f| f.rule == "prometheus-metrics")
        .unwrap();
    assert_eq!(
        prom.url.as_deref(),
        Some("https://nuclei-example.com/metrics")
    );
    assert_eq!(prom.method.as_deref(), Some("GET"));

    // Matchers of one template stay distinct rules, as Nuclei prints them.
    let scb = import_file(&fixture("securecodebox/nuclei/secureCodeBox-test.jsonl")).unwrap();
    let headers: Vec<&str> = scb
        .findings
        .iter()
        .filter_map(|f| f.rule.strip_prefix("http-missing-security-headers:"))
        .collect();
    assert_eq!(headers.len(), 16);
    assert!(headers.contains(&"content-security-policy"));
    let rr = import_file(&fixture(
        "securecodebox/nuclei/example-com-only-misc-tags-with-incluce-rr.jsonl",
    ))
    .unwrap();
    assert_eq!(rr.findings[0].method.as_deref(), Some("OPTIONS"));
    // 19 HTTP results, each with the method of its request line.
    let ex = import_file(&fixture("securecodebox/nuclei/example-com-test.jsonl")).unwrap();
    assert_eq!(ex.findings.iter().filter(|f| f.url.is_some()).count(), 19);
    assert_eq!(
        ex.findings.iter().filter(|f| f.method.is_some()).count(),
        19
    );
    assert_eq!(
        ex.findings
            .iter()
            .filter(|f| f.service.as_deref() == Some("example.com"))
            .count(),
        8
    );
}

#[test]
fn zap_gives_one_finding_per_instance_without_evidence() {
    let got = import_file(&fixture("zap-extensions/basic-traditional-json.json")).unwrap();
    assert_eq!(got.findings.len(), 2);
    for f in &got.findings {
        assert_eq!(f.source, "zap");
        assert_eq!(f.rule, "1");
        assert_eq!(f.title, "XSS");
        assert_eq!(f.severity, Severity::High, "riskcode \"3\"");
        assert_eq!(f.url.as_deref(), Some("http://example.com/example_3"));
        assert_eq!(f.method.as_deref(), Some("GET"));
        assert_eq!(f.remediation, "Test Solution", "HTML stripped");
        assert!(f.detail.contains("CWE-123"));
        assert!(!f.detail.contains("Evidence") && !f.detail.contains("Attack"));
    }
}

//! Owner, version, daily traffic, compliance tags and gaps, through the real binary.

use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("apispm-own-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn scan(args: &[&str]) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_apispm"))
        .args(["scan", "--quiet", "--format", "json"])
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.code().is_some_and(|c| c < 2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn by_path(r: &Value) -> BTreeMap<String, Value> {
    r["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                format!(
                    "{} {}",
                    e["method"].as_str().unwrap(),
                    e["path"].as_str().unwrap()
                ),
                e.clone(),
            )
        })
        .collect()
}

fn seed(
    service: &str,
    method: &str,
    path: &str,
    scheme: &str,
    body: &str,
    ts: i64,
    auth: bool,
) -> String {
    let mut req = json!({"Host": format!("{service}.example.com")});
    if auth {
        req["Authorization"] = json!("Bearer t");
    }
    json!({"service": service, "method": method, "path": path, "classification": "external",
           "documented": true, "scheme": scheme, "request_headers": req, "response_headers": {},
           "body": body, "timestamp": ts})
    .to_string()
}

fn write(dir: &Path, name: &str, lines: &[String]) -> String {
    let p = dir.join(name);
    std::fs::write(&p, lines.join("\n")).unwrap();
    p.display().to_string()
}

const DAY: i64 = 86_400;
const T0: i64 = 1_764_806_400;

#[test]
fn card_numbers_over_plain_http_are_a_pci_gap_and_policies_scope_by_tag() {
    let d = tmp("pci");
    let mut lines = Vec::new();
    for i in 0..4 {
        lines.push(seed(
            "pay",
            "POST",
            "/charges",
            "http",
            r#"{"card":"4111 1111 1111 1111"}"#,
            T0 + i,
            false,
        ));
        lines.push(seed(
            "pay",
            "GET",
            "/status",
            "https",
            r#"{"ok":true}"#,
            T0 + i,
            true,
        ));
        lines.push(seed(
            "crm",
            "GET",
            "/contacts",
            "http",
            r#"{"email":"ann@example.org"}"#,
            T0 + i,
            true,
        ));
    }
    let logs = write(&d, "t.jsonl", &lines);
    let r = scan(&["--logs", &logs]);
    let e = by_path(&r);
    assert_eq!(e["POST /charges"]["compliance_tags"], json!(["pci-dss"]));
    assert_eq!(e["GET /contacts"]["compliance_tags"], json!(["gdpr"]));
    assert_eq!(e["GET /status"]["compliance_tags"], json!([]));
    let gaps: Vec<&Value> = r["compliance_gaps"].as_array().unwrap().iter().collect();
    let pci: Vec<&&Value> = gaps.iter().filter(|g| g["path"] == "/charges").collect();
    assert!(
        pci.iter().any(|g| g["control"] == "transport_encryption"
            && g["requirement"].as_str().unwrap().contains("requirement 4")),
        "{pci:?}"
    );
    assert!(
        pci.iter().any(|g| g["control"] == "authentication"
            && g["requirement"].as_str().unwrap().contains("requirement 8")),
        "{pci:?}"
    );
    assert!(
        gaps.iter()
            .any(|g| g["path"] == "/contacts" && g["framework"] == "GDPR")
    );
    assert!(!gaps.iter().any(|g| g["path"] == "/status"));

    let policy = d.join("pci.yaml");
    std::fs::write(
        &policy,
        "policies:\n  - name: pci-tls\n    description: Cardholder data only over TLS\n    scope:\n      compliance: [pci-dss]\n    rule:\n      control: transport_encryption\n      required: true\n    severity: critical\n    remediation: Use HTTPS\n",
    )
    .unwrap();
    let r = scan(&["--logs", &logs, "--policy", policy.to_str().unwrap()]);
    let v: Vec<String> = r["policy_violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            format!(
                "{} {}",
                v["policy"].as_str().unwrap(),
                v["path"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        v,
        vec!["pci-tls /charges"],
        "only the PCI-tagged endpoint is in scope"
    );

    let md = Command::new(env!("CARGO_BIN_EXE_apispm"))
        .args(["scan", "--quiet", "--format", "markdown", "--logs", &logs])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&md.stdout).contains("## Compliance gaps"));
}

#[test]
fn daily_volume_comes_from_record_times() {
    let d = tmp("daily");
    let mut lines = Vec::new();
    for i in 0..10 {
        lines.push(seed("s", "GET", "/a", "https", "", T0 + i, true));
    }
    for i in 0..20 {
        lines.push(seed("s", "GET", "/a", "https", "", T0 + 2 * DAY + i, true));
    }
    let r = scan(&["--logs", &write(&d, "t.jsonl", &lines)]);
    let e = &by_path(&r)["GET /a"];
    assert_eq!(
        e["traffic_volume_daily"], 10,
        "30 requests over a 3-day span"
    );
    assert_eq!(
        e["traffic_daily"],
        json!({"2025-12-04": 10, "2025-12-06": 20})
    );
}

fn kong(host: &str, method: &str, uri: &str, headers: Value, tags: Value) -> String {
    json!({
        "request": {"method": method, "uri": uri, "url": format!("https://{host}{uri}"), "headers": headers},
        "response": {"status": 200, "headers": {}},
        "service": {"name": host, "host": host, "protocol": "https", "tags": tags},
        "client_ip": "203.0.113.4", "started_at": 1_764_806_400_000u64
    })
    .to_string()
}

const SPEC: &str = r#"{
  "openapi": "3.0.3",
  "info": {"title": "Orders", "version": "4.2.0", "contact": {"email": "orders-team@example.com"}},
  "servers": [{"url": "https://orders.example.com"}],
  "paths": {
    "/orders": {"get": {"x-owner": "fulfilment", "responses": {"200": {"description": "ok"}}}},
    "/orders/{id}": {"get": {"responses": {"200": {"description": "ok"}}}},
    "/refunds": {"get": {"responses": {"200": {"description": "ok"}}}}
  }
}"#;

#[test]
fn owner_and_version_from_spec_config_and_gateway() {
    let d = tmp("owner");
    std::fs::write(d.join("spec.json"), SPEC).unwrap();
    std::fs::write(
        d.join("apispm.yaml"),
        "owners:\n  - match: {path: \"/refunds*\"}\n    owner: finance\n",
    )
    .unwrap();
    let h = |host: &str| json!({"host": host, "authorization": "REDACTED"});
    let lines = vec![
        kong(
            "orders.example.com",
            "GET",
            "/orders",
            h("orders.example.com"),
            json!([]),
        ),
        kong(
            "orders.example.com",
            "GET",
            "/orders/17",
            h("orders.example.com"),
            json!([]),
        ),
        kong(
            "orders.example.com",
            "GET",
            "/refunds",
            h("orders.example.com"),
            json!(["owner:ignored"]),
        ),
        kong(
            "users.example.com",
            "GET",
            "/api/v1/users",
            h("users.example.com"),
            json!(["owner:identity", "tier:1"]),
        ),
        kong(
            "users.example.com",
            "GET",
            "/api/v2/users",
            h("users.example.com"),
            json!(["owner:identity"]),
        ),
        kong(
            "misc.example.com",
            "GET",
            "/ping",
            json!({"host": "misc.example.com", "api-version": "2024-06-01"}),
            json!([]),
        ),
    ];
    let logs = write(&d, "kong.jsonl", &lines);
    let r = scan(&[
        "--logs",
        &logs,
        "--spec",
        d.join("spec.json").to_str().unwrap(),
        "--config",
        d.join("apispm.yaml").to_str().unwrap(),
    ]);
    let e = by_path(&r);
    assert_eq!(e["GET /orders"]["owner"], "fulfilment", "operation x-owner");
    assert_eq!(
        e["GET /orders/{id}"]["owner"], "orders-team@example.com",
        "document contact"
    );
    assert_eq!(e["GET /refunds"]["owner"], "finance", "config rule wins");
    assert_eq!(
        e["GET /api/v1/users"]["owner"], "identity",
        "Kong service tag"
    );
    assert_eq!(e["GET /ping"]["owner"], Value::Null);
    assert_eq!(r["unowned_apis"], 1);
    assert_eq!(
        e["GET /orders/{id}"]["version"], "4.2.0",
        "the document's info.version"
    );
    assert_eq!(e["GET /api/v2/users"]["version"], "v2", "from the path");
    assert_eq!(
        e["GET /ping"]["version"], "2024-06-01",
        "from the Api-Version header"
    );
    let c = &r["deprecation_candidates"];
    assert_eq!(c.as_array().unwrap().len(), 1, "{c}");
    assert_eq!(c[0]["path"], "/api/v1/users");
    assert_eq!(c[0]["newer_path"], "/api/v2/users");

    let policy = d.join("owner.yaml");
    std::fs::write(
        &policy,
        "policies:\n  - name: owned\n    description: Every API has an owner\n    scope:\n      classification: [external, internal, partner, shadow, deprecated]\n    rule:\n      owner_present: true\n    severity: low\n    remediation: Add x-owner or an owners rule\n",
    )
    .unwrap();
    let r = scan(&["--logs", &logs, "--policy", policy.to_str().unwrap()]);
    let unowned: Vec<&str> = r["policy_violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["path"].as_str().unwrap())
        .collect();
    assert!(
        unowned.contains(&"/ping") && unowned.contains(&"/orders"),
        "{unowned:?}"
    );
}

//! A real HTTP/1.1 receiver on 127.0.0.1 (keep-alive, Content-Length and chunked bodies,
//! `Expect: 100-continue`) whose answers a test scripts, and a report to export.

#![allow(dead_code)]

use apispm_core::compliance::ComplianceGap;
use apispm_core::{
    Classification, Control, EndpointKey, Finding, Labels, RiskModel, Severity, Tally, assess,
};
use apispm_policy::PolicySet;
use apispm_report::{Report, ReportInput, build};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

/// One request as received.
#[derive(Clone, Debug)]
pub struct Request {
    pub method: String,
    pub path: String,
    /// Lower-case names.
    pub headers: BTreeMap<String, String>,
    pub body: String,
}

/// What the receiver does with a request.
pub enum Answer {
    Respond {
        status: u16,
        headers: Vec<(String, String)>,
        body: String,
    },
    /// Close the connection without answering.
    Drop,
}

pub type Script = dyn Fn(usize, &Request) -> Answer + Send + Sync;

pub struct Receiver {
    pub url: String,
    pub requests: Arc<Mutex<Vec<Request>>>,
}

fn read_request(r: &mut BufReader<TcpStream>) -> Option<Request> {
    let mut line = String::new();
    if r.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_string();
    let path = parts.next()?.to_string();
    let mut headers = BTreeMap::new();
    loop {
        let mut h = String::new();
        r.read_line(&mut h).ok()?;
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        let (k, v) = h.split_once(':')?;
        headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
    }
    if headers
        .get("expect")
        .is_some_and(|v| v.eq_ignore_ascii_case("100-continue"))
    {
        r.get_mut()
            .write_all(b"HTTP/1.1 100 Continue\r\n\r\n")
            .ok()?;
    }
    let mut body = Vec::new();
    if let Some(n) = headers.get("content-length") {
        body.resize(n.parse().ok()?, 0);
        r.read_exact(&mut body).ok()?;
    } else if headers
        .get("transfer-encoding")
        .is_some_and(|v| v.contains("chunked"))
    {
        loop {
            let mut size = String::new();
            r.read_line(&mut size).ok()?;
            let n = usize::from_str_radix(size.trim(), 16).ok()?;
            let mut chunk = vec![0; n + 2];
            r.read_exact(&mut chunk).ok()?;
            if n == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..n]);
        }
    }
    Some(Request {
        method,
        path,
        headers,
        body: String::from_utf8(body).ok()?,
    })
}

/// Starts a receiver on an ephemeral port; `script` answers request number `n` (0-based,
/// counted over all connections).
pub fn start(script: Box<Script>) -> Receiver {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let requests: Arc<Mutex<Vec<Request>>> = Arc::default();
    let script: Arc<Script> = Arc::from(script);
    let seen = requests.clone();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(conn) = conn else { continue };
            let seen = seen.clone();
            let script = script.clone();
            std::thread::spawn(move || {
                let mut r = BufReader::new(conn);
                while let Some(req) = read_request(&mut r) {
                    let n = {
                        let mut s = seen.lock().unwrap();
                        s.push(req.clone());
                        s.len() - 1
                    };
                    match script(n, &req) {
                        Answer::Drop => return,
                        Answer::Respond {
                            status,
                            headers,
                            body,
                        } => {
                            let mut out = format!(
                                "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\n",
                                body.len()
                            );
                            for (k, v) in headers {
                                out.push_str(&format!("{k}: {v}\r\n"));
                            }
                            out.push_str("\r\n");
                            out.push_str(&body);
                            if r.get_mut().write_all(out.as_bytes()).is_err() {
                                return;
                            }
                        }
                    }
                }
            });
        }
    });
    Receiver { url, requests }
}

pub fn respond(status: u16, body: &str) -> Answer {
    Answer::Respond {
        status,
        headers: Vec::new(),
        body: body.to_string(),
    }
}

fn endpoint(service: &str, method: &str, path: &str, requests: u64) -> apispm_core::Assessment {
    let t = Tally {
        requests,
        ..Tally::default()
    };
    let labels = Labels {
        classification: Classification::External,
        exposure: Classification::External,
        documented: false,
        spec_validates_input: false,
    };
    let key = EndpointKey {
        service: service.into(),
        method: method.into(),
        path: path.into(),
    };
    assess(&key, &t, &labels, &RiskModel::default())
}

fn finding(source: &str, rule: &str, severity: Severity, url: Option<&str>) -> Finding {
    Finding {
        source: source.into(),
        rule: rule.into(),
        category: Some("API8:2023 Security Misconfiguration".into()),
        severity,
        title: format!("{rule} on {}", url.unwrap_or("the service")),
        detail: "detail".into(),
        api_id: None,
        service: Some("shop".into()),
        method: url.map(|_| "GET".into()),
        path: None,
        url: url.map(Into::into),
        remediation: "fix it".into(),
        location: None,
    }
}

/// `n` endpoints, findings (two of them identical, as ZAP repeats instances), violations
/// and a compliance gap.
pub fn report(n: usize) -> Report {
    let endpoints: Vec<_> = (0..n)
        .map(|i| {
            endpoint(
                "shop",
                "GET",
                &format!("/v1/items{i}/{{id}}"),
                10 + i as u64,
            )
        })
        .collect();
    let violations: Vec<_> = endpoints
        .iter()
        .take(3)
        .flat_map(|a| PolicySet::builtin().evaluate(a))
        .collect();
    let zap = finding(
        "zap",
        "10021",
        Severity::Low,
        Some("https://shop.example.com:8443/v1/items0/7"),
    );
    let findings = vec![
        zap.clone(),
        zap,
        finding("nuclei", "tls-version", Severity::Info, None),
        finding("CodeQL", "py/sql-injection", Severity::High, None),
    ];
    let a = &endpoints[0];
    let gap = ComplianceGap {
        api_id: a.api_id.clone(),
        service: a.service.clone(),
        method: a.method.clone(),
        path: a.path.clone(),
        framework: "PCI DSS v4.0".into(),
        tag: "pci-dss".into(),
        requirement: "PCI DSS v4.0 requirement 4.2.1".into(),
        control: Control::TransportEncryption,
        severity: Severity::Critical,
        description: "Cardholder data is transmitted without TLS".into(),
        remediation: "Serve the endpoint over TLS 1.2+ only".into(),
    };
    build(ReportInput {
        endpoints,
        violations,
        findings,
        compliance_gaps: vec![gap],
        deprecation_candidates: Vec::new(),
        ingest: serde_json::json!({}),
        report_date: "2026-12-04T10:00:00.250Z".into(),
        mttr_days: None,
    })
}

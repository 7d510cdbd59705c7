//! Judging an endpoint: its tally becomes six control results, a sensitive-data summary and a
//! risk score. A control counts as present only when it was seen on every sample; the share
//! of samples it was seen on is kept as `observed_ratio`.

use crate::control::SECURITY_HEADERS;
use crate::risk::ControlInput;
use crate::tally::Location;
use crate::time::format_rfc3339;
use crate::{Classification, Control, EndpointKey, RiskModel, SensitiveType, Severity, Tally};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ControlResult {
    pub name: Control,
    pub present: bool,
    pub required: bool,
    pub severity: Severity,
    pub details: String,
    pub observed_ratio: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SensitiveFinding {
    #[serde(rename = "type")]
    pub kind: SensitiveType,
    pub count: u64,
    pub locations: Vec<Location>,
    /// Redacted, e.g. `****1111`; never the value.
    pub hint: String,
    pub kinds: Vec<String>,
}

/// What the caller knows about an endpoint beyond its traffic: its labels.
#[derive(Clone, Debug, PartialEq)]
pub struct Labels {
    pub classification: Classification,
    /// Who calls it: external, partner or internal.
    pub exposure: Classification,
    pub documented: bool,
    /// The spec declares schemas for this operation's input.
    pub spec_validates_input: bool,
}

/// What an API description says about the operation an endpoint matched.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct OperationFacts {
    pub deprecated: bool,
    pub validates_input: bool,
}

impl Labels {
    /// Labels as the records declared them (seed format), with defaults for the rest:
    /// the riskiest declared classification, else external; documented if any record says so.
    pub fn declared(tally: &Tally) -> Labels {
        Labels::derive(tally, false, None)
    }

    /// Labels from everything known. A classification the records declare (seed format) is
    /// taken as stated. Otherwise the riskiest label that applies: `shadow` when API
    /// descriptions are loaded and none describes the endpoint, `deprecated` when its operation
    /// is marked so or it answers with `Deprecation` or `Sunset`, else its exposure.
    pub fn derive(tally: &Tally, specs_loaded: bool, operation: Option<&OperationFacts>) -> Labels {
        let exposure = crate::exposure::endpoint_exposure(&tally.exposure);
        let documented = tally.declared_documented() == Some(true) || operation.is_some();
        let spec_validates_input = operation.is_some_and(|o| o.validates_input);
        if let Some(declared) = tally.declared_classification() {
            let exposure = match declared {
                Classification::Shadow | Classification::Deprecated => exposure,
                c => c,
            };
            return Labels {
                classification: declared,
                exposure,
                documented,
                spec_validates_input,
            };
        }
        let answered_deprecation = ["deprecation", "sunset"]
            .iter()
            .any(|h| tally.response_headers.get(*h).is_some_and(|n| *n > 0));
        let classification = if specs_loaded && !documented {
            Classification::Shadow
        } else if operation.is_some_and(|o| o.deprecated) || answered_deprecation {
            Classification::Deprecated
        } else {
            exposure
        };
        Labels {
            classification,
            exposure,
            documented,
            spec_validates_input,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Assessment {
    pub api_id: String,
    pub service: String,
    pub host: Option<String>,
    pub method: String,
    pub path: String,
    pub classification: Classification,
    pub exposure: Classification,
    pub documented: bool,
    pub first_discovered: Option<String>,
    pub last_seen: Option<String>,
    pub requests: u64,
    pub security_controls: Vec<ControlResult>,
    pub sensitive_data_types: Vec<SensitiveType>,
    pub sensitive_data: Vec<SensitiveFinding>,
    pub unauthenticated_success: u64,
    pub status_classes: BTreeMap<String, u64>,
    pub risk_score: f64,
    pub risk_level: Severity,
    pub owner: Option<String>,
    pub version: Option<String>,
    pub compliance_tags: Vec<String>,
    /// Mean requests per day over the observed span.
    pub traffic_volume_daily: u64,
    /// Requests per UTC day (`YYYY-MM-DD`).
    pub traffic_daily: BTreeMap<String, u64>,
    /// `Access-Control-Allow-Origin` values answered; `""` stands for "none" on a judged sample.
    #[serde(skip)]
    pub origins: Vec<String>,
    /// Responses that carried each tracked header (lower-case).
    #[serde(skip)]
    pub response_headers: BTreeMap<String, u64>,
    /// No traffic reached the endpoint in the assessed window: this is its last assessment,
    /// carried forward from an earlier snapshot (see the store).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub stale: bool,
}

impl Assessment {
    pub fn control(&self, c: Control) -> Option<&ControlResult> {
        self.security_controls.iter().find(|r| r.name == c)
    }

    pub fn control_present(&self, c: Control) -> bool {
        self.control(c).is_some_and(|r| r.present)
    }

    /// True when every response carried the header (names are case-insensitive).
    pub fn every_response_has(&self, header: &str) -> bool {
        let n = self
            .response_headers
            .get(&header.to_ascii_lowercase())
            .copied()
            .unwrap_or(0);
        self.requests > 0 && n == self.requests
    }
}

/// `1822` -> `1,822`
pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn ratio(k: u64, n: u64) -> f64 {
    if n == 0 { 0.0 } else { k as f64 / n as f64 }
}

fn judged(control: Control, ok: u64, n: u64, what: &str, extra: String) -> (bool, f64, String) {
    let present = n > 0 && ok == n;
    let mut details = if n == 0 {
        "no traffic observed".to_string()
    } else {
        format!("{what} on {} of {} requests", thousands(ok), thousands(n))
    };
    if !extra.is_empty() {
        details.push_str("; ");
        details.push_str(&extra);
    }
    let _ = control;
    (present, ratio(ok, n), details)
}

pub fn assess(key: &EndpointKey, t: &Tally, labels: &Labels, risk: &RiskModel) -> Assessment {
    let n = t.requests;
    let wildcard = t.origins.contains("*");
    let mut controls = Vec::with_capacity(6);
    for c in Control::ALL {
        let (present, observed_ratio, details) = match c {
            Control::Authentication => {
                // Requests refused with 401/403 show the control enforced: they count for it.
                let ok = t.with_credentials + t.refused_without_credentials;
                let (present, ratio, mut details) =
                    judged(c, ok, n, "authentication", String::new());
                if t.refused_without_credentials > 0 {
                    details = format!(
                        "authentication on {} of {} requests: credentials on {}, {} without credentials refused with 401/403",
                        thousands(ok),
                        thousands(n),
                        thousands(t.with_credentials),
                        thousands(t.refused_without_credentials)
                    );
                }
                (present, ratio, details)
            }
            Control::TransportEncryption => judged(c, t.https, n, "HTTPS", String::new()),
            Control::RateLimiting => judged(c, t.rate_limited, n, "rate limiting", String::new()),
            Control::CorsPolicy => {
                let (ok, of, what) = if t.origin_requests > 0 {
                    (
                        t.origin_requests_strict,
                        t.origin_requests,
                        "explicit CORS origin (of requests with Origin)",
                    )
                } else {
                    (t.strict_cors, n, "explicit CORS origin")
                };
                let extra = if t.origins.is_empty() {
                    "No CORS headers".to_string()
                } else {
                    let list: Vec<&str> = t.origins.iter().map(String::as_str).collect();
                    format!("CORS origin: {}", list.join(", "))
                };
                judged(c, ok, of, what, extra)
            }
            Control::SecurityHeaders => {
                let missing: Vec<String> = SECURITY_HEADERS
                    .iter()
                    .zip(t.security_headers)
                    .filter(|(_, k)| *k < n)
                    .map(|(h, k)| format!("{h} ({} of {})", thousands(n - k), thousands(n)))
                    .collect();
                let extra = if missing.is_empty() {
                    String::new()
                } else {
                    format!("Missing headers: {}", missing.join(", "))
                };
                judged(c, t.all_security_headers, n, "all security headers", extra)
            }
            Control::InputValidation => {
                if labels.spec_validates_input {
                    (
                        n > 0,
                        if n > 0 { 1.0 } else { 0.0 },
                        "input schemas declared in the API description".to_string(),
                    )
                } else {
                    judged(c, t.schema_validated, n, "schema validation", String::new())
                }
            }
        };
        controls.push(ControlResult {
            name: c,
            present,
            required: c.required_for(labels.classification),
            severity: c.severity(wildcard),
            details,
            observed_ratio,
        });
    }

    let sensitive_data: Vec<SensitiveFinding> = t
        .sensitive
        .iter()
        .map(|(k, s)| SensitiveFinding {
            kind: *k,
            count: s.count,
            locations: Location::from_bits(s.locations),
            hint: s.hint.clone(),
            kinds: s.kinds.iter().cloned().collect(),
        })
        .collect();
    // Alphabetical by name, as the seed lists them.
    let mut sensitive_data_types: Vec<SensitiveType> = t.sensitive.keys().copied().collect();
    sensitive_data_types.sort_by_key(|k| k.as_str());

    let inputs: Vec<ControlInput> = controls
        .iter()
        .map(|c| ControlInput {
            present: c.present,
            required: c.required,
            severity: c.severity,
        })
        .collect();
    let risk_score = risk.score(
        &inputs,
        labels.classification,
        labels.documented,
        sensitive_data_types.len(),
        &[],
    );

    let mut origins: Vec<String> = t.origins.iter().cloned().collect();
    let judged_without_acao = if t.origin_requests > 0 {
        t.origin_requests_no_acao
    } else {
        t.no_acao
    };
    if judged_without_acao > 0 {
        origins.push(String::new());
    }
    let status_classes = t
        .status_classes
        .iter()
        .enumerate()
        .filter(|(_, k)| **k > 0)
        .map(|(i, k)| {
            (
                if i == 0 {
                    "unknown".to_string()
                } else {
                    format!("{i}xx")
                },
                *k,
            )
        })
        .collect();

    Assessment {
        api_id: key.api_id(),
        service: key.service.clone(),
        host: t.hosts.iter().next().cloned(),
        method: key.method.clone(),
        path: key.path.clone(),
        classification: labels.classification,
        exposure: labels.exposure,
        documented: labels.documented,
        first_discovered: t.first_seen_ms.map(format_rfc3339),
        last_seen: t.last_seen_ms.map(format_rfc3339),
        requests: n,
        security_controls: controls,
        sensitive_data_types,
        sensitive_data,
        unauthenticated_success: t.unauthenticated_success,
        status_classes,
        risk_score,
        risk_level: Severity::from_score(risk_score),
        owner: None,
        version: None,
        compliance_tags: Vec::new(),
        traffic_volume_daily: if n == 0 { 0 } else { t.traffic_volume_daily() },
        traffic_daily: t
            .daily
            .iter()
            .map(|(d, k)| (format_rfc3339(d * 86_400_000)[..10].to_string(), *k))
            .collect(),
        origins,
        response_headers: t.response_headers.clone(),
        stale: false,
    }
}

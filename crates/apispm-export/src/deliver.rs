//! Delivery over HTTP: batches, retries with exponential backoff and jitter, and no
//! duplicates.
//!
//! A batch is retried only when the receiver says it was not taken: HTTP 429, 5xx, or no
//! response at all (refused or dropped connection, timeout). For Elasticsearch, a `200` whose
//! `items` report errors is inspected item by item: only items that failed with 429 or 5xx
//! are sent again, and since every document has a deterministic `_id`, a document sent twice
//! overwrites itself. Splunk HEC has no ids: a batch is re-sent only after a refusal, so a
//! duplicate can only arise when a connection drops after HEC indexed the batch but before it
//! answered; each event carries `event_id` for `dedup` in that case. Authentication,
//! authorization and malformed-request answers (4xx) stop the export at once: retrying
//! cannot fix them.

use crate::Payload;
use std::io::Read;
use std::time::Duration;

/// Which receiver.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Receiver {
    SplunkHec,
    Elastic,
}

/// Credentials for the receiver.
#[derive(Clone, PartialEq, Eq)]
pub enum Auth {
    None,
    /// `Authorization: Splunk <token>`.
    Splunk(String),
    /// `Authorization: ApiKey <key>` (Elasticsearch API key, base64 `id:key`).
    ApiKey(String),
    /// `Authorization: Basic …`.
    Basic {
        user: String,
        password: String,
    },
}

impl std::fmt::Debug for Auth {
    // Never print credentials.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Auth::None => "None",
            Auth::Splunk(_) => "Splunk(***)",
            Auth::ApiKey(_) => "ApiKey(***)",
            Auth::Basic { .. } => "Basic(***)",
        })
    }
}

fn base64(input: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(input.len().div_ceil(3) * 4);
    for chunk in input.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (b[0] as u32) << 16 | (b[1] as u32) << 8 | b[2] as u32;
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(T[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

impl Auth {
    fn header(&self) -> Option<String> {
        match self {
            Auth::None => None,
            Auth::Splunk(t) => Some(format!("Splunk {t}")),
            Auth::ApiKey(k) => Some(format!("ApiKey {k}")),
            Auth::Basic { user, password } => Some(format!(
                "Basic {}",
                base64(format!("{user}:{password}").as_bytes())
            )),
        }
    }
}

/// How to deliver.
#[derive(Clone, Debug)]
pub struct HttpOptions {
    /// The receiver's base URL (`https://splunk:8088`, `https://es:9200`) or its full
    /// endpoint (`…/services/collector/event`, `…/_bulk`).
    pub url: String,
    pub auth: Auth,
    /// Events (HEC) or documents (Elasticsearch) per request.
    pub batch_size: usize,
    /// Attempts per batch, the first included.
    pub max_attempts: u32,
    /// The first retry waits about this long; each further one twice as long.
    pub base_delay: Duration,
    /// No wait is longer, whatever `Retry-After` says.
    pub max_delay: Duration,
    /// Per request.
    pub timeout: Duration,
}

impl Default for HttpOptions {
    fn default() -> Self {
        HttpOptions {
            url: String::new(),
            auth: Auth::None,
            batch_size: 500,
            max_attempts: 6,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
            timeout: Duration::from_secs(60),
        }
    }
}

/// What a delivery did.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct DeliveryReport {
    pub events: usize,
    pub delivered: usize,
    pub batches: usize,
    pub requests: usize,
    pub retries: usize,
    /// Events the receiver refused for good: (id, reason).
    pub rejected: Vec<(String, String)>,
}

#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    #[error("{url}: {reason} ({delivered} of {events} events delivered)")]
    Failed {
        url: String,
        reason: String,
        delivered: usize,
        events: usize,
        report: Box<DeliveryReport>,
    },
    #[error("{0}")]
    Config(String),
}

/// The endpoint to POST to.
pub fn endpoint(receiver: Receiver, url: &str) -> Result<String, DeliveryError> {
    let u = url.trim().trim_end_matches('/');
    if !(u.starts_with("http://") || u.starts_with("https://")) {
        return Err(DeliveryError::Config(format!(
            "--url {url}: expected an http:// or https:// URL"
        )));
    }
    Ok(match receiver {
        Receiver::SplunkHec if u.ends_with("/services/collector/event") => u.to_string(),
        Receiver::SplunkHec if u.ends_with("/services/collector") => format!("{u}/event"),
        Receiver::SplunkHec => format!("{u}/services/collector/event"),
        Receiver::Elastic if u.ends_with("/_bulk") => u.to_string(),
        Receiver::Elastic => format!("{u}/_bulk"),
    })
}

/// A small xorshift generator for jitter: retries of many exporters must not line up, and
/// nothing here needs cryptographic randomness.
struct Jitter(u64);

impl Jitter {
    fn new() -> Jitter {
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0x9e37_79b9, |d| d.as_nanos() as u64);
        Jitter(t ^ (std::process::id() as u64) << 32 | 1)
    }

    fn unit(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Exponential backoff with equal jitter: half the step for sure, the other half at random;
/// at least what `Retry-After` asked for, at most `max_delay`.
fn backoff(o: &HttpOptions, retry: u32, retry_after: Option<Duration>, j: &mut Jitter) -> Duration {
    let step = o
        .base_delay
        .saturating_mul(1u32 << retry.min(16))
        .min(o.max_delay);
    let d = step / 2 + step.mul_f64(j.unit() / 2.0);
    d.max(retry_after.unwrap_or_default()).min(o.max_delay)
}

enum Outcome {
    /// Every event taken.
    Done,
    /// Some taken; these positions (within the batch) to retry, those refused for good.
    Partial {
        retry: Vec<usize>,
        rejected: Vec<(usize, String)>,
    },
    /// Nothing taken; try the batch again.
    Retry {
        reason: String,
        retry_after: Option<Duration>,
    },
    /// Stop the export.
    Fatal(String),
}

fn body_of(batch: &[&Payload], receiver: Receiver) -> String {
    let mut body = String::with_capacity(batch.iter().map(|p| p.text.len() + 1).sum());
    for p in batch {
        body.push_str(&p.text);
        if receiver == Receiver::SplunkHec {
            body.push('\n');
        }
    }
    body
}

/// The first bytes of a response, for messages; never the request.
fn snippet(s: &str) -> String {
    let s = s.trim();
    match s.char_indices().nth(200) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

fn post(
    agent: &ureq::Agent,
    url: &str,
    receiver: Receiver,
    auth: &Auth,
    batch: &[&Payload],
) -> Outcome {
    let mut req = agent.post(url).header(
        "Content-Type",
        match receiver {
            Receiver::SplunkHec => "application/json",
            Receiver::Elastic => "application/x-ndjson",
        },
    );
    if let Some(h) = auth.header() {
        req = req.header("Authorization", h);
    }
    let mut resp = match req.send(body_of(batch, receiver)) {
        Ok(r) => r,
        Err(e) => {
            return Outcome::Retry {
                reason: format!("no response: {e}"),
                retry_after: None,
            };
        }
    };
    let status = resp.status().as_u16();
    let retry_after = resp
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs);
    let mut text = String::new();
    let read = resp
        .body_mut()
        .with_config()
        .limit(256 * 1024 * 1024)
        .reader()
        .read_to_string(&mut text);
    if let Err(e) = read {
        return Outcome::Retry {
            reason: format!("HTTP {status}, response body unreadable: {e}"),
            retry_after,
        };
    }
    match status {
        200..=299 => match receiver {
            Receiver::SplunkHec => Outcome::Done,
            Receiver::Elastic => bulk_items_outcome(&text, batch.len()),
        },
        429 | 500..=599 => Outcome::Retry {
            reason: format!("HTTP {status}: {}", snippet(&text)),
            retry_after,
        },
        _ => Outcome::Fatal(format!("HTTP {status}: {}", snippet(&text))),
    }
}

/// Reads a `_bulk` response: which items failed, and whether retrying can help.
fn bulk_items_outcome(text: &str, n: usize) -> Outcome {
    let v: serde_json::Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            return Outcome::Fatal(format!(
                "the _bulk response is not JSON ({e}): {}",
                snippet(text)
            ));
        }
    };
    if v.get("errors").and_then(serde_json::Value::as_bool) != Some(true) {
        return Outcome::Done;
    }
    let Some(items) = v.get("items").and_then(serde_json::Value::as_array) else {
        return Outcome::Fatal("the _bulk response reports errors but no items".into());
    };
    if items.len() != n {
        return Outcome::Fatal(format!(
            "the _bulk response has {} items for {n} documents",
            items.len()
        ));
    }
    let mut retry = Vec::new();
    let mut rejected = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let Some(result) = item.as_object().and_then(|o| o.values().next()) else {
            continue;
        };
        let status = result.get("status").and_then(serde_json::Value::as_u64);
        match status {
            Some(200..=299) => {}
            Some(429) | Some(500..=599) => retry.push(i),
            other => {
                let why = result
                    .get("error")
                    .map(|e| {
                        let t = e.get("type").and_then(|x| x.as_str()).unwrap_or("error");
                        let r = e.get("reason").and_then(|x| x.as_str()).unwrap_or("");
                        format!("{t}: {}", snippet(r))
                    })
                    .unwrap_or_else(|| "refused".into());
                rejected.push((
                    i,
                    format!(
                        "status {}: {why}",
                        other.map_or("?".to_string(), |s| s.to_string())
                    ),
                ));
            }
        }
    }
    if retry.is_empty() && rejected.is_empty() {
        Outcome::Done
    } else {
        Outcome::Partial { retry, rejected }
    }
}

/// POSTs every payload in batches. Returns when all were taken (or refused for good, which
/// the report lists); fails when a batch stays unaccepted after every attempt, or on an
/// answer retrying cannot fix.
pub fn deliver(
    receiver: Receiver,
    payloads: &[Payload],
    o: &HttpOptions,
) -> Result<DeliveryReport, DeliveryError> {
    if o.batch_size == 0 || o.max_attempts == 0 {
        return Err(DeliveryError::Config(
            "batch size and attempts must be at least 1".into(),
        ));
    }
    let url = endpoint(receiver, &o.url)?;
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .timeout_global(Some(o.timeout))
        .user_agent(concat!("apispm/", env!("CARGO_PKG_VERSION")))
        .build()
        .into();
    let mut jitter = Jitter::new();
    let mut report = DeliveryReport {
        events: payloads.len(),
        ..DeliveryReport::default()
    };
    let fail = |report: &DeliveryReport, reason: String| DeliveryError::Failed {
        url: url.clone(),
        reason,
        delivered: report.delivered,
        events: report.events,
        report: Box::new(report.clone()),
    };
    for chunk in payloads.chunks(o.batch_size) {
        report.batches += 1;
        let mut batch: Vec<&Payload> = chunk.iter().collect();
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            report.requests += 1;
            let (retry_after, reason) = match post(&agent, &url, receiver, &o.auth, &batch) {
                Outcome::Done => {
                    report.delivered += batch.len();
                    break;
                }
                Outcome::Fatal(reason) => return Err(fail(&report, reason)),
                Outcome::Partial { retry, rejected } => {
                    report.delivered += batch.len() - retry.len() - rejected.len();
                    for (i, why) in rejected {
                        report.rejected.push((batch[i].id.clone(), why));
                    }
                    if retry.is_empty() {
                        break;
                    }
                    batch = retry.into_iter().map(|i| batch[i]).collect();
                    (
                        None,
                        format!("{} document(s) refused with 429/5xx", batch.len()),
                    )
                }
                Outcome::Retry {
                    reason,
                    retry_after,
                } => (retry_after, reason),
            };
            if attempt >= o.max_attempts {
                return Err(fail(
                    &report,
                    format!("gave up after {attempt} attempts: {reason}"),
                ));
            }
            report.retries += 1;
            std::thread::sleep(backoff(o, attempt - 1, retry_after, &mut jitter));
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc_4648() {
        for (i, o) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(i.as_bytes()), o);
        }
        assert_eq!(
            Auth::Basic {
                user: "elastic".into(),
                password: "changeme".into()
            }
            .header()
            .unwrap(),
            "Basic ZWxhc3RpYzpjaGFuZ2VtZQ=="
        );
        assert_eq!(
            format!("{:?}", Auth::Splunk("secret".into())),
            "Splunk(***)"
        );
    }

    #[test]
    fn endpoints() {
        let e = |r, u| endpoint(r, u).unwrap();
        assert_eq!(
            e(Receiver::SplunkHec, "https://s:8088/"),
            "https://s:8088/services/collector/event"
        );
        assert_eq!(
            e(Receiver::SplunkHec, "https://s:8088/services/collector"),
            "https://s:8088/services/collector/event"
        );
        assert_eq!(
            e(Receiver::Elastic, "http://es:9200"),
            "http://es:9200/_bulk"
        );
        assert_eq!(
            e(Receiver::Elastic, "http://es:9200/_bulk"),
            "http://es:9200/_bulk"
        );
        assert!(endpoint(Receiver::Elastic, "es:9200").is_err());
    }

    #[test]
    fn backoff_grows_with_jitter_and_caps() {
        let o = HttpOptions {
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(2),
            ..HttpOptions::default()
        };
        let mut j = Jitter::new();
        for retry in 0..8 {
            let step = Duration::from_millis(100 * (1 << retry)).min(o.max_delay);
            let d = backoff(&o, retry, None, &mut j);
            assert!(d >= step / 2 && d <= step, "{retry}: {d:?}");
        }
        let d = backoff(&o, 0, Some(Duration::from_secs(1)), &mut j);
        assert_eq!(d, Duration::from_secs(1));
        let d = backoff(&o, 0, Some(Duration::from_secs(600)), &mut j);
        assert_eq!(d, o.max_delay);
    }

    #[test]
    fn bulk_responses() {
        assert!(matches!(
            bulk_items_outcome(r#"{"errors":false,"items":[]}"#, 2),
            Outcome::Done
        ));
        let r = r#"{"errors":true,"items":[
            {"index":{"_id":"a","status":201}},
            {"index":{"_id":"b","status":429,"error":{"type":"es_rejected_execution_exception"}}},
            {"index":{"_id":"c","status":400,"error":{"type":"mapper_parsing_exception","reason":"bad"}}},
            {"index":{"_id":"d","status":503}}]}"#;
        match bulk_items_outcome(r, 4) {
            Outcome::Partial { retry, rejected } => {
                assert_eq!(retry, vec![1, 3]);
                assert_eq!(rejected.len(), 1);
                assert!(rejected[0].1.contains("mapper_parsing_exception"));
            }
            _ => panic!("partial expected"),
        }
        assert!(matches!(bulk_items_outcome("<html>", 1), Outcome::Fatal(_)));
        assert!(matches!(
            bulk_items_outcome(r#"{"errors":true,"items":[]}"#, 1),
            Outcome::Fatal(_)
        ));
    }
}

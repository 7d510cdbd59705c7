//! Splunk HTTP Event Collector events: `{"time", "host", "source", "sourcetype", "index",
//! "event"}`, one per record, sent to `/services/collector/event` as concatenated JSON objects
//! (one per line), which is how HEC takes batches.

use crate::Payload;
use crate::records::Record;
use serde_json::{Map, Value, json};
use std::borrow::Borrow;

/// The HEC envelope's fields.
#[derive(Clone, Debug)]
pub struct HecOptions {
    /// `index`; omitted when `None`, so the token's default index applies.
    pub index: Option<String>,
    /// One sourcetype for every event; `None` gives `apispm:<kind>` (`apispm:finding`, …).
    pub sourcetype: Option<String>,
    pub source: String,
    /// `host` of events not about one endpoint (the summary).
    pub host: String,
}

impl Default for HecOptions {
    fn default() -> Self {
        HecOptions {
            index: None,
            sourcetype: None,
            source: "apispm".into(),
            host: "apispm".into(),
        }
    }
}

/// One HEC event per record.
pub fn hec_events<R: Borrow<Record>>(
    records: impl IntoIterator<Item = R>,
    o: &HecOptions,
) -> Vec<Payload> {
    records
        .into_iter()
        .map(|r| hec_event(r.borrow(), o))
        .collect()
}

/// The HEC event of one record.
pub fn hec_event(r: &Record, o: &HecOptions) -> Payload {
    let mut event: Map<String, Value> = r.body.clone();
    event.insert("event_id".into(), json!(r.id));
    let mut e = Map::new();
    // HEC's time is epoch seconds; milliseconds as the fraction.
    e.insert("time".into(), json!(r.time_ms as f64 / 1000.0));
    e.insert(
        "host".into(),
        json!(r.host.clone().unwrap_or_else(|| o.host.clone())),
    );
    e.insert("source".into(), json!(o.source));
    e.insert(
        "sourcetype".into(),
        json!(
            o.sourcetype
                .clone()
                .unwrap_or_else(|| format!("apispm:{}", r.kind.as_str()))
        ),
    );
    if let Some(i) = &o.index {
        e.insert("index".into(), json!(i));
    }
    e.insert("event".into(), Value::Object(event));
    Payload {
        id: r.id.clone(),
        text: serde_json::to_string(&Value::Object(e)).expect("an event serializes"),
    }
}

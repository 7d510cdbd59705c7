//! Posture reports as SIEM events, so that API risk sits next to the rest of a security
//! team's telemetry.
//!
//! A [`Report`] (from a scan, or a stored snapshot) becomes [`records`]: a summary, one record
//! per endpoint assessment, finding, policy violation and compliance gap, each with a
//! deterministic id. [`hec_events`] wraps them as Splunk HTTP Event Collector events and
//! [`bulk_items`] as Elasticsearch `_bulk` actions with Elastic Common Schema documents. Either
//! is written to a file ([`write_payloads`]) or POSTed in batches by [`deliver`], which retries
//! refused batches with exponential backoff and jitter and never sends an accepted event
//! twice (see [`deliver`](mod@deliver) for the exact guarantees per receiver). The crate does
//! network I/O only in [`deliver`] and file I/O only through the writer it is given.

pub mod deliver;
mod elastic;
mod hec;
mod records;

pub use apispm_report::Report;
pub use deliver::{Auth, DeliveryError, DeliveryReport, HttpOptions, Receiver, deliver};
pub use elastic::{ElasticOptions, bulk_item, bulk_items, ecs_severity};
pub use hec::{HecOptions, hec_event, hec_events};
pub use records::{Kind, Record, records, records_iter};

/// One unit of delivery: a HEC event, or a `_bulk` action with its document. Never split.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Payload {
    /// The record's deterministic id.
    pub id: String,
    /// The JSON text; for `_bulk`, the action line and the document line, each ending in a
    /// newline.
    pub text: String,
}

/// Writes payloads as a stream: one HEC event per line, or `_bulk` NDJSON (which already
/// ends every line with a newline).
pub fn write_payloads(payloads: &[Payload], out: &mut dyn std::io::Write) -> std::io::Result<()> {
    for p in payloads {
        out.write_all(p.text.as_bytes())?;
        if !p.text.ends_with('\n') {
            out.write_all(b"\n")?;
        }
    }
    out.flush()
}

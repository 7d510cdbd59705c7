//! The analysis core of apispm, free of I/O.
//!
//! Readers turn gateway logs into [`Exchange`]s; an [`Observer`] folds each exchange into the
//! [`Tally`] of its endpoint inside an [`Inventory`]. Tallies are commutative counters, so
//! inventories built on different threads, files or machines merge into the same state in any
//! order. [`assess`](assessment::assess) turns a tally into an [`Assessment`]: the six security
//! [`Control`]s judged over every sample, the sensitive data seen, and the seed's risk score
//! ([`RiskModel`]). [`metrics`] computes the dashboard figures from a set of assessments.
//! Everything here is deterministic and testable without files, clocks or networks.

pub mod assessment;
pub mod classification;
pub mod compliance;
pub mod control;
pub mod exchange;
pub mod exposure;
pub mod finding;
pub mod inventory;
pub mod lifecycle;
pub mod metrics;
pub mod risk;
pub mod severity;
pub mod tally;
pub mod time;

pub use apispm_detect::{Detection, Detector, SensitiveType};
pub use assessment::{
    Assessment, ControlResult, Labels, OperationFacts, SensitiveFinding, assess, thousands,
};
pub use classification::Classification;
pub use control::Control;
pub use exchange::{Declared, Exchange, ExchangeSink, Headers};
pub use finding::{Finding, SourceLocation};
pub use inventory::{EndpointKey, Inventory, api_id};
pub use metrics::{Metric, metrics};
pub use risk::{RiskModel, round1};
pub use severity::Severity;
pub use tally::{Location, Observer, SensitiveTally, Tally};

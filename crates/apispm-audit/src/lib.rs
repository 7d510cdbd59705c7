//! Shift-left checks on API descriptions: what an OpenAPI document alone shows about an API's
//! security, before any traffic exists. [`audit`] runs rules for the OWASP API Security Top 10
//! (2023) over Swagger 2.0 and OpenAPI 3.0/3.1 documents: the 32 rules of Stoplight's Spectral
//! OWASP ruleset under the same ids (so ignore lists carry over), and apispm's own rules
//! (`apispm:`) for anonymous operations, plain-HTTP servers, unbounded input and sensitive
//! fields in responses. Each finding is an [`apispm_core::Finding`] located by JSON pointer,
//! line and column in the source file, JSON or YAML. An `x-apispm-ignore` entry in the
//! document silences a rule at a node and below, with a required reason; silenced findings
//! are kept and counted, not dropped. [`Baseline`] grandfathers known findings for CI gates,
//! and [`spec_diff`] reports the security-relevant drift between two versions of a document.
//! The crate is pure: text in, values and strings out.

mod audit;
mod baseline;
mod diff;
mod document;
mod locate;
mod owasp;
mod own;
pub mod pointer;
mod render;
mod rules;

pub use audit::{AuditOutcome, SOURCE, Suppressed, audit, audit_all, audit_document};
pub use baseline::{Baseline, BaselineError, fingerprint};
pub use diff::{ChangeKind, Side, SpecChange, SpecDiff, render_diff, spec_diff};
pub use document::{AuditError, Ignore, SpecDocument};
pub use locate::{Position, locate};
pub use render::{Format, render};
pub use rules::{Rule, rule, rules};

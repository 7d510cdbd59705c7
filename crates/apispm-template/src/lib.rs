//! Path template inference for API traffic with no spec: the scan reads gateway logs of concrete
//! URLs (`/users/12345/orders`) and needs each endpoint's template (`/users/{id}/orders`) to
//! build its inventory. Each worker feeds its own [`Learner`], which types segments that are
//! identifiers on their own (integers, UUIDs, hashes, dates, emails, opaque and prefixed ids; see
//! [`segment_kind`]) and keeps a bounded prefix tree per scope (API) of what it saw; learners
//! merge commutatively, and [`Learner::finish`] decides once, from all the evidence, which
//! positions are parameters: those whose word-like values are many and rarely repeated
//! (user names, repository names) or too numerous to be constants, keeping recurring constant
//! siblings (`/videos/convert_video` beside `/videos/{id}`), versions and fixed segments
//! literal. The resulting [`Templater`] re-keys the per-endpoint aggregates. No I/O here.
//!
//! # Decisions and thresholds ([`Config`])
//! * A node keeps up to 256 distinct children exactly; with more it saturates (a count-min
//!   sketch of the values plus one merged subtree). No real API has that many constant
//!   siblings (60 at most in GitHub's and Stripe's descriptions), so a saturated position is a
//!   parameter; values with ≥ 2 % of its traffic (and ≥ 3 requests) stay constants.
//! * Below that, a position is a parameter on word-like values when either
//!   - the number of *rare* values (seen ≤ 2 times, Good-Turing's evidence of an open value
//!     space) reaches `max(4, 0.5·√traffic)`: constants recur (every request to an endpoint
//!     carries them), names mostly do not, and the square root lets a busy parent with a few
//!     rarely used constant children (`/admin/…`) stay constant; or
//!   - the siblings' subtrees repeat one another: the relative templates below them occur
//!     under ≥ 2.5 siblings on average (constant siblings in real descriptions share at most
//!     2.0, typically 1.1-1.5). This catches small value pools, heavy users and enumerated
//!     path parameters (`/packages/{npm|maven|…}/{name}/versions`).
//!
//!   Beside such a parameter, a value stays a constant when it is not one of the repeating
//!   siblings, has ≥ 3 requests, ≥ 6× the median count and ≥ 1 % of the traffic.
//! * Beside a typed parameter (`/videos/{id}`), literals seen once or twice are ids of another
//!   shape; recurring ones (`/videos/convert_video`) stay constants.
//! * A lone one- or two-digit integer or a lone date that every request at its position
//!   carries (≥ 3 times) is fixed (`/api/2/`, `/2015-03-31/`); any second value makes it a
//!   parameter. Versions (`v1`, `1.0`, `v4.0`) are never templated; scopes (hosts) are keys.
//! * Names: the typed kind that dominates the position (`{id}`, `{uuid}`, `{date}`…), else the
//!   singular of the literal before it (`/users/{user}`), else `{name}`; repeated names along
//!   one template get a number (`{id2}`).
//!
//! # Memory
//! Per learner: at most `max_bytes` (64 MiB by default, estimated and enforced on every call
//! by saturating the open nodes with the most children), `max_scopes` separate scopes, paths
//! learned to `max_depth` segments. See [`Learner::memory_estimate`].

mod learner;
mod persist;
mod segment;
mod sketch;
mod templater;

pub use learner::{Config, Learner};
pub use persist::DecodeError;
pub use segment::{SegmentKind, segment_kind};
pub use templater::Templater;

#[cfg(test)]
mod tests;

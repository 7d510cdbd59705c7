//! The gateway readers on the corpus samples (copied under `tests/fixtures/`, sources in the
//! README of each folder) and on constructed variants: exact record counts, field mapping,
//! refusals with a reason, format sniffing, and no panic on any input.

mod apigee;
mod aws_apigw;
mod envoy;
mod envoy_json;
mod har;
mod kong;
mod nginx;
mod no_panic;
mod perf;
mod sniffing;
mod support;

//! One module per log format. Each maps one record (a line, or one object of a JSON array or
//! document) onto [`apispm_core::Exchange`], and has a `looks_like` sniffer for `auto`.

pub mod apigee;
pub mod aws_apigw;
pub mod common;
pub mod envoy;
pub mod envoy_json;
pub mod har;
pub mod json;
pub mod kong;
pub mod nginx;
pub mod seed;

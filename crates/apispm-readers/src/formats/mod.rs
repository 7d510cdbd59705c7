//! One module per log format. Each maps its records onto [`apispm_core::Exchange`].

pub mod json;
pub mod seed;

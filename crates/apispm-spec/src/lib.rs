//! OpenAPI documents for apispm: what the API owner says exists, set against what traffic shows.
//! [`load`] reads a Swagger 2.0 or OpenAPI 3.0/3.1 document (JSON or YAML, AWS API Gateway
//! exports included) into a [`Spec`] that keeps only what the rest of apispm needs: servers,
//! and per operation its method, template, deprecation, owner, input validation, security,
//! parameters, responses and where it sits in the file. A [`Matcher`] built over the loaded
//! specs tells which documented operation a request is for, so that the inventory can mark
//! endpoints documented, shadow (no operation) or deprecated (a deprecated operation still
//! called), and [`generate`] writes the observed endpoints back out as OpenAPI 3.1 so that
//! shadow APIs can be documented. The crate is pure: text in, values out, no I/O.

mod document;
mod error;
mod generate;
mod lines;
mod load;
mod matcher;
mod model;
mod parse;
mod path;
mod server;

pub use document::{Document, SourceFormat, parse_document};
pub use error::SpecError;
pub use generate::{ObservedEndpoint, generate};
pub use load::load;
pub use matcher::{Match, Matcher};
pub use model::{Operation, Server, Spec};

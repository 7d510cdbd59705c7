//! The parsed document itself, for readers that need more of it than [`crate::Spec`] keeps:
//! the static audit walks every schema, and the spec diff compares two versions node by node.
//! Parsing, the YAML quirks and the refusals are exactly those of [`crate::load`].

use crate::SpecError;
use crate::load::{kind, sniff};
use crate::parse::{self, Format};
use serde_json::Value;

/// Which syntax the text was written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SourceFormat {
    Json,
    Yaml,
}

/// An OpenAPI document as a JSON value, with what a reader needs to interpret it.
#[derive(Clone, Debug, PartialEq)]
pub struct Document {
    pub root: Value,
    pub format: SourceFormat,
    /// `swagger` or `openapi` as written: "2.0", "3.0.3", "3.1.0".
    pub openapi: String,
}

impl Document {
    /// Swagger 2.0.
    pub fn is_v2(&self) -> bool {
        !self.openapi.starts_with('3')
    }

    /// OpenAPI 3.0.x (3.1 changed the schema dialect: type arrays, `unevaluatedProperties`).
    pub fn is_v3_0(&self) -> bool {
        self.openapi.starts_with("3.0") || self.openapi == "3"
    }

    pub fn is_v3_1(&self) -> bool {
        self.openapi.starts_with('3') && !self.is_v3_0()
    }
}

/// Parses a Swagger 2.0 or OpenAPI 3.x document, JSON or YAML, refusing what [`crate::load`]
/// refuses (empty text, syntax errors with their line, other formats and versions).
pub fn parse_document(text: &str, source: &str) -> Result<Document, SpecError> {
    let (root, format) = parse::parse(text, source)?;
    let Some(obj) = root.as_object() else {
        return Err(SpecError::NotOpenApi {
            origin: source.to_string(),
            reason: format!("the top level is {}, not a mapping", kind(&root)),
        });
    };
    let (_, openapi) = sniff(obj, source)?;
    Ok(Document {
        root,
        format: match format {
            Format::Json => SourceFormat::Json,
            Format::Yaml => SourceFormat::Yaml,
        },
        openapi,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_and_formats() {
        let d = parse_document("{\"swagger\": \"2.0\", \"paths\": {}}", "a.json").unwrap();
        assert!(d.is_v2() && d.format == SourceFormat::Json);
        let d = parse_document("openapi: 3.0.3\npaths: {}\n", "a.yaml").unwrap();
        assert!(d.is_v3_0() && !d.is_v3_1() && d.format == SourceFormat::Yaml);
        let d = parse_document("openapi: 3.1.0\n", "a.yaml").unwrap();
        assert!(d.is_v3_1() && !d.is_v2());
        assert!(parse_document("a: 1", "x").is_err());
        assert!(parse_document("- 1", "x").is_err());
    }
}

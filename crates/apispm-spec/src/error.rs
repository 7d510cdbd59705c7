//! Why a document was refused.

/// A document that cannot be used as a spec. Each variant names the document (`origin`, the
/// `source` given to [`crate::load`]) so that a message read alone says which `--spec` failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpecError {
    #[error("{origin}: empty document")]
    Empty { origin: String },
    #[error("{origin}:{line}:{column}: not valid JSON: {message}")]
    Json {
        origin: String,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{origin}: not valid YAML: {message}")]
    Yaml {
        origin: String,
        line: Option<usize>,
        column: Option<usize>,
        message: String,
    },
    #[error("{origin}: not an OpenAPI document: {reason}")]
    NotOpenApi { origin: String, reason: String },
    #[error(
        "{origin}: unsupported version `{version}` (Swagger 2.0 and OpenAPI 3.x are supported)"
    )]
    UnsupportedVersion { origin: String, version: String },
}

impl SpecError {
    /// 1-based line of the fault, when the parser gave one.
    pub fn line(&self) -> Option<usize> {
        match self {
            SpecError::Json { line, .. } => Some(*line),
            SpecError::Yaml { line, .. } => *line,
            _ => None,
        }
    }

    /// 1-based column of the fault, when the parser gave one.
    pub fn column(&self) -> Option<usize> {
        match self {
            SpecError::Json { column, .. } => Some(*column),
            SpecError::Yaml { column, .. } => *column,
            _ => None,
        }
    }
}

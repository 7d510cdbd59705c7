//! Load-time errors. Every refusal names the file and a 1-based line (and the column when it
//! is known), because a policy file is edited by hand and the fix starts at that spot.

use std::fmt;

/// A policy file that cannot be used. Displays as `FILE:LINE:COL: reason` (or `FILE:LINE:
/// reason` when only the line is known), the shape compilers use, so editors and CI logs
/// turn it into a link.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}: {reason}", Position { file, line: *line, column: *column })]
pub struct PolicyError {
    /// The file name exactly as the caller passed it.
    pub file: String,
    /// 1-based.
    pub line: usize,
    /// 1-based, in characters.
    pub column: Option<usize>,
    pub reason: String,
}

struct Position<'a> {
    file: &'a str,
    line: usize,
    column: Option<usize>,
}

impl fmt::Display for Position<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.column {
            Some(c) => write!(f, "{}:{}:{}", self.file, self.line, c),
            None => write!(f, "{}:{}", self.file, self.line),
        }
    }
}

impl PolicyError {
    pub fn new(file: &str, line: usize, column: Option<usize>, reason: impl Into<String>) -> Self {
        PolicyError {
            file: file.to_string(),
            line: line.max(1),
            column,
            reason: reason.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_with_and_without_column() {
        let e = PolicyError::new("p.yaml", 7, Some(16), "unknown control `authn`");
        assert_eq!(e.to_string(), "p.yaml:7:16: unknown control `authn`");
        let e = PolicyError::new("p.yaml", 3, None, "empty rule");
        assert_eq!(e.to_string(), "p.yaml:3: empty rule");
        // line 0 never appears: editors treat it as invalid
        assert_eq!(PolicyError::new("f", 0, None, "x").line, 1);
    }
}

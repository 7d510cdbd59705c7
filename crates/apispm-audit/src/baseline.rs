//! Baselines: findings a team has accepted for now, so that a CI gate fails only on new ones.
//!
//! A finding is known by a fingerprint that survives edits elsewhere in the file: its rule and
//! where it is, as the file's base name and the JSON pointer (no line numbers), or the endpoint
//! it is about. The file is JSON, sorted, one readable entry per finding, so that changes to it
//! review well in a pull request.

use apispm_core::Finding;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::path::Path;

/// The fingerprints of accepted findings.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Baseline {
    entries: BTreeSet<String>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct BaselineFile {
    version: u32,
    #[serde(default)]
    generator: Option<String>,
    fingerprints: Vec<String>,
}

/// A baseline file that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}:{column}: not a baseline file: {message}")]
pub struct BaselineError {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// The stable identity of a finding: `rule|file#pointer` for findings in a document,
/// `rule|api_id` (or the endpoint's service, method and path) for findings about endpoints.
pub fn fingerprint(f: &Finding) -> String {
    let anchor = match &f.location {
        Some(loc) => {
            let base = Path::new(&loc.file)
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| loc.file.clone());
            match &loc.pointer {
                Some(p) => format!("{base}#{p}"),
                None => format!("{base}#{}", f.detail),
            }
        }
        None => match &f.api_id {
            Some(id) => id.clone(),
            None => format!(
                "{} {} {}",
                f.service.as_deref().unwrap_or(""),
                f.method.as_deref().unwrap_or(""),
                f.path.as_deref().or(f.url.as_deref()).unwrap_or("")
            ),
        },
    };
    format!("{}|{anchor}", f.rule)
}

impl Baseline {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn from_json(text: &str, file: &str) -> Result<Baseline, BaselineError> {
        let parsed: BaselineFile = serde_json::from_str(text).map_err(|e| BaselineError {
            file: file.to_string(),
            line: e.line(),
            column: e.column(),
            message: match e.to_string().rfind(" at line ") {
                Some(i) => e.to_string()[..i].to_string(),
                None => e.to_string(),
            },
        })?;
        if parsed.version != 1 {
            return Err(BaselineError {
                file: file.to_string(),
                line: 1,
                column: 1,
                message: format!(
                    "unsupported version {} (this apispm writes 1)",
                    parsed.version
                ),
            });
        }
        Ok(Baseline {
            entries: parsed.fingerprints.into_iter().collect(),
        })
    }

    pub fn to_json(&self) -> String {
        let file = BaselineFile {
            version: 1,
            generator: Some(format!("apispm {}", env!("CARGO_PKG_VERSION"))),
            fingerprints: self.entries.iter().cloned().collect(),
        };
        let mut s = serde_json::to_string_pretty(&file).expect("a baseline serializes");
        s.push('\n');
        s
    }

    pub fn insert(&mut self, fingerprint: String) {
        self.entries.insert(fingerprint);
    }

    pub fn contains(&self, fingerprint: &str) -> bool {
        self.entries.contains(fingerprint)
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use apispm_core::{Severity, SourceLocation};

    fn finding(file: &str, pointer: &str, line: u32) -> Finding {
        Finding {
            source: "apispm-audit".into(),
            rule: "owasp:api4:2023-rate-limit".into(),
            category: None,
            severity: Severity::Medium,
            title: "t".into(),
            detail: "d".into(),
            api_id: None,
            service: None,
            method: None,
            path: None,
            url: None,
            remediation: String::new(),
            location: Some(SourceLocation {
                file: file.into(),
                pointer: Some(pointer.into()),
                line,
                column: 3,
            }),
        }
    }

    #[test]
    fn fingerprints_ignore_lines_and_folders() {
        let a = finding("specs/petstore.yaml", "/paths/~1pets/get/responses/200", 10);
        let b = finding(
            "/ci/checkout/specs/petstore.yaml",
            "/paths/~1pets/get/responses/200",
            42,
        );
        assert_eq!(fingerprint(&a), fingerprint(&b));
        assert_eq!(
            fingerprint(&a),
            "owasp:api4:2023-rate-limit|petstore.yaml#/paths/~1pets/get/responses/200"
        );
        let c = finding("petstore.yaml", "/paths/~1pets/post/responses/200", 10);
        assert_ne!(fingerprint(&a), fingerprint(&c));
    }

    #[test]
    fn round_trip_and_errors() {
        let mut b = Baseline::new();
        b.insert("r|x#/a".into());
        b.insert("r|x#/b".into());
        let back = Baseline::from_json(&b.to_json(), "b.json").unwrap();
        assert_eq!(back, b);
        assert!(back.contains("r|x#/a") && !back.contains("r|x#/c"));
        let e = Baseline::from_json("{\n \"version\": 1,\n \"fingerprint\": []\n}", "b.json")
            .unwrap_err();
        assert!(e.to_string().starts_with("b.json:3:"), "{e}");
        assert!(Baseline::from_json("{\"version\": 2, \"fingerprints\": []}", "b").is_err());
    }
}

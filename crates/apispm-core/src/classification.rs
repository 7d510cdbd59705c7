use serde::{Deserialize, Serialize};
use std::fmt;

/// The seed's `APIClassification`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Classification {
    External,
    Internal,
    Partner,
    Shadow,
    Deprecated,
}

impl Classification {
    /// In the seed's declaration order, which is also the report's key order.
    pub const ALL: [Classification; 5] = [
        Classification::External,
        Classification::Internal,
        Classification::Partner,
        Classification::Shadow,
        Classification::Deprecated,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Classification::External => "external",
            Classification::Internal => "internal",
            Classification::Partner => "partner",
            Classification::Shadow => "shadow",
            Classification::Deprecated => "deprecated",
        }
    }

    pub fn parse(s: &str) -> Option<Classification> {
        match s {
            "external" => Some(Classification::External),
            "internal" => Some(Classification::Internal),
            "partner" => Some(Classification::Partner),
            "shadow" => Some(Classification::Shadow),
            "deprecated" => Some(Classification::Deprecated),
            _ => None,
        }
    }

    /// Higher is riskier. When several labels apply, the riskiest one is the endpoint's
    /// classification: shadow, then deprecated, external, partner, internal.
    pub fn riskiness(self) -> u8 {
        match self {
            Classification::Shadow => 5,
            Classification::Deprecated => 4,
            Classification::External => 3,
            Classification::Partner => 2,
            Classification::Internal => 1,
        }
    }

    pub fn bit(self) -> u8 {
        1 << (self as u8)
    }

    /// The riskiest label in a bit set built with [`Classification::bit`].
    pub fn riskiest_of(bits: u8) -> Option<Classification> {
        Classification::ALL
            .into_iter()
            .filter(|c| bits & c.bit() != 0)
            .max_by_key(|c| c.riskiness())
    }
}

impl fmt::Display for Classification {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

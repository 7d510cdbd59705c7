use crate::formats;
use apispm_core::Exchange;
use serde::Serialize;
use std::fmt;
use std::str::FromStr;

/// A record the reader could not use, by line (1-based) within its file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RecordError {
    pub line: u64,
    pub reason: String,
}

/// The log formats apispm reads. `Auto` sniffs each file's content.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum LogFormat {
    Auto,
    Seed,
}

impl LogFormat {
    pub const NAMES: [&'static str; 2] = ["auto", "seed"];

    pub fn as_str(self) -> &'static str {
        match self {
            LogFormat::Auto => "auto",
            LogFormat::Seed => "seed",
        }
    }

    /// Parses one line-oriented record.
    pub fn parse_line<'a>(self, line: &'a [u8]) -> Result<Exchange<'a>, String> {
        match self {
            LogFormat::Seed => formats::seed::parse(line),
            LogFormat::Auto => Err("format not detected".into()),
        }
    }

    /// Guesses the format from the start of a file: the first non-blank line.
    pub fn sniff(head: &[u8]) -> Option<LogFormat> {
        let line = head
            .split(|b| *b == b'\n')
            .map(|l| l.trim_ascii())
            .find(|l| !l.is_empty())?;
        if line.first() == Some(&b'{') {
            let keys = formats::json::top_level_keys(line);
            if formats::seed::looks_like(&keys) {
                return Some(LogFormat::Seed);
            }
        }
        None
    }
}

impl fmt::Display for LogFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for LogFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "auto" => Ok(LogFormat::Auto),
            "seed" => Ok(LogFormat::Seed),
            _ => Err(format!(
                "unknown log format '{s}' (known: {})",
                LogFormat::NAMES.join(", ")
            )),
        }
    }
}

use crate::formats;
use apispm_core::{Exchange, Headers};
use serde::Serialize;
use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

/// A record the reader could not use, by line (1-based) within its file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RecordError {
    pub line: u64,
    pub reason: String,
}

/// Header vectors handed from one record to the next, so that a worker allocates them once
/// rather than twice per record: [`Spare::fill`] gives them to a new exchange, and
/// [`Spare::recycle`] takes them back, emptied, once the exchange has been used.
#[derive(Default)]
pub struct Spare {
    request: Headers<'static>,
    response: Headers<'static>,
}

impl Spare {
    pub fn fill(&mut self, ex: &mut Exchange<'_>) {
        ex.request_headers = std::mem::take(&mut self.request);
        ex.response_headers = std::mem::take(&mut self.response);
    }

    pub fn recycle(&mut self, ex: Exchange<'_>) {
        self.request = emptied(ex.request_headers);
        self.response = emptied(ex.response_headers);
    }
}

/// An empty vector no longer borrows anything: collected in place (the pairs are the same
/// size whatever they borrow), it keeps its allocation under the longer lifetime.
fn emptied(mut v: Headers<'_>) -> Headers<'static> {
    v.clear();
    v.into_iter()
        .map(|(k, v)| (Cow::Owned(k.into_owned()), Cow::Owned(v.into_owned())))
        .collect()
}

/// The log formats apispm reads. `Auto` sniffs each file's content.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum LogFormat {
    Auto,
    Seed,
    Kong,
    AwsApigw,
    Envoy,
    EnvoyJson,
    Apigee,
    Har,
    Nginx,
}

impl LogFormat {
    pub const ALL: [LogFormat; 9] = [
        LogFormat::Auto,
        LogFormat::Seed,
        LogFormat::Kong,
        LogFormat::AwsApigw,
        LogFormat::Envoy,
        LogFormat::EnvoyJson,
        LogFormat::Apigee,
        LogFormat::Har,
        LogFormat::Nginx,
    ];
    pub const NAMES: [&'static str; 9] = [
        "auto",
        "seed",
        "kong",
        "aws-apigw",
        "envoy",
        "envoy-json",
        "apigee",
        "har",
        "nginx",
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            LogFormat::Auto => "auto",
            LogFormat::Seed => "seed",
            LogFormat::Kong => "kong",
            LogFormat::AwsApigw => "aws-apigw",
            LogFormat::Envoy => "envoy",
            LogFormat::EnvoyJson => "envoy-json",
            LogFormat::Apigee => "apigee",
            LogFormat::Har => "har",
            LogFormat::Nginx => "nginx",
        }
    }

    /// Text formats are one record per line; the others are JSON objects that may also come
    /// pretty-printed or batched in arrays.
    pub fn is_text(self) -> bool {
        matches!(self, LogFormat::Envoy | LogFormat::Nginx)
    }

    /// Parses one line-oriented record.
    pub fn parse_line<'a>(self, line: &'a [u8]) -> Result<Exchange<'a>, String> {
        self.parse_line_with(line, &mut Spare::default())
    }

    /// [`LogFormat::parse_line`] with header vectors from `spare` (see [`Spare`]).
    pub fn parse_line_with<'a>(
        self,
        line: &'a [u8],
        spare: &mut Spare,
    ) -> Result<Exchange<'a>, String> {
        if self == LogFormat::Seed {
            return formats::seed::parse_with(line, spare);
        }
        let text = formats::json::utf8(line)?;
        self.parse_record_with(text, spare)
    }

    /// Parses one record given as text: a line, or one JSON object.
    pub fn parse_record(self, text: &str) -> Result<Exchange<'_>, String> {
        self.parse_record_with(text, &mut Spare::default())
    }

    /// [`LogFormat::parse_record`] with header vectors from `spare` (see [`Spare`]).
    pub fn parse_record_with<'a>(
        self,
        text: &'a str,
        spare: &mut Spare,
    ) -> Result<Exchange<'a>, String> {
        match self {
            LogFormat::Seed => formats::seed::parse_with(text.as_bytes(), spare),
            LogFormat::Kong => formats::kong::parse_with(text, spare),
            LogFormat::AwsApigw => formats::aws_apigw::parse(text),
            LogFormat::Envoy => formats::envoy::parse(text),
            LogFormat::EnvoyJson => formats::envoy_json::parse(text),
            LogFormat::Apigee => formats::apigee::parse(text),
            LogFormat::Har => formats::har::parse(text),
            LogFormat::Nginx => formats::nginx::parse(text),
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
        let text = std::str::from_utf8(line).ok()?;
        [
            LogFormat::Kong,
            LogFormat::AwsApigw,
            LogFormat::EnvoyJson,
            LogFormat::Apigee,
            LogFormat::Har,
            LogFormat::Envoy,
            LogFormat::Nginx,
        ]
        .into_iter()
        .find(|f| f.looks_like(text))
    }

    /// Guesses the format of one complete JSON record (from a document or batch).
    pub fn sniff_record(text: &str) -> Option<LogFormat> {
        if formats::seed::looks_like(&formats::json::top_level_keys(text.as_bytes())) {
            return Some(LogFormat::Seed);
        }
        [
            LogFormat::Kong,
            LogFormat::AwsApigw,
            LogFormat::EnvoyJson,
            LogFormat::Apigee,
        ]
        .into_iter()
        .find(|f| f.looks_like(text))
    }

    fn looks_like(self, text: &str) -> bool {
        match self {
            LogFormat::Kong => formats::kong::looks_like(text),
            LogFormat::AwsApigw => formats::aws_apigw::looks_like(text),
            LogFormat::Envoy => formats::envoy::looks_like(text),
            LogFormat::EnvoyJson => formats::envoy_json::looks_like(text),
            LogFormat::Apigee => formats::apigee::looks_like(text),
            LogFormat::Har => formats::har::looks_like(text),
            LogFormat::Nginx => formats::nginx::looks_like(text),
            LogFormat::Seed | LogFormat::Auto => false,
        }
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
        match LogFormat::ALL.into_iter().find(|f| f.as_str() == s) {
            Some(f) => Ok(f),
            None => Err(format!(
                "unknown log format '{s}' (known: {})",
                LogFormat::NAMES.join(", ")
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spare_headers_are_reused_and_start_empty() {
        let mut spare = Spare::default();
        let line = br#"{"request":{"method":"GET","uri":"/a","headers":{"a":"1"}},"response":{"status":200,"headers":{"b":"2","c":"3"}}}"#;
        let ex = LogFormat::Kong.parse_line_with(line, &mut spare).unwrap();
        let kept = ex.response_headers.as_ptr();
        spare.recycle(ex);
        let ex = LogFormat::Kong.parse_line_with(line, &mut spare).unwrap();
        assert_eq!(ex.response_headers.as_ptr(), kept);
        assert_eq!(ex.request_headers.len(), 1);
        assert_eq!(ex.response_headers.len(), 2);
    }
}

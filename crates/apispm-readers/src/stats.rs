use crate::format::{LogFormat, RecordError};
use serde::Serialize;

/// How many first errors of each file are kept for the report.
pub const ERRORS_KEPT: usize = 10;

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct FileStats {
    pub path: String,
    pub format: Option<LogFormat>,
    pub records: u64,
    pub rejected: u64,
    pub bytes: u64,
    /// The first errors, by line.
    pub errors: Vec<RecordError>,
    /// Why a file found in a folder was not read at all.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skipped: Option<String>,
}

impl FileStats {
    pub fn merge(&mut self, o: FileStats) {
        self.records += o.records;
        self.rejected += o.rejected;
        self.bytes += o.bytes;
        self.errors.extend(o.errors);
        self.errors.sort_by_key(|e| e.line);
        self.errors.truncate(ERRORS_KEPT);
    }

    pub fn reject(&mut self, line: u64, reason: String) {
        self.rejected += 1;
        if self.errors.len() < ERRORS_KEPT || self.errors.last().is_some_and(|e| e.line > line) {
            self.errors.push(RecordError { line, reason });
            self.errors.sort_by_key(|e| e.line);
            self.errors.truncate(ERRORS_KEPT);
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct IngestStats {
    pub records: u64,
    pub rejected: u64,
    pub files: Vec<FileStats>,
}

impl IngestStats {
    pub fn from_files(files: Vec<FileStats>) -> Self {
        IngestStats {
            records: files.iter().map(|f| f.records).sum(),
            rejected: files.iter().map(|f| f.rejected).sum(),
            files,
        }
    }
}

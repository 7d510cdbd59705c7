//! Log readers: everything between a path on the command line and a stream of
//! [`Exchange`](apispm_core::Exchange)s.
//!
//! [`sources`] expands files, folders and `-` into [`Source`]s; [`pipeline`] reads each one
//! (gzip transparently) in newline-aligned blocks and hands the blocks to one worker per core,
//! so memory stays bounded by the number of blocks in flight, never by the log's length.
//! Each worker parses records with the file's [`LogFormat`] and feeds the resulting exchanges
//! to its own [`ExchangeSink`]; the caller merges the sinks at the end. Malformed records are
//! counted and reported per file with their line numbers, and never stop the run.

pub mod format;
pub mod formats;
pub mod jsonscan;
pub mod memory;
pub mod pipeline;
pub mod records;
pub mod sources;
pub mod stats;

pub use format::{LogFormat, RecordError};
pub use memory::read_bytes;
pub use pipeline::{ExchangeSink, ReadOptions, read_all};
pub use sources::{InputError, Source, expand};
pub use stats::{FileStats, IngestStats};

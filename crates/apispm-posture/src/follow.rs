//! Following growing log files (`apispm watch`). Each poll reads what was appended since the
//! last committed offset, up to the last complete line, and applies it as one batch whose id
//! names the exact byte range of the exact file (device and inode). The new offset is
//! committed in the same transaction, so after a crash or restart the next poll starts where
//! the last commit ended, and a range read twice is recognised and not counted twice.
//!
//! Rotation: when the path points at a new file, the old one is drained to its end first
//! (a rename keeps the open handle valid), including a last line without a newline. When
//! apispm was not running during a rotation, the old file is looked for beside the new one by
//! its inode. A file that shrank under the same inode was truncated (copytruncate): reading
//! starts again at zero. Followed files must hold one record per line, as gateways write.

use crate::{Ingested, PostureError, ingest_bytes};
use apispm_engine::Engine;
use apispm_readers::LogFormat;
use apispm_store::{Checkpoint, Store};
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// Most bytes read from one file in one poll, so one batch stays a reasonable transaction.
pub const MAX_CHUNK: u64 = 32 << 20;

struct Followed {
    path: PathBuf,
    name: String,
    format: LogFormat,
    file: Option<File>,
    file_id: String,
    offset: u64,
}

pub struct Follower {
    files: Vec<Followed>,
}

fn file_id(m: &std::fs::Metadata) -> String {
    format!("{}:{}", m.dev(), m.ino())
}

/// What one poll did per file.
#[derive(Debug, Default, Clone, serde::Serialize)]
pub struct PollOutcome {
    pub batches: Vec<Ingested>,
    pub warnings: Vec<String>,
}

impl PollOutcome {
    pub fn records(&self) -> u64 {
        self.batches
            .iter()
            .filter(|b| b.applied)
            .map(|b| b.records)
            .sum()
    }
}

impl Follower {
    /// Follows `paths`, resuming from the offsets checkpointed in `store`.
    pub fn new(
        paths: &[PathBuf],
        format: LogFormat,
        store: &mut dyn Store,
        engine: &Engine,
        now_ms: i64,
    ) -> Result<(Follower, PollOutcome), PostureError> {
        let mut files = Vec::new();
        let mut out = PollOutcome::default();
        for p in paths {
            let name = std::path::absolute(p)
                .unwrap_or_else(|_| p.clone())
                .display()
                .to_string();
            let mut f = Followed {
                path: p.clone(),
                name,
                format,
                file: None,
                file_id: String::new(),
                offset: 0,
            };
            if let Some(cp) = store.checkpoint(&f.name)? {
                let current = std::fs::metadata(p).ok().map(|m| file_id(&m));
                if current.as_deref() == Some(cp.file_id.as_str()) {
                    f.file_id = cp.file_id;
                    f.offset = cp.offset;
                } else if let Some(old) = find_by_id(p, &cp.file_id) {
                    // Rotated while we were away: finish the old file first.
                    let mut old_f = Followed {
                        path: old.clone(),
                        name: f.name.clone(),
                        format,
                        file: File::open(&old).ok(),
                        file_id: cp.file_id.clone(),
                        offset: cp.offset,
                    };
                    old_f.read_new(engine, store, now_ms, true, &mut out)?;
                }
            }
            files.push(f);
        }
        Ok((Follower { files }, out))
    }

    /// Reads and applies what was appended since the last poll.
    pub fn poll(
        &mut self,
        engine: &Engine,
        store: &mut dyn Store,
        now_ms: i64,
    ) -> Result<PollOutcome, PostureError> {
        let mut out = PollOutcome::default();
        for f in &mut self.files {
            f.poll(engine, store, now_ms, &mut out)?;
        }
        Ok(out)
    }
}

/// A file in `path`'s folder with the given device:inode (a rotated-away log).
fn find_by_id(path: &Path, id: &str) -> Option<PathBuf> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty())?;
    std::fs::read_dir(dir)
        .ok()?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| std::fs::metadata(p).is_ok_and(|m| m.is_file() && file_id(&m) == id))
}

impl Followed {
    fn poll(
        &mut self,
        engine: &Engine,
        store: &mut dyn Store,
        now_ms: i64,
        out: &mut PollOutcome,
    ) -> Result<(), PostureError> {
        let Ok(meta) = std::fs::metadata(&self.path) else {
            // Not there (yet, or mid-rotation): drain what is open, try again next poll.
            if self.file.is_some() {
                self.read_new(engine, store, now_ms, false, out)?;
            }
            return Ok(());
        };
        let id = file_id(&meta);
        if self.file.is_none() {
            if id != self.file_id {
                self.file_id = id.clone();
                self.offset = 0;
            }
            match File::open(&self.path) {
                Ok(f) => self.file = Some(f),
                Err(e) => {
                    out.warnings
                        .push(format!("{}: cannot open: {e}", self.path.display()));
                    return Ok(());
                }
            }
        }
        if id != self.file_id {
            // Rotated: drain the old file (its last line may lack a newline), then switch.
            self.read_new(engine, store, now_ms, true, out)?;
            self.file = File::open(&self.path).ok();
            self.file_id = id;
            self.offset = 0;
        } else if meta.len() < self.offset {
            out.warnings.push(format!(
                "{}: truncated (size {} < offset {}); reading from the start",
                self.path.display(),
                meta.len(),
                self.offset
            ));
            self.offset = 0;
        }
        self.read_new(engine, store, now_ms, false, out)
    }

    /// Reads from the offset to the last complete line (or to the end when `to_end`), in
    /// chunks, applying each as one batch.
    fn read_new(
        &mut self,
        engine: &Engine,
        store: &mut dyn Store,
        now_ms: i64,
        to_end: bool,
        out: &mut PollOutcome,
    ) -> Result<(), PostureError> {
        let Some(file) = self.file.as_mut() else {
            return Ok(());
        };
        loop {
            file.seek(SeekFrom::Start(self.offset))
                .map_err(|e| PostureError(format!("{}: {e}", self.path.display())))?;
            let mut buf = Vec::new();
            file.by_ref()
                .take(MAX_CHUNK)
                .read_to_end(&mut buf)
                .map_err(|e| PostureError(format!("{}: {e}", self.path.display())))?;
            let full = buf.len() as u64 == MAX_CHUNK;
            let cut = match memchr_last_newline(&buf) {
                Some(i) => i + 1,
                None if to_end && !full => buf.len(),
                None if full => {
                    return Err(PostureError(format!(
                        "{}: a line longer than {MAX_CHUNK} bytes at offset {}",
                        self.path.display(),
                        self.offset
                    )));
                }
                None => 0,
            };
            let cut = if to_end && !full { buf.len() } else { cut };
            if cut == 0 {
                return Ok(());
            }
            let start = self.offset;
            let end = start + cut as u64;
            let batch_id = format!("follow:{}:{}:{start}-{end}", self.name, self.file_id);
            let (ingested, stats) = ingest_bytes(
                engine,
                store,
                &buf[..cut],
                self.format,
                &self.name,
                batch_id,
                vec![Checkpoint {
                    source: self.name.clone(),
                    file_id: self.file_id.clone(),
                    offset: end,
                }],
                now_ms,
            )?;
            if stats.rejected > 0 {
                let first = stats
                    .errors
                    .first()
                    .map(|e| format!(": {}", e.reason))
                    .unwrap_or_default();
                out.warnings.push(format!(
                    "{}: {} malformed record(s) skipped in bytes {start}-{end}{first}",
                    self.path.display(),
                    stats.rejected
                ));
            }
            out.batches.push(ingested);
            self.offset = end;
            if !full {
                return Ok(());
            }
        }
    }
}

fn memchr_last_newline(buf: &[u8]) -> Option<usize> {
    buf.iter().rposition(|&b| b == b'\n')
}

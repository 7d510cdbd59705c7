//! The read pipeline: one reader thread cuts each input into newline-aligned blocks; worker
//! threads parse the blocks and feed their own sinks. Blocks are recycled through a return
//! channel, so at most `2 × threads + 2` blocks exist at any time whatever the log's size.

use crate::format::{LogFormat, Spare};
use crate::formats;
use crate::jsonscan::Scanner;
use crate::records::{RecordBatch, Splitter, Target};
use crate::sources::{InputError, Source};
use crate::stats::{FileStats, IngestStats};
use crossbeam_channel::{Receiver, Sender, bounded};
use std::io::{BufReader, Read};
use std::sync::Arc;

pub use apispm_core::ExchangeSink;

/// Called from the reader thread with the number of bytes just read.
pub type Progress = Arc<dyn Fn(u64) + Send + Sync>;

#[derive(Clone)]
pub struct ReadOptions {
    pub format: LogFormat,
    pub threads: usize,
    pub block_size: usize,
    /// A longer line is skipped (and counted) without being held in memory.
    pub max_line: usize,
    pub progress: Option<Progress>,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            format: LogFormat::Auto,
            threads: std::thread::available_parallelism().map_or(2, |n| n.get()),
            block_size: 1 << 20,
            max_line: 8 << 20,
            progress: None,
        }
    }
}

struct Block {
    file: usize,
    format: LogFormat,
    first_line: u64,
    data: Vec<u8>,
    /// Record spans for JSON documents; empty means "one record per line".
    spans: Vec<(usize, usize, u64)>,
}

/// What a worker did, per input file.
struct WorkerOut<S> {
    sink: S,
    files: Vec<FileStats>,
}

fn worker<S: ExchangeSink>(
    mut sink: S,
    rx: Receiver<Block>,
    recycle: Sender<Vec<u8>>,
) -> WorkerOut<S> {
    let mut files: Vec<FileStats> = Vec::new();
    for block in rx {
        if files.len() <= block.file {
            files.resize_with(block.file + 1, FileStats::default);
        }
        let stats = &mut files[block.file];
        if block.spans.is_empty() {
            parse_lines(
                block.format,
                &block.data,
                block.first_line,
                stats,
                &mut sink,
            );
        } else {
            parse_spans(block.format, &block.data, &block.spans, stats, &mut sink);
        }
        let _ = recycle.try_send(block.data);
    }
    WorkerOut { sink, files }
}

/// Parses the records `spans` cut out of `data` (JSON documents).
pub(crate) fn parse_spans<S: ExchangeSink + ?Sized>(
    format: LogFormat,
    data: &[u8],
    spans: &[(usize, usize, u64)],
    stats: &mut FileStats,
    sink: &mut S,
) {
    let mut spare = Spare::default();
    for &(a, b, line) in spans {
        let parsed =
            formats::json::utf8(&data[a..b]).and_then(|t| format.parse_record_with(t, &mut spare));
        match parsed {
            Ok(ex) => {
                stats.records += 1;
                sink.accept(&ex);
                spare.recycle(ex);
            }
            Err(reason) => stats.reject(line, reason),
        }
    }
}

/// Parses one record per line; `first_line` numbers the first line of `data`.
pub(crate) fn parse_lines<S: ExchangeSink + ?Sized>(
    format: LogFormat,
    data: &[u8],
    first_line: u64,
    stats: &mut FileStats,
    sink: &mut S,
) {
    let mut line_no = first_line;
    let mut start = 0;
    let mut spare = Spare::default();
    while start < data.len() {
        let end = memchr::memchr(b'\n', &data[start..]).map_or(data.len(), |i| start + i);
        let line = data[start..end].trim_ascii();
        start = end + 1;
        let this_line = line_no;
        line_no += 1;
        if line.is_empty() {
            continue;
        }
        match format.parse_line_with(line, &mut spare) {
            Ok(ex) => {
                stats.records += 1;
                sink.accept(&ex);
                spare.recycle(ex);
            }
            Err(reason) => stats.reject(this_line, reason),
        }
    }
}

fn open(source: &Source) -> Result<Box<dyn Read + Send>, InputError> {
    let raw: Box<dyn Read + Send> = match source {
        Source::Stdin => Box::new(std::io::stdin()),
        Source::File(p) | Source::Found(p) => {
            Box::new(std::fs::File::open(p).map_err(|e| InputError::io(p, &e))?)
        }
    };
    let mut buffered = BufReader::with_capacity(64 << 10, raw);
    // Gzip is recognised by its magic bytes, whatever the file is called.
    let head = std::io::BufRead::fill_buf(&mut buffered).map_err(|e| InputError {
        path: source.name(),
        reason: e.to_string(),
    })?;
    if head.starts_with(&[0x1f, 0x8b]) {
        Ok(Box::new(flate2::read::MultiGzDecoder::new(buffered)))
    } else {
        Ok(Box::new(buffered))
    }
}

fn read_full(r: &mut dyn Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// How a file is cut into records.
pub(crate) enum Mode {
    Lines,
    Document(Splitter),
}

/// HAR documents open with `{"log": {...` (possibly pretty-printed).
fn looks_like_har(head: &[u8]) -> bool {
    let text = String::from_utf8_lossy(&head[..head.len().min(4096)]);
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    compact.starts_with("{\"log\":{")
}

/// True when the first non-blank line holds one complete JSON value (so the file is JSON lines).
fn first_line_is_complete(head: &[u8]) -> bool {
    let Some(line) = head
        .split(|b| *b == b'\n')
        .map(|l| l.trim_ascii())
        .find(|l| !l.is_empty())
    else {
        return false;
    };
    let Ok(text) = std::str::from_utf8(line) else {
        return false;
    };
    let mut sc = Scanner::new(text);
    sc.skip().and_then(|_| sc.finish()).is_ok()
}

/// Chooses the format (when `auto`) and the record mode from the start of a file. In document
/// mode under `auto` the format is settled by the first complete record.
pub(crate) fn choose_mode(
    requested: LogFormat,
    head: &[u8],
    max_record: usize,
) -> (Option<LogFormat>, Mode) {
    let first = head.iter().copied().find(|b| !b.is_ascii_whitespace());
    let doc = |t| Mode::Document(Splitter::new(t, max_record));
    if requested == LogFormat::Har || (requested == LogFormat::Auto && looks_like_har(head)) {
        return (Some(LogFormat::Har), doc(Target::HarEntries));
    }
    if requested.is_text() {
        return (Some(requested), Mode::Lines);
    }
    // Text formats may open with `[` (Envoy's `[START_TIME]`): let the line sniffers speak first.
    if requested == LogFormat::Auto
        && let Some(f) = LogFormat::sniff(head).filter(|f| f.is_text())
    {
        return (Some(f), Mode::Lines);
    }
    let json_document = match first {
        Some(b'[') => true,
        Some(b'{') => !first_line_is_complete(head),
        _ => false,
    };
    let format = if requested == LogFormat::Auto {
        if json_document {
            None
        } else {
            LogFormat::sniff(head)
        }
    } else {
        Some(requested)
    };
    (
        format,
        if json_document {
            doc(Target::TopLevel)
        } else {
            Mode::Lines
        },
    )
}

fn undetectable(source: &Source) -> InputError {
    InputError {
        path: source.name(),
        reason: format!(
            "could not detect the log format from its first record; name it with --log-format ({})",
            LogFormat::NAMES[1..].join(", ")
        ),
    }
}

/// Reads one source into blocks. Returns its stats for what the reader itself saw (the format,
/// bytes, over-long lines, broken document structure); workers add records and rejections.
fn read_source(
    idx: usize,
    source: &Source,
    opts: &ReadOptions,
    tx: &Sender<Block>,
    recycle: &Receiver<Vec<u8>>,
) -> Result<FileStats, InputError> {
    let mut stats = FileStats {
        path: source.name(),
        ..Default::default()
    };
    let mut input = open(source)?;
    let io_err = |e: std::io::Error| InputError {
        path: source.name(),
        reason: format!("read error: {e}"),
    };
    let block_size = opts.block_size.max(4096);
    // `pending` holds the start of a line that continues into the next read.
    let mut pending: Vec<u8> = Vec::new();
    let mut next_line: u64 = 1;
    let mut format: Option<LogFormat> = None;
    let mut mode: Option<Mode> = None;
    let mut batch = RecordBatch::default();
    let mut skipping_long_line = false;
    let send = |block: Block| tx.send(block).is_ok();
    loop {
        // Recycled buffers keep their initialised length, so only a new buffer is zero-filled.
        let mut buf = recycle.try_recv().unwrap_or_default();
        let start = pending.len();
        if buf.len() < start + block_size {
            buf.resize(start + block_size, 0);
        }
        buf[..start].copy_from_slice(&pending);
        pending.clear();
        let n = read_full(&mut input, &mut buf[start..start + block_size]).map_err(io_err)?;
        buf.truncate(start + n);
        stats.bytes += n as u64;
        if let Some(p) = &opts.progress {
            p(n as u64);
        }
        let eof = n == 0;
        if mode.is_none() {
            if buf.iter().all(u8::is_ascii_whitespace) && !eof {
                pending = buf;
                continue;
            }
            let (f, m) = choose_mode(opts.format, &buf, opts.max_line);
            if f.is_none() && matches!(m, Mode::Lines) && !buf.iter().all(u8::is_ascii_whitespace) {
                return Err(undetectable(source));
            }
            format = f;
            mode = Some(m);
        }
        if let Some(Mode::Document(splitter)) = mode.as_mut() {
            splitter.feed(&buf, &mut batch);
            if eof {
                splitter.finish(&mut batch);
            }
            for (line, reason) in batch.errors.drain(..) {
                stats.reject(line, reason);
            }
            if format.is_none() && !batch.spans.is_empty() {
                let (a, b, _) = batch.spans[0];
                format = std::str::from_utf8(&batch.data[a..b])
                    .ok()
                    .and_then(LogFormat::sniff_record);
                if format.is_none() {
                    return Err(undetectable(source));
                }
            }
            if (batch.data.len() >= block_size || eof) && !batch.spans.is_empty() {
                let full = std::mem::take(&mut batch);
                let block = Block {
                    file: idx,
                    format: format.unwrap_or(LogFormat::Seed),
                    first_line: 0,
                    data: full.data,
                    spans: full.spans,
                };
                if !send(block) {
                    break;
                }
            }
            drop(buf);
            if eof {
                break;
            }
            continue;
        }
        if skipping_long_line {
            match memchr::memchr(b'\n', &buf) {
                Some(i) => {
                    buf.drain(..=i);
                    skipping_long_line = false;
                    next_line += 1;
                }
                None if eof => break,
                None => continue,
            }
        }
        let cut = if eof {
            buf.len()
        } else {
            match memchr::memrchr(b'\n', &buf) {
                Some(i) => i + 1,
                None => 0,
            }
        };
        if cut < buf.len() {
            pending.extend_from_slice(&buf[cut..]);
            buf.truncate(cut);
        }
        if pending.len() > opts.max_line {
            stats.reject(
                next_line + memchr::memchr_iter(b'\n', &buf).count() as u64,
                format!("line longer than {} bytes, skipped", opts.max_line),
            );
            pending.clear();
            skipping_long_line = true;
        }
        if !buf.is_empty() {
            let lines = memchr::memchr_iter(b'\n', &buf).count() as u64;
            let block = Block {
                file: idx,
                format: format.unwrap_or(LogFormat::Seed),
                first_line: next_line,
                data: buf,
                spans: Vec::new(),
            };
            next_line += lines;
            if !send(block) {
                break;
            }
        }
        if eof {
            break;
        }
    }
    stats.format = format;
    Ok(stats)
}

/// Reads every source through `threads` workers, each with a sink from `make_sink`. Returns the
/// sinks (to be merged by the caller) and per-file statistics. An unusable input (missing,
/// unreadable, undetectable format) stops the run with an [`InputError`] naming it.
pub fn read_all<S, F>(
    sources: &[Source],
    opts: &ReadOptions,
    make_sink: F,
) -> Result<(Vec<S>, IngestStats), InputError>
where
    S: ExchangeSink,
    F: Fn() -> S + Sync,
{
    let threads = opts.threads.max(1);
    let (tx, rx) = bounded::<Block>(threads * 2);
    let (recycle_tx, recycle_rx) = bounded::<Vec<u8>>(threads * 2 + 2);
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                let rx = rx.clone();
                let recycle = recycle_tx.clone();
                let sink = make_sink();
                scope.spawn(move || worker(sink, rx, recycle))
            })
            .collect();
        drop(rx);
        let mut reader_stats = Vec::with_capacity(sources.len());
        let mut failure = None;
        for (i, s) in sources.iter().enumerate() {
            match read_source(i, s, opts, &tx, &recycle_rx) {
                Ok(st) => reader_stats.push(st),
                // Found in a folder and not a log: note it and go on.
                Err(e)
                    if matches!(s, Source::Found(_))
                        && e.reason.starts_with("could not detect") =>
                {
                    reader_stats.push(FileStats {
                        path: s.name(),
                        skipped: Some("not a recognised log format".into()),
                        ..Default::default()
                    });
                }
                Err(e) => {
                    failure = Some(e);
                    break;
                }
            }
        }
        drop(tx);
        let outs: Vec<WorkerOut<S>> = handles
            .into_iter()
            .map(|h| h.join().expect("a reader worker panicked"))
            .collect();
        if let Some(e) = failure {
            return Err(e);
        }
        let mut files = reader_stats;
        let mut sinks = Vec::with_capacity(outs.len());
        for out in outs {
            for (i, st) in out.files.into_iter().enumerate() {
                if let Some(f) = files.get_mut(i) {
                    let bytes = f.bytes;
                    f.merge(st);
                    f.bytes = bytes;
                }
            }
            sinks.push(out.sink);
        }
        Ok((sinks, IngestStats::from_files(files)))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use apispm_core::Exchange;
    use std::io::Write;

    #[derive(Default)]
    struct Count(Vec<String>);
    impl ExchangeSink for Count {
        fn accept(&mut self, ex: &Exchange<'_>) {
            self.0.push(ex.path.to_string());
        }
    }

    fn line(i: usize) -> String {
        format!(r#"{{"service":"s","method":"GET","path":"/p/{i}","classification":"internal"}}"#)
    }

    #[test]
    fn small_blocks_lose_no_line_and_number_errors_right() {
        let dir = std::env::temp_dir().join(format!("apispm-pipe-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("a.jsonl");
        let mut f = std::fs::File::create(&path).unwrap();
        for i in 0..500 {
            if i == 250 {
                writeln!(f, "garbage").unwrap();
            }
            writeln!(f, "{}", line(i)).unwrap();
        }
        drop(f);
        for threads in [1, 3] {
            let opts = ReadOptions {
                threads,
                block_size: 4096,
                ..Default::default()
            };
            let (sinks, stats) =
                read_all(&[Source::File(path.clone())], &opts, Count::default).unwrap();
            let mut all: Vec<String> = sinks.into_iter().flat_map(|s| s.0).collect();
            all.sort();
            assert_eq!(all.len(), 500);
            assert_eq!(stats.records, 500);
            assert_eq!(stats.rejected, 1);
            assert_eq!(stats.files[0].errors[0].line, 251);
            assert_eq!(stats.files[0].format, Some(LogFormat::Seed));
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn overlong_lines_are_skipped_without_buffering() {
        let dir = std::env::temp_dir().join(format!("apispm-long-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("a.jsonl");
        let mut f = std::fs::File::create(&path).unwrap();
        writeln!(f, "{}", line(0)).unwrap();
        writeln!(f, "\"{}\"", "x".repeat(100_000)).unwrap();
        writeln!(f, "{}", line(1)).unwrap();
        drop(f);
        let opts = ReadOptions {
            threads: 2,
            block_size: 4096,
            max_line: 10_000,
            ..Default::default()
        };
        let (_, stats) = read_all(&[Source::File(path)], &opts, Count::default).unwrap();
        assert_eq!(stats.records, 2);
        assert_eq!(stats.rejected, 1);
        assert_eq!(stats.files[0].errors[0].line, 2);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn batch_arrays_and_pretty_objects_are_records() {
        let dir = std::env::temp_dir().join(format!("apispm-doc-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let batch = dir.join("batch.json");
        let recs: Vec<String> = (0..300).map(line).collect();
        std::fs::write(&batch, format!("[{}]", recs.join(",\n"))).unwrap();
        let pretty = dir.join("pretty.json");
        std::fs::write(
            &pretty,
            "{\n  \"service\": \"s\",\n  \"method\": \"GET\",\n  \"path\": \"/x\",\n  \"classification\": \"internal\"\n}\n{\n  \"bad\": 1\n}\n",
        )
        .unwrap();
        let opts = ReadOptions {
            threads: 2,
            block_size: 4096,
            ..Default::default()
        };
        let (_, stats) = read_all(
            &[Source::File(batch), Source::File(pretty)],
            &opts,
            Count::default,
        )
        .unwrap();
        assert_eq!(stats.files[0].records, 300);
        assert_eq!(stats.files[0].format, Some(LogFormat::Seed));
        assert_eq!(stats.files[1].records, 1);
        assert_eq!(stats.files[1].rejected, 1);
        assert_eq!(stats.files[1].errors[0].line, 7);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn gzip_is_read_transparently() {
        let dir = std::env::temp_dir().join(format!("apispm-gz-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("a.jsonl.gz");
        let f = std::fs::File::create(&path).unwrap();
        let mut gz = flate2::write::GzEncoder::new(f, flate2::Compression::fast());
        for i in 0..100 {
            writeln!(gz, "{}", line(i)).unwrap();
        }
        gz.finish().unwrap();
        let (_, stats) = read_all(
            &[Source::File(path)],
            &ReadOptions::default(),
            Count::default,
        )
        .unwrap();
        assert_eq!(stats.records, 100);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

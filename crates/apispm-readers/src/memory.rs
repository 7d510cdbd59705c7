//! Records that are already in memory: an HTTP request body posted by a gateway, or the new
//! complete lines of a followed log file. They are parsed on the calling thread with the same
//! format detection, document splitting and per-record error handling as files, without the
//! reader thread and worker pool a file gets (a Kong http-log post is a few kilobytes).

use crate::format::LogFormat;
use crate::pipeline::{Mode, choose_mode, parse_lines, parse_spans};
use crate::records::RecordBatch;
use crate::sources::InputError;
use crate::stats::FileStats;
use apispm_core::ExchangeSink;

/// The longest single record accepted from memory, as for files.
pub const MAX_RECORD: usize = 8 << 20;

/// Parses every record in `data` into `sink`. `name` labels errors; `first_line` numbers the
/// first line of `data` (for a chunk of a followed file). Malformed records are counted in the
/// returned stats; only an undetectable format is an error.
pub fn read_bytes<S: ExchangeSink + ?Sized>(
    data: &[u8],
    format: LogFormat,
    name: &str,
    first_line: u64,
    sink: &mut S,
) -> Result<FileStats, InputError> {
    let mut stats = FileStats {
        path: name.to_string(),
        bytes: data.len() as u64,
        ..Default::default()
    };
    if data.iter().all(u8::is_ascii_whitespace) {
        stats.format = (format != LogFormat::Auto).then_some(format);
        return Ok(stats);
    }
    let undetectable = || InputError {
        path: name.to_string(),
        reason: format!(
            "could not detect the log format from its first record; name it ({})",
            LogFormat::NAMES[1..].join(", ")
        ),
    };
    let (chosen, mode) = choose_mode(format, data, MAX_RECORD);
    match mode {
        Mode::Lines => {
            let f = chosen.ok_or_else(undetectable)?;
            parse_lines(f, data, first_line, &mut stats, sink);
            stats.format = Some(f);
        }
        Mode::Document(mut splitter) => {
            let mut batch = RecordBatch::default();
            splitter.feed(data, &mut batch);
            splitter.finish(&mut batch);
            for (line, reason) in batch.errors.drain(..) {
                stats.reject(line, reason);
            }
            let f = match chosen {
                Some(f) => f,
                None => match batch.spans.first() {
                    Some(&(a, b, _)) => std::str::from_utf8(&batch.data[a..b])
                        .ok()
                        .and_then(LogFormat::sniff_record)
                        .ok_or_else(undetectable)?,
                    None => return Ok(stats),
                },
            };
            parse_spans(f, &batch.data, &batch.spans, &mut stats, sink);
            stats.format = Some(f);
        }
    }
    Ok(stats)
}

#[cfg(test)]
mod tests {
    use super::*;
    use apispm_core::Exchange;

    #[derive(Default)]
    struct Paths(Vec<String>);

    impl ExchangeSink for Paths {
        fn accept(&mut self, ex: &Exchange<'_>) {
            self.0.push(format!("{} {}", ex.method, ex.path));
        }
    }

    const KONG: &str = r#"{"request":{"method":"GET","uri":"/a/1","url":"http://x/a/1","headers":{}},"response":{"status":200,"headers":{}},"started_at":1700000000000,"client_ip":"10.0.0.1","service":{"name":"s"}}"#;

    #[test]
    fn a_kong_batch_array_an_object_and_lines() {
        for body in [
            format!("[{KONG},{KONG}]"),
            format!("{KONG}\n{KONG}\n"),
            format!("{{\n{}\n}}", &KONG[1..KONG.len() - 1]),
        ] {
            let mut sink = Paths::default();
            let st = read_bytes(body.as_bytes(), LogFormat::Kong, "body", 1, &mut sink).unwrap();
            assert!(st.records >= 1, "{body}");
            assert_eq!(st.rejected, 0, "{body}: {:?}", st.errors);
            assert!(sink.0.iter().all(|p| p == "GET /a/1"));
        }
        let mut sink = Paths::default();
        let st = read_bytes(KONG.as_bytes(), LogFormat::Auto, "body", 1, &mut sink).unwrap();
        assert_eq!((st.records, st.format), (1, Some(LogFormat::Kong)));
    }

    #[test]
    fn bad_records_are_counted_good_ones_kept() {
        let body = format!("{KONG}\n{{\"request\": nope\n{KONG}\n");
        let mut sink = Paths::default();
        let st = read_bytes(body.as_bytes(), LogFormat::Kong, "body", 10, &mut sink).unwrap();
        assert_eq!((st.records, st.rejected), (2, 1));
        assert_eq!(st.errors[0].line, 11);
    }

    #[test]
    fn unknown_text_is_an_error() {
        let mut sink = Paths::default();
        assert!(read_bytes(b"hello world", LogFormat::Auto, "body", 1, &mut sink).is_err());
        let st = read_bytes(b"  \n", LogFormat::Auto, "body", 1, &mut sink).unwrap();
        assert_eq!(st.records, 0);
    }
}

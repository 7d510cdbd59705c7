//! Cutting JSON documents into records while streaming.
//!
//! JSON-lines files are split at newlines. Everything else arrives here: a pretty-printed
//! object, a sequence of objects, a batch array (Kong's http-log posts arrays), or a HAR file
//! whose records are the elements of `log.entries`. The splitter follows the JSON structure byte
//! by byte across read blocks, copies out only the bytes of each record, and never holds more
//! than one record (bounded by `max_record`) — a 1 GB HAR is read in constant memory.

/// What the splitter hands over: record texts packed in one buffer.
#[derive(Default, Debug)]
pub struct RecordBatch {
    pub data: Vec<u8>,
    /// `(start, end, line)` of each record in `data`; line is where the record starts (1-based).
    pub spans: Vec<(usize, usize, u64)>,
    /// Problems found while splitting: `(line, reason)`.
    pub errors: Vec<(u64, String)>,
}

impl RecordBatch {
    pub fn clear(&mut self) {
        self.data.clear();
        self.spans.clear();
        self.errors.clear();
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// Top-level objects, and the object elements of top-level arrays.
    TopLevel,
    /// The elements of `log.entries` (HAR).
    HarEntries,
}

#[derive(Clone, Debug)]
struct Frame {
    array: bool,
    /// The key under which this container sits in its parent object (kept only when short).
    key: Option<Box<[u8]>>,
}

pub struct Splitter {
    target: Target,
    max_record: usize,
    line: u64,
    stack: Vec<Frame>,
    in_string: bool,
    escape: bool,
    /// Capturing a key string in an object.
    key_buf: Vec<u8>,
    capturing_key: bool,
    last_key: Option<Box<[u8]>>,
    /// In an object, whether the next string is a key.
    expect_key: bool,
    /// Depth at which the current record started, when inside one.
    record_depth: Option<usize>,
    record: Vec<u8>,
    record_line: u64,
    record_too_long: bool,
    /// Non-JSON text found between records.
    junk_line: Option<u64>,
}

const MAX_DEPTH: usize = 512;

impl Splitter {
    pub fn new(target: Target, max_record: usize) -> Self {
        Splitter {
            target,
            max_record,
            line: 1,
            stack: Vec::new(),
            in_string: false,
            escape: false,
            key_buf: Vec::new(),
            capturing_key: false,
            last_key: None,
            expect_key: false,
            record_depth: None,
            record: Vec::new(),
            record_line: 0,
            record_too_long: false,
            junk_line: None,
        }
    }

    fn starts_record(&self) -> bool {
        let d = self.stack.len();
        match self.target {
            Target::TopLevel => d == 0 || (d == 1 && self.stack[0].array),
            Target::HarEntries => {
                d == 3
                    && !self.stack[0].array
                    && self.stack[1].key.as_deref() == Some(b"log")
                    && self.stack[2].array
                    && self.stack[2].key.as_deref() == Some(b"entries")
            }
        }
    }

    fn push_record_byte(&mut self, b: u8) {
        if self.record.len() < self.max_record {
            self.record.push(b);
        } else {
            self.record_too_long = true;
        }
    }

    fn flush_junk(&mut self, out: &mut RecordBatch) {
        if let Some(line) = self.junk_line.take() {
            out.errors
                .push((line, "text outside any JSON record".into()));
        }
    }

    /// Feeds the next bytes of the input; complete records are appended to `out`.
    pub fn feed(&mut self, chunk: &[u8], out: &mut RecordBatch) {
        let mut i = 0;
        while i < chunk.len() {
            let in_record = self.record_depth.is_some();
            if self.in_string {
                // Fast path through string contents.
                let rest = &chunk[i..];
                let stop = if self.escape {
                    0
                } else {
                    memchr::memchr2(b'"', b'\\', rest).unwrap_or(rest.len())
                };
                if stop > 0 {
                    let seg = &rest[..stop];
                    self.line += memchr::memchr_iter(b'\n', seg).count() as u64;
                    if in_record {
                        let room = self.max_record.saturating_sub(self.record.len());
                        if seg.len() > room {
                            self.record_too_long = true;
                        }
                        self.record.extend_from_slice(&seg[..seg.len().min(room)]);
                    }
                    if self.capturing_key && self.key_buf.len() < 64 {
                        self.key_buf.extend_from_slice(&seg[..seg.len().min(64)]);
                    }
                    i += stop;
                    continue;
                }
                let b = chunk[i];
                i += 1;
                if in_record {
                    self.push_record_byte(b);
                }
                if self.escape {
                    self.escape = false;
                    if self.capturing_key {
                        self.key_buf.push(b);
                    }
                } else if b == b'\\' {
                    self.escape = true;
                    if self.capturing_key {
                        self.key_buf.push(b);
                    }
                } else {
                    // closing quote
                    self.in_string = false;
                    if self.capturing_key {
                        self.capturing_key = false;
                        self.last_key = Some(std::mem::take(&mut self.key_buf).into_boxed_slice());
                    }
                }
                continue;
            }
            let b = chunk[i];
            i += 1;
            if b == b'\n' {
                self.line += 1;
            }
            if self.junk_line.is_some() {
                // A junk region runs until something opens a record again, and counts once.
                if b != b'{' && b != b'[' {
                    continue;
                }
                self.flush_junk(out);
            }
            let depth = self.stack.len();
            match b {
                b'{' | b'[' => {
                    if self.record_depth.is_none() && b == b'{' && self.starts_record() {
                        self.record_depth = Some(depth);
                        self.record.clear();
                        self.record_line = self.line;
                        self.record_too_long = false;
                    }
                    if self.record_depth.is_some() {
                        self.push_record_byte(b);
                    }
                    if depth >= MAX_DEPTH {
                        self.fail(out, "nesting too deep");
                        continue;
                    }
                    let key = if depth > 0 && !self.stack[depth - 1].array {
                        self.last_key.take()
                    } else {
                        None
                    };
                    self.stack.push(Frame {
                        array: b == b'[',
                        key,
                    });
                    self.expect_key = b == b'{';
                }
                b'}' | b']' => {
                    if self.record_depth.is_some() {
                        self.push_record_byte(b);
                    }
                    match self.stack.pop() {
                        Some(f) if f.array == (b == b']') => {}
                        _ => {
                            self.fail(out, "unbalanced brackets");
                            continue;
                        }
                    }
                    self.expect_key = false;
                    if self.record_depth == Some(self.stack.len()) {
                        self.emit(out);
                    }
                }
                b'"' => {
                    if self.record_depth.is_some() {
                        self.push_record_byte(b);
                    }
                    self.in_string = true;
                    let in_object = self.stack.last().is_some_and(|f| !f.array);
                    self.capturing_key =
                        self.record_depth.is_none() && in_object && self.expect_key;
                    self.key_buf.clear();
                    if depth == 0 {
                        self.junk_line = Some(self.line);
                        self.in_string = false;
                    }
                }
                b',' => {
                    if self.record_depth.is_some() {
                        self.push_record_byte(b);
                    }
                    self.expect_key = self.stack.last().is_some_and(|f| !f.array);
                }
                b':' => {
                    if self.record_depth.is_some() {
                        self.push_record_byte(b);
                    }
                    self.expect_key = false;
                }
                b' ' | b'\t' | b'\r' | b'\n' => {
                    if self.record_depth.is_some() {
                        self.push_record_byte(b);
                    }
                }
                _ => {
                    if self.record_depth.is_some() {
                        self.push_record_byte(b);
                    } else if depth == 0 {
                        self.junk_line = Some(self.line);
                    }
                }
            }
        }
    }

    fn emit(&mut self, out: &mut RecordBatch) {
        self.record_depth = None;
        if self.record_too_long {
            out.errors.push((
                self.record_line,
                format!("record longer than {} bytes, skipped", self.max_record),
            ));
        } else {
            let start = out.data.len();
            out.data.extend_from_slice(&self.record);
            out.spans.push((start, out.data.len(), self.record_line));
        }
        self.record.clear();
    }

    /// Structure is broken beyond repair: report it and resynchronise at the next line.
    fn fail(&mut self, out: &mut RecordBatch, why: &str) {
        out.errors.push((
            if self.record_depth.is_some() {
                self.record_line
            } else {
                self.line
            },
            why.to_string(),
        ));
        self.stack.clear();
        self.record_depth = None;
        self.record.clear();
        self.in_string = false;
        self.escape = false;
        self.capturing_key = false;
        self.junk_line = Some(self.line);
    }

    /// End of input: an unfinished record is reported.
    pub fn finish(&mut self, out: &mut RecordBatch) {
        self.flush_junk(out);
        if self.record_depth.is_some() {
            out.errors
                .push((self.record_line, "truncated record at end of input".into()));
            self.record_depth = None;
        } else if !self.stack.is_empty() && self.target == Target::TopLevel {
            out.errors.push((
                self.line,
                "unclosed JSON array or object at end of input".into(),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn split(target: Target, text: &str, chunk: usize) -> (Vec<String>, Vec<(u64, String)>) {
        let mut s = Splitter::new(target, 1 << 20);
        let mut out = RecordBatch::default();
        for c in text.as_bytes().chunks(chunk.max(1)) {
            s.feed(c, &mut out);
        }
        s.finish(&mut out);
        let recs = out
            .spans
            .iter()
            .map(|(a, b, l)| format!("{l}:{}", String::from_utf8_lossy(&out.data[*a..*b])))
            .collect();
        (recs, out.errors)
    }

    #[test]
    fn arrays_objects_and_pretty_printing() {
        let text = "[{\"a\": 1}, {\"b\": \"}{\\\"\"}]\n{\n  \"c\": [1, {\"d\": 2}]\n}\n";
        for chunk in [1, 2, 3, 7, 1000] {
            let (recs, errs) = split(Target::TopLevel, text, chunk);
            assert_eq!(
                recs,
                vec![
                    "1:{\"a\": 1}",
                    "1:{\"b\": \"}{\\\"\"}",
                    "2:{\n  \"c\": [1, {\"d\": 2}]\n}"
                ],
                "chunk {chunk}"
            );
            assert!(errs.is_empty());
        }
    }

    #[test]
    fn har_entries_only() {
        let text = r#"{"log": {"version": "1.2", "creator": {"name": "x"}, "pages": [{"id": "p"}],
            "entries": [{"request": {"url": "http://a/"}}, {"request": {"url": "http://b/"}}]}}"#;
        for chunk in [1, 5, 4096] {
            let (recs, errs) = split(Target::HarEntries, text, chunk);
            assert_eq!(recs.len(), 2, "chunk {chunk}: {recs:?}");
            assert!(recs[1].contains("http://b/"));
            assert!(errs.is_empty());
        }
    }

    #[test]
    fn junk_and_truncation_are_reported() {
        let (recs, errs) = split(
            Target::TopLevel,
            "{\"a\":1}\nnot json\n{\"b\":2}\n{\"c\":",
            3,
        );
        assert_eq!(recs.len(), 2);
        assert_eq!(
            errs,
            vec![
                (2, "text outside any JSON record".to_string()),
                (4, "truncated record at end of input".to_string())
            ]
        );
    }

    #[test]
    fn oversized_records_are_skipped() {
        let mut s = Splitter::new(Target::TopLevel, 16);
        let mut out = RecordBatch::default();
        s.feed(
            format!("{{\"a\":\"{}\"}}\n{{\"b\":1}}", "x".repeat(100)).as_bytes(),
            &mut out,
        );
        s.finish(&mut out);
        assert_eq!(out.spans.len(), 1);
        assert_eq!(out.errors.len(), 1);
    }

    proptest! {
        #[test]
        fn chunking_never_changes_the_result(seed in any::<u64>(), chunk in 1usize..64) {
            let mut text = String::from("[");
            for i in 0..(seed % 7) {
                text.push_str(&format!("{{\"k{i}\": [\"v\\\"{i}\", {{\"n\": {i}}}]}},"));
            }
            text.push_str("{\"last\": true}]");
            let (a, _) = split(Target::TopLevel, &text, 10_000);
            let (b, _) = split(Target::TopLevel, &text, chunk);
            prop_assert_eq!(a, b);
        }

        #[test]
        fn arbitrary_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..2000), chunk in 1usize..100) {
            let mut s = Splitter::new(Target::HarEntries, 256);
            let mut out = RecordBatch::default();
            for c in data.chunks(chunk) {
                s.feed(c, &mut out);
            }
            s.finish(&mut out);
        }
    }
}

//! Where a JSON pointer lands in the source text: line and column for findings.
//!
//! The parsed value keeps no positions, so the text is read once more, only for the pointers
//! that findings name. The wanted pointers form a trie; the reader follows it and skips every
//! subtree no pointer enters, so the cost is one pass over the text whatever the number of
//! findings. JSON is scanned by hand (the document already parsed, so it is well formed);
//! YAML goes through `saphyr-parser`'s event stream, which carries spans, and so handles flow
//! style, block scalars, anchors and comments as YAML does.
//!
//! A member of a mapping is placed at its key, an item of a sequence at its first character.
//! A pointer that crosses an alias or a merge key (`<<`) cannot be followed in the text; it
//! takes the position of its nearest ancestor that can.

use crate::pointer;
use apispm_spec::SourceFormat;
use hashbrown::HashMap;
use saphyr_parser::{Event, Parser, ScalarStyle};

/// 1-based line and column (in characters).
pub type Position = (u32, u32);

#[derive(Default)]
struct Node {
    children: HashMap<String, usize>,
}

struct Trie {
    nodes: Vec<Node>,
}

impl Trie {
    fn new<'p>(pointers: impl Iterator<Item = &'p str>) -> Trie {
        let mut nodes = vec![Node::default()];
        for p in pointers {
            let mut cur = 0;
            for seg in pointer::segments(p) {
                let next = nodes.len();
                cur = *nodes[cur].children.entry(seg).or_insert(next);
                if cur == next {
                    nodes.push(Node::default());
                }
            }
        }
        Trie { nodes }
    }

    fn child(&self, node: Option<usize>, key: &str) -> Option<usize> {
        node.and_then(|n| self.nodes[n].children.get(key).copied())
    }
}

/// Positions of the given pointers in `text`. Every pointer gets one: a pointer the text
/// does not reach takes its nearest located ancestor's, and the document's start at worst.
pub fn locate<'p>(
    text: &str,
    format: SourceFormat,
    pointers: impl IntoIterator<Item = &'p str>,
) -> HashMap<String, Position> {
    let pointers: Vec<&str> = pointers.into_iter().collect();
    let trie = Trie::new(pointers.iter().copied());
    let mut by_node: HashMap<usize, Position> = HashMap::new();
    match format {
        SourceFormat::Json => json(text, &trie, &mut by_node),
        SourceFormat::Yaml => yaml(text, &trie, &mut by_node),
    }
    let mut out = HashMap::with_capacity(pointers.len());
    for p in pointers {
        if out.contains_key(p) {
            continue;
        }
        // Walk down the trie as far as the text was followed; keep the deepest position.
        let mut cur = 0usize;
        let mut best = by_node.get(&0).copied().unwrap_or((1, 1));
        for seg in pointer::segments(p) {
            match trie.nodes[cur].children.get(&seg) {
                Some(&n) => {
                    cur = n;
                    if let Some(pos) = by_node.get(&n) {
                        best = *pos;
                    }
                }
                None => break,
            }
        }
        out.insert(p.to_string(), best);
    }
    out
}

/// Byte offsets → line and column, by one scan for newlines.
struct LineIndex<'t> {
    text: &'t str,
    starts: Vec<usize>,
}

impl<'t> LineIndex<'t> {
    fn new(text: &'t str) -> Self {
        let mut starts = vec![0];
        starts.extend(
            text.bytes()
                .enumerate()
                .filter(|(_, b)| *b == b'\n')
                .map(|(i, _)| i + 1),
        );
        LineIndex { text, starts }
    }

    fn position(&self, offset: usize) -> Position {
        let line = self.starts.partition_point(|&s| s <= offset).max(1);
        let start = self.starts[line - 1];
        let prefix = self.text.get(start..offset).unwrap_or("");
        // A byte-order mark is not a column.
        let col = prefix.trim_start_matches('\u{feff}').chars().count() + 1;
        (line as u32, col as u32)
    }
}

fn json(text: &str, trie: &Trie, out: &mut HashMap<usize, Position>) {
    let mut offsets: Vec<(usize, usize)> = Vec::new();
    let mut s = JsonScan {
        b: text.as_bytes(),
        i: 0,
        trie,
        offsets: &mut offsets,
        text,
    };
    s.ws();
    s.value(Some(0), s.i);
    let idx = LineIndex::new(text);
    for (node, off) in offsets {
        out.insert(node, idx.position(off));
    }
}

struct JsonScan<'a> {
    b: &'a [u8],
    i: usize,
    trie: &'a Trie,
    offsets: &'a mut Vec<(usize, usize)>,
    text: &'a str,
}

impl JsonScan<'_> {
    fn ws(&mut self) {
        while self.i < self.b.len() {
            match self.b[self.i] {
                b' ' | b'\t' | b'\n' | b'\r' => self.i += 1,
                // A byte-order mark before the document.
                0xEF if self.b[self.i..].starts_with(&[0xEF, 0xBB, 0xBF]) => self.i += 3,
                _ => break,
            }
        }
    }

    /// The value at `self.i` (whitespace skipped), reached through trie `node`; `at` is where
    /// the node is placed (its key, or the value itself).
    fn value(&mut self, node: Option<usize>, at: usize) {
        // Every node on a wanted path is placed: it stands in for descendants the text
        // does not reach.
        if let Some(n) = node {
            self.offsets.push((n, at));
        }
        if node.is_none_or(|n| self.trie.nodes[n].children.is_empty()) {
            self.skip_value();
            return;
        }
        match self.b.get(self.i) {
            Some(b'{') => {
                self.i += 1;
                loop {
                    self.ws();
                    match self.b.get(self.i) {
                        Some(b'"') => {}
                        Some(b',') => {
                            self.i += 1;
                            continue;
                        }
                        _ => {
                            self.i += 1;
                            return;
                        }
                    }
                    let key_at = self.i;
                    let key = self.string();
                    self.ws();
                    if self.b.get(self.i) == Some(&b':') {
                        self.i += 1;
                    }
                    self.ws();
                    let child = self.trie.child(node, &key);
                    self.value(child, key_at);
                }
            }
            Some(b'[') => {
                self.i += 1;
                let mut index = 0usize;
                loop {
                    self.ws();
                    match self.b.get(self.i) {
                        Some(b']') | None => {
                            self.i += 1;
                            return;
                        }
                        Some(b',') => {
                            self.i += 1;
                            continue;
                        }
                        _ => {}
                    }
                    let child = self.trie.child(node, &index.to_string());
                    self.value(child, self.i);
                    index += 1;
                }
            }
            _ => self.skip_value(),
        }
    }

    /// A string token starting at the quote; returns its unescaped content.
    fn string(&mut self) -> String {
        let start = self.i;
        self.i += 1;
        let mut escaped = false;
        while self.i < self.b.len() {
            match self.b[self.i] {
                b'\\' => {
                    escaped = true;
                    self.i += 2;
                }
                b'"' => break,
                _ => self.i += 1,
            }
        }
        let end = self.i.min(self.b.len());
        self.i = end + 1;
        if escaped {
            serde_json::from_str(self.text.get(start..end + 1).unwrap_or("\"\""))
                .unwrap_or_default()
        } else {
            self.text.get(start + 1..end).unwrap_or("").to_string()
        }
    }

    fn skip_value(&mut self) {
        let mut depth = 0usize;
        while self.i < self.b.len() {
            match self.b[self.i] {
                b'"' => {
                    self.i += 1;
                    while self.i < self.b.len() {
                        match self.b[self.i] {
                            b'\\' => self.i += 2,
                            b'"' => break,
                            _ => self.i += 1,
                        }
                    }
                    self.i += 1;
                    if depth == 0 {
                        return;
                    }
                    continue;
                }
                b'{' | b'[' => depth += 1,
                b'}' | b']' => {
                    if depth == 0 {
                        return;
                    }
                    depth -= 1;
                    if depth == 0 {
                        self.i += 1;
                        return;
                    }
                }
                b',' if depth == 0 => return,
                _ => {}
            }
            self.i += 1;
        }
    }
}

enum Frame {
    Map {
        node: Option<usize>,
        /// The key just read, as a trie node, and where it is; `None` while a key is expected.
        pending: Option<(Option<usize>, Position)>,
    },
    Seq {
        node: Option<usize>,
        index: usize,
    },
    /// A mapping or sequence used as a key: nothing below it can be named by a pointer.
    ComplexKey {
        depth: usize,
    },
}

fn yaml(text: &str, trie: &Trie, out: &mut HashMap<usize, Position>) {
    let mut parser = Parser::new_from_str(text);
    let mut stack: Vec<Frame> = Vec::new();
    let mut root_done = false;
    while let Some(Ok((event, span))) = parser.next_event() {
        let here = (span.start.line() as u32, span.start.col() as u32 + 1);
        let (is_start, is_end) = match &event {
            Event::MappingStart(..) | Event::SequenceStart(..) => (true, false),
            Event::MappingEnd | Event::SequenceEnd => (false, true),
            Event::Scalar(..) | Event::Alias(..) => (false, false),
            Event::DocumentEnd => {
                if root_done {
                    break;
                }
                continue;
            }
            _ => continue,
        };
        if let Some(Frame::ComplexKey { depth }) = stack.last_mut() {
            if is_start {
                *depth += 1;
            } else if is_end {
                *depth -= 1;
                if *depth == 0 {
                    stack.pop();
                    if let Some(Frame::Map { pending, .. }) = stack.last_mut() {
                        *pending = Some((None, here));
                    }
                }
            }
            continue;
        }
        if is_end {
            stack.pop();
            if stack.is_empty() {
                root_done = true;
            }
            continue;
        }
        // A key, or a value: find which trie node the value is.
        let node = match stack.last_mut() {
            None => {
                if root_done {
                    break;
                }
                if !is_start {
                    root_done = true;
                }
                Some((Some(0), here))
            }
            Some(Frame::Map { node, pending }) => match pending.take() {
                Some(p) => Some(p),
                None => {
                    if is_start {
                        stack.push(Frame::ComplexKey { depth: 1 });
                    } else {
                        let child = match &event {
                            Event::Scalar(k, style, ..) => trie.child(*node, &key_text(k, *style)),
                            _ => None,
                        };
                        *pending = Some((child, here));
                    }
                    None
                }
            },
            Some(Frame::Seq { node, index }) => {
                let child = trie.child(*node, &index.to_string());
                *index += 1;
                Some((child, here))
            }
            Some(Frame::ComplexKey { .. }) => None,
        };
        let Some((child, at)) = node else { continue };
        if let Some(n) = child {
            out.entry(n).or_insert(at);
        }
        match event {
            Event::MappingStart(..) => stack.push(Frame::Map {
                node: child,
                pending: None,
            }),
            Event::SequenceStart(..) => stack.push(Frame::Seq {
                node: child,
                index: 0,
            }),
            _ => {}
        }
    }
}

/// A key as the parsed document spells it: plain `~`, `null`, `true` and `false` keys become
/// the words the YAML loader writes for them.
fn key_text(k: &str, style: ScalarStyle) -> String {
    if style == ScalarStyle::Plain {
        match k {
            "~" | "null" | "Null" | "NULL" | "" => return "null".to_string(),
            "true" | "True" | "TRUE" => return "true".to_string(),
            "false" | "False" | "FALSE" => return "false".to_string(),
            _ => {}
        }
    }
    k.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str, f: SourceFormat, p: &str) -> Position {
        locate(text, f, [p])[p]
    }

    #[test]
    fn json_positions() {
        let t =
            "{\n  \"a\": {\"b\": [1, {\"c\": \"x\"}]},\n  \"d~/\": 2,\n  \"é\": {\"f\": true}\n}";
        let j = SourceFormat::Json;
        assert_eq!(at(t, j, "/a"), (2, 3));
        assert_eq!(at(t, j, "/a/b"), (2, 9));
        assert_eq!(at(t, j, "/a/b/1"), (2, 18));
        assert_eq!(at(t, j, "/a/b/1/c"), (2, 19));
        assert_eq!(at(t, j, "/d~0~1"), (3, 3));
        assert_eq!(at(t, j, "/é/f"), (4, 9));
        assert_eq!(at(t, j, ""), (1, 1));
        // Not in the text: the nearest ancestor.
        assert_eq!(at(t, j, "/a/b/7"), (2, 9));
    }

    #[test]
    fn yaml_positions() {
        let t = "openapi: 3.0.0\npaths:\n  /pets:\n    get:\n      parameters:\n        - name: id\n          in: path\n        - {name: q, in: query}\n      responses: {'200': {description: ok}}\n";
        let y = SourceFormat::Yaml;
        assert_eq!(at(t, y, "/paths/~1pets/get"), (4, 5));
        assert_eq!(at(t, y, "/paths/~1pets/get/parameters/0"), (6, 11));
        assert_eq!(at(t, y, "/paths/~1pets/get/parameters/0/in"), (7, 11));
        assert_eq!(at(t, y, "/paths/~1pets/get/parameters/1/in"), (8, 21));
        assert_eq!(at(t, y, "/paths/~1pets/get/responses/200"), (9, 19));
        assert_eq!(
            at(t, y, "/paths/~1pets/get/responses/200/description"),
            (9, 27)
        );
    }

    #[test]
    fn yaml_complex_keys_and_aliases() {
        let t = "a: &x {b: 1}\n? [k]\n: v\nc: *x\nd:\n  e: 1\n";
        let y = SourceFormat::Yaml;
        assert_eq!(at(t, y, "/d/e"), (6, 3));
        assert_eq!(at(t, y, "/c/b"), (4, 1));
        assert_eq!(at(t, y, "/a/b"), (1, 8));
    }
}

//! A validating, allocation-free JSON scanner for log records.
//!
//! Log lines are parsed millions of times, and each needs a handful of fields out of many.
//! serde's typed path spends most of its time in visitor machinery and in copying strings that
//! are then thrown away; this scanner walks the text once, validates all of it (the same
//! accept/reject decisions as serde_json, checked by a differential property test), and hands
//! out borrowed slices. Strings are decoded only when a field is actually used and contains
//! escapes.

use std::borrow::Cow;

/// Deeper nesting is refused, so a hostile line cannot exhaust the stack.
pub const MAX_DEPTH: u32 = 128;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanError {
    /// Byte offset in the text where the problem was found.
    pub pos: usize,
    pub msg: Cow<'static, str>,
}

impl ScanError {
    pub fn describe(&self) -> String {
        format!("{} (column {})", self.msg, self.pos + 1)
    }
}

pub type Result<T> = std::result::Result<T, ScanError>;

/// A string as it appears between its quotes. `escaped` says whether decoding is needed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JStr<'a> {
    pub raw: &'a str,
    pub escaped: bool,
}

impl<'a> JStr<'a> {
    /// The decoded text; borrowed when there was nothing to unescape. The scanner has already
    /// validated every escape, so decoding cannot fail.
    pub fn decode(&self) -> Cow<'a, str> {
        if !self.escaped {
            return Cow::Borrowed(self.raw);
        }
        let b = self.raw.as_bytes();
        let mut out = String::with_capacity(b.len());
        let mut i = 0;
        while i < b.len() {
            let next = memchr::memchr(b'\\', &b[i..]).map_or(b.len(), |k| i + k);
            out.push_str(&self.raw[i..next]);
            if next >= b.len() {
                break;
            }
            let e = b[next + 1];
            i = next + 2;
            let c = match e {
                b'"' => '"',
                b'\\' => '\\',
                b'/' => '/',
                b'b' => '\u{8}',
                b'f' => '\u{c}',
                b'n' => '\n',
                b'r' => '\r',
                b't' => '\t',
                _ => {
                    let hi = hex4(&b[i..i + 4]).unwrap_or(0xFFFD);
                    i += 4;
                    if (0xD800..0xDC00).contains(&hi) {
                        let lo = hex4(&b[i + 2..i + 6]).unwrap_or(0xDC00);
                        i += 6;
                        char::from_u32(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00))
                            .unwrap_or('\u{FFFD}')
                    } else {
                        char::from_u32(hi).unwrap_or('\u{FFFD}')
                    }
                }
            };
            out.push(c);
        }
        Cow::Owned(out)
    }

    /// True when the string is exactly `s` (an escaped key never is: keys we look for have no escapes).
    pub fn is(&self, s: &str) -> bool {
        !self.escaped && self.raw == s
    }
}

fn hex4(b: &[u8]) -> Option<u32> {
    if b.len() < 4 {
        return None;
    }
    let mut v = 0u32;
    for &c in &b[..4] {
        v = v * 16 + (c as char).to_digit(16)?;
    }
    Some(v)
}

/// The kind of the next value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Str,
    Num,
    Bool,
    Null,
    Obj,
    Arr,
}

pub struct Scanner<'a> {
    text: &'a str,
    b: &'a [u8],
    pos: usize,
    depth: u32,
    /// Whether the text has any byte below 0x20; when it has none (the usual case), strings
    /// need no control-character check.
    has_controls: bool,
}

/// Branch-free so that it vectorizes: one pass over the whole text.
fn any_control(b: &[u8]) -> bool {
    b.iter().fold(0u8, |acc, &c| acc | u8::from(c < 0x20)) != 0
}

impl<'a> Scanner<'a> {
    pub fn new(text: &'a str) -> Self {
        Scanner {
            text,
            b: text.as_bytes(),
            pos: 0,
            depth: 0,
            has_controls: any_control(text.as_bytes()),
        }
    }

    pub fn pos(&self) -> usize {
        self.pos
    }

    pub fn err<T>(&self, msg: impl Into<Cow<'static, str>>) -> Result<T> {
        Err(ScanError {
            pos: self.pos,
            msg: msg.into(),
        })
    }

    #[inline]
    fn ws(&mut self) {
        while let Some(&c) = self.b.get(self.pos) {
            if c == b' ' || c == b'\n' || c == b'\r' || c == b'\t' {
                self.pos += 1;
            } else {
                break;
            }
        }
    }

    /// The kind of the next value, after whitespace.
    pub fn peek(&mut self) -> Result<Kind> {
        self.ws();
        match self.b.get(self.pos) {
            Some(b'"') => Ok(Kind::Str),
            Some(b'{') => Ok(Kind::Obj),
            Some(b'[') => Ok(Kind::Arr),
            Some(b't' | b'f') => Ok(Kind::Bool),
            Some(b'n') => Ok(Kind::Null),
            Some(b'-' | b'0'..=b'9') => Ok(Kind::Num),
            Some(_) => self.err("expected value"),
            None => self.err("EOF while parsing a value"),
        }
    }

    /// After the last value: only whitespace may follow.
    pub fn finish(&mut self) -> Result<()> {
        self.ws();
        if self.pos < self.b.len() {
            return self.err("trailing characters");
        }
        Ok(())
    }

    pub fn string(&mut self) -> Result<JStr<'a>> {
        self.ws();
        if self.b.get(self.pos) != Some(&b'"') {
            return self.err("expected a string");
        }
        self.pos += 1;
        let start = self.pos;
        let mut escaped = false;
        loop {
            // Most keys and values are short: a plain loop finds their end sooner than the
            // set-up of a SIMD search. Longer strings jump ahead with memchr2. The bytes in
            // between only need the control-character check.
            let rest = &self.b[self.pos..];
            let Some(k) = memchr::memchr2(b'"', b'\\', rest) else {
                return self.err("EOF while parsing a string");
            };
            if self.has_controls
                && let Some(c) = rest[..k].iter().position(|&c| c < 0x20)
            {
                self.pos += c;
                return self
                    .err("control character (\\u0000-\\u001F) found while parsing a string");
            }
            self.pos += k;
            if self.b[self.pos] == b'"' {
                let raw = &self.text[start..self.pos];
                self.pos += 1;
                return Ok(JStr { raw, escaped });
            }
            escaped = true;
            self.escape()?;
        }
    }

    fn escape(&mut self) -> Result<()> {
        // at the backslash
        let Some(&e) = self.b.get(self.pos + 1) else {
            return self.err("EOF while parsing a string");
        };
        match e {
            b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => {
                self.pos += 2;
                Ok(())
            }
            b'u' => {
                self.pos += 2;
                let Some(hi) = self.b.get(self.pos..self.pos + 4).and_then(hex4) else {
                    return self.err("invalid \\u escape");
                };
                self.pos += 4;
                if (0xDC00..0xE000).contains(&hi) {
                    return self.err("lone leading surrogate in hex escape");
                }
                if (0xD800..0xDC00).contains(&hi) {
                    if self.b.get(self.pos) != Some(&b'\\')
                        || self.b.get(self.pos + 1) != Some(&b'u')
                    {
                        return self.err("unexpected end of hex escape");
                    }
                    self.pos += 2;
                    let Some(lo) = self.b.get(self.pos..self.pos + 4).and_then(hex4) else {
                        return self.err("invalid \\u escape");
                    };
                    if !(0xDC00..0xE000).contains(&lo) {
                        return self.err("lone leading surrogate in hex escape");
                    }
                    self.pos += 4;
                }
                Ok(())
            }
            _ => {
                self.pos += 1;
                self.err("invalid escape")
            }
        }
    }

    /// A number, returned as its text.
    pub fn number(&mut self) -> Result<&'a str> {
        self.ws();
        let start = self.pos;
        let digits = |s: &mut Self| {
            let from = s.pos;
            while s.b.get(s.pos).is_some_and(u8::is_ascii_digit) {
                s.pos += 1;
            }
            s.pos - from
        };
        if self.b.get(self.pos) == Some(&b'-') {
            self.pos += 1;
        }
        match self.b.get(self.pos) {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => {
                digits(self);
            }
            _ => return self.err("invalid number"),
        }
        if self.b.get(self.pos) == Some(&b'.') {
            self.pos += 1;
            if digits(self) == 0 {
                return self.err("invalid number");
            }
        }
        if matches!(self.b.get(self.pos), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.b.get(self.pos), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if digits(self) == 0 {
                return self.err("invalid number");
            }
        }
        Ok(&self.text[start..self.pos])
    }

    fn literal(&mut self, word: &'static [u8]) -> Result<()> {
        if self.b[self.pos..].starts_with(word) {
            self.pos += word.len();
            Ok(())
        } else {
            self.err("expected ident")
        }
    }

    pub fn bool(&mut self) -> Result<bool> {
        match self.peek()? {
            Kind::Bool if self.b[self.pos] == b't' => self.literal(b"true").map(|_| true),
            Kind::Bool => self.literal(b"false").map(|_| false),
            _ => self.err("expected true or false"),
        }
    }

    /// Consumes `null` if it is next.
    pub fn null(&mut self) -> Result<bool> {
        if self.peek()? == Kind::Null {
            self.literal(b"null")?;
            Ok(true)
        } else {
            Ok(false)
        }
    }

    fn enter(&mut self) -> Result<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return self.err("recursion limit exceeded");
        }
        self.pos += 1;
        Ok(())
    }

    /// Walks an object; `f` is called with each key and must consume its value.
    pub fn object(&mut self, mut f: impl FnMut(&mut Self, JStr<'a>) -> Result<()>) -> Result<()> {
        if self.peek()? != Kind::Obj {
            return self.err("expected an object");
        }
        self.enter()?;
        self.ws();
        if self.b.get(self.pos) == Some(&b'}') {
            self.pos += 1;
            self.depth -= 1;
            return Ok(());
        }
        loop {
            self.ws();
            if self.b.get(self.pos) != Some(&b'"') {
                return self.err(if self.pos >= self.b.len() {
                    "EOF while parsing an object"
                } else {
                    "key must be a string"
                });
            }
            let key = self.string()?;
            self.ws();
            if self.b.get(self.pos) != Some(&b':') {
                return self.err(if self.pos >= self.b.len() {
                    "EOF while parsing an object"
                } else {
                    "expected ':'"
                });
            }
            self.pos += 1;
            f(self, key)?;
            self.ws();
            match self.b.get(self.pos) {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    self.depth -= 1;
                    return Ok(());
                }
                None => return self.err("EOF while parsing an object"),
                _ => return self.err("expected ',' or '}'"),
            }
        }
    }

    /// Walks an array; `f` is called for each element and must consume it.
    pub fn array(&mut self, mut f: impl FnMut(&mut Self) -> Result<()>) -> Result<()> {
        if self.peek()? != Kind::Arr {
            return self.err("expected an array");
        }
        self.enter()?;
        self.ws();
        if self.b.get(self.pos) == Some(&b']') {
            self.pos += 1;
            self.depth -= 1;
            return Ok(());
        }
        loop {
            f(self)?;
            self.ws();
            match self.b.get(self.pos) {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    self.depth -= 1;
                    return Ok(());
                }
                None => return self.err("EOF while parsing a list"),
                _ => return self.err("expected ',' or ']'"),
            }
        }
    }

    /// Validates and skips one value of any kind.
    pub fn skip(&mut self) -> Result<()> {
        match self.peek()? {
            Kind::Str => self.string().map(|_| ()),
            Kind::Num => self.number().map(|_| ()),
            Kind::Bool => self.bool().map(|_| ()),
            Kind::Null => self.literal(b"null"),
            Kind::Obj => self.object(|s, _| s.skip()),
            Kind::Arr => self.array(|s| s.skip()),
        }
    }

    /// A scalar as text: strings decoded, numbers and booleans as written; `None` for null.
    /// Objects and arrays are an error naming `what`.
    pub fn text(&mut self, what: &str) -> Result<Option<Cow<'a, str>>> {
        match self.peek()? {
            Kind::Str => Ok(Some(self.string()?.decode())),
            Kind::Num => Ok(Some(Cow::Borrowed(self.number()?))),
            Kind::Bool => Ok(Some(Cow::Borrowed(if self.bool()? {
                "true"
            } else {
                "false"
            }))),
            Kind::Null => self.literal(b"null").map(|_| None),
            _ => self.err(format!("{what}: expected a string")),
        }
    }

    /// A header object: values may be strings, numbers, booleans, arrays of those, or null.
    pub fn headers(&mut self, out: &mut apispm_core::Headers<'a>, what: &str) -> Result<()> {
        if self.null()? {
            return Ok(());
        }
        if self.peek()? != Kind::Obj {
            return self.err(format!("{what}: expected an object of headers"));
        }
        if out.capacity() == 0 {
            out.reserve(16);
        }
        self.object(|s, key| {
            let name = key.decode();
            if s.peek()? == Kind::Arr {
                s.array(|s| {
                    if let Some(v) = s.text("header value")? {
                        out.push((name.clone(), v));
                    }
                    Ok(())
                })
            } else {
                if let Some(v) = s.text("header value")? {
                    out.push((name, v));
                }
                Ok(())
            }
        })
    }

    /// An integer given as a number or numeric string; `-`, empty and null are none.
    pub fn lenient_int(&mut self, what: &str) -> Result<Option<i64>> {
        self.lenient(what, "expected an integer", |t| {
            t.parse::<i64>().ok().or_else(|| {
                t.parse::<f64>()
                    .ok()
                    .filter(|v| v.fract() == 0.0 && v.abs() < 9e15)
                    .map(|v| v as i64)
            })
        })
    }

    /// A timestamp: RFC 3339, epoch seconds or milliseconds; `-`, empty and null are none.
    pub fn timestamp(&mut self, what: &str) -> Result<Option<i64>> {
        self.lenient(what, "bad timestamp", apispm_core::time::parse_any)
    }

    /// A scalar that logs write loosely: `-`, empty and null are none; anything else must
    /// parse, or the error names the field and quotes the value.
    fn lenient<T>(
        &mut self,
        what: &str,
        problem: &str,
        parse: impl FnOnce(&str) -> Option<T>,
    ) -> Result<Option<T>> {
        let at = self.pos;
        let Some(t) = self.text(what)? else {
            return Ok(None);
        };
        let t = t.trim();
        if t.is_empty() || t == "-" {
            return Ok(None);
        }
        parse(t).map(Some).ok_or_else(|| ScanError {
            pos: at,
            msg: format!(
                "{what}: {problem}, found \"{}\"",
                t.chars().take(40).collect::<String>()
            )
            .into(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn valid(s: &str) -> bool {
        let mut sc = Scanner::new(s);
        sc.skip().and_then(|_| sc.finish()).is_ok()
    }

    #[test]
    fn accepts_and_rejects_like_json() {
        for ok in [
            r#"{"a":1,"b":[true,false,null],"c":{"d":"e\u00e9\n"},"f":-0.5e+3}"#,
            r#"  [ ]  "#,
            r#""\ud83d\ude00""#,
            "0",
        ] {
            assert!(valid(ok), "{ok}");
        }
        for bad in [
            r#"{"a":1,}"#,
            r#"{"a" 1}"#,
            r#"[1,]"#,
            "01",
            "1.",
            "-",
            r#""\x""#,
            r#""\ud83d""#,
            "tru",
            r#"{"a":1} x"#,
            "\"a\u{1}\"",
            r#"{'a':1}"#,
            "",
            "[",
            r#"{"a":"#,
        ] {
            assert!(!valid(bad), "{bad}");
        }
    }

    #[test]
    fn decodes_escapes() {
        let mut sc = Scanner::new(r#""a\"b\\c\/\n\u00e9\ud83d\ude00""#);
        let s = sc.string().unwrap();
        assert!(s.escaped);
        assert_eq!(s.decode(), "a\"b\\c/\né😀");
    }

    #[test]
    fn deep_nesting_is_refused() {
        let s = "[".repeat(10_000);
        assert!(!valid(&s));
        let ok = format!("{}{}", "[".repeat(100), "]".repeat(100));
        assert!(valid(&ok));
    }

    fn json_value() -> impl Strategy<Value = serde_json::Value> {
        let leaf = prop_oneof![
            Just(serde_json::Value::Null),
            any::<bool>().prop_map(serde_json::Value::Bool),
            any::<i64>().prop_map(|n| serde_json::json!(n)),
            (-1e9f64..1e9).prop_map(|n| serde_json::json!(n)),
            ".*".prop_map(serde_json::Value::String),
        ];
        leaf.prop_recursive(4, 32, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::Array),
                prop::collection::btree_map(".*", inner, 0..6)
                    .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        // Differential: on valid documents and on every single-byte corruption of them, the
        // scanner accepts exactly what serde_json accepts.
        #[test]
        fn agrees_with_serde_json(v in json_value(), cut in any::<prop::sample::Index>(), byte in any::<u8>()) {
            let text = serde_json::to_string(&v).unwrap();
            prop_assert!(valid(&text), "{}", text);
            let mut bytes = text.clone().into_bytes();
            let i = cut.index(bytes.len().max(1)).min(bytes.len().saturating_sub(1));
            if !bytes.is_empty() {
                bytes[i] = byte;
            }
            if let Ok(s) = std::str::from_utf8(&bytes) {
                let serde_ok = serde_json::from_str::<serde::de::IgnoredAny>(s).is_ok();
                prop_assert_eq!(valid(s), serde_ok, "{}", s);
            }
        }

        #[test]
        fn strings_decode_like_serde(s in ".*") {
            let text = serde_json::to_string(&s).unwrap();
            let mut sc = Scanner::new(&text);
            prop_assert_eq!(sc.string().unwrap().decode(), s);
        }

        #[test]
        fn never_panics(s in "\\PC*") {
            let _ = valid(&s);
        }
    }
}

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

/// Why a text is not valid JSON (or not what a reader expected), and where. Boxed, so that a
/// `Result` of the scanner is a pointer wide and the hot path passes it in a register.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanError(Box<ErrorAt>);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorAt {
    /// Byte offset in the text where the problem was found.
    pub pos: usize,
    pub msg: Cow<'static, str>,
}

impl ScanError {
    #[cold]
    pub fn new(pos: usize, msg: Cow<'static, str>) -> ScanError {
        ScanError(Box::new(ErrorAt { pos, msg }))
    }

    pub fn pos(&self) -> usize {
        self.0.pos
    }

    pub fn msg(&self) -> &str {
        &self.0.msg
    }

    pub fn describe(&self) -> String {
        format!("{} (column {})", self.0.msg, self.0.pos + 1)
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
    #[inline]
    pub fn decode(&self) -> Cow<'a, str> {
        if !self.escaped {
            return Cow::Borrowed(self.raw);
        }
        Cow::Owned(self.unescape())
    }

    fn unescape(&self) -> String {
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
        out
    }

    /// True when the string is exactly `s` (an escaped key never is: keys we look for have no escapes).
    pub fn is(&self, s: &str) -> bool {
        !self.escaped && self.raw == s
    }
}

/// An integer written as text: digits, or a float with an integral value.
fn integer_text(t: &str) -> Option<i64> {
    t.parse::<i64>().ok().or_else(|| {
        t.parse::<f64>()
            .ok()
            .filter(|v| v.fract() == 0.0 && v.abs() < 9e15)
            .map(|v| v as i64)
    })
}

/// `str::trim`, with the usual case (no surrounding whitespace) decided from two bytes.
#[inline]
pub fn trim(s: &str) -> &str {
    match s.as_bytes() {
        [first, .., last] if first.is_ascii_graphic() && last.is_ascii_graphic() => s,
        [only] if only.is_ascii_graphic() => s,
        _ => s.trim(),
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
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGH: u64 = 0x8080_8080_8080_8080;

/// Marks the bytes of `x` that end the plain run of a string (a quote, a backslash or a
/// control character) with their high bit, eight bytes at a time in a handful of integer
/// operations instead of a call per string into a SIMD search. The lowest marked byte is
/// always the first such byte (a borrow, which may mark bytes above, only starts at one), and
/// nothing is marked when there is none: exactly what [`find_stop`] needs.
#[inline(always)]
fn stop_bytes(x: u64) -> u64 {
    let q = x ^ (ONES * u64::from(b'"'));
    let s = x ^ (ONES * u64::from(b'\\'));
    // A byte below 1 (equal) or below 0x20 (control) borrows; `!x` drops bytes >= 0x80, which
    // are none of the three and whose high bit is the same in `q` and `s`.
    (q.wrapping_sub(ONES) | s.wrapping_sub(ONES) | x.wrapping_sub(ONES * 0x20)) & !x & HIGH
}

/// Index of the first quote, backslash or control byte at or after `i`, or `b.len()`.
#[inline(always)]
fn find_stop(b: &[u8], mut i: usize) -> usize {
    while let Some(chunk) = b.get(i..i + 8) {
        let x = u64::from_le_bytes(chunk.try_into().expect("eight bytes"));
        let m = stop_bytes(x);
        if m != 0 {
            return i + (m.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while let Some(&c) = b.get(i) {
        if c == b'"' || c == b'\\' || c < 0x20 {
            return i;
        }
        i += 1;
    }
    i
}

impl<'a> Scanner<'a> {
    pub fn new(text: &'a str) -> Self {
        Scanner {
            text,
            b: text.as_bytes(),
            pos: 0,
            depth: 0,
        }
    }

    pub fn pos(&self) -> usize {
        self.pos
    }

    #[cold]
    pub fn err<T>(&self, msg: impl Into<Cow<'static, str>>) -> Result<T> {
        Err(ScanError::new(self.pos, msg.into()))
    }

    #[inline(always)]
    fn ws(&mut self) {
        while let Some(&c) = self.b.get(self.pos) {
            // One comparison for the usual case, a byte that is not whitespace.
            if c > b' ' || !(c == b' ' || c == b'\n' || c == b'\r' || c == b'\t') {
                break;
            }
            self.pos += 1;
        }
    }

    /// The kind of the next value, after whitespace.
    #[inline]
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

    #[inline]
    pub fn string(&mut self) -> Result<JStr<'a>> {
        // Callers have usually peeked already: whitespace is skipped only when needed.
        if self.b.get(self.pos) != Some(&b'"') {
            self.ws();
            if self.b.get(self.pos) != Some(&b'"') {
                return self.err("expected a string");
            }
        }
        self.string_at_quote()
    }

    /// A string whose opening quote is at the current position (as after [`Scanner::peek`]
    /// said [`Kind::Str`]). The usual string, without escapes, is found inline; escapes and
    /// errors take the slow path.
    #[inline(always)]
    pub(crate) fn string_at_quote(&mut self) -> Result<JStr<'a>> {
        let start = self.pos + 1;
        let i = find_stop(self.b, start);
        if self.b.get(i) == Some(&b'"') {
            self.pos = i + 1;
            return Ok(JStr {
                raw: &self.text[start..i],
                escaped: false,
            });
        }
        self.string_rest(start, i)
    }

    /// The rest of a string from its first backslash or stray byte at `i`.
    #[inline(never)]
    fn string_rest(&mut self, start: usize, mut i: usize) -> Result<JStr<'a>> {
        self.pos = start;
        let mut escaped = false;
        loop {
            match self.b.get(i) {
                Some(b'"') => {
                    let raw = &self.text[start..i];
                    self.pos = i + 1;
                    return Ok(JStr { raw, escaped });
                }
                Some(b'\\') => {
                    self.pos = i;
                    escaped = true;
                    self.escape()?;
                }
                Some(_) => return self.control_in_string(i),
                None => return self.err("EOF while parsing a string"),
            }
            i = find_stop(self.b, self.pos);
        }
    }

    /// A control character at `at` inside a string; a string that never ends is reported as
    /// such first.
    #[cold]
    fn control_in_string<T>(&mut self, at: usize) -> Result<T> {
        if memchr::memchr2(b'"', b'\\', &self.b[at..]).is_none() {
            return self.err("EOF while parsing a string");
        }
        self.pos = at;
        self.err("control character (\\u0000-\\u001F) found while parsing a string")
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
        let b = self.b;
        let start = self.pos;
        let digits = |mut i: usize| {
            while b.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
            i
        };
        let mut i = start;
        if b.get(i) == Some(&b'-') {
            i += 1;
        }
        match b.get(i) {
            Some(b'0') => i += 1,
            Some(b'1'..=b'9') => i = digits(i + 1),
            _ => return self.number_error(i),
        }
        if b.get(i) == Some(&b'.') {
            let end = digits(i + 1);
            if end == i + 1 {
                return self.number_error(end);
            }
            i = end;
        }
        if matches!(b.get(i), Some(b'e' | b'E')) {
            i += 1;
            if matches!(b.get(i), Some(b'+' | b'-')) {
                i += 1;
            }
            let end = digits(i);
            if end == i {
                return self.number_error(end);
            }
            i = end;
        }
        self.pos = i;
        Ok(&self.text[start..i])
    }

    #[cold]
    fn number_error<T>(&mut self, at: usize) -> Result<T> {
        self.pos = at;
        self.err("invalid number")
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
            let key = self.string_at_quote()?;
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
            Kind::Str => self.string_at_quote().map(|_| ()),
            Kind::Num => self.number().map(|_| ()),
            Kind::Bool => self.bool().map(|_| ()),
            Kind::Null => self.literal(b"null"),
            Kind::Obj | Kind::Arr => self.skip_nested(),
        }
    }

    /// Skips an object or array without recursion or callbacks: one loop, with the kinds of
    /// the open containers as a bit stack (at most [`MAX_DEPTH`] of them). Accepts, rejects and
    /// words errors exactly as walking it with [`Scanner::object`] and [`Scanner::array`] does.
    fn skip_nested(&mut self) -> Result<()> {
        // Bit i: whether the i-th innermost open container is an object.
        let mut objects: u128 = 0;
        let mut open = 0u32;
        loop {
            // At a value.
            match self.peek()? {
                Kind::Obj | Kind::Arr => {
                    let is_object = self.b[self.pos] == b'{';
                    self.enter()?;
                    objects = (objects << 1) | u128::from(is_object);
                    open += 1;
                    self.ws();
                    let close = if is_object { b'}' } else { b']' };
                    if self.b.get(self.pos) == Some(&close) {
                        self.pos += 1;
                        self.depth -= 1;
                        objects >>= 1;
                        open -= 1;
                    } else {
                        if is_object {
                            self.member_key()?;
                        }
                        continue;
                    }
                }
                Kind::Str => {
                    self.string_at_quote()?;
                }
                Kind::Num => {
                    self.number()?;
                }
                Kind::Bool => {
                    self.bool()?;
                }
                Kind::Null => self.literal(b"null")?,
            }
            // After a value: a separator leads to the next value; closers end containers.
            loop {
                if open == 0 {
                    return Ok(());
                }
                self.ws();
                let in_object = objects & 1 == 1;
                match self.b.get(self.pos) {
                    Some(b',') => {
                        self.pos += 1;
                        if in_object {
                            self.member_key()?;
                        }
                        break;
                    }
                    Some(b'}') if in_object => {}
                    Some(b']') if !in_object => {}
                    None if in_object => return self.err("EOF while parsing an object"),
                    None => return self.err("EOF while parsing a list"),
                    _ if in_object => return self.err("expected ',' or '}'"),
                    _ => return self.err("expected ',' or ']'"),
                }
                self.pos += 1;
                self.depth -= 1;
                objects >>= 1;
                open -= 1;
            }
        }
    }

    /// A member's key and colon, as [`Scanner::object`] reads them.
    fn member_key(&mut self) -> Result<()> {
        self.ws();
        if self.b.get(self.pos) != Some(&b'"') {
            return self.err(if self.pos >= self.b.len() {
                "EOF while parsing an object"
            } else {
                "key must be a string"
            });
        }
        self.string_at_quote()?;
        self.ws();
        if self.b.get(self.pos) != Some(&b':') {
            return self.err(if self.pos >= self.b.len() {
                "EOF while parsing an object"
            } else {
                "expected ':'"
            });
        }
        self.pos += 1;
        Ok(())
    }

    /// A scalar as text: strings decoded, numbers and booleans as written; `None` for null.
    /// Objects and arrays are an error naming `what`.
    #[inline]
    pub fn text(&mut self, what: &str) -> Result<Option<Cow<'a, str>>> {
        match self.peek()? {
            Kind::Str => Ok(Some(self.string_at_quote()?.decode())),
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
        if let Some(v) = self.plain_integer()? {
            return Ok(Some(v as i64));
        }
        self.lenient(what, "expected an integer", integer_text)
    }

    /// A timestamp: RFC 3339, epoch seconds or milliseconds; `-`, empty and null are none.
    pub fn timestamp(&mut self, what: &str) -> Result<Option<i64>> {
        // The usual value, epoch milliseconds written as a plain integer, read directly: the
        // same value `parse_any` gives it (an integer this short is exact as a float).
        if let Some(v) = self.plain_integer()? {
            return Ok(apispm_core::time::from_epoch_number(v as f64));
        }
        self.lenient(what, "bad timestamp", apispm_core::time::parse_any)
    }

    /// A number of at most 15 digits and nothing else (no sign, leading zero, fraction or
    /// exponent), read and valued in one pass: exactly what [`Scanner::number`] reads, and a
    /// value exact as an `f64`. Anything else is left unread for the general path.
    fn plain_integer(&mut self) -> Result<Option<u64>> {
        if self.peek()? != Kind::Num {
            return Ok(None);
        }
        let (b, start) = (self.b, self.pos);
        let (mut i, mut v) = (start, 0u64);
        while let Some(d) = b.get(i).map(|c| c.wrapping_sub(b'0')).filter(|d| *d <= 9) {
            v = v * 10 + u64::from(d);
            i += 1;
            if i - start > 15 {
                break;
            }
        }
        let len = i - start;
        if (1..=15).contains(&len)
            && (b[start] != b'0' || len == 1)
            && !matches!(b.get(i), Some(b'0'..=b'9' | b'.' | b'e' | b'E'))
        {
            self.pos = i;
            return Ok(Some(v));
        }
        Ok(None)
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
        let t = trim(&t);
        if t.is_empty() || t == "-" {
            return Ok(None);
        }
        parse(t).map(Some).ok_or_else(|| {
            ScanError::new(
                at,
                format!(
                    "{what}: {problem}, found \"{}\"",
                    t.chars().take(40).collect::<String>()
                )
                .into(),
            )
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
    fn timestamps_read_directly_equal_the_text_path() {
        for t in [
            "1764806400000",
            "1764806400",
            "0",
            "00",
            "012",
            "123456789012345",
            "1234567890123456",
            "-5",
            "1.5e3",
            "12E2",
            "17648064000001",
            "7x",
            "\"1764806400\"",
            "null",
        ] {
            let mut sc = Scanner::new(t);
            let direct = (sc.timestamp("t"), sc.pos());
            let mut sc = Scanner::new(t);
            let text = (
                sc.lenient("t", "bad timestamp", apispm_core::time::parse_any),
                sc.pos(),
            );
            assert_eq!(direct, text, "{t}");
            let mut sc = Scanner::new(t);
            let direct = (sc.lenient_int("t"), sc.pos());
            let mut sc = Scanner::new(t);
            let text = (
                sc.lenient("t", "expected an integer", integer_text),
                sc.pos(),
            );
            assert_eq!(direct, text, "{t}");
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

        // The word-at-a-time search finds the same byte as a plain loop, wherever it starts.
        #[test]
        fn stop_bytes_are_found_like_a_plain_loop(
            b in prop::collection::vec(prop_oneof![6 => Just(b'a'), 1 => any::<u8>()], 0..64),
            from in 0usize..64,
        ) {
            let from = from.min(b.len());
            let plain = b[from..]
                .iter()
                .position(|&c| c == b'"' || c == b'\\' || c < 0x20)
                .map_or(b.len(), |i| from + i);
            prop_assert_eq!(find_stop(&b, from), plain);
        }

        // The loop that skips containers accepts, rejects, reports and stops exactly where
        // walking them with `object` and `array` does, on documents and their corruptions.
        #[test]
        fn skipping_matches_walking(v in json_value(), cut in any::<prop::sample::Index>(), byte in any::<u8>(), pretty in any::<bool>()) {
            let text = if pretty { serde_json::to_string_pretty(&v).unwrap() } else { serde_json::to_string(&v).unwrap() };
            let mut bytes = text.into_bytes();
            let i = cut.index(bytes.len().max(1)).min(bytes.len().saturating_sub(1));
            for corrupt in [false, true] {
                if corrupt && !bytes.is_empty() {
                    bytes[i] = byte;
                }
                let Ok(s) = std::str::from_utf8(&bytes) else { continue };
                let (mut a, mut b) = (Scanner::new(s), Scanner::new(s));
                prop_assert_eq!(a.skip(), walk(&mut b), "{}", s);
                prop_assert_eq!(a.pos(), b.pos(), "{}", s);
            }
        }
    }

    /// The recursive reference for `skip`.
    fn walk(sc: &mut Scanner<'_>) -> Result<()> {
        match sc.peek()? {
            Kind::Obj => sc.object(|s, _| walk(s)),
            Kind::Arr => sc.array(walk),
            _ => sc.skip(),
        }
    }

    #[test]
    fn skipping_reports_errors_like_walking() {
        for bad in [
            r#"{"a":1,}"#,
            r#"{"a" 1}"#,
            r#"{"a":1 "b":2}"#,
            r#"[1,]"#,
            r#"[1 2]"#,
            r#"{"a":[1,{"b":}]}"#,
            r#"{"a":{"b":[1,2"#,
            r#"[{"#,
            r#"{1:2}"#,
            r#"[-]"#,
            r#"[1.]"#,
            r#"[1e+]"#,
            r#"["a\x"]"#,
            "[\"a\u{1}\"]",
            "[\"unterminated",
        ] {
            let (mut a, mut b) = (Scanner::new(bad), Scanner::new(bad));
            let (x, y) = (a.skip(), walk(&mut b));
            assert!(x.is_err(), "{bad}");
            assert_eq!(x, y, "{bad}");
        }
        let deep = "[".repeat(200);
        let (mut a, mut b) = (Scanner::new(&deep), Scanner::new(&deep));
        let err = a.skip().unwrap_err();
        assert_eq!(Err(err.clone()), walk(&mut b));
        assert_eq!(err.msg(), "recursion limit exceeded");
    }

    #[test]
    fn string_errors_name_the_first_problem() {
        let err = |s: &str| Scanner::new(s).string().unwrap_err();
        // A control character is reported where it is, when the string goes on to end...
        let e = err("\"ab\u{1}cd\"");
        assert_eq!(
            (e.pos(), e.msg()),
            (
                3,
                "control character (\\u0000-\\u001F) found while parsing a string"
            )
        );
        // ...and a string that never ends as such, from where its plain run began.
        let e = err("\"ab\u{1}cd");
        assert_eq!((e.pos(), e.msg()), (1, "EOF while parsing a string"));
        let e = err("\"a\\nb\u{1}");
        assert_eq!((e.pos(), e.msg()), (4, "EOF while parsing a string"));
        let e = err("\"a\\q\"");
        assert_eq!((e.pos(), e.msg()), (3, "invalid escape"));
    }
}

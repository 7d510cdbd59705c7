//! The single pass. A 256-entry byte-class table drives one loop over the text: words
//! (`[A-Za-z0-9_]` runs) are measured as they are skipped, and only words whose shape can
//! start a finding (digits, a known prefix, `eyJ`, an IBAN head, a long mixed token) or one
//! of a few trigger bytes (`@ + ( - : %`) call a detector. Detectors validate and push; the
//! results are ordered and de-overlapped at the end. Nothing allocates unless a finding is
//! pushed.

use aho_corasick::AhoCorasick;
use memchr::memmem;

use crate::context::{
    classify_value_key, eq_ci, is_numeric_id_key, is_ssn_key, is_version_key, key_before,
    word_before,
};
use crate::hint;
use crate::validate::{
    self, b64_json_object_start, distinct, is_uuid, jwt_header_alg, max_repeat, shannon_entropy,
    wordlike_ratio,
};
use crate::{Detection, SensitiveType};

const LO: u8 = 1;
const UP: u8 = 2;
const DI: u8 = 4;
const US: u8 = 8;
const TRIG: u8 = 16;
const WORD: u8 = LO | UP | DI | US;

const fn build_classes() -> [u8; 256] {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        let c = i as u8;
        t[i] = if c.is_ascii_lowercase() {
            LO
        } else if c.is_ascii_uppercase() {
            UP
        } else if c.is_ascii_digit() {
            DI
        } else if c == b'_' {
            US
        } else if matches!(c, b'@' | b'+' | b'(' | b'-' | b':' | b'%' | b'\\') {
            TRIG
        } else {
            0
        };
        i += 1;
    }
    t
}

static CLASS: [u8; 256] = build_classes();

/// Bytes of a generic token: base64 / base64url alphabets.
fn is_tok(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'+' | b'/')
}

fn is_alnum_(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

fn is_b64url(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'-'
}

pub(crate) struct Scanner<'a> {
    dict: &'a AhoCorasick,
    b: &'a [u8],
    out: Vec<Detection>,
    generic_until: usize,
    /// The last `-----END` search: (searched up to, first hit) so that many `BEGIN` lines
    /// without an end cost one scan, not one each.
    pem_end: Option<(usize, Option<usize>)>,
}

pub(crate) fn scan(dict: &AhoCorasick, text: &str, sink: &mut dyn FnMut(Detection)) {
    let b = text.as_bytes();
    let mut s = Scanner {
        dict,
        b,
        out: Vec::new(),
        generic_until: 0,
        pem_end: None,
    };
    let n = b.len();
    let mut i = 0;
    while i < n {
        let c = CLASS[usize::from(b[i])];
        if c == 0 {
            i += 1;
            continue;
        }
        if c & WORD != 0 {
            let start = i;
            let mut f = 0u8;
            while i < n {
                let c2 = CLASS[usize::from(b[i])];
                if c2 & WORD == 0 {
                    break;
                }
                f |= c2;
                i += 1;
            }
            if let Some(end) = s.word(start, i, f) {
                i = i.max(end);
            }
            continue;
        }
        let next = match b[i] {
            b'@' => s.email(i, 1),
            b'+' => s.phone_plus(i, i + 1),
            b'(' => s.phone_paren(i),
            b'-' => s.pem(i),
            b':' => s.colon(i),
            b'%' => s.percent(i),
            b'\\' => s.escape(i),
            _ => None,
        };
        i = match next {
            Some(e) if e > i => e,
            _ => i + 1,
        };
    }
    let mut out = s.out;
    if out.len() > 1 {
        out.sort_by(|a, b| a.start.cmp(&b.start).then(b.end.cmp(&a.end)));
    }
    let mut last_end = 0usize;
    for d in out {
        if d.start < last_end {
            continue;
        }
        last_end = d.end;
        sink(d);
    }
}

impl Scanner<'_> {
    fn push(
        &mut self,
        kind: SensitiveType,
        detail: &'static str,
        start: usize,
        end: usize,
        hint: String,
    ) {
        self.out.push(Detection {
            kind,
            detail,
            start,
            end,
            hint,
        });
    }

    fn at(&self, i: usize) -> u8 {
        self.b.get(i).copied().unwrap_or(0)
    }

    fn run_end(&self, mut i: usize, pred: impl Fn(u8) -> bool) -> usize {
        while i < self.b.len() && pred(self.b[i]) {
            i += 1;
        }
        i
    }

    /// True when position `i` does not continue a word (end of text or a non-`[A-Za-z0-9_]`).
    fn boundary(&self, i: usize) -> bool {
        i >= self.b.len() || !is_alnum_(self.b[i])
    }

    /// A JSON/C string escape (`\n`, `\t`, `\"`, `\u00e9`) separates words; step over it.
    fn escape(&self, i: usize) -> Option<usize> {
        match self.at(i + 1) {
            b'n' | b'r' | b't' | b'b' | b'f' | b'"' | b'\\' | b'/' => Some(i + 2),
            b'u' if self
                .b
                .get(i + 2..i + 6)
                .is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit)) =>
            {
                Some(i + 6)
            }
            _ => None,
        }
    }

    /// True when the byte before `pos` continues a word (`[A-Za-z0-9_]`), not counting the
    /// letter of an escape such as `\n`.
    fn prev_is_word(&self, pos: usize) -> bool {
        if pos == 0 || !is_alnum_(self.b[pos - 1]) {
            return false;
        }
        !(pos >= 2
            && self.b[pos - 2] == b'\\'
            && matches!(self.b[pos - 1], b'n' | b'r' | b't' | b'b' | b'f'))
    }

    fn word(&mut self, start: usize, end: usize, f: u8) -> Option<usize> {
        let len = end - start;
        let next = self.at(end);
        if f == DI {
            if let Some(e) = self.numeric(start) {
                return Some(e);
            }
            if next == b':' {
                if len <= 4 {
                    if let Some(e) = self.ipv6(start) {
                        return Some(e);
                    }
                }
                if (8..=10).contains(&len) {
                    return self.telegram(start, end);
                }
            }
            return None;
        }
        // Fast path: short lowercase words (prose, JSON keys) start nothing unless a
        // prefix secret or an IPv6 group could follow.
        if f == LO && len < 16 && !matches!(next, b'-' | b'.' | b':') {
            return None;
        }
        if let Some(e) = self.prefixed(start, end, f, next) {
            return Some(e);
        }
        if len >= 4
            && f & LO == 0
            && self.b[start].is_ascii_uppercase()
            && self.b[start + 1].is_ascii_uppercase()
            && self.b[start + 2].is_ascii_digit()
            && self.b[start + 3].is_ascii_digit()
        {
            if let Some(e) = self.iban(start, end) {
                return Some(e);
            }
        }
        if next == b':' && len <= 4 && self.b[start..end].iter().all(u8::is_ascii_hexdigit) {
            if let Some(e) = self.ipv6(start) {
                return Some(e);
            }
        }
        if f & UP != 0 && len >= 20 {
            if let Some(k) = find_bytes(&self.b[start + 1..end], b"eyJ") {
                if let Some(e) = self.jwt(start + 1 + k) {
                    return Some(e);
                }
            }
        }
        if len >= 8 || matches!(next, b'-' | b'+' | b'/') {
            return self.generic(start, end);
        }
        None
    }

    // ---------------------------------------------------------------- numbers

    /// A run of digits that may continue with single `' '`, `'-'` or `'.'` separators: cards,
    /// SSNs, formatted phone numbers, IPv4.
    fn numeric(&mut self, start: usize) -> Option<usize> {
        let b = self.b;
        if start > 0 {
            let p = b[start - 1];
            if p == b'.' || p == b'+' || p == b'\\' {
                return None; // a decimal fraction, a signed/phone number, an escape
            }
            if p == b' ' && start >= 2 && b[start - 2].is_ascii_alphanumeric() {
                // after a number that did not start here, or after a code group such as
                // `1BNA` / `X054`: part of that sequence
                let mut j = start - 1;
                while j > 0 && b[j - 1].is_ascii_alphanumeric() {
                    j -= 1;
                }
                let w = &b[j..start - 1];
                let digits = w.iter().any(u8::is_ascii_digit);
                if digits
                    && (w.iter().all(u8::is_ascii_digit) || w.iter().any(u8::is_ascii_uppercase))
                {
                    return None;
                }
            }
            if p == b'-' && start >= 2 && is_alnum_(b[start - 2]) {
                return None; // a hyphenated identifier or a number's continuation
            }
        }
        let g = Groups::parse(b, start);
        let mut k = 0;
        let mut consumed_prev = true;
        let mut last = None;
        while k < g.n {
            let entry = g.sep[k];
            let can_start = k == 0 || entry == b' ';
            if can_start {
                if let Some(m) = self.shape(&g, k, consumed_prev) {
                    last = Some(g.end_of(k + m - 1));
                    k += m;
                    consumed_prev = true;
                    continue;
                }
            }
            k += 1;
            consumed_prev = false;
        }
        last
    }

    /// Tries every shape that can start at group `k`; pushes the first that validates and
    /// returns how many groups it used.
    fn shape(&mut self, g: &Groups, k: usize, consumed_prev: bool) -> Option<usize> {
        // (internal separator, group count) candidates, longest first
        let fits = |m: usize, sep: u8| -> bool {
            if k + m > g.n {
                return false;
            }
            if (1..m).any(|t| g.sep[k + t] != sep) {
                return false;
            }
            // a shape cannot stop in the middle of a run that uses its own separator
            if k + m < g.n && (g.sep[k + m] == sep || (sep == 0 && g.sep[k + m] != b' ')) {
                return false;
            }
            if k + m == g.n && g.tail_bad {
                return false;
            }
            // mid-sequence starts after an unmatched group only for contiguous or non-space shapes
            !(k > 0 && !consumed_prev && sep == b' ')
        };
        let lens = |m: usize| -> [usize; 5] {
            let mut l = [0usize; 5];
            for (t, slot) in l.iter_mut().enumerate().take(m) {
                *slot = g.len[k + t];
            }
            l
        };
        let first_sep = if k + 1 < g.n { g.sep[k + 1] } else { 0 };

        // IPv4: d.d.d.d
        if first_sep == b'.' && fits(4, b'.') {
            let l = lens(4);
            if l[..4].iter().all(|&x| (1..=3).contains(&x)) {
                let start = g.start[k];
                let end = g.end_of(k + 3);
                if self.ipv4_ok(g, k) && !self.version_context(start) {
                    let h = hint::ipv4(&self.b[start..end]);
                    self.push(SensitiveType::IpAddress, "ipv4", start, end, h);
                    return Some(4);
                }
            }
            return None;
        }

        // grouped cards: 4-4-4-4(-x), 4-4-4-x, 4-6-5, 4-6-4
        if matches!(first_sep, b' ' | b'-') {
            let sep = first_sep;
            for m in [5usize, 4, 3] {
                if !fits(m, sep) {
                    continue;
                }
                let l = lens(m);
                let shape_ok = match m {
                    5 => l[..4] == [4, 4, 4, 4] && (1..=3).contains(&l[4]),
                    4 => l[..3] == [4, 4, 4] && (1..=4).contains(&l[3]),
                    _ => l[..3] == [4, 6, 5] || l[..3] == [4, 6, 4],
                };
                if shape_ok {
                    let mut buf = [0u8; 24];
                    let d = g.digits(self.b, k, m, &mut buf);
                    if let Some(net) = validate::card(d) {
                        let (s, e) = (g.start[k], g.end_of(k + m - 1));
                        self.push(SensitiveType::CreditCard, net, s, e, hint::last4(d, "****"));
                        return Some(m);
                    }
                }
            }
        }

        // SSN 3-2-4
        if matches!(first_sep, b'-' | b' ' | b'.')
            && fits(3, first_sep)
            && lens(3)[..3] == [3, 2, 4]
        {
            let mut buf = [0u8; 24];
            let d = g.digits(self.b, k, 3, &mut buf);
            if validate::ssn(d) {
                let (s, e) = (g.start[k], g.end_of(k + 2));
                self.push(SensitiveType::Ssn, "ssn", s, e, hint::ssn(d));
                return Some(3);
            }
        }

        // NANP 3-3-4 and 1-3-3-4
        if matches!(first_sep, b'-' | b' ' | b'.') {
            for (m, want) in [(4usize, [1usize, 3, 3, 4]), (3, [3, 3, 4, 0])] {
                if fits(m, first_sep) && lens(m)[..m] == want[..m] {
                    let mut buf = [0u8; 24];
                    let d = g.digits(self.b, k, m, &mut buf);
                    let area = if m == 4 { &d[1..] } else { d };
                    let ok =
                        (m == 3 || d[0] == b'1') && area[0] >= b'2' && !validate::all_same(area);
                    if ok {
                        let (s, e) = (g.start[k], g.end_of(k + m - 1));
                        self.push(SensitiveType::Phone, "nanp", s, e, hint::phone(d));
                        return Some(m);
                    }
                }
            }
        }

        // national numbers with a trunk 0: 020 7946 0958, 09-7625400, 01 23 45 67 89
        if matches!(first_sep, b'-' | b' ') {
            for m in (2..=5).rev() {
                if !fits(m, first_sep) {
                    continue;
                }
                let l = lens(m);
                let total: usize = l[..m].iter().sum();
                let first = self.b[g.start[k]..].first().copied();
                let second = self.b.get(g.start[k] + 1).copied();
                if (9..=11).contains(&total)
                    && l[..m] != [3, 2, 4]
                    && (2..=5).contains(&l[0])
                    && l[..m].iter().all(|&x| x >= 2)
                    && first == Some(b'0')
                    && second.is_some_and(|c| c != b'0')
                {
                    let mut buf = [0u8; 24];
                    let d = g.digits(self.b, k, m, &mut buf);
                    if !validate::all_same(&d[1..]) {
                        let (s, e) = (g.start[k], g.end_of(k + m - 1));
                        self.push(SensitiveType::Phone, "national", s, e, hint::phone(d));
                        return Some(m);
                    }
                }
            }
        }

        // contiguous runs
        if fits(1, 0) {
            let len = g.len[k];
            let s = g.start[k];
            let e = g.end_of(k);
            let d = &self.b[s..e];
            if (12..=19).contains(&len) {
                if let Some(net) = validate::card(d) {
                    let id_like = key_before(self.b, s).is_some_and(is_numeric_id_key);
                    if !id_like {
                        self.push(SensitiveType::CreditCard, net, s, e, hint::last4(d, "****"));
                        return Some(1);
                    }
                }
            } else if len == 9 && validate::ssn(d) && key_before(self.b, s).is_some_and(is_ssn_key)
            {
                self.push(SensitiveType::Ssn, "ssn", s, e, hint::ssn(d));
                return Some(1);
            }
        }
        None
    }

    fn ipv4_ok(&self, g: &Groups, k: usize) -> bool {
        (0..4).all(|t| {
            let s = g.start[k + t];
            let d = &self.b[s..s + g.len[k + t]];
            let v = d.iter().fold(0u32, |a, &c| a * 10 + u32::from(c - b'0'));
            v <= 255 && !(d.len() > 1 && d[0] == b'0')
        })
    }

    /// `v1.2.3.4`, `version 1.2.3.4`, `"version": "1.2.3.4"`, `Chrome/120.0.0.0`.
    fn version_context(&self, start: usize) -> bool {
        let b = self.b;
        if start > 0 && b[start - 1] == b'/' && start >= 2 && b[start - 2].is_ascii_alphanumeric() {
            return true;
        }
        if key_before(b, start).is_some_and(is_version_key) {
            return true;
        }
        let w = word_before(b, start);
        [
            "version",
            "ver",
            "v",
            "release",
            "build",
            "rev",
            "revision",
            "firmware",
            "section",
            "sec",
            "chapter",
            "clause",
            "paragraph",
            "figure",
            "table",
            "article",
            "item",
            "step",
            "rule",
            "oid",
            "python",
            "node",
            "java",
            "go",
            "ruby",
            "php",
            "rust",
            "kernel",
        ]
        .iter()
        .any(|x| eq_ci(w, x.as_bytes()))
    }

    /// E.164 and international formats after a `+` at `plus`: `+15551234567`,
    /// `+1 (415) 555-0132`, `+44 20 7946 0958`. `from` is where the digits begin (after `+`
    /// or `%2B`).
    fn phone_plus(&mut self, plus: usize, from: usize) -> Option<usize> {
        let b = self.b;
        if self.prev_is_word(plus) || (plus > 0 && b[plus - 1] == b'+') {
            return None;
        }
        if !matches!(self.at(from), b'1'..=b'9') {
            return None;
        }
        let mut i = from;
        let mut total = 0usize;
        let mut digits = [0u8; 16];
        let mut groups = 0;
        loop {
            let paren = self.at(i) == b'(';
            let gs = if paren { i + 1 } else { i };
            let ge = self.run_end(gs, |c| c.is_ascii_digit());
            let glen = ge - gs;
            if glen == 0 || total + glen > 15 {
                return None;
            }
            digits[total..total + glen].copy_from_slice(&b[gs..ge]);
            total += glen;
            groups += 1;
            i = ge;
            if paren {
                if self.at(i) != b')' {
                    return None;
                }
                i += 1;
            }
            // stop after a long contiguous run: what follows is another value
            if glen >= 8 && !paren {
                break;
            }
            let c = self.at(i);
            let c2 = self.at(i + 1);
            if matches!(c, b' ' | b'-' | b'.') && (c2.is_ascii_digit() || c2 == b'(') {
                i += 1;
                continue;
            }
            if paren && c.is_ascii_digit() {
                continue;
            }
            break;
        }
        if !(8..=15).contains(&total)
            || !self.boundary(i)
            || (self.at(i) == b'.' && self.at(i + 1).is_ascii_digit())
        {
            return None;
        }
        let d = &digits[..total];
        if validate::all_same(d) || groups == 0 {
            return None;
        }
        self.push(SensitiveType::Phone, "e164", plus, i, hint::phone(d));
        Some(i)
    }

    /// `(415) 555-0132`, `(020) 7946 0958`.
    fn phone_paren(&mut self, open: usize) -> Option<usize> {
        let b = self.b;
        if self.prev_is_word(open) {
            return None;
        }
        let gs = open + 1;
        let ge = self.run_end(gs, |c| c.is_ascii_digit());
        let alen = ge - gs;
        if !(2..=5).contains(&alen) || self.at(ge) != b')' {
            return None;
        }
        let mut digits = [0u8; 16];
        digits[..alen].copy_from_slice(&b[gs..ge]);
        let mut total = alen;
        let mut i = ge + 1;
        if matches!(self.at(i), b' ' | b'-') {
            i += 1;
        }
        let mut lens = [0usize; 4];
        let mut ng = 0;
        loop {
            let s = i;
            let e = self.run_end(s, |c| c.is_ascii_digit());
            if e == s || ng == lens.len() || total + (e - s) > 11 {
                return None;
            }
            digits[total..total + (e - s)].copy_from_slice(&b[s..e]);
            total += e - s;
            lens[ng] = e - s;
            ng += 1;
            i = e;
            if matches!(self.at(i), b' ' | b'-' | b'.') && self.at(i + 1).is_ascii_digit() {
                i += 1;
                continue;
            }
            break;
        }
        if !self.boundary(i) {
            return None;
        }
        let d = &digits[..total];
        let nanp =
            alen == 3 && d[0] >= b'2' && total == 10 && (lens[..ng] == [3, 4] || lens[..ng] == [7]);
        let national = d[0] == b'0' && d[1] != b'0' && (9..=11).contains(&total);
        if !(nanp || national) || validate::all_same(d) {
            return None;
        }
        let detail = if nanp { "nanp" } else { "national" };
        self.push(SensitiveType::Phone, detail, open, i, hint::phone(d));
        Some(i)
    }

    // ---------------------------------------------------------------- network

    /// IPv6 starting at a hex group (or at `::`).
    fn ipv6(&mut self, start: usize) -> Option<usize> {
        let b = self.b;
        if start > 0 {
            let p = b[start - 1];
            if is_alnum_(p) || p == b':' || p == b'.' {
                return None;
            }
        }
        let mut i = start;
        let mut groups = 0usize;
        let mut compressed = false;
        let mut has_digit = false;
        if self.at(i) == b':' {
            if self.at(i + 1) != b':' {
                return None;
            }
            compressed = true;
            i += 2;
        }
        loop {
            let gs = i;
            let ge = self.run_end(gs, |c| c.is_ascii_hexdigit());
            if ge == gs {
                break; // "::" at the end, or nothing
            }
            // IPv4 tail: 1.2.3.4
            if self.at(ge) == b'.' && self.at(ge + 1).is_ascii_digit() {
                let (ok, end) = self.ipv4_tail(gs);
                if !ok {
                    return None;
                }
                groups += 2;
                has_digit = true;
                i = end;
                break;
            }
            if ge - gs > 4 {
                return None;
            }
            has_digit |= b[gs..ge].iter().any(u8::is_ascii_digit);
            groups += 1;
            i = ge;
            if self.at(i) == b':' && self.at(i + 1) == b':' {
                if compressed {
                    return None;
                }
                compressed = true;
                i += 2;
                continue;
            }
            if self.at(i) == b':' && self.at(i + 1).is_ascii_hexdigit() {
                i += 1;
                continue;
            }
            break;
        }
        let count_ok = if compressed {
            (1..8).contains(&groups)
        } else {
            groups == 8
        };
        // `X::` with a single explicit group: only a real prefix (`fe80::`, `2001::`)
        if compressed
            && groups == 1
            && b[start] != b':'
            && self.run_end(start, |c| c.is_ascii_hexdigit()) - start < 3
        {
            return None;
        }
        if !compressed && i - start == 15 {
            return None; // 1:2:3:4:5:6:7:8 is a ratio, not an address
        }
        if !count_ok || !has_digit || !self.boundary(i) || self.at(i) == b':' {
            return None;
        }
        // `a::b` shapes need a real group each side or a leading `::`
        let h = hint::ipv6(&b[start..i]);
        self.push(SensitiveType::IpAddress, "ipv6", start, i, h);
        Some(i)
    }

    fn ipv4_tail(&self, s: usize) -> (bool, usize) {
        let mut i = s;
        for t in 0..4 {
            let e = self.run_end(i, |c| c.is_ascii_digit());
            let d = &self.b[i..e];
            if d.is_empty() || d.len() > 3 || (d.len() > 1 && d[0] == b'0') {
                return (false, e);
            }
            if d.iter().fold(0u32, |a, &c| a * 10 + u32::from(c - b'0')) > 255 {
                return (false, e);
            }
            i = e;
            if t < 3 {
                if self.at(i) != b'.' {
                    return (false, i);
                }
                i += 1;
            }
        }
        (true, i)
    }

    fn colon(&mut self, i: usize) -> Option<usize> {
        if self.at(i + 1) == b':' && self.at(i + 2).is_ascii_hexdigit() {
            return self.ipv6(i);
        }
        None
    }

    fn percent(&mut self, i: usize) -> Option<usize> {
        match (self.at(i + 1), self.at(i + 2).to_ascii_uppercase()) {
            (b'4', b'0') => self.email(i, 3),
            (b'2', b'B') => self.phone_plus(i, i + 3),
            _ => None,
        }
    }

    // ---------------------------------------------------------------- email

    /// An address around the `@` at `at` (`width` is 3 for a URL-encoded `%40`).
    fn email(&mut self, at: usize, width: usize) -> Option<usize> {
        let b = self.b;
        let is_local =
            |c: u8| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'%' | b'+' | b'-');
        let mut ls = at;
        while ls > 0 && at - ls < 64 && is_local(b[ls - 1]) {
            ls -= 1;
        }
        if ls > 0
            && b[ls - 1] == b'\\'
            && ls < at
            && matches!(b[ls], b'n' | b'r' | b't' | b'b' | b'f')
        {
            ls += 1; // the letter of an escape such as `\n`
        }
        while ls < at && matches!(b[ls], b'.' | b'%' | b'+' | b'-') {
            ls += 1;
        }
        if ls == at || b[at - 1] == b'.' {
            return None;
        }
        // domain labels
        let ds = at + width;
        let mut i = ds;
        let mut labels = 0;
        let mut last_label = (ds, ds);
        loop {
            let s = i;
            let e = self.run_end(s, |c| c.is_ascii_alphanumeric() || c == b'-');
            if e == s || e - s > 63 || b[s] == b'-' || b[e - 1] == b'-' {
                break;
            }
            labels += 1;
            last_label = (s, e);
            i = e;
            if self.at(i) == b'.' && self.at(i + 1).is_ascii_alphanumeric() {
                i += 1;
                continue;
            }
            break;
        }
        let end = last_label.1;
        if labels < 2 || end - ds > 253 || self.at(end) == b'@' {
            return None;
        }
        let tld = &b[last_label.0..last_label.1];
        let tld_ok = (tld.len() >= 2 && tld.iter().all(u8::is_ascii_alphabetic))
            || (tld.len() > 4 && tld[..4].eq_ignore_ascii_case(b"xn--"));
        if !tld_ok || is_file_extension(tld) {
            return None;
        }
        let h = hint::email(b[ls], &b[ds..end]);
        self.push(SensitiveType::Email, "email", ls, end, h);
        Some(end)
    }

    // ---------------------------------------------------------------- tokens

    fn prefixed(&mut self, start: usize, end: usize, f: u8, next: u8) -> Option<usize> {
        let w = &self.b[start..end];
        let len = w.len();
        match w[0] {
            b'A' if len == 20 && f & (LO | US) == 0 => {
                let known = [&b"AKIA"[..], b"ASIA", b"ABIA", b"ACCA"].contains(&&w[..4])
                    || (w.starts_with(b"A3T") && w[3].is_ascii_alphanumeric());
                if known && placeholder_free(&w[4..], 6) {
                    let h = format!("{}****", String::from_utf8_lossy(&w[..4]));
                    self.push(SensitiveType::ApiKey, "aws_access_key_id", start, end, h);
                    return Some(end);
                }
                None
            }
            b'A' if w.starts_with(b"AIza") => {
                let e = self.run_end(start, is_b64url);
                if e - start == 39 && placeholder_free(&self.b[start + 4..e], 12) {
                    self.push(
                        SensitiveType::ApiKey,
                        "google_api_key",
                        start,
                        e,
                        "AIza****".into(),
                    );
                    return Some(e);
                }
                None
            }
            b'g' if len >= 40
                && w[3] == b'_'
                && matches!(&w[..3], b"ghp" | b"gho" | b"ghu" | b"ghs" | b"ghr") =>
            {
                let rest = &w[4..];
                if (36..=251).contains(&rest.len())
                    && rest.iter().all(u8::is_ascii_alphanumeric)
                    && placeholder_free(rest, 12)
                {
                    let h = format!("{}****", String::from_utf8_lossy(&w[..4]));
                    self.push(SensitiveType::ApiKey, "github_token", start, end, h);
                    return Some(end);
                }
                None
            }
            b'g' if w.starts_with(b"github_pat_") => {
                let rest = &w[11..];
                if (70..=255).contains(&rest.len()) && placeholder_free(rest, 16) {
                    self.push(
                        SensitiveType::ApiKey,
                        "github_token",
                        start,
                        end,
                        "github_pat_****".into(),
                    );
                    return Some(end);
                }
                None
            }
            b'g' if next == b'-'
                && matches!(
                    w,
                    b"glpat"
                        | b"glptt"
                        | b"gldt"
                        | b"glrt"
                        | b"glcbt"
                        | b"glsoat"
                        | b"gloas"
                        | b"glft"
                        | b"glimt"
                        | b"glagent"
                        | b"glffct"
                ) =>
            {
                let e = self.run_end(end + 1, |c| is_b64url(c) || c == b'.');
                let e = trim_back(self.b, end + 1, e, b".-");
                let rest = &self.b[end + 1..e];
                if rest.len() >= 20 && placeholder_free(rest, 10) {
                    let h = format!("{}-****", String::from_utf8_lossy(w));
                    self.push(SensitiveType::ApiKey, "gitlab_token", start, e, h);
                    return Some(e);
                }
                None
            }
            b'x' => self.slack(start, end, next),
            b's' | b'r' if len >= 18 && (w.starts_with(b"sk_") || w.starts_with(b"rk_")) => {
                let env_ok = [&b"live_"[..], b"test_", b"prod_"]
                    .iter()
                    .any(|p| w[3..].starts_with(p));
                let rest = &w[8.min(len)..];
                if env_ok
                    && (10..=247).contains(&rest.len())
                    && rest.iter().all(u8::is_ascii_alphanumeric)
                    && placeholder_free(rest, 8)
                {
                    let h = format!("{}****", String::from_utf8_lossy(&w[..8]));
                    self.push(SensitiveType::ApiKey, "stripe_key", start, end, h);
                    return Some(end);
                }
                None
            }
            b's' if w == b"sk" && next == b'-' => self.sk_dash(start, end),
            b'p' if w.starts_with(b"pk_live_") || w.starts_with(b"pk_test_") => {
                // Stripe publishable keys are public by design: skip the token.
                self.generic_until = self.generic_until.max(end);
                Some(end)
            }
            b's' if next == b'-' && (w == b"sq0atp" || w == b"sq0csp") => {
                let e = self.run_end(end + 1, is_b64url);
                let rest = &self.b[end + 1..e];
                if rest.len() >= 22 && placeholder_free(rest, 10) {
                    let h = format!("{}-****", String::from_utf8_lossy(w));
                    self.push(SensitiveType::ApiKey, "square_token", start, e, h);
                    return Some(e);
                }
                None
            }
            b's' if len == 38
                && matches!(&w[..6], b"shpat_" | b"shpca_" | b"shppa_" | b"shpss_")
                && w[6..].iter().all(u8::is_ascii_hexdigit) =>
            {
                let h = format!("{}****", String::from_utf8_lossy(&w[..6]));
                self.push(SensitiveType::ApiKey, "shopify_token", start, end, h);
                Some(end)
            }
            b'w' if w.starts_with(b"whsec_")
                && len >= 38
                && w[6..].iter().all(u8::is_ascii_alphanumeric)
                && placeholder_free(&w[6..], 10) =>
            {
                self.push(
                    SensitiveType::ApiKey,
                    "stripe_key",
                    start,
                    end,
                    "whsec_****".into(),
                );
                Some(end)
            }
            b'S' if w == b"SG" && next == b'.' => {
                let p1 = self.run_end(end + 1, is_b64url);
                if p1 - (end + 1) != 22 || self.at(p1) != b'.' {
                    return None;
                }
                let p2 = self.run_end(p1 + 1, is_b64url);
                if p2 - (p1 + 1) != 43 || !placeholder_free(&self.b[p1 + 1..p2], 12) {
                    return None;
                }
                self.push(
                    SensitiveType::ApiKey,
                    "sendgrid_api_key",
                    start,
                    p2,
                    "SG.****".into(),
                );
                Some(p2)
            }
            b'S' if len == 34
                && w[1] == b'K'
                && w[2..].iter().all(u8::is_ascii_hexdigit)
                && placeholder_free(&w[2..], 8) =>
            {
                self.push(
                    SensitiveType::ApiKey,
                    "twilio_api_key",
                    start,
                    end,
                    "SK****".into(),
                );
                Some(end)
            }
            b'n' if len == 40
                && w.starts_with(b"npm_")
                && w[4..].iter().all(u8::is_ascii_alphanumeric)
                && placeholder_free(&w[4..], 12) =>
            {
                self.push(
                    SensitiveType::ApiKey,
                    "npm_token",
                    start,
                    end,
                    "npm_****".into(),
                );
                Some(end)
            }
            b'p' if w == b"pypi" && next == b'-' => {
                let e = self.run_end(end + 1, is_b64url);
                let rest = &self.b[end + 1..e];
                if rest.starts_with(b"AgEIcHlwaS5vcmc") && rest.len() >= 60 {
                    self.push(
                        SensitiveType::ApiKey,
                        "pypi_token",
                        start,
                        e,
                        "pypi-****".into(),
                    );
                    return Some(e);
                }
                None
            }
            b'h' if len == 37
                && w.starts_with(b"hf_")
                && w[3..].iter().all(u8::is_ascii_alphabetic)
                && placeholder_free(&w[3..], 12) =>
            {
                self.push(
                    SensitiveType::ApiKey,
                    "huggingface_token",
                    start,
                    end,
                    "hf_****".into(),
                );
                Some(end)
            }
            b'h' if w == b"hooks" && self.b[end..].starts_with(b".slack.com/services/") => {
                let s = end + ".slack.com/services/".len();
                let e = self.run_end(s, |c| c.is_ascii_alphanumeric() || c == b'/');
                let path = &self.b[s..e];
                let mut parts = path.split(|&c| c == b'/');
                let (t, bb, k) = (parts.next()?, parts.next()?, parts.next()?);
                let ok = t.len() >= 9
                    && t[0] == b'T'
                    && bb.len() >= 9
                    && bb[0] == b'B'
                    && t.iter()
                        .chain(bb.iter())
                        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
                    && k.len() >= 20
                    && placeholder_free(k, 10);
                if ok {
                    self.push(
                        SensitiveType::ApiKey,
                        "slack_webhook",
                        start,
                        e,
                        "hooks.slack.com/services/****".into(),
                    );
                    return Some(e);
                }
                None
            }
            b'k' if w == b"key" && next == b'-' => {
                let e = self.run_end(end + 1, is_alnum_);
                let rest = &self.b[end + 1..e];
                if rest.len() == 32
                    && rest.iter().all(u8::is_ascii_hexdigit)
                    && placeholder_free(rest, 8)
                {
                    self.push(
                        SensitiveType::ApiKey,
                        "mailgun_key",
                        start,
                        e,
                        "key-****".into(),
                    );
                    return Some(e);
                }
                None
            }
            b'd' if len == 36
                && w.starts_with(b"dapi")
                && w[4..].iter().all(u8::is_ascii_hexdigit)
                && placeholder_free(&w[4..], 8) =>
            {
                self.push(
                    SensitiveType::ApiKey,
                    "databricks_token",
                    start,
                    end,
                    "dapi****".into(),
                );
                Some(end)
            }
            b'e' if w.starts_with(b"eyJ") => self.jwt(start),
            _ => None,
        }
    }

    fn slack(&mut self, start: usize, end: usize, next: u8) -> Option<usize> {
        let b = self.b;
        let w = &b[start..end];
        let body_from = if w.len() == 4
            && w.starts_with(b"xox")
            && b"abposre".contains(&w[3])
            && next == b'-'
        {
            end + 1
        } else if w == b"xoxe"
            && b[end..].starts_with(b".xox")
            && b.get(end + 5) == Some(&b'-')
            && matches!(b.get(end + 4), Some(b'b' | b'p'))
        {
            end + 6
        } else if w == b"xapp" && next == b'-' {
            end + 1
        } else {
            return None;
        };
        let e = self.run_end(body_from, |c| c.is_ascii_alphanumeric() || c == b'-');
        let body = &b[body_from..e];
        if body.is_empty() || body.ends_with(b"-") || e - start < 20 {
            return None;
        }
        let mut segs = body.split(|&c| c == b'-').peekable();
        let mut last: &[u8] = &[];
        while let Some(s) = segs.next() {
            let numeric = !s.is_empty() && s.iter().all(u8::is_ascii_digit);
            if numeric && segs.peek().is_some() && s.len() != 1 && s.len() < 6 {
                return None;
            }
            last = s;
        }
        if last.len() < 10
            || !last.iter().any(u8::is_ascii_alphabetic)
            || !placeholder_free(last, 6)
            || self.dict_coverage(last) >= 0.7
        {
            return None;
        }
        let h = format!("{}-****", String::from_utf8_lossy(w));
        self.push(SensitiveType::ApiKey, "slack_token", start, e, h);
        Some(e)
    }

    /// `sk-…`: OpenAI (legacy, project, service-account, admin keys) and Anthropic keys.
    fn sk_dash(&mut self, start: usize, end: usize) -> Option<usize> {
        let e = self.run_end(end + 1, is_b64url);
        let tok = &self.b[start..e];
        let rest = &self.b[end + 1..e];
        if !self.boundary(e) {
            return None;
        }
        let project = ["sk-proj-", "sk-svcacct-", "sk-admin-"]
            .into_iter()
            .find(|p| tok.starts_with(p.as_bytes()));
        let openai = (find_bytes(rest, b"T3BlbkFJ").is_some() && rest.len() >= 40)
            || (project.is_some() && rest.len() >= 60)
            || (rest.len() >= 32 && rest.iter().all(u8::is_ascii_alphanumeric));
        let (detail, hint) = if tok.starts_with(b"sk-ant-") && rest.len() >= 80 {
            ("anthropic_api_key", "sk-ant-****".to_string())
        } else if openai {
            (
                "openai_api_key",
                format!("{}****", project.unwrap_or("sk-")),
            )
        } else {
            return None;
        };
        if !placeholder_free(rest, 12) || self.dict_coverage(rest) >= 0.4 {
            return None;
        }
        self.push(SensitiveType::ApiKey, detail, start, e, hint);
        self.generic_until = self.generic_until.max(e);
        Some(e)
    }

    /// `123456789:AA…` Telegram bot tokens.
    fn telegram(&mut self, start: usize, end: usize) -> Option<usize> {
        if start > 0 && !matches!(self.b[start - 1], b'"' | b'\'' | b' ' | b'=' | b'/' | b'\t') {
            return None;
        }
        let e = self.run_end(end + 1, is_b64url);
        let rest = &self.b[end + 1..e];
        if rest.len() == 35 && rest.starts_with(b"AA") && placeholder_free(rest, 12) {
            self.push(
                SensitiveType::ApiKey,
                "telegram_bot_token",
                start,
                e,
                "****:AA****".into(),
            );
            return Some(e);
        }
        None
    }

    /// JWS compact serialisation: three base64url parts, a JSON header holding `alg`, a JSON
    /// claims object. JWE (five parts, `enc` in the header) is accepted too.
    fn jwt(&mut self, start: usize) -> Option<usize> {
        let b = self.b;
        let h_end = self.run_end(start, is_b64url);
        if self.at(h_end) != b'.' || h_end - start < 15 || h_end - start > 1300 {
            return None;
        }
        let p_end = self.run_end(h_end + 1, is_b64url);
        if self.at(p_end) != b'.' {
            return None;
        }
        let payload = &b[h_end + 1..p_end];
        let mut e = self.run_end(p_end + 1, is_b64url);
        // cheap structure first: a JWS carries a JSON claims object; a JWE has five parts
        let jws_shape =
            payload.len() >= 4 && payload.len() % 4 != 1 && b64_json_object_start(payload);
        let jwe_shape = self.at(e) == b'.';
        if !jws_shape && !jwe_shape {
            return None;
        }
        let mut buf = [0u8; 1024];
        let (alg_range, n) = jwt_header_alg(&b[start..h_end], &mut buf)?;
        let is_jwe = find_bytes(&buf[..n], b"\"enc\"").is_some();
        let alg = &buf[alg_range];
        if is_jwe {
            // protected header . key . iv . ciphertext . tag
            for _ in 0..2 {
                if self.at(e) != b'.' {
                    return None;
                }
                e = self.run_end(e + 1, is_b64url);
            }
        } else {
            if !jws_shape {
                return None;
            }
            if e == p_end + 1 && !eq_ci(alg, b"none") {
                return None;
            }
        }
        while self.at(e) == b'=' && e - p_end < 1 + 4096 {
            e += 1;
        }
        let h = hint::jwt(alg);
        self.push(SensitiveType::Jwt, "jwt", start, e, h);
        self.generic_until = self.generic_until.max(e);
        Some(e)
    }

    fn iban(&mut self, start: usize, end: usize) -> Option<usize> {
        let b = self.b;
        let mut compact = [0u8; 34];
        let word = &b[start..end];
        let upper_alnum = |c: &u8| c.is_ascii_uppercase() || c.is_ascii_digit();
        if word.len() >= 15 {
            if word.len() <= 34 && word.iter().all(upper_alnum) && validate::iban(word) {
                self.push(SensitiveType::Iban, "iban", start, end, hint::iban(word));
                return Some(end);
            }
            return None;
        }
        if word.len() != 4 || self.at(end) != b' ' {
            return None;
        }
        // grouped by four: GB82 WEST 1234 5698 7654 32
        compact[..4].copy_from_slice(word);
        let mut n = 4;
        let mut i = end;
        while self.at(i) == b' ' && upper_alnum(&self.at(i + 1)) {
            let s = i + 1;
            let e = self.run_end(s, |c| c.is_ascii_uppercase() || c.is_ascii_digit());
            let glen = e - s;
            if glen == 0 || glen > 4 || n + glen > 34 {
                return None;
            }
            compact[n..n + glen].copy_from_slice(&b[s..e]);
            n += glen;
            i = e;
            if glen < 4 {
                break;
            }
        }
        if !self.boundary(i) || !validate::iban(&compact[..n]) {
            return None;
        }
        self.push(
            SensitiveType::Iban,
            "iban",
            start,
            i,
            hint::iban(&compact[..n]),
        );
        Some(i)
    }

    /// `-----BEGIN … PRIVATE KEY-----` blocks (PKCS#1, PKCS#8, EC, DSA, OpenSSH, PGP), also when
    /// the newlines are JSON-escaped.
    fn pem(&mut self, i: usize) -> Option<usize> {
        let b = self.b;
        const BEGIN: &[u8] = b"-----BEGIN ";
        if !b[i..].starts_with(BEGIN) {
            return None;
        }
        let ls = i + BEGIN.len();
        let window = &b[ls..b.len().min(ls + 80)];
        let close = find_bytes(window, b"-----")?;
        let label = &window[..close];
        if !label.iter().all(|c| {
            c.is_ascii_uppercase() || c.is_ascii_digit() || matches!(c, b' ' | b'-' | b'_')
        }) {
            return None;
        }
        let body_start = ls + close + 5;
        if !(label.ends_with(b"PRIVATE KEY") || label.ends_with(b"PRIVATE KEY BLOCK")) {
            // certificates, public keys, CSRs: public material, skipped whole
            let end = self.find_pem_end(body_start).map_or(body_start, |p| p + 8);
            self.generic_until = self.generic_until.max(end);
            return Some(end);
        }
        let (body_end, end) = match self.find_pem_end(body_start) {
            Some(be) => {
                let after = be + 8;
                let e = find_bytes(&b[after..b.len().min(after + 80)], b"-----")
                    .map_or(after, |q| after + q + 5);
                (be, e)
            }
            None => {
                let e = self.run_end(body_start, |c| {
                    c.is_ascii_alphanumeric()
                        || matches!(c, b'+' | b'/' | b'=' | b'\\' | b'\n' | b'\r' | b' ' | b'\t')
                });
                (e, e)
            }
        };
        let body = &b[body_start..body_end];
        let mut b64 = 0usize;
        let mut k = 0;
        while k < body.len() {
            let c = body[k];
            if c == b'\\' {
                k += 2; // \n, \r escapes
                continue;
            }
            if c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/' | b'=') {
                b64 += 1;
            }
            k += 1;
        }
        if b64 < 40 {
            return None;
        }
        let h = format!("{} ****", String::from_utf8_lossy(label));
        self.push(SensitiveType::PrivateKey, "pem_private_key", i, end, h);
        self.generic_until = self.generic_until.max(end);
        Some(end)
    }

    /// The first `-----END` at or after `from`, looking at most 64 KiB ahead. Remembers how
    /// far it looked so that consecutive searches never rescan the same bytes.
    fn find_pem_end(&mut self, from: usize) -> Option<usize> {
        let limit = self.b.len().min(from + 65536);
        let mut scan_from = from;
        if let Some((until, hit)) = self.pem_end {
            match hit {
                Some(q) if q >= from => return (q < limit).then_some(q),
                None if until >= limit => return None,
                // nothing up to `until`: only the new bytes need a look (keep an overlap
                // of the needle's length for a match that straddles `until`)
                None if until > from => scan_from = until.saturating_sub(7).max(from),
                _ => {}
            }
        }
        let hit = memmem::find(&self.b[scan_from..limit], b"-----END").map(|p| scan_from + p);
        self.pem_end = Some((limit, hit));
        hit
    }

    // ---------------------------------------------------------------- generic secrets

    fn dict_coverage(&self, s: &[u8]) -> f64 {
        let s = &s[..s.len().min(256)];
        if s.is_empty() {
            return 0.0;
        }
        let mut mask = [0u64; 4];
        for m in self.dict.find_overlapping_iter(s) {
            for p in m.start()..m.end() {
                mask[p / 64] |= 1 << (p % 64);
            }
        }
        let covered: u32 = mask.iter().map(|w| w.count_ones()).sum();
        f64::from(covered) / s.len() as f64
    }

    /// A token of the base64 alphabets that is random enough to be a credential. Without a
    /// credential-naming key it must be long (32+), mixed-case with digits and high-entropy;
    /// with one (`"api_key": …`, `Bearer …`) 16+ characters and moderate entropy suffice.
    fn generic(&mut self, start: usize, word_end: usize) -> Option<usize> {
        if start < self.generic_until {
            return None;
        }
        let b = self.b;
        let e0 = self.run_end(word_end, is_tok);
        if e0 - start < 16 && !matches!(self.at(e0), b'.' | b'=') {
            self.generic_until = e0;
            return None;
        }
        let key = key_before(b, start);
        let before = word_before(b, start);
        let (key_secret, key_not_secret) = key.map_or((false, false), classify_value_key);
        let ctx = key_secret
            || ["bearer", "token", "basic", "apikey"]
                .iter()
                .any(|w| eq_ci(before, w.as_bytes()));
        let not_secret_key = key_not_secret;
        // extend over the token alphabet; with a credential key also over `.` and inner `=`
        let mut e = e0;
        if ctx {
            e = self.run_end(e, |c| is_tok(c) || c == b'.' || c == b'=');
            e = trim_back(b, start, e, b".=");
        }
        let mut pad = e;
        while self.at(pad) == b'=' && pad - e < 3 {
            pad += 1;
        }
        self.generic_until = pad;
        let tok = trim_back_slice(&b[start..e], b"-/+");
        if tok.len() < 16 || not_secret_key {
            return None;
        }
        if ctx {
            if context_secret(tok) && self.dict_coverage(tok) < 0.5 {
                self.push(
                    SensitiveType::ApiKey,
                    "generic_high_entropy",
                    start,
                    pad,
                    hint::generic(tok.len()),
                );
                return Some(pad);
            }
            return None;
        }
        if self.encoded_blob_context(start) {
            return None;
        }
        // URL paths carry opaque ids; a part after a dot belongs to a dotted structure
        // (domain, file name, JWS part); `sha256-…` is an integrity digest.
        if (tok.contains(&b'/') && is_path_like(tok))
            || (start > 0 && matches!(b[start - 1], b'.' | b'/'))
            || is_digest_label(tok)
        {
            return None;
        }
        if self.random_token(tok) {
            self.push(
                SensitiveType::ApiKey,
                "generic_high_entropy",
                start,
                pad,
                hint::generic(tok.len()),
            );
            return Some(pad);
        }
        None
    }

    fn random_token(&self, tok: &[u8]) -> bool {
        let len = tok.len();
        if !(32..=200).contains(&len) || tok.starts_with(b"eyJ") {
            return false;
        }
        let (mut up, mut lo, mut di) = (0usize, 0usize, 0usize);
        for &c in tok {
            if c.is_ascii_uppercase() {
                up += 1;
            } else if c.is_ascii_lowercase() {
                lo += 1;
            } else if c.is_ascii_digit() {
                di += 1;
            }
        }
        if up < 2 || lo < 2 || di < 1 || tok.iter().all(u8::is_ascii_hexdigit) || is_uuid(tok) {
            return false;
        }
        let threshold = if len >= 48 { 4.3 } else { 4.0 };
        shannon_entropy(tok) >= threshold
            && max_repeat(tok) <= 3
            && !sequential(tok)
            && wordlike_ratio(tok) < 0.5
            && find_bytes(tok, b"EXAMPLE").is_none()
            && self.dict_coverage(tok) < 0.4
    }

    /// `data:image/png;base64,iVBOR…`: encoded content, not a credential.
    fn encoded_blob_context(&self, start: usize) -> bool {
        let from = start.saturating_sub(64);
        let before = &self.b[from..start];
        find_bytes(before, b"base64,").is_some() || find_bytes(before, b"data:").is_some()
    }
}

/// Token checks under a credential-naming key.
fn context_secret(tok: &[u8]) -> bool {
    let len = tok.len();
    if !(16..=512).contains(&len) || find_bytes(tok, b"EXAMPLE").is_some() {
        return false;
    }
    let classes = [
        tok.iter().any(u8::is_ascii_uppercase),
        tok.iter().any(u8::is_ascii_lowercase),
        tok.iter().any(u8::is_ascii_digit),
        tok.iter().any(|c| !c.is_ascii_alphanumeric()),
    ];
    let n_classes = classes.iter().filter(|&&x| x).count();
    if n_classes < 2 || !classes[2] && !classes[0] {
        return false; // needs digits or mixed case
    }
    let hexish = tok.iter().all(|c| c.is_ascii_hexdigit() || *c == b'-');
    // lowercase slugs such as `cmp2-qat-1208358310` or `prod5zyxlmy-cmk` name resources
    if !hexish && !classes[0] && tok.iter().any(|c| matches!(c, b'-' | b'_' | b'.')) {
        return false;
    }
    let threshold = if hexish { 3.0 } else { 3.3 };
    shannon_entropy(tok) >= threshold
        && max_repeat(tok) <= 4
        && distinct(tok) * 4 >= len.min(64)
        && !sequential(tok)
        && wordlike_ratio(tok) < 0.6
}

/// True when most neighbouring characters are consecutive (`abcdef…`, `0123…`, `ABC…`).
fn sequential(tok: &[u8]) -> bool {
    let steps = tok
        .windows(2)
        .filter(|w| w[1] == w[0].wrapping_add(1))
        .count();
    steps * 2 > tok.len()
}

/// Position of `needle` in a short `hay` (no searcher set-up, unlike `memmem`).
pub(crate) fn find_bytes(hay: &[u8], needle: &[u8]) -> Option<usize> {
    let first = *needle.first()?;
    let n = needle.len();
    let mut i = 0;
    while i + n <= hay.len() {
        let p = memchr::memchr(first, &hay[i..=hay.len() - n])? + i;
        if &hay[p..p + n] == needle {
            return Some(p);
        }
        i = p + 1;
    }
    None
}

/// `sha256-…`, `sha512-…`, `md5-…`: a labelled digest.
fn is_digest_label(tok: &[u8]) -> bool {
    [
        "sha1-", "sha256-", "sha384-", "sha512-", "md5-", "sha1_", "sha256_",
    ]
    .iter()
    .any(|p| tok.len() > p.len() && tok[..p.len()].eq_ignore_ascii_case(p.as_bytes()))
}

/// `api/v1/users/…`: some segment is a lowercase word, a version or a number.
fn is_path_like(tok: &[u8]) -> bool {
    tok.split(|&c| c == b'/').any(|s| {
        (s.len() >= 2 && s.iter().all(u8::is_ascii_lowercase))
            || (s.len() >= 2 && s[0] == b'v' && s[1..].iter().all(u8::is_ascii_digit))
            || (!s.is_empty() && s.iter().all(u8::is_ascii_digit))
    })
}

/// Not a placeholder: enough distinct characters, no long repeats, no `EXAMPLE` marker.
fn placeholder_free(s: &[u8], min_distinct: usize) -> bool {
    distinct(s) >= min_distinct.min(s.len() / 2)
        && max_repeat(s) <= 5
        && find_bytes(s, b"EXAMPLE").is_none()
        && !sequential(s)
        && !s.windows(4).any(|w| w.eq_ignore_ascii_case(b"xxxx"))
}

fn is_file_extension(tld: &[u8]) -> bool {
    [
        "png", "jpg", "jpeg", "gif", "svg", "webp", "ico", "bmp", "tif", "tiff", "css", "js",
        "mjs", "json", "html", "htm", "xml", "txt", "pdf", "csv", "yml", "yaml", "map", "woff",
        "woff2",
    ]
    .iter()
    .any(|x| tld.eq_ignore_ascii_case(x.as_bytes()))
}

fn trim_back(b: &[u8], start: usize, mut e: usize, chars: &[u8]) -> usize {
    while e > start && chars.contains(&b[e - 1]) {
        e -= 1;
    }
    e
}

fn trim_back_slice<'s>(s: &'s [u8], chars: &[u8]) -> &'s [u8] {
    let e = trim_back(s, 0, s.len(), chars);
    &s[..e]
}

const MAXG: usize = 12;

/// A digit sequence split at single separators: `4111 1111 1111 1111` is four groups.
struct Groups {
    n: usize,
    start: [usize; MAXG],
    len: [usize; MAXG],
    /// The separator before each group (`0` for the first).
    sep: [u8; MAXG],
    /// The byte after the last group continues a word (`123abc`): the last group is unusable.
    tail_bad: bool,
}

impl Groups {
    fn parse(b: &[u8], start: usize) -> Groups {
        let mut g = Groups {
            n: 0,
            start: [0; MAXG],
            len: [0; MAXG],
            sep: [0; MAXG],
            tail_bad: false,
        };
        let mut i = start;
        let mut sep = 0u8;
        loop {
            let gs = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            g.start[g.n] = gs;
            g.len[g.n] = i - gs;
            g.sep[g.n] = sep;
            g.n += 1;
            if g.n == MAXG {
                break;
            }
            if i + 1 < b.len() && matches!(b[i], b' ' | b'-' | b'.') && b[i + 1].is_ascii_digit() {
                sep = b[i];
                i += 1;
                continue;
            }
            break;
        }
        g.tail_bad = i < b.len() && is_alnum_(b[i]);
        g
    }

    fn end_of(&self, k: usize) -> usize {
        self.start[k] + self.len[k]
    }

    /// The digits of groups `k..k+m` joined (at most 24).
    fn digits<'o>(&self, b: &[u8], k: usize, m: usize, out: &'o mut [u8; 24]) -> &'o [u8] {
        let mut n = 0;
        for t in k..k + m {
            let s = self.start[t];
            let l = self.len[t].min(24 - n);
            out[n..n + l].copy_from_slice(&b[s..s + l]);
            n += l;
        }
        &out[..n]
    }
}

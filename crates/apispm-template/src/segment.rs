//! Hand-written classifiers for single path segments.
//!
//! These run once per segment per record, so they scan bytes directly (no regex, no
//! allocation for segments up to `DECODE_BUF` bytes) and err on the side of `Literal`: a
//! literal that is really a parameter is still caught by the cardinality rule later, while a
//! constant wrongly typed here can never be recovered.

use serde::{Deserialize, Serialize};

/// What a single path segment looks like on its own, before any cardinality evidence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SegmentKind {
    /// Anything else: words, slugs, names. Kept as is unless cardinality says otherwise.
    Literal,
    /// `v1`, `V2`, `v1.0`, `v4.0`, `v1beta1`, `1.0`, `2.1.3`. Never templated.
    Version,
    /// All digits.
    Integer,
    /// `8-4-4-4-12` hexadecimal UUID.
    Uuid,
    /// Hexadecimal identifier such as a MongoDB ObjectId (24 hex) or a short git sha.
    Hex,
    /// Hexadecimal digest of a common hash length: 32 (MD5), 40 (SHA-1), 64 (SHA-256), 128.
    Hash,
    /// `YYYY-MM-DD`, `YYYY-MM`, or an ISO-8601 date-time.
    Date,
    /// `local@domain.tld`.
    Email,
    /// Dotted-quad IPv4 address.
    Ip,
    /// A token that mixes letters and digits the way generated identifiers do.
    OpaqueId,
    /// A lowercase type prefix and an identifier body: `cus_NffrFeUfNV2Hib`, `file-abc123`.
    PrefixedId,
    /// A segment that is already a template placeholder, `{id}`.
    Placeholder,
}

impl SegmentKind {
    /// The placeholder text this kind is replaced by, or `None` for kinds that stay literal.
    pub fn placeholder(self) -> Option<&'static str> {
        match self {
            SegmentKind::Literal | SegmentKind::Version | SegmentKind::Placeholder => None,
            SegmentKind::Integer
            | SegmentKind::Hex
            | SegmentKind::OpaqueId
            | SegmentKind::PrefixedId => Some("{id}"),
            SegmentKind::Uuid => Some("{uuid}"),
            SegmentKind::Hash => Some("{hash}"),
            SegmentKind::Date => Some("{date}"),
            SegmentKind::Email => Some("{email}"),
            SegmentKind::Ip => Some("{ip}"),
        }
    }

    /// The parameter name used in templates (`id`, `uuid`...).
    pub fn param_name(self) -> &'static str {
        match self.placeholder() {
            Some(p) => &p[1..p.len() - 1],
            None => "name",
        }
    }

    pub(crate) fn index(self) -> usize {
        self as usize
    }

    pub(crate) const COUNT: usize = 12;

    pub(crate) fn from_index(i: usize) -> SegmentKind {
        use SegmentKind::*;
        [
            Literal,
            Version,
            Integer,
            Uuid,
            Hex,
            Hash,
            Date,
            Email,
            Ip,
            OpaqueId,
            PrefixedId,
            Placeholder,
        ][i]
    }
}

/// Classifies one raw path segment (percent-encoded as it appears in the URL).
///
/// Percent-escapes are decoded once, for classification only, so `jane%40example.com` is an
/// email and `2024-01-01T10%3A00%3A00Z` a date.
pub fn segment_kind(seg: &str) -> SegmentKind {
    let raw = seg.as_bytes();
    if !raw.contains(&b'%') {
        return classify(raw);
    }
    let mut buf = [0u8; DECODE_BUF];
    if raw.len() <= DECODE_BUF {
        let n = percent_decode(raw, &mut buf);
        classify(&buf[..n])
    } else {
        let mut v = vec![0u8; raw.len()];
        let n = percent_decode(raw, &mut v);
        classify(&v[..n])
    }
}

/// Segments longer than this are decoded on the heap; real ids are far shorter.
const DECODE_BUF: usize = 256;

fn hex_val(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

fn percent_decode(raw: &[u8], out: &mut [u8]) -> usize {
    let (mut i, mut n) = (0, 0);
    while i < raw.len() {
        let b = raw[i];
        if b == b'%' && i + 2 < raw.len() {
            if let (Some(h), Some(l)) = (hex_val(raw[i + 1]), hex_val(raw[i + 2])) {
                out[n] = h << 4 | l;
                n += 1;
                i += 3;
                continue;
            }
        }
        out[n] = b;
        n += 1;
        i += 1;
    }
    n
}

/// Counts of character classes in one segment, gathered in a single pass.
#[derive(Default, Debug, PartialEq)]
struct Shape {
    digits: usize,
    lower: usize,
    upper: usize,
    hex_letters: usize,
    other_letters: usize,
    dash_or_underscore: usize,
    other: usize,
    /// Changes between a letter run and a digit run.
    transitions: usize,
    /// Lowercase letter followed by an uppercase one (camel humps / random case).
    humps: usize,
}

/// Per byte: one count in each of the 8-bit lanes it belongs to (digits, lower, upper, hex
/// letters, other letters, dash or underscore, other), and in the top byte its run class
/// (1 letter, 2 digit) and whether it is a lower (4) or upper (8) case letter.
const SHAPE_LANES: [u64; 256] = {
    let mut t = [1u64 << 48; 256];
    let mut c = 0usize;
    while c < 256 {
        let b = c as u8;
        t[c] = match b {
            b'0'..=b'9' => 1 | 2 << 56,
            b'a'..=b'f' => 1 << 8 | 1 << 24 | (1 | 4) << 56,
            b'g'..=b'z' => 1 << 8 | 1 << 32 | (1 | 4) << 56,
            b'A'..=b'F' => 1 << 16 | 1 << 24 | (1 | 8) << 56,
            b'G'..=b'Z' => 1 << 16 | 1 << 32 | (1 | 8) << 56,
            b'-' | b'_' => 1 << 40,
            _ => 1 << 48,
        };
        c += 1;
    }
    t
};

/// [`shape_by_byte`] without a branch per byte (ids are random, so such branches mispredict):
/// the counts add up in lanes of one word, which holds while a lane cannot pass 255.
fn shape(b: &[u8]) -> Shape {
    if b.len() > 255 {
        return shape_by_byte(b);
    }
    let (mut lanes, mut transitions, mut humps) = (0u64, 0usize, 0usize);
    let (mut prev_class, mut prev_lower) = (0u8, 0u8);
    for &c in b {
        let e = SHAPE_LANES[c as usize];
        lanes += e & ((1 << 56) - 1);
        let top = (e >> 56) as u8;
        let class = top & 3;
        transitions += usize::from(prev_class | class == 3);
        humps += usize::from(prev_lower & (top >> 3));
        prev_class = class;
        prev_lower = (top >> 2) & 1;
    }
    let lane = |i: u32| ((lanes >> (8 * i)) & 0xff) as usize;
    Shape {
        digits: lane(0),
        lower: lane(1),
        upper: lane(2),
        hex_letters: lane(3),
        other_letters: lane(4),
        dash_or_underscore: lane(5),
        other: lane(6),
        transitions,
        humps,
    }
}

fn shape_by_byte(b: &[u8]) -> Shape {
    let mut s = Shape::default();
    let mut prev_class = 0u8; // 0 none, 1 letter, 2 digit
    let mut prev_lower = false;
    for &c in b {
        let class = match c {
            b'0'..=b'9' => {
                s.digits += 1;
                2
            }
            b'a'..=b'z' => {
                s.lower += 1;
                if c <= b'f' {
                    s.hex_letters += 1;
                } else {
                    s.other_letters += 1;
                }
                1
            }
            b'A'..=b'Z' => {
                s.upper += 1;
                if c <= b'F' {
                    s.hex_letters += 1;
                } else {
                    s.other_letters += 1;
                }
                if prev_lower {
                    s.humps += 1;
                }
                1
            }
            b'-' | b'_' => {
                s.dash_or_underscore += 1;
                0
            }
            _ => {
                s.other += 1;
                0
            }
        };
        if class != 0 && prev_class != 0 && class != prev_class {
            s.transitions += 1;
        }
        prev_class = class;
        prev_lower = c.is_ascii_lowercase();
    }
    s
}

fn classify(b: &[u8]) -> SegmentKind {
    let n = b.len();
    if n == 0 {
        return SegmentKind::Literal;
    }
    if n >= 2 && b[0] == b'{' && b[n - 1] == b'}' {
        return SegmentKind::Placeholder;
    }
    // Integers, versions and UUIDs, the commonest ids, are told without a character census.
    if all_digits(b) {
        return SegmentKind::Integer;
    }
    if is_version(b) {
        return SegmentKind::Version;
    }
    if n == 36 && is_uuid(b) {
        return SegmentKind::Uuid;
    }
    let s = shape(b);
    if s.other > 0 {
        if b.contains(&b'@') && is_email(b) {
            return SegmentKind::Email;
        }
        if is_date(b) {
            return SegmentKind::Date;
        }
        if is_ipv4(b) {
            return SegmentKind::Ip;
        }
        // Dots, colons and the like: file names, model names, compound keys. Left to
        // cardinality.
        return SegmentKind::Literal;
    }
    if s.dash_or_underscore > 0 {
        if is_date(b) {
            return SegmentKind::Date;
        }
        if let Some(k) = prefixed_id(b) {
            return k;
        }
        if n >= 16 && s.digits >= 2 && s.transitions >= 2 && (s.upper > 0 || s.digits >= 4) {
            // base64url tokens (`V1StGXR8_Z5jdHi6B-myT`)
            return SegmentKind::OpaqueId;
        }
        return SegmentKind::Literal;
    }
    // Only letters and digits from here on.
    if s.other_letters == 0 && s.digits > 0 && (s.lower == 0 || s.upper == 0) {
        match n {
            32 | 40 | 64 | 128 => return SegmentKind::Hash,
            _ if n >= 7 => return SegmentKind::Hex,
            _ => {}
        }
    }
    if s.digits > 0 && (s.lower + s.upper) > 0 {
        let opaque = (n >= 16 && s.digits >= 2)
            || s.transitions >= 3
            || (s.transitions == 2 && s.digits >= 3)
            || (s.transitions == 1 && s.digits >= 4)
            || (n >= 10 && s.humps >= 2 && s.upper * 4 >= n);
        if opaque {
            return SegmentKind::OpaqueId;
        }
        return SegmentKind::Literal;
    }
    // Letters only: random mixed case (`NffrFeUfNVzHib`) rather than camelCase words.
    if n >= 10 && s.humps >= 3 && s.upper * 10 >= n * 3 {
        return SegmentKind::OpaqueId;
    }
    SegmentKind::Literal
}

fn all_digits(b: &[u8]) -> bool {
    !b.is_empty() && b.iter().all(u8::is_ascii_digit)
}

/// `v1`, `v1.0`, `v2beta1`, `v1-alpha`, `1.0`, `2.1.3`.
fn is_version(b: &[u8]) -> bool {
    if b[0] == b'v' || b[0] == b'V' {
        let rest = &b[1..];
        let num_end = rest
            .iter()
            .position(|c| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        if num_end == 0 || num_end > 3 {
            return false;
        }
        let mut tail = &rest[num_end..];
        // dotted minor parts
        while let [b'.', more @ ..] = tail {
            let k = more
                .iter()
                .position(|c| !c.is_ascii_digit())
                .unwrap_or(more.len());
            if k == 0 || k > 4 {
                return false;
            }
            tail = &more[k..];
        }
        if let [b'-' | b'_', more @ ..] = tail {
            tail = more;
        }
        if tail.is_empty() {
            return true;
        }
        for label in [&b"alpha"[..], b"beta", b"rc", b"preview", b"dev"] {
            if tail.len() >= label.len() && tail[..label.len()].eq_ignore_ascii_case(label) {
                let num = &tail[label.len()..];
                return num.is_empty() || (num.len() <= 3 && all_digits(num));
            }
        }
        return false;
    }
    // 1.0, 2.1.3: two or three short dotted numbers.
    let mut parts = 0;
    for p in b.split(|&c| c == b'.') {
        if !all_digits(p) || p.len() > 4 {
            return false;
        }
        parts += 1;
    }
    (2..=3).contains(&parts) && b.len() <= 12
}

fn is_uuid(b: &[u8]) -> bool {
    b.iter().enumerate().all(|(i, &c)| match i {
        8 | 13 | 18 | 23 => c == b'-',
        _ => c.is_ascii_hexdigit(),
    })
}

fn is_email(b: &[u8]) -> bool {
    let Some(at) = b.iter().position(|&c| c == b'@') else {
        return false;
    };
    let (local, domain) = (&b[..at], &b[at + 1..]);
    if local.is_empty() || domain.len() < 3 {
        return false;
    }
    let Some(dot) = domain.iter().rposition(|&c| c == b'.') else {
        return false;
    };
    dot > 0
        && dot + 1 < domain.len()
        && domain[dot + 1..].iter().all(u8::is_ascii_alphabetic)
        && domain
            .iter()
            .all(|&c| c.is_ascii_alphanumeric() || c == b'.' || c == b'-')
        && local
            .iter()
            .all(|&c| c.is_ascii_alphanumeric() || b"._+-%!#$&'*/=?^`{|}~".contains(&c))
}

fn two(b: &[u8]) -> Option<u32> {
    if b.len() == 2 && all_digits(b) {
        Some(u32::from(b[0] - b'0') * 10 + u32::from(b[1] - b'0'))
    } else {
        None
    }
}

/// `YYYY-MM-DD`, `YYYY-MM` (years 1900-2199), optionally followed by `T` or a space and a
/// time of day with any zone suffix.
fn is_date(b: &[u8]) -> bool {
    if b.len() < 7 || !all_digits(&b[..4]) || b[4] != b'-' {
        return false;
    }
    let year = (u32::from(b[0] - b'0') * 1000)
        + (u32::from(b[1] - b'0') * 100)
        + (u32::from(b[2] - b'0') * 10)
        + u32::from(b[3] - b'0');
    if !(1900..2200).contains(&year) {
        return false;
    }
    let Some(month) = two(&b[5..7]) else {
        return false;
    };
    if !(1..=12).contains(&month) {
        return false;
    }
    if b.len() == 7 {
        return true;
    }
    if b.len() < 10 || b[7] != b'-' {
        return false;
    }
    let Some(day) = two(&b[8..10]) else {
        return false;
    };
    if !(1..=31).contains(&day) {
        return false;
    }
    if b.len() == 10 {
        return true;
    }
    // Time part: `T10:20:30Z`, ` 10:20`, `T102030`...; digits, colons, dots, zone letters.
    (b[10] == b'T' || b[10] == b't' || b[10] == b' ' || b[10] == b'_')
        && b.len() >= 13
        && b[11..13].iter().all(u8::is_ascii_digit)
        && b[13..]
            .iter()
            .all(|&c| c.is_ascii_digit() || b":.+-Zz".contains(&c))
}

fn is_ipv4(b: &[u8]) -> bool {
    let mut parts = 0;
    for p in b.split(|&c| c == b'.') {
        if !all_digits(p) || p.len() > 3 {
            return false;
        }
        let v: u32 = p.iter().fold(0, |a, &c| a * 10 + u32::from(c - b'0'));
        if v > 255 {
            return false;
        }
        parts += 1;
    }
    parts == 4
}

/// `cus_NffrFeUfNV2Hib`, `file-abc123`, `in_1MtHbELkdIwHu7ixl4OzzPMv`, `chatcmpl-123`:
/// lowercase word parts, then a body that does not read as a word.
fn prefixed_id(b: &[u8]) -> Option<SegmentKind> {
    let sep = b.iter().rposition(|&c| c == b'_' || c == b'-')?;
    let (prefix, body) = (&b[..sep], &b[sep + 1..]);
    if prefix.is_empty() || prefix.len() > 24 || body.is_empty() || !prefix[0].is_ascii_lowercase()
    {
        return None;
    }
    if !prefix
        .iter()
        .all(|&c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_' || c == b'-')
    {
        return None;
    }
    let s = shape(body);
    if s.dash_or_underscore > 0 || s.other > 0 {
        return None;
    }
    let n = body.len();
    let letters = s.lower + s.upper;
    let id_like = (s.digits == n && n >= 3)
        || (s.digits > 0 && letters > 0 && n >= 6)
        || (n >= 10 && s.upper > 0 && s.lower > 0 && s.humps >= 2)
        || (n >= 12 && s.upper >= 3 && s.lower >= 3)
        || (n >= 12 && s.digits > 0);
    id_like.then_some(SegmentKind::PrefixedId)
}

/// Kinds whose value may be a fixed part of an API (`/api/2/...`, `/2015-03-31/functions`):
/// kept literal in the learned tree so the final templater can tell a constant from a
/// parameter by how many distinct values the position took.
pub(crate) fn is_weak(kind: SegmentKind, seg: &str) -> bool {
    match kind {
        SegmentKind::Integer => seg.len() <= 2,
        SegmentKind::Date => true,
        _ => false,
    }
}

/// Placeholder segments as they appear in already templated input: `{id}`, `{user}`.
pub(crate) fn is_placeholder(seg: &str) -> bool {
    let b = seg.as_bytes();
    b.len() >= 2 && b[0] == b'{' && b[b.len() - 1] == b'}'
}

#[cfg(test)]
mod tests {
    use super::SegmentKind::*;
    use super::*;

    fn k(s: &str) -> SegmentKind {
        segment_kind(s)
    }

    proptest::proptest! {
        #[test]
        fn shape_without_branches_counts_like_the_plain_loop(s in "[0-9a-zA-Z_.~%-]{0,80}|\\PC{0,40}") {
            proptest::prop_assert_eq!(shape(s.as_bytes()), shape_by_byte(s.as_bytes()));
        }
    }

    #[test]
    fn long_segments_are_counted_too() {
        let long = "aZ9-".repeat(100);
        assert_eq!(shape(long.as_bytes()), shape_by_byte(long.as_bytes()));
    }

    #[test]
    fn integers() {
        assert_eq!(k("12345"), Integer);
        assert_eq!(k("0"), Integer);
        // A year on its own is an integer parameter; a year that is fixed across all traffic
        // is rescued by the templater's fixed-value rule only for one- and two-digit values.
        assert_eq!(k("2024"), Integer);
        assert_eq!(k("12a"), Literal);
    }

    #[test]
    fn versions_are_not_ids() {
        for v in [
            "v1", "V2", "v10", "v1.0", "v4.0", "v2beta1", "v1alpha", "1.0", "2.1.3", "v1-beta",
        ] {
            assert_eq!(k(v), Version, "{v}");
        }
        for v in ["v", "version", "vault", "1.2.3.4.5", "v1x"] {
            assert_ne!(k(v), Version, "{v}");
        }
    }

    #[test]
    fn uuids() {
        assert_eq!(k("123e4567-e89b-12d3-a456-426614174000"), Uuid);
        assert_eq!(k("123E4567-E89B-12D3-A456-426614174000"), Uuid);
        assert_ne!(k("123e4567-e89b-12d3-a456-42661417400g"), Uuid);
        assert_ne!(k("123e4567e89b-12d3-a456-4266141740000"), Uuid);
    }

    #[test]
    fn hex_and_hashes() {
        assert_eq!(k("507f1f77bcf86cd799439011"), Hex); // ObjectId
        assert_eq!(k("abc1234"), Hex); // short git sha
        assert_eq!(k("d41d8cd98f00b204e9800998ecf8427e"), Hash);
        assert_eq!(k("da39a3ee5e6b4b0d3255bfef95601890afd80709"), Hash);
        assert_eq!(
            k("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
            Hash
        );
        // Hex-letter words are words.
        for w in ["deadbeef", "facade", "added", "cafe", "decade"] {
            assert_eq!(k(w), Literal, "{w}");
        }
    }

    #[test]
    fn dates() {
        assert_eq!(k("2024-01-15"), Date);
        assert_eq!(k("2024-01"), Date);
        assert_eq!(k("2024-01-15T10:20:30Z"), Date);
        assert_eq!(k("2024-01-15T10%3A20%3A30.123%2B02%3A00"), Date);
        assert_ne!(k("2024-13-01"), Date);
        assert_ne!(k("1024-01-01"), Date);
        assert_ne!(k("2024-01-15-report"), Date);
    }

    #[test]
    fn emails() {
        assert_eq!(k("jane.doe@example.com"), Email);
        assert_eq!(k("jane%40example.com"), Email);
        assert_ne!(k("@example.com"), Email);
        assert_ne!(k("jane@localhost"), Email);
        assert_ne!(k("me"), Email);
    }

    #[test]
    fn ips() {
        assert_eq!(k("10.0.0.1"), Ip);
        assert_ne!(k("300.1.1.1"), Ip);
    }

    #[test]
    fn opaque_ids() {
        for id in [
            "a1b2c3",
            "x7K9mQ2p",
            "user12345",
            "tiSTSUzh4BwtvYSLWPsqu9",
            "V1StGXR8_Z5jdHi6B-myT",
            "NffrFeUfNVzHibQx",
            "8a61f9b3xyz",
        ] {
            assert_eq!(k(id), OpaqueId, "{id}");
        }
    }

    #[test]
    fn prefixed_ids() {
        for id in [
            "cus_NffrFeUfNV2Hib",
            "in_1MtHbELkdIwHu7ixl4OzzPMv",
            "file-abc123",
            "asst_abc123",
            "chatcmpl-123",
            "vs_abc123",
            "acct_1032D82eZvKYlo2C",
            "ft-AF1WoRqd3aJAHsqc9NY7iL8F",
        ] {
            assert_eq!(k(id), PrefixedId, "{id}");
        }
    }

    #[test]
    fn words_with_digits_and_separators_stay_literal() {
        for w in [
            "me",
            "self",
            "latest",
            "search",
            "stats",
            "oauth2",
            "s3",
            "ec2",
            "sha256",
            "x509",
            "i18n",
            "k8s",
            "h264",
            "mp4",
            "2fa",
            "3d_secure",
            "payment_methods",
            "test_helpers",
            "check-suites",
            "ssh-signing-keys",
            "createWithList",
            "findByStatus",
            "getAllUserAccountSettings",
            "HTTPServer",
            "convert_video",
            "step_1",
            "openapi.json",
            "_debug",
            "parentGoals",
            "text-embedding-3-small",
            "unit42intel",
            "win32api",
        ] {
            assert_eq!(k(w), Literal, "{w}");
        }
    }

    #[test]
    fn placeholders() {
        assert_eq!(k("{id}"), Placeholder);
        assert_eq!(k("{owner}"), Placeholder);
    }

    #[test]
    fn weak_kinds() {
        assert!(is_weak(Integer, "2"));
        assert!(!is_weak(Integer, "12345"));
        assert!(is_weak(Date, "2015-03-31"));
        assert!(!is_weak(Uuid, "123e4567-e89b-12d3-a456-426614174000"));
    }
}

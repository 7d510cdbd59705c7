//! Pure validators: checksums, issuer ranges, number rules, base64url, entropy.
//! Each works on a candidate that a trigger already found; none allocates.

/// Luhn (mod 10) over ASCII digits. `digits` must be all `0-9`.
pub fn luhn(digits: &[u8]) -> bool {
    if digits.is_empty() {
        return false;
    }
    let mut sum = 0u32;
    for (i, &d) in digits.iter().rev().enumerate() {
        let mut v = u32::from(d - b'0');
        if i % 2 == 1 {
            v *= 2;
            if v > 9 {
                v -= 9;
            }
        }
        sum += v;
    }
    sum % 10 == 0
}

fn prefix_num(digits: &[u8], n: usize) -> u32 {
    digits[..n]
        .iter()
        .fold(0u32, |a, &d| a * 10 + u32::from(d - b'0'))
}

/// The card network for a PAN of 13-19 digits, from its issuer identification prefix and length.
/// `None` when no network issues that prefix with that length.
pub fn card_issuer(digits: &[u8]) -> Option<&'static str> {
    let len = digits.len();
    if !(12..=19).contains(&len) {
        return None;
    }
    let p1 = prefix_num(digits, 1);
    let p2 = prefix_num(digits, 2);
    let p3 = prefix_num(digits, 3);
    let p4 = prefix_num(digits, 4);
    let p6 = prefix_num(digits, 6);
    match p1 {
        4 if matches!(len, 13 | 16 | 19) => Some("visa"),
        3 if (p2 == 34 || p2 == 37) && len == 15 => Some("amex"),
        3 if (3528..=3589).contains(&p4) && len >= 16 => Some("jcb"),
        3 if ((300..=305).contains(&p3) || p4 == 3095 || p2 == 36 || p2 == 38 || p2 == 39)
            && len >= 14 =>
        {
            Some("diners")
        }
        5 if (51..=55).contains(&p2) && len == 16 => Some("mastercard"),
        5 if (p2 == 50 || (56..=58).contains(&p2)) && len >= 12 => Some("maestro"),
        2 if (2221..=2720).contains(&p4) && len == 16 => Some("mastercard"),
        2 if (2200..=2204).contains(&p4) && len >= 16 => Some("mir"),
        6 if (p4 == 6011 || (644..=649).contains(&p3) || p2 == 65) && len >= 16 => Some("discover"),
        6 if (622126..=622925).contains(&p6) && len >= 16 => Some("discover"),
        6 if p2 == 62 && len >= 16 => Some("unionpay"),
        6 if (matches!(p4, 6304 | 6759 | 6761 | 6762 | 6763) || p2 == 67) && len >= 12 => {
            Some("maestro")
        }
        1 if len == 15 => Some("uatp"),
        _ => None,
    }
}

/// True when every digit is the same (`4444444444444444`), a placeholder rather than data.
pub fn all_same(digits: &[u8]) -> bool {
    digits.windows(2).all(|w| w[0] == w[1])
}

/// A complete card check over 12-19 digits: Luhn, a known issuer range, not a placeholder.
pub fn card(digits: &[u8]) -> Option<&'static str> {
    if all_same(digits) || !luhn(digits) {
        return None;
    }
    card_issuer(digits)
}

/// US SSN rules over exactly nine digits (area, group, serial), as the SSA publishes them:
/// area not 000, 666 or 900-999; group not 00; serial not 0000; plus the numbers the SSA
/// voided after they were printed in advertising (078-05-1120, 219-09-9999) and the sample
/// 123-45-6789. Same-digit placeholders are refused too.
pub fn ssn(d: &[u8]) -> bool {
    if d.len() != 9 || !d.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let area = prefix_num(d, 3);
    let group = prefix_num(&d[3..], 2);
    let serial = prefix_num(&d[5..], 4);
    if area == 0 || area == 666 || area >= 900 || group == 0 || serial == 0 {
        return false;
    }
    if all_same(d) {
        return false;
    }
    !matches!(d, b"078051120" | b"219099999" | b"123456789")
}

/// IBAN lengths by country (ISO 13616 registry).
const IBAN_LENGTHS: &[(&[u8; 2], u8)] = &[
    (b"AD", 24),
    (b"AE", 23),
    (b"AL", 28),
    (b"AT", 20),
    (b"AZ", 28),
    (b"BA", 20),
    (b"BE", 16),
    (b"BG", 22),
    (b"BH", 22),
    (b"BI", 27),
    (b"BR", 29),
    (b"BY", 28),
    (b"CH", 21),
    (b"CR", 22),
    (b"CY", 28),
    (b"CZ", 24),
    (b"DE", 22),
    (b"DJ", 27),
    (b"DK", 18),
    (b"DO", 28),
    (b"EE", 20),
    (b"EG", 29),
    (b"ES", 24),
    (b"FI", 18),
    (b"FK", 18),
    (b"FO", 18),
    (b"FR", 27),
    (b"GB", 22),
    (b"GE", 22),
    (b"GI", 23),
    (b"GL", 18),
    (b"GR", 27),
    (b"GT", 28),
    (b"HN", 28),
    (b"HR", 21),
    (b"HU", 28),
    (b"IE", 22),
    (b"IL", 23),
    (b"IQ", 23),
    (b"IS", 26),
    (b"IT", 27),
    (b"JO", 30),
    (b"KW", 30),
    (b"KZ", 20),
    (b"LB", 28),
    (b"LC", 32),
    (b"LI", 21),
    (b"LT", 20),
    (b"LU", 20),
    (b"LV", 21),
    (b"LY", 25),
    (b"MC", 27),
    (b"MD", 24),
    (b"ME", 22),
    (b"MK", 19),
    (b"MN", 20),
    (b"MR", 27),
    (b"MT", 31),
    (b"MU", 30),
    (b"NI", 28),
    (b"NL", 18),
    (b"NO", 15),
    (b"OM", 23),
    (b"PK", 24),
    (b"PL", 28),
    (b"PS", 29),
    (b"PT", 25),
    (b"QA", 29),
    (b"RO", 24),
    (b"RS", 22),
    (b"RU", 33),
    (b"SA", 24),
    (b"SC", 31),
    (b"SD", 18),
    (b"SE", 24),
    (b"SI", 19),
    (b"SK", 24),
    (b"SM", 27),
    (b"SO", 23),
    (b"ST", 25),
    (b"SV", 28),
    (b"TL", 23),
    (b"TN", 24),
    (b"TR", 26),
    (b"UA", 29),
    (b"VA", 22),
    (b"VG", 24),
    (b"XK", 20),
    (b"YE", 30),
];

/// The registered IBAN length for a country code.
pub fn iban_length(cc: &[u8]) -> Option<usize> {
    IBAN_LENGTHS
        .iter()
        .find(|(c, _)| c.as_slice() == cc)
        .map(|&(_, n)| usize::from(n))
}

/// ISO 7064 mod 97-10 over a compact IBAN (`[A-Z0-9]`, country code first).
pub fn iban_mod97(iban: &[u8]) -> bool {
    if iban.len() < 5 {
        return false;
    }
    let mut rem = 0u32;
    let mut feed = |c: u8| -> bool {
        match c {
            b'0'..=b'9' => {
                rem = (rem * 10 + u32::from(c - b'0')) % 97;
                true
            }
            b'A'..=b'Z' => {
                let v = u32::from(c - b'A') + 10;
                rem = (rem * 100 + v) % 97;
                true
            }
            _ => false,
        }
    };
    for &c in iban[4..].iter().chain(iban[..4].iter()) {
        if !feed(c) {
            return false;
        }
    }
    rem == 1
}

/// Full IBAN check over a compact uppercase candidate: country, registered length,
/// check digits, mod-97.
pub fn iban(compact: &[u8]) -> bool {
    if compact.len() < 15 || compact.len() > 34 {
        return false;
    }
    if !compact[..2].iter().all(u8::is_ascii_uppercase)
        || !compact[2..4].iter().all(u8::is_ascii_digit)
    {
        return false;
    }
    match iban_length(&compact[..2]) {
        Some(n) if n == compact.len() => iban_mod97(compact),
        _ => false,
    }
}

fn b64url_val(c: u8) -> Option<u32> {
    Some(match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'-' | b'+' => 62,
        b'_' | b'/' => 63,
        _ => return None,
    } as u32)
}

/// Decodes unpadded base64url (standard alphabet accepted too) into `out`, returning the
/// number of bytes written; `None` on a bad character, an impossible length (`len % 4 == 1`)
/// or when `out` is too small.
pub fn b64url_decode(input: &[u8], out: &mut [u8]) -> Option<usize> {
    let input = match input.iter().position(|&c| c == b'=') {
        Some(p) => &input[..p],
        None => input,
    };
    if input.len() % 4 == 1 {
        return None;
    }
    let mut acc = 0u32;
    let mut bits = 0u32;
    let mut n = 0usize;
    for &c in input {
        acc = (acc << 6) | b64url_val(c)?;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            *out.get_mut(n)? = (acc >> bits) as u8;
            n += 1;
        }
    }
    Some(n)
}

/// The `alg` of a JWT header given as base64url: the header must decode to a JSON object that
/// holds `"alg": "<name>"`. Returns where the name sits inside `buf` and how many bytes were
/// decoded.
pub fn jwt_header_alg(
    part: &[u8],
    buf: &mut [u8; 1024],
) -> Option<(std::ops::Range<usize>, usize)> {
    let n = b64url_decode(part, buf)?;
    let (a, b) = trim_bounds(&buf[..n]);
    let json = &buf[a..b];
    if json.first() != Some(&b'{') || json.last() != Some(&b'}') {
        return None;
    }
    let at = crate::scan::find_bytes(json, b"\"alg\"")?;
    let mut i = at + 5;
    while i < json.len() && json[i].is_ascii_whitespace() {
        i += 1;
    }
    if json.get(i) != Some(&b':') {
        return None;
    }
    i += 1;
    while i < json.len() && json[i].is_ascii_whitespace() {
        i += 1;
    }
    if json.get(i) != Some(&b'"') {
        return None;
    }
    i += 1;
    let start = i;
    while i < json.len() && json[i] != b'"' {
        if !(json[i].is_ascii_alphanumeric() || matches!(json[i], b'-' | b'_' | b'+')) {
            return None;
        }
        i += 1;
    }
    if i >= json.len() || i == start || i - start > 32 {
        return None;
    }
    Some((a + start..a + i, n))
}

/// True when base64url `part` decodes to something that starts like a JSON object.
pub fn b64_json_object_start(part: &[u8]) -> bool {
    let take = part.len().min(16) & !3;
    let mut buf = [0u8; 12];
    let Some(n) = b64url_decode(&part[..take], &mut buf) else {
        return false;
    };
    trim_ws(&buf[..n]).first() == Some(&b'{')
}

fn trim_bounds(s: &[u8]) -> (usize, usize) {
    let a = s
        .iter()
        .position(|c| !c.is_ascii_whitespace())
        .unwrap_or(s.len());
    let b = s
        .iter()
        .rposition(|c| !c.is_ascii_whitespace())
        .map_or(a, |p| p + 1);
    (a, b)
}

fn trim_ws(s: &[u8]) -> &[u8] {
    let (a, b) = trim_bounds(s);
    &s[a..b]
}

/// Shannon entropy in bits per character over ASCII bytes.
pub fn shannon_entropy(s: &[u8]) -> f64 {
    if s.is_empty() {
        return 0.0;
    }
    let mut counts = [0u32; 128];
    for &c in s {
        counts[usize::from(c & 0x7f)] += 1;
    }
    let n = s.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = f64::from(c) / n;
            -p * p.log2()
        })
        .sum()
}

/// Number of distinct bytes (ASCII) in `s`.
pub fn distinct(s: &[u8]) -> usize {
    let mut seen = [false; 128];
    let mut n = 0;
    for &c in s {
        let k = usize::from(c & 0x7f);
        if !seen[k] {
            seen[k] = true;
            n += 1;
        }
    }
    n
}

/// Longest run of one repeated byte.
pub fn max_repeat(s: &[u8]) -> usize {
    let mut best = 0;
    let mut run = 0;
    let mut prev = None;
    for &c in s {
        if Some(c) == prev {
            run += 1;
        } else {
            run = 1;
            prev = Some(c);
        }
        best = best.max(run);
    }
    best
}

/// Canonical UUID form `8-4-4-4-12` hex.
pub fn is_uuid(s: &[u8]) -> bool {
    s.len() == 36
        && s.iter().enumerate().all(|(i, &c)| {
            if matches!(i, 8 | 13 | 18 | 23) {
                c == b'-'
            } else {
                c.is_ascii_hexdigit()
            }
        })
}

/// Share of letters that sit in word-shaped runs (`Word`, `word`, `WORD` of 3+ letters with a
/// vowel, `Wo` at the end). Identifiers and prose score near 1, random tokens far lower.
pub fn wordlike_ratio(s: &[u8]) -> f64 {
    let letters = s.iter().filter(|c| c.is_ascii_alphabetic()).count();
    if letters == 0 {
        return 0.0;
    }
    let mut covered = 0usize;
    let mut i = 0;
    while i < s.len() {
        if !s[i].is_ascii_alphabetic() {
            i += 1;
            continue;
        }
        // One hump: an optional capital then lowercase, or a run of capitals.
        let start = i;
        let mut j = i;
        if s[j].is_ascii_uppercase() {
            j += 1;
            if j < s.len() && s[j].is_ascii_lowercase() {
                while j < s.len() && s[j].is_ascii_lowercase() {
                    j += 1;
                }
            } else {
                while j < s.len()
                    && s[j].is_ascii_uppercase()
                    && !(j + 1 < s.len() && s[j + 1].is_ascii_lowercase())
                {
                    j += 1;
                }
            }
        } else {
            while j < s.len() && s[j].is_ascii_lowercase() {
                j += 1;
            }
        }
        let hump = &s[start..j];
        let has_vowel = hump.iter().any(|c| {
            matches!(
                c.to_ascii_lowercase(),
                b'a' | b'e' | b'i' | b'o' | b'u' | b'y'
            )
        });
        if hump.len() >= 3 && has_vowel {
            covered += hump.len();
        }
        i = j.max(start + 1);
    }
    covered as f64 / letters as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn luhn_known_values() {
        assert!(luhn(b"4111111111111111"));
        assert!(luhn(b"4012888888881881"));
        assert!(luhn(b"378282246310005"));
        assert!(luhn(b"79927398713"));
        assert!(!luhn(b"4111111111111112"));
        assert!(!luhn(b"79927398710"));
        assert!(!luhn(b""));
    }

    #[test]
    fn card_issuers() {
        assert_eq!(card(b"4111111111111111"), Some("visa"));
        assert_eq!(card(b"5555555555554444"), Some("mastercard"));
        assert_eq!(card(b"2223003122003222"), Some("mastercard"));
        assert_eq!(card(b"371449635398431"), Some("amex"));
        assert_eq!(card(b"6011000400000000"), Some("discover"));
        assert_eq!(card(b"3528000700000000"), Some("jcb"));
        assert_eq!(card(b"30569309025904"), Some("diners"));
        assert_eq!(card(b"6759649826438453"), Some("maestro"));
        assert_eq!(card(b"6200000000000005"), Some("unionpay"));
        assert_eq!(card(b"122000000000003"), Some("uatp"));
        // Luhn-valid but no network issues 16 digits starting with 1 (ms timestamps, ids).
        assert_eq!(card(b"1712345678906"), None);
        assert_eq!(card(b"4111111111111112"), None);
        assert_eq!(card(b"0000000000000000"), None);
        // amex prefix with a visa length
        assert_eq!(card_issuer(b"3782822463100050"), None);
    }

    #[test]
    fn ssn_rules() {
        assert!(ssn(b"536221234"));
        assert!(ssn(b"078051123"));
        assert!(!ssn(b"000121234"), "area 000");
        assert!(!ssn(b"666121234"), "area 666");
        assert!(!ssn(b"900121234"), "area 9xx is ITIN");
        assert!(!ssn(b"536001234"), "group 00");
        assert!(!ssn(b"536120000"), "serial 0000");
        assert!(!ssn(b"078051120"), "voided advertising number");
        assert!(!ssn(b"111111111"), "placeholder");
        assert!(!ssn(b"12345678"));
    }

    #[test]
    fn iban_mod97_and_lengths() {
        assert!(iban(b"GB82WEST12345698765432"));
        assert!(iban(b"DE89370400440532013000"));
        assert!(iban(b"NO9386011117947"));
        assert!(iban(b"MT84MALT011000012345MTLCAST001S"));
        assert!(!iban(b"GB82WEST12345698765433"), "check digits");
        assert!(!iban(b"DE8937040044053201300"), "length for DE");
        assert!(!iban(b"ZZ82WEST12345698765432"), "unknown country");
        assert!(!iban(b"gb82WEST12345698765432"));
    }

    #[test]
    fn base64url_and_jwt_header() {
        let mut out = [0u8; 64];
        let n = b64url_decode(b"eyJhbGciOiJIUzI1NiJ9", &mut out).unwrap();
        assert_eq!(&out[..n], br#"{"alg":"HS256"}"#);
        assert!(b64url_decode(b"abcde", &mut out).is_none(), "len % 4 == 1");
        assert!(b64url_decode(b"ab$d", &mut out).is_none());
        let mut buf = [0u8; 1024];
        let (r, _) = jwt_header_alg(b"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9", &mut buf).unwrap();
        assert_eq!(&buf[r], b"HS256");
        // {"typ":"JWT"} has no alg
        assert_eq!(jwt_header_alg(b"eyJ0eXAiOiJKV1QifQ", &mut buf), None);
        // header with CR/LF inside still parses
        let (r, _) = jwt_header_alg(b"eyJ0eXAiOiJKV1QiLA0KImFsZyI6IkhTMjU2In0", &mut buf).unwrap();
        assert_eq!(&buf[r], b"HS256");
        assert!(b64_json_object_start(b"eyJzdWIiOiIxMjM0In0"));
        assert!(!b64_json_object_start(b"bm90X3ZhbGlkX2pzb24"));
    }

    #[test]
    fn entropy_and_shape() {
        assert_eq!(shannon_entropy(b"aaaaaaaa"), 0.0);
        assert!((shannon_entropy(b"abcd") - 2.0).abs() < 1e-9);
        assert!(shannon_entropy(b"Zf3D0LXCM3EIMbgJpUNnkRtOfOueHznB") > 4.0);
        assert_eq!(distinct(b"aabbcc"), 3);
        assert_eq!(max_repeat(b"abcccd"), 3);
        assert!(is_uuid(b"550e8400-e29b-41d4-a716-446655440000"));
        assert!(!is_uuid(b"550e8400e29b41d4a716446655440000"));
        assert!(wordlike_ratio(b"getUserAccountSettingsForTenant") > 0.9);
        assert!(wordlike_ratio(b"Zf3D0LXCM3EIMbgJpUNnkRtOfOueHznB") < 0.5);
    }
}

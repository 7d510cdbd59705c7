//! Timestamps without a date library: RFC 3339 parsing and formatting, and epoch numbers in
//! seconds or milliseconds. Everything is UTC epoch milliseconds inside apispm.

/// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm).
pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719468;
    let era = if z >= 0 { z } else { z - 146096 } / 146097;
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn num(b: &[u8]) -> Option<i64> {
    if b.is_empty() || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(b.iter().fold(0i64, |a, &c| a * 10 + (c - b'0') as i64))
}

/// Parses `2025-12-04T10:00:00Z`, `2025-12-04 10:00:00.123+02:00`, and the same without zone
/// (taken as UTC). Returns epoch milliseconds.
pub fn parse_rfc3339(s: &str) -> Option<i64> {
    let b = s.trim().as_bytes();
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    if b[13] != b':' || b[16] != b':' {
        return None;
    }
    let (y, mo, d) = (num(&b[0..4])?, num(&b[5..7])?, num(&b[8..10])?);
    let (h, mi, se) = (num(&b[11..13])?, num(&b[14..16])?, num(&b[17..19])?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || se > 60 {
        return None;
    }
    let mut i = 19;
    let mut ms = 0i64;
    if i < b.len() && (b[i] == b'.' || b[i] == b',') {
        i += 1;
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == start {
            return None;
        }
        let frac = &b[start..i.min(start + 3)];
        ms = num(frac)? * 10i64.pow(3 - frac.len() as u32);
    }
    let offset_min = match b.get(i) {
        None => 0,
        Some(b'Z' | b'z') if i + 1 == b.len() => 0,
        Some(&sign @ (b'+' | b'-')) => {
            let rest = &b[i + 1..];
            let (oh, om) = match rest.len() {
                5 if rest[2] == b':' => (num(&rest[0..2])?, num(&rest[3..5])?),
                4 => (num(&rest[0..2])?, num(&rest[2..4])?),
                2 => (num(rest)?, 0),
                _ => return None,
            };
            let o = oh * 60 + om;
            if sign == b'+' { o } else { -o }
        }
        _ => return None,
    };
    let days = days_from_civil(y, mo, d);
    let secs = days * 86400 + h * 3600 + mi * 60 + se - offset_min * 60;
    Some(secs * 1000 + ms)
}

/// Epoch seconds or milliseconds, told apart by size: values above 10^11 are milliseconds
/// (10^11 seconds is the year 5138), values above 10^14 microseconds.
pub fn from_epoch_number(v: f64) -> Option<i64> {
    if !v.is_finite() || v < 0.0 {
        return None;
    }
    let ms = if v >= 1e14 {
        v / 1000.0
    } else if v >= 1e11 {
        v
    } else {
        v * 1000.0
    };
    Some(ms.round() as i64)
}

/// A timestamp given as text: RFC 3339 or an epoch number.
pub fn parse_any(s: &str) -> Option<i64> {
    let t = s.trim();
    // Epoch integers of up to 15 digits are exact in an f64, so reading them as integers gives
    // what the float parser would, without its cost (every Kong record has one).
    if (1..=15).contains(&t.len()) && t.bytes().all(|c| c.is_ascii_digit()) {
        let v = t.bytes().fold(0u64, |a, c| a * 10 + u64::from(c - b'0'));
        return from_epoch_number(v as f64);
    }
    if !t.is_empty() && t.bytes().all(|c| c.is_ascii_digit() || c == b'.') {
        return t.parse::<f64>().ok().and_then(from_epoch_number);
    }
    parse_rfc3339(t)
}

/// `2025-12-04T10:00:00.000Z`
pub fn format_rfc3339(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let milli = ms.rem_euclid(1000);
    let days = secs.div_euclid(86400);
    let sod = secs.rem_euclid(86400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{milli:03}Z",
        sod / 3600,
        (sod / 60) % 60,
        sod % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_rfc3339_variants() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            parse_rfc3339("2025-12-04T00:00:00Z"),
            Some(1_764_806_400_000)
        );
        assert_eq!(
            parse_rfc3339("2025-12-04T02:00:00+02:00"),
            Some(1_764_806_400_000)
        );
        assert_eq!(
            parse_rfc3339("2025-12-04 00:00:00.5"),
            Some(1_764_806_400_500)
        );
        assert_eq!(parse_rfc3339("2025-13-04T00:00:00Z"), None);
        assert_eq!(parse_rfc3339("yesterday"), None);
    }

    proptest::proptest! {
        // The integer shortcut gives what the float parser gives, at every size it takes.
        #[test]
        fn epoch_integers_read_like_floats(v in 0u64..1_000_000_000_000_000, digits in 1usize..16) {
            let t = (v % 10u64.pow(digits as u32)).to_string();
            let float = t.parse::<f64>().ok().and_then(from_epoch_number);
            proptest::prop_assert_eq!(parse_any(&t), float);
        }
    }

    #[test]
    fn epoch_units_are_told_apart() {
        assert_eq!(parse_any("1764806400"), Some(1_764_806_400_000));
        assert_eq!(parse_any("1764806400123"), Some(1_764_806_400_123));
        assert_eq!(parse_any("1764806400.5"), Some(1_764_806_400_500));
    }

    #[test]
    fn formats_round_trip() {
        for ms in [0, 1_764_806_400_123, 951_782_400_000, -86_400_000] {
            assert_eq!(parse_rfc3339(&format_rfc3339(ms)), Some(ms));
        }
    }
}

//! Properties: `scan` never panics, spans are ordered char-boundary ranges, and hints never
//! contain the value they stand for.

use apispm_detect::Detector;
use proptest::prelude::*;

fn check_spans(text: &str) {
    let d = Detector::new();
    let mut last_end = 0usize;
    d.scan(text, &mut |x| {
        assert!(
            x.start < x.end && x.end <= text.len(),
            "span {}..{} in {} bytes",
            x.start,
            x.end,
            text.len()
        );
        assert!(text.is_char_boundary(x.start) && text.is_char_boundary(x.end));
        assert!(x.start >= last_end, "unordered or overlapping");
        last_end = x.end;
        let raw = &text[x.start..x.end];
        assert!(
            !x.hint.contains(raw),
            "hint {:?} contains {:?}",
            x.hint,
            raw
        );
        assert!(!x.hint.is_empty());
    });
}

fn luhn_complete(prefix: &str, len: usize, fill: &[u8]) -> String {
    let mut s: String = prefix.to_string();
    for &c in fill.iter().take(len - 1 - prefix.len()) {
        s.push(char::from(b'0' + c % 10));
    }
    let total: u32 = s
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, c)| {
            let mut d = u32::from(c - b'0');
            if i % 2 == 0 {
                d *= 2;
                if d > 9 {
                    d -= 9;
                }
            }
            d
        })
        .sum();
    s.push(char::from(b'0' + ((10 - total % 10) % 10) as u8));
    s
}

/// Values the detector must find, each with the type it must report.
fn sensitive_value() -> impl Strategy<Value = (String, &'static str)> {
    prop_oneof![
        (
            proptest::collection::vec(0u8..10, 18),
            prop::sample::select(vec!["4", "51", "37", "6011"])
        )
            .prop_map(|(fill, p)| (
                luhn_complete(p, if p == "37" { 15 } else { 16 }, &fill),
                "credit_card"
            )),
        (100u32..665, 10u32..99, 1000u32..9999)
            .prop_map(|(a, g, s)| (format!("{a:03}-{g:02}-{s:04}"), "ssn")),
        (
            "[a-z]{1,10}",
            "[a-z]{2,8}",
            prop::sample::select(vec!["com", "org", "io", "co.uk"])
        )
            .prop_map(|(l, d, t)| (format!("{l}@{d}.{t}"), "email")),
        (1u64..10, 100_000_000u64..1_000_000_000).prop_map(|(c, n)| (format!("+{c}{n}"), "phone")),
        (1u8..224, 0u8..=255, 0u8..=255, 1u8..255)
            .prop_map(|(a, b, c, d)| (format!("{a}.{b}.{c}.{d}"), "ip_address")),
        "[A-Z2-7]{16}".prop_map(|s| (format!("AKIA{s}"), "api_key")),
        "[A-Za-z0-9]{36}".prop_map(|s| (format!("ghp_{s}"), "api_key")),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    #[test]
    fn never_panics_on_any_string(s in any::<String>()) {
        check_spans(&s);
    }

    #[test]
    fn never_panics_on_token_soup(s in r"[0-9A-Za-z@+().:%/=_\- \n\\'\x22-]{0,400}") {
        check_spans(&s);
    }

    #[test]
    fn never_panics_on_digit_runs(n in 0usize..5000, sep in prop::sample::select(vec!["", " ", "-", ".", ":"]), k in 1usize..6) {
        let unit = format!("{}{}", "7".repeat(k), sep);
        check_spans(&unit.repeat(n));
        check_spans(&format!("+{}", "1".repeat(n)));
        check_spans(&format!("eyJ{}.eyJ{}.", "a".repeat(n % 700), "b".repeat(n)));
        check_spans(&format!("-----BEGIN PRIVATE KEY-----{}", "A".repeat(n)));
    }

    #[test]
    fn finds_values_and_hints_hide_them(
        (value, kind) in sensitive_value(),
        pre in prop::sample::select(vec!["", " ", "x: ", "\"v\": \"", "q=", "é "]),
        post in prop::sample::select(vec!["", " ", "\"", ",", " ü", "&a=1"]),
    ) {
        let text = format!("{pre}{value}{post}");
        let found = Detector::new().detect(&text);
        prop_assert!(found.iter().any(|d| d.kind.as_str() == kind), "{kind} not found in {text:?}: {found:?}");
        for d in &found {
            prop_assert!(!d.hint.contains(&value), "hint {:?} reveals {:?}", d.hint, value);
        }
        check_spans(&text);
    }
}

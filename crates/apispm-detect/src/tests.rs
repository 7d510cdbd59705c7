use super::*;

fn kinds(text: &str) -> Vec<(&'static str, &'static str)> {
    Detector::new()
        .detect(text)
        .into_iter()
        .map(|d| (d.kind.as_str(), d.detail))
        .collect()
}

fn types(text: &str) -> Vec<&'static str> {
    kinds(text).into_iter().map(|k| k.0).collect()
}

#[test]
fn seed_body_shapes() {
    let d = Detector::new();
    let base = r#"{"id": 145615, "status": "ok", "note": "lorem ipsum dolor sit amet lorem ipsum dolor sit amet "#;
    assert!(d.detect(&format!("{base}\"}}")).is_empty());
    let cases = [
        (
            r#", "email": "user98443@mail.example.org"}"#,
            "email",
            "u***@mail.example.org",
        ),
        (r#", "ssn": "536-22-1234"}"#, "ssn", "***-**-1234"),
        (
            r#", "card": "4532015112830366"}"#,
            "credit_card",
            "****0366",
        ),
        (r#", "phone": "+10123456789"}"#, "phone", "***-**89"),
        (
            r#", "token": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJlX2hlcmU"}"#,
            "jwt",
            "jwt alg=HS256",
        ),
    ];
    for (tail, kind, hint) in cases {
        let text = format!("{base}\"{tail}");
        let found = d.detect(&text);
        assert_eq!(found.len(), 1, "{text}: {found:?}");
        assert_eq!(found[0].kind.as_str(), kind);
        assert_eq!(found[0].hint, hint);
    }
}

#[test]
fn cards() {
    assert_eq!(kinds("4111111111111111"), [("credit_card", "visa")]);
    assert_eq!(
        kinds("pay 4111 1111 1111 1111 now"),
        [("credit_card", "visa")]
    );
    assert_eq!(kinds("pay 4111-1111-1111-1111."), [("credit_card", "visa")]);
    assert_eq!(kinds("3782 822463 10005"), [("credit_card", "amex")]);
    assert_eq!(kinds("5555555555554444"), [("credit_card", "mastercard")]);
    assert_eq!(
        types(r#"{"card": {"number": "4242424242424242"}}"#),
        ["credit_card"]
    );
    assert!(types("4111111111111112").is_empty(), "Luhn");
    assert!(types("0.4111111111111111").is_empty(), "decimal fraction");
    assert!(types("4111111111111111.25").is_empty(), "decimal number");
    assert!(
        types(r#"{"order_id": 4111111111111111}"#).is_empty(),
        "id key"
    );
    assert!(types(r#"{"ts": 1712345678901}"#).is_empty(), "ms timestamp");
    assert!(types("1712345678901234").is_empty(), "us timestamp");
    assert!(
        types("order-4111111111111111").is_empty(),
        "hyphenated identifier"
    );
    assert!(
        types("4111 1111 1111 1111 1111 1111").is_empty(),
        "too many groups"
    );
}

#[test]
fn ssns() {
    assert_eq!(types("SSN 536-22-1234"), ["ssn"]);
    assert_eq!(types("536 22 1234"), ["ssn"]);
    assert_eq!(types(r#"{"ssn": "536221234"}"#), ["ssn"]);
    assert!(
        types("536221234").is_empty(),
        "bare nine digits without a key"
    );
    assert!(types("666-22-1234").is_empty());
    assert!(types("900-22-1234").is_empty());
    assert!(types("536-00-1234").is_empty());
    assert!(types("536-22-0000").is_empty());
    assert!(types("536-22-1234-77").is_empty(), "longer dashed id");
    assert!(types("2024-06-11").is_empty());
}

#[test]
fn phones() {
    assert_eq!(kinds("+15551234567"), [("phone", "e164")]);
    assert_eq!(kinds("call +1 (415) 555-0132"), [("phone", "e164")]);
    assert_eq!(kinds("+44 20 7946 0958"), [("phone", "e164")]);
    assert_eq!(kinds("(555) 123-4567"), [("phone", "nanp")]);
    assert_eq!(kinds("555-123-4567"), [("phone", "nanp")]);
    assert_eq!(kinds("020 7946 0958"), [("phone", "national")]);
    assert_eq!(kinds("phone=%2B15551234567"), [("phone", "e164")]);
    assert!(types("5551234567").is_empty(), "bare run");
    assert!(types("123456789012345").is_empty(), "bare run");
    assert!(types("q=a+12345678").is_empty(), "plus inside a word");
    assert!(types("+0530").is_empty());
    assert!(types("2024-06-11T10:30:00+02:00").is_empty());
    assert!(types("+1234567").is_empty(), "too short");
    assert!(types("+1234567890123456").is_empty(), "too long");
    assert!(
        types("123-456-7890").is_empty(),
        "NANP area cannot start with 1"
    );
}

#[test]
fn emails() {
    assert_eq!(types("mail john.doe+x@example.co.uk today"), ["email"]);
    assert_eq!(types("email=john%40example.com&x=1"), ["email"]);
    assert!(types("logo@2x.png").is_empty());
    assert!(types("lodash@4.17.21").is_empty());
    assert!(types("user@localhost").is_empty());
    assert!(types("@angular/core").is_empty());
    assert!(types("info@presidio.").is_empty());
}

#[test]
fn jwts() {
    let good = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";
    assert_eq!(types(good), ["jwt"]);
    assert_eq!(types(&format!("Authorization: Bearer {good}")), ["jwt"]);
    assert_eq!(types(&format!("Bearer%20{good}")), ["jwt"]);
    // alg none may go unsigned
    assert_eq!(types("eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0."), ["jwt"]);
    // two parts, header without alg, payload not JSON
    assert!(types("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0").is_empty());
    assert!(!types("eyJ0eXAiOiJKV1QifQ.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJl").contains(&"jwt"));
    assert!(!types("eyJhbGciOiJIUzI1NiJ9.bm90anNvbmF0YWxs.c2lnbmF0dXJl").contains(&"jwt"));
}

#[test]
fn ibans() {
    assert_eq!(types("IBAN GB82 WEST 1234 5698 7654 32."), ["iban"]);
    assert_eq!(types("DE89370400440532013000"), ["iban"]);
    assert_eq!(
        Detector::new().detect("DE89370400440532013000")[0].hint,
        "DE****3000"
    );
    assert!(types("GB82 WEST 1234 5698 7654 33").is_empty());
    assert!(types("DE8937040044053201300").is_empty());
}

#[test]
fn ips() {
    assert_eq!(kinds("from 203.0.113.7 today"), [("ip_address", "ipv4")]);
    assert_eq!(Detector::new().detect("203.0.113.7")[0].hint, "203.0.113.*");
    assert_eq!(kinds("[2001:db8::1]:443"), [("ip_address", "ipv6")]);
    assert_eq!(kinds("::ffff:192.0.2.1"), [("ip_address", "ipv6")]);
    for s in [
        "version 1.2.3.4",
        "v1.2.3.4",
        r#"{"version": "1.2.3.4"}"#,
        "Chrome/120.0.0.0",
        "1.2.3.4.5",
        "300.1.1.1",
        "12:34:56",
        "aa:bb:cc:dd:ee:ff",
        "std::cout",
        "a::b",
    ] {
        assert!(types(s).is_empty(), "{s}");
    }
}

#[test]
fn prefixed_secrets() {
    let cases = [
        ("AKIALALEMEL33243OLIB", "aws_access_key_id", "AKIA****"),
        (
            "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",
            "github_token",
            "ghp_****",
        ),
        (
            "xoxb-781236542736-2364535789652-GkwFDQoHqzXDVsC6GzqYUypD",
            "slack_token",
            "xoxb-****",
        ),
        (
            "sk_live_ReTllpYQYfIZu2Jnf2lAPFjD",
            "stripe_key",
            "sk_live_****",
        ),
        (
            "AIzaSyNHxIf32IQ1a1yjl3ZJIqKZqzLAK1XhDk-",
            "google_api_key",
            "AIza****",
        ),
        ("glpat-Xk3J9aLm2Qp8Rt5Vw7Yz", "gitlab_token", "glpat-****"),
        (
            "npm_Xk3J9aLm2Qp8Rt5Vw7YzXk3J9aLm2Qp8Rt5V",
            "npm_token",
            "npm_****",
        ),
        (
            "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",
            "openai_api_key",
            "sk-****",
        ),
    ];
    for (tok, detail, hint) in cases {
        let found = Detector::new().detect(&format!("key: {tok}\n"));
        assert_eq!(found.len(), 1, "{tok}: {found:?}");
        assert_eq!(
            (found[0].kind, found[0].detail, found[0].hint.as_str()),
            (SensitiveType::ApiKey, detail, hint)
        );
    }
    for s in [
        "AKIAXXXXXXXXXXXXXXXX",
        "AKIAIOSFODNN7EXAMPLE",
        "ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        "xoxb-xxx",
        "pk_live_j5krY8XTgIcDaHDb3YrsAfCl",
        "sk_live_",
    ] {
        assert!(types(s).is_empty(), "{s}");
    }
}

#[test]
fn generic_tokens() {
    assert_eq!(
        kinds("Zf3D0LXCM3EIMbgJpUNnkRtOfOueHznB"),
        [("api_key", "generic_high_entropy")]
    );
    assert_eq!(
        types(r#"{"api_key": "9f86d081884c7d659a2feaa0c55ad015"}"#),
        ["api_key"]
    );
    assert_eq!(
        types("Authorization: Bearer Xk3J9aLm2Qp8Rt5Vw7"),
        ["api_key"]
    );
    for s in [
        "a94a8fe5ccb19ba61c4c0873d391e987982fbbd3",
        "getUserAccountSettingsForTenantNumber2",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
        r#"{"request_id": "Zf3D0LXCM3EIMbgJpUNnkRtOfOueHznB"}"#,
        r#"{"public_key": "Zf3D0LXCM3EIMbgJpUNnkRtOfOueHznB"}"#,
        "/api/v1/files/Zf3D0LXCM3EIMbgJpUNnkRtOfOueHznB",
        "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==",
        r#"{"api_key": "YOUR_API_KEY_HERE"}"#,
    ] {
        assert!(types(s).is_empty(), "{s}");
    }
}

#[test]
fn pem_blocks() {
    let key = "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIBkg4LVWM9nuwNSk3yByxZpYRTBnVJk5oK4HBO6Q9Ak1oAoGCCqGSM49\n-----END EC PRIVATE KEY-----";
    let found = Detector::new().detect(key);
    assert_eq!(found.len(), 1);
    assert_eq!(
        (found[0].kind, found[0].detail),
        (SensitiveType::PrivateKey, "pem_private_key")
    );
    assert_eq!((found[0].start, found[0].end), (0, key.len()));
    let escaped = key.replace('\n', "\\n");
    assert_eq!(types(&format!(r#"{{"k": "{escaped}"}}"#)), ["private_key"]);
    let cert = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUYl3QnF0c0zWg3pGmX0dN7nKq8AowCgYIKoZIzj0EAwIw\n-----END CERTIFICATE-----";
    assert!(types(cert).is_empty());
}

#[test]
fn order_and_overlap() {
    let text = "mail a@b.io, card 4111111111111111, ip 10.0.0.1, ssn 536-22-1234";
    let found = Detector::new().detect(text);
    let got: Vec<&str> = found.iter().map(|d| d.kind.as_str()).collect();
    assert_eq!(got, ["email", "credit_card", "ip_address", "ssn"]);
    assert!(found.windows(2).all(|w| w[0].end <= w[1].start));
    // the email wins over the digits of its local part
    assert_eq!(types("4111111111111111@example.com"), ["email"]);
}

#[test]
fn non_ascii_neighbours() {
    let text = "Kartennummer：4111111111111111，邮件 ä@exämple.com ü user@example.com";
    let found = Detector::new().detect(text);
    for d in &found {
        assert!(text.is_char_boundary(d.start) && text.is_char_boundary(d.end));
    }
    assert_eq!(
        found.iter().map(|d| d.kind.as_str()).collect::<Vec<_>>(),
        ["credit_card", "email"]
    );
}

#[test]
fn detector_is_shareable() {
    fn assert_traits<T: Send + Sync + std::fmt::Debug + Default>() {}
    assert_traits::<Detector>();
}

#[test]
fn string_escapes_separate_words() {
    assert_eq!(types(r"note\n4111111111111111\tend"), ["credit_card"]);
    assert_eq!(types(r"line\n+15551234567"), ["phone"]);
    assert_eq!(
        Detector::new().detect(r"x\njohn@example.com")[0].hint,
        "j***@example.com"
    );
    assert!(types(r"def f():\n@click.argument").is_empty());
    assert_eq!(types(r"caf\u00e9 4111111111111111"), ["credit_card"]);
}

//! Redacted hints. Each keeps only what identifies the finding to a person (a card's last
//! four, an address's domain, a token's public prefix), never the whole value.

fn s(b: &[u8]) -> &str {
    std::str::from_utf8(b).unwrap_or("")
}

/// `****1111`
pub fn last4(digits: &[u8], mask: &str) -> String {
    let tail = &digits[digits.len().saturating_sub(4)..];
    format!("{mask}{}", s(tail))
}

/// `***-**-6789`
pub fn ssn(digits: &[u8]) -> String {
    last4(digits, "***-**-")
}

/// `***-**67`: the last two digits only.
pub fn phone(digits: &[u8]) -> String {
    let tail = &digits[digits.len().saturating_sub(2)..];
    format!("***-**{}", s(tail))
}

/// `u***@mail.example.org`
pub fn email(first: u8, domain: &[u8]) -> String {
    format!("{}***@{}", char::from(first), s(domain))
}

/// `203.0.113.*`
pub fn ipv4(addr: &[u8]) -> String {
    let cut = addr.iter().rposition(|&c| c == b'.').unwrap_or(0);
    format!("{}.*", s(&addr[..cut]))
}

/// `2001:****`: the first group only.
pub fn ipv6(addr: &[u8]) -> String {
    let cut = addr.iter().position(|&c| c == b':').unwrap_or(0);
    format!("{}:****", s(&addr[..cut]))
}

/// `jwt alg=HS256`
pub fn jwt(alg: &[u8]) -> String {
    let alg: String = s(alg)
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(12)
        .collect();
    format!("jwt alg={alg}")
}

/// `GB****5432`: country and the last four.
pub fn iban(compact: &[u8]) -> String {
    format!(
        "{}****{}",
        s(&compact[..2]),
        s(&compact[compact.len() - 4..])
    )
}

/// `****(40 chars)`
pub fn generic(len: usize) -> String {
    format!("****({len} chars)")
}

//! Exposure: who calls an endpoint. Rules from the config file say which traffic is external,
//! partner or internal by host, service, client network or gateway consumer; without a rule,
//! callers from private address ranges are internal and everyone else external. Each request is
//! labelled on its own; an endpoint's exposure is the riskiest label its requests carried.

use crate::Classification;
use serde::{Deserialize, Serialize};
use std::net::IpAddr;

/// Case-insensitive glob with `*` (any run) and `?` (one character).
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().flat_map(char::to_lowercase).collect();
    let t: Vec<char> = text.chars().flat_map(char::to_lowercase).collect();
    let (mut pi, mut ti) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

/// An IPv4 or IPv6 network; IPv4 is kept as IPv4-mapped IPv6 so one comparison serves both.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cidr {
    addr: u128,
    prefix: u8,
}

fn to_u128(ip: IpAddr) -> u128 {
    match ip {
        IpAddr::V4(v4) => u128::from(v4.to_ipv6_mapped()),
        IpAddr::V6(v6) => u128::from(v6),
    }
}

impl Cidr {
    pub fn parse(s: &str) -> Result<Cidr, String> {
        let (a, p) = s.split_once('/').unwrap_or((s, ""));
        let ip: IpAddr = a
            .trim()
            .parse()
            .map_err(|_| format!("bad address in CIDR '{s}'"))?;
        let max = if ip.is_ipv4() { 32 } else { 128 };
        let prefix: u8 = if p.is_empty() {
            max
        } else {
            p.trim()
                .parse()
                .ok()
                .filter(|n| *n <= max)
                .ok_or_else(|| format!("bad prefix in CIDR '{s}'"))?
        };
        let prefix = if ip.is_ipv4() { prefix + 96 } else { prefix };
        Ok(Cidr {
            addr: to_u128(ip) & mask(prefix),
            prefix,
        })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        to_u128(ip) & mask(self.prefix) == self.addr
    }
}

fn mask(prefix: u8) -> u128 {
    if prefix == 0 {
        0
    } else {
        u128::MAX << (128 - prefix as u32)
    }
}

/// Loopback, RFC 1918, CGNAT, link-local, unique-local and IPv6 loopback/link-local.
pub fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || (o[0] == 100 && (64..128).contains(&o[1]))
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_private(IpAddr::V4(v4));
            }
            let s = v6.segments()[0];
            v6.is_loopback() || (s & 0xfe00) == 0xfc00 || (s & 0xffc0) == 0xfe80
        }
    }
}

/// Client IPs as logged: may carry a port (`1.2.3.4:5678`, `[::1]:80`) or be an
/// `X-Forwarded-For` list, whose first entry is the original client.
pub fn parse_client_ip(s: &str) -> Option<IpAddr> {
    // Every request goes through here: plain dotted IPv4 is parsed by hand first.
    if let Some(v4) = parse_ipv4_fast(s.as_bytes()) {
        return Some(IpAddr::V4(v4));
    }
    let first = s.split(',').next()?.trim();
    if let Ok(ip) = first.parse() {
        return Some(ip);
    }
    if let Some(rest) = first.strip_prefix('[') {
        return rest.split(']').next()?.parse().ok();
    }
    first.rsplit_once(':').and_then(|(a, _)| a.parse().ok())
}

/// `a.b.c.d` exactly (no port, list or spaces), each part 0-255 without leading zeros.
fn parse_ipv4_fast(b: &[u8]) -> Option<std::net::Ipv4Addr> {
    let mut parts = [0u8; 4];
    let (mut part, mut value, mut len) = (0usize, 0u32, 0usize);
    for &c in b {
        match c {
            b'0'..=b'9' => {
                if len > 0 && value == 0 {
                    return None;
                }
                value = value * 10 + u32::from(c - b'0');
                len += 1;
                if value > 255 || len > 3 {
                    return None;
                }
            }
            b'.' if len > 0 && part < 3 => {
                parts[part] = value as u8;
                part += 1;
                value = 0;
                len = 0;
            }
            _ => return None,
        }
    }
    if part != 3 || len == 0 {
        return None;
    }
    parts[3] = value as u8;
    Some(std::net::Ipv4Addr::from(parts))
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleMatch {
    /// Glob over the request host.
    pub host: Option<String>,
    /// Glob over the service name.
    pub service: Option<String>,
    /// Client networks, e.g. `10.0.0.0/8`.
    pub client_cidr: Option<Vec<String>>,
    /// Glob over the gateway consumer or authenticated entity.
    pub consumer: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExposureRule {
    #[serde(rename = "match")]
    pub when: RuleMatch,
    pub exposure: Classification,
}

/// Compiled exposure rules. The first rule that matches a request labels it.
#[derive(Clone, Debug, Default)]
pub struct ExposureRules {
    rules: Vec<(ExposureRule, Vec<Cidr>)>,
}

/// A request's exposure: index into `Tally::exposure`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exposure {
    External = 0,
    Partner = 1,
    Internal = 2,
    Unknown = 3,
}

impl ExposureRules {
    pub fn new(rules: Vec<ExposureRule>) -> Result<ExposureRules, String> {
        let mut out = Vec::with_capacity(rules.len());
        for (i, r) in rules.into_iter().enumerate() {
            if !matches!(
                r.exposure,
                Classification::External | Classification::Internal | Classification::Partner
            ) {
                return Err(format!(
                    "exposure rule {}: exposure must be external, internal or partner",
                    i + 1
                ));
            }
            let w = &r.when;
            if w.host.is_none()
                && w.service.is_none()
                && w.client_cidr.is_none()
                && w.consumer.is_none()
            {
                return Err(format!(
                    "exposure rule {}: `match` needs host, service, client_cidr or consumer",
                    i + 1
                ));
            }
            let cidrs = w
                .client_cidr
                .iter()
                .flatten()
                .map(|c| Cidr::parse(c).map_err(|e| format!("exposure rule {}: {e}", i + 1)))
                .collect::<Result<Vec<_>, _>>()?;
            out.push((r, cidrs));
        }
        Ok(ExposureRules { rules: out })
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    pub fn label(
        &self,
        host: Option<&str>,
        service: Option<&str>,
        client: Option<&str>,
        consumer: Option<&str>,
    ) -> Exposure {
        let ip = client.and_then(parse_client_ip);
        for (rule, cidrs) in &self.rules {
            let w = &rule.when;
            let ok = w
                .host
                .as_deref()
                .is_none_or(|g| host.is_some_and(|h| glob_match(g, strip_port(h))))
                && w.service
                    .as_deref()
                    .is_none_or(|g| service.is_some_and(|s| glob_match(g, s)))
                && (cidrs.is_empty() || ip.is_some_and(|ip| cidrs.iter().any(|c| c.contains(ip))))
                && w.consumer
                    .as_deref()
                    .is_none_or(|g| consumer.is_some_and(|c| glob_match(g, c)));
            if ok {
                return match rule.exposure {
                    Classification::Internal => Exposure::Internal,
                    Classification::Partner => Exposure::Partner,
                    _ => Exposure::External,
                };
            }
        }
        match ip {
            Some(ip) if is_private(ip) => Exposure::Internal,
            Some(_) => Exposure::External,
            None => Exposure::Unknown,
        }
    }
}

fn strip_port(h: &str) -> &str {
    if h.starts_with('[') {
        return h;
    }
    match h.rsplit_once(':') {
        Some((a, p)) if p.bytes().all(|b| b.is_ascii_digit()) => a,
        _ => h,
    }
}

/// The endpoint's exposure from its per-request counts: the riskiest label seen; external when
/// nothing says who called.
pub fn endpoint_exposure(counts: &[u64; 4]) -> Classification {
    if counts[Exposure::External as usize] > 0 {
        Classification::External
    } else if counts[Exposure::Partner as usize] > 0 {
        Classification::Partner
    } else if counts[Exposure::Internal as usize] > 0 {
        Classification::Internal
    } else {
        Classification::External
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob_match(
            "*.internal.example.com",
            "api.INTERNAL.example.com"
        ));
        assert!(glob_match("svc-??", "svc-01"));
        assert!(!glob_match("svc-?", "svc-01"));
        assert!(glob_match("*", ""));
        assert!(!glob_match("a*b", "ac"));
    }

    #[test]
    fn cidrs_and_private_ranges() {
        let c = Cidr::parse("10.0.0.0/8").unwrap();
        assert!(c.contains("10.1.2.3".parse().unwrap()));
        assert!(!c.contains("11.1.2.3".parse().unwrap()));
        assert!(
            Cidr::parse("2001:db8::/32")
                .unwrap()
                .contains("2001:db8::1".parse().unwrap())
        );
        assert!(Cidr::parse("10.0.0.0/33").is_err());
        assert!(is_private("192.168.1.1".parse().unwrap()));
        assert!(is_private("100.64.0.1".parse().unwrap()));
        assert!(is_private("fd00::1".parse().unwrap()));
        assert!(!is_private("203.0.113.9".parse().unwrap()));
        assert_eq!(
            parse_client_ip("203.0.113.9, 10.0.0.1"),
            Some("203.0.113.9".parse().unwrap())
        );
        assert_eq!(parse_client_ip("[::1]:8080"), Some("::1".parse().unwrap()));
        assert_eq!(
            parse_client_ip("10.0.0.1:443"),
            Some("10.0.0.1".parse().unwrap())
        );
    }

    #[test]
    fn fast_ipv4_agrees_with_std() {
        for s in [
            "203.0.113.9",
            "0.0.0.0",
            "255.255.255.255",
            "10.0.0.1",
            "1.2.3",
            "256.1.1.1",
            "01.2.3.4",
            "1.2.3.4.5",
            "1..2.3",
            "a.b.c.d",
            "1.2.3.",
            "",
        ] {
            assert_eq!(parse_ipv4_fast(s.as_bytes()), s.parse().ok(), "{s}");
        }
    }

    #[test]
    fn rules_then_defaults() {
        let rules = ExposureRules::new(vec![
            ExposureRule {
                when: RuleMatch {
                    consumer: Some("partner-*".into()),
                    ..Default::default()
                },
                exposure: Classification::Partner,
            },
            ExposureRule {
                when: RuleMatch {
                    host: Some("*.corp".into()),
                    ..Default::default()
                },
                exposure: Classification::Internal,
            },
        ])
        .unwrap();
        assert_eq!(
            rules.label(None, None, Some("203.0.113.1"), Some("partner-acme")),
            Exposure::Partner
        );
        assert_eq!(
            rules.label(Some("api.corp:8443"), None, Some("203.0.113.1"), None),
            Exposure::Internal
        );
        assert_eq!(
            rules.label(None, None, Some("10.0.0.1"), None),
            Exposure::Internal
        );
        assert_eq!(
            rules.label(None, None, Some("8.8.8.8"), None),
            Exposure::External
        );
        assert_eq!(rules.label(None, None, None, None), Exposure::Unknown);
        assert_eq!(endpoint_exposure(&[0, 0, 5, 2]), Classification::Internal);
        assert_eq!(endpoint_exposure(&[0, 0, 0, 2]), Classification::External);
    }
}

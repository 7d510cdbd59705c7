//! Bearer token checks. The token is kept only as its SHA-256 digest and compared in constant
//! time, so neither the comparison's timing nor a memory dump of the state gives it away.

use axum::http::HeaderMap;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

#[derive(Clone)]
pub struct TokenCheck {
    digest: Option<[u8; 32]>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Allowed,
    /// No `Authorization: Bearer …` header.
    Missing,
    /// A token that does not match.
    Invalid,
}

fn digest(token: &[u8]) -> [u8; 32] {
    Sha256::digest(token).into()
}

impl TokenCheck {
    /// `None` switches authentication off (`--no-auth`).
    pub fn new(token: Option<&str>) -> TokenCheck {
        TokenCheck {
            digest: token.map(|t| digest(t.as_bytes())),
        }
    }

    pub fn enabled(&self) -> bool {
        self.digest.is_some()
    }

    pub fn check(&self, headers: &HeaderMap) -> Verdict {
        let Some(expected) = &self.digest else {
            return Verdict::Allowed;
        };
        let Some(value) = headers.get(axum::http::header::AUTHORIZATION) else {
            return Verdict::Missing;
        };
        let value = value.as_bytes();
        // The scheme is case-insensitive (RFC 9110 §11.1).
        let token = match value.split_first_chunk::<7>() {
            Some((scheme, rest)) if scheme.eq_ignore_ascii_case(b"bearer ") => rest,
            _ => return Verdict::Missing,
        };
        let token = token.trim_ascii();
        if bool::from(digest(token).ct_eq(expected)) {
            Verdict::Allowed
        } else {
            Verdict::Invalid
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn with(v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("authorization", HeaderValue::from_str(v).unwrap());
        h
    }

    #[test]
    fn bearer_tokens() {
        let c = TokenCheck::new(Some("s3cret-token"));
        assert_eq!(c.check(&HeaderMap::new()), Verdict::Missing);
        assert_eq!(c.check(&with("Bearer s3cret-token")), Verdict::Allowed);
        assert_eq!(c.check(&with("bearer s3cret-token")), Verdict::Allowed);
        assert_eq!(c.check(&with("Bearer s3cret-tokeN")), Verdict::Invalid);
        assert_eq!(c.check(&with("Bearer ")), Verdict::Invalid);
        assert_eq!(c.check(&with("Basic czNjcmV0")), Verdict::Missing);
        assert_eq!(
            TokenCheck::new(None).check(&HeaderMap::new()),
            Verdict::Allowed
        );
    }
}

use serde::{Deserialize, Serialize};

/// The kinds of sensitive data apispm reports. The first six are the seed's names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SensitiveType {
    Ssn,
    CreditCard,
    Email,
    ApiKey,
    Jwt,
    Phone,
    Iban,
    IpAddress,
    PrivateKey,
}

impl SensitiveType {
    pub const ALL: [SensitiveType; 9] = [
        SensitiveType::Ssn,
        SensitiveType::CreditCard,
        SensitiveType::Email,
        SensitiveType::ApiKey,
        SensitiveType::Jwt,
        SensitiveType::Phone,
        SensitiveType::Iban,
        SensitiveType::IpAddress,
        SensitiveType::PrivateKey,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SensitiveType::Ssn => "ssn",
            SensitiveType::CreditCard => "credit_card",
            SensitiveType::Email => "email",
            SensitiveType::ApiKey => "api_key",
            SensitiveType::Jwt => "jwt",
            SensitiveType::Phone => "phone",
            SensitiveType::Iban => "iban",
            SensitiveType::IpAddress => "ip_address",
            SensitiveType::PrivateKey => "private_key",
        }
    }

    pub fn parse(s: &str) -> Option<SensitiveType> {
        SensitiveType::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// Secrets are credentials; the rest is personal or financial data.
    pub fn is_secret(self) -> bool {
        matches!(
            self,
            SensitiveType::ApiKey | SensitiveType::Jwt | SensitiveType::PrivateKey
        )
    }
}

/// One validated finding. `hint` is already redacted (e.g. `****1111`); the raw value is
/// never stored here, only its byte span in the scanned text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Detection {
    pub kind: SensitiveType,
    /// The specific kind, e.g. `visa`, `aws_access_key_id`, `github_token`, `ipv4`.
    pub detail: &'static str,
    pub start: usize,
    pub end: usize,
    pub hint: String,
}

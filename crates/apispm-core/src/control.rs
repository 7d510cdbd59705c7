use crate::{Classification, Severity};
use serde::{Deserialize, Serialize};
use std::fmt;

/// The six security controls of the seed, in the seed's order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Control {
    Authentication,
    TransportEncryption,
    RateLimiting,
    CorsPolicy,
    SecurityHeaders,
    InputValidation,
}

/// The response headers whose presence makes up the `security_headers` control.
pub const SECURITY_HEADERS: [&str; 4] = [
    "X-Content-Type-Options",
    "Strict-Transport-Security",
    "X-Frame-Options",
    "Cache-Control",
];

/// Request headers that carry credentials. The seed's three, plus the common API-key and
/// token headers that gateways and SDKs send; matched case-insensitively.
pub const CREDENTIAL_HEADERS: [&str; 7] = [
    "authorization",
    "x-api-key",
    "cookie",
    "api-key",
    "x-auth-token",
    "x-access-token",
    "apikey",
];

impl Control {
    pub const ALL: [Control; 6] = [
        Control::Authentication,
        Control::TransportEncryption,
        Control::RateLimiting,
        Control::CorsPolicy,
        Control::SecurityHeaders,
        Control::InputValidation,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Control::Authentication => "authentication",
            Control::TransportEncryption => "transport_encryption",
            Control::RateLimiting => "rate_limiting",
            Control::CorsPolicy => "cors_policy",
            Control::SecurityHeaders => "security_headers",
            Control::InputValidation => "input_validation",
        }
    }

    pub fn parse(s: &str) -> Option<Control> {
        Control::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// The seed's `required` rule: CORS only matters for endpoints browsers reach from outside.
    pub fn required_for(self, classification: Classification) -> bool {
        match self {
            Control::CorsPolicy => classification == Classification::External,
            _ => true,
        }
    }

    /// The seed's severities; CORS is HIGH only when a wildcard origin was answered.
    pub fn severity(self, wildcard_origin: bool) -> Severity {
        match self {
            Control::Authentication | Control::TransportEncryption => Severity::Critical,
            Control::RateLimiting | Control::InputValidation => Severity::High,
            Control::CorsPolicy if wildcard_origin => Severity::High,
            Control::CorsPolicy | Control::SecurityHeaders => Severity::Medium,
        }
    }

    pub fn remediation(self) -> &'static str {
        match self {
            Control::Authentication => {
                "Require OAuth2, API key, or JWT authentication at the gateway"
            }
            Control::TransportEncryption => {
                "Serve the API over HTTPS only and redirect HTTP to HTTPS"
            }
            Control::RateLimiting => {
                "Enable rate limiting at the gateway and return RateLimit or X-RateLimit headers"
            }
            Control::CorsPolicy => "Answer CORS requests with an explicit list of allowed origins",
            Control::SecurityHeaders => {
                "Add X-Content-Type-Options: nosniff, Strict-Transport-Security, X-Frame-Options and Cache-Control: no-store"
            }
            Control::InputValidation => "Validate request bodies and parameters against a schema",
        }
    }
}

impl fmt::Display for Control {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

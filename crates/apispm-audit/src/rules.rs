//! The rules: ids, OWASP categories, severities and remediation. Ids starting with `owasp:` are
//! those of Stoplight's Spectral OWASP ruleset (2023), so ignore lists carry over; ids starting
//! with `apispm:` are apispm's own.

use apispm_core::Severity;
use serde::Serialize;

pub const API1: &str = "API1:2023 Broken Object Level Authorization";
pub const API2: &str = "API2:2023 Broken Authentication";
pub const API3: &str = "API3:2023 Broken Object Property Level Authorization";
pub const API4: &str = "API4:2023 Unrestricted Resource Consumption";
pub const API5: &str = "API5:2023 Broken Function Level Authorization";
pub const API7: &str = "API7:2023 Server Side Request Forgery";
pub const API8: &str = "API8:2023 Security Misconfiguration";
pub const API9: &str = "API9:2023 Improper Inventory Management";

/// One audit rule.
#[derive(Debug, Serialize)]
pub struct Rule {
    pub id: &'static str,
    /// OWASP API Security Top 10 (2023) category.
    pub category: &'static str,
    /// apispm's severity (what `--fail-on` compares); a rule may raise it for some findings.
    pub severity: Severity,
    /// Spectral's severity for the same rule (`error`, `warn`, `info`), for `owasp:` rules.
    pub spectral_severity: Option<&'static str>,
    /// A short name.
    pub title: &'static str,
    /// What the rule checks, in one or two sentences.
    pub description: &'static str,
    pub remediation: &'static str,
}

macro_rules! rule {
    ($name:ident, $id:literal, $cat:expr, $sev:ident, $spectral:expr, $title:literal, $desc:literal, $fix:literal) => {
        pub static $name: Rule = Rule {
            id: $id,
            category: $cat,
            severity: Severity::$sev,
            spectral_severity: $spectral,
            title: $title,
            description: $desc,
            remediation: $fix,
        };
    };
}

rule!(
    NO_NUMERIC_IDS,
    "owasp:api1:2023-no-numeric-ids",
    API1,
    Medium,
    Some("error"),
    "Guessable numeric id",
    "A parameter named `id`, `*_id`, `*Id` or `*-id` has an integer schema (or, as Spectral judges it, one without `type`): ids that count up can be enumerated to reach other users' objects.",
    "Use random identifiers (UUIDs or other unguessable strings) in URLs, and check object-level authorization on every access."
);
rule!(
    NO_HTTP_BASIC,
    "owasp:api2:2023-no-http-basic",
    API2,
    High,
    Some("error"),
    "HTTP Basic authentication",
    "A security scheme uses HTTP Basic: a reusable password travels with every request.",
    "Use OAuth 2.0, OpenID Connect or short-lived bearer tokens instead of HTTP Basic."
);
rule!(
    NO_API_KEYS_IN_URL,
    "owasp:api2:2023-no-api-keys-in-url",
    API2,
    High,
    Some("error"),
    "API key in the URL",
    "An `apiKey` security scheme is sent in the query string or path, where proxies, browsers and logs keep it.",
    "Send API keys in a header (or a cookie), never in the URL."
);
rule!(
    NO_CREDENTIALS_IN_URL,
    "owasp:api2:2023-no-credentials-in-url",
    API2,
    High,
    Some("error"),
    "Credentials in a URL parameter",
    "A query or path parameter is named like a credential (password, secret, token, API key).",
    "Move credentials to headers or the request body; URLs end up in logs and histories."
);
rule!(
    AUTH_INSECURE_SCHEMES,
    "owasp:api2:2023-auth-insecure-schemes",
    API2,
    High,
    Some("error"),
    "Outdated HTTP authentication scheme",
    "An HTTP security scheme uses `negotiate` or `oauth` (OAuth 1.0), considered outdated or insecure.",
    "Use the `bearer` scheme with OAuth 2.0 or OpenID Connect tokens."
);
rule!(
    JWT_BEST_PRACTICES,
    "owasp:api2:2023-jwt-best-practices",
    API2,
    Low,
    Some("error"),
    "JWT scheme without RFC 8725",
    "An OAuth 2.0 or JWT bearer scheme does not state in its description that it follows RFC 8725 (JWT best current practices).",
    "Follow RFC 8725 (reject `alg: none`, pin algorithms, validate audience and issuer) and say so in the scheme's description."
);
rule!(
    SHORT_LIVED_ACCESS_TOKENS,
    "owasp:api2:2023-short-lived-access-tokens",
    API2,
    Medium,
    Some("error"),
    "OAuth flow without refresh tokens",
    "An OAuth 2.0 flow (other than client credentials) has no `refreshUrl`, so access tokens likely do not expire.",
    "Issue short-lived access tokens with refresh tokens and declare the flow's `refreshUrl`."
);
rule!(
    WRITE_RESTRICTED,
    "owasp:api2:2023-write-restricted",
    API2,
    High,
    Some("error"),
    "Write operation without security",
    "A POST, PUT, PATCH or DELETE operation has no security requirement (none declared, or an empty list).",
    "Declare a security requirement for the operation or globally."
);
rule!(
    READ_RESTRICTED,
    "owasp:api2:2023-read-restricted",
    API2,
    Medium,
    Some("warn"),
    "Read operation without security",
    "A GET or HEAD operation has no security requirement (none declared, or an empty list).",
    "Declare a security requirement for the operation or globally; mark public reads explicitly with x-apispm-ignore and a reason."
);
rule!(
    NO_ADDITIONAL_PROPERTIES,
    "owasp:api3:2023-no-additionalProperties",
    API3,
    Low,
    Some("warn"),
    "additionalProperties allowed",
    "An object schema (OpenAPI 3.0) sets `additionalProperties` to something other than `false`, inviting mass assignment.",
    "Set `additionalProperties: false`, or bound the object with `maxProperties`."
);
rule!(
    CONSTRAINED_ADDITIONAL_PROPERTIES,
    "owasp:api3:2023-constrained-additionalProperties",
    API3,
    Low,
    Some("warn"),
    "Unbounded additionalProperties",
    "An object schema (OpenAPI 3.0) allows additional properties by schema but sets no `maxProperties`.",
    "Add `maxProperties`, or disable additional properties."
);
rule!(
    NO_UNEVALUATED_PROPERTIES,
    "owasp:api3:2023-no-unevaluatedProperties",
    API3,
    Low,
    Some("warn"),
    "unevaluatedProperties allowed",
    "An object schema (OpenAPI 3.1) sets `unevaluatedProperties` to something other than `false`.",
    "Set `unevaluatedProperties: false`, or bound the object with `maxProperties`."
);
rule!(
    CONSTRAINED_UNEVALUATED_PROPERTIES,
    "owasp:api3:2023-constrained-unevaluatedProperties",
    API3,
    Low,
    Some("warn"),
    "Unbounded unevaluatedProperties",
    "An object schema (OpenAPI 3.1) allows unevaluated properties by schema but sets no `maxProperties`.",
    "Add `maxProperties`, or disable unevaluated properties."
);
rule!(
    RATE_LIMIT,
    "owasp:api4:2023-rate-limit",
    API4,
    Medium,
    Some("error"),
    "No rate-limit headers",
    "A 2XX or 4XX response (OpenAPI 3) declares none of `RateLimit`, `RateLimit-Limit` with `RateLimit-Reset`, `X-RateLimit-Limit` or `X-Rate-Limit-Limit`.",
    "Enforce rate limits and declare the headers that announce them on every 2XX and 4XX response."
);
rule!(
    RATE_LIMIT_RETRY_AFTER,
    "owasp:api4:2023-rate-limit-retry-after",
    API4,
    Low,
    Some("error"),
    "429 without Retry-After",
    "A 429 response (OpenAPI 3) declares headers but not `Retry-After`.",
    "Declare `Retry-After` on 429 responses so that clients back off."
);
rule!(
    RATE_LIMIT_RESPONSES_429,
    "owasp:api4:2023-rate-limit-responses-429",
    API4,
    Low,
    Some("warn"),
    "No 429 response",
    "An operation declares no 429 response, or one without a body (`content`; `schema` in Swagger 2.0).",
    "Declare a 429 Too Many Requests response with an error body."
);
rule!(
    ARRAY_LIMIT,
    "owasp:api4:2023-array-limit",
    API4,
    Low,
    Some("error"),
    "Array without maxItems",
    "A schema of type array sets no `maxItems`.",
    "Set `maxItems` on arrays (and bound their items)."
);
rule!(
    STRING_LIMIT,
    "owasp:api4:2023-string-limit",
    API4,
    Low,
    Some("error"),
    "String without maxLength",
    "A schema of type string sets none of `maxLength`, `enum` or `const`.",
    "Set `maxLength` (or an `enum`/`const`) on strings."
);
rule!(
    STRING_RESTRICTED,
    "owasp:api4:2023-string-restricted",
    API4,
    Low,
    Some("warn"),
    "Unrestricted string",
    "A schema of type string sets none of `format`, `pattern`, `enum` or `const`.",
    "Restrict strings with a `format`, a `pattern`, an `enum` or a `const`."
);
rule!(
    INTEGER_LIMIT,
    "owasp:api4:2023-integer-limit",
    API4,
    Low,
    Some("error"),
    "Integer without bounds",
    "A schema of type integer (OpenAPI 3.1) does not set exactly one of `minimum`/`exclusiveMinimum` and exactly one of `maximum`/`exclusiveMaximum`.",
    "Bound integers with `minimum` (or `exclusiveMinimum`) and `maximum` (or `exclusiveMaximum`)."
);
rule!(
    INTEGER_LIMIT_LEGACY,
    "owasp:api4:2023-integer-limit-legacy",
    API4,
    Low,
    Some("error"),
    "Integer without bounds",
    "A schema of type integer (Swagger 2.0, OpenAPI 3.0) lacks `minimum` or `maximum`.",
    "Bound integers with `minimum` and `maximum`."
);
rule!(
    INTEGER_FORMAT,
    "owasp:api4:2023-integer-format",
    API4,
    Low,
    Some("error"),
    "Integer without format",
    "A schema of type integer sets no `format` (int32 or int64).",
    "Declare `format: int32` or `format: int64`."
);
rule!(
    ADMIN_SECURITY_UNIQUE,
    "owasp:api5:2023-admin-security-unique",
    API5,
    High,
    Some("error"),
    "Admin endpoint shares its security",
    "An operation under an `/admin` path has a security requirement identical to one of a non-admin operation, so ordinary credentials may reach administrative functions.",
    "Protect administrative endpoints with a distinct scheme or scopes that ordinary clients are never granted."
);
rule!(
    CONCERNING_URL_PARAMETER,
    "owasp:api7:2023-concerning-url-parameter",
    API7,
    Low,
    Some("info"),
    "URL-valued parameter",
    "A parameter is named like a URL the server will fetch or redirect to (`callback`, `redirect`, `*_url`, `*Url`, `*-url`).",
    "Validate such URLs against an allow-list of hosts and schemes before fetching or redirecting."
);
rule!(
    DEFINE_CORS_ORIGIN,
    "owasp:api8:2023-define-cors-origin",
    API8,
    Low,
    Some("error"),
    "No Access-Control-Allow-Origin",
    "A response declares headers but not `Access-Control-Allow-Origin`.",
    "Declare `Access-Control-Allow-Origin` with the origins allowed (never a reflected or `*` origin for credentialed APIs)."
);
rule!(
    NO_SCHEME_HTTP,
    "owasp:api8:2023-no-scheme-http",
    API8,
    High,
    Some("error"),
    "Scheme other than https or wss",
    "A Swagger 2.0 document lists a scheme other than `https` or `wss`.",
    "Serve the API over TLS only and list only `https` (or `wss`)."
);
rule!(
    NO_SERVER_HTTP,
    "owasp:api8:2023-no-server-http",
    API8,
    High,
    Some("error"),
    "Server over plain HTTP",
    "A top-level server URL (OpenAPI 3) starts with `http:`.",
    "Serve the API over TLS only and use https:// (or wss://) server URLs."
);
rule!(
    DEFINE_ERROR_VALIDATION,
    "owasp:api8:2023-define-error-validation",
    API8,
    Low,
    Some("warn"),
    "No validation error response",
    "An operation declares none of the 400, 422 or 4XX responses.",
    "Declare the response returned when input fails validation (400, 422 or 4XX)."
);
rule!(
    DEFINE_ERROR_RESPONSES_401,
    "owasp:api8:2023-define-error-responses-401",
    API8,
    Low,
    Some("warn"),
    "No 401 response",
    "An operation declares no 401 response, or one without a body.",
    "Declare a 401 Unauthorized response with an error body."
);
rule!(
    DEFINE_ERROR_RESPONSES_500,
    "owasp:api8:2023-define-error-responses-500",
    API8,
    Low,
    Some("warn"),
    "No 500 response",
    "An operation declares no 500 response, or one without a body.",
    "Declare a 500 response with a generic error body that leaks no internals."
);
rule!(
    INVENTORY_ACCESS,
    "owasp:api9:2023-inventory-access",
    API9,
    Low,
    Some("error"),
    "Server audience undeclared",
    "A server does not declare `x-internal` (true or false), so its intended audience is unknown.",
    "Set `x-internal: true` or `x-internal: false` on every server."
);
rule!(
    INVENTORY_ENVIRONMENT,
    "owasp:api9:2023-inventory-environment",
    API9,
    Low,
    Some("error"),
    "Server environment undeclared",
    "A server's description names no environment (local, sandbox, test, staging, production, …).",
    "Say in each server's description which environment it is."
);

rule!(
    OPERATION_WITHOUT_SECURITY,
    "apispm:operation-without-security",
    API2,
    Medium,
    None,
    "Operation callable anonymously",
    "An operation's effective security requirement (its own, else the document's) is missing, empty, or has an empty alternative `{}` that lets anonymous calls in. HIGH for writes (POST, PUT, PATCH, DELETE), MEDIUM otherwise; OPTIONS is left out (CORS preflight).",
    "Require authentication on the operation; if it is public on purpose, say so with x-apispm-ignore and a reason."
);
rule!(
    SERVER_PLAIN_HTTP,
    "apispm:server-plain-http",
    API8,
    High,
    None,
    "Server over plain HTTP",
    "A server URL outside the top-level `servers` (path or operation servers), or one that becomes http:// or ws:// through its variables, serves the API without TLS. Loopback hosts are left out.",
    "Serve every server of the API over TLS (https://, wss://), including those of single paths and operations and every value of server variables."
);
rule!(
    UNBOUNDED_STRING_INPUT,
    "apispm:unbounded-string-input",
    API4,
    Medium,
    None,
    "Unbounded string input",
    "A string that clients send (a parameter or a request body field, references followed) has no `maxLength`, `enum`, `const` or bounded format (date, uuid, …).",
    "Set `maxLength` on every string the API accepts, and enforce it at the gateway or in request validation."
);
rule!(
    UNBOUNDED_ARRAY_INPUT,
    "apispm:unbounded-array-input",
    API4,
    Medium,
    None,
    "Unbounded array input",
    "An array that clients send (a parameter or a request body field, references followed) has no `maxItems`.",
    "Set `maxItems` on every array the API accepts, and enforce it in request validation."
);
rule!(
    SENSITIVE_FIELD_IN_RESPONSE,
    "apispm:sensitive-field-in-response",
    API3,
    High,
    None,
    "Sensitive field in a response",
    "A response schema has a property named like a secret or personal datum (password, secret, private key, card number, CVV, SSN, access token, API key) or with `format: password`, and it is not `writeOnly`. HIGH for passwords, secrets, keys, card data and SSNs; MEDIUM for tokens and API keys.",
    "Do not return the field; if it must be returned (a token endpoint), document why with x-apispm-ignore, and never log it."
);
rule!(
    MISSING_SECURITY_RESPONSES,
    "apispm:missing-security-responses",
    API8,
    Low,
    None,
    "Missing 401, 403 or 429 responses",
    "An operation that requires authentication declares neither 401 nor 403 (nor a 4XX range), or any operation declares no 429 (nor 4XX), so clients and tests do not know how refusals look.",
    "Declare 401 and 403 on secured operations and 429 everywhere, each with an error body."
);

/// Every rule, in report order.
pub static RULES: [&Rule; 38] = [
    &NO_NUMERIC_IDS,
    &NO_HTTP_BASIC,
    &NO_API_KEYS_IN_URL,
    &NO_CREDENTIALS_IN_URL,
    &AUTH_INSECURE_SCHEMES,
    &JWT_BEST_PRACTICES,
    &SHORT_LIVED_ACCESS_TOKENS,
    &WRITE_RESTRICTED,
    &READ_RESTRICTED,
    &NO_ADDITIONAL_PROPERTIES,
    &CONSTRAINED_ADDITIONAL_PROPERTIES,
    &NO_UNEVALUATED_PROPERTIES,
    &CONSTRAINED_UNEVALUATED_PROPERTIES,
    &RATE_LIMIT,
    &RATE_LIMIT_RETRY_AFTER,
    &RATE_LIMIT_RESPONSES_429,
    &ARRAY_LIMIT,
    &STRING_LIMIT,
    &STRING_RESTRICTED,
    &INTEGER_LIMIT,
    &INTEGER_LIMIT_LEGACY,
    &INTEGER_FORMAT,
    &ADMIN_SECURITY_UNIQUE,
    &CONCERNING_URL_PARAMETER,
    &DEFINE_CORS_ORIGIN,
    &NO_SCHEME_HTTP,
    &NO_SERVER_HTTP,
    &DEFINE_ERROR_VALIDATION,
    &DEFINE_ERROR_RESPONSES_401,
    &DEFINE_ERROR_RESPONSES_500,
    &INVENTORY_ACCESS,
    &INVENTORY_ENVIRONMENT,
    &OPERATION_WITHOUT_SECURITY,
    &SERVER_PLAIN_HTTP,
    &UNBOUNDED_STRING_INPUT,
    &UNBOUNDED_ARRAY_INPUT,
    &SENSITIVE_FIELD_IN_RESPONSE,
    &MISSING_SECURITY_RESPONSES,
];

/// Every rule.
pub fn rules() -> &'static [&'static Rule] {
    &RULES
}

/// The rule with this id.
pub fn rule(id: &str) -> Option<&'static Rule> {
    RULES.iter().copied().find(|r| r.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_spectral_rules_are_all_there() {
        let mut ids: Vec<_> = RULES.iter().map(|r| r.id).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), RULES.len());
        assert_eq!(ids.iter().filter(|i| i.starts_with("owasp:")).count(), 32);
    }
}

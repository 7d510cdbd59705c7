//! Per-endpoint counters. A [`Tally`] is a commutative monoid: `merge` adds counts, takes the
//! min/max of times and unions capped sets, so the state of an endpoint does not depend on the
//! order, the thread or the process its records were read in. This is what lets apispm read
//! files in parallel chunks, and later merge time buckets and shards from several ingesters.

use crate::control::CREDENTIAL_HEADERS;
use crate::exposure::ExposureRules;
use crate::{Classification, Detector, Exchange, SensitiveType};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// Distinct values kept per capped set (hosts, CORS origins, secret kinds). The smallest values
/// are kept, so the cap is itself order-independent.
pub const SET_CAP: usize = 16;
/// Longest header value kept in a capped set.
const VALUE_CAP: usize = 256;

/// Where in an exchange a sensitive value was seen.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Location {
    Query,
    Path,
    RequestBody,
    ResponseBody,
    Body,
}

impl Location {
    pub const ALL: [Location; 5] = [
        Location::Query,
        Location::Path,
        Location::RequestBody,
        Location::ResponseBody,
        Location::Body,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Location::Query => "query",
            Location::Path => "path",
            Location::RequestBody => "request_body",
            Location::ResponseBody => "response_body",
            Location::Body => "body",
        }
    }

    fn bit(self) -> u8 {
        1 << (self as u8)
    }

    pub fn from_bits(bits: u8) -> Vec<Location> {
        Location::ALL
            .into_iter()
            .filter(|l| bits & l.bit() != 0)
            .collect()
    }
}

/// What was seen of one sensitive data type on one endpoint; never the value itself.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SensitiveTally {
    /// Occurrences (a value seen twice in one body counts twice).
    pub count: u64,
    /// Bit set of [`Location`]s.
    pub locations: u8,
    /// The smallest redacted hint seen, e.g. `****1111`.
    pub hint: String,
    /// Specific kinds, e.g. `visa`, `aws_access_key_id` (capped).
    pub kinds: BTreeSet<String>,
}

impl SensitiveTally {
    fn merge(&mut self, other: &SensitiveTally) {
        self.count += other.count;
        self.locations |= other.locations;
        if self.hint.is_empty() || (!other.hint.is_empty() && other.hint < self.hint) {
            self.hint.clone_from(&other.hint);
        }
        union_capped(&mut self.kinds, other.kinds.iter().cloned());
    }
}

/// Counters for one endpoint (or one endpoint within one time bucket).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Tally {
    pub requests: u64,
    pub first_seen_ms: Option<i64>,
    pub last_seen_ms: Option<i64>,
    /// Requests that carried credentials.
    pub with_credentials: u64,
    /// Requests without credentials that were refused with 401 or 403: auth was enforced.
    pub refused_without_credentials: u64,
    /// Requests without credentials answered 2xx.
    pub unauthenticated_success: u64,
    pub https: u64,
    /// Responses carrying rate-limit headers, or answered 429.
    pub rate_limited: u64,
    /// Requests that carried an `Origin` header.
    pub origin_requests: u64,
    /// ... and were answered with an explicit (non-`*`) `Access-Control-Allow-Origin`.
    pub origin_requests_strict: u64,
    /// ... and were answered without any `Access-Control-Allow-Origin`.
    pub origin_requests_no_acao: u64,
    /// All responses with an explicit (non-`*`) `Access-Control-Allow-Origin`.
    pub strict_cors: u64,
    /// All responses without `Access-Control-Allow-Origin`.
    pub no_acao: u64,
    /// Distinct `Access-Control-Allow-Origin` values answered (capped).
    pub origins: BTreeSet<String>,
    /// Per entry of [`SECURITY_HEADERS`], responses that carried it.
    pub security_headers: [u64; 4],
    /// Responses that carried all four.
    pub all_security_headers: u64,
    /// Requests known to be schema-validated.
    pub schema_validated: u64,
    /// Responses carrying each tracked header (lower-case names).
    pub response_headers: BTreeMap<String, u64>,
    /// Responses by status class: index 0 unknown, 1..=5 for 1xx..5xx.
    pub status_classes: [u64; 6],
    /// Bit set of classifications declared by the records (seed format).
    pub declared_classifications: u8,
    /// Bit 0: some record declared `documented: false`; bit 1: some declared `true`.
    pub declared_documented: u8,
    pub hosts: BTreeSet<String>,
    pub sensitive: BTreeMap<SensitiveType, SensitiveTally>,
    /// Requests by exposure label: external, partner, internal, unknown (see `exposure`).
    pub exposure: [u64; 4],
    /// Query parameter names seen (names only, never values; capped).
    pub query_params: BTreeSet<String>,
    /// Distinct response status codes (capped).
    pub statuses: BTreeSet<u16>,
    /// The API description operation this endpoint matched, as an opaque reference chosen by
    /// the caller (the smallest wins on merge).
    pub operation: Option<u64>,
    /// Owning teams the gateway named (capped).
    pub owners: BTreeSet<String>,
    /// `Api-Version` / `X-API-Version` values sent or answered (capped).
    pub api_versions: BTreeSet<String>,
    /// Requests per UTC day (days since the epoch), for daily volume and trends.
    pub daily: BTreeMap<i64, u64>,
}

fn union_capped(into: &mut BTreeSet<String>, from: impl IntoIterator<Item = String>) {
    for v in from {
        if into.len() < SET_CAP || into.last().is_some_and(|last| &v < last) {
            into.insert(v);
            if into.len() > SET_CAP {
                into.pop_last();
            }
        }
    }
}

/// Status codes kept per endpoint; enough for every documented response of an operation.
const STATUS_CAP: usize = 32;

fn insert_status(into: &mut BTreeSet<u16>, s: u16) {
    if into.len() < STATUS_CAP || into.last().is_some_and(|l| s < *l) {
        into.insert(s);
        if into.len() > STATUS_CAP {
            into.pop_last();
        }
    }
}

fn insert_capped(into: &mut BTreeSet<String>, v: &str) {
    // Most endpoints answer one host and one origin: check the first value before searching.
    if into.first().is_some_and(|f| f == v) || into.contains(v) {
        return;
    }
    if into.len() >= SET_CAP && into.last().is_some_and(|last| v >= last.as_str()) {
        return;
    }
    let mut end = v.len().min(VALUE_CAP);
    while !v.is_char_boundary(end) {
        end -= 1;
    }
    into.insert(v[..end].to_string());
    if into.len() > SET_CAP {
        into.pop_last();
    }
}

impl Tally {
    pub fn merge(&mut self, o: &Tally) {
        self.requests += o.requests;
        self.first_seen_ms = min_opt(self.first_seen_ms, o.first_seen_ms);
        self.last_seen_ms = max_opt(self.last_seen_ms, o.last_seen_ms);
        self.with_credentials += o.with_credentials;
        self.refused_without_credentials += o.refused_without_credentials;
        self.unauthenticated_success += o.unauthenticated_success;
        self.https += o.https;
        self.rate_limited += o.rate_limited;
        self.origin_requests += o.origin_requests;
        self.origin_requests_strict += o.origin_requests_strict;
        self.origin_requests_no_acao += o.origin_requests_no_acao;
        self.strict_cors += o.strict_cors;
        self.no_acao += o.no_acao;
        union_capped(&mut self.origins, o.origins.iter().cloned());
        for i in 0..4 {
            self.security_headers[i] += o.security_headers[i];
        }
        self.all_security_headers += o.all_security_headers;
        self.schema_validated += o.schema_validated;
        for (k, v) in &o.response_headers {
            *self.response_headers.entry(k.clone()).or_default() += v;
        }
        for i in 0..6 {
            self.status_classes[i] += o.status_classes[i];
        }
        self.declared_classifications |= o.declared_classifications;
        self.declared_documented |= o.declared_documented;
        union_capped(&mut self.hosts, o.hosts.iter().cloned());
        for (k, v) in &o.sensitive {
            self.sensitive.entry(*k).or_default().merge(v);
        }
        for i in 0..4 {
            self.exposure[i] += o.exposure[i];
        }
        union_capped(&mut self.query_params, o.query_params.iter().cloned());
        for s in &o.statuses {
            insert_status(&mut self.statuses, *s);
        }
        self.operation = match (self.operation, o.operation) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        union_capped(&mut self.owners, o.owners.iter().cloned());
        union_capped(&mut self.api_versions, o.api_versions.iter().cloned());
        for (d, n) in &o.daily {
            *self.daily.entry(*d).or_default() += n;
        }
    }

    /// Mean requests per day over the observed span, from the first to the last day with
    /// traffic (at least one day).
    pub fn traffic_volume_daily(&self) -> u64 {
        match (self.daily.first_key_value(), self.daily.last_key_value()) {
            (Some((a, _)), Some((b, _))) => {
                let days = (b - a + 1).max(1) as u64;
                let total: u64 = self.daily.values().sum();
                (total as f64 / days as f64).round() as u64
            }
            _ => self.requests,
        }
    }

    /// The riskiest classification any record declared.
    pub fn declared_classification(&self) -> Option<Classification> {
        Classification::riskiest_of(self.declared_classifications)
    }

    /// `Some(true)` when any record declared the endpoint documented.
    pub fn declared_documented(&self) -> Option<bool> {
        match self.declared_documented {
            0 => None,
            bits => Some(bits & 2 != 0),
        }
    }
}

fn min_opt(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, None) => x,
        (None, y) => y,
    }
}

fn max_opt(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.max(y)),
        (x, None) => x,
        (None, y) => y,
    }
}

/// Whether a URL path could hold anything the detector reports, checked in one cheap pass so
/// that the id-filled paths of ordinary traffic skip the full scan: emails and encoded text
/// need `@` or `%`, JWTs `eyJ`, phone numbers, SSNs, cards and IBANs a run of at least nine
/// digits (through `-`, `.`, space, parentheses), IP addresses a dotted run. Secret tokens
/// as bare path segments are not reported (they look like ids); query strings are always
/// scanned in full.
fn path_may_hold_sensitive(p: &str) -> bool {
    let b = p.as_bytes();
    // Branch-free over the bytes, as ids are random and per-byte branches mispredict: each
    // byte's class from a table, the digit run kept or cleared by a mask of "does the run go
    // on", and the classes seen gathered for the rarer cases decided afterwards.
    let (mut digits, mut hit, mut seen) = (0u32, 0u8, 0u8);
    for &c in b {
        let class = PATH_CLASS[c as usize];
        // All ones while the run goes on, else zero: an `and` keeps the dependency chain from
        // byte to byte to two one-cycle operations.
        let goes_on = 0u32.wrapping_sub(u32::from((class & RUN) >> 2));
        digits = (digits + u32::from(class & DIGIT)) & goes_on;
        hit |= (class & MARK) | u8::from(digits >= 9);
        seen |= class;
    }
    // `J` is rare in paths: a JWT's `eyJ` is looked for only where there is one.
    if hit != 0 || (seen & JAY != 0 && b.windows(3).any(|w| w == b"eyJ")) {
        return true;
    }
    // Without a dot (most paths) only the digit count mattered.
    seen & DOT != 0 && runs_with_dots(b)
}

/// The same with dotted runs (IP addresses, dotted numbers) counted too.
fn runs_with_dots(b: &[u8]) -> bool {
    let (mut digits, mut dots, mut hit) = (0u32, 0u32, 0u8);
    for &c in b {
        let class = PATH_CLASS[c as usize];
        let goes_on = 0u32.wrapping_sub(u32::from((class & RUN) >> 2));
        digits = (digits + u32::from(class & DIGIT)) & goes_on;
        dots = (dots + u32::from((class & DOT) >> 1)) & goes_on;
        hit |=
            (class & MARK) | u8::from(digits >= 9) | (u8::from(dots >= 3) & u8::from(digits >= 4));
    }
    hit != 0
}

const DIGIT: u8 = 1;
const DOT: u8 = 2;
/// Bytes a digit run goes on through: digits, dots, `-`, space, parentheses, `+`.
const RUN: u8 = 4;
/// `@` and `%`: emails and encoded text.
const MARK: u8 = 8;
/// `J`, which a JWT's `eyJ` needs.
const JAY: u8 = 16;

const PATH_CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut c = b'0';
    while c <= b'9' {
        t[c as usize] = DIGIT | RUN;
        c += 1;
    }
    t[b'.' as usize] = DOT | RUN;
    t[b'-' as usize] = RUN;
    t[b' ' as usize] = RUN;
    t[b'(' as usize] = RUN;
    t[b')' as usize] = RUN;
    t[b'+' as usize] = RUN;
    t[b'@' as usize] = MARK;
    t[b'%' as usize] = MARK;
    t[b'J' as usize] = JAY;
    t
};

enum RequestHeader {
    Credential,
    Origin,
    Host,
    Version,
    Other,
}

/// Request headers the controls care about. Dispatching on the name's length first means most
/// headers cost one comparison or none.
fn request_header(name: &str) -> RequestHeader {
    let is = |h: &str| eq_lower(name, h);
    match name.len() {
        4 if is("host") => RequestHeader::Host,
        6 if is("origin") => RequestHeader::Origin,
        6 | 7 | 9 | 12 | 13 | 14 if is_credential_header(name) => RequestHeader::Credential,
        11 | 13 if is_version_header(name) => RequestHeader::Version,
        _ => RequestHeader::Other,
    }
}

enum ResponseHeader {
    RateLimit,
    AllowOrigin,
    /// Index into [`crate::control::SECURITY_HEADERS`].
    Security(usize),
    Version,
    Other,
}

fn response_header(name: &str) -> ResponseHeader {
    let is = |h: &str| eq_lower(name, h);
    match name.len() {
        27 if is("access-control-allow-origin") => return ResponseHeader::AllowOrigin,
        22 if is("x-content-type-options") => return ResponseHeader::Security(0),
        25 if is("strict-transport-security") => return ResponseHeader::Security(1),
        15 if is("x-frame-options") => return ResponseHeader::Security(2),
        13 if is("cache-control") => return ResponseHeader::Security(3),
        11 | 13 if is_version_header(name) => return ResponseHeader::Version,
        _ => {}
    }
    match name.as_bytes().first() {
        Some(b'x' | b'X' | b'r' | b'R') if is_rate_limit_header(name) => ResponseHeader::RateLimit,
        _ => ResponseHeader::Other,
    }
}

fn is_version_header(name: &str) -> bool {
    eq_lower(name, "api-version") || eq_lower(name, "x-api-version")
}

fn is_credential_header(name: &str) -> bool {
    CREDENTIAL_HEADERS
        .iter()
        .any(|h| h.len() == name.len() && eq_lower(name, h))
}

fn starts_with_ci(s: &str, prefix: &str) -> bool {
    s.len() >= prefix.len() && eq_lower_bytes(&s.as_bytes()[..prefix.len()], prefix.as_bytes())
}

/// `name.eq_ignore_ascii_case(lower)` for a `lower` without capital letters (every header
/// name apispm looks for), eight bytes at a time: header names are compared several times per
/// request, and the byte-at-a-time comparison was a good part of folding one in.
fn eq_lower(name: &str, lower: &str) -> bool {
    eq_lower_bytes(name.as_bytes(), lower.as_bytes())
}

fn eq_lower_bytes(a: &[u8], lower: &[u8]) -> bool {
    debug_assert!(!lower.iter().any(u8::is_ascii_uppercase));
    if a.len() != lower.len() {
        return false;
    }
    if a.len() < 8 {
        return a.eq_ignore_ascii_case(lower);
    }
    let word =
        |b: &[u8], i: usize| u64::from_le_bytes(b[i..i + 8].try_into().expect("eight bytes"));
    let mut i = 0;
    while i + 8 < a.len() {
        if to_lower8(word(a, i)) != word(lower, i) {
            return false;
        }
        i += 8;
    }
    // The last eight bytes, overlapping the previous word when the length is not a multiple.
    let last = a.len() - 8;
    to_lower8(word(a, last)) == word(lower, last)
}

/// ASCII capitals of eight bytes made lower case, every other byte kept.
fn to_lower8(x: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let low7 = x & !HIGH;
    let at_least_a = low7 + ONES * u64::from(0x80 - b'A');
    let above_z = low7 + ONES * u64::from(0x7F - b'Z');
    let capital = at_least_a & !above_z & !x & HIGH;
    x | (capital >> 2)
}

/// `X-RateLimit-*`, the IETF `RateLimit`/`RateLimit-*`/`RateLimit-Policy`, `X-Rate-Limit-*`
/// and `Retry-After`.
fn is_rate_limit_header(name: &str) -> bool {
    starts_with_ci(name, "x-ratelimit")
        || starts_with_ci(name, "ratelimit")
        || starts_with_ci(name, "x-rate-limit")
        || eq_lower(name, "retry-after")
}

/// Folds exchanges into tallies. Holds what is shared and read-only: the sensitive-data
/// detector and the response headers that policies ask about.
#[derive(Debug)]
pub struct Observer {
    detector: Detector,
    tracked: Vec<String>,
    /// By name length, the bit set of tracked headers of that length: most response headers
    /// are then ruled out without a comparison.
    tracked_by_len: Vec<u64>,
    exposure: ExposureRules,
}

impl Default for Observer {
    fn default() -> Self {
        Observer::new(std::iter::empty::<String>())
    }
}

/// Headers always tracked, beyond those named by policies: lifecycle and hardening headers
/// that reports and later policies ask about.
pub const ALWAYS_TRACKED: [&str; 6] = [
    "sunset",
    "deprecation",
    "content-security-policy",
    "referrer-policy",
    "permissions-policy",
    "cross-origin-resource-policy",
];

impl Observer {
    pub fn new<S: AsRef<str>>(extra_tracked_headers: impl IntoIterator<Item = S>) -> Self {
        let mut tracked: Vec<String> = ALWAYS_TRACKED.iter().map(|s| s.to_string()).collect();
        for h in extra_tracked_headers {
            let h = h.as_ref().to_ascii_lowercase();
            if !tracked.contains(&h) {
                tracked.push(h);
            }
        }
        tracked.truncate(64);
        let mut tracked_by_len = vec![0u64; tracked.iter().map(|t| t.len()).max().unwrap_or(0) + 1];
        for (i, t) in tracked.iter().enumerate() {
            tracked_by_len[t.len()] |= 1 << i;
        }
        Observer {
            detector: Detector::new(),
            tracked,
            tracked_by_len,
            exposure: ExposureRules::default(),
        }
    }

    pub fn with_exposure(mut self, rules: ExposureRules) -> Self {
        self.exposure = rules;
        self
    }

    pub fn tracked_headers(&self) -> &[String] {
        &self.tracked
    }

    pub fn observe(&self, t: &mut Tally, ex: &Exchange<'_>) {
        t.requests += 1;
        if let Some(ms) = ex.time_ms {
            t.first_seen_ms = min_opt(t.first_seen_ms, Some(ms));
            t.last_seen_ms = max_opt(t.last_seen_ms, Some(ms));
            let day = ms.div_euclid(86_400_000);
            // Logs are mostly in time order: the current day is usually the last entry.
            match t.daily.last_entry() {
                Some(mut e) if *e.key() == day => *e.get_mut() += 1,
                _ => *t.daily.entry(day).or_default() += 1,
            }
        }

        // A consumer or authenticated entity named by the gateway means the gateway
        // authenticated the request, even when its log omits the credentials themselves.
        let mut creds = ex.consumer.as_deref().is_some_and(|c| !c.is_empty());
        let mut origin_req = false;
        let mut host = ex.host.as_deref();
        for (k, v) in &ex.request_headers {
            match request_header(k) {
                RequestHeader::Credential => creds |= !v.is_empty(),
                RequestHeader::Origin => origin_req = true,
                RequestHeader::Host if host.is_none() => host = Some(v),
                RequestHeader::Version => insert_capped(&mut t.api_versions, v),
                _ => {}
            }
        }
        if let Some(h) = host {
            insert_capped(&mut t.hosts, h);
        }

        let label = self.exposure.label(
            host,
            ex.service.as_deref(),
            ex.client_ip.as_deref(),
            ex.consumer.as_deref(),
        );
        t.exposure[label as usize] += 1;
        if let Some(o) = ex.owner.as_deref() {
            insert_capped(&mut t.owners, o);
        }
        if let Some(q) = ex.query.as_deref() {
            for pair in q.split('&') {
                let name = pair.split('=').next().unwrap_or("");
                if !name.is_empty() && name.len() <= 64 {
                    insert_capped(&mut t.query_params, name);
                }
            }
        }

        let status = ex.status.unwrap_or(0);
        if status != 0 && !t.statuses.contains(&status) {
            insert_status(&mut t.statuses, status);
        }
        let class = if (100..600).contains(&status) {
            (status / 100) as usize
        } else {
            0
        };
        t.status_classes[class] += 1;
        if creds {
            t.with_credentials += 1;
        } else if status == 401 || status == 403 {
            t.refused_without_credentials += 1;
        } else if class == 2 {
            t.unauthenticated_success += 1;
        }

        if ex.scheme.as_deref().is_some_and(|s| eq_lower(s, "https")) {
            t.https += 1;
        }

        let mut rate_limited = status == 429;
        let mut acao: Option<&str> = None;
        let mut sec = [false; 4];
        let mut tracked_seen: u64 = 0;
        for (k, v) in &ex.response_headers {
            match response_header(k) {
                ResponseHeader::RateLimit => rate_limited = true,
                ResponseHeader::AllowOrigin => acao = Some(v),
                ResponseHeader::Security(i) => sec[i] = true,
                ResponseHeader::Version => insert_capped(&mut t.api_versions, v),
                ResponseHeader::Other => {}
            }
            let mut candidates = self.tracked_by_len.get(k.len()).copied().unwrap_or(0);
            while candidates != 0 {
                let i = candidates.trailing_zeros() as usize;
                candidates &= candidates - 1;
                if eq_lower(k, &self.tracked[i]) {
                    tracked_seen |= 1 << i;
                }
            }
        }
        if rate_limited {
            t.rate_limited += 1;
        }
        let strict = acao.is_some_and(|o| !o.is_empty() && o != "*");
        match acao {
            Some(o) => insert_capped(&mut t.origins, o),
            None => t.no_acao += 1,
        }
        if strict {
            t.strict_cors += 1;
        }
        if origin_req {
            t.origin_requests += 1;
            if strict {
                t.origin_requests_strict += 1;
            }
            if acao.is_none() {
                t.origin_requests_no_acao += 1;
            }
        }
        for (i, s) in sec.iter().enumerate() {
            t.security_headers[i] += *s as u64;
        }
        if sec.iter().all(|s| *s) {
            t.all_security_headers += 1;
        }
        while tracked_seen != 0 {
            let i = tracked_seen.trailing_zeros() as usize;
            tracked_seen &= tracked_seen - 1;
            let name = &self.tracked[i];
            match t.response_headers.get_mut(name.as_str()) {
                Some(c) => *c += 1,
                None => {
                    t.response_headers.insert(name.clone(), 1);
                }
            }
        }

        let d = &ex.declared;
        if d.schema_validation == Some(true) {
            t.schema_validated += 1;
        }
        if let Some(c) = d.classification {
            t.declared_classifications |= c.bit();
        }
        if let Some(doc) = d.documented {
            t.declared_documented |= if doc { 2 } else { 1 };
        }

        let path = Some(ex.path.as_ref()).filter(|p| path_may_hold_sensitive(p));
        let scans = [
            (ex.query.as_deref(), Location::Query),
            (path, Location::Path),
            (ex.request_body.as_deref(), Location::RequestBody),
            (ex.response_body.as_deref(), Location::ResponseBody),
            (ex.body.as_deref(), Location::Body),
        ];
        for (text, loc) in scans {
            let Some(text) = text else { continue };
            if text.is_empty() {
                continue;
            }
            self.detector.scan(text, &mut |det| {
                let s = t.sensitive.entry(det.kind).or_default();
                s.count += 1;
                s.locations |= loc.bit();
                if s.hint.is_empty() || det.hint < s.hint {
                    s.hint = det.hint;
                }
                if !s.kinds.contains(det.detail) {
                    insert_capped(&mut s.kinds, det.detail);
                }
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_prefilter_lets_through_what_the_detector_finds() {
        for p in [
            "/users/jane.doe@example.com/orders",
            "/users/jane.doe%40example.com",
            "/ssn/536-22-8741",
            "/cards/4111111111111111",
            "/cards/4111 1111 1111 1111",
            "/phone/(415) 555-2671",
            "/hosts/203.0.113.9/status",
            "/t/eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig",
            "/iban/DE89370400440532013000",
        ] {
            assert!(path_may_hold_sensitive(p), "{p}");
        }
        for p in [
            "/api/v1/users/1234567/orders",
            "/api/v2/files/5f1d7a9c2b3e4f6a7b8c9d0e",
            "/v1/customers/cus_NffrFeUfNV2Hib",
        ] {
            assert!(!path_may_hold_sensitive(p), "{p}");
        }
    }

    /// The prefilter as first written, in three passes.
    fn may_hold_sensitive_reference(p: &str) -> bool {
        let b = p.as_bytes();
        if b.iter().any(|&c| c == b'@' || c == b'%') || b.windows(3).any(|w| w == b"eyJ") {
            return true;
        }
        let (mut digits, mut dots) = (0u32, 0u32);
        for &c in b {
            match c {
                b'0'..=b'9' => {
                    digits += 1;
                    if digits >= 9 || (dots >= 3 && digits >= 4) {
                        return true;
                    }
                }
                b'.' => dots += 1,
                b'-' | b' ' | b'(' | b')' | b'+' => {}
                _ => {
                    digits = 0;
                    dots = 0;
                }
            }
        }
        false
    }

    proptest::proptest! {
        #[test]
        fn header_names_compare_like_eq_ignore_ascii_case(
            name in "[a-zA-Z0-9_-]{0,40}|\\PC{0,40}",
            flip in proptest::collection::vec(proptest::bool::ANY, 40),
        ) {
            // Against itself lowered, against a variant with some letters changed, and
            // against the known header names.
            let lower = name.to_ascii_lowercase();
            proptest::prop_assert!(eq_lower(&name, &lower));
            let other: String = lower
                .chars()
                .zip(flip.iter().cycle())
                .map(|(c, f)| if *f && c.is_ascii_lowercase() { 'q' } else { c })
                .collect();
            proptest::prop_assert_eq!(eq_lower(&name, &other), name.eq_ignore_ascii_case(&other));
            for known in CREDENTIAL_HEADERS.iter().chain(&["access-control-allow-origin", "x-ratelimit"]) {
                proptest::prop_assert_eq!(eq_lower(&name, known), name.eq_ignore_ascii_case(known));
            }
        }

        #[test]
        fn path_prefilter_decides_as_before(p in "[/a-zA-Z0-9.@%() +eyJ-]{0,40}") {
            proptest::prop_assert_eq!(path_may_hold_sensitive(&p), may_hold_sensitive_reference(&p));
        }

        #[test]
        fn path_prefilter_decides_as_before_on_few_kinds_of_byte(p in "[/0-9.eyJ a]{0,40}") {
            proptest::prop_assert_eq!(path_may_hold_sensitive(&p), may_hold_sensitive_reference(&p));
        }
    }

    #[test]
    fn sensitive_data_in_paths_is_still_found() {
        let obs = Observer::default();
        let mut t = Tally::default();
        let ex = Exchange {
            method: "GET".into(),
            path: "/users/jane.doe@example.com".into(),
            ..Default::default()
        };
        obs.observe(&mut t, &ex);
        assert!(t.sensitive.contains_key(&SensitiveType::Email));
    }
}

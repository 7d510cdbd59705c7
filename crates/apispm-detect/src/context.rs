//! What surrounds a candidate: the key it is assigned to (`"api_key": "…"`, `token=…`,
//! `<apiToken>…`) or the word in front of it (`Bearer …`, `version …`). Looks back a bounded
//! number of bytes; never allocates.

const MAX_KEY: usize = 64;

/// The key name a value starting at `pos` is assigned to, if any: handles JSON/YAML
/// (`"key": "v"`, `key: v`), assignments and query strings (`key=v`, `key := "v"`, `key => v`),
/// CSV-ish `key,v` and XML elements (`<key>v`).
pub fn key_before(b: &[u8], pos: usize) -> Option<&[u8]> {
    let (k_start, k_end) = key_before_raw(b, pos)?;
    let key = &b[k_start..k_end];
    // `var apiToken string = "…"`, `String apiToken = "…"`: skip a type name.
    if matches!(
        key,
        b"string" | b"String" | b"str" | b"var" | b"const" | b"let" | b"val" | b"final" | b"static"
    ) {
        let mut j = k_start;
        while j > 0 && matches!(b[j - 1], b' ' | b'\t') {
            j -= 1;
        }
        let end = j;
        while j > 0 && end - j < MAX_KEY && (b[j - 1].is_ascii_alphanumeric() || b[j - 1] == b'_') {
            j -= 1;
        }
        if end > j && end < k_start {
            return Some(&b[j..end]);
        }
    }
    Some(key)
}

fn key_before_raw(b: &[u8], pos: usize) -> Option<(usize, usize)> {
    let mut j = pos;
    // opening quote(s) of the value (also an escaped quote `\"`)
    let mut quotes = 0;
    while j > 0 && matches!(b[j - 1], b'"' | b'\'' | b'`' | b'\\') && quotes < 3 {
        j -= 1;
        quotes += 1;
    }
    while j > 0 && matches!(b[j - 1], b' ' | b'\t' | b'\n' | b'\r') {
        j -= 1;
    }
    // YAML block scalar indicator: `key: |` / `key: >`
    if j >= 3 && matches!(b[j - 1], b'|' | b'>') && b[j - 2] == b' ' && b[j - 3] == b':' {
        j -= 2;
    }
    if j == 0 {
        return None;
    }
    if b[j - 1] == b'>' {
        // XML element: <name ...>value, or the `=>` operator
        if j >= 2 && b[j - 2] == b'=' {
            j -= 2;
        } else {
            let lt = memchr::memrchr(b'<', &b[j.saturating_sub(MAX_KEY + 2)..j - 1])?
                + j.saturating_sub(MAX_KEY + 2);
            let name = &b[lt + 1..j - 1];
            let end = name
                .iter()
                .position(|c| {
                    !(c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.' | b':'))
                })
                .unwrap_or(name.len());
            return (end > 0).then_some((lt + 1, lt + 1 + end));
        }
    } else {
        // assignment operator: `:`, `=`, `:=`, `::=`, `?=`, `+=`, `.=`, `,`
        let mut ops = 0;
        while j > 0 && matches!(b[j - 1], b':' | b'=' | b'?' | b'+' | b'.' | b',') && ops < 4 {
            j -= 1;
            ops += 1;
        }
        if ops == 0 {
            return None;
        }
    }
    while j > 0 && matches!(b[j - 1], b' ' | b'\t') {
        j -= 1;
    }
    while j > 0 && matches!(b[j - 1], b'"' | b'\'' | b'`' | b'\\') {
        j -= 1;
    }
    let end = j;
    while j > 0
        && end - j < MAX_KEY
        && (b[j - 1].is_ascii_alphanumeric() || matches!(b[j - 1], b'_' | b'-' | b'.' | b'$'))
    {
        j -= 1;
    }
    (end > j).then_some((j, end))
}

/// The word (letters only) just before `pos`, skipping spaces: `Bearer` in `Bearer abc`.
pub fn word_before(b: &[u8], pos: usize) -> &[u8] {
    let mut j = pos;
    while j > 0 && matches!(b[j - 1], b' ' | b'\t') {
        j -= 1;
    }
    let end = j;
    while j > 0 && end - j < 32 && b[j - 1].is_ascii_alphabetic() {
        j -= 1;
    }
    &b[j..end]
}

/// Calls `f` with each lowercase segment of an identifier, split at `_ - . $`, at digits and
/// at camelCase humps (`clientSecretKey` -> client, secret, key). Segments are up to 24 bytes.
pub fn for_each_segment(key: &[u8], mut f: impl FnMut(&[u8]) -> bool) -> bool {
    let mut buf = [0u8; 24];
    let mut n = 0usize;
    let mut i = 0;
    let flush = |buf: &[u8; 24], n: &mut usize, f: &mut dyn FnMut(&[u8]) -> bool| -> bool {
        let hit = *n > 0 && f(&buf[..*n]);
        *n = 0;
        hit
    };
    while i < key.len() {
        let c = key[i];
        if !c.is_ascii_alphabetic() {
            if flush(&buf, &mut n, &mut f) {
                return true;
            }
            i += 1;
            continue;
        }
        // lower->Upper starts a segment; so does Upper->Upper+lower ("APIKey" -> api, key)
        let boundary = c.is_ascii_uppercase()
            && i > 0
            && (key[i - 1].is_ascii_lowercase()
                || (key[i - 1].is_ascii_uppercase()
                    && key.get(i + 1).is_some_and(u8::is_ascii_lowercase)));
        if boundary && flush(&buf, &mut n, &mut f) {
            return true;
        }
        if n < buf.len() {
            buf[n] = c.to_ascii_lowercase();
            n += 1;
        }
        i += 1;
    }
    flush(&buf, &mut n, &mut f)
}

/// An identifier split once into its lowercase segments (at most 8 kept: the first 7 and
/// the last), so that several word-set questions cost one pass over the key.
struct Segments {
    buf: [[u8; 24]; 8],
    len: [usize; 8],
    n: usize,
}

impl Segments {
    fn new(key: &[u8]) -> Segments {
        let mut sg = Segments {
            buf: [[0; 24]; 8],
            len: [0; 8],
            n: 0,
        };
        for_each_segment(key, |s| {
            let k = sg.n.min(7);
            sg.buf[k][..s.len()].copy_from_slice(s);
            sg.len[k] = s.len();
            sg.n = k + 1;
            false
        });
        sg
    }

    fn get(&self, k: usize) -> &[u8] {
        &self.buf[k][..self.len[k]]
    }

    fn any_in(&self, set: &[&[u8]]) -> bool {
        (0..self.n).any(|k| set.contains(&self.get(k)))
    }

    fn last_in(&self, set: &[&[u8]]) -> bool {
        self.n > 0 && set.contains(&self.get(self.n - 1))
    }
}

fn last_segment_in(key: &[u8], set: &[&[u8]]) -> bool {
    Segments::new(key).last_in(set)
}

fn any_segment_in(key: &[u8], set: &[&[u8]]) -> bool {
    Segments::new(key).any_in(set)
}

const SECRET_SEGMENTS: &[&[u8]] = &[
    b"key",
    b"keys",
    b"apikey",
    b"secret",
    b"secrets",
    b"token",
    b"tokens",
    b"password",
    b"passwd",
    b"pwd",
    b"pass",
    b"passphrase",
    b"auth",
    b"authorization",
    b"credential",
    b"credentials",
    b"creds",
    b"bearer",
    b"accesskey",
    b"secretkey",
    b"privatekey",
    b"apitoken",
    b"accesstoken",
    b"sig",
    b"signature",
    b"session",
    b"sessionid",
    b"cookie",
    b"clientsecret",
];
/// Segments that make a key name *not* a secret even when it also says key/token/secret:
/// `primaryKey`, `public_key`, `csrf_token`, `key_id`, `token_url`.
const NOT_SECRET_QUALIFIERS: &[&[u8]] = &[
    b"public",
    b"pub",
    b"primary",
    b"foreign",
    b"schema",
    b"sequence",
    b"sort",
    b"partition",
    b"bucket",
    b"csrf",
    b"xsrf",
    b"idempotency",
    b"next",
    b"page",
    b"pagination",
    b"continuation",
    b"cursor",
    b"sync",
    b"event",
    b"down",
    b"up",
    b"press",
    b"pressed",
    b"board",
    b"frame",
    b"pair",
    b"ring",
    b"mesh",
    b"word",
    b"stroke",
    b"left",
    b"right",
];
const NOT_SECRET_LAST: &[&[u8]] = &[
    b"id",
    b"ids",
    b"name",
    b"names",
    b"url",
    b"uri",
    b"urls",
    b"endpoint",
    b"path",
    b"file",
    b"type",
    b"size",
    b"length",
    b"len",
    b"count",
    b"alias",
    b"version",
    b"hash",
    b"format",
    b"expiry",
    b"expires",
    b"ttl",
    b"at",
    b"time",
    b"timeout",
    b"label",
    b"field",
    b"mode",
    b"header",
    b"prefix",
    b"algorithm",
    b"alg",
];

/// Both questions generic secret detection asks of a key, in one pass:
/// (names a credential, names a public/random-looking non-secret value).
pub fn classify_value_key(key: &[u8]) -> (bool, bool) {
    let sg = Segments::new(key);
    let qualified = sg.any_in(NOT_SECRET_QUALIFIERS) || sg.last_in(NOT_SECRET_LAST);
    let secret = sg.any_in(SECRET_SEGMENTS) && !qualified;
    let not_secret = qualified || sg.any_in(NOT_SECRET_VALUE_WORDS);
    (secret, not_secret)
}

const NOT_SECRET_VALUE_WORDS: &[&[u8]] = &[
    b"hash",
    b"sha",
    b"digest",
    b"checksum",
    b"etag",
    b"commit",
    b"integrity",
    b"fingerprint",
    b"nonce",
    b"trace",
    b"request",
    b"correlation",
    b"uuid",
    b"guid",
    b"md",
    b"srcrev",
];

/// True when a key name says its value is a credential (`api_key`, `clientSecret`,
/// `x-auth-token`, `AccountKey`) and nothing in it says otherwise (`key_id`, `public_key`).
#[cfg(test)]
pub fn is_secret_key(key: &[u8]) -> bool {
    classify_value_key(key).0
}

const NUMERIC_ID_LAST: &[&[u8]] = &[
    b"id",
    b"ids",
    b"ts",
    b"timestamp",
    b"time",
    b"epoch",
    b"millis",
    b"ms",
    b"at",
    b"date",
    b"seq",
    b"sequence",
    b"nonce",
    b"offset",
    b"count",
    b"total",
    b"amount",
    b"size",
    b"length",
    b"version",
    b"serial",
    b"uid",
    b"guid",
    b"uuid",
    b"pid",
];

/// True when a key name says its number is an identifier, counter or time (`order_id`,
/// `createdAt`, `timestamp`), not a card or phone. `card_number`/`phone_number` stay allowed.
pub fn is_numeric_id_key(key: &[u8]) -> bool {
    let pii = any_segment_in(
        key,
        &[
            b"card", b"cc", b"pan", b"phone", b"mobile", b"tel", b"fax", b"msisdn", b"ssn",
            b"social",
        ],
    );
    !pii && last_segment_in(key, NUMERIC_ID_LAST)
}

/// True when a key name says its value is a version (`version`, `app_ver`, `release`).
pub fn is_version_key(key: &[u8]) -> bool {
    any_segment_in(
        key,
        &[
            b"version",
            b"ver",
            b"release",
            b"build",
            b"rev",
            b"revision",
            b"tag",
        ],
    )
}

/// True when a key name says its value is an SSN.
pub fn is_ssn_key(key: &[u8]) -> bool {
    any_segment_in(key, &[b"ssn", b"social", b"ssns"])
}

pub fn eq_ci(a: &[u8], b: &[u8]) -> bool {
    a.eq_ignore_ascii_case(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(s: &str, value: &str) -> Option<String> {
        let pos = s.find(value).unwrap();
        key_before(s.as_bytes(), pos).map(|k| String::from_utf8_lossy(k).into_owned())
    }

    #[test]
    fn finds_keys() {
        assert_eq!(
            key(r#"{"api_key": "abc"}"#, "abc").as_deref(),
            Some("api_key")
        );
        assert_eq!(key("token=abc&x=1", "abc").as_deref(), Some("token"));
        assert_eq!(
            key("secret_key := \"abc\"", "abc").as_deref(),
            Some("secret_key")
        );
        assert_eq!(
            key("<apiToken>abc</apiToken>", "abc").as_deref(),
            Some("apiToken")
        );
        assert_eq!(key("  \"x\" => \"abc\"", "abc").as_deref(), Some("x"));
        assert_eq!(key(r#"{\"tok\": \"abc\"}"#, "abc").as_deref(), Some("tok"));
        assert_eq!(key("hello abc", "abc"), None);
    }

    #[test]
    fn classifies_keys() {
        for k in [
            "api_key",
            "clientSecret",
            "x-auth-token",
            "AccountKey",
            "SECRET_KEY_BASE",
            "password",
            "APIKEY",
        ] {
            assert!(is_secret_key(k.as_bytes()), "{k}");
        }
        for k in [
            "key_id",
            "public_key",
            "primaryKey",
            "csrf_token",
            "token_url",
            "keyword",
            "monkey",
            "kms_key_id",
            "credentialsId",
        ] {
            assert!(!is_secret_key(k.as_bytes()), "{k}");
        }
        assert!(is_numeric_id_key(b"order_id"));
        assert!(is_numeric_id_key(b"createdAt"));
        assert!(!is_numeric_id_key(b"card_number"));
        assert!(!is_numeric_id_key(b"card"));
        assert!(is_version_key(b"appVersion"));
    }
}

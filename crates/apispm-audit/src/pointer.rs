//! RFC 6901 JSON pointers: how findings, ignores and baselines name a node of a document.

use std::borrow::Cow;

/// `~` and `/` escaped.
pub fn escape(segment: &str) -> Cow<'_, str> {
    if segment.contains(['~', '/']) {
        Cow::Owned(segment.replace('~', "~0").replace('/', "~1"))
    } else {
        Cow::Borrowed(segment)
    }
}

/// `pointer` extended by one segment.
pub fn join(pointer: &str, segment: &str) -> String {
    let seg = escape(segment);
    let mut s = String::with_capacity(pointer.len() + seg.len() + 1);
    s.push_str(pointer);
    s.push('/');
    s.push_str(&seg);
    s
}

/// The unescaped segments; `""` (the whole document) has none.
pub fn segments(pointer: &str) -> Vec<String> {
    if pointer.is_empty() {
        return Vec::new();
    }
    pointer
        .strip_prefix('/')
        .unwrap_or(pointer)
        .split('/')
        .map(|s| {
            if s.contains('~') {
                s.replace("~1", "/").replace("~0", "~")
            } else {
                s.to_string()
            }
        })
        .collect()
}

/// The parent of a pointer; `None` for the whole document.
pub fn parent(pointer: &str) -> Option<&str> {
    pointer.rfind('/').map(|i| &pointer[..i])
}

/// `pointer` names `scope` or a node below it.
pub fn is_within(pointer: &str, scope: &str) -> bool {
    scope.is_empty()
        || (pointer.starts_with(scope)
            && (pointer.len() == scope.len() || pointer.as_bytes()[scope.len()] == b'/'))
}

/// Percent-decoding of a `$ref` fragment (`#/paths/~1pets%7Bid%7D`); bytes that do not
/// decode to UTF-8 leave the fragment as it was.
pub fn percent_decode(s: &str) -> Cow<'_, str> {
    if !s.contains('%') {
        return Cow::Borrowed(s);
    }
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            let hex = |c: u8| (c as char).to_digit(16);
            if let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    match String::from_utf8(out) {
        Ok(s) => Cow::Owned(s),
        Err(_) => Cow::Borrowed(s),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let p = join(&join("", "paths"), "/pets/{id}~x");
        assert_eq!(p, "/paths/~1pets~1{id}~0x");
        assert_eq!(segments(&p), vec!["paths", "/pets/{id}~x"]);
        assert_eq!(parent(&p), Some("/paths"));
        assert_eq!(parent("/paths"), Some(""));
        assert_eq!(parent(""), None);
    }

    #[test]
    fn within() {
        assert!(is_within("/paths/~1a/get", "/paths/~1a"));
        assert!(is_within("/paths/~1a", "/paths/~1a"));
        assert!(!is_within("/paths/~1ab", "/paths/~1a"));
        assert!(is_within("/x", ""));
    }

    #[test]
    fn percent() {
        assert_eq!(percent_decode("/a%7Bb%7D"), "/a{b}");
        assert_eq!(percent_decode("/a%7"), "/a%7");
        assert_eq!(percent_decode("/a%ff"), "/a%ff");
    }
}

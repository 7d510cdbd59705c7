//! Paths cut into segments, for request paths and spec templates alike.
//!
//! Both sides go through the same cutting (leading slash, trailing slash, percent-decoding once
//! per segment) so that what a template says and what a client sent compare as equals.

use std::borrow::Cow;

/// Decodes `%XX` escapes once. Malformed escapes stay as they are: a client that sent
/// `%zz` reached the server with those bytes, and guessing would invent a different path.
pub(crate) fn percent_decode(s: &str) -> Cow<'_, str> {
    if !s.as_bytes().contains(&b'%') {
        return Cow::Borrowed(s);
    }
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2])) {
                out.push(h << 4 | l);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    match String::from_utf8(out) {
        Ok(s) => Cow::Owned(s),
        Err(e) => Cow::Owned(String::from_utf8_lossy(e.as_bytes()).into_owned()),
    }
}

fn hex(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// The path part of what a client sent: query and fragment dropped, and the scheme and
/// authority of an absolute-form target (`GET http://host/x` through a proxy) too.
pub(crate) fn path_only(raw: &str) -> &str {
    let mut p = raw;
    if let Some(i) = p.find(['?', '#']) {
        p = &p[..i];
    }
    if !p.starts_with('/') {
        if let Some(i) = p.find("://") {
            let rest = &p[i + 3..];
            p = rest.find('/').map_or("", |j| &rest[j..]);
        }
    }
    p
}

/// Raw segments of a path: `/a/b/` and `/a/b` both give `["a", "b"]`, `/` gives none.
/// Empty segments inside (`/a//b`) are kept: they are part of what was sent.
pub(crate) fn raw_segments(path: &str) -> impl Iterator<Item = &str> {
    let p = path.strip_prefix('/').unwrap_or(path);
    let p = p.strip_suffix('/').unwrap_or(p);
    let empty = p.is_empty();
    p.split('/').filter(move |_| !empty)
}

/// One segment of a template.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum TSeg {
    /// Compared as decoded text.
    Lit(String),
    /// `{name}`: one non-empty segment.
    Param(String),
    /// AWS API Gateway's greedy `{proxy+}`: one or more segments, only as the last one.
    Greedy(String),
    /// Literal text and parameters inside one segment: `{name}.json`, `{id}:cancel`.
    Mixed(Vec<Piece>),
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Piece {
    Lit(String),
    Param,
}

/// Cuts a template into segments. Anything after `?` is dropped: some specs write
/// `/search?type=x` as a path key, and the query never reaches path matching.
pub(crate) fn template_segments(template: &str) -> Vec<TSeg> {
    let t = template.split('?').next().unwrap_or("");
    let segs: Vec<&str> = raw_segments(t).collect();
    let n = segs.len();
    segs.iter()
        .enumerate()
        .map(|(i, s)| parse_segment(s, i + 1 == n))
        .collect()
}

pub(crate) fn parse_segment(s: &str, last: bool) -> TSeg {
    if let Some(name) = s.strip_prefix('{').and_then(|r| r.strip_suffix('}')) {
        if !name.contains(['{', '}']) {
            if let Some(g) = name.strip_suffix('+') {
                if last {
                    return TSeg::Greedy(g.to_string());
                }
            }
            return TSeg::Param(name.to_string());
        }
    }
    if !s.contains('{') {
        return TSeg::Lit(percent_decode(s).into_owned());
    }
    let mut pieces = Vec::new();
    let mut rest = s;
    while !rest.is_empty() {
        match rest.find('{') {
            Some(0) => match rest.find('}') {
                Some(close) if close > 1 => {
                    // Two parameters side by side can't be told apart; fold them into one.
                    if pieces.last() != Some(&Piece::Param) {
                        pieces.push(Piece::Param);
                    }
                    rest = &rest[close + 1..];
                }
                _ => return TSeg::Lit(percent_decode(s).into_owned()),
            },
            Some(i) => {
                pieces.push(Piece::Lit(percent_decode(&rest[..i]).into_owned()));
                rest = &rest[i..];
            }
            None => {
                pieces.push(Piece::Lit(percent_decode(rest).into_owned()));
                rest = "";
            }
        }
    }
    TSeg::Mixed(pieces)
}

/// A segment pattern compiled for matching: text and parameters, each parameter taking at
/// least one character. Matching is the classic wildcard walk with one backtrack point, so a
/// long hostile segment costs O(segment × pattern), never exponential time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Glob(Vec<Unit>);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Unit {
    Byte(u8),
    /// The first character of a parameter: required.
    One,
    /// The rest of a parameter: any length.
    Star,
}

impl Glob {
    pub(crate) fn new(pieces: &[Piece]) -> Glob {
        let mut units = Vec::new();
        for p in pieces {
            match p {
                Piece::Lit(l) => units.extend(l.bytes().map(Unit::Byte)),
                Piece::Param => units.extend([Unit::One, Unit::Star]),
            }
        }
        Glob(units)
    }

    /// Literal bytes: more of them makes a more specific pattern.
    pub(crate) fn literal_len(&self) -> usize {
        self.0.iter().filter(|u| matches!(u, Unit::Byte(_))).count()
    }

    // Bytes rather than chars: a literal starts with a lead byte, which never equals the
    // continuation byte a split inside a character would leave, so the answer is the same.
    pub(crate) fn matches(&self, s: &str) -> bool {
        let (p, s) = (&self.0, s.as_bytes());
        let (mut pi, mut si) = (0, 0);
        let mut star: Option<(usize, usize)> = None;
        while si < s.len() {
            match p.get(pi) {
                Some(Unit::Byte(b)) if *b == s[si] => {
                    pi += 1;
                    si += 1;
                    continue;
                }
                Some(Unit::One) => {
                    pi += 1;
                    si += 1;
                    continue;
                }
                Some(Unit::Star) => {
                    star = Some((pi, si));
                    pi += 1;
                    continue;
                }
                _ => {}
            }
            match star {
                Some((sp, ss)) => {
                    pi = sp + 1;
                    si = ss + 1;
                    star = Some((sp, ss + 1));
                }
                None => return false,
            }
        }
        p[pi..].iter().all(|u| *u == Unit::Star)
    }
}

#[cfg(test)]
fn pieces_match(pieces: &[Piece], s: &str) -> bool {
    Glob::new(pieces).matches(s)
}

/// Parameter names of a template, in order (`{proxy+}` gives `proxy`).
pub(crate) fn template_params(template: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = template.split('?').next().unwrap_or("");
    while let Some(open) = rest.find('{') {
        let Some(len) = rest[open..].find('}') else {
            break;
        };
        let name = &rest[open + 1..open + len];
        let name = name.strip_suffix('+').unwrap_or(name);
        if !name.is_empty() && !name.contains('{') {
            out.push(name.to_string());
        }
        rest = &rest[open + len + 1..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decoding_happens_once() {
        assert_eq!(percent_decode("a%2Fb"), "a/b");
        assert_eq!(percent_decode("a%252Fb"), "a%2Fb");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz%4"), "%zz%4");
        assert_eq!(percent_decode("caf%C3%A9"), "café");
        assert_eq!(percent_decode("%FF"), "\u{fffd}");
    }

    #[test]
    fn segments() {
        let v: Vec<&str> = raw_segments("/a/b/").collect();
        assert_eq!(v, ["a", "b"]);
        assert_eq!(raw_segments("/").count(), 0);
        assert_eq!(raw_segments("").count(), 0);
        let v: Vec<&str> = raw_segments("/a//b").collect();
        assert_eq!(v, ["a", "", "b"]);
        assert_eq!(path_only("/x?y=1#f"), "/x");
        assert_eq!(path_only("http://h:1/p/q?x"), "/p/q");
        assert_eq!(path_only("http://h"), "");
    }

    #[test]
    fn template_parsing() {
        use TSeg::*;
        assert_eq!(
            template_segments("/files/{name}.json"),
            vec![
                Lit("files".into()),
                Mixed(vec![Piece::Param, Piece::Lit(".json".into())])
            ]
        );
        assert_eq!(template_segments("/{proxy+}"), vec![Greedy("proxy".into())]);
        assert_eq!(
            template_segments("/a/{b}/"),
            vec![Lit("a".into()), Param("b".into())]
        );
        assert_eq!(template_segments("/x?a=1"), vec![Lit("x".into())]);
        assert_eq!(
            template_params("/r/{owner}/{repo}/{p+}"),
            ["owner", "repo", "p"]
        );
    }

    #[test]
    fn mixed_segment_matching() {
        let p = vec![Piece::Param, Piece::Lit(".json".into())];
        assert!(pieces_match(&p, "a.json"));
        assert!(!pieces_match(&p, ".json"));
        assert!(!pieces_match(&p, "a.jso"));
        let p = vec![Piece::Param, Piece::Lit("...".into()), Piece::Param];
        assert!(pieces_match(&p, "main...dev"));
        assert!(pieces_match(&p, "a......b"));
        assert!(!pieces_match(&p, "main..."));
        assert!(!pieces_match(&p, "...dev"));
        let p = vec![
            Piece::Lit("v".into()),
            Piece::Param,
            Piece::Lit(":run".into()),
        ];
        assert!(pieces_match(&p, "vé:run"));
        assert!(!pieces_match(&p, "v:run"));
        assert!(pieces_match(&p, "vx:run:run"));
        // Many parameters against a long segment that almost fits: quick, whatever the size.
        let mut p = Vec::new();
        for _ in 0..8 {
            p.push(Piece::Param);
            p.push(Piece::Lit("x".into()));
        }
        p.push(Piece::Lit("y".into()));
        let t = std::time::Instant::now();
        assert!(!pieces_match(&p, &"x".repeat(20_000)));
        assert!(t.elapsed().as_secs() < 5);
    }
}

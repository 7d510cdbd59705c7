//! A learner's evidence as bytes, so a store can keep it between ingests and merge the
//! learners of many batches (or many ingesters) before deciding templates. The encoding is a
//! plain length-prefixed preorder walk of the trees; decoding checks every length and depth
//! and never panics on corrupt input, because the bytes come back from a database.

use crate::learner::{Config, Key, Kids, Learner, Node, Sat};
use crate::segment::{SegmentKind, segment_kind};
use crate::sketch::{CMS_DEPTH, CMS_WIDTH, CountMin};
use hashbrown::HashMap;

const MAGIC: &[u8; 4] = b"APL1";
/// Deeper than any tree a learner builds (`max_depth` segments plus saturated subtrees).
const MAX_NESTING: usize = 256;

/// Why stored learner bytes could not be read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError(pub &'static str);

impl std::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "stored template learner is corrupt: {}", self.0)
    }
}

impl std::error::Error for DecodeError {}

impl Learner {
    /// The learner's evidence (not its configuration) as bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.memory_estimate() / 2 + 64);
        out.extend_from_slice(MAGIC);
        put_u64(&mut out, self.observed());
        let mut scopes: Vec<_> = self.roots().iter().collect();
        // Sorted so equal learners give equal bytes.
        scopes.sort_by(|a, b| a.0.cmp(b.0));
        put_u64(&mut out, scopes.len() as u64);
        for (scope, node) in scopes {
            put_str(&mut out, scope);
            put_node(&mut out, node);
        }
        out
    }

    /// Reads [`Learner::to_bytes`] back under `config`.
    pub fn from_bytes(bytes: &[u8], config: Config) -> Result<Learner, DecodeError> {
        let mut r = Reader { b: bytes, at: 0 };
        if r.take(4)? != MAGIC {
            return Err(DecodeError("unknown format"));
        }
        let observed = r.u64()?;
        let n = r.len()?;
        let mut roots = HashMap::new();
        for _ in 0..n {
            let scope: Box<str> = r.str()?.into();
            let node = get_node(&mut r, 0)?;
            roots.insert(scope, node);
        }
        if r.at != bytes.len() {
            return Err(DecodeError("trailing bytes"));
        }
        Ok(Learner::from_parts(config, roots, observed))
    }
}

fn put_u64(out: &mut Vec<u8>, mut v: u64) {
    // LEB128: most counters are small.
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    put_u64(out, s.len() as u64);
    out.extend_from_slice(s.as_bytes());
}

fn put_node(out: &mut Vec<u8>, n: &Node) {
    put_u64(out, n.hits);
    put_u64(out, n.ends);
    put_u64(out, u64::from(n.methods));
    put_u64(out, u64::from(n.weak));
    match &n.kids {
        Kids::Open(map) => {
            out.push(0);
            let mut kids: Vec<_> = map.iter().collect();
            kids.sort_by(|a, b| a.0.as_str().cmp(b.0.as_str()));
            put_u64(out, kids.len() as u64);
            for (k, c) in kids {
                put_str(out, k.as_str());
                put_node(out, c);
            }
        }
        Kids::Sat(s) => {
            out.push(1);
            for row in s.cms.cells().iter() {
                for &c in row.iter() {
                    put_u64(out, u64::from(c));
                }
            }
            for &k in &s.kind_hits {
                put_u64(out, k);
            }
            put_node(out, &s.merged);
        }
    }
}

struct Reader<'a> {
    b: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        let end = self
            .at
            .checked_add(n)
            .filter(|&e| e <= self.b.len())
            .ok_or(DecodeError("truncated"))?;
        let s = &self.b[self.at..end];
        self.at = end;
        Ok(s)
    }

    fn u64(&mut self) -> Result<u64, DecodeError> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let byte = self.take(1)?[0];
            v |= u64::from(byte & 0x7f)
                .checked_shl(shift)
                .ok_or(DecodeError("integer overflow"))?;
            if byte & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(DecodeError("integer too long"))
    }

    /// A count of items that follow: each takes at least one byte, so anything longer than
    /// the rest of the input is corrupt (and must not drive an allocation).
    fn len(&mut self) -> Result<usize, DecodeError> {
        let n = self.u64()?;
        if n > (self.b.len() - self.at) as u64 {
            return Err(DecodeError("length beyond the data"));
        }
        Ok(n as usize)
    }

    fn str(&mut self) -> Result<&'a str, DecodeError> {
        let n = self.len()?;
        std::str::from_utf8(self.take(n)?).map_err(|_| DecodeError("invalid UTF-8"))
    }

    fn u32(&mut self) -> Result<u32, DecodeError> {
        u32::try_from(self.u64()?).map_err(|_| DecodeError("counter out of range"))
    }
}

fn get_node(r: &mut Reader<'_>, depth: usize) -> Result<Node, DecodeError> {
    if depth > MAX_NESTING {
        return Err(DecodeError("nesting too deep"));
    }
    let mut node = Node::new();
    node.hits = r.u64()?;
    node.ends = r.u64()?;
    node.methods = u16::try_from(r.u64()?).map_err(|_| DecodeError("method bits"))?;
    node.weak = r.u32()?;
    match r.take(1)?[0] {
        0 => {
            let n = r.len()?;
            let mut map = HashMap::with_capacity(n);
            for _ in 0..n {
                let k = r.str()?;
                let mut child = get_node(r, depth + 1)?;
                // Not stored: a child keyed by a raw segment has that segment's kind.
                child.kind = segment_kind(k);
                let k = Key::from(k);
                map.insert(k, child);
            }
            node.kids = Kids::Open(map);
        }
        1 => {
            let mut cells = [[0u32; CMS_WIDTH]; CMS_DEPTH];
            for row in cells.iter_mut() {
                for c in row.iter_mut() {
                    *c = r.u32()?;
                }
            }
            let mut kind_hits = [0u64; SegmentKind::COUNT];
            for k in kind_hits.iter_mut() {
                *k = r.u64()?;
            }
            let merged = get_node(r, depth + 1)?;
            node.kids = Kids::Sat(Box::new(Sat {
                merged,
                cms: CountMin::from_cells(cells),
                kind_hits,
            }));
        }
        _ => return Err(DecodeError("unknown node kind")),
    }
    Ok(node)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn learner(paths: &[&str]) -> Learner {
        let mut l = Learner::default();
        for p in paths {
            l.observe("api", "GET", p);
        }
        l
    }

    #[test]
    fn round_trip_gives_the_same_templates() {
        let mut paths = Vec::new();
        for i in 0..400 {
            paths.push(format!("/users/user{i}x/repos"));
            paths.push(format!("/orders/{i}"));
        }
        paths.push("/health".to_string());
        let refs: Vec<&str> = paths.iter().map(String::as_str).collect();
        let l = learner(&refs);
        let bytes = l.to_bytes();
        let back = Learner::from_bytes(&bytes, Config::default()).unwrap();
        assert_eq!(back.to_bytes(), bytes);
        assert_eq!(back.observed(), l.observed());
        let (a, b) = (l.finish(), back.finish());
        assert_eq!(a.templates("api"), b.templates("api"));
        assert!(a.templates("api").iter().any(|t| t.contains('{')));
    }

    #[test]
    fn a_read_back_learner_keys_new_paths_as_the_original() {
        let seen = [
            "/api/2/items/7",
            "/api/3/items/8",
            "/api/v1/users/42",
            "/2024-01-05/x",
        ];
        let mut l = learner(&seen);
        let mut back = Learner::from_bytes(&l.to_bytes(), Config::default()).unwrap();
        for p in seen.iter().chain(&[
            "/api/4/items/9",
            "/api/v1/users/ab12cd34ef",
            "/2024-02-01/x",
        ]) {
            assert_eq!(
                back.observe("api", "GET", p),
                l.observe("api", "GET", p),
                "{p}"
            );
        }
    }

    #[test]
    fn merged_halves_encode_like_the_whole() {
        let paths: Vec<String> = (0..300).map(|i| format!("/a/name{i}q/b")).collect();
        let refs: Vec<&str> = paths.iter().map(String::as_str).collect();
        let whole = learner(&refs);
        let mut first = learner(&refs[..150]);
        let second = Learner::from_bytes(&learner(&refs[150..]).to_bytes(), Config::default());
        first.merge(second.unwrap());
        assert_eq!(first.to_bytes(), whole.to_bytes());
    }

    #[test]
    fn corrupt_bytes_are_errors_not_panics() {
        let good = learner(&["/a/1", "/b/c"]).to_bytes();
        for cut in 0..good.len() {
            assert!(Learner::from_bytes(&good[..cut], Config::default()).is_err());
        }
        let mut bad = good.clone();
        bad.push(0);
        assert!(Learner::from_bytes(&bad, Config::default()).is_err());
        let huge = [b'A', b'P', b'L', b'1', 0, 0xff, 0xff, 0xff, 0xff, 0x0f];
        assert!(Learner::from_bytes(&huge, Config::default()).is_err());
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(mut b in proptest::collection::vec(proptest::num::u8::ANY, 0..512)) {
            let _ = Learner::from_bytes(&b, Config::default());
            b.splice(0..0, MAGIC.iter().copied());
            let _ = Learner::from_bytes(&b, Config::default());
        }
    }
}

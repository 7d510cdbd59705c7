//! The streaming side: a bounded prefix tree of observed paths per scope.
//!
//! The tree is a canonical function of the multiset of observed paths (within the memory
//! budget): a node keeps its children exactly until it has more than `open_children` distinct
//! ones, and then "saturates" into a count-min sketch of the child values plus one merged
//! subtree of everything below. Because saturation depends only on how many distinct children
//! exist, and sketches and counters add, merging learners in any order or splitting a stream
//! in any way reaches the same tree, hence the same templates. Decisions (which positions are
//! parameters) are deferred to [`Learner::finish`], where all evidence is in.

use hashbrown::HashMap;
use hashbrown::hash_map::{Entry, EntryRef};

use crate::segment::{SegmentKind, is_placeholder, is_weak, segment_kind};
use crate::sketch::CountMin;
use crate::templater::{Templater, write_param_name};

/// Tuning of the learner and of the final decisions. The defaults are what the crate is tested
/// and benchmarked with; see the crate documentation for why each value is what it is.
#[derive(Debug, Clone)]
pub struct Config {
    /// Distinct children a node tracks exactly (with their own subtrees) before it saturates.
    /// Real APIs have at most ~150 constant siblings under one parent (Stripe's `/v1`), so a
    /// position with more is a parameter whatever its values look like.
    pub open_children: usize,
    /// Memory budget of one learner's tree, in (estimated) bytes. When exceeded, the open
    /// nodes with the most children are saturated first (they are the likeliest parameters).
    pub max_bytes: usize,
    /// Scopes tracked separately; later scopes share one overflow tree.
    pub max_scopes: usize,
    /// Segments per path that are learned; deeper segments are only typed.
    pub max_depth: usize,
    /// A value seen fewer times than this is never a recurring constant beside a parameter.
    pub const_min: u64,
    /// At a saturated position, a value carrying at least this share of the traffic recurs:
    /// a constant.
    pub const_share: f64,
    /// At an open parameter position, a constant needs this share of the traffic...
    pub const_share_open: f64,
    /// ...and at least this many times the typical (median) count of its siblings.
    pub const_typical_factor: f64,
    /// Values seen at most this often count as "rare" (Good-Turing's singletons/doubletons).
    pub rare_max: u64,
    /// A position becomes a parameter on word-like values when it has at least this many rare
    /// values...
    pub param_min_rare: u64,
    /// ...and at least `param_sqrt_factor * sqrt(traffic)` of them.
    pub param_sqrt_factor: f64,
    /// A lone small integer or date that every request at its position carries is a fixed
    /// part of the API (`/api/2/`, `/2015-03-31/`) once seen this often.
    pub fixed_min: u64,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            open_children: 256,
            max_bytes: 64 << 20,
            max_scopes: 4096,
            max_depth: 32,
            const_min: 3,
            const_share: 0.02,
            const_share_open: 0.01,
            const_typical_factor: 6.0,
            rare_max: 2,
            param_min_rare: 4,
            param_sqrt_factor: 0.5,
            fixed_min: 3,
        }
    }
}

/// One position in the prefix tree.
pub(crate) struct Node {
    /// Requests whose path went through (or ended at) this node.
    pub(crate) hits: u64,
    /// Requests whose path ended here.
    pub(crate) ends: u64,
    /// Methods of the requests that ended here (bit per method, see `method_bit`).
    pub(crate) methods: u16,
    /// Distinct weak-typed literal children (small integers, dates) of an open node.
    pub(crate) weak: u32,
    /// The kind of the segment this node was first entered by. For a node keyed by a raw
    /// segment (not a placeholder) it is that segment's kind, so a segment found among the
    /// children as itself needs no classifying again.
    pub(crate) kind: SegmentKind,
    pub(crate) kids: Kids,
}

pub(crate) enum Kids {
    Open(HashMap<Key, Node>),
    Sat(Box<Sat>),
}

/// A child's segment. Nearly all segments are short and kept inline, so finding a child
/// compares bytes already in the table instead of following a pointer to them (a cache miss
/// per level of the tree on every request).
#[derive(Clone)]
pub(crate) enum Key {
    Inline { len: u8, bytes: [u8; INLINE] },
    Heap(Box<str>),
}

const INLINE: usize = 22;

impl Key {
    pub(crate) fn as_bytes(&self) -> &[u8] {
        match self {
            Key::Inline { len, bytes } => &bytes[..usize::from(*len)],
            Key::Heap(s) => s.as_bytes(),
        }
    }

    /// The segment as text. Inline bytes were copied whole from a `str`, so they are UTF-8.
    pub(crate) fn as_str(&self) -> &str {
        match self {
            Key::Inline { .. } => std::str::from_utf8(self.as_bytes()).unwrap_or_default(),
            Key::Heap(s) => s,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.as_bytes().len()
    }
}

impl From<&str> for Key {
    fn from(s: &str) -> Key {
        if s.len() <= INLINE {
            let mut bytes = [0u8; INLINE];
            bytes[..s.len()].copy_from_slice(s.as_bytes());
            Key::Inline {
                len: s.len() as u8,
                bytes,
            }
        } else {
            Key::Heap(s.into())
        }
    }
}

impl PartialEq for Key {
    fn eq(&self, other: &Key) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl Eq for Key {}

/// Hashes as the `str` it holds, so children are found by `&str`.
impl std::hash::Hash for Key {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl hashbrown::Equivalent<Key> for str {
    fn equivalent(&self, key: &Key) -> bool {
        self.as_bytes() == key.as_bytes()
    }
}

/// A node with more distinct children than `open_children`: a parameter position.
pub(crate) struct Sat {
    /// Everything below the node, all children merged.
    pub(crate) merged: Node,
    /// Child values with their counts, for recurring constants beside the parameter.
    pub(crate) cms: CountMin,
    /// Child traffic per segment kind, to name the parameter.
    pub(crate) kind_hits: [u64; SegmentKind::COUNT],
}

impl Sat {
    fn new() -> Sat {
        Sat {
            merged: Node::new(),
            cms: CountMin::new(),
            kind_hits: [0; SegmentKind::COUNT],
        }
    }

    #[inline]
    fn note(&mut self, token: &str, n: u64) {
        self.cms.add(token.as_bytes(), n);
        self.kind_hits[token_kind(token).index()] += n;
    }
}

/// The kind of a tree key: typed placeholders map back to their kind.
pub(crate) fn token_kind(token: &str) -> SegmentKind {
    if is_placeholder(token) {
        match token {
            "{id}" => SegmentKind::Integer,
            "{uuid}" => SegmentKind::Uuid,
            "{hash}" => SegmentKind::Hash,
            "{date}" => SegmentKind::Date,
            "{email}" => SegmentKind::Email,
            "{ip}" => SegmentKind::Ip,
            _ => SegmentKind::Placeholder,
        }
    } else {
        segment_kind(token)
    }
}

fn is_weak_token(token: &str) -> bool {
    !is_placeholder(token) && is_weak(segment_kind(token), token)
}

impl Node {
    pub(crate) fn new() -> Node {
        Node::keyed(SegmentKind::Literal)
    }

    fn keyed(kind: SegmentKind) -> Node {
        Node {
            hits: 0,
            ends: 0,
            methods: 0,
            weak: 0,
            kind,
            kids: Kids::Open(HashMap::new()),
        }
    }
}

/// Estimated heap cost of one child entry: the node, its key's box, and hash-table slack.
const ENTRY_BYTES: usize = std::mem::size_of::<Node>() + std::mem::size_of::<Box<str>>() + 24;
const SAT_BYTES: usize = std::mem::size_of::<Sat>() + CountMin::BYTES;

fn subtree_bytes(node: &Node) -> usize {
    match &node.kids {
        Kids::Open(map) => map
            .iter()
            .map(|(k, c)| ENTRY_BYTES + k.len() + subtree_bytes(c))
            .sum(),
        Kids::Sat(s) => SAT_BYTES + subtree_bytes(&s.merged),
    }
}

fn count_nodes(node: &Node) -> usize {
    1 + match &node.kids {
        Kids::Open(map) => map.values().map(count_nodes).sum(),
        Kids::Sat(s) => count_nodes(&s.merged),
    }
}

/// Turns an open node into a saturated one: every child's subtree is merged into one.
fn saturate(node: &mut Node, cfg: &Config) {
    let Kids::Open(map) = std::mem::replace(&mut node.kids, Kids::Open(HashMap::new())) else {
        return;
    };
    let mut sat = Box::new(Sat::new());
    for (k, child) in map {
        sat.note(k.as_str(), child.hits);
        absorb(&mut sat.merged, child, cfg);
    }
    node.weak = 0;
    node.kids = Kids::Sat(sat);
}

/// Adds `src`'s multiset of paths into `dst`. Commutative and associative on the canonical
/// forms, which is what makes `Learner::merge` order-independent.
fn absorb(dst: &mut Node, src: Node, cfg: &Config) {
    dst.hits += src.hits;
    dst.ends += src.ends;
    dst.methods |= src.methods;
    match src.kids {
        Kids::Open(smap) => {
            if smap.is_empty() {
                return;
            }
            let Node { kids, weak, .. } = dst;
            match kids {
                Kids::Open(dmap) => {
                    for (k, c) in smap {
                        match dmap.entry(k) {
                            Entry::Occupied(o) => absorb(o.into_mut(), c, cfg),
                            Entry::Vacant(v) => {
                                if is_weak_token(v.key().as_str()) {
                                    *weak += 1;
                                }
                                v.insert(c);
                            }
                        }
                    }
                    if dmap.len() > cfg.open_children {
                        saturate(dst, cfg);
                    }
                }
                Kids::Sat(s) => {
                    for (k, c) in smap {
                        s.note(k.as_str(), c.hits);
                        absorb(&mut s.merged, c, cfg);
                    }
                }
            }
        }
        Kids::Sat(ssat) => {
            if matches!(dst.kids, Kids::Open(_)) {
                saturate(dst, cfg);
            }
            let Kids::Sat(d) = &mut dst.kids else {
                unreachable!("saturated above")
            };
            let ssat = *ssat;
            d.cms.merge(&ssat.cms);
            for (a, b) in d.kind_hits.iter_mut().zip(ssat.kind_hits) {
                *a += b;
            }
            absorb(&mut d.merged, ssat.merged, cfg);
        }
    }
}

pub(crate) fn method_bit(method: &str) -> u16 {
    let m = method.as_bytes();
    let is = |s: &[u8]| m.eq_ignore_ascii_case(s);
    if is(b"GET") {
        1
    } else if is(b"POST") {
        2
    } else if is(b"PUT") {
        4
    } else if is(b"PATCH") {
        8
    } else if is(b"DELETE") {
        16
    } else if is(b"HEAD") {
        32
    } else if is(b"OPTIONS") {
        64
    } else {
        128
    }
}

/// The path part of what a log calls the path: an absolute URL loses scheme and host (the
/// host is the scope's business, never templated), query and fragment are dropped.
pub(crate) fn path_only(path: &str) -> &str {
    let mut p = path;
    let b = p.as_bytes();
    if b.len() > 8 && b[0] != b'/' {
        if let Some(i) = p.find("://") {
            let rest = &p[i + 3..];
            p = rest.find('/').map_or("", |j| &rest[j..]);
        }
    }
    match memchr::memchr2(b'?', b'#', p.as_bytes()) {
        Some(i) => &p[..i],
        None => p,
    }
}

/// The non-empty segments of a path. A plain byte loop: paths are short, and `str::split`
/// sets up a general searcher for every segment.
fn segments(path: &str) -> impl Iterator<Item = &str> {
    let b = path.as_bytes();
    let mut i = 0;
    std::iter::from_fn(move || {
        while i < b.len() {
            let start = i;
            while i < b.len() && b[i] != b'/' {
                i += 1;
            }
            let end = i;
            i += 1;
            if end > start {
                return Some(&path[start..end]);
            }
        }
        None
    })
}

/// Trees for scopes beyond `max_scopes` share this one.
pub(crate) const OVERFLOW_SCOPE: &str = "\u{0}overflow";

/// Learns path templates from a stream of requests. One per worker thread; merge at the end.
///
/// Memory: at most `max_bytes` (estimated) for the trees, enforced after every call, plus
/// `max_scopes` scope names. Per node: at most `open_children` exact children, or one
/// 3 KiB count-min sketch and one merged subtree. Depth is capped at `max_depth`.
pub struct Learner {
    cfg: Config,
    roots: HashMap<Box<str>, Node>,
    bytes: usize,
    observed: u64,
}

impl Default for Learner {
    fn default() -> Learner {
        Learner::new(Config::default())
    }
}

impl Learner {
    pub fn new(config: Config) -> Learner {
        Learner {
            cfg: config,
            roots: HashMap::new(),
            bytes: 0,
            observed: 0,
        }
    }

    pub fn config(&self) -> &Config {
        &self.cfg
    }

    /// Per request: learns from `path` and returns its normalized key, with typed segments
    /// replaced (`/users/{id}/x`) and values at positions already known to be parameters
    /// collapsed. The key is a hint for grouping; [`Templater::template`] maps it to the final
    /// template.
    pub fn observe(&mut self, scope: &str, method: &str, path: &str) -> String {
        let mut out = String::with_capacity(path.len());
        self.observe_into(scope, method, path, &mut out);
        out
    }

    /// [`Learner::observe`] writing into a caller's buffer (cleared first), so a hot loop
    /// allocates nothing once the tree has seen a path's values.
    pub fn observe_into(&mut self, scope: &str, method: &str, path: &str, out: &mut String) {
        out.clear();
        self.observed += 1;
        let path = path_only(path);
        let cfg = &self.cfg;
        if !self.roots.contains_key(scope) {
            let key = if self.roots.len() >= cfg.max_scopes {
                OVERFLOW_SCOPE
            } else {
                scope
            };
            if !self.roots.contains_key(key) {
                self.bytes += ENTRY_BYTES + key.len();
                self.roots.insert(key.into(), Node::new());
            }
        }
        let root = match self.roots.get_mut(scope) {
            Some(r) => r,
            None => self.roots.get_mut(OVERFLOW_SCOPE).expect("inserted above"),
        };
        let bytes = &mut self.bytes;
        let mut node: &mut Node = root;
        node.hits += 1;
        let mut prev_literal: &str = "";
        let mut depth = 0;
        for seg in segments(path) {
            out.push('/');
            if depth >= cfg.max_depth {
                let kind = segment_kind(seg);
                out.push_str(kind.placeholder().unwrap_or(seg));
                continue;
            }
            depth += 1;
            // A segment already among an open node's children as itself has the kind it had
            // when first seen: most segments are such words, and classifying costs more than
            // the lookup.
            let known = match &node.kids {
                Kids::Open(map) if !is_placeholder(seg) => map.get(seg).map(|c| c.kind),
                _ => None,
            };
            let kind = known.unwrap_or_else(|| segment_kind(seg));
            let weak = is_weak(kind, seg);
            let token: &str = match kind.placeholder() {
                Some(p) if !weak => p,
                _ => seg,
            };
            let literal = kind.placeholder().is_none() && kind != SegmentKind::Placeholder;
            if let Kids::Open(map) = &node.kids {
                if map.len() >= cfg.open_children && !map.contains_key(token) {
                    let before = subtree_bytes(node);
                    saturate(node, cfg);
                    *bytes = (*bytes + subtree_bytes(node)).saturating_sub(before);
                }
            }
            let Node {
                kids,
                weak: weak_kids,
                ..
            } = node;
            node = match kids {
                Kids::Open(map) => {
                    let child = match map.entry_ref(token) {
                        EntryRef::Occupied(o) => o.into_mut(),
                        EntryRef::Vacant(v) => {
                            *bytes += ENTRY_BYTES + token.len();
                            if weak {
                                *weak_kids += 1;
                            }
                            v.insert_with_key(token.into(), Node::keyed(kind))
                        }
                    };
                    if weak && *weak_kids >= 2 {
                        out.push_str(kind.placeholder().unwrap_or(seg));
                    } else {
                        out.push_str(token);
                        if literal {
                            prev_literal = seg;
                        }
                    }
                    child
                }
                Kids::Sat(s) => {
                    let traffic = s.kind_hits.iter().sum::<u64>();
                    s.note(token, 1);
                    if !literal || weak {
                        out.push_str(kind.placeholder().unwrap_or(seg));
                    } else if kind == SegmentKind::Version || {
                        let thr = (cfg.const_share * traffic as f64).max(cfg.const_min as f64);
                        s.cms.estimate(token.as_bytes()) as f64 >= thr
                    } {
                        out.push_str(seg);
                        prev_literal = seg;
                    } else {
                        out.push('{');
                        write_param_name(prev_literal, out);
                        out.push('}');
                    }
                    &mut s.merged
                }
            };
            node.hits += 1;
        }
        node.ends += 1;
        node.methods |= method_bit(method);
        if out.is_empty() {
            out.push('/');
        }
        if self.bytes > self.cfg.max_bytes {
            self.enforce_budget();
        }
    }

    /// Adds another learner's evidence. Any merge order gives the same final templates.
    pub fn merge(&mut self, other: Learner) {
        self.observed += other.observed;
        for (scope, root) in other.roots {
            let key: Box<str> =
                if self.roots.contains_key(&scope) || self.roots.len() < self.cfg.max_scopes {
                    scope
                } else {
                    OVERFLOW_SCOPE.into()
                };
            match self.roots.entry(key) {
                Entry::Occupied(o) => absorb(o.into_mut(), root, &self.cfg),
                Entry::Vacant(v) => {
                    v.insert(root);
                }
            }
        }
        self.bytes = self.recount_bytes();
        if self.bytes > self.cfg.max_bytes {
            self.enforce_budget();
        }
    }

    /// Decides every position once, from all the evidence.
    pub fn finish(&self) -> Templater {
        Templater::build(&self.roots, &self.cfg)
    }

    /// Estimated heap bytes held by the trees (kept up to date on every call).
    pub fn memory_estimate(&self) -> usize {
        self.bytes
    }

    /// Number of tree nodes (scope roots included).
    pub fn node_count(&self) -> usize {
        self.roots.values().map(count_nodes).sum()
    }

    /// Requests observed, merged learners included.
    pub fn observed(&self) -> u64 {
        self.observed
    }

    pub(crate) fn roots(&self) -> &HashMap<Box<str>, Node> {
        &self.roots
    }

    /// A learner holding decoded trees (see `persist`); the budget is re-checked.
    pub(crate) fn from_parts(
        cfg: Config,
        roots: HashMap<Box<str>, Node>,
        observed: u64,
    ) -> Learner {
        let mut l = Learner {
            cfg,
            roots,
            bytes: 0,
            observed,
        };
        l.bytes = l.recount_bytes();
        if l.bytes > l.cfg.max_bytes {
            l.enforce_budget();
        }
        l
    }

    fn recount_bytes(&self) -> usize {
        self.roots
            .iter()
            .map(|(k, r)| ENTRY_BYTES + k.len() + subtree_bytes(r))
            .sum()
    }

    /// Saturates the open nodes with the most children (ties: shallower first, they free
    /// more) until the trees are back under three quarters of the budget.
    fn enforce_budget(&mut self) {
        let low = self.cfg.max_bytes / 4 * 3;
        for _round in 0..8 {
            let mut cands: Vec<Candidate> = Vec::new();
            for (scope, root) in &self.roots {
                let mut path = Vec::new();
                collect_open(root, scope, &mut path, &mut cands);
            }
            if cands.is_empty() {
                return;
            }
            cands.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)).then(a.3.cmp(&b.3)));
            for (_, _, scope, path) in cands {
                let Some(root) = self.roots.get_mut(&scope) else {
                    continue;
                };
                let Some(node) = find_open(root, &path) else {
                    continue;
                };
                let before = subtree_bytes(node);
                saturate(node, &self.cfg);
                let after = subtree_bytes(node);
                self.bytes = (self.bytes + after).saturating_sub(before);
                if self.bytes <= low {
                    return;
                }
            }
        }
    }
}

/// An open node to saturate under budget pressure: (children, depth, scope, key path).
type Candidate = (usize, usize, Box<str>, Vec<Box<str>>);

fn find_open<'a>(mut node: &'a mut Node, path: &[Box<str>]) -> Option<&'a mut Node> {
    for k in path {
        node = match &mut node.kids {
            Kids::Open(m) => m.get_mut(&**k)?,
            Kids::Sat(_) => return None,
        };
    }
    matches!(node.kids, Kids::Open(_)).then_some(node)
}

fn collect_open(node: &Node, scope: &str, path: &mut Vec<Box<str>>, out: &mut Vec<Candidate>) {
    match &node.kids {
        Kids::Open(m) => {
            if m.len() >= 2 {
                out.push((m.len(), path.len(), scope.into(), path.clone()));
            }
            for (k, c) in m {
                path.push(k.as_str().into());
                collect_open(c, scope, path, out);
                path.pop();
            }
        }
        Kids::Sat(_) => {
            // Below a saturated node the paths are no longer addressable by key; budget
            // pressure there is relieved by saturating elsewhere first.
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_inline_or_not_are_found_by_their_text() {
        let long = "a".repeat(INLINE + 1);
        let texts = ["", "v1", "ü", &"b".repeat(INLINE), &long];
        let mut m: HashMap<Key, usize> = HashMap::new();
        for (i, t) in texts.iter().enumerate() {
            m.insert(Key::from(*t), i);
        }
        for (i, t) in texts.iter().enumerate() {
            assert_eq!(m.get(*t), Some(&i), "{t}");
            assert_eq!(Key::from(*t).as_str(), *t);
        }
        assert!(matches!(Key::from(long.as_str()), Key::Heap(_)));
        assert_eq!(m.get("v2"), None);
    }

    #[test]
    fn segments_are_the_non_empty_parts() {
        for p in ["", "/", "//a//b/", "/api/v1/users/12", "a/b", "/ü/é/"] {
            let want: Vec<&str> = p.split('/').filter(|s| !s.is_empty()).collect();
            assert_eq!(segments(p).collect::<Vec<_>>(), want, "{p}");
        }
    }

    #[test]
    fn path_only_strips_host_query_fragment() {
        assert_eq!(path_only("/a/b?x=1"), "/a/b");
        assert_eq!(path_only("https://api.example.com/a/b#f"), "/a/b");
        assert_eq!(path_only("https://api.example.com"), "");
        assert_eq!(path_only("/a/b"), "/a/b");
    }

    #[test]
    fn memory_estimate_tracks_recount() {
        let mut l = Learner::new(Config {
            open_children: 8,
            ..Config::default()
        });
        for i in 0..500 {
            l.observe(
                "s",
                "GET",
                &format!("/users/u{}x/repos/r{}", i % 37, i % 11),
            );
        }
        assert_eq!(l.memory_estimate(), l.recount_bytes());
    }
}

//! The decision side: turns a learned tree into an immutable map from paths to templates.
//!
//! Decisions are made top-down. At each position the children of every node that the
//! template prefix stands for are pooled (all `/repos/<owner>` nodes once `<owner>` is a
//! parameter), so deeper positions see the evidence of all their instances.

use hashbrown::HashMap;

use crate::learner::{Config, Kids, Node, OVERFLOW_SCOPE, Sat, path_only};
use crate::segment::{SegmentKind, is_placeholder, is_weak, segment_kind};
use crate::sketch::{CountMin, hash64};

/// Maps concrete or partly typed paths to their final templates. Immutable, `Send + Sync`.
pub struct Templater {
    scopes: HashMap<Box<str>, DNode>,
}

#[derive(Default)]
struct DNode {
    /// Children kept as constants, with their own decided subtrees.
    consts: HashMap<Box<str>, DNode>,
    /// The parameter at this position, if any.
    param: Option<Box<ParamChild>>,
    /// At saturated positions: recurring values are constants too (their subtree is the
    /// parameter's, as a saturated node no longer keeps them apart).
    heavy: Option<Box<Heavy>>,
    /// Some request ended exactly here.
    endpoint: bool,
}

struct ParamChild {
    name: Box<str>,
    node: DNode,
}

struct Heavy {
    cms: CountMin,
    threshold: u64,
}

impl Heavy {
    fn is_heavy(&self, seg: &str) -> bool {
        self.cms.estimate(seg.as_bytes()) >= self.threshold
    }
}

/// Writes a readable parameter name derived from the literal segment before the parameter:
/// `users` → `user`, `categories` → `category`; `name` when there is no usable word.
pub(crate) fn write_param_name(parent: &str, out: &mut String) {
    let start = out.len();
    let w = parent.as_bytes();
    let usable = w.first().is_some_and(u8::is_ascii_alphabetic)
        && w.iter()
            .all(|c| c.is_ascii_alphanumeric() || *c == b'_' || *c == b'-')
        && segment_kind(parent) == SegmentKind::Literal;
    if !usable {
        out.push_str("name");
        return;
    }
    let lower_ends = |suffix: &str| {
        w.len() > suffix.len() + 1
            && w[w.len() - suffix.len()..].eq_ignore_ascii_case(suffix.as_bytes())
    };
    let (stem, extra) = if lower_ends("ies") {
        (&parent[..parent.len() - 3], "y")
    } else if lower_ends("sses") || lower_ends("ches") || lower_ends("shes") || lower_ends("xes") {
        (&parent[..parent.len() - 2], "")
    } else if lower_ends("s") && !lower_ends("ss") && !lower_ends("us") && !lower_ends("is") {
        (&parent[..parent.len() - 1], "")
    } else {
        (parent, "")
    };
    let mut prev_lower = false;
    for c in stem.chars() {
        if c == '-' {
            out.push('_');
            prev_lower = false;
        } else if c.is_ascii_uppercase() {
            if prev_lower {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
            prev_lower = false;
        } else {
            out.push(c);
            prev_lower = c.is_ascii_lowercase();
        }
    }
    out.push_str(extra);
    if out.len() == start {
        out.push_str("name");
    }
}

/// What is known about the segment above a position, for naming its parameter.
#[derive(Clone, Copy)]
enum Label<'a> {
    Root,
    Literal(&'a str),
    Param,
}

struct Decider<'c> {
    cfg: &'c Config,
}

/// One literal child value at a position, pooled over the group's nodes.
struct Word<'a> {
    key: &'a str,
    count: u64,
    nodes: Vec<&'a Node>,
}

impl Decider<'_> {
    /// Decides the position below `group` (all nodes one template prefix stands for), to
    /// `limit` more levels.
    fn decide(
        &self,
        group: &[&Node],
        label: Label<'_>,
        used: &mut Vec<String>,
        limit: usize,
    ) -> DNode {
        let cfg = self.cfg;
        let endpoint = group.iter().any(|n| n.ends > 0);
        if limit == 0 {
            return DNode {
                endpoint,
                ..DNode::default()
            };
        }
        let mut union: HashMap<&str, (u64, Vec<&Node>)> = HashMap::new();
        let mut sats: Vec<&Sat> = Vec::new();
        let mut total: u64 = 0;
        for n in group {
            total += n.hits.saturating_sub(n.ends);
            match &n.kids {
                Kids::Open(m) => {
                    for (k, c) in m {
                        let e = union.entry(k.as_str()).or_insert_with(|| (0, Vec::new()));
                        e.0 += c.hits;
                        e.1.push(c);
                    }
                }
                Kids::Sat(s) => sats.push(s),
            }
        }
        if union.is_empty() && sats.is_empty() {
            return DNode {
                endpoint,
                ..DNode::default()
            };
        }

        let mut param_nodes: Vec<&Node> = Vec::new();
        let mut const_keys: Vec<(&str, Vec<&Node>)> = Vec::new();
        // Traffic per parameter-name candidate, to name the parameter after what dominates it.
        let mut named_hits: Vec<(std::borrow::Cow<'_, str>, u64)> = Vec::new();
        let mut word_param_hits: u64 = 0;

        let mut words: Vec<Word<'_>> = Vec::new();
        let mut weak: Vec<(&str, u64, Vec<&Node>, SegmentKind)> = Vec::new();
        let mut strong_present = false;
        let mut entries: Vec<_> = union.into_iter().collect();
        // Deterministic order whatever the map's seed.
        entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
        for (k, (c, nodes)) in entries {
            if is_placeholder(k) {
                strong_present = true;
                param_nodes.extend(nodes);
                bump(&mut named_hits, &k[1..k.len() - 1], c);
                continue;
            }
            let kind = segment_kind(k);
            if kind == SegmentKind::Version {
                const_keys.push((k, nodes));
            } else if is_weak(kind, k) {
                weak.push((k, c, nodes, kind));
            } else {
                words.push(Word {
                    key: k,
                    count: c,
                    nodes,
                });
            }
        }

        let mut heavy = None;
        if !sats.is_empty() {
            // Saturated: a parameter position by sheer number of distinct values. Only values
            // that carry a real share of the traffic stay constants.
            let mut cms = CountMin::new();
            for s in &sats {
                cms.merge(&s.cms);
                param_nodes.push(&s.merged);
                for (i, &h) in s.kind_hits.iter().enumerate() {
                    let kind = SegmentKind::from_index(i);
                    if kind == SegmentKind::Literal {
                        word_param_hits += h;
                    } else if kind.placeholder().is_some() {
                        bump(&mut named_hits, kind.param_name(), h);
                    }
                }
            }
            for w in &words {
                cms.add(w.key.as_bytes(), w.count);
            }
            let threshold = ((cfg.const_share * total as f64).ceil() as u64).max(cfg.const_min);
            for w in words {
                if cms.estimate(w.key.as_bytes()) >= threshold {
                    const_keys.push((w.key, w.nodes));
                } else {
                    word_param_hits += w.count;
                    param_nodes.extend(w.nodes);
                }
            }
            for (_, c, nodes, kind) in weak {
                bump(&mut named_hits, kind.param_name(), c);
                param_nodes.extend(nodes);
            }
            heavy = Some(Box::new(Heavy { cms, threshold }));
        } else {
            // REST collections: a word whose onward traffic mostly goes to typed ids
            // (`/orders/{id}`, `/customers/cus_…`) names a collection and stays literal however
            // little traffic it has. A name parameter is rarely followed directly by an id.
            let collection: Vec<bool> = words.iter().map(collection_like).collect();
            let rare = words
                .iter()
                .zip(&collection)
                .filter(|(w, c)| !**c && w.count <= cfg.rare_max)
                .count() as f64;
            let needed =
                (cfg.param_sqrt_factor * (total as f64).sqrt()).max(cfg.param_min_rare as f64);
            let cardinality_param = rare >= needed;
            // Siblings whose subtrees repeat one another are instances of one parameter even
            // when each recurs: a small pool of users, a heavy user, or an enumerated path
            // parameter (`/packages/{npm|maven|...}/{name}/versions`).
            let shared = self.shared_subtrees(&words, limit);
            if cardinality_param || shared.is_some() {
                let mut counts: Vec<u64> = words.iter().map(|w| w.count).collect();
                counts.sort_unstable();
                let typical = counts[counts.len() / 2] as f64;
                let threshold = (cfg.const_share_open * total as f64)
                    .max(cfg.const_typical_factor * typical)
                    .max(cfg.const_min as f64);
                for (i, w) in words.into_iter().enumerate() {
                    let instance = shared.as_ref().is_some_and(|s| s[i]);
                    if !collection[i] && (instance || (w.count as f64) < threshold) {
                        word_param_hits += w.count;
                        param_nodes.extend(w.nodes);
                    } else {
                        const_keys.push((w.key, w.nodes));
                    }
                }
            } else {
                // Beside an established typed parameter, values seen once or twice are ids of
                // another shape (`doma_IDIrckpMitprjbwdv` beside `doma_2baw...8i`); a constant
                // sibling recurs.
                let strong_hits: u64 = named_hits.iter().map(|e| e.1).sum();
                let absorb_rare = strong_hits >= (cfg.param_min_rare).max(rare as u64);
                for (i, w) in words.into_iter().enumerate() {
                    if absorb_rare && !collection[i] && w.count <= cfg.rare_max {
                        word_param_hits += w.count;
                        param_nodes.extend(w.nodes);
                    } else {
                        const_keys.push((w.key, w.nodes));
                    }
                }
            }
            let lone_fixed = weak.len() == 1
                && !strong_present
                && !cardinality_param
                && weak[0].1 >= cfg.fixed_min;
            for (k, c, nodes, kind) in weak {
                if lone_fixed {
                    const_keys.push((k, nodes));
                } else {
                    bump(&mut named_hits, kind.param_name(), c);
                    param_nodes.extend(nodes);
                }
            }
        }

        let mut out = DNode {
            heavy,
            endpoint,
            ..DNode::default()
        };
        if !param_nodes.is_empty() {
            named_hits.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            let typed = named_hits.iter().map(|e| e.1).sum::<u64>();
            let mut base = String::new();
            if typed >= word_param_hits && !named_hits.is_empty() {
                base.push_str(&named_hits[0].0);
            } else {
                match label {
                    Label::Literal(w) => write_param_name(w, &mut base),
                    Label::Root | Label::Param => base.push_str("name"),
                }
            }
            let name = unique_name(base, used);
            used.push(name.clone());
            let node = self.decide(&param_nodes, Label::Param, used, limit - 1);
            used.pop();
            out.param = Some(Box::new(ParamChild {
                name: name.into(),
                node,
            }));
        }
        for (k, nodes) in const_keys {
            let child = self.decide(&nodes, Label::Literal(k), used, limit - 1);
            out.consts.insert(k.into(), child);
        }
        out
    }

    /// `Some(instance flags)` when the siblings' decided subtrees repeat one another: the
    /// relative templates below them (with at least one literal segment, to `SIG_DEPTH`
    /// levels) occur under `SHARED_RATIO` siblings on average. A sibling is an instance when
    /// at least `SHARED_OVERLAP` of its templates occur under another sibling too.
    fn shared_subtrees(&self, words: &[Word<'_>], limit: usize) -> Option<Vec<bool>> {
        let depth = SIG_DEPTH.min(limit.saturating_sub(1));
        if words.len() < 3 || depth == 0 {
            return None;
        }
        let mut scratch = Vec::new();
        let sigs: Vec<Vec<u64>> = words
            .iter()
            .map(|w| {
                let d = self.decide(&w.nodes, Label::Param, &mut scratch, depth);
                let mut sig = Vec::new();
                let mut path = String::new();
                signature(&d, &mut path, false, &mut sig);
                sig.sort_unstable();
                sig.dedup();
                sig
            })
            .collect();
        let mut df: HashMap<u64, u32> = HashMap::new();
        let mut total = 0usize;
        let mut with_sig = 0usize;
        for sig in &sigs {
            total += sig.len();
            with_sig += usize::from(!sig.is_empty());
            for &h in sig {
                *df.entry(h).or_insert(0) += 1;
            }
        }
        if with_sig < 3 || df.is_empty() || (total as f64) < SHARED_RATIO * df.len() as f64 {
            return None;
        }
        Some(
            sigs.iter()
                .map(|sig| {
                    let common = sig.iter().filter(|h| df[*h] >= 2).count();
                    !sig.is_empty() && common as f64 >= SHARED_OVERLAP * sig.len() as f64
                })
                .collect(),
        )
    }
}

fn bump<'a>(v: &mut Vec<(std::borrow::Cow<'a, str>, u64)>, name: &'a str, n: u64) {
    match v.iter_mut().find(|(k, _)| k == name) {
        Some(e) => e.1 += n,
        None => v.push((std::borrow::Cow::Borrowed(name), n)),
    }
}

/// Relative depth to which sibling subtrees are compared.
const SIG_DEPTH: usize = 3;

/// Hashes of the relative templates in a decided subtree that contain a literal segment.
fn signature(node: &DNode, path: &mut String, has_literal: bool, out: &mut Vec<u64>) {
    let len = path.len();
    for (k, c) in &node.consts {
        path.push('/');
        path.push_str(k);
        out.push(hash64(path.as_bytes()));
        signature(c, path, true, out);
        path.truncate(len);
    }
    if let Some(p) = &node.param {
        path.push_str("/{}");
        if has_literal {
            out.push(hash64(path.as_bytes()));
        }
        signature(&p.node, path, has_literal, out);
        path.truncate(len);
    }
}

/// Average number of siblings a relative template occurs under, from which siblings are
/// taken for instances of one parameter. Constant siblings in real API descriptions share
/// little (`/search` under a few Stripe resources, `/comments` under `issues` and `pulls`):
/// at most 2.0 over GitHub, Stripe, OpenAI, Asana and crAPI, typically 1.1-1.5; instances
/// of one parameter share nearly everything.
const SHARED_RATIO: f64 = 2.5;
/// Whether most requests that continue below this word go to a typed id (a placeholder the
/// learner wrote on sight: `{id}`, `{uuid}`, …). A collection name also recurs: a value seen
/// once is no evidence either way (`/{dataset}/{version}` fills both with fresh values).
fn collection_like(w: &Word<'_>) -> bool {
    if w.count < 2 {
        return false;
    }
    let (mut onward, mut typed) = (0u64, 0u64);
    for n in &w.nodes {
        onward += n.hits.saturating_sub(n.ends);
        if let Kids::Open(m) = &n.kids {
            typed += m
                .iter()
                .filter(|(k, _)| is_placeholder(k.as_str()))
                .map(|(_, c)| c.hits)
                .sum::<u64>();
        }
    }
    onward > 0 && typed * 2 >= onward
}

/// A sibling is an instance when at least this share of its templates is shared.
const SHARED_OVERLAP: f64 = 0.5;

fn unique_name(base: String, used: &[String]) -> String {
    if !used.contains(&base) {
        return base;
    }
    (2..)
        .map(|i| format!("{base}{i}"))
        .find(|n| !used.contains(n))
        .expect("unbounded")
}

impl Templater {
    pub(crate) fn build(roots: &HashMap<Box<str>, Node>, cfg: &Config) -> Templater {
        let d = Decider { cfg };
        let scopes = roots
            .iter()
            .map(|(scope, root)| {
                let mut used = Vec::new();
                (
                    scope.clone(),
                    d.decide(&[root], Label::Root, &mut used, usize::MAX),
                )
            })
            .collect();
        Templater { scopes }
    }

    /// Maps a (possibly already partly typed) path to its final template.
    pub fn template(&self, scope: &str, path: &str) -> String {
        let mut out = String::with_capacity(path.len() + 8);
        self.template_into(scope, path, &mut out);
        out
    }

    /// [`Templater::template`] into a caller's buffer (cleared first).
    pub fn template_into(&self, scope: &str, path: &str, out: &mut String) {
        out.clear();
        let path = path_only(path);
        let mut node = self
            .scopes
            .get(scope)
            .or_else(|| self.scopes.get(OVERFLOW_SCOPE));
        for seg in path.split('/') {
            if seg.is_empty() {
                continue;
            }
            out.push('/');
            let kind = segment_kind(seg);
            let typed = kind.placeholder().filter(|_| !is_weak(kind, seg));
            let Some(n) = node else {
                out.push_str(if kind == SegmentKind::Placeholder {
                    seg
                } else {
                    typed.unwrap_or(seg)
                });
                continue;
            };
            if kind == SegmentKind::Placeholder || typed.is_some() {
                match &n.param {
                    Some(p) => {
                        push_param(&p.name, out);
                        node = Some(&p.node);
                    }
                    None => {
                        out.push_str(typed.unwrap_or(seg));
                        node = n.consts.get(seg);
                    }
                }
                continue;
            }
            if let Some(c) = n.consts.get(seg) {
                out.push_str(seg);
                node = Some(c);
                continue;
            }
            let keep =
                kind == SegmentKind::Version || n.heavy.as_ref().is_some_and(|h| h.is_heavy(seg));
            match &n.param {
                Some(p) if !keep => {
                    push_param(&p.name, out);
                    node = Some(&p.node);
                }
                Some(p) => {
                    out.push_str(seg);
                    node = Some(&p.node);
                }
                None => {
                    out.push_str(seg);
                    node = None;
                }
            }
        }
        if out.is_empty() {
            out.push('/');
        }
    }

    /// Every template the learner saw, per scope, with placeholders named. Useful for an
    /// inventory; the order is deterministic.
    pub fn templates(&self, scope: &str) -> Vec<String> {
        let mut acc = Vec::new();
        if let Some(root) = self.scopes.get(scope) {
            let mut prefix = String::new();
            collect(root, &mut prefix, &mut acc);
        }
        acc.sort();
        acc
    }

    /// Scopes with a learned tree.
    pub fn scopes(&self) -> impl Iterator<Item = &str> {
        self.scopes
            .keys()
            .map(|k| &**k)
            .filter(|k| *k != OVERFLOW_SCOPE)
    }
}

fn collect(node: &DNode, prefix: &mut String, acc: &mut Vec<String>) {
    if node.endpoint || (node.consts.is_empty() && node.param.is_none()) {
        acc.push(if prefix.is_empty() {
            "/".into()
        } else {
            prefix.clone()
        });
    }
    let len = prefix.len();
    for (k, c) in &node.consts {
        prefix.push('/');
        prefix.push_str(k);
        collect(c, prefix, acc);
        prefix.truncate(len);
    }
    if let Some(p) = &node.param {
        prefix.push('/');
        push_param(&p.name, prefix);
        collect(&p.node, prefix, acc);
        prefix.truncate(len);
    }
}

fn push_param(name: &str, out: &mut String) {
    out.push('{');
    out.push_str(name);
    out.push('}');
}

//! Requests to operations: host, then base path, then a segment trie.
//!
//! Every (host, base path) pair of every loaded spec gets one route set with its own trie, so
//! a lookup touches only the sets whose host fits and walks one trie node per segment; there
//! is no scan over operations and no regex. Specs that share a server share a trie, the first
//! loaded winning when two document the same method and template.

use crate::Spec;
use crate::path::{
    Glob, TSeg, parse_segment, path_only, percent_decode, raw_segments, template_segments,
};
use crate::server::split_host_port;
use hashbrown::HashMap;
use std::borrow::Cow;

/// The operation a request was matched to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Match {
    /// Index into the specs given to [`Matcher::new`].
    pub spec: usize,
    /// Index into that spec's `operations`.
    pub operation: usize,
    /// The server's base path followed by the template, as seen on the wire:
    /// `/v1/chat/completions`.
    pub wire_template: String,
}

/// Finds the operation of a request among loaded specs. Built once, shared across threads.
///
/// ```
/// let spec = apispm_spec::load(
///     "openapi: 3.1.0\ninfo: {title: t, version: '1'}\n\
///      servers: [{url: 'https://api.example.com/v1'}]\n\
///      paths:\n  /users/me: {get: {}}\n  /users/{id}: {get: {}, delete: {}}\n",
///     "users.yaml",
/// )
/// .unwrap();
/// let specs = vec![spec];
/// let m = apispm_spec::Matcher::new(&specs);
/// let hit = m.find(Some("API.example.com:443"), "get", "/v1/users/42/").unwrap();
/// assert_eq!(hit.wire_template, "/v1/users/{id}");
/// assert_eq!(specs[hit.spec].operations[hit.operation].template, "/users/{id}");
/// assert!(m.find(Some("api.example.com"), "PATCH", "/v1/users/42").is_none());
/// ```
#[derive(Debug, Default)]
pub struct Matcher {
    nodes: Vec<Node>,
    sets: Vec<RouteSet>,
    /// Host name without port → route sets with that exact host.
    exact: HashMap<Box<str>, Vec<u32>>,
    /// Route sets whose host keeps a `{var}`.
    patterned: Vec<u32>,
    /// Route sets of relative servers: any host.
    any_host: Vec<u32>,
    /// Every route set, for requests whose host is unknown.
    all: Vec<u32>,
    ops: Vec<(usize, usize, String)>,
    ignore_hosts: bool,
}

#[derive(Debug)]
struct RouteSet {
    host: HostRule,
    base: Vec<String>,
    root: u32,
}

#[derive(Debug)]
enum HostRule {
    Any,
    Exact {
        port: Option<Box<str>>,
    },
    Pattern {
        labels: Vec<Label>,
        port: Option<Box<str>>,
    },
}

/// One DNS label of a host pattern.
#[derive(Debug)]
enum Label {
    Lit(String),
    Any,
    Glob(Glob),
}

#[derive(Debug, Default)]
struct Node {
    consts: HashMap<Box<str>, u32>,
    /// Segments mixing text and parameters, most literal text first.
    mixed: Vec<(Glob, u32)>,
    param: Option<u32>,
    greedy: Option<u32>,
    leaf: Vec<Leaf>,
}

#[derive(Debug)]
struct Leaf {
    method: Box<str>,
    spec: u32,
    op: u32,
    wire: Box<str>,
}

/// The template as it appears on the wire under a base path.
pub(crate) fn wire_template(base: &str, template: &str) -> String {
    let t = if template.starts_with('/') {
        Cow::Borrowed(template)
    } else {
        Cow::Owned(format!("/{template}"))
    };
    if base.is_empty() {
        t.into_owned()
    } else if t == "/" {
        base.to_string()
    } else {
        format!("{base}{t}")
    }
}

impl Matcher {
    /// Indexes every operation under each of its servers. Where two specs document the same
    /// method and template on the same server, the one earlier in `specs` answers.
    pub fn new(specs: &[Spec]) -> Matcher {
        let mut m = Matcher::default();
        let mut set_ids: HashMap<(Option<String>, String), u32> = HashMap::new();
        for (si, spec) in specs.iter().enumerate() {
            for (oi, op) in spec.operations.iter().enumerate() {
                let segs = template_segments(&op.template);
                let servers = spec.servers_of(op);
                let mut first_wire = None;
                for srv in servers {
                    let host = srv.host.as_deref().map(str::to_ascii_lowercase);
                    let key = (host, srv.base_path.clone());
                    let set = match set_ids.get(&key) {
                        Some(&id) => id,
                        None => {
                            let id = m.add_set(key.0.as_deref(), &srv.base_path);
                            set_ids.insert(key, id);
                            id
                        }
                    };
                    let wire = wire_template(&srv.base_path, &op.template);
                    first_wire.get_or_insert_with(|| wire.clone());
                    let root = m.sets[set as usize].root;
                    let node = m.insert(root, &segs);
                    let leaf = &mut m.nodes[node as usize].leaf;
                    if !leaf.iter().any(|l| l.method.as_ref() == op.method) {
                        leaf.push(Leaf {
                            method: op.method.clone().into(),
                            spec: si as u32,
                            op: oi as u32,
                            wire: wire.into(),
                        });
                    }
                }
                let wire = first_wire.unwrap_or_else(|| wire_template("", &op.template));
                m.ops.push((si, oi, wire));
            }
        }
        let by_base = |sets: &[RouteSet], ids: &mut Vec<u32>| {
            // Longest base path first; ties keep load order.
            ids.sort_by_key(|&i| std::cmp::Reverse(sets[i as usize].base.len()));
        };
        for ids in m.exact.values_mut() {
            by_base(&m.sets, ids);
        }
        by_base(&m.sets, &mut m.patterned);
        by_base(&m.sets, &mut m.any_host);
        m.all = (0..m.sets.len() as u32).collect();
        by_base(&m.sets, &mut m.all);
        for n in &mut m.nodes {
            n.mixed
                .sort_by_key(|(p, _)| std::cmp::Reverse(p.literal_len()));
        }
        m
    }

    /// Matches every request as if its host were unknown: for logs whose host is a gateway's
    /// internal name rather than the one in the spec's `servers`.
    pub fn ignoring_hosts(mut self) -> Matcher {
        self.ignore_hosts = true;
        self
    }

    fn add_set(&mut self, host: Option<&str>, base_path: &str) -> u32 {
        let id = self.sets.len() as u32;
        let root = self.new_node();
        let rule = match host {
            None => {
                self.any_host.push(id);
                HostRule::Any
            }
            Some(h) => {
                let (name, port) = split_host_port(h);
                let port = port.map(Into::into);
                if name.contains('{') {
                    self.patterned.push(id);
                    HostRule::Pattern {
                        labels: name
                            .split('.')
                            .map(|l| match parse_segment(l, false) {
                                TSeg::Lit(x) => Label::Lit(x),
                                TSeg::Param(_) | TSeg::Greedy(_) => Label::Any,
                                TSeg::Mixed(p) => Label::Glob(Glob::new(&p)),
                            })
                            .collect(),
                        port,
                    }
                } else {
                    self.exact.entry(name.into()).or_default().push(id);
                    HostRule::Exact { port }
                }
            }
        };
        self.sets.push(RouteSet {
            host: rule,
            base: raw_segments(base_path)
                .map(|s| percent_decode(s).into_owned())
                .collect(),
            root,
        });
        id
    }

    fn new_node(&mut self) -> u32 {
        self.nodes.push(Node::default());
        (self.nodes.len() - 1) as u32
    }

    fn insert(&mut self, mut node: u32, segs: &[TSeg]) -> u32 {
        for seg in segs {
            let existing = {
                let n = &self.nodes[node as usize];
                match seg {
                    TSeg::Lit(l) => n.consts.get(l.as_str()).copied(),
                    TSeg::Param(_) => n.param,
                    TSeg::Greedy(_) => n.greedy,
                    TSeg::Mixed(p) => {
                        let g = Glob::new(p);
                        n.mixed.iter().find(|(q, _)| *q == g).map(|(_, c)| *c)
                    }
                }
            };
            node = match existing {
                Some(c) => c,
                None => {
                    let c = self.new_node();
                    let n = &mut self.nodes[node as usize];
                    match seg {
                        TSeg::Lit(l) => {
                            n.consts.insert(l.as_str().into(), c);
                        }
                        TSeg::Param(_) => n.param = Some(c),
                        TSeg::Greedy(_) => n.greedy = Some(c),
                        TSeg::Mixed(p) => n.mixed.push((Glob::new(p), c)),
                    }
                    c
                }
            };
        }
        node
    }

    /// The operation a request is for, if a loaded spec documents it.
    ///
    /// `host` is the request's Host or authority (any case, port allowed); `None` when the log
    /// has none, in which case every spec is tried. `path` is the raw path, query optional.
    ///
    /// The most specific template that documents the method wins: with `GET /users/me` and
    /// `DELETE /users/{id}` documented, `DELETE /users/me` is the latter, since a router would
    /// send it there; a path whose templates all lack the method is not documented.
    pub fn find(&self, host: Option<&str>, method: &str, path: &str) -> Option<Match> {
        let segs: Vec<Cow<'_, str>> = raw_segments(path_only(path)).map(percent_decode).collect();
        let host = host
            .map(str::trim)
            .filter(|h| !h.is_empty() && !self.ignore_hosts);
        let Some(host) = host else {
            return self.try_sets(&self.all, &segs, method, None);
        };
        let host: Cow<'_, str> = if host.bytes().any(|b| b.is_ascii_uppercase()) {
            Cow::Owned(host.to_ascii_lowercase())
        } else {
            Cow::Borrowed(host)
        };
        let host = host.rsplit_once('@').map_or(host.as_ref(), |(_, h)| h);
        let (name, port) = split_host_port(host);
        let name = name.strip_suffix('.').unwrap_or(name);
        let req = Some((name, port));
        if let Some(ids) = self.exact.get(name) {
            if let Some(m) = self.try_sets(ids, &segs, method, req) {
                return Some(m);
            }
        }
        if let Some(m) = self.try_sets(&self.patterned, &segs, method, req) {
            return Some(m);
        }
        self.try_sets(&self.any_host, &segs, method, req)
    }

    fn try_sets(
        &self,
        ids: &[u32],
        segs: &[Cow<'_, str>],
        method: &str,
        host: Option<(&str, Option<&str>)>,
    ) -> Option<Match> {
        for &id in ids {
            let set = &self.sets[id as usize];
            if let Some(h) = host {
                if !host_fits(&set.host, h) {
                    continue;
                }
            }
            if segs.len() < set.base.len()
                || !set.base.iter().zip(segs).all(|(b, s)| b == s.as_ref())
            {
                continue;
            }
            if let Some(leaf) = self.walk(set.root, &segs[set.base.len()..], method) {
                return Some(Match {
                    spec: leaf.spec as usize,
                    operation: leaf.op as usize,
                    wire_template: leaf.wire.to_string(),
                });
            }
        }
        None
    }

    /// Depth first, constants before mixed segments before parameters before `{proxy+}`,
    /// so the first complete match is the most specific one.
    fn walk(&self, node: u32, segs: &[Cow<'_, str>], method: &str) -> Option<&Leaf> {
        let n = &self.nodes[node as usize];
        let Some((s, rest)) = segs.split_first() else {
            return leaf_for(&n.leaf, method);
        };
        if let Some(&c) = n.consts.get(s.as_ref()) {
            if let Some(l) = self.walk(c, rest, method) {
                return Some(l);
            }
        }
        if s.is_empty() {
            return None;
        }
        for (p, c) in &n.mixed {
            if p.matches(s) {
                if let Some(l) = self.walk(*c, rest, method) {
                    return Some(l);
                }
            }
        }
        if let Some(c) = n.param {
            if let Some(l) = self.walk(c, rest, method) {
                return Some(l);
            }
        }
        let g = n.greedy?;
        leaf_for(&self.nodes[g as usize].leaf, method)
    }

    /// Every operation with its wire template (under its first server), for listing the
    /// documented operations that saw no traffic.
    pub fn operations(&self) -> impl Iterator<Item = (usize, usize, String)> + '_ {
        self.ops.iter().cloned()
    }
}

fn leaf_for<'a>(leaf: &'a [Leaf], method: &str) -> Option<&'a Leaf> {
    leaf.iter()
        .find(|l| l.method.eq_ignore_ascii_case(method))
        .or_else(|| leaf.iter().find(|l| l.method.as_ref() == "ANY"))
}

/// Port-insensitive unless the server names a port.
fn host_fits(rule: &HostRule, (name, port): (&str, Option<&str>)) -> bool {
    let port_ok = |want: &Option<Box<str>>| want.as_deref().is_none_or(|w| port == Some(w));
    match rule {
        HostRule::Any => true,
        // The exact map already matched the name.
        HostRule::Exact { port: want } => port_ok(want),
        HostRule::Pattern { labels, port: want } => {
            port_ok(want) && {
                let mut got = name.split('.');
                labels.iter().all(|l| {
                    got.next().is_some_and(|g| match l {
                        Label::Lit(x) => x == g,
                        Label::Any => !g.is_empty(),
                        Label::Glob(p) => p.matches(g),
                    })
                }) && got.next().is_none()
            }
        }
    }
}

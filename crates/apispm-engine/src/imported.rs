//! Findings imported from other tools (DAST, SAST, secret scanners), placed on the
//! inventory's endpoints.
//!
//! A finding is mapped, in order:
//! 1. by its URL and method, through the same API-description [`Matcher`] as traffic, then
//!    against the inventory's own keys, which are the final templates (`/users/{id}`), with a
//!    small template matcher in which `{x}` stands for one segment;
//! 2. else by the OpenAPI location it names (a JSON pointer or a line in a loaded `--spec`
//!    file), or by the route it names (`GET /users/{id}`);
//! 3. else to its service (the URL's host, or the host a non-HTTP check judged), with
//!    `api_id` left empty: it is listed as unmapped.
//!
//! Without a method, the endpoint the path matches best is taken, `GET` first: scanners that
//! omit the method almost always issued a `GET`.
//!
//! Open imported findings then add `risk.imported_finding_weights[severity]` to their
//! endpoint's risk score (zero by default) and the endpoint's policies are judged again.

use crate::{Assessed, Engine, op_ref};
use apispm_core::risk::ControlInput;
use apispm_core::{EndpointKey, Finding, Inventory, Severity, api_id};
use serde::Serialize;
use std::collections::BTreeMap;

/// How a finding found its endpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum MappedBy {
    /// URL and method.
    Url,
    /// An operation of a loaded API description, by JSON pointer or line.
    SpecLocation,
    /// The route (method and path template) the finding names.
    Route,
    /// Only its service is known: unmapped.
    Service,
    /// Neither endpoint nor service.
    Unmapped,
}

impl MappedBy {
    pub fn is_mapped(self) -> bool {
        matches!(
            self,
            MappedBy::Url | MappedBy::SpecLocation | MappedBy::Route
        )
    }
}

/// Counts per way of mapping, for reports.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct MappingSummary {
    pub url: usize,
    pub spec_location: usize,
    pub route: usize,
    pub service_only: usize,
    pub unmapped: usize,
}

impl MappingSummary {
    pub fn of(mapped: &[MappedBy]) -> MappingSummary {
        let mut s = MappingSummary::default();
        for m in mapped {
            match m {
                MappedBy::Url => s.url += 1,
                MappedBy::SpecLocation => s.spec_location += 1,
                MappedBy::Route => s.route += 1,
                MappedBy::Service => s.service_only += 1,
                MappedBy::Unmapped => s.unmapped += 1,
            }
        }
        s
    }
}

/// One segment of an inventory template.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Seg {
    Lit(String),
    /// `{x}`: any one non-empty segment.
    Param,
    /// `pre{x}post` inside one segment.
    Mixed(String, String),
    /// `{proxy+}`: one or more segments, last only.
    Greedy,
}

fn segments(path: &str) -> impl Iterator<Item = &str> {
    let p = path.split(['?', '#']).next().unwrap_or("");
    let p = p.strip_prefix('/').unwrap_or(p);
    let p = p.strip_suffix('/').unwrap_or(p);
    let empty = p.is_empty();
    p.split('/').filter(move |_| !empty)
}

fn template(path: &str) -> Vec<Seg> {
    segments(path)
        .map(|s| {
            let Some(open) = s.find('{') else {
                return Seg::Lit(decode(s));
            };
            let close = s[open..].find('}').map(|c| open + c);
            match close {
                Some(c) if open == 0 && c == s.len() - 1 => {
                    if s.ends_with("+}") {
                        Seg::Greedy
                    } else {
                        Seg::Param
                    }
                }
                Some(c) => Seg::Mixed(s[..open].to_string(), s[c + 1..].to_string()),
                None => Seg::Lit(decode(s)),
            }
        })
        .collect()
}

fn decode(s: &str) -> String {
    if !s.contains('%') {
        return s.to_string();
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
    String::from_utf8_lossy(&out).into_owned()
}

/// How well a template matches a path, `None` when it does not. A higher score is more
/// specific (literal segments count most). A `{x}` in the path (a route, not a concrete URL)
/// matches only a parameter of the template, never a literal.
pub fn template_match(template_path: &str, path: &str) -> Option<u32> {
    let t = template(template_path);
    let p: Vec<Seg> = template(path);
    let mut score = 0u32;
    for (i, ts) in t.iter().enumerate() {
        if *ts == Seg::Greedy {
            return (p.len() > i).then_some(score);
        }
        let ps = p.get(i)?;
        score += match (ts, ps) {
            (Seg::Lit(a), Seg::Lit(b)) if a == b => 4,
            (Seg::Lit(_), _) => return None,
            (Seg::Mixed(pre, post), Seg::Lit(b))
                if b.len() > pre.len() + post.len() && b.starts_with(pre) && b.ends_with(post) =>
            {
                2
            }
            (Seg::Mixed(..), Seg::Mixed(..)) => 2,
            (Seg::Mixed(..), _) => return None,
            (Seg::Param, Seg::Lit(b)) if !b.is_empty() => 1,
            (Seg::Param, Seg::Param | Seg::Mixed(..)) => 1,
            _ => return None,
        };
    }
    (t.len() == p.len()).then_some(score)
}

/// A host as logs and reports name it: lower-case name, and the port when one was given.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Host {
    name: String,
    port: Option<u16>,
}

impl Host {
    /// `host[:port]`, user info dropped, IPv6 brackets removed, no trailing dot.
    fn parse(authority: &str) -> Host {
        let h = authority.trim();
        let h = h.rsplit_once('@').map_or(h, |(_, x)| x);
        let (name, port) = if let Some(v6) = h.strip_prefix('[') {
            let (n, rest) = v6.split_once(']').unwrap_or((v6, ""));
            (n, rest.strip_prefix(':'))
        } else {
            match h.rsplit_once(':') {
                Some((n, p)) if !n.contains(':') => (n, Some(p)),
                _ => (h, None),
            }
        };
        Host {
            name: name.trim_end_matches('.').to_ascii_lowercase(),
            port: port.and_then(|p| p.parse().ok()),
        }
    }

    /// Names must agree; ports only when both sides know theirs, since many logs leave the
    /// port out.
    fn fits(&self, other: &Host) -> bool {
        self.name == other.name
            && (self.port.is_none() || other.port.is_none() || self.port == other.port)
    }

    /// `name[:port]`, as a service is named when no traffic names it.
    fn label(&self) -> String {
        match self.port {
            Some(p) => format!("{}:{p}", self.name),
            None => self.name.clone(),
        }
    }
}

/// The host of an absolute URL (its port, explicit or the scheme's) and its path.
fn split_url(url: &str) -> Option<(Host, &str)> {
    let (scheme, rest) = url.split_once("://")?;
    let (authority, path) = match rest.find(['/', '?', '#']) {
        Some(i) if rest.as_bytes()[i] == b'/' => (&rest[..i], &rest[i..]),
        Some(i) => (&rest[..i], "/"),
        None => (rest, "/"),
    };
    let mut host = Host::parse(authority);
    if host.port.is_none() {
        host.port = match scheme.to_ascii_lowercase().as_str() {
            "https" => Some(443),
            "http" => Some(80),
            _ => None,
        };
    }
    Some((host, path))
}

/// The URL's authority without a default port, for naming an unknown service.
fn authority_label(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next()?;
    let mut h = Host::parse(authority);
    let default = match scheme.to_ascii_lowercase().as_str() {
        "https" => Some(443),
        "http" => Some(80),
        _ => None,
    };
    if h.port == default {
        h.port = None;
    }
    Some(h.label())
}

struct Entry {
    key: EndpointKey,
    /// The hosts traffic named, and the service name read as a host.
    hosts: Vec<Host>,
    operation: Option<u64>,
    requests: u64,
}

/// The inventory, as findings look it up.
struct Index {
    entries: Vec<Entry>,
}

const METHOD_ORDER: [&str; 7] = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];

fn method_rank(m: &str) -> usize {
    METHOD_ORDER
        .iter()
        .position(|x| *x == m)
        .unwrap_or(METHOD_ORDER.len())
}

impl Index {
    fn new(inventory: &Inventory) -> Index {
        let entries = inventory
            .entries()
            .into_iter()
            .map(|(key, t)| Entry {
                hosts: t
                    .hosts
                    .iter()
                    .map(|h| Host::parse(h))
                    .chain([Host::parse(&key.service)])
                    .collect(),
                operation: t.operation,
                requests: t.requests,
                key,
            })
            .collect();
        Index { entries }
    }

    fn host_fits(e: &Entry, host: &Host) -> bool {
        e.hosts.iter().any(|h| h.fits(host))
    }

    /// The service traffic to `host` was filed under.
    fn service_of(&self, host: &Host) -> Option<&str> {
        self.entries
            .iter()
            .find(|e| Self::host_fits(e, host))
            .map(|e| e.key.service.as_str())
    }

    /// The best endpoint for a path: most specific template, then `GET` first, then the
    /// busiest, then the first in key order.
    fn best<'a>(
        &'a self,
        host: Option<&Host>,
        method: Option<&str>,
        path: &str,
    ) -> Option<&'a Entry> {
        self.entries
            .iter()
            .filter(|e| host.is_none_or(|h| Self::host_fits(e, h)))
            .filter(|e| method.is_none_or(|m| e.key.method == m))
            .filter_map(|e| template_match(&e.key.path, path).map(|s| (s, e)))
            .max_by(|(sa, a), (sb, b)| {
                sa.cmp(sb)
                    .then_with(|| method_rank(&b.key.method).cmp(&method_rank(&a.key.method)))
                    .then_with(|| a.requests.cmp(&b.requests))
                    .then_with(|| b.key.cmp(&a.key))
            })
            .map(|(_, e)| e)
    }
}

fn set_endpoint(f: &mut Finding, key: &EndpointKey) {
    f.api_id = Some(api_id(&key.service, &key.method, &key.path));
    f.service = Some(key.service.clone());
    f.method = Some(key.method.clone());
    f.path = Some(key.path.clone());
}

fn same_file(spec_source: &str, file: &str) -> bool {
    let norm = |s: &str| {
        let s = s.replace('\\', "/");
        let s = s.strip_prefix("file://").unwrap_or(&s).to_string();
        s.trim_start_matches("./").to_string()
    };
    let (a, b) = (norm(spec_source), norm(file));
    a == b || a.ends_with(&format!("/{b}")) || b.ends_with(&format!("/{a}"))
}

impl Engine {
    /// The endpoint key of a documented operation: the traffic's endpoint when traffic
    /// reached it (busiest first), else the key [`Engine::assess`] lists the orphan under.
    fn operation_key(&self, index: &Index, spec: usize, op: usize) -> Option<EndpointKey> {
        let r = op_ref(spec, op);
        if let Some(e) = index
            .entries
            .iter()
            .filter(|e| e.operation == Some(r))
            .max_by_key(|e| e.requests)
        {
            return Some(e.key.clone());
        }
        let matcher = self.matcher.as_ref()?;
        let (_, _, wire) = matcher
            .operations()
            .find(|(s, o, _)| (*s, *o) == (spec, op))?;
        // As `orphans` names them.
        let sp = self.specs.get(spec)?;
        let service = sp
            .servers
            .iter()
            .find_map(|sv| sv.host.clone())
            .or_else(|| sp.title.clone())
            .unwrap_or_else(|| sp.source.clone());
        Some(EndpointKey {
            service,
            method: sp.operations.get(op)?.method.clone(),
            path: wire,
        })
    }

    /// The documented operation a finding's OpenAPI location points into.
    fn spec_location(&self, f: &Finding) -> Option<(usize, usize)> {
        let loc = f.location.as_ref()?;
        // The same file as given, or under another root (a CI checkout): the only loaded
        // document with that file name.
        let mut files: Vec<usize> = (0..self.specs.len())
            .filter(|s| same_file(&self.specs[*s].source, &loc.file))
            .collect();
        if files.is_empty() {
            let name = |p: &str| p.rsplit(['/', '\\']).next().unwrap_or("").to_string();
            let named: Vec<usize> = (0..self.specs.len())
                .filter(|s| name(&self.specs[*s].source) == name(&loc.file))
                .collect();
            if named.len() == 1 {
                files = named;
            }
        }
        for s in files {
            let spec = &self.specs[s];
            if let Some(ptr) = loc.pointer.as_deref() {
                let hit = spec.operations.iter().position(|op| {
                    ptr == op.pointer
                        || ptr
                            .strip_prefix(op.pointer.as_str())
                            .is_some_and(|rest| rest.starts_with('/'))
                });
                if let Some(o) = hit {
                    return Some((s, o));
                }
                continue;
            }
            if loc.line == 0 {
                continue;
            }
            // The operation whose method key is the last one at or before the line, when a
            // later operation closes it: past the last one the line may be in `components`.
            let mut lines: Vec<(u32, usize)> = spec
                .operations
                .iter()
                .enumerate()
                .filter_map(|(o, op)| op.line.map(|l| (l, o)))
                .collect();
            lines.sort_unstable();
            let at = lines.partition_point(|(l, _)| *l <= loc.line);
            if at > 0 && at < lines.len() {
                return Some((s, lines[at - 1].1));
            }
        }
        None
    }

    /// Places imported findings on endpoints: sets `api_id`, `service`, `method` and `path`
    /// where an endpoint is found, else the `service` when the host is known. Returns how
    /// each finding was placed, in order.
    pub fn map_findings(&self, inventory: &Inventory, findings: &mut [Finding]) -> Vec<MappedBy> {
        let index = Index::new(inventory);
        findings
            .iter_mut()
            .map(|f| self.map_one(&index, f))
            .collect()
    }

    fn map_one(&self, index: &Index, f: &mut Finding) -> MappedBy {
        let method = f.method.as_deref().map(str::to_ascii_uppercase);
        let url = f.url.clone();
        let from_url = url.as_deref().and_then(split_url);
        let host = from_url
            .as_ref()
            .map(|(h, _)| h.clone())
            .or_else(|| f.service.as_deref().map(Host::parse))
            .filter(|h| !h.name.is_empty());

        if let Some((h, path)) = &from_url {
            let authority = h.label();
            if let Some(key) = self.by_spec(index, Some(&authority), method.as_deref(), path) {
                set_endpoint(f, &key);
                return MappedBy::Url;
            }
            if let Some(e) = index.best(host.as_ref(), method.as_deref(), path) {
                set_endpoint(f, &e.key);
                return MappedBy::Url;
            }
        }
        if let Some((s, o)) = self.spec_location(f) {
            if let Some(key) = self.operation_key(index, s, o) {
                set_endpoint(f, &key);
                return MappedBy::SpecLocation;
            }
        }
        if let Some(route) = f.path.clone().filter(|_| from_url.is_none()) {
            let service_host = f.service.as_deref().map(Host::parse);
            if let Some(e) = index.best(service_host.as_ref(), method.as_deref(), &route) {
                set_endpoint(f, &e.key);
                return MappedBy::Route;
            }
            if let Some(key) = self.by_spec(index, None, method.as_deref(), &route) {
                set_endpoint(f, &key);
                return MappedBy::Route;
            }
        }
        match host {
            Some(h) => {
                let fallback = url
                    .as_deref()
                    .and_then(authority_label)
                    .unwrap_or_else(|| h.label());
                f.service = Some(index.service_of(&h).map_or(fallback, str::to_string));
                f.api_id = None;
                MappedBy::Service
            }
            None => MappedBy::Unmapped,
        }
    }

    /// Through the API descriptions' matcher, as traffic is keyed; without a method, the
    /// methods in the usual order.
    fn by_spec(
        &self,
        index: &Index,
        authority: Option<&str>,
        method: Option<&str>,
        path: &str,
    ) -> Option<EndpointKey> {
        let matcher = self.matcher.as_ref()?;
        let hit = match method {
            Some(m) => matcher.find(authority, m, path),
            None => METHOD_ORDER
                .iter()
                .find_map(|m| matcher.find(authority, m, path)),
        }?;
        self.operation_key(index, hit.spec, hit.operation)
    }

    /// Adds imported findings to an assessment: open ones raise their endpoint's risk by
    /// `risk.imported_finding_weights` (nothing by default), the endpoints whose score moved
    /// are judged by the policies again, and the findings are listed after the traffic's.
    pub fn apply_imported_findings(&self, assessed: &mut Assessed, imported: Vec<Finding>) {
        let mut by_endpoint: BTreeMap<&str, Vec<Severity>> = BTreeMap::new();
        for f in &imported {
            if let Some(id) = &f.api_id {
                by_endpoint.entry(id.as_str()).or_default().push(f.severity);
            }
        }
        let mut rescored = std::collections::BTreeSet::new();
        for a in &mut assessed.endpoints {
            let Some(sevs) = by_endpoint.get(a.api_id.as_str()) else {
                continue;
            };
            let inputs: Vec<ControlInput> = a
                .security_controls
                .iter()
                .map(|c| ControlInput {
                    present: c.present,
                    required: c.required,
                    severity: c.severity,
                })
                .collect();
            let score = self.risk.score(
                &inputs,
                a.classification,
                a.documented,
                a.sensitive_data_types.len(),
                sevs,
            );
            if score != a.risk_score {
                a.risk_score = score;
                a.risk_level = Severity::from_score(score);
                rescored.insert(a.api_id.clone());
            }
        }
        if !rescored.is_empty() {
            assessed
                .violations
                .retain(|v| !rescored.contains(&v.api_id));
            for a in assessed
                .endpoints
                .iter()
                .filter(|a| rescored.contains(&a.api_id))
            {
                assessed.violations.extend(self.policies.evaluate(a));
            }
            // The order `assess` gives.
            assessed.violations.sort_by(|x, y| {
                y.severity
                    .cmp(&x.severity)
                    .then_with(|| x.policy.cmp(&y.policy))
                    .then_with(|| x.service.cmp(&y.service))
                    .then_with(|| x.path.cmp(&y.path))
                    .then_with(|| x.method.cmp(&y.method))
            });
        }
        assessed.findings.extend(imported);
    }

    /// [`Engine::assess`] with imported findings mapped and applied: what `scan` reports.
    pub fn assess_with_findings(
        &self,
        inventory: &Inventory,
        default_time_ms: i64,
        mut imported: Vec<Finding>,
    ) -> (Assessed, Vec<MappedBy>) {
        let mapped = self.map_findings(inventory, &mut imported);
        let mut assessed = self.assess(inventory, default_time_ms);
        self.apply_imported_findings(&mut assessed, imported);
        (assessed, mapped)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_match_one_segment_per_parameter() {
        assert_eq!(template_match("/users/{id}", "/users/42"), Some(5));
        assert_eq!(template_match("/users/{id}", "/users/42/"), Some(5));
        assert_eq!(template_match("/users/{id}", "/users/42/orders"), None);
        assert_eq!(template_match("/users/{id}", "/users"), None);
        assert_eq!(template_match("/users/me", "/users/42"), None);
        assert!(
            template_match("/users/me", "/users/me") > template_match("/users/{id}", "/users/me")
        );
        assert_eq!(template_match("/files/{proxy+}", "/files/a/b/c"), Some(4));
        assert_eq!(template_match("/files/{proxy+}", "/files"), None);
        assert_eq!(template_match("/r/{id}.json", "/r/7.json"), Some(6));
        assert_eq!(template_match("/r/{id}.json", "/r/.json"), None);
        assert_eq!(template_match("/a%20b/{x}", "/a b/1"), Some(5));
        assert_eq!(template_match("/", "/"), Some(0));
        // A route's parameter matches a parameter, never a literal.
        assert_eq!(template_match("/users/{userId}", "/users/{id}"), Some(5));
        assert_eq!(template_match("/users/me", "/users/{id}"), None);
    }

    #[test]
    fn urls_and_hosts() {
        let h = |n: &str, p: Option<u16>| Host {
            name: n.into(),
            port: p,
        };
        assert_eq!(
            split_url("https://a.example:8443/x/y"),
            Some((h("a.example", Some(8443)), "/x/y"))
        );
        assert_eq!(
            split_url("http://a.example"),
            Some((h("a.example", Some(80)), "/"))
        );
        assert_eq!(
            split_url("https://a.example?q"),
            Some((h("a.example", Some(443)), "/"))
        );
        assert_eq!(
            Host::parse("u@API.Example.com.:443"),
            h("api.example.com", Some(443))
        );
        assert_eq!(Host::parse("[::1]:80"), h("::1", Some(80)));
        assert_eq!(Host::parse("::1"), h("::1", None));
        assert!(h("x", None).fits(&h("x", Some(1))));
        assert!(!h("x", Some(8080)).fits(&h("x", Some(9090))));
        assert_eq!(
            authority_label("https://X.example:443/a").as_deref(),
            Some("x.example")
        );
        assert_eq!(
            authority_label("http://x.example:9090").as_deref(),
            Some("x.example:9090")
        );
        assert!(same_file("/repo/specs/users.yaml", "specs/users.yaml"));
        assert!(same_file("./specs/users.yaml", "specs\\users.yaml"));
        assert!(!same_file("/repo/specs/users.yaml", "other/users.yaml"));
    }
}

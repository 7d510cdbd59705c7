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

/// Host name without port or trailing dot, lower-case.
fn host_name(h: &str) -> String {
    let h = h.trim();
    let h = h.rsplit_once('@').map_or(h, |(_, x)| x);
    let name = if let Some(v6) = h.strip_prefix('[') {
        v6.split(']').next().unwrap_or("")
    } else {
        h.split(':').next().unwrap_or("")
    };
    name.trim_end_matches('.').to_ascii_lowercase()
}

/// `(authority, path)` of an absolute URL.
fn split_url(url: &str) -> Option<(&str, &str)> {
    let rest = url.split_once("://")?.1;
    Some(match rest.find(['/', '?', '#']) {
        Some(i) if rest.as_bytes()[i] == b'/' => (&rest[..i], &rest[i..]),
        Some(i) => (&rest[..i], "/"),
        None => (rest, "/"),
    })
}

struct Entry {
    key: EndpointKey,
    hosts: Vec<String>,
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
                hosts: t.hosts.iter().map(|h| host_name(h)).collect(),
                operation: t.operation,
                requests: t.requests,
                key,
            })
            .collect();
        Index { entries }
    }

    fn host_fits(e: &Entry, host: &str) -> bool {
        e.key.service.eq_ignore_ascii_case(host) || e.hosts.iter().any(|h| h == host)
    }

    /// The service traffic to `host` was filed under.
    fn service_of(&self, host: &str) -> Option<&str> {
        self.entries
            .iter()
            .find(|e| e.hosts.iter().any(|h| h == host))
            .or_else(|| {
                self.entries
                    .iter()
                    .find(|e| e.key.service.eq_ignore_ascii_case(host))
            })
            .map(|e| e.key.service.as_str())
    }

    /// The best endpoint for a path: most specific template, then `GET` first, then the
    /// busiest, then the first in key order.
    fn best<'a>(
        &'a self,
        host: Option<&str>,
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
            .map(|(a, _)| host_name(a))
            .or_else(|| f.service.as_deref().map(host_name))
            .filter(|h| !h.is_empty());

        if let Some((authority, path)) = from_url {
            if let Some(key) = self.by_spec(index, Some(authority), method.as_deref(), path) {
                set_endpoint(f, &key);
                return MappedBy::Url;
            }
            if let Some(e) = index.best(host.as_deref(), method.as_deref(), path) {
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
            let service_host = f.service.as_deref().map(host_name);
            if let Some(e) = index.best(service_host.as_deref(), method.as_deref(), &route) {
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
                f.service = Some(index.service_of(&h).map_or(h, str::to_string));
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
        assert_eq!(
            split_url("https://a.example:8443/x/y"),
            Some(("a.example:8443", "/x/y"))
        );
        assert_eq!(split_url("http://a.example"), Some(("a.example", "/")));
        assert_eq!(split_url("http://a.example?q"), Some(("a.example", "/")));
        assert_eq!(host_name("API.Example.com.:443"), "api.example.com");
        assert_eq!(host_name("[::1]:80"), "::1");
        assert!(same_file("/repo/specs/users.yaml", "specs/users.yaml"));
        assert!(same_file("./specs/users.yaml", "specs\\users.yaml"));
        assert!(!same_file("/repo/specs/users.yaml", "other/users.yaml"));
    }
}

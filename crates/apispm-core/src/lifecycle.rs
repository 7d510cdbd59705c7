//! Ownership, versions and compliance: the facts about an endpoint that come from outside its
//! traffic (config rules, API descriptions, gateway tags) or from comparing endpoints.

use crate::Assessment;
use crate::exposure::glob_match;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// `owners:` in the config: the first rule that matches names the owning team. A rule beats
/// what the API description or the gateway says.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OwnerRule {
    #[serde(rename = "match")]
    pub when: OwnerMatch,
    pub owner: String,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OwnerMatch {
    /// Glob over the service name.
    pub service: Option<String>,
    /// Glob over the endpoint's host.
    pub host: Option<String>,
    /// Glob over the path template.
    pub path: Option<String>,
}

impl OwnerRule {
    pub fn matches(&self, a: &Assessment) -> bool {
        let w = &self.when;
        (w.service.is_some() || w.host.is_some() || w.path.is_some())
            && w.service
                .as_deref()
                .is_none_or(|g| glob_match(g, &a.service))
            && w.host
                .as_deref()
                .is_none_or(|g| a.host.as_deref().is_some_and(|h| glob_match(g, h)))
            && w.path.as_deref().is_none_or(|g| glob_match(g, &a.path))
    }
}

/// A version segment of a path: `v2`, `v1.1`, `v1beta1`, `1.0`, `2.1.3`.
pub fn version_segment(seg: &str) -> Option<&str> {
    let b = seg.as_bytes();
    let digits = |s: &[u8]| !s.is_empty() && s.iter().all(u8::is_ascii_digit);
    if let Some(rest) = seg.strip_prefix(['v', 'V']) {
        let end = rest
            .find(|c: char| !c.is_ascii_digit() && c != '.')
            .unwrap_or(rest.len());
        let (num, tail) = rest.split_at(end);
        let num_ok = !num.is_empty() && num.split('.').all(|p| digits(p.as_bytes()));
        let tail_ok = tail.is_empty()
            || ["alpha", "beta", "rc"].iter().any(|t| {
                tail.strip_prefix(t)
                    .is_some_and(|d| d.is_empty() || digits(d.as_bytes()))
            });
        return (num_ok && tail_ok).then_some(seg);
    }
    let parts: Vec<&str> = seg.split('.').collect();
    (b.first().is_some_and(u8::is_ascii_digit)
        && (2..=3).contains(&parts.len())
        && parts.iter().all(|p| digits(p.as_bytes()) && p.len() <= 4))
    .then_some(seg)
}

/// The major version of a version string (`v2.1` → 2).
pub fn major(version: &str) -> Option<u64> {
    let v = version.trim_start_matches(['v', 'V']);
    let end = v.find(|c: char| !c.is_ascii_digit()).unwrap_or(v.len());
    v[..end].parse().ok()
}

/// The path's version and the path with that segment replaced, to compare versions of one
/// resource.
pub fn path_version(path: &str) -> Option<(String, String)> {
    let mut found = None;
    let generic: Vec<&str> = path
        .split('/')
        .map(|seg| match (found.is_none(), version_segment(seg)) {
            (true, Some(v)) => {
                found = Some(v.to_string());
                "{version}"
            }
            _ => seg,
        })
        .collect();
    found.map(|v| (v, generic.join("/")))
}

/// An endpoint still called under an older major version while a newer one of the same path
/// exists: a candidate for deprecation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DeprecationCandidate {
    pub api_id: String,
    pub service: String,
    pub method: String,
    pub path: String,
    pub version: String,
    pub newer_version: String,
    pub newer_path: String,
    pub requests: u64,
    pub traffic_volume_daily: u64,
}

/// One endpoint in a group of versions of the same path: (major, version, index).
type Versioned = (u64, String, usize);

pub fn deprecation_candidates(endpoints: &[Assessment]) -> Vec<DeprecationCandidate> {
    // (service, method, path with the version replaced) -> its versions
    let mut groups: BTreeMap<(&str, &str, String), Vec<Versioned>> = BTreeMap::new();
    for (i, a) in endpoints.iter().enumerate() {
        if let Some((v, generic)) = path_version(&a.path)
            && let Some(m) = major(&v)
        {
            groups
                .entry((a.service.as_str(), a.method.as_str(), generic))
                .or_default()
                .push((m, v, i));
        }
    }
    let mut out = Vec::new();
    for members in groups.values() {
        let Some(newest) = members.iter().max_by_key(|m| m.0) else {
            continue;
        };
        for (m, v, i) in members {
            let a = &endpoints[*i];
            if *m < newest.0 && a.requests > 0 {
                out.push(DeprecationCandidate {
                    api_id: a.api_id.clone(),
                    service: a.service.clone(),
                    method: a.method.clone(),
                    path: a.path.clone(),
                    version: v.clone(),
                    newer_version: newest.1.clone(),
                    newer_path: endpoints[newest.2].path.clone(),
                    requests: a.requests,
                    traffic_volume_daily: a.traffic_volume_daily,
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_in_paths() {
        for v in [
            "v1", "v2", "V3", "v1.1", "v1beta1", "v2alpha", "1.0", "2.1.3",
        ] {
            assert!(version_segment(v).is_some(), "{v}");
        }
        for s in [
            "users", "v", "vip", "2024", "1.2.3.4", "version", "v1x", "123",
        ] {
            assert!(version_segment(s).is_none(), "{s}");
        }
        assert_eq!(major("v2.1"), Some(2));
        assert_eq!(major("1.0"), Some(1));
        assert_eq!(
            path_version("/api/v2/users/{id}"),
            Some(("v2".to_string(), "/api/{version}/users/{id}".to_string()))
        );
        assert_eq!(path_version("/users"), None);
    }
}

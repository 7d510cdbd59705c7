use crate::{Exchange, Observer, Tally};
use hashbrown::HashMap;
use sha2::{Digest, Sha256};
use std::fmt::Write;

/// The seed's id: the first 16 hex digits of SHA-256 over `"{service}:{method}:{path}"`.
pub fn api_id(service: &str, method: &str, path: &str) -> String {
    let mut h = Sha256::new();
    h.update(service.as_bytes());
    h.update(b":");
    h.update(method.as_bytes());
    h.update(b":");
    h.update(path.as_bytes());
    let digest = h.finalize();
    let mut s = String::with_capacity(16);
    for b in &digest[..8] {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// What identifies an endpoint: its service, method and path template.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EndpointKey {
    pub service: String,
    pub method: String,
    pub path: String,
}

impl EndpointKey {
    pub fn api_id(&self) -> String {
        api_id(&self.service, &self.method, &self.path)
    }
}

const SEP: char = '\u{0}';

/// Every endpoint seen, with its tally. Keyed internally by one joined string, so a lookup for
/// an endpoint already known allocates nothing.
#[derive(Debug, Default, Clone)]
pub struct Inventory {
    map: HashMap<String, Tally>,
    key_buf: String,
}

fn push_part(buf: &mut String, part: &str) {
    if part.as_bytes().contains(&0) {
        buf.extend(part.chars().map(|c| if c == SEP { '\u{FFFD}' } else { c }));
    } else {
        buf.push_str(part);
    }
}

impl Inventory {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// The tally of an endpoint, created empty on first sight.
    pub fn tally_mut(&mut self, service: &str, method: &str, path: &str) -> &mut Tally {
        self.key_buf.clear();
        push_part(&mut self.key_buf, service);
        self.key_buf.push(SEP);
        push_part(&mut self.key_buf, method);
        self.key_buf.push(SEP);
        push_part(&mut self.key_buf, path);
        self.map.entry_ref(self.key_buf.as_str()).or_default()
    }

    /// Folds one exchange in, keyed by its service (or host), method and route or path.
    pub fn observe(&mut self, observer: &Observer, ex: &Exchange<'_>) {
        let service = ex
            .service
            .as_deref()
            .or(ex.host.as_deref())
            .unwrap_or("unknown");
        let path = ex.route.as_deref().unwrap_or(&ex.path);
        let tally = self.tally_mut(service, &ex.method, path);
        observer.observe(tally, ex);
    }

    pub fn insert(&mut self, key: &EndpointKey, tally: Tally) {
        self.tally_mut(&key.service, &key.method, &key.path)
            .merge(&tally);
    }

    pub fn merge(&mut self, other: Inventory) {
        if self.map.is_empty() {
            self.map = other.map;
            return;
        }
        for (k, v) in other.map {
            match self.map.get_mut(&k) {
                Some(t) => t.merge(&v),
                None => {
                    self.map.insert(k, v);
                }
            }
        }
    }

    /// Endpoints in a stable order (service, method, path).
    pub fn entries(&self) -> Vec<(EndpointKey, &Tally)> {
        let mut v: Vec<_> = self
            .map
            .iter()
            .map(|(k, t)| {
                let mut parts = k.splitn(3, SEP);
                let key = EndpointKey {
                    service: parts.next().unwrap_or_default().to_string(),
                    method: parts.next().unwrap_or_default().to_string(),
                    path: parts.next().unwrap_or_default().to_string(),
                };
                (key, t)
            })
            .collect();
        v.sort_by(|a, b| a.0.cmp(&b.0));
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_id_matches_the_seed() {
        // hashlib.sha256(b"svc-00:GET:/api/v1/users").hexdigest()[:16]
        assert_eq!(api_id("svc-00", "GET", "/api/v1/users"), "b42412d64dc769e4");
    }
}

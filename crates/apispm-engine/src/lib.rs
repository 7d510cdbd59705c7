//! The posture engine: the part of apispm between parsed exchanges and a report, shared by
//! `scan`, `ingest` and the server.
//!
//! Each reader worker owns a [`Worker`]. A worker gives every exchange its endpoint key: the
//! path template the records declare (seed format), else the operation an API description
//! documents ([`apispm_spec::Matcher`]), else the route the gateway logged, else a template
//! learned from the traffic itself ([`apispm_template::Learner`]). Learned keys are provisional:
//! [`Engine::finish`] merges the workers' learners and re-keys those tallies with the final
//! templates, which is sound because tallies merge commutatively. [`Engine::assess`] then labels
//! every endpoint (shadow, deprecated, exposure), judges it, applies the policies, lists the
//! documented operations nobody called (orphans) and raises findings. Pure: no I/O.

mod findings;
mod imported;

use apispm_core::compliance::{ComplianceGap, ComplianceTable};
use apispm_core::exposure::ExposureRules;
use apispm_core::{
    Assessment, Classification, EndpointKey, Exchange, ExchangeSink, Finding, Inventory, Labels,
    Observer, OperationFacts, RiskModel, Tally, assess,
};
use apispm_policy::{PolicySet, Violation};
use apispm_spec::{Matcher, ObservedEndpoint, Spec};
use apispm_template::{Config as LearnerConfig, Learner};

use apispm_core::lifecycle;
pub use apispm_core::lifecycle::{DeprecationCandidate, OwnerRule};
pub use findings::traffic_findings;
pub use imported::{MappedBy, MappingSummary, template_match};

/// What the engine is set up with.
pub struct EngineConfig {
    pub risk: RiskModel,
    pub policies: PolicySet,
    pub exposure: ExposureRules,
    pub specs: Vec<Spec>,
    pub owners: Vec<OwnerRule>,
    pub compliance: ComplianceTable,
}

pub struct Engine {
    risk: RiskModel,
    policies: PolicySet,
    specs: Vec<Spec>,
    owners: Vec<OwnerRule>,
    compliance: ComplianceTable,
    matcher: Option<Matcher>,
    observer: Observer,
}

/// The result of judging an inventory.
pub struct Assessed {
    pub endpoints: Vec<Assessment>,
    pub violations: Vec<Violation>,
    pub findings: Vec<Finding>,
    pub compliance_gaps: Vec<ComplianceGap>,
    pub deprecation_candidates: Vec<DeprecationCandidate>,
}

/// Packs a (spec, operation) pair into the tally's opaque operation reference.
fn op_ref(spec: usize, op: usize) -> u64 {
    ((spec as u64) << 32) | op as u64
}

fn op_unref(r: u64) -> (usize, usize) {
    ((r >> 32) as usize, (r & 0xffff_ffff) as usize)
}

impl Engine {
    pub fn new(cfg: EngineConfig) -> Engine {
        let observer = Observer::new(cfg.policies.header_names()).with_exposure(cfg.exposure);
        let matcher = (!cfg.specs.is_empty()).then(|| Matcher::new(&cfg.specs));
        Engine {
            risk: cfg.risk,
            policies: cfg.policies,
            specs: cfg.specs,
            owners: cfg.owners,
            compliance: cfg.compliance,
            matcher,
            observer,
        }
    }

    pub fn specs(&self) -> &[Spec] {
        &self.specs
    }

    pub fn worker(&self) -> Worker<'_> {
        Worker {
            engine: self,
            fixed: Inventory::new(),
            learned: Inventory::new(),
            learner: Learner::new(LearnerConfig::default()),
            buf: String::new(),
        }
    }

    /// Merges the workers into one inventory whose keys are all final.
    pub fn finish(&self, workers: Vec<Worker<'_>>) -> Inventory {
        let mut fixed = Inventory::new();
        let mut learned = Inventory::new();
        let mut learner: Option<Learner> = None;
        for w in workers {
            fixed.merge(w.fixed);
            learned.merge(w.learned);
            match learner.as_mut() {
                Some(l) => l.merge(w.learner),
                None => learner = Some(w.learner),
            }
        }
        if let Some(learner) = learner {
            let templater = learner.finish();
            for (key, tally) in learned.entries() {
                let path = templater.template(&key.service, &key.path);
                fixed
                    .tally_mut(&key.service, &key.method, &path)
                    .merge(tally);
            }
        }
        fixed
    }

    fn facts(&self, tally: &Tally) -> Option<OperationFacts> {
        let (s, o) = op_unref(tally.operation?);
        let op = self.specs.get(s)?.operations.get(o)?;
        Some(OperationFacts {
            deprecated: op.deprecated,
            validates_input: op.validates_input,
        })
    }

    /// Judges every endpoint; `default_time_ms` stamps endpoints whose records had no time.
    pub fn assess(&self, inventory: &Inventory, default_time_ms: i64) -> Assessed {
        let specs_loaded = !self.specs.is_empty();
        let entries = inventory.entries();
        let matched: std::collections::BTreeSet<u64> =
            entries.iter().filter_map(|(_, t)| t.operation).collect();
        // Judging endpoints is independent work: split it over the cores.
        let threads = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .min(8);
        let chunk = entries.len().div_ceil(threads).max(64);
        let mut endpoints: Vec<Assessment> = std::thread::scope(|scope| {
            let handles: Vec<_> = entries
                .chunks(chunk)
                .map(|part| {
                    scope.spawn(move || self.assess_part(part, specs_loaded, default_time_ms))
                })
                .collect();
            handles
                .into_iter()
                .flat_map(|h| h.join().expect("an assessment thread panicked"))
                .collect()
        });
        endpoints.extend(self.orphans(&matched));

        let mut violations = Vec::new();
        for a in &endpoints {
            violations.extend(self.policies.evaluate(a));
        }
        violations.sort_by(|x, y| {
            y.severity
                .cmp(&x.severity)
                .then_with(|| x.policy.cmp(&y.policy))
                .then_with(|| x.service.cmp(&y.service))
                .then_with(|| x.path.cmp(&y.path))
                .then_with(|| x.method.cmp(&y.method))
        });
        let findings = traffic_findings(&endpoints);
        let compliance_gaps = endpoints
            .iter()
            .flat_map(|a| self.compliance.gaps(a))
            .collect();
        let deprecation_candidates = lifecycle::deprecation_candidates(&endpoints);
        Assessed {
            endpoints,
            violations,
            findings,
            compliance_gaps,
            deprecation_candidates,
        }
    }

    /// Owner, version and compliance tags. Owner: a config rule, else the operation's or the
    /// document's `x-owner` or contact, else a gateway tag. Version: a version segment of the
    /// path, else the document's `info.version`, else an `Api-Version` header.
    fn enrich(&self, a: &mut Assessment, op: Option<(usize, usize)>, tally: Option<&Tally>) {
        let spec = op.and_then(|(s, o)| Some((self.specs.get(s)?, o)));
        a.owner = self
            .owners
            .iter()
            .find(|r| r.matches(a))
            .map(|r| r.owner.clone())
            .or_else(|| {
                let (spec, o) = spec?;
                spec.operations
                    .get(o)
                    .and_then(|op| op.owner.clone())
                    .or_else(|| spec.owner.clone())
            })
            .or_else(|| tally.and_then(|t| t.owners.iter().next().cloned()));
        a.version = lifecycle::path_version(&a.path)
            .map(|(v, _)| v)
            .or_else(|| spec.and_then(|(s, _)| s.version.clone()))
            .or_else(|| tally.and_then(|t| t.api_versions.iter().next().cloned()));
        a.compliance_tags = self.compliance.tags_for(&a.sensitive_data_types);
    }

    fn assess_part(
        &self,
        part: &[(EndpointKey, &Tally)],
        specs_loaded: bool,
        default_time_ms: i64,
    ) -> Vec<Assessment> {
        part.iter()
            .map(|(key, tally)| {
                let stamped;
                let tally = if tally.first_seen_ms.is_none() {
                    let mut t = (*tally).clone();
                    t.first_seen_ms = Some(default_time_ms);
                    t.last_seen_ms = Some(default_time_ms);
                    stamped = t;
                    &stamped
                } else {
                    *tally
                };
                let facts = self.facts(tally);
                let labels = Labels::derive(tally, specs_loaded, facts.as_ref());
                let mut a = assess(key, tally, &labels, &self.risk);
                self.enrich(&mut a, tally.operation.map(op_unref), Some(tally));
                a
            })
            .collect()
    }

    /// Documented operations no traffic reached: listed with `requests: 0`.
    fn orphans(&self, matched: &std::collections::BTreeSet<u64>) -> Vec<Assessment> {
        let Some(matcher) = &self.matcher else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (s, o, wire) in matcher.operations() {
            if matched.contains(&op_ref(s, o)) {
                continue;
            }
            let spec = &self.specs[s];
            let op = &spec.operations[o];
            let service = spec
                .servers
                .iter()
                .find_map(|sv| sv.host.clone())
                .or_else(|| spec.title.clone())
                .unwrap_or_else(|| spec.source.clone());
            let key = EndpointKey {
                service,
                method: op.method.clone(),
                path: wire,
            };
            let labels = Labels {
                classification: if op.deprecated {
                    Classification::Deprecated
                } else {
                    Classification::External
                },
                exposure: Classification::External,
                documented: true,
                spec_validates_input: op.validates_input,
            };
            let mut a = assess(&key, &Tally::default(), &labels, &self.risk);
            self.enrich(&mut a, Some((s, o)), None);
            out.push(a);
        }
        out
    }
}

impl Engine {
    /// The endpoints seen in traffic, as `spec-gen` documents them.
    pub fn observed_endpoints(
        &self,
        inventory: &Inventory,
        only_undocumented: bool,
    ) -> Vec<ObservedEndpoint> {
        let specs_loaded = !self.specs.is_empty();
        let mut out = Vec::new();
        for (key, tally) in inventory.entries() {
            let facts = self.facts(tally);
            let labels = Labels::derive(tally, specs_loaded, facts.as_ref());
            if only_undocumented && labels.documented {
                continue;
            }
            let authenticated = tally.requests > 0
                && tally.with_credentials + tally.refused_without_credentials == tally.requests;
            out.push(ObservedEndpoint {
                host: tally.hosts.iter().next().cloned(),
                scheme: Some(
                    if tally.https == tally.requests {
                        "https"
                    } else {
                        "http"
                    }
                    .to_string(),
                ),
                method: key.method.clone(),
                param_types: param_types(&key.path),
                template: key.path,
                query_params: tally.query_params.iter().cloned().collect(),
                statuses: tally.statuses.iter().copied().collect(),
                deprecated: labels.classification == Classification::Deprecated,
                authenticated,
            });
        }
        out
    }
}

/// Parameter types from the learner's placeholder names (`{uuid}`, `{date}`, `{id2}`…).
fn param_types(template: &str) -> Vec<(String, String)> {
    template
        .split('/')
        .filter_map(|seg| seg.strip_prefix('{')?.strip_suffix('}'))
        .map(|name| {
            let kind = match name.trim_end_matches(|c: char| c.is_ascii_digit()) {
                "uuid" => "uuid",
                "date" => "date",
                "email" => "email",
                "ip" => "ipv4",
                _ => "string",
            };
            (name.to_string(), kind.to_string())
        })
        .collect()
}

/// One reader thread's share of the work.
pub struct Worker<'e> {
    engine: &'e Engine,
    fixed: Inventory,
    learned: Inventory,
    learner: Learner,
    buf: String,
}

impl Worker<'_> {
    /// The worker's tallies keyed by final templates (`fixed`), those keyed by the learner's
    /// provisional hints (`learned`), and the learner: what a store keeps to merge later.
    pub fn into_parts(self) -> (Inventory, Inventory, Learner) {
        (self.fixed, self.learned, self.learner)
    }
}

impl ExchangeSink for Worker<'_> {
    fn accept(&mut self, ex: &Exchange<'_>) {
        let host = ex.host.as_deref().or_else(|| ex.request_header("host"));
        let service = ex.service.as_deref().or(host).unwrap_or("unknown");
        let method = ex.method.as_ref();
        let engine = self.engine;
        if ex.declared.classification.is_some() {
            let t = self.fixed.tally_mut(service, method, &ex.path);
            engine.observer.observe(t, ex);
            return;
        }
        if let Some(m) = engine
            .matcher
            .as_ref()
            .and_then(|m| m.find(host, method, &ex.path))
        {
            let t = self.fixed.tally_mut(service, method, &m.wire_template);
            t.operation = Some(op_ref(m.spec, m.operation));
            engine.observer.observe(t, ex);
            return;
        }
        if let Some(route) = ex.route.as_deref() {
            let t = self.fixed.tally_mut(service, method, route);
            engine.observer.observe(t, ex);
            return;
        }
        self.buf.clear();
        self.learner
            .observe_into(service, method, &ex.path, &mut self.buf);
        let t = self.learned.tally_mut(service, method, &self.buf);
        engine.observer.observe(t, ex);
    }
}

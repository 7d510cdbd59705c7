//! Security policies for apispm: the seed's YAML policy schema, loaded strictly, and judged
//! against each endpoint's [`Assessment`].
//!
//! A policy names a scope (classifications, compliance tags) and a rule (a required control,
//! a `condition` expression, documentation, a response header, an owner); an endpoint in scope
//! that breaks the rule yields a [`Violation`] that says why, in terms of what was observed.
//! Loading is where all the checking happens: unknown keys, unknown controls or
//! classifications, bad severities and malformed or ill-typed conditions are refused with a
//! [`PolicyError`] naming the file, line and column, because a typo in a policy file that
//! silently turns a rule off is worse than a failed run. Once loaded, evaluation cannot fail.
//! Without a policy file the seed's six policies apply ([`PolicySet::builtin`]), loaded from
//! the seed's own YAML so the two cannot drift apart.
//!
//! The `condition` language is described in [`expr`]; the rules and their exact meaning are
//! documented on [`Rule`].

pub mod error;
mod eval;
pub mod expr;
mod load;
mod locate;

pub use error::PolicyError;
pub use expr::{Condition, ExprError, Var};

use apispm_core::{Assessment, Classification, Control, Severity};
use serde::{Serialize, Serializer};

/// The seed's `api-security-policies.yaml`, unchanged: the default policy set.
pub const SEED_POLICIES_YAML: &str = include_str!("seed-policies.yaml");

/// The name [`PolicySet::builtin`] reports as its source.
pub const BUILTIN_SOURCE: &str = "(built-in seed policies)";

/// A loaded, validated policy file.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PolicySet {
    pub policies: Vec<Policy>,
    /// The file name given to [`PolicySet::from_yaml`], or [`BUILTIN_SOURCE`].
    pub source: String,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Policy {
    pub name: String,
    pub description: String,
    pub scope: Scope,
    pub rule: Rule,
    pub severity: Severity,
    pub remediation: String,
    /// 1-based line of the policy's first key in its file.
    pub line: usize,
}

/// Which endpoints a policy applies to. Keys combine with AND; an absent key does not restrict.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Scope {
    /// The endpoint's classification is one of these.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub classification: Option<Vec<Classification>>,
    /// The endpoint carries at least one of these compliance tags (case-insensitive).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compliance: Option<Vec<String>>,
}

/// What an endpoint in scope must satisfy. Each part that is set is checked, and the rule is
/// violated when any part is:
///
/// - `control` + `required: true`: violated when the control is not present. `required: false`
///   is accepted and checks nothing (a way to keep a rule on file but off).
/// - `condition`: violated when the expression is false. If it mentions `origin` it must hold
///   for every `Access-Control-Allow-Origin` value the endpoint answered (`""` standing for a
///   response without one), so `origin != '*'` is violated exactly when `*` was answered.
///   `present` and `observed_ratio` refer to `control`, which the rule must then name.
/// - `documented: true`: violated when the endpoint is undocumented.
/// - `header_present: H`: violated when some response lacked `H` (case-insensitive).
/// - `owner_present: true`: violated when no owner is known.
///
/// Endpoints seen in no request (operations only declared in an API description) have nothing
/// observed: for them, `control`, `header_present`, and conditions that use `origin`,
/// `present` or `observed_ratio` or sit next to a `control` are not checked; `documented`,
/// `owner_present`, and conditions over `requests`, `risk_score`, `classification` and
/// `documented` still are.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Rule {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub control: Option<Control>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub required: Option<bool>,
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "serialize_condition"
    )]
    pub condition: Option<Condition>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub documented: Option<bool>,
    /// As written in the file; compared case-insensitively.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub header_present: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner_present: Option<bool>,
}

fn serialize_condition<S: Serializer>(c: &Option<Condition>, s: S) -> Result<S::Ok, S::Error> {
    match c {
        Some(c) => s.serialize_str(c.source()),
        None => s.serialize_none(),
    }
}

/// One endpoint breaking one policy.
#[derive(Clone, Debug, PartialEq, Serialize, serde::Deserialize)]
pub struct Violation {
    pub policy: String,
    pub severity: Severity,
    pub api_id: String,
    pub method: String,
    pub path: String,
    pub service: String,
    /// The policy's description.
    pub description: String,
    /// Why this endpoint violates it, from what was observed.
    pub reason: String,
    pub remediation: String,
}

impl PolicySet {
    /// Parses and validates a policy file. `source` is the file name to put in errors.
    pub fn from_yaml(text: &str, source: &str) -> Result<PolicySet, PolicyError> {
        Ok(PolicySet {
            policies: load::load(text, source)?,
            source: source.to_string(),
        })
    }

    /// The seed's six policies.
    pub fn builtin() -> PolicySet {
        match PolicySet::from_yaml(SEED_POLICIES_YAML, BUILTIN_SOURCE) {
            Ok(set) => set,
            // The embedded file is tested to load; this cannot happen in a released build.
            Err(e) => panic!("built-in policies do not load: {e}"),
        }
    }

    /// Lower-case names of the headers that `header_present` rules ask about, in order of
    /// first use and without repeats: the headers the tally must count per response.
    pub fn header_names(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for p in &self.policies {
            if let Some(h) = &p.rule.header_present {
                let h = h.to_ascii_lowercase();
                if !out.contains(&h) {
                    out.push(h);
                }
            }
        }
        out
    }

    /// The violations of `a`, in policy order, at most one per policy.
    pub fn evaluate(&self, a: &Assessment) -> Vec<Violation> {
        self.policies
            .iter()
            .filter(|p| p.applies_to(a))
            .filter_map(|p| {
                p.rule.violation(a).map(|reason| Violation {
                    policy: p.name.clone(),
                    severity: p.severity,
                    api_id: a.api_id.clone(),
                    method: a.method.clone(),
                    path: a.path.clone(),
                    service: a.service.clone(),
                    description: p.description.clone(),
                    reason,
                    remediation: p.remediation.clone(),
                })
            })
            .collect()
    }
}

impl Policy {
    /// True when `a` is in this policy's scope.
    pub fn applies_to(&self, a: &Assessment) -> bool {
        self.scope.matches(a)
    }
}

impl Scope {
    pub fn matches(&self, a: &Assessment) -> bool {
        let class_ok = self
            .classification
            .as_ref()
            .is_none_or(|list| list.contains(&a.classification));
        let tags_ok = self.compliance.as_ref().is_none_or(|list| {
            list.iter().any(|want| {
                a.compliance_tags
                    .iter()
                    .any(|t| t.eq_ignore_ascii_case(want))
            })
        });
        class_ok && tags_ok
    }
}

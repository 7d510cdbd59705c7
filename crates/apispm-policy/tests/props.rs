//! Properties: no input makes loading or parsing panic, and the seed policies judge any
//! endpoint exactly as the acceptance oracle (`policy_oracle.py`) does.

use apispm_core::{Assessment, Classification, Control, ControlResult, Severity};
use apispm_policy::expr::Env;
use apispm_policy::{Condition, PolicySet, SEED_POLICIES_YAML};
use proptest::prelude::*;
use std::collections::BTreeMap;

fn token() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "origin",
        "present",
        "observed_ratio",
        "requests",
        "risk_score",
        "classification",
        "documented",
        "and",
        "or",
        "not",
        "(",
        ")",
        "==",
        "!=",
        "<",
        "<=",
        ">",
        ">=",
        "=",
        "!",
        "'*'",
        "\"x\"",
        "'",
        "\"",
        "0.5",
        "-1",
        "1e3",
        "true",
        "false",
        "'external'",
        "bogus",
        " ",
        "&&",
        "\\",
    ])
    .prop_map(str::to_string)
}

fn env_strategy() -> impl Strategy<Value = (String, bool, f64, u64, f64, usize, bool)> {
    (
        prop::sample::select(vec!["", "*", "https://a.example"]).prop_map(str::to_string),
        any::<bool>(),
        0.0..=1.0f64,
        0u64..1000,
        0.0..=100.0f64,
        0usize..5,
        any::<bool>(),
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_condition_text_never_panics(src in "\\PC{0,80}", has_control in any::<bool>()) {
        if let Err(e) = Condition::parse(&src, has_control) {
            prop_assert!(e.offset <= src.chars().count());
        }
    }

    #[test]
    fn token_soup_never_panics_and_evaluates(
        toks in prop::collection::vec(token(), 0..24),
        e in env_strategy(),
    ) {
        let src = toks.join(" ");
        if let Ok(c) = Condition::parse(&src, true) {
            let env = Env {
                origin: &e.0,
                present: e.1,
                observed_ratio: e.2,
                requests: e.3,
                risk_score: e.4,
                classification: Classification::ALL[e.5],
                documented: e.6,
            };
            let _ = c.holds(&env);
        }
    }

    #[test]
    fn arbitrary_yaml_never_panics(text in "\\PC{0,200}") {
        if let Err(e) = PolicySet::from_yaml(&text, "f.yaml") {
            prop_assert!(e.line >= 1);
            prop_assert!(e.to_string().starts_with("f.yaml:"));
        }
    }

    #[test]
    fn yamlish_text_never_panics(
        parts in prop::collection::vec(
            prop::sample::select(vec![
                "policies:", "\n", "  ", "- ", "name: a", "rule:", "{", "}", "[", "]", ",", ": ",
                "&a ", "*a", "<<: ", "!tag ", "\"", "'", "#", "---", "control: cors_policy",
                "condition: origin != '*'", "severity: high", "scope:", "classification: [external]",
                "required: true", "documented: true", "header_present: Sunset", "\t", "? ", "|",
            ]),
            0..40,
        )
    ) {
        let text: String = parts.concat();
        let _ = PolicySet::from_yaml(&text, "f.yaml");
    }

    #[test]
    fn mutated_seed_never_panics(
        edits in prop::collection::vec((any::<prop::sample::Index>(), 0usize..3, any::<char>()), 1..6)
    ) {
        let mut chars: Vec<char> = SEED_POLICIES_YAML.chars().collect();
        for (at, op, c) in edits {
            let i = at.index(chars.len() + 1);
            match op {
                0 => chars.insert(i, c),
                1 if i < chars.len() => { chars.remove(i); }
                _ if i < chars.len() => chars[i] = c,
                _ => {}
            }
        }
        let text: String = chars.into_iter().collect();
        if let Err(e) = PolicySet::from_yaml(&text, "seed.yaml") {
            // Lines as YAML counts them: a lone `\r` is a line break too.
            let lines = text.replace("\r\n", "\n").replace('\r', "\n").lines().count();
            prop_assert!(e.line >= 1 && e.line <= lines.max(1) + 1, "{}", e);
        }
    }
}

// --- the oracle's semantics, written out, against the seed policies -----------------------

#[derive(Debug, Clone)]
struct Observed {
    class: Classification,
    documented: bool,
    present: [bool; 6],
    origins: Vec<String>,
    sunset: u64,
    requests: u64,
}

fn observed() -> impl Strategy<Value = Observed> {
    (
        0usize..5,
        any::<bool>(),
        prop::array::uniform6(any::<bool>()),
        prop::collection::vec(
            prop::sample::select(vec!["", "*", "https://a.example"]).prop_map(str::to_string),
            0..3,
        ),
        1u64..50,
        0u64..50,
    )
        .prop_map(
            |(c, documented, present, origins, requests, sunset)| Observed {
                class: Classification::ALL[c],
                documented,
                present,
                origins,
                sunset: sunset.min(requests),
                requests,
            },
        )
}

fn assessment(o: &Observed) -> Assessment {
    Assessment {
        api_id: "id".into(),
        service: "s".into(),
        host: None,
        method: "GET".into(),
        path: "/".into(),
        classification: o.class,
        exposure: Classification::External,
        documented: o.documented,
        first_discovered: None,
        last_seen: None,
        requests: o.requests,
        security_controls: Control::ALL
            .iter()
            .zip(o.present)
            .map(|(c, p)| ControlResult {
                name: *c,
                present: p,
                required: true,
                severity: Severity::High,
                details: String::new(),
                observed_ratio: if p { 1.0 } else { 0.0 },
            })
            .collect(),
        sensitive_data_types: vec![],
        sensitive_data: vec![],
        unauthenticated_success: 0,
        status_classes: BTreeMap::new(),
        risk_score: 0.0,
        risk_level: Severity::Low,
        owner: None,
        version: None,
        traffic_volume_daily: 0,
        traffic_daily: Default::default(),
        compliance_tags: vec![],
        origins: o.origins.clone(),
        response_headers: BTreeMap::from([("sunset".to_string(), o.sunset)]),
        stale: false,
    }
}

/// `policy_oracle.py`, for the seed's six policies.
fn oracle(o: &Observed) -> Vec<&'static str> {
    use Classification::*;
    let present = |c: Control| o.present[Control::ALL.iter().position(|x| *x == c).unwrap()];
    let mut out = Vec::new();
    let ext_partner = matches!(o.class, External | Partner);
    if ext_partner && !present(Control::Authentication) {
        out.push("require-authentication");
    }
    if matches!(o.class, External | Internal | Partner) && !present(Control::TransportEncryption) {
        out.push("enforce-tls");
    }
    if o.class == External && !present(Control::RateLimiting) {
        out.push("require-rate-limiting");
    }
    if o.class == External && o.origins.iter().any(|x| x == "*") {
        out.push("no-wildcard-cors");
    }
    if ext_partner && !o.documented {
        out.push("documentation-required");
    }
    if o.class == Deprecated && o.sunset < o.requests {
        out.push("deprecation-sunset");
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn seed_policies_judge_like_the_oracle(o in observed()) {
        let set = PolicySet::builtin();
        let got: Vec<String> = set.evaluate(&assessment(&o)).into_iter().map(|v| v.policy).collect();
        prop_assert_eq!(got, oracle(&o));
    }
}

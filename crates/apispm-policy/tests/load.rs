//! Loading policy files: the seed's file, the schema's extensions, and every refusal naming
//! the file, the line and the reason.

use apispm_core::{Classification, Control, Severity};
use apispm_policy::{BUILTIN_SOURCE, PolicyError, PolicySet, SEED_POLICIES_YAML, Var};
use std::time::{Duration, Instant};

fn refuse(yaml: &str) -> PolicyError {
    match PolicySet::from_yaml(yaml, "dir/p.yaml") {
        Ok(s) => panic!("loaded {} policies from:\n{yaml}", s.policies.len()),
        Err(e) => {
            assert_eq!(e.file, "dir/p.yaml");
            assert!(e.to_string().starts_with("dir/p.yaml:"), "{e}");
            e
        }
    }
}

/// Asserts line, column (when given) and a piece of the reason.
fn refused_at(yaml: &str, line: usize, column: Option<usize>, reason: &str) -> PolicyError {
    let e = refuse(yaml);
    assert_eq!(e.line, line, "{e}");
    if column.is_some() {
        assert_eq!(e.column, column, "{e}");
    }
    assert!(e.reason.contains(reason), "{e}\n  wanted: {reason}");
    e
}

/// One policy with the given rule lines (indented 6), in scope of external endpoints.
fn with_rule(rule: &str) -> String {
    format!(
        "policies:\n  - name: p\n    scope:\n      classification: [external]\n    rule:\n{rule}    severity: high\n"
    )
}

#[test]
fn the_seed_file_loads_unchanged_and_is_the_builtin_set() {
    let set = PolicySet::from_yaml(SEED_POLICIES_YAML, "api-security-policies.yaml").unwrap();
    let builtin = PolicySet::builtin();
    assert_eq!(set.policies, builtin.policies);
    assert_eq!(builtin.source, BUILTIN_SOURCE);
    let names: Vec<&str> = set.policies.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "require-authentication",
            "enforce-tls",
            "require-rate-limiting",
            "no-wildcard-cors",
            "documentation-required",
            "deprecation-sunset"
        ]
    );
    let p = &set.policies[0];
    assert_eq!(
        p.description,
        "All external APIs must require authentication"
    );
    assert_eq!(
        p.scope.classification,
        Some(vec![Classification::External, Classification::Partner])
    );
    assert_eq!(p.scope.compliance, None);
    assert_eq!(p.rule.control, Some(Control::Authentication));
    assert_eq!(p.rule.required, Some(true));
    assert_eq!(p.severity, Severity::Critical);
    assert_eq!(p.remediation, "Add OAuth2, API key, or JWT authentication");
    assert_eq!(p.line, 3);
    let cors = &set.policies[3];
    assert_eq!(cors.rule.control, Some(Control::CorsPolicy));
    let cond = cors.rule.condition.as_ref().unwrap();
    assert_eq!(cond.source(), "origin != '*'");
    assert_eq!(cond.vars(), &[Var::Origin]);
    assert_eq!(set.policies[4].rule.documented, Some(true));
    assert_eq!(
        set.policies[5].rule.header_present.as_deref(),
        Some("Sunset")
    );
    assert_eq!(set.policies[5].severity, Severity::Medium);
    assert_eq!(set.policies[5].line, 52);
    assert_eq!(builtin.header_names(), ["sunset"]);
}

#[test]
fn the_shared_seed_file_is_the_embedded_one() {
    // The copy beside the workspace is the normative one; the embedded copy must not drift.
    let shared = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/seed/api-security-policies.yaml"
    );
    match std::fs::read_to_string(shared) {
        Ok(text) => {
            assert_eq!(text, SEED_POLICIES_YAML);
            assert!(PolicySet::from_yaml(&text, shared).is_ok());
        }
        Err(_) => eprintln!("{shared} not present; skipped"),
    }
}

#[test]
fn extensions_load() {
    let set = PolicySet::from_yaml(
        r#"
policies:
  - name: pci-owned
    description: PCI endpoints need an owner
    scope: {compliance: [PCI-DSS, pci-dss, hipaa], classification: external}
    rule: {owner_present: true}
    severity: HIGH
  - name: mostly-authenticated
    scope: {}
    rule:
      control: authentication
      condition: observed_ratio >= 0.9 and (present or requests < 10)
    severity: Info
    remediation: fix it
  - name: off
    rule: {control: rate_limiting, required: false}
    severity: low
  - name: headers
    rule: {header_present: X-Frame-Options, documented: true}
    severity: medium
  - name: also-sunset
    rule: {header_present: x-frame-options}
    severity: medium
"#,
        "ext.yaml",
    )
    .unwrap();
    let p = &set.policies;
    assert_eq!(
        p[0].scope.compliance.as_deref(),
        Some(&["PCI-DSS".to_string(), "hipaa".to_string()][..])
    );
    assert_eq!(
        p[0].scope.classification,
        Some(vec![Classification::External])
    );
    assert_eq!(p[0].severity, Severity::High);
    assert_eq!(p[0].rule.owner_present, Some(true));
    assert_eq!(p[0].line, 3);
    assert_eq!(p[1].scope, Default::default());
    assert_eq!(p[1].severity, Severity::Info);
    assert_eq!(p[1].description, "");
    assert_eq!(p[2].rule.required, Some(false));
    assert_eq!(set.header_names(), ["x-frame-options"]);
    assert_eq!(set.source, "ext.yaml");
    let json = serde_json::to_value(&set.policies[1]).unwrap();
    assert_eq!(
        json["rule"]["condition"],
        "observed_ratio >= 0.9 and (present or requests < 10)"
    );
}

#[test]
fn empty_policy_list_is_allowed() {
    assert!(
        PolicySet::from_yaml("policies: []\n", "x")
            .unwrap()
            .policies
            .is_empty()
    );
}

#[test]
fn broken_yaml_names_the_line() {
    // the acceptance test's broken file
    let e = refused_at(
        "policies:\n  - name: x\n    scope: [unclosed\n",
        4,
        Some(1),
        "invalid YAML: did not find expected ',' or ']'",
    );
    assert_eq!(
        e.to_string(),
        "dir/p.yaml:4:1: invalid YAML: did not find expected ',' or ']', while parsing a flow sequence at line 3 column 12"
    );
    refused_at(
        "policies:\n  - name: x\n\tseverity: high\n",
        3,
        None,
        "invalid YAML",
    );
    refused_at("policies: [a, b\n", 2, None, "invalid YAML");
    refused_at(
        "policies:\n  - name: a\n    name: b\n    rule: {documented: true}\n    severity: high\n",
        2,
        None,
        "duplicate entry with key \"name\"",
    );
    refused_at(
        "--- \npolicies: []\n---\npolicies: []\n",
        1,
        None,
        "more than one document",
    );
}

#[test]
fn empty_and_misshapen_documents() {
    refused_at("", 1, None, "empty policy file");
    refused_at("# nothing\n\n", 1, None, "empty policy file");
    refused_at("\n- name: x\n", 2, Some(1), "found a list");
    refused_at(
        "\nplicies: []\n",
        2,
        Some(1),
        "unknown key `plicies` at the top level (did you mean `policies`?)",
    );
    refused_at("a: 1\n", 1, Some(1), "unknown key `a`");
    refused_at("policies:\n", 1, Some(10), "`policies` must be a list");
    refused_at(
        "policies: {name: x}\n",
        1,
        Some(11),
        "`policies` must be a list",
    );
    refused_at(
        "policies:\n  - just a string\n",
        2,
        Some(5),
        "policy #1 must be a mapping",
    );
    refused_at(
        "{1: 2}\n",
        1,
        Some(1),
        "keys at the top level must be plain names",
    );
}

#[test]
fn unknown_keys_anywhere() {
    refused_at(
        "policies:\n  - name: a\n    rule: {documented: true}\n    severity: high\n    owner: me\n",
        5,
        Some(5),
        "policy `a`: unknown key `owner` in a policy",
    );
    refused_at(
        "policies:\n  - name: a\n    scope:\n      classification: [external]\n      tags: [x]\n    rule: {documented: true}\n    severity: high\n",
        5,
        Some(7),
        "unknown key `tags` in `scope`",
    );
    let e = refused_at(
        &with_rule("      documented: true\n      header-present: Sunset\n"),
        7,
        Some(7),
        "unknown key `header-present` in a rule",
    );
    assert!(e.reason.contains("did you mean `header_present`"), "{e}");
    refused_at(
        "base: &b {documented: true}\npolicies:\n  - name: a\n    rule:\n      <<: *b\n    severity: high\n",
        1,
        None,
        "unknown key `base`",
    );
    refused_at(
        "policies:\n  - name: a\n    rule:\n      <<: {documented: true}\n    severity: high\n",
        4,
        Some(7),
        "merge keys are not supported",
    );
}

#[test]
fn bad_values_name_their_line_and_column() {
    refused_at(
        &with_rule("      control: authn\n      required: true\n"),
        6,
        Some(16),
        "unknown control `authn`",
    );
    let e = refused_at(
        &with_rule("      control: authentcation\n      required: true\n"),
        6,
        Some(16),
        "did you mean `authentication`",
    );
    assert!(e.reason.starts_with("policy `p`: "), "{e}");
    refused_at(
        &with_rule("      control: [authentication]\n      required: true\n"),
        6,
        Some(16),
        "`control` must be a string",
    );
    refused_at(
        &with_rule("      control: authentication\n      required: yes\n"),
        7,
        Some(17),
        "found the string 'yes'",
    );
    refused_at(
        &with_rule("      documented: 1\n"),
        6,
        Some(19),
        "`documented` must be true or false",
    );
    refused_at(
        &with_rule("      owner_present: \"true\"\n"),
        6,
        Some(22),
        "`owner_present` must be true or false",
    );
    refused_at(
        &with_rule("      header_present: \"Sun set\"\n"),
        6,
        Some(23),
        "not an HTTP header name",
    );
    refused_at(
        &with_rule("      header_present: \"\"\n"),
        6,
        Some(23),
        "not an HTTP header name",
    );
    refused_at(
        &with_rule("      condition: true\n"),
        6,
        Some(18),
        "`condition` must be a string",
    );
    refused_at(
        "policies:\n  - name: a\n    rule: {documented: true}\n    severity: urgent\n",
        4,
        Some(15),
        "unknown severity `urgent`; expected critical, high, medium, low or info",
    );
    refused_at(
        "policies:\n  - name: a\n    rule: {documented: true}\n    severity: 3\n",
        4,
        Some(15),
        "`severity` must be",
    );
    refused_at(
        "policies:\n  - name: a\n    scope:\n      classification: [external, publik]\n    rule: {documented: true}\n    severity: high\n",
        4,
        Some(34),
        "unknown classification `publik`",
    );
    refused_at(
        "policies:\n  - name: a\n    scope: {classification: []}\n    rule: {documented: true}\n    severity: high\n",
        3,
        Some(29),
        "`classification` lists nothing",
    );
    refused_at(
        "policies:\n  - name: a\n    scope: {compliance: }\n    rule: {documented: true}\n    severity: high\n",
        3,
        None,
        "`compliance` lists nothing",
    );
    refused_at(
        "policies:\n  - name: a\n    scope: {compliance: [pci, 3]}\n    rule: {documented: true}\n    severity: high\n",
        3,
        Some(31),
        "entries must be strings",
    );
    refused_at(
        "policies:\n  - name: a\n    scope: [external]\n    rule: {documented: true}\n    severity: high\n",
        3,
        Some(12),
        "`scope` must be a mapping",
    );
    refused_at(
        "policies:\n  - name: \"  \"\n    rule: {documented: true}\n    severity: high\n",
        2,
        Some(11),
        "policy name is empty",
    );
    refused_at(
        "policies:\n  - name: 7\n    rule: {documented: true}\n    severity: high\n",
        2,
        Some(11),
        "`name` must be a string",
    );
}

#[test]
fn missing_parts_and_empty_rules() {
    refused_at(
        "policies:\n  - rule: {documented: true}\n    severity: high\n",
        2,
        Some(5),
        "policy #1: no `name`",
    );
    refused_at(
        "policies:\n  - name: a\n    rule: {documented: true}\n",
        2,
        Some(5),
        "policy `a`: no `severity`",
    );
    refused_at(
        "policies:\n  - name: a\n    severity: high\n",
        2,
        Some(5),
        "policy `a`: no `rule`",
    );
    refused_at(
        "policies:\n  - name: a\n    rule: {}\n    severity: high\n",
        3,
        Some(11),
        "empty rule",
    );
    refused_at(
        "policies:\n  - name: a\n    rule:\n    severity: high\n",
        3,
        None,
        "empty rule",
    );
    refused_at(
        "policies:\n  - name: a\n    rule: documented\n    severity: high\n",
        3,
        Some(11),
        "`rule` must be a mapping",
    );
    refused_at(
        &with_rule("      required: true\n"),
        6,
        Some(7),
        "`required` needs a `control`",
    );
    refused_at(
        &with_rule("      control: authentication\n"),
        6,
        Some(7),
        "`control: authentication` alone checks nothing",
    );
}

#[test]
fn duplicate_policy_names() {
    refused_at(
        "policies:\n  - name: a\n    rule: {documented: true}\n    severity: high\n  - name: b\n    rule: {documented: true}\n    severity: high\n  - name: a\n    rule: {documented: true}\n    severity: high\n",
        8,
        Some(11),
        "duplicate policy name `a`; the first is at line 2",
    );
}

#[test]
fn bad_conditions_point_into_the_expression() {
    // double-quoted: column of the `=` itself
    let e = refused_at(
        &with_rule("      control: cors_policy\n      condition: \"origin = '*'\"\n"),
        7,
        Some(26),
        "bad condition \"origin = '*'\": `=` is not an operator; compare with `==` (at character 8)",
    );
    assert_eq!(
        e.to_string(),
        "dir/p.yaml:7:26: policy `p`: bad condition \"origin = '*'\": `=` is not an operator; compare with `==` (at character 8)"
    );
    // plain scalar
    refused_at(
        &with_rule("      control: cors_policy\n      condition: origin = '*'\n"),
        7,
        Some(25),
        "`=` is not an operator",
    );
    // single-quoted with an escaped quote inside: the scalar's column, and the offset in the text
    refused_at(
        &with_rule("      control: cors_policy\n      condition: 'origin == ''*'' and'\n"),
        7,
        Some(18),
        "(at character 18)",
    );
    refused_at(
        &with_rule("      control: cors_policy\n      condition: \"origni != '*'\"\n"),
        7,
        Some(19),
        "unknown name `origni`",
    );
    refused_at(
        &with_rule("      control: cors_policy\n      condition: \"origin < 3\"\n"),
        7,
        Some(26),
        "cannot compare a string with a number",
    );
    refused_at(
        &with_rule("      control: cors_policy\n      condition: \"\"\n"),
        7,
        Some(19),
        "empty condition",
    );
    refused_at(
        &with_rule("      condition: \"present or documented\"\n"),
        6,
        Some(19),
        "this rule has no `control`",
    );
    refused_at(
        &with_rule("      condition: \"documented and observed_ratio > 0.5\"\n"),
        6,
        Some(34),
        "`observed_ratio` describes the rule's control",
    );
    // block scalar: the scalar's line
    refused_at(
        &with_rule(
            "      control: cors_policy\n      condition: >-\n        origin !=\n        '*' or\n",
        ),
        7,
        None,
        "expected a value",
    );
}

/// The acceptance test's bomb: nine levels of nine aliases, `policies: *a9`.
fn bomb(levels: usize) -> String {
    let mut lines = vec![format!("a0: &a0 [{}]", ["\"lol\""; 9].join(","))];
    for i in 1..levels {
        lines.push(format!(
            "a{i}: &a{i} [{}]",
            vec![format!("*a{}", i - 1); 9].join(",")
        ));
    }
    lines.push(format!("policies: *a{}", levels - 1));
    lines.join("\n") + "\n"
}

#[test]
fn alias_bomb_is_refused_quickly() {
    let text = bomb(10);
    let start = Instant::now();
    let e = refuse(&text);
    let took = start.elapsed();
    assert!(took < Duration::from_millis(500), "took {took:?}");
    assert!(e.reason.contains("alias bomb"), "{e}");
    assert_eq!(e.line, 2, "{e}");
}

#[test]
fn smaller_alias_bombs_are_refused_too() {
    for levels in 4..10 {
        let start = Instant::now();
        let e = refuse(&bomb(levels));
        assert!(start.elapsed() < Duration::from_millis(500));
        // either the expansion bound or, for the small ones, the unknown `a0` key
        assert!(
            e.reason.contains("alias bomb") || e.reason.contains("unknown key `a0`"),
            "{e}"
        );
    }
}

#[test]
fn aliases_that_expand_reasonably_are_fine() {
    let set = PolicySet::from_yaml(
        "policies:\n  - name: a\n    scope: &ext {classification: [external]}\n    rule: {documented: true}\n    severity: high\n  - name: b\n    scope: *ext\n    rule: {owner_present: true}\n    severity: low\n",
        "x",
    )
    .unwrap();
    assert_eq!(set.policies[0].scope, set.policies[1].scope);
    // an error inside an alias is placed at the anchored definition, where the fix goes
    refused_at(
        "policies:\n  - name: a\n    scope: &ext {classification: [extrnal]}\n    rule: {documented: true}\n    severity: high\n  - name: b\n    scope: *ext\n    rule: {owner_present: true}\n    severity: low\n",
        3,
        Some(35),
        "unknown classification",
    );
}

#[test]
fn deep_nesting_is_refused_quickly() {
    // the YAML scanner is quadratic in flow nesting: this must not reach it
    let start = Instant::now();
    let text = format!("policies: {}{}\n", "[".repeat(100_000), "]".repeat(100_000));
    let e = refused_at(&text, 1, Some(139), "nest deeper than 128 levels");
    assert!(start.elapsed() < Duration::from_millis(500), "{e}");
    // block nesting: yaml_serde's own recursion limit
    let text = format!("policies:\n{}a\n", "- ".repeat(50_000));
    refused_at(&text, 2, None, "recursion limit exceeded");
    assert!(start.elapsed() < Duration::from_secs(2));
}

#[test]
fn huge_files_without_aliases_are_refused_by_size() {
    let text = format!("policies: [{}]\n", vec!["1"; 250_000].join(","));
    refused_at(&text, 1, None, "more than 200000 YAML nodes");
}

//! `docs/audit.md` lists every rule with the severity the code gives it.

#[test]
fn every_rule_is_documented_with_its_severity() {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/audit.md"))
        .unwrap();
    for r in apispm_audit::rules() {
        let row = doc
            .lines()
            .find(|l| l.starts_with(&format!("| `{}` |", r.id)))
            .unwrap_or_else(|| panic!("{} has no row in docs/audit.md", r.id));
        let severity_column = row.split('|').nth(3).unwrap_or("");
        assert!(
            severity_column.contains(r.severity.name()),
            "{}: the row does not give {}: {row}",
            r.id,
            r.severity.name()
        );
        assert!(
            row.contains(
                r.category
                    .split(' ')
                    .next()
                    .unwrap()
                    .trim_end_matches(":2023")
            )
        );
    }
}

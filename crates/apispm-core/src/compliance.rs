//! Compliance: which frameworks an endpoint falls under, from the sensitive data it carries,
//! and which of their requirements its missing controls break. The table is data, not code:
//! the defaults below can be replaced in the `compliance:` section of the config file.

use crate::{Assessment, Control, SensitiveType, Severity};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// One requirement a framework places on endpoints carrying its data.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Requirement {
    /// The control that must be present.
    pub control: Control,
    /// The citation, e.g. `PCI DSS v4.0 requirement 4.2.1`.
    pub requirement: String,
    pub description: String,
    pub remediation: String,
    pub severity: Severity,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Framework {
    /// The compliance tag, e.g. `pci-dss`.
    pub tag: String,
    pub name: String,
    #[serde(default)]
    pub requirements: Vec<Requirement>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TagRule {
    /// A sensitive data type, e.g. `credit_card`.
    pub data: SensitiveType,
    pub tags: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ComplianceTable {
    pub tags: Vec<TagRule>,
    pub frameworks: Vec<Framework>,
}

/// A tagged endpoint missing a control its framework requires.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ComplianceGap {
    pub api_id: String,
    pub service: String,
    pub method: String,
    pub path: String,
    pub framework: String,
    pub tag: String,
    pub requirement: String,
    pub control: Control,
    pub severity: Severity,
    pub description: String,
    pub remediation: String,
}

fn req(
    control: Control,
    requirement: &str,
    description: &str,
    remediation: &str,
    severity: Severity,
) -> Requirement {
    Requirement {
        control,
        requirement: requirement.into(),
        description: description.into(),
        remediation: remediation.into(),
        severity,
    }
}

impl Default for ComplianceTable {
    fn default() -> Self {
        let tag = |data, tags: &[&str]| TagRule {
            data,
            tags: tags.iter().map(|t| t.to_string()).collect(),
        };
        let tls_gdpr = req(
            Control::TransportEncryption,
            "GDPR Article 32(1)(a) (encryption of personal data)",
            "Personal data travels without encryption in transit",
            "Serve the endpoint over TLS only; redirect or refuse plain HTTP",
            Severity::High,
        );
        ComplianceTable {
            tags: vec![
                tag(SensitiveType::CreditCard, &["pci-dss"]),
                tag(SensitiveType::Ssn, &["gdpr", "glba"]),
                tag(SensitiveType::Email, &["gdpr"]),
                tag(SensitiveType::Phone, &["gdpr"]),
                tag(SensitiveType::Iban, &["gdpr"]),
                tag(SensitiveType::IpAddress, &["gdpr"]),
                tag(SensitiveType::ApiKey, &["secrets-exposure"]),
                tag(SensitiveType::PrivateKey, &["secrets-exposure"]),
                tag(SensitiveType::Jwt, &["secrets-exposure"]),
            ],
            frameworks: vec![
                Framework {
                    tag: "pci-dss".into(),
                    name: "PCI DSS v4.0".into(),
                    requirements: vec![
                        req(
                            Control::TransportEncryption,
                            "PCI DSS v4.0 requirement 4.2.1 (strong cryptography for cardholder data over open, public networks)",
                            "Cardholder data is transmitted without TLS",
                            "Serve the endpoint over TLS 1.2+ only and refuse plain HTTP",
                            Severity::Critical,
                        ),
                        req(
                            Control::Authentication,
                            "PCI DSS v4.0 requirement 8 (identify users and authenticate access to system components)",
                            "Cardholder data is reachable without authentication",
                            "Require authentication (OAuth2, API keys or mTLS) on every request",
                            Severity::Critical,
                        ),
                    ],
                },
                Framework {
                    tag: "gdpr".into(),
                    name: "GDPR".into(),
                    requirements: vec![tls_gdpr],
                },
                Framework {
                    tag: "glba".into(),
                    name: "GLBA Safeguards Rule".into(),
                    requirements: vec![req(
                        Control::TransportEncryption,
                        "GLBA Safeguards Rule 16 CFR 314.4(c)(3) (encrypt customer information in transit)",
                        "Customer financial information travels without encryption",
                        "Serve the endpoint over TLS only",
                        Severity::High,
                    )],
                },
                Framework {
                    tag: "secrets-exposure".into(),
                    name: "Secrets exposure".into(),
                    requirements: vec![req(
                        Control::TransportEncryption,
                        "OWASP API8:2023 Security Misconfiguration (credentials sent in clear text)",
                        "Credentials or keys travel without encryption",
                        "Serve the endpoint over TLS only and rotate any key seen in clear text",
                        Severity::High,
                    )],
                },
            ],
        }
    }
}

impl ComplianceTable {
    /// The tags that the sensitive data types imply, sorted and distinct.
    pub fn tags_for(&self, types: &[SensitiveType]) -> Vec<String> {
        let set: BTreeSet<String> = self
            .tags
            .iter()
            .filter(|r| types.contains(&r.data))
            .flat_map(|r| r.tags.iter().cloned())
            .collect();
        set.into_iter().collect()
    }

    /// The gaps of an endpoint whose `compliance_tags` are already set.
    pub fn gaps(&self, a: &Assessment) -> Vec<ComplianceGap> {
        if a.requests == 0 {
            return Vec::new();
        }
        let mut out = Vec::new();
        for f in &self.frameworks {
            if !a.compliance_tags.contains(&f.tag) {
                continue;
            }
            for r in &f.requirements {
                if a.control_present(r.control) {
                    continue;
                }
                out.push(ComplianceGap {
                    api_id: a.api_id.clone(),
                    service: a.service.clone(),
                    method: a.method.clone(),
                    path: a.path.clone(),
                    framework: f.name.clone(),
                    tag: f.tag.clone(),
                    requirement: r.requirement.clone(),
                    control: r.control,
                    severity: r.severity,
                    description: r.description.clone(),
                    remediation: r.remediation.clone(),
                });
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Classification, EndpointKey, Labels, RiskModel, Tally, assess};

    #[test]
    fn tags_and_gaps_follow_the_table() {
        let table = ComplianceTable::default();
        assert_eq!(table.tags_for(&[SensitiveType::Ssn]), vec!["gdpr", "glba"]);
        assert_eq!(
            table.tags_for(&[SensitiveType::CreditCard, SensitiveType::Jwt]),
            vec!["pci-dss", "secrets-exposure"]
        );
        assert!(table.tags_for(&[]).is_empty());

        let key = EndpointKey {
            service: "s".into(),
            method: "POST".into(),
            path: "/pay".into(),
        };
        let t = Tally {
            requests: 3,
            with_credentials: 3,
            https: 0,
            ..Default::default()
        };
        let labels = Labels {
            classification: Classification::External,
            exposure: Classification::External,
            documented: true,
            spec_validates_input: false,
        };
        let mut a = assess(&key, &t, &labels, &RiskModel::default());
        a.compliance_tags = vec!["pci-dss".into()];
        let gaps = table.gaps(&a);
        assert_eq!(
            gaps.len(),
            1,
            "authenticated, so only the TLS requirement fails"
        );
        assert!(gaps[0].requirement.contains("4.2.1"));
        assert_eq!(gaps[0].control, Control::TransportEncryption);

        let custom: ComplianceTable = serde_json::from_str(
            r#"{"tags": [{"data": "email", "tags": ["ccpa"]}], "frameworks": []}"#,
        )
        .unwrap();
        assert_eq!(custom.tags_for(&[SensitiveType::Email]), vec!["ccpa"]);
        assert!(custom.gaps(&a).is_empty());
    }
}

//! `apispm.yaml`: settings that are not policies. Unknown keys are errors, so a typo never
//! silently falls back to a default.

use crate::Failure;
use apispm_core::RiskModel;
use apispm_core::compliance::ComplianceTable;
use apispm_core::exposure::{ExposureRule, ExposureRules};
use apispm_core::lifecycle::OwnerRule;
use serde::Deserialize;
use std::path::Path;

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Overrides of the risk formula's constants.
    pub risk: RiskModel,
    /// Which traffic is external, internal or partner; the first matching rule wins.
    pub exposure: Vec<ExposureRule>,
    /// Owning teams by service, host or path glob; the first matching rule wins and beats
    /// what API descriptions and gateways say.
    pub owners: Vec<OwnerRule>,
    /// Sensitive data → compliance tags, and what each framework requires.
    pub compliance: ComplianceTable,
    /// `apispm serve` settings.
    pub server: ServerSettings,
}

/// `server:` in apispm.yaml.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerSettings {
    /// The API's bearer token; `APISPM_TOKEN` wins over it. Keep the file private.
    pub token: Option<String>,
}

impl Config {
    pub fn exposure_rules(&self, path: Option<&Path>) -> Result<ExposureRules, Failure> {
        ExposureRules::new(self.exposure.clone()).map_err(|e| {
            Failure::input(format!(
                "{}: {e}",
                path.map_or("config".to_string(), |p| p.display().to_string())
            ))
        })
    }
}

pub fn load(path: Option<&Path>) -> Result<Config, Failure> {
    let Some(path) = path else {
        return Ok(Config::default());
    };
    let text = std::fs::read_to_string(path)
        .map_err(|e| Failure::input(format!("{}: {e}", path.display())))?;
    yaml_serde::from_str(&text).map_err(|e| {
        let at = e
            .location()
            .map(|l| format!(":{}:{}", l.line(), l.column()))
            .unwrap_or_default();
        Failure::input(format!("{}{at}: {e}", path.display()))
    })
}

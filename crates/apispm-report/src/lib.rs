//! The posture report: what apispm prints at the end of a scan and what the store keeps per
//! snapshot. [`build`] assembles it from endpoint assessments, policy violations and ingest
//! statistics; [`render`] writes it as JSON (the seed's report keys first, then ours), a
//! terminal table, markdown for pull-request comments, SARIF 2.1.0 for code scanning, or one
//! self-contained HTML file. Pure: the caller supplies the clock.

mod build;
pub mod drift;
mod html;
mod markdown;
pub mod sarif;
mod table;

pub use build::{
    ClassificationCounts, Report, ReportInput, RiskDistribution, TopRisk, build, fail_gate,
};
pub use drift::{Drift, drift, render_drift_markdown, render_drift_table};
pub use html::render_html;
pub use markdown::render_markdown;
pub use sarif::{findings_to_sarif, render_sarif, report_to_sarif};
pub use table::render_table;

/// Output formats of `scan` and `report`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutputFormat {
    Table,
    Json,
    Markdown,
    Sarif,
    Html,
}

impl std::str::FromStr for OutputFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "table" => Ok(OutputFormat::Table),
            "json" => Ok(OutputFormat::Json),
            "markdown" | "md" => Ok(OutputFormat::Markdown),
            "sarif" => Ok(OutputFormat::Sarif),
            "html" => Ok(OutputFormat::Html),
            _ => Err(format!(
                "unknown format '{s}' (table, json, markdown, sarif, html)"
            )),
        }
    }
}

pub fn render_json(r: &Report) -> String {
    let mut s = serde_json::to_string_pretty(r).expect("a report always serializes");
    s.push('\n');
    s
}

/// Renders in the chosen format; `color` only affects the table.
pub fn render(r: &Report, format: OutputFormat, color: bool) -> String {
    match format {
        OutputFormat::Json => render_json(r),
        OutputFormat::Table => render_table(r, color),
        OutputFormat::Markdown => render_markdown(r),
        OutputFormat::Sarif => render_sarif(r),
        OutputFormat::Html => render_html(r),
    }
}

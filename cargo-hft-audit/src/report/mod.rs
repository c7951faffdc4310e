//! The report's three formats: rustc-style text, JSON, and SARIF 2.1.0.

pub mod human;
pub mod json;
pub mod sarif;

use crate::Report;

/// An output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// rustc-style diagnostics.
    Human,
    /// The report as JSON.
    Json,
    /// SARIF 2.1.0, for code-scanning tools.
    Sarif,
}

/// Renders `report` in `format`; `deny` shows the denied findings as errors.
pub fn render(report: &Report, format: Format, deny: bool) -> String {
    match format {
        Format::Human => human::render(report, deny),
        Format::Json => json::render(report),
        Format::Sarif => sarif::render(report),
    }
}

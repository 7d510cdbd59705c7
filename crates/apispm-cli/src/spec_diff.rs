//! `apispm diff OLD_SPEC NEW_SPEC`: the security-relevant changes between two versions of an
//! API description (removed security requirements, new anonymous operations, loosened
//! schemas, servers moved to plain HTTP, added and removed operations).

use crate::Failure;
use crate::cli::{DiffArgs, Format};
use crate::scan::write_output;
use apispm_audit::{SpecDocument, render_diff, spec_diff};
use std::io::IsTerminal;
use std::path::Path;

fn load(path: &Path) -> Result<SpecDocument, Failure> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Failure::input(format!("{}: {e}", path.display())))?;
    SpecDocument::parse(text, &path.display().to_string())
        .map_err(|e| Failure::input(e.to_string()))
}

pub fn run(a: &DiffArgs) -> Result<u8, Failure> {
    let [old, new] = a.specs.as_slice() else {
        return Err(Failure::input(
            "diff takes two API descriptions: OLD_SPEC NEW_SPEC",
        ));
    };
    let d = spec_diff(&load(old)?, &load(new)?);
    let format = match a.out.format {
        Some(Format::Json) => apispm_audit::Format::Json,
        Some(Format::Markdown) => apispm_audit::Format::Markdown,
        Some(Format::Table) => apispm_audit::Format::Table,
        Some(other) => {
            return Err(Failure::input(format!(
                "diff of API descriptions prints table, json or markdown, not {other:?}"
            )));
        }
        None if a.out.output.is_none() && std::io::stdout().is_terminal() => {
            apispm_audit::Format::Table
        }
        None => apispm_audit::Format::Json,
    };
    write_output(a.out.output.as_deref(), &render_diff(&d, format))?;
    Ok(0)
}

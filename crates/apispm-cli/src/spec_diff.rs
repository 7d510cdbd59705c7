//! `apispm diff OLD_SPEC NEW_SPEC`: security-relevant changes between two API descriptions.

use crate::Failure;
use crate::cli::DiffArgs;

pub fn run(_a: &DiffArgs) -> Result<u8, Failure> {
    Err(Failure::input("spec drift is being wired in"))
}

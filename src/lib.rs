//! Procura: a policy and approval rules engine for business purchasing.
//!
//! The pipeline runs one way, one module per stage: [`syntax`] (pest) → [`ast`] (typed,
//! spanned) → [`check`] (names, types, every error at once) → evaluation. This crate is
//! the pure core: no I/O, no clock, no platform bindings.

pub mod ast;
pub mod diagnostic;
pub mod problem;
pub mod syntax;

pub use diagnostic::{Diagnostic, Label, LineIndex, Severity, SourceSpan, Span};

/// What checking a policy found: every diagnostic, errors first in source order.
#[derive(Debug, Clone)]
pub struct CheckOutput {
    pub diagnostics: Vec<Diagnostic>,
}

impl CheckOutput {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// Checks policy source given as raw bytes; invalid UTF-8 is a diagnostic, not a panic.
pub fn check_bytes(source: &[u8]) -> CheckOutput {
    let _ = source;
    CheckOutput { diagnostics: Vec::new() }
}

/// Checks policy source, e.g. `check("policy \"x\" { currency CAD }")`.
pub fn check(source: &str) -> CheckOutput {
    check_bytes(source.as_bytes())
}

/// Formats policy source in the one canonical layout, or returns why it cannot.
pub fn format(source: &str) -> Result<String, Vec<Diagnostic>> {
    Ok(source.to_owned())
}

//! Procura: a policy and approval rules engine for business purchasing.
//!
//! The pipeline runs one way, one module per stage: [`syntax`] (pest) → [`ast`] (typed,
//! spanned) → [`check`] (names, types, every error at once) → evaluation. This crate is
//! the pure core: no I/O, no clock, no platform bindings.

#[cfg(feature = "abi")]
pub mod abi;
pub mod approvals;
pub mod ast;
pub mod authorize;
pub mod calendar;
pub mod check;
pub mod compile;
pub mod contract;
pub mod diagnostic;
pub mod engine;
pub mod errors;
pub mod eval;
pub mod expr;
pub mod fields;
pub mod fmt;
pub mod impact;
pub mod invoicing;
pub mod money;
pub mod people;
pub mod problem;
pub mod reports;
pub mod strict;
pub mod syntax;
pub mod testing;
#[cfg(feature = "wasm")]
pub mod wasm;
pub mod workflow;

pub use diagnostic::{Diagnostic, Label, LineIndex, Severity, SourceSpan, Span};
pub use engine::Engine;

/// What checking a policy found: every diagnostic, in source order.
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
    match std::str::from_utf8(source) {
        Ok(text) => check(text),
        Err(error) => {
            let valid = source.get(..error.valid_up_to()).unwrap_or_default();
            let prefix = String::from_utf8_lossy(valid);
            let at = error.valid_up_to();
            let span = Span::new(at, at + error.error_len().unwrap_or(1));
            let report = problem::Report::new(problem::Problem::InvalidUtf8, span);
            CheckOutput {
                diagnostics: vec![report.locate(&LineIndex::new(&prefix))],
            }
        }
    }
}

/// Checks policy source, e.g. `check("policy \"x\" { currency CAD }")`.
pub fn check(source: &str) -> CheckOutput {
    let reports = match syntax::parse(source) {
        Err(reports) => reports,
        Ok(policy) => check::check(&policy).1,
    };
    let index = LineIndex::new(source);
    CheckOutput {
        diagnostics: reports.into_iter().map(|r| r.locate(&index)).collect(),
    }
}

/// Formats policy source in the one canonical layout, or returns why it cannot.
pub fn format(source: &str) -> Result<String, Vec<Diagnostic>> {
    match syntax::parse(source) {
        Ok(policy) => Ok(fmt::print(&policy, source)),
        Err(reports) => {
            let index = LineIndex::new(source);
            Err(reports
                .into_iter()
                .map(|report| report.locate(&index))
                .collect())
        }
    }
}

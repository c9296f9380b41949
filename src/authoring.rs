//! The authoring surface over the front end: check and format policy source, with every
//! problem located by line and column.

use crate::base::diagnostic::{Diagnostic, LineIndex, Span};
use crate::syntax::problem::{Problem, Report};

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
            let report = Report::new(Problem::InvalidUtf8, span);
            CheckOutput {
                diagnostics: vec![report.locate(&LineIndex::new(&prefix))],
            }
        }
    }
}

/// Checks policy source, e.g. `check("policy \"x\" { currency CAD }")`.
pub fn check(source: &str) -> CheckOutput {
    let reports = match crate::syntax::parse(source) {
        Err(reports) => reports,
        Ok(policy) => crate::check::check(&policy).1,
    };
    let index = LineIndex::new(source);
    CheckOutput {
        diagnostics: reports.into_iter().map(|r| r.locate(&index)).collect(),
    }
}

/// Formats policy source in the one canonical layout, or returns why it cannot.
pub fn format(source: &str) -> Result<String, Vec<Diagnostic>> {
    match crate::syntax::parse(source) {
        Ok(policy) => Ok(crate::syntax::fmt::print(&policy, source)),
        Err(reports) => {
            let index = LineIndex::new(source);
            Err(reports
                .into_iter()
                .map(|report| report.locate(&index))
                .collect())
        }
    }
}

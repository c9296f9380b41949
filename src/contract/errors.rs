//! Evaluation error codes: `E01xx` malformed input, `E02xx` unknown references,
//! `E03xx` invalid values, `E04xx` problems met while evaluating a rule, `E05xx` host
//! limits, `E06xx` invoice runs and reports.
//!
//! Request problems name the JSON path of the offending value; rule problems name the
//! rule and its span. Codes never change meaning once published.

use crate::contract::{EvalError, SourceSpanValue};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    /// The input is not JSON, or not the expected shape.
    MalformedJson,
    /// The input is larger than the engine accepts.
    InputTooLarge,
    /// The policy does not compile.
    PolicyInvalid,
    UnknownBuyer,
    UnknownGroup,
    UnknownCurrency,
    UnknownRole,
    UnknownUser,
    UnknownAction,
    /// The buyer holds no role that grants `place_orders` in the buying group.
    NotAuthorized,
    DuplicateId,
    InvalidQuantity,
    TooManyDecimals,
    NegativeAmount,
    InvalidCategory,
    InvalidTimestamp,
    InvalidRate,
    ProfileMismatch,
    EmptyOrder,
    /// A custom field the policy does not declare (at that level).
    UndeclaredField,
    /// A required custom field is absent or empty.
    MissingRequiredField,
    /// A custom field value that is not a number, an amount or a date, or is too long.
    InvalidFieldValue,
    /// A `one of` field value outside its list.
    FieldValueNotListed,
    /// A text field value that does not match its pattern.
    FieldPatternMismatch,
    MissingRate,
    Overflow,
    MissingBudgetSpend,
    MissingField,
    ChainCycle,
    ChainTooLong,
    UnknownApprover,
    OrderCancelled,
    NoInvoiceRule,
    OutsidePeriod,
    NotYetDue,
    UnknownColumn,
    InvalidDate,
    /// Bytes that are not a whole, intact policy artifact.
    ArtifactMalformed,
    /// An artifact of a format version this engine does not read.
    ArtifactVersion,
    /// An intact artifact whose content does not hold together.
    ArtifactInvalid,
    /// A policy whose hash is not the one the host pinned.
    PolicyHashMismatch,
}

impl ErrorCode {
    pub fn code(self) -> &'static str {
        use ErrorCode::*;
        match self {
            MalformedJson => "E0101",
            InputTooLarge => "E0102",
            PolicyInvalid => "E0103",
            UnknownBuyer => "E0201",
            UnknownGroup => "E0202",
            UnknownCurrency => "E0203",
            UnknownRole => "E0204",
            UnknownUser => "E0205",
            UnknownAction => "E0206",
            NotAuthorized => "E0207",
            DuplicateId => "E0301",
            InvalidQuantity => "E0302",
            TooManyDecimals => "E0303",
            NegativeAmount => "E0304",
            InvalidCategory => "E0305",
            InvalidTimestamp => "E0306",
            InvalidRate => "E0307",
            ProfileMismatch => "E0308",
            EmptyOrder => "E0309",
            UndeclaredField => "E0310",
            MissingRequiredField => "E0311",
            InvalidFieldValue => "E0312",
            FieldValueNotListed => "E0313",
            FieldPatternMismatch => "E0314",
            MissingRate => "E0401",
            Overflow => "E0402",
            MissingBudgetSpend => "E0403",
            MissingField => "E0404",
            ChainCycle => "E0405",
            ChainTooLong => "E0406",
            UnknownApprover => "E0407",
            OrderCancelled => "E0601",
            NoInvoiceRule => "E0602",
            OutsidePeriod => "E0603",
            NotYetDue => "E0604",
            UnknownColumn => "E0605",
            InvalidDate => "E0606",
            ArtifactMalformed => "E0701",
            ArtifactVersion => "E0702",
            ArtifactInvalid => "E0703",
            PolicyHashMismatch => "E0704",
        }
    }

    pub fn help(self) -> Option<&'static str> {
        use ErrorCode::*;
        Some(match self {
            MalformedJson => "check the input against the JSON schema in `schema/`",
            InputTooLarge => "split the request",
            MissingRate => "add the rate to `context.rates`",
            MissingBudgetSpend => "send the budget's consumption in `context.budgets`",
            TooManyDecimals => "round the amount to the currency's minor unit",
            UndeclaredField => "send only the fields the policy declares, order fields in `order.fields` and line fields in each line's `fields`",
            ChainCycle => "fix the `manager` fields in the directory",
            NotAuthorized => {
                "order for a group where a role of the buyer grants `place_orders`, or assign one in the directory"
            }
            ArtifactMalformed | ArtifactInvalid => {
                "rebuild the artifact with `procura build` and publish it again"
            }
            ArtifactVersion => "build the artifact with the `procura build` of this engine's version",
            _ => return None,
        })
    }
}

/// A problem with the input at a JSON path, e.g. `order.lines[2].unitPrice`.
pub fn request_error(
    code: ErrorCode,
    message: impl Into<String>,
    path: impl Into<String>,
) -> EvalError {
    EvalError {
        code: code.code().to_owned(),
        message: message.into(),
        help: code.help().map(str::to_owned),
        path: Some(path.into()),
        rule: None,
        span: None,
    }
}

/// A problem met while evaluating a rule.
pub fn rule_error(
    code: ErrorCode,
    message: impl Into<String>,
    rule: &str,
    span: SourceSpanValue,
) -> EvalError {
    EvalError {
        code: code.code().to_owned(),
        message: message.into(),
        help: code.help().map(str::to_owned),
        path: None,
        rule: Some(rule.to_owned()),
        span: Some(span),
    }
}

/// `errors` with their JSON paths placed under `prefix`, e.g. `users[0].id` under
/// `directory` → `directory.users[0].id`; the root path `""` becomes `prefix` itself.
pub fn under(prefix: &str, errors: Vec<EvalError>) -> Vec<EvalError> {
    errors
        .into_iter()
        .map(|mut e| {
            e.path = e.path.map(|p| {
                if p.is_empty() {
                    prefix.to_owned()
                } else {
                    format!("{prefix}.{p}")
                }
            });
            e
        })
        .collect()
}

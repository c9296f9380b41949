//! The catalogue of front-end problems: one variant per kind, each with a stable code.
//!
//! Codes never change meaning once published: `P00xx` source and syntax, `P01xx`
//! declarations, `P02xx` names, `P03xx` types, `P04xx` values, `P05xx` warnings.
//! A [`Report`] pairs a problem with where it happened; [`Report::locate`] turns it into a
//! [`Diagnostic`] once line and column are known.

use thiserror::Error;

use crate::base::diagnostic::{Diagnostic, Label, LineIndex, Severity, Span};

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum Problem {
    // ─── P00xx: source and syntax ───
    #[error("internal error: {what}")]
    Internal { what: String },
    #[error("policy source is not valid utf-8")]
    InvalidUtf8,
    #[error("policy source is {size} bytes, more than the limit of {limit}")]
    SourceTooLarge { size: usize, limit: usize },
    #[error("nesting is deeper than the limit of {limit}")]
    NestingTooDeep { limit: usize },
    #[error("policy is too complex to parse within the parser's step limit")]
    ParserLimit,
    #[error("{found}, expected {expected}")]
    Syntax { found: String, expected: String },
    #[error("invalid escape `{escape}` in string")]
    InvalidEscape { escape: String },
    #[error("number `{text}` is out of range")]
    NumberOutOfRange { text: String },
    #[error("`{text}` is not a valid date")]
    InvalidDate { text: String },
    #[error("expression nesting is deeper than the limit of {limit}")]
    ExpressionTooDeep { limit: usize },

    // ─── P01xx: declarations ───
    #[error("policy has no `policy` header")]
    MissingHeader,
    #[error("policy header is declared more than once")]
    DuplicateHeader,
    #[error("setting `{setting}` is given more than once")]
    DuplicateSetting { setting: String },
    #[error("{kind} `{name}` is declared more than once")]
    DuplicateName { kind: &'static str, name: String },
    #[error("header has no `currency` setting")]
    MissingCurrency,
    #[error("`{name}` is a built-in {kind} and cannot be redeclared")]
    RedeclaredBuiltin { kind: &'static str, name: String },

    // ─── P02xx: names ───
    #[error("unknown group `{name}`")]
    UnknownGroup {
        name: String,
        suggestion: Option<String>,
    },
    #[error("unknown role `{name}`")]
    UnknownRole {
        name: String,
        suggestion: Option<String>,
    },
    #[error("unknown action `{name}`")]
    UnknownAction {
        name: String,
        suggestion: Option<String>,
    },
    #[error("unknown category alias `{name}`")]
    UnknownCategory {
        name: String,
        suggestion: Option<String>,
    },
    #[error("unknown budget `{name}`")]
    UnknownBudget {
        name: String,
        suggestion: Option<String>,
    },
    #[error("`{id}` is not a valid category id")]
    InvalidCategoryId { id: String },
    #[error("unknown field `{path}`")]
    UnknownField {
        path: String,
        suggestion: Option<String>,
    },
    #[error("role `{name}` extends itself through `{through}`")]
    RoleCycle { name: String, through: String },
    #[error("unknown currency `{code}`")]
    UnknownCurrency { code: String },
    #[error("unknown product `{id}` in the preferred list")]
    UnknownPreferredProduct { id: String },
    #[error("no field `{name}` is declared")]
    UnknownCustomField {
        name: String,
        suggestion: Option<String>,
    },
    #[error("field `{name}` is declared on {declared}, read it as `{path}`")]
    FieldLevelMismatch {
        name: String,
        declared: &'static str,
        path: String,
    },

    // ─── P03xx: types ───
    #[error("expected {expected}, found {found}")]
    TypeMismatch { expected: String, found: String },
    #[error("cannot compare {left} with {right}")]
    IncomparableTypes { left: String, right: String },
    #[error("amounts in `{left}` and `{right}` cannot be compared without a conversion")]
    CurrencyMismatch { left: String, right: String },
    #[error("operator `{op}` does not apply to {left} and {right}")]
    InvalidOperands {
        op: String,
        left: String,
        right: String,
    },
    #[error("`{path}` is only available inside a line rule or `lines where`")]
    LineOutsideLines { path: String },

    // ─── P04xx: values ───
    #[error("terms net {days} need account tier `{needed}`, the policy's tier is `{tier}`")]
    TermsNeedTier {
        days: u64,
        needed: &'static str,
        tier: String,
    },
    #[error("terms net {days} are not offered")]
    UnsupportedTerms { days: u64 },
    #[error("quorum of {count} is more than the {available} approvers listed")]
    QuorumTooLarge { count: u64, available: usize },
    #[error("quorum must be at least 1")]
    QuorumZero,
    #[error("levels must be numbered upward from 1 without gaps, found level {found} where {expected} was expected")]
    LevelNumbering { found: u64, expected: u64 },
    #[error("`restrict` needs an `approve` clause saying who approves")]
    RestrictWithoutApprovers,
    #[error("`approve` only applies to `restrict`")]
    ApproversWithoutRestrict,
    #[error("percentage `{value}%` is out of range")]
    PercentOutOfRange { value: String },
    #[error("amount `{amount}` has more decimals than `{currency}` allows ({allowed})")]
    TooManyDecimals {
        amount: String,
        currency: String,
        allowed: u32,
    },
    #[error("amount must be positive")]
    NonPositiveAmount,
    #[error("budget bands must widen: `{current}%` is not above `{previous}%`")]
    BandsOutOfOrder { previous: String, current: String },
    #[error("the unlimited `over:` band must come last")]
    UnlimitedBandNotLast,
    #[error("default payment method `{method}` is not in the allowed list")]
    DefaultNotAllowed { method: String },
    #[error("`{key}` is listed more than once")]
    DuplicateKey { key: String },
    #[error("management chain length must be between 1 and {limit}")]
    ChainLengthOutOfRange { limit: u64 },
    #[error("a window of {hours} hours is longer than the limit of {limit} days")]
    WindowTooLong { hours: u64, limit: u64 },
    #[error("every {weeks} weeks is not supported, use 1 or 2")]
    UnsupportedWeeks { weeks: u64 },
    #[error("test expects line `{line}`, which the test does not declare")]
    UnknownTestLine { line: String },
    #[error("line `{line}` is declared more than once in this test")]
    DuplicateTestLine { line: String },
    #[error("quantity must be at least 1")]
    ZeroQuantity,
    #[error("the preferred list is empty: name products or suppliers")]
    EmptyPreferredList,
    #[error("price rule references `{id}`, which has no price in the preferred list")]
    PriceReferenceWithoutPrice { id: String },
    #[error("duration must be longer than zero")]
    ZeroDuration,
    #[error("`pattern` only applies to `text` fields, `{name}` is `{kind}`")]
    PatternOnNonText { name: String, kind: &'static str },
    #[error("`one of` lists no values")]
    EmptyChoice,
    #[error("pattern is longer than the limit of {limit} characters")]
    PatternTooLong { limit: usize },

    // ─── P05xx: warnings ───
    #[error("rule `{name}` can never apply: {reason}")]
    NeverFires { name: String, reason: String },
    #[error("rules `{first}` and `{second}` contradict each other: {reason}")]
    Contradiction {
        first: String,
        second: String,
        reason: String,
    },
    #[error("category alias `{name}` is never used")]
    UnusedCategory { name: String },
    #[error("group `{name}` is excepted but lies outside the rule's scope")]
    ExceptionOutsideScope { name: String },
    #[error("field `{name}` can never be `{value}`: {reason}")]
    ImpossibleFieldValue {
        value: String,
        name: String,
        reason: String,
    },
}

impl Problem {
    /// The stable code, e.g. `P0201` for an unknown group.
    pub fn code(&self) -> &'static str {
        use Problem::*;
        match self {
            Internal { .. } => "P0000",
            InvalidUtf8 => "P0001",
            SourceTooLarge { .. } => "P0002",
            NestingTooDeep { .. } => "P0003",
            ParserLimit => "P0004",
            Syntax { .. } => "P0005",
            InvalidEscape { .. } => "P0006",
            NumberOutOfRange { .. } => "P0007",
            InvalidDate { .. } => "P0008",
            ExpressionTooDeep { .. } => "P0009",
            MissingHeader => "P0101",
            DuplicateHeader => "P0102",
            DuplicateSetting { .. } => "P0103",
            DuplicateName { .. } => "P0104",
            MissingCurrency => "P0105",
            RedeclaredBuiltin { .. } => "P0106",
            UnknownGroup { .. } => "P0201",
            UnknownRole { .. } => "P0202",
            UnknownAction { .. } => "P0203",
            UnknownCategory { .. } => "P0204",
            UnknownBudget { .. } => "P0205",
            InvalidCategoryId { .. } => "P0206",
            UnknownField { .. } => "P0207",
            RoleCycle { .. } => "P0208",
            UnknownCurrency { .. } => "P0209",
            UnknownPreferredProduct { .. } => "P0210",
            UnknownCustomField { .. } => "P0211",
            FieldLevelMismatch { .. } => "P0212",
            TypeMismatch { .. } => "P0301",
            IncomparableTypes { .. } => "P0302",
            CurrencyMismatch { .. } => "P0303",
            InvalidOperands { .. } => "P0304",
            LineOutsideLines { .. } => "P0305",
            TermsNeedTier { .. } => "P0401",
            UnsupportedTerms { .. } => "P0402",
            QuorumTooLarge { .. } => "P0403",
            QuorumZero => "P0404",
            LevelNumbering { .. } => "P0405",
            RestrictWithoutApprovers => "P0406",
            ApproversWithoutRestrict => "P0407",
            PercentOutOfRange { .. } => "P0408",
            TooManyDecimals { .. } => "P0409",
            NonPositiveAmount => "P0410",
            BandsOutOfOrder { .. } => "P0411",
            UnlimitedBandNotLast => "P0412",
            DefaultNotAllowed { .. } => "P0413",
            DuplicateKey { .. } => "P0414",
            ChainLengthOutOfRange { .. } => "P0416",
            WindowTooLong { .. } => "P0417",
            UnsupportedWeeks { .. } => "P0418",
            UnknownTestLine { .. } => "P0419",
            DuplicateTestLine { .. } => "P0420",
            ZeroQuantity => "P0421",
            EmptyPreferredList => "P0422",
            PriceReferenceWithoutPrice { .. } => "P0423",
            ZeroDuration => "P0424",
            PatternOnNonText { .. } => "P0425",
            EmptyChoice => "P0426",
            PatternTooLong { .. } => "P0427",
            NeverFires { .. } => "P0501",
            Contradiction { .. } => "P0502",
            UnusedCategory { .. } => "P0503",
            ExceptionOutsideScope { .. } => "P0504",
            ImpossibleFieldValue { .. } => "P0505",
        }
    }

    pub fn severity(&self) -> Severity {
        use Problem::*;
        match self {
            NeverFires { .. }
            | Contradiction { .. }
            | UnusedCategory { .. }
            | ExceptionOutsideScope { .. }
            | ImpossibleFieldValue { .. } => Severity::Warning,
            _ => Severity::Error,
        }
    }

    /// How to fix it, when there is something useful to say.
    pub fn help(&self) -> Option<String> {
        use Problem::*;
        let suggestion = |s: &Option<String>| s.as_ref().map(|s| format!("did you mean `{s}`?"));
        match self {
            InvalidUtf8 => Some("save the file as utf-8".into()),
            SourceTooLarge { .. } => Some("split the policy or remove unused rules".into()),
            NestingTooDeep { .. } | ExpressionTooDeep { .. } => {
                Some("flatten the expression or split it into several rules".into())
            }
            InvalidEscape { .. } => {
                Some("strings support `\\\"`, `\\\\`, `\\n`, `\\t`, `\\r` and `\\u{…}`".into())
            }
            MissingHeader => {
                Some("start the file with `policy \"Name\" { currency CAD }`".into())
            }
            MissingCurrency => Some("add `currency CAD` (any ISO 4217 code) to the header".into()),
            UnknownGroup { suggestion: s, .. }
            | UnknownRole { suggestion: s, .. }
            | UnknownAction { suggestion: s, .. }
            | UnknownCategory { suggestion: s, .. }
            | UnknownBudget { suggestion: s, .. }
            | UnknownField { suggestion: s, .. } => suggestion(s),
            UnknownCustomField {
                suggestion: None,
                name,
            } => Some(format!("declare it with `field {name} {{ … }}`")),
            UnknownCustomField { suggestion: s, .. } => suggestion(s),
            PatternOnNonText { .. } => {
                Some("use `type text`, or drop the pattern: a list or a type says enough".into())
            }
            EmptyChoice => Some("list the values, e.g. `type one of \"capex\", \"opex\"`".into()),
            InvalidCategoryId { .. } => Some(
                "use a lowercase path such as `office/paper/copier` or an 8-digit unspsc code such as `44121600`"
                    .into(),
            ),
            CurrencyMismatch { .. } => {
                Some("write both amounts in the policy currency; rates convert order amounts".into())
            }
            TermsNeedTier { needed, .. } => Some(format!("set `tier {needed}` in the header if the account qualifies")),
            UnsupportedTerms { .. } => Some("use net 30, net 45 or net 60".into()),
            LevelNumbering { .. } => Some("number levels 1, 2, 3 in order".into()),
            RestrictWithoutApprovers => {
                Some("add e.g. `approve any of role manager in order.group`".into())
            }
            TooManyDecimals { .. } => Some("round the amount to the currency's minor unit".into()),
            UnlimitedBandNotLast => Some("move `over:` after the `over by at most` bands".into()),
            NeverFires { .. } => Some("remove the rule or widen its condition".into()),
            Contradiction { .. } => Some("keep one of the two rules, or narrow their scopes".into()),
            _ => None,
        }
    }
}

/// A problem found at a place in the source, with optional secondary places.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub problem: Problem,
    pub span: Span,
    pub labels: Vec<(Span, String)>,
}

impl Report {
    pub fn new(problem: Problem, span: Span) -> Self {
        Report {
            problem,
            span,
            labels: Vec::new(),
        }
    }

    /// Adds a secondary label, e.g. `.label(first.span, "first declared here")`.
    pub fn label(mut self, span: Span, message: impl Into<String>) -> Self {
        self.labels.push((span, message.into()));
        self
    }

    pub fn locate(self, index: &LineIndex<'_>) -> Diagnostic {
        Diagnostic {
            severity: self.problem.severity(),
            code: self.problem.code(),
            message: self.problem.to_string(),
            help: self.problem.help(),
            span: index.span(self.span),
            labels: self
                .labels
                .into_iter()
                .map(|(span, message)| Label {
                    span: index.span(span),
                    message,
                })
                .collect(),
        }
    }
}

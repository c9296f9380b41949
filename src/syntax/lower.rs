//! Parsing: policy text → [`ast::Policy`], or every syntax problem found.
//!
//! pest does the parsing ([`grammar/procura.pest`]); its `Pairs` never leave this module.
//! Limits are enforced before pest runs so that no input can exhaust the stack or the
//! clock: source size, bracket nesting, and pest's call limit.

use std::iter::Peekable;
use std::num::NonZeroUsize;
use std::sync::OnceLock;

use pest::iterators::{Pair, Pairs};
use pest::pratt_parser::{Assoc, Op, PrattParser};
use pest::Parser as _;
use rust_decimal::Decimal;

use crate::base::diagnostic::Span;
use crate::syntax::ast::*;
use crate::syntax::problem::{Problem, Report};

/// The largest policy source accepted, in bytes.
pub const MAX_SOURCE_BYTES: usize = 4 * 1024 * 1024;
/// The deepest bracket nesting (`(`, `[`, `{` together) accepted.
pub const MAX_NESTING: usize = 64;
/// The deepest expression tree accepted, counting operators and brackets.
pub const MAX_EXPRESSION_DEPTH: usize = 64;
/// pest's call limit: bounds parsing work on pathological input.
pub const PARSER_CALL_LIMIT: usize = 50_000_000;

#[derive(pest_derive::Parser)]
#[grammar = "../grammar/procura.pest"]
struct ProcuraParser;

/// Parses a policy, e.g. `parse("policy \"x\" { currency CAD }")`.
pub fn parse(source: &str) -> Result<Policy, Vec<Report>> {
    if source.len() > MAX_SOURCE_BYTES {
        let span = Span::new(MAX_SOURCE_BYTES, source.len());
        let problem = Problem::SourceTooLarge {
            size: source.len(),
            limit: MAX_SOURCE_BYTES,
        };
        return Err(vec![Report::new(problem, span)]);
    }
    let scan = scan(source);
    if let Some(span) = scan.too_deep {
        return Err(vec![Report::new(
            Problem::NestingTooDeep { limit: MAX_NESTING },
            span,
        )]);
    }
    pest::set_call_limit(NonZeroUsize::new(PARSER_CALL_LIMIT));
    let mut pairs = match ProcuraParser::parse(Rule::policy_file, source) {
        Ok(pairs) => pairs,
        Err(error) => return Err(vec![syntax_report(source, &error)]),
    };
    if let Some(report) = glued_keyword(source, pairs.clone()) {
        return Err(vec![report]);
    }
    let mut lowerer = Lowerer {
        reports: Vec::new(),
    };
    let mut declarations = Vec::new();
    if let Some(file) = pairs.next() {
        for pair in file.into_inner() {
            if pair.as_rule() == Rule::EOI {
                continue;
            }
            if let Some(declaration) = lowerer.declaration(pair) {
                declarations.push(declaration);
            }
        }
    }
    if lowerer.reports.is_empty() {
        Ok(Policy {
            declarations,
            comments: scan.comments,
        })
    } else {
        Err(lowerer.reports)
    }
}

/// Keywords are matched as literals, so `format north` would read as `for` + `mat`: a
/// name that starts right after a letter, digit or `_` was glued to a keyword.
fn glued_keyword(source: &str, pairs: Pairs<'_, Rule>) -> Option<Report> {
    let glued = pairs.flatten().find(|pair| {
        pair.as_rule() == Rule::ident
            && source
                .get(..pair.as_span().start())
                .and_then(|before| before.chars().next_back())
                .is_some_and(|c| c.is_alphanumeric() || c == '_')
    })?;
    let start = glued.as_span().start();
    let word_start = source
        .get(..start)
        .and_then(|before| before.rfind(|c: char| !(c.is_alphanumeric() || c == '_')))
        .map_or(0, |i| i + 1);
    let end = glued.as_span().end();
    let word = source.get(word_start..end).unwrap_or_default();
    let problem = Problem::Syntax {
        found: format!("unexpected `{word}`"),
        expected: "a keyword followed by a space".into(),
    };
    Some(Report::new(problem, Span::new(word_start, end)))
}

// ─── pre-scan: comments and nesting ──────────────────────────────────────────────────

struct Scan {
    comments: Vec<Comment>,
    too_deep: Option<Span>,
}

/// One pass over the bytes: collects `//` comments and finds the first bracket that nests
/// deeper than [`MAX_NESTING`]. Strings are skipped so `"//"` is not a comment.
fn scan(source: &str) -> Scan {
    let bytes = source.as_bytes();
    let mut comments = Vec::new();
    let mut depth = 0usize;
    let mut i = 0;
    while let Some(&byte) = bytes.get(i) {
        match byte {
            b'"' => {
                i += 1;
                while let Some(&b) = bytes.get(i) {
                    match b {
                        b'\\' => i += 2,
                        b'"' | b'\n' => break,
                        _ => i += 1,
                    }
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                let end = bytes
                    .get(i..)
                    .and_then(|rest| rest.iter().position(|&b| b == b'\n'))
                    .map_or(bytes.len(), |n| i + n);
                let text = source.get(i..end).unwrap_or_default().trim_end().to_owned();
                comments.push(Comment {
                    text,
                    span: Span::new(i, end),
                });
                i = end;
                continue;
            }
            b'(' | b'[' | b'{' => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Scan {
                        comments,
                        too_deep: Some(Span::new(i, i + 1)),
                    };
                }
            }
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    Scan {
        comments,
        too_deep: None,
    }
}

// ─── pest errors → reports ───────────────────────────────────────────────────────────

fn syntax_report(source: &str, error: &pest::error::Error<Rule>) -> Report {
    use pest::error::{ErrorVariant, InputLocation};
    let start = match error.location {
        InputLocation::Pos(p) => p,
        InputLocation::Span((s, _)) => s,
    };
    let token = token_at(source, start);
    let span = Span::new(start, start + token.len());
    match &error.variant {
        ErrorVariant::CustomError { .. } => Report::new(Problem::ParserLimit, span),
        ErrorVariant::ParsingError { positives, .. } => {
            let mut expected: Vec<String> = positives
                .iter()
                .filter_map(|r| describe(*r))
                .flat_map(|d| d.split(", "))
                .map(str::to_owned)
                .collect();
            for token in expected_punctuation(source) {
                expected.push(format!("`{token}`"));
            }
            expected.sort_unstable();
            expected.dedup();
            let expected = match expected.as_slice() {
                [] => "something else".to_owned(),
                [one] => one.clone(),
                [init @ .., last] => format!("{} or {last}", init.join(", ")),
            };
            let found = if token.is_empty() {
                "unexpected end of file".to_owned()
            } else {
                format!("unexpected `{token}`")
            };
            Report::new(Problem::Syntax { found, expected }, span)
        }
    }
}

/// The punctuation (`}`, `:`, `,` …) pest expected where parsing failed. Literal tokens
/// are only tracked with error detail on, which costs time, so the failing parse is
/// repeated with it rather than paying for it on every successful parse.
fn expected_punctuation(source: &str) -> Vec<String> {
    pest::set_error_detail(true);
    let retry = ProcuraParser::parse(Rule::policy_file, source);
    pest::set_error_detail(false);
    let Err(error) = retry else { return Vec::new() };
    let Some(attempts) = error.parse_attempts() else {
        return Vec::new();
    };
    attempts
        .expected_tokens()
        .iter()
        .map(ToString::to_string)
        .filter(|t| !t.is_empty() && t != "//" && t.chars().all(|c| c.is_ascii_punctuation()))
        .collect()
}

/// The word or symbol at a byte offset, for "unexpected `…`": at most 40 characters and
/// never past the end of the line.
fn token_at(source: &str, start: usize) -> &str {
    let rest = source.get(start..).unwrap_or_default();
    let rest = rest.split('\n').next().unwrap_or_default();
    let Some(first) = rest.chars().next() else {
        return "";
    };
    let len = if first.is_alphanumeric() || first == '_' {
        rest.find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.'))
            .unwrap_or(rest.len())
    } else if first == '"' {
        rest.get(1..)
            .and_then(|r| r.find('"'))
            .map_or(rest.len(), |n| n + 2)
    } else {
        first.len_utf8()
    };
    let end = rest
        .char_indices()
        .nth(40)
        .map_or(rest.len(), |(i, _)| i)
        .min(len);
    rest.get(..end).unwrap_or_default()
}

/// What a grammar rule looks like to an author; `None` hides it from "expected" lists.
fn describe(rule: Rule) -> Option<&'static str> {
    Some(match rule {
        Rule::EOI => "end of file",
        Rule::ident | Rule::ident_list => "a name",
        Rule::string | Rule::string_list => "a quoted string",
        Rule::integer => "a whole number",
        Rule::decimal => "a number",
        Rule::currency => "a currency code such as `CAD`",
        Rule::money => "an amount such as `1000.00 CAD`",
        Rule::percent => "a percentage such as `10%`",
        Rule::date => "a date such as `2026-01-31`",
        Rule::duration => "a duration such as `7 days`",
        Rule::time_unit => "`hours`, `days`, `weeks`",
        Rule::locale => "a locale such as `fr-CA`",
        Rule::text => "a message",
        Rule::category_ref | Rule::category_list => "a category",
        Rule::header => "`policy`",
        Rule::actions_decl => "`actions`",
        Rule::role_decl => "`role`",
        Rule::group_decl => "`group`",
        Rule::category_decl => "`category`",
        Rule::rule_decl => "`rule`",
        Rule::prefer_decl => "`prefer`",
        Rule::approval_decl => "`approval`",
        Rule::budget_decl => "`budget`",
        Rule::split_decl => "`split`",
        Rule::payment_decl => "`payment`",
        Rule::ship_to_decl => "`ship_to`",
        Rule::po_decl => "`po_number`",
        Rule::field_decl => "`field`",
        Rule::field_on => "`on`",
        Rule::field_level => "`order`, `lines`",
        Rule::field_type => "`type`",
        Rule::field_kind | Rule::field_one_of => "`text`, `number`, `money`, `date`, `one of`",
        Rule::field_presence => "`required`, `optional`",
        Rule::field_pattern => "`pattern`",
        Rule::field_help => "`help`",
        Rule::order_custom | Rule::line_custom => "`field`",
        Rule::invoice_decl => "`invoice`",
        Rule::test_decl => "`test`",
        Rule::currency_setting => "`currency`",
        Rule::rounding_setting => "`rounding`",
        Rule::tier_setting => "`tier`",
        Rule::locale_setting => "`locale`",
        Rule::blocked_line_setting => "`blocked_line`",
        Rule::hold_setting => "`approval_hold`",
        Rule::reapprove_setting => "`reapprove_on`",
        Rule::rounding_mode => "`half_even`, `half_up`, `half_down`, `up`, `down`",
        Rule::tier => "`standard`, `plus`, `premium`",
        Rule::blocked_line_mode => "`blocks_order`, `drops_line`",
        Rule::reapprove_mode => "`any_increase`, `threshold`",
        Rule::scope => "`for`",
        Rule::scope_target => "a group, `all`",
        Rule::all_groups => "`all`",
        Rule::scope_mode => "`only`, `and subgroups`",
        Rule::exceptions => "`except`",
        Rule::rule_effect | Rule::severity => "`block`, `restrict`, `warn`",
        Rule::lines_target => "`lines`",
        Rule::order_target => "`order`",
        Rule::message => "`message`",
        Rule::preferred_products => "`products`",
        Rule::preferred_suppliers => "`suppliers`",
        Rule::otherwise => "`otherwise`",
        Rule::price_rule => "`when price`",
        Rule::action => "`block`, `restrict`, `warn`",
        Rule::level => "`level`",
        Rule::approve => "`approve`",
        Rule::approver_set | Rule::quorum => "`any of`, `all of`, a number followed by `of`",
        Rule::any_of | Rule::all_of | Rule::count_of => "a quorum",
        Rule::user_approver => "`user`",
        Rule::role_approver => "`role`",
        Rule::chain_approver => "`management chain`",
        Rule::manager_approver => "`manager`",
        Rule::group_ref | Rule::order_group => "a group, `order.group`",
        Rule::fallback => "`fallback`",
        Rule::escalation => "`escalate`",
        Rule::self_approval => "`self approval`",
        Rule::self_allowed | Rule::self_denied => "`allowed`, `not allowed`",
        Rule::per_user => "`per user`",
        Rule::period => "`weekly`, `monthly`, `quarterly`, `yearly`",
        Rule::band => "`over`",
        Rule::split_keys | Rule::split_key => "`supplier`, `category`",
        Rule::amount_basis => "`subtotal`, `total`, `tax`, `shipping`",
        Rule::cadence | Rule::per_order | Rule::every_month | Rule::every_weeks => {
            "`per order`, `every month`, `every week`, `every 2 weeks`"
        }
        Rule::invoice_keys | Rule::invoice_key => "`group`, `po_number`, `field`",
        Rule::field_split => "`field`",
        Rule::credit_mode => "`credit_note`, `adjustment`, `listed`",
        Rule::test_user => "`user`",
        Rule::test_buyer => "`buyer`",
        Rule::test_order => "`order`",
        Rule::test_line => "`line`",
        Rule::test_spent => "`spent`",
        Rule::test_expect => "`expect`",
        Rule::outcome => "`allowed`, `approval_required`, `blocked`",
        Rule::verdict => "`allowed`, `preferred`, `warned`, `restricted`, `blocked`",
        Rule::expect_line => "`line`",
        Rule::expect_levels => "`levels`",
        Rule::expect_approver => "`approver`",
        Rule::expect_total => "`total`",
        Rule::expect_invoice => "`invoice`",
        Rule::order_po => "`po`",
        Rule::order_payment => "`payment`",
        Rule::order_ship_to => "`ship_to`",
        Rule::order_cost_centre => "`cost_centre`",
        Rule::test_rate => "`rate`",
        Rule::test_now => "`now`",
        Rule::test_recent => "`recent`",
        Rule::recent_supplier => "`supplier`",
        Rule::recent_category => "`category`",
        Rule::order_tax => "`tax`",
        Rule::order_shipping => "`shipping`",
        Rule::order_currency => "`currency`",
        Rule::test_role => "`role`",
        Rule::expr => "an expression",
        Rule::not_op | Rule::neg_op => "an expression",
        Rule::or_op
        | Rule::and_op
        | Rule::eq_op
        | Rule::ne_op
        | Rule::le_op
        | Rule::ge_op
        | Rule::lt_op
        | Rule::gt_op
        | Rule::in_op
        | Rule::starts_with_op
        | Rule::ends_with_op
        | Rule::add_op
        | Rule::sub_op
        | Rule::mul_op
        | Rule::of_op => "an operator",
        Rule::compare_op => "a comparison such as `>=`",
        Rule::boolean => "`true`, `false`",
        Rule::list => "a list",
        Rule::aggregate | Rule::aggregate_fn => "`sum`, `count`, `any`, `all`",
        Rule::category_set => "`category`",
        Rule::group_set => "`group`",
        Rule::path => "a field such as `order.subtotal`",
        _ => return None,
    })
}

// ─── lowering: pairs → AST ───────────────────────────────────────────────────────────

type Children<'i> = Peekable<Pairs<'i, Rule>>;

fn span_of(pair: &Pair<'_, Rule>) -> Span {
    let s = pair.as_span();
    Span::new(s.start(), s.end())
}

/// Takes the next child if it is `rule`.
fn take<'i>(children: &mut Children<'i>, rule: Rule) -> Option<Pair<'i, Rule>> {
    if children.peek().map(Pair::as_rule) == Some(rule) {
        children.next()
    } else {
        None
    }
}

fn take_all<'i>(children: &mut Children<'i>, rule: Rule) -> Vec<Pair<'i, Rule>> {
    let mut all = Vec::new();
    while let Some(pair) = take(children, rule) {
        all.push(pair);
    }
    all
}

fn ident(pair: &Pair<'_, Rule>) -> Ident {
    Ident {
        name: pair.as_str().to_owned(),
        span: span_of(pair),
    }
}

fn pratt() -> &'static PrattParser<Rule> {
    static PRATT: OnceLock<PrattParser<Rule>> = OnceLock::new();
    PRATT.get_or_init(|| {
        PrattParser::new()
            .op(Op::infix(Rule::or_op, Assoc::Left))
            .op(Op::infix(Rule::and_op, Assoc::Left))
            .op(Op::prefix(Rule::not_op))
            .op(Op::infix(Rule::eq_op, Assoc::Left)
                | Op::infix(Rule::ne_op, Assoc::Left)
                | Op::infix(Rule::lt_op, Assoc::Left)
                | Op::infix(Rule::le_op, Assoc::Left)
                | Op::infix(Rule::gt_op, Assoc::Left)
                | Op::infix(Rule::ge_op, Assoc::Left)
                | Op::infix(Rule::in_op, Assoc::Left)
                | Op::infix(Rule::starts_with_op, Assoc::Left)
                | Op::infix(Rule::ends_with_op, Assoc::Left))
            .op(Op::infix(Rule::add_op, Assoc::Left) | Op::infix(Rule::sub_op, Assoc::Left))
            .op(Op::infix(Rule::mul_op, Assoc::Left) | Op::infix(Rule::of_op, Assoc::Left))
            .op(Op::prefix(Rule::neg_op))
    })
}

struct Lowerer {
    reports: Vec<Report>,
}

/// Returned by lowering steps that already recorded why they failed.
struct Failed;

type Lowered<T> = Result<T, Failed>;

impl Lowerer {
    fn fail<T>(&mut self, problem: Problem, span: Span) -> Lowered<T> {
        self.reports.push(Report::new(problem, span));
        Err(Failed)
    }

    /// The next child, which the grammar guarantees; its absence is an internal error.
    fn next<'i>(&mut self, children: &mut Children<'i>, parent: Span) -> Lowered<Pair<'i, Rule>> {
        match children.next() {
            Some(pair) => Ok(pair),
            None => self.fail(
                Problem::Internal {
                    what: "unexpected end of node".into(),
                },
                parent,
            ),
        }
    }

    fn declaration(&mut self, pair: Pair<'_, Rule>) -> Option<Declaration> {
        let span = span_of(&pair);
        let result = match pair.as_rule() {
            Rule::header => self.header(pair).map(Declaration::Header),
            Rule::actions_decl => self.actions(pair).map(Declaration::Actions),
            Rule::role_decl => self.role(pair).map(Declaration::Role),
            Rule::group_decl => self.group(pair).map(Declaration::Group),
            Rule::category_decl => self.category(pair).map(Declaration::Category),
            Rule::rule_decl => self.rule(pair).map(Declaration::Rule),
            Rule::prefer_decl => self.prefer(pair).map(Declaration::Prefer),
            Rule::approval_decl => self.approval(pair).map(Declaration::Approval),
            Rule::budget_decl => self.budget(pair).map(Declaration::Budget),
            Rule::split_decl => self.split(pair).map(Declaration::Split),
            Rule::payment_decl => self.payment(pair).map(Declaration::Payment),
            Rule::ship_to_decl => self.ship_to(pair).map(Declaration::ShipTo),
            Rule::po_decl => self.po(pair).map(Declaration::PoNumber),
            Rule::field_decl => self.field(pair).map(Declaration::Field),
            Rule::invoice_decl => self.invoice(pair).map(Declaration::Invoice),
            Rule::test_decl => self.test(pair).map(Declaration::Test),
            other => self.fail(
                Problem::Internal {
                    what: format!("unexpected {other:?}"),
                },
                span,
            ),
        };
        result.ok()
    }

    // ─── literals ───

    fn string(&mut self, pair: &Pair<'_, Rule>) -> Lowered<Str> {
        let span = span_of(pair);
        let raw = pair.as_str();
        let inner = raw.get(1..raw.len().saturating_sub(1)).unwrap_or_default();
        let mut value = String::with_capacity(inner.len());
        let mut chars = inner.char_indices();
        while let Some((at, c)) = chars.next() {
            if c != '\\' {
                value.push(c);
                continue;
            }
            let decoded = match chars.next() {
                Some((_, '"')) => Some('"'),
                Some((_, '\\')) => Some('\\'),
                Some((_, 'n')) => Some('\n'),
                Some((_, 't')) => Some('\t'),
                Some((_, 'r')) => Some('\r'),
                Some((_, 'u')) => {
                    let hex: String = chars
                        .by_ref()
                        .map(|(_, c)| c)
                        .skip(1)
                        .take_while(|&c| c != '}')
                        .collect();
                    u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32)
                }
                _ => None,
            };
            match decoded {
                Some(c) => value.push(c),
                None => {
                    let start = span.start + 1 + at;
                    let rest = inner.get(at..).unwrap_or_default();
                    let len = match rest.find('}') {
                        Some(close) if rest.starts_with("\\u{") => close + 1,
                        _ => rest.chars().take(2).map(char::len_utf8).sum(),
                    };
                    let escape = rest.get(..len).unwrap_or(rest).to_owned();
                    return self.fail(
                        Problem::InvalidEscape { escape },
                        Span::new(start, start + len),
                    );
                }
            }
        }
        Ok(Str { value, span })
    }

    fn strings(&mut self, pair: Pair<'_, Rule>) -> Lowered<Vec<Str>> {
        pair.into_inner().map(|p| self.string(&p)).collect()
    }

    fn decimal(&mut self, pair: &Pair<'_, Rule>) -> Lowered<Decimal> {
        let text: String = pair.as_str().chars().filter(|&c| c != '_').collect();
        match Decimal::from_str_exact(&text) {
            Ok(value) => Ok(value),
            Err(_) => self.fail(
                Problem::NumberOutOfRange {
                    text: pair.as_str().to_owned(),
                },
                span_of(pair),
            ),
        }
    }

    fn integer(&mut self, pair: &Pair<'_, Rule>) -> Lowered<Int> {
        match pair.as_str().parse::<u64>() {
            Ok(value) => Ok(Int {
                value,
                span: span_of(pair),
            }),
            Err(_) => self.fail(
                Problem::NumberOutOfRange {
                    text: pair.as_str().to_owned(),
                },
                span_of(pair),
            ),
        }
    }

    fn money(&mut self, pair: Pair<'_, Rule>) -> Lowered<Money> {
        let span = span_of(&pair);
        let mut children = pair.into_inner().peekable();
        let amount = self.next(&mut children, span)?;
        let amount = self.decimal(&amount)?;
        let currency = ident(&self.next(&mut children, span)?);
        Ok(Money {
            amount,
            currency,
            span,
        })
    }

    fn percent(&mut self, pair: Pair<'_, Rule>) -> Lowered<Percent> {
        let span = span_of(&pair);
        let mut children = pair.into_inner().peekable();
        let value = self.next(&mut children, span)?;
        Ok(Percent {
            value: self.decimal(&value)?,
            span,
        })
    }

    fn duration(&mut self, pair: Pair<'_, Rule>) -> Lowered<Duration> {
        let span = span_of(&pair);
        let mut children = pair.into_inner().peekable();
        let amount = self.next(&mut children, span)?;
        let amount = self.integer(&amount)?.value;
        let unit = match self.next(&mut children, span)?.as_str() {
            "hour" | "hours" => TimeUnit::Hours,
            "day" | "days" => TimeUnit::Days,
            _ => TimeUnit::Weeks,
        };
        Ok(Duration { amount, unit, span })
    }

    fn date(&mut self, pair: &Pair<'_, Rule>) -> Lowered<Date> {
        let span = span_of(pair);
        let text = pair.as_str();
        let mut parts = text.split('-').map(|p| p.parse::<u16>().ok());
        if let (Some(Some(year)), Some(Some(month)), Some(Some(day))) =
            (parts.next(), parts.next(), parts.next())
        {
            if let (Ok(month), Ok(day)) = (u8::try_from(month), u8::try_from(day)) {
                let valid = i16::try_from(year).ok().is_some_and(|y| {
                    jiff::civil::Date::new(
                        y,
                        i8::try_from(month).unwrap_or(0),
                        i8::try_from(day).unwrap_or(0),
                    )
                    .is_ok()
                });
                if valid {
                    return Ok(Date {
                        year,
                        month,
                        day,
                        span,
                    });
                }
            }
        }
        self.fail(
            Problem::InvalidDate {
                text: text.to_owned(),
            },
            span,
        )
    }

    fn text(&mut self, pair: Pair<'_, Rule>) -> Lowered<Text> {
        let span = span_of(&pair);
        let mut children = pair.into_inner().peekable();
        let default = self.next(&mut children, span)?;
        let default = self.string(&default)?;
        let mut translations = Vec::new();
        for translation in children {
            let tspan = span_of(&translation);
            let mut parts = translation.into_inner().peekable();
            let locale = ident(&self.next(&mut parts, tspan)?);
            let text = self.next(&mut parts, tspan)?;
            let text = self.string(&text)?;
            translations.push(Translation { locale, text });
        }
        Ok(Text {
            default,
            translations,
            span,
        })
    }

    /// `message "…"`: the text inside.
    fn message(&mut self, pair: Pair<'_, Rule>) -> Lowered<Text> {
        let span = span_of(&pair);
        let mut children = pair.into_inner().peekable();
        let text = self.next(&mut children, span)?;
        self.text(text)
    }

    fn optional_message(&mut self, children: &mut Children<'_>) -> Lowered<Option<Text>> {
        take(children, Rule::message)
            .map(|m| self.message(m))
            .transpose()
    }

    fn optional_title(&mut self, children: &mut Children<'_>) -> Lowered<Option<Str>> {
        take(children, Rule::string)
            .map(|s| self.string(&s))
            .transpose()
    }

    fn categories(&mut self, pair: Pair<'_, Rule>) -> Lowered<Vec<CategoryRef>> {
        let mut refs = Vec::new();
        for category in pair.into_inner() {
            let span = span_of(&category);
            let mut inner = category.into_inner().peekable();
            let item = self.next(&mut inner, span)?;
            refs.push(match item.as_rule() {
                Rule::string => CategoryRef::Id(self.string(&item)?),
                _ => CategoryRef::Alias(ident(&item)),
            });
        }
        Ok(refs)
    }

    fn optional_categories(&mut self, children: &mut Children<'_>) -> Lowered<Vec<CategoryRef>> {
        match take(children, Rule::category_list) {
            Some(list) => self.categories(list),
            None => Ok(Vec::new()),
        }
    }

    fn scope(&mut self, pair: Pair<'_, Rule>) -> Lowered<Scope> {
        let span = span_of(&pair);
        let mut targets = Vec::new();
        let mut exceptions = Vec::new();
        for child in pair.into_inner() {
            match child.as_rule() {
                Rule::scope_target => {
                    let tspan = span_of(&child);
                    let mut parts = child.into_inner().peekable();
                    let first = self.next(&mut parts, tspan)?;
                    if first.as_rule() == Rule::all_groups {
                        targets.push(ScopeTarget::All(span_of(&first)));
                        continue;
                    }
                    let mode = match parts.next().map(|m| m.as_str().starts_with("only")) {
                        None => ScopeMode::Default,
                        Some(true) => ScopeMode::Only,
                        Some(false) => ScopeMode::AndSubgroups,
                    };
                    targets.push(ScopeTarget::Group {
                        group: ident(&first),
                        mode,
                    });
                }
                _ => exceptions = child.into_inner().next().map(idents).unwrap_or_default(),
            }
        }
        Ok(Scope {
            targets,
            exceptions,
            span,
        })
    }

    fn optional_scope(&mut self, children: &mut Children<'_>) -> Lowered<Option<Scope>> {
        take(children, Rule::scope)
            .map(|s| self.scope(s))
            .transpose()
    }

    fn severity(pair: &Pair<'_, Rule>) -> Severity {
        match pair.as_str() {
            "block" => Severity::Block,
            "restrict" => Severity::Restrict,
            _ => Severity::Warn,
        }
    }

    fn action(&mut self, pair: Pair<'_, Rule>) -> Lowered<Action> {
        let span = span_of(&pair);
        let mut children = pair.into_inner().peekable();
        let severity = Self::severity(&self.next(&mut children, span)?);
        let approve = take(&mut children, Rule::approve)
            .map(|a| self.approve(a))
            .transpose()?;
        let message = take(&mut children, Rule::text)
            .map(|t| self.text(t))
            .transpose()?;
        Ok(Action {
            severity,
            approve,
            message,
            span,
        })
    }

    fn compare_op(pair: &Pair<'_, Rule>) -> CompareOp {
        match pair.as_str() {
            "==" => CompareOp::Eq,
            "!=" => CompareOp::Ne,
            "<" => CompareOp::Lt,
            "<=" => CompareOp::Le,
            ">" => CompareOp::Gt,
            _ => CompareOp::Ge,
        }
    }

    // ─── declarations ───

    fn header(&mut self, pair: Pair<'_, Rule>) -> Lowered<Header> {
        let span = span_of(&pair);
        let mut children = pair.into_inner().peekable();
        let name = self.next(&mut children, span)?;
        let name = self.string(&name)?;
        let mut settings = Vec::new();
        for setting in children {
            let sspan = span_of(&setting);
            let rule = setting.as_rule();
            let mut parts = setting.into_inner().peekable();
            let value = self.next(&mut parts, sspan)?;
            settings.push(match rule {
                Rule::currency_setting => Setting::Currency(ident(&value)),
                Rule::rounding_setting => Setting::Rounding(ident(&value)),
                Rule::tier_setting => Setting::Tier(ident(&value)),
                Rule::locale_setting => Setting::Locale(ident(&value)),
                Rule::blocked_line_setting => Setting::BlockedLine(ident(&value)),
                Rule::hold_setting => Setting::ApprovalHold(self.duration(value)?),
                _ => Setting::ReapproveOn(ident(&value)),
            });
        }
        Ok(Header {
            name,
            settings,
            span,
        })
    }

    fn actions(&mut self, pair: Pair<'_, Rule>) -> Lowered<ActionsDecl> {
        let span = span_of(&pair);
        let actions = pair.into_inner().next().map(idents).unwrap_or_default();
        Ok(ActionsDecl { actions, span })
    }

    fn role(&mut self, pair: Pair<'_, Rule>) -> Lowered<RoleDecl> {
        let span = span_of(&pair);
        let mut children = pair.into_inner().peekable();
        let name = ident(&self.next(&mut children, span)?);
        let extends = take(&mut children, Rule::ident).map(|p| ident(&p));
        let actions = take(&mut children, Rule::ident_list)
            .map(idents)
            .unwrap_or_default();
        Ok(RoleDecl {
            name,
            extends,
            actions,
            span,
        })
    }

    fn group(&mut self, pair: Pair<'_, Rule>) -> Lowered<GroupDecl> {
        let span = span_of(&pair);
        let text = pair.as_str();
        let mut children = pair.into_inner().peekable();
        let name = ident(&self.next(&mut children, span)?);
        let title = self.optional_title(&mut children)?;
        // `group x {}` and `group x` lower differently so formatting keeps the braces: look
        // for a `{` right after the name and title, past whitespace and comments.
        let head_end = title.as_ref().map_or(name.span.end, |t| t.span.end);
        let braces = text
            .get(head_end.saturating_sub(span.start)..)
            .is_some_and(|rest| skip_trivia(rest).starts_with('{'));
        let mut subgroups = Vec::new();
        for child in children {
            subgroups.push(self.group(child)?);
        }
        let children = braces.then_some(subgroups);
        Ok(GroupDecl {
            name,
            title,
            children,
            span,
        })
    }

    fn category(&mut self, pair: Pair<'_, Rule>) -> Lowered<CategoryDecl> {
        let span = span_of(&pair);
        let mut children = pair.into_inner().peekable();
        let name = ident(&self.next(&mut children, span)?);
        let id = self.next(&mut children, span)?;
        let id = self.string(&id)?;
        let title = self.optional_title(&mut children)?;
        Ok(CategoryDecl {
            name,
            id,
            title,
            span,
        })
    }

    fn rule(&mut self, pair: Pair<'_, Rule>) -> Lowered<RuleDecl> {
        let span = span_of(&pair);
        let mut children = pair.into_inner().peekable();
        let name = ident(&self.next(&mut children, span)?);
        let title = self.optional_title(&mut children)?;
        let effect = self.next(&mut children, span)?;
        let effect_span = span_of(&effect);
        let mut effect_parts = effect.into_inner().peekable();
        let severity_pair = self.next(&mut effect_parts, effect_span)?;
        let severity = Self::severity(&severity_pair);
        let target_pair = self.next(&mut effect_parts, effect_span)?;
        let target_span = span_of(&target_pair);
        let is_lines = target_pair.as_rule() == Rule::lines_target;
        let mut target_parts = target_pair.into_inner().peekable();
        let target = if is_lines {
            let categories = self.optional_categories(&mut target_parts)?;
            let condition = take(&mut target_parts, Rule::expr)
                .map(|e| self.expr(e))
                .transpose()?;
            RuleTarget::Lines {
                categories,
                condition,
                span: target_span,
            }
        } else {
            let condition = self.next(&mut target_parts, target_span)?;
            RuleTarget::Order {
                condition: self.expr(condition)?,
                span: target_span,
            }
        };
        let scope = self.optional_scope(&mut children)?;
        let approve = take(&mut children, Rule::approve)
            .map(|a| self.approve(a))
            .transpose()?;
        let message = self.optional_message(&mut children)?;
        Ok(RuleDecl {
            name,
            title,
            severity,
            severity_span: span_of(&severity_pair),
            target,
            scope,
            approve,
            message,
            span,
        })
    }

    fn prefer(&mut self, pair: Pair<'_, Rule>) -> Lowered<PreferDecl> {
        let span = span_of(&pair);
        let mut children = pair.into_inner().peekable();
        let name = ident(&self.next(&mut children, span)?);
        let title = self.optional_title(&mut children)?;
        let categories = self.optional_categories(&mut children)?;
        let scope = self.optional_scope(&mut children)?;
        let mut products = Vec::new();
        if let Some(list) = take(&mut children, Rule::preferred_products) {
            for product in list.into_inner() {
                let pspan = span_of(&product);
                let mut parts = product.into_inner().peekable();
                let id = self.next(&mut parts, pspan)?;
                let id = self.string(&id)?;
                let price = take(&mut parts, Rule::money)
                    .map(|m| self.money(m))
                    .transpose()?;
                products.push(PreferredProduct {
                    id,
                    price,
                    span: pspan,
                });
            }
        }
        let suppliers = match take(&mut children, Rule::preferred_suppliers) {
            Some(list) => match list.into_inner().next() {
                Some(strings) => self.strings(strings)?,
                None => Vec::new(),
            },
            None => Vec::new(),
        };
        let message = self.optional_message(&mut children)?;
        let otherwise = self.next(&mut children, span)?;
        let otherwise_span = span_of(&otherwise);
        let action = self.next(&mut otherwise.into_inner().peekable(), otherwise_span)?;
        let otherwise = self.action(action)?;
        let price_rule = match take(&mut children, Rule::price_rule) {
            Some(rule) => {
                let rspan = span_of(&rule);
                let mut parts = rule.into_inner().peekable();
                let op = Self::compare_op(&self.next(&mut parts, rspan)?);
                let percent = self.next(&mut parts, rspan)?;
                let percent = self.percent(percent)?;
                let reference = self.next(&mut parts, rspan)?;
                let reference = self.string(&reference)?;
                let action = self.next(&mut parts, rspan)?;
                let action = self.action(action)?;
                Some(PriceRule {
                    op,
                    percent,
                    reference,
                    action,
                    span: rspan,
                })
            }
            None => None,
        };
        Ok(PreferDecl {
            name,
            title,
            categories,
            scope,
            products,
            suppliers,
            message,
            otherwise,
            price_rule,
            span,
        })
    }

    fn approval(&mut self, pair: Pair<'_, Rule>) -> Lowered<ApprovalDecl> {
        let span = span_of(&pair);
        let mut children = pair.into_inner().peekable();
        let name = ident(&self.next(&mut children, span)?);
        let title = self.optional_title(&mut children)?;
        let scope = self.optional_scope(&mut children)?;
        let condition = take(&mut children, Rule::expr)
            .map(|e| self.expr(e))
            .transpose()?;
        let mut levels = Vec::new();
        for level in take_all(&mut children, Rule::level) {
            levels.push(self.level(level)?);
        }
        let self_approval = match take(&mut children, Rule::self_approval) {
            Some(setting) => {
                let sspan = span_of(&setting);
                let choice = self.next(&mut setting.into_inner().peekable(), sspan)?;
                Some(if choice.as_rule() == Rule::self_allowed {
                    let when = choice
                        .into_inner()
                        .next()
                        .map(|e| self.expr(e))
                        .transpose()?;
                    SelfApproval::Allowed { when, span: sspan }
                } else {
                    SelfApproval::Denied(sspan)
                })
            }
            None => None,
        };
        Ok(ApprovalDecl {
            name,
            title,
            scope,
            condition,
            levels,
            self_approval,
            span,
        })
    }

    fn level(&mut self, pair: Pair<'_, Rule>) -> Lowered<Level> {
        let span = span_of(&pair);
        let mut children = pair.into_inner().peekable();
        let number = self.next(&mut children, span)?;
        let number = self.integer(&number)?;
        let condition = take(&mut children, Rule::expr)
            .map(|e| self.expr(e))
            .transpose()?;
        let approvers = self.next(&mut children, span)?;
        let approvers = self.approver_set(approvers)?;
        let fallback = match take(&mut children, Rule::fallback) {
            Some(f) => {
                let fspan = span_of(&f);
                let approver = self.next(&mut f.into_inner().peekable(), fspan)?;
                Some(self.approver(approver)?)
            }
            None => None,
        };
        let escalation = match take(&mut children, Rule::escalation) {
            Some(e) => {
                let espan = span_of(&e);
                let mut parts = e.into_inner().peekable();
                let after = self.next(&mut parts, espan)?;
                let after = self.duration(after)?;
                let to = self.next(&mut parts, espan)?;
                Some(Escalation {
                    after,
                    to: self.approver(to)?,
                    span: espan,
                })
            }
            None => None,
        };
        Ok(Level {
            number,
            condition,
            approvers,
            fallback,
            escalation,
            span,
        })
    }

    fn approve(&mut self, pair: Pair<'_, Rule>) -> Lowered<Approve> {
        let span = span_of(&pair);
        let mut children = pair.into_inner().peekable();
        let level = take(&mut children, Rule::integer)
            .map(|i| self.integer(&i))
            .transpose()?;
        let approvers = self.next(&mut children, span)?;
        Ok(Approve {
            level,
            approvers: self.approver_set(approvers)?,
            span,
        })
    }

    fn approver_set(&mut self, pair: Pair<'_, Rule>) -> Lowered<ApproverSet> {
        let span = span_of(&pair);
        let mut children = pair.into_inner().peekable();
        let quorum = self.next(&mut children, span)?;
        let qspan = span_of(&quorum);
        let kind = self.next(&mut quorum.into_inner().peekable(), qspan)?;
        let quorum = match kind.as_rule() {
            Rule::any_of => Quorum::Any(span_of(&kind)),
            Rule::all_of => Quorum::All(span_of(&kind)),
            _ => {
                let kspan = span_of(&kind);
                let count = self.next(&mut kind.into_inner().peekable(), kspan)?;
                Quorum::Count(self.integer(&count)?)
            }
        };
        let mut approvers = Vec::new();
        for approver in children {
            approvers.push(self.approver(approver)?);
        }
        Ok(ApproverSet {
            quorum,
            approvers,
            span,
        })
    }

    fn approver(&mut self, pair: Pair<'_, Rule>) -> Lowered<Approver> {
        let span = span_of(&pair);
        let rule = pair.as_rule();
        let mut children = pair.into_inner().peekable();
        Ok(match rule {
            Rule::user_approver => {
                let id = self.next(&mut children, span)?;
                Approver::User(self.string(&id)?)
            }
            Rule::role_approver => {
                let role = ident(&self.next(&mut children, span)?);
                let group = self.next(&mut children, span)?;
                let gspan = span_of(&group);
                let target = self.next(&mut group.into_inner().peekable(), gspan)?;
                let group = if target.as_rule() == Rule::order_group {
                    GroupRef::OrderGroup(span_of(&target))
                } else {
                    GroupRef::Named(ident(&target))
                };
                Approver::Role { role, group, span }
            }
            Rule::chain_approver => {
                let covers = self.next(&mut children, span)?;
                let covers = self.expr(covers)?;
                let max = take(&mut children, Rule::integer)
                    .map(|i| self.integer(&i))
                    .transpose()?;
                Approver::Chain { covers, max, span }
            }
            _ => Approver::Manager(span),
        })
    }

    fn budget(&mut self, pair: Pair<'_, Rule>) -> Lowered<BudgetDecl> {
        let span = span_of(&pair);
        let mut children = pair.into_inner().peekable();
        let name = ident(&self.next(&mut children, span)?);
        let title = self.optional_title(&mut children)?;
        let group = ident(&self.next(&mut children, span)?);
        let per_user = take(&mut children, Rule::per_user).is_some();
        let period = match self.next(&mut children, span)?.as_str() {
            "weekly" => Period::Weekly,
            "monthly" => Period::Monthly,
            "quarterly" => Period::Quarterly,
            _ => Period::Yearly,
        };
        let amount = self.next(&mut children, span)?;
        let amount = self.money(amount)?;
        let categories = self.optional_categories(&mut children)?;
        let mut bands = Vec::new();
        for band in children {
            let bspan = span_of(&band);
            let mut parts = band.into_inner().peekable();
            let up_to = take(&mut parts, Rule::percent)
                .map(|p| self.percent(p))
                .transpose()?;
            let action = self.next(&mut parts, bspan)?;
            bands.push(Band {
                up_to,
                action: self.action(action)?,
                span: bspan,
            });
        }
        Ok(BudgetDecl {
            name,
            title,
            group,
            per_user,
            period,
            amount,
            categories,
            bands,
            span,
        })
    }

    fn split(&mut self, pair: Pair<'_, Rule>) -> Lowered<SplitDecl> {
        let span = span_of(&pair);
        let mut children = pair.into_inner().peekable();
        let name = ident(&self.next(&mut children, span)?);
        let title = self.optional_title(&mut children)?;
        let scope = self.optional_scope(&mut children)?;
        let window = self.next(&mut children, span)?;
        let window = self.duration(window)?;
        let same = take(&mut children, Rule::split_keys)
            .map(|keys| {
                keys.into_inner()
                    .map(|k| {
                        let key = if k.as_str() == "supplier" {
                            SplitKey::Supplier
                        } else {
                            SplitKey::Category
                        };
                        (key, span_of(&k))
                    })
                    .collect()
            })
            .unwrap_or_default();
        let basis = amount_basis(self.next(&mut children, span)?.as_str());
        let op = Self::compare_op(&self.next(&mut children, span)?);
        let threshold = self.next(&mut children, span)?;
        let threshold = self.money(threshold)?;
        let action = take(&mut children, Rule::action)
            .map(|a| self.action(a))
            .transpose()?;
        Ok(SplitDecl {
            name,
            title,
            scope,
            window,
            same,
            basis,
            op,
            threshold,
            action,
            span,
        })
    }

    fn payment(&mut self, pair: Pair<'_, Rule>) -> Lowered<PaymentDecl> {
        let span = span_of(&pair);
        let mut children = pair.into_inner().peekable();
        let name = ident(&self.next(&mut children, span)?);
        let scope = self.optional_scope(&mut children)?;
        let allow = idents(self.next(&mut children, span)?);
        let default = take(&mut children, Rule::ident).map(|p| ident(&p));
        let message = self.optional_message(&mut children)?;
        Ok(PaymentDecl {
            name,
            scope,
            allow,
            default,
            message,
            span,
        })
    }

    fn ship_to(&mut self, pair: Pair<'_, Rule>) -> Lowered<ShipToDecl> {
        let span = span_of(&pair);
        let mut children = pair.into_inner().peekable();
        let name = ident(&self.next(&mut children, span)?);
        let scope = self.optional_scope(&mut children)?;
        let allow = self.next(&mut children, span)?;
        let allow = self.strings(allow)?;
        let message = self.optional_message(&mut children)?;
        Ok(ShipToDecl {
            name,
            scope,
            allow,
            message,
            span,
        })
    }

    fn po(&mut self, pair: Pair<'_, Rule>) -> Lowered<PoDecl> {
        let span = span_of(&pair);
        let mut children = pair.into_inner().peekable();
        let name = ident(&self.next(&mut children, span)?);
        let scope = self.optional_scope(&mut children)?;
        let prefix = take(&mut children, Rule::string)
            .map(|s| self.string(&s))
            .transpose()?;
        let message = self.optional_message(&mut children)?;
        Ok(PoDecl {
            name,
            scope,
            prefix,
            message,
            span,
        })
    }

    fn field(&mut self, pair: Pair<'_, Rule>) -> Lowered<FieldDecl> {
        let span = span_of(&pair);
        let mut children = pair.into_inner().peekable();
        let name = ident(&self.next(&mut children, span)?);
        let title = take(&mut children, Rule::text)
            .map(|t| self.text(t))
            .transpose()?;
        let level = take(&mut children, Rule::field_on).map(|on| {
            let span = span_of(&on);
            let level = match on.into_inner().next().map(|l| l.as_str()) {
                Some("lines") => FieldLevel::Lines,
                _ => FieldLevel::Order,
            };
            (level, span)
        });
        let kind = match take(&mut children, Rule::field_type) {
            Some(ty) => {
                // An empty `one of` would otherwise span the blank lines after it.
                let tspan = span_of(&ty);
                let tspan = Span::new(tspan.start, tspan.start + ty.as_str().trim_end().len());
                let inner = self.next(&mut ty.into_inner().peekable(), tspan)?;
                let kind = match inner.as_rule() {
                    Rule::field_one_of => {
                        let values = match inner.into_inner().next() {
                            Some(list) => self.strings(list)?,
                            None => Vec::new(),
                        };
                        FieldKind::OneOf(values)
                    }
                    _ => match inner.as_str() {
                        "number" => FieldKind::Number,
                        "money" => FieldKind::Money,
                        "date" => FieldKind::Date,
                        _ => FieldKind::Text,
                    },
                };
                Some((kind, tspan))
            }
            None => None,
        };
        let required = take(&mut children, Rule::field_presence)
            .map(|p| (p.as_str() == "required", span_of(&p)));
        let pattern = match take(&mut children, Rule::field_pattern) {
            Some(pattern) => {
                let pspan = span_of(&pattern);
                let value = self.next(&mut pattern.into_inner().peekable(), pspan)?;
                Some(self.string(&value)?)
            }
            None => None,
        };
        let scope = self.optional_scope(&mut children)?;
        let help = match take(&mut children, Rule::field_help) {
            Some(help) => {
                let hspan = span_of(&help);
                let text = self.next(&mut help.into_inner().peekable(), hspan)?;
                Some(self.text(text)?)
            }
            None => None,
        };
        Ok(FieldDecl {
            name,
            title,
            level,
            kind,
            required,
            pattern,
            scope,
            help,
            span,
        })
    }

    /// `name "value"` of a test's `field` clause.
    fn custom_value(&mut self, pair: Pair<'_, Rule>) -> Lowered<(Ident, Str)> {
        let span = span_of(&pair);
        let mut parts = pair.into_inner().peekable();
        let name = ident(&self.next(&mut parts, span)?);
        let value = self.next(&mut parts, span)?;
        Ok((name, self.string(&value)?))
    }

    fn invoice(&mut self, pair: Pair<'_, Rule>) -> Lowered<InvoiceDecl> {
        let span = span_of(&pair);
        let mut children = pair.into_inner().peekable();
        let name = ident(&self.next(&mut children, span)?);
        let scope = self.optional_scope(&mut children)?;
        let template = self.next(&mut children, span)?;
        let template = self.string(&template)?;
        let bill_to = self.next(&mut children, span)?;
        let bill_to = self.string(&bill_to)?;
        let send_to = self.next(&mut children, span)?;
        let send_to = self.strings(send_to)?;
        let cadence = self.next(&mut children, span)?;
        let cspan = span_of(&cadence);
        let kind = self.next(&mut cadence.into_inner().peekable(), cspan)?;
        let cadence = match kind.as_rule() {
            Rule::per_order => Cadence::PerOrder(cspan),
            Rule::every_month => Cadence::Monthly(cspan),
            _ => {
                let mut parts = kind.into_inner().peekable();
                let weeks = match take(&mut parts, Rule::integer) {
                    Some(n) => self.integer(&n)?.value,
                    None => 1,
                };
                let anchor = take(&mut parts, Rule::date)
                    .map(|d| self.date(&d))
                    .transpose()?;
                Cadence::Weeks {
                    weeks,
                    anchor,
                    span: cspan,
                }
            }
        };
        let mut split_by = Vec::new();
        let mut split_fields = Vec::new();
        for key in take(&mut children, Rule::invoice_keys)
            .into_iter()
            .flat_map(Pair::into_inner)
        {
            match key.as_rule() {
                Rule::field_split => {
                    let kspan = span_of(&key);
                    let name = self.next(&mut key.into_inner().peekable(), kspan)?;
                    split_fields.push(ident(&name));
                }
                _ if key.as_str() == "group" => split_by.push((InvoiceKey::Group, span_of(&key))),
                _ => split_by.push((InvoiceKey::PoNumber, span_of(&key))),
            }
        }
        let terms = self.next(&mut children, span)?;
        let terms = self.integer(&terms)?;
        let credits = take(&mut children, Rule::credit_mode).map(|c| {
            let mode = match c.as_str() {
                "credit_note" => CreditMode::CreditNote,
                "adjustment" => CreditMode::Adjustment,
                _ => CreditMode::Listed,
            };
            (mode, span_of(&c))
        });
        Ok(InvoiceDecl {
            name,
            scope,
            template,
            bill_to,
            send_to,
            cadence,
            split_by,
            split_fields,
            terms,
            credits,
            span,
        })
    }

    /// `order po "…" payment card field project "P-17"` of a test.
    fn test_order(&mut self, fields: Pair<'_, Rule>) -> Lowered<Vec<OrderField>> {
        let mut order = Vec::new();
        for field in fields.into_inner() {
            if field.as_rule() == Rule::order_custom {
                let (name, value) = self.custom_value(field)?;
                order.push(OrderField::Custom(name, value));
                continue;
            }
            let fspan = span_of(&field);
            let rule = field.as_rule();
            let value = self.next(&mut field.into_inner().peekable(), fspan)?;
            order.push(match rule {
                Rule::order_po => OrderField::Po(self.string(&value)?),
                Rule::order_payment => OrderField::Payment(ident(&value)),
                Rule::order_ship_to => OrderField::ShipTo(self.string(&value)?),
                Rule::order_cost_centre => OrderField::CostCentre(self.string(&value)?),
                Rule::order_tax => OrderField::Tax(self.money(value)?),
                Rule::order_shipping => OrderField::Shipping(self.money(value)?),
                _ => OrderField::Currency(ident(&value)),
            });
        }
        Ok(order)
    }

    /// `line "L1" product "…" category "…" price 10.00 CAD qty 2 field gl_code "6100"`.
    fn test_line(&mut self, line: Pair<'_, Rule>) -> Lowered<TestLine> {
        let lspan = span_of(&line);
        let mut parts = line.into_inner().peekable();
        let mut strings = Vec::new();
        while let Some(s) = take(&mut parts, Rule::string) {
            strings.push(self.string(&s)?);
        }
        let price = self.next(&mut parts, lspan)?;
        let price = self.money(price)?;
        let quantity = take(&mut parts, Rule::integer)
            .map(|i| self.integer(&i))
            .transpose()?;
        let mut fields = Vec::new();
        for field in parts {
            fields.push(self.custom_value(field)?);
        }
        let mut strings = strings.into_iter();
        let (Some(id), Some(product), Some(category)) =
            (strings.next(), strings.next(), strings.next())
        else {
            return self.fail(
                Problem::Internal {
                    what: "incomplete line".into(),
                },
                lspan,
            );
        };
        let supplier = strings.next();
        Ok(TestLine {
            id,
            product,
            category,
            supplier,
            price,
            quantity,
            fields,
            span: lspan,
        })
    }

    /// `user "bo@x" manager "al@x" limit 500.00 CAD role manager in north` of a test.
    fn test_user(&mut self, user: Pair<'_, Rule>) -> Lowered<TestUser> {
        let uspan = span_of(&user);
        let mut parts = user.into_inner().peekable();
        let id = self.next(&mut parts, uspan)?;
        let id = self.string(&id)?;
        let manager = take(&mut parts, Rule::string)
            .map(|s| self.string(&s))
            .transpose()?;
        let limit = take(&mut parts, Rule::money)
            .map(|m| self.money(m))
            .transpose()?;
        let mut roles = Vec::new();
        for role in parts {
            let mut names = role.into_inner();
            if let (Some(r), Some(g)) = (names.next(), names.next()) {
                roles.push((ident(&r), ident(&g)));
            }
        }
        Ok(TestUser {
            id,
            manager,
            limit,
            roles,
            span: uspan,
        })
    }

    /// `expect …` of a test.
    fn expectation(&mut self, expect: Pair<'_, Rule>) -> Lowered<Expectation> {
        let espan = span_of(&expect);
        let what = self.next(&mut expect.into_inner().peekable(), espan)?;
        let wspan = span_of(&what);
        let rule = what.as_rule();
        Ok(match rule {
            Rule::outcome => Expectation::Outcome(
                match what.as_str() {
                    "allowed" => OutcomeWord::Allowed,
                    "blocked" => OutcomeWord::Blocked,
                    _ => OutcomeWord::ApprovalRequired,
                },
                wspan,
            ),
            _ => {
                let mut parts = what.into_inner().peekable();
                let value = self.next(&mut parts, wspan)?;
                match rule {
                    Rule::expect_line => {
                        let line = self.string(&value)?;
                        let verdict = match self.next(&mut parts, wspan)?.as_str() {
                            "allowed" => VerdictWord::Allowed,
                            "preferred" => VerdictWord::Preferred,
                            "warned" => VerdictWord::Warned,
                            "restricted" => VerdictWord::Restricted,
                            _ => VerdictWord::Blocked,
                        };
                        Expectation::Line {
                            line,
                            verdict,
                            span: wspan,
                        }
                    }
                    Rule::expect_levels => Expectation::Levels(self.integer(&value)?),
                    Rule::expect_approver => Expectation::Approver(self.string(&value)?),
                    Rule::expect_total => Expectation::Total(self.money(value)?),
                    _ => Expectation::Invoice(self.string(&value)?),
                }
            }
        })
    }

    fn test(&mut self, pair: Pair<'_, Rule>) -> Lowered<TestDecl> {
        let span = span_of(&pair);
        let mut children = pair.into_inner().peekable();
        let name = self.next(&mut children, span)?;
        let name = self.string(&name)?;
        let mut users = Vec::new();
        for user in take_all(&mut children, Rule::test_user) {
            users.push(self.test_user(user)?);
        }
        let buyer = self.next(&mut children, span)?;
        let bspan = span_of(&buyer);
        let mut parts = buyer.into_inner().peekable();
        let id = self.next(&mut parts, bspan)?;
        let id = self.string(&id)?;
        let group = ident(&self.next(&mut parts, bspan)?);
        let locale = parts.next().map(|l| ident(&l));
        let buyer = TestBuyer {
            id,
            group,
            locale,
            span: bspan,
        };
        let order = match take(&mut children, Rule::test_order) {
            Some(fields) => self.test_order(fields)?,
            None => Vec::new(),
        };
        let mut lines = Vec::new();
        for line in take_all(&mut children, Rule::test_line) {
            lines.push(self.test_line(line)?);
        }
        let mut spent = Vec::new();
        for entry in take_all(&mut children, Rule::test_spent) {
            let espan = span_of(&entry);
            let mut parts = entry.into_inner().peekable();
            let budget = ident(&self.next(&mut parts, espan)?);
            let amount = self.next(&mut parts, espan)?;
            spent.push((budget, self.money(amount)?));
        }
        let mut rates = Vec::new();
        for rate in take_all(&mut children, Rule::test_rate) {
            let rspan = span_of(&rate);
            let mut parts = rate.into_inner().peekable();
            let from = ident(&self.next(&mut parts, rspan)?);
            let to = ident(&self.next(&mut parts, rspan)?);
            let value = self.next(&mut parts, rspan)?;
            let rate = self.decimal(&value)?;
            rates.push(TestRate {
                from,
                to,
                rate,
                span: rspan,
            });
        }
        let now = match take(&mut children, Rule::test_now) {
            Some(now) => {
                let nspan = span_of(&now);
                let value = self.next(&mut now.into_inner().peekable(), nspan)?;
                Some(self.string(&value)?)
            }
            None => None,
        };
        let mut recent = Vec::new();
        for order in take_all(&mut children, Rule::test_recent) {
            let ospan = span_of(&order);
            let mut parts = order.into_inner().peekable();
            let id = self.next(&mut parts, ospan)?;
            let id = self.string(&id)?;
            let at = self.next(&mut parts, ospan)?;
            let at = self.string(&at)?;
            let subtotal = self.next(&mut parts, ospan)?;
            let subtotal = self.money(subtotal)?;
            let mut supplier = None;
            let mut category = None;
            for extra in parts {
                let rule = extra.as_rule();
                let espan = span_of(&extra);
                let value = self.next(&mut extra.into_inner().peekable(), espan)?;
                let value = self.string(&value)?;
                if rule == Rule::recent_supplier {
                    supplier = Some(value);
                } else {
                    category = Some(value);
                }
            }
            recent.push(TestRecent {
                id,
                at,
                subtotal,
                supplier,
                category,
                span: ospan,
            });
        }
        let mut expectations = Vec::new();
        for expect in children {
            expectations.push(self.expectation(expect)?);
        }
        Ok(TestDecl {
            name,
            users,
            buyer,
            order,
            lines,
            spent,
            rates,
            now,
            recent,
            expectations,
            span,
        })
    }

    // ─── expressions ───

    fn expr(&mut self, pair: Pair<'_, Rule>) -> Lowered<Expr> {
        self.expr_at(pair, 0).map(|(expr, _)| expr)
    }

    /// Lowers an expression, returning it with its depth; `outer` is the depth of the
    /// brackets around it, so depth is bounded before the tree grows.
    fn expr_at(&mut self, pair: Pair<'_, Rule>, outer: usize) -> Lowered<(Expr, usize)> {
        let span = span_of(&pair);
        // A long run of prefix operators would recurse in the Pratt parser: refuse first.
        let mut run = 0usize;
        for child in pair.clone().into_inner() {
            run = if matches!(child.as_rule(), Rule::not_op | Rule::neg_op) {
                run + 1
            } else {
                0
            };
            if outer + run > MAX_EXPRESSION_DEPTH {
                return self.fail(
                    Problem::ExpressionTooDeep {
                        limit: MAX_EXPRESSION_DEPTH,
                    },
                    span,
                );
            }
        }
        let too_deep = |depth: usize, span: Span| -> Result<(), Report> {
            if outer + depth > MAX_EXPRESSION_DEPTH {
                Err(Report::new(
                    Problem::ExpressionTooDeep {
                        limit: MAX_EXPRESSION_DEPTH,
                    },
                    span,
                ))
            } else {
                Ok(())
            }
        };
        let result = pratt()
            .map_primary(|primary| self.primary(primary, outer + 1))
            .map_prefix(|op, operand| {
                let (operand, depth) = operand?;
                let span = span_of(&op).to(operand.span);
                too_deep(depth + 1, span)?;
                let op = if op.as_rule() == Rule::not_op {
                    UnaryOp::Not
                } else {
                    UnaryOp::Neg
                };
                Ok((
                    Expr {
                        kind: ExprKind::Unary(op, Box::new(operand)),
                        span,
                    },
                    depth + 1,
                ))
            })
            .map_infix(|left, op, right| {
                let (left, left_depth) = left?;
                let (right, right_depth) = right?;
                let span = left.span.to(right.span);
                let depth = left_depth.max(right_depth) + 1;
                too_deep(depth, span)?;
                let op = match op.as_rule() {
                    Rule::or_op => BinaryOp::Or,
                    Rule::and_op => BinaryOp::And,
                    Rule::in_op => BinaryOp::In,
                    Rule::starts_with_op => BinaryOp::StartsWith,
                    Rule::ends_with_op => BinaryOp::EndsWith,
                    Rule::add_op => BinaryOp::Add,
                    Rule::sub_op => BinaryOp::Sub,
                    Rule::mul_op => BinaryOp::Mul,
                    Rule::of_op => BinaryOp::Of,
                    _ => BinaryOp::Compare(Self::compare_op(&op)),
                };
                let kind = ExprKind::Binary(op, Box::new(left), Box::new(right));
                Ok((Expr { kind, span }, depth))
            })
            .parse(pair.into_inner());
        match result {
            Ok(lowered) => Ok(lowered),
            Err(report) => {
                if !self.reports.contains(&report) {
                    self.reports.push(report);
                }
                Err(Failed)
            }
        }
    }

    fn primary(&mut self, pair: Pair<'_, Rule>, depth: usize) -> Result<(Expr, usize), Report> {
        let span = span_of(&pair);
        let before = self.reports.len();
        let lowered = self.primary_kind(pair, depth);
        match lowered {
            Ok((kind, inner_depth)) => Ok((Expr { kind, span }, inner_depth)),
            Err(Failed) => Err(self.reports.drain(before..).next().unwrap_or_else(|| {
                Report::new(
                    Problem::Internal {
                        what: "expression".into(),
                    },
                    span,
                )
            })),
        }
    }

    fn primary_kind(&mut self, pair: Pair<'_, Rule>, depth: usize) -> Lowered<(ExprKind, usize)> {
        let span = span_of(&pair);
        let leaf = |kind| Ok((kind, 1));
        match pair.as_rule() {
            Rule::money => leaf(ExprKind::Money(self.money(pair)?)),
            Rule::percent => leaf(ExprKind::Percent(self.percent(pair)?)),
            Rule::decimal => leaf(ExprKind::Number(self.decimal(&pair)?)),
            Rule::string => leaf(ExprKind::Str(self.string(&pair)?.value)),
            Rule::boolean => leaf(ExprKind::Bool(pair.as_str() == "true")),
            Rule::path => leaf(ExprKind::Path(
                pair.into_inner().map(|p| ident(&p)).collect(),
            )),
            Rule::category_set => {
                let list = self.next(&mut pair.into_inner().peekable(), span)?;
                leaf(ExprKind::Categories(self.categories(list)?))
            }
            Rule::group_set => {
                let list = self.next(&mut pair.into_inner().peekable(), span)?;
                leaf(ExprKind::Groups(idents(list)))
            }
            Rule::list => {
                let mut items = Vec::new();
                let mut deepest = 0;
                for item in pair.into_inner() {
                    let (item, item_depth) = self.expr_at(item, depth)?;
                    deepest = deepest.max(item_depth);
                    items.push(item);
                }
                Ok((ExprKind::List(items), deepest + 1))
            }
            Rule::aggregate => {
                let mut children = pair.into_inner().peekable();
                let function = match self.next(&mut children, span)?.as_str() {
                    "sum" => AggregateFn::Sum,
                    "count" => AggregateFn::Count,
                    "any" => AggregateFn::Any,
                    _ => AggregateFn::All,
                };
                let categories = self.optional_categories(&mut children)?;
                let (condition, inner_depth) = match take(&mut children, Rule::expr) {
                    Some(e) => {
                        let (e, d) = self.expr_at(e, depth)?;
                        (Some(Box::new(e)), d)
                    }
                    None => (None, 0),
                };
                Ok((
                    ExprKind::Aggregate {
                        function,
                        categories,
                        condition,
                    },
                    inner_depth + 1,
                ))
            }
            Rule::expr => {
                let (inner, inner_depth) = self.expr_at(pair, depth)?;
                Ok((inner.kind, inner_depth))
            }
            other => self.fail(
                Problem::Internal {
                    what: format!("unexpected {other:?}"),
                },
                span,
            ),
        }
    }
}

/// The text after leading whitespace and `//` comments.
fn skip_trivia(mut text: &str) -> &str {
    loop {
        text = text.trim_start();
        match text.strip_prefix("//") {
            Some(comment) => text = comment.split_once('\n').map_or("", |(_, rest)| rest),
            None => return text,
        }
    }
}

fn idents(pair: Pair<'_, Rule>) -> Vec<Ident> {
    pair.into_inner().map(|p| ident(&p)).collect()
}

fn amount_basis(word: &str) -> AmountBasis {
    match word {
        "subtotal" => AmountBasis::Subtotal,
        "total" => AmountBasis::Total,
        "tax" => AmountBasis::Tax,
        _ => AmountBasis::Shipping,
    }
}

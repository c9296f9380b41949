//! Invoicing: which invoice an order lands on, and invoice runs that consolidate a
//! period's orders into invoices.
//!
//! Invoice date by cadence — per order: the order date; monthly: the 1st of the following
//! month; every week or two weeks: the first run date strictly after the order date,
//! counting from the anchor (default [`crate::compile::DEFAULT_ANCHOR`], a Monday). An order's date is its
//! `placedAt` date in the offset it was written with.
//!
//! A run takes four steps: [`validate`] each order on its own (a malformed one is rejected
//! by code and path, the rest go on), settle the run date (no document is ever dated after
//! the run that issues it; without an explicit date the run is dated the 1st of the next
//! month or the latest invoice date of the period's orders, whichever is later, and an
//! explicit date gives the same answer as that default), [`group`] the orders into
//! documents, and [`issue`] them with their totals.
//!
//! Documents are keyed by invoice rule, invoice date, currency (an invoice never mixes
//! currencies) and the rule's split keys (group, PO number). Credits: a refunded order
//! credits the size of its signed net, `-|Σ lines|`, whichever sign its lines were recorded
//! with, so a refund never credits more than what it refunds and never adds to what is due.
//! With `credits as credit_note` (the default) a refund, or an order whose net is a credit,
//! goes on a credit note; with `adjustment` it is netted into the invoice; with `listed` it
//! is listed on the invoice without netting (and so are an order's negative lines). A
//! document whose amount due is negative is always a credit note, never a negative invoice.
//! Every input order lands on exactly one document or in `rejected` with a code and a
//! reason; none is dropped silently.

use jiff::civil::Date;

use std::collections::{BTreeMap, BTreeSet};

use rust_decimal::Decimal;
use serde::Deserialize;

use crate::base::calendar::{date_text, days, local_date, months};
use crate::base::money::{self, Currency};
use crate::compile::{Cadence, CompiledPolicy, InvoiceRule, FIELD_KEY_PREFIX};
use crate::contract::errors::ErrorCode;
use crate::contract::*;

/// Which invoice document a line goes to.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct DocumentKey {
    invoice_date: Date,
    rule: usize,
    currency: String,
    group: Option<String>,
    po_number: Option<Option<String>>,
    /// The custom fields the rule splits by, each with the order's value.
    fields: Vec<(String, Option<String>)>,
    /// Per-order invoices are one order each.
    order: Option<String>,
    credit_note: bool,
}

struct Draft<'p> {
    rule: &'p InvoiceRule,
    lines: Vec<InvoiceLine>,
    credits: Vec<InvoiceLine>,
    /// Charges are the positive lines of ordinary orders netted on the document;
    /// everything else on it (discounts, refunds, listed credits) is a credit.
    sums: Sums,
    units: u32,
}

/// The period a run covers and its explicit run date, if any.
struct Period {
    start: Date,
    /// The 1st of the next month.
    next: Date,
    run_date: Option<Date>,
}

/// An order that passed validation, with its amounts as they count.
struct Accepted<'p> {
    index: usize,
    order: InvoiceOrder,
    /// The PO number, `None` when absent or empty.
    po_number: Option<String>,
    rule: &'p InvoiceRule,
    rule_index: usize,
    currency: Currency,
    invoice_date: Date,
    /// Each line's amount on its document: a refund's lines credit its signed net.
    amounts: Vec<Decimal>,
    /// What the order adds to the amount due when netted: its signed net, or for a refund
    /// `-|net|`.
    net: Decimal,
}

/// Runs invoicing for a period.
pub fn run(policy: &CompiledPolicy, request: &InvoiceRunRequest) -> Answer<InvoiceRun> {
    let period = match parse_period_and_run_date(request) {
        Ok(period) => period,
        Err(errors) => return Answer::Failure { errors },
    };
    let mut rejected = Vec::new();
    let mut seen_ids = BTreeSet::new();
    let mut accepted = Vec::new();
    for (index, raw) in request.orders.iter().enumerate() {
        match validate(policy, &period, index, raw, &mut seen_ids) {
            Ok(order) => accepted.push(order),
            Err(rejection) => rejected.push(*rejection),
        }
    }
    // One rule for both: no document after the run. The default run date is the earliest
    // date that satisfies it for every order of the period, so an explicit run date equal
    // to it gives the same answer.
    let run_date = period.run_date.unwrap_or_else(|| {
        accepted
            .iter()
            .map(|order| order.invoice_date)
            .fold(period.next, Date::max)
    });
    let (due, waiting): (Vec<_>, Vec<_>) = accepted
        .into_iter()
        .partition(|order| order.invoice_date <= run_date);
    for order in waiting {
        rejected.push(rejection(
            order.index,
            request.orders.get(order.index).map(|r| &r.value),
            ErrorCode::NotYetDue,
            format!(
                "its invoice date {} is after the run date {run_date}",
                order.invoice_date
            ),
            format!("orders[{}].placedAt", order.index),
        ));
    }
    let grouped = group(due, &mut rejected);
    rejected.sort_by_key(|r| r.index);
    let (invoices, totals) = issue(grouped, run_date);
    Answer::Success {
        result: InvoiceRun {
            period: request.period.clone(),
            run_date: date_text(run_date),
            invoices,
            rejected,
            totals,
            policy: PolicyRef {
                name: policy.name.clone(),
                hash: policy.hash.clone(),
            },
        },
    }
}

fn parse_period_and_run_date(request: &InvoiceRunRequest) -> Result<Period, Vec<EvalError>> {
    let Some(start) = parse_period(&request.period) else {
        return Err(failure(
            ErrorCode::InvalidDate,
            format!(
                "`{}` is not a month such as `2026-11`",
                brief(&request.period)
            ),
            "period",
        ));
    };
    let Some(next) = months(1).and_then(|m| start.checked_add(m).ok()) else {
        return Err(failure(
            ErrorCode::InvalidDate,
            "the period is out of range",
            "period",
        ));
    };
    let run_date = match &request.run_date {
        Some(text) => match crate::base::calendar::date(text) {
            Some(date) => Some(date),
            None => {
                return Err(failure(
                    ErrorCode::InvalidDate,
                    format!("`{}` is not a date", brief(text)),
                    "runDate",
                ))
            }
        },
        None => None,
    };
    Ok(Period {
        start,
        next,
        run_date,
    })
}

/// A rejected order, with what can be read of it (id, PO number, status) whatever else is
/// wrong with it.
fn rejection(
    index: usize,
    raw: Option<&serde_json::Value>,
    code: ErrorCode,
    message: String,
    path: String,
) -> RejectedOrder {
    let field = |key: &str| raw.and_then(|r| r.get(key));
    RejectedOrder {
        index,
        order: field("id").and_then(|v| v.as_str()).map(str::to_owned),
        po_number: field("poNumber")
            .and_then(|v| v.as_str())
            .map(str::to_owned),
        status: field("status").and_then(|v| OrderStatus::deserialize(v).ok()),
        code: code.code().into(),
        // serde quotes the offending value in full; a huge string must not fill the answer.
        message: shortened(&message, 240),
        path,
    }
}

/// Checks one order on its own: a problem rejects this order only.
fn validate<'p>(
    policy: &'p CompiledPolicy,
    period: &Period,
    index: usize,
    raw: &RawOrder,
    seen_ids: &mut BTreeSet<String>,
) -> Result<Accepted<'p>, Box<RejectedOrder>> {
    let path = format!("orders[{index}]");
    let reject = |code: ErrorCode, message: String, at: String| {
        Box::new(rejection(index, Some(&raw.value), code, message, at))
    };
    if let Some(at) = raw
        .too_deep_at
        .clone()
        .or_else(|| crate::contract::raw::too_deep(&raw.value))
    {
        let at = if at.is_empty() {
            path.clone()
        } else {
            format!("{path}.{at}")
        };
        return Err(reject(
            ErrorCode::MalformedJson,
            format!("the order nests more than {MAX_ORDER_DEPTH} arrays and objects deep"),
            at,
        ));
    }
    let order: InvoiceOrder = serde_path_to_error::deserialize(crate::contract::strict::Strict(
        &raw.value,
    ))
    .map_err(|error| {
        let error = crate::contract::json::json_error(&error, &path);
        let mut at = error.path.clone().unwrap_or_else(|| path.clone());
        // An order that is an array fails at an index: `orders[2][0]`, not `orders[2].[0]`.
        if at.starts_with(&format!("{path}.[")) {
            at.remove(path.len());
        }
        reject(ErrorCode::MalformedJson, error.message, at)
    })?;
    if !seen_ids.insert(order.id.clone()) {
        return Err(reject(
            ErrorCode::DuplicateId,
            format!("order `{}` appears more than once", brief(&order.id)),
            format!("{path}.id"),
        ));
    }
    // The fields an order carries must be the policy's order fields, as at checkout.
    let undeclared = order.fields.keys().find(|name| {
        policy
            .field_slots
            .get(*name)
            .and_then(|&slot| policy.fields.get(slot))
            .is_none_or(|field| field.on_lines)
    });
    if let Some(name) = undeclared {
        return Err(reject(
            ErrorCode::UndeclaredField,
            format!("the policy declares no order field `{}`", brief(name)),
            format!("{path}.fields.{}", brief(name)),
        ));
    }
    let Some(&group) = policy.group_ids.get(&order.group) else {
        return Err(reject(
            ErrorCode::UnknownGroup,
            format!("unknown group `{}`", brief(&order.group)),
            format!("{path}.group"),
        ));
    };
    let Some(currency) = Currency::of(&order.currency) else {
        return Err(reject(
            ErrorCode::UnknownCurrency,
            format!("unknown currency `{}`", brief(&order.currency)),
            format!("{path}.currency"),
        ));
    };
    if let Some((i, line)) = order
        .lines
        .iter()
        .enumerate()
        .find(|(_, l)| l.amount.0.scale() > currency.minor_units)
    {
        return Err(reject(
            ErrorCode::TooManyDecimals,
            format!(
                "amount `{}` has more decimals than `{}` allows ({})",
                line.amount, currency.code, currency.minor_units
            ),
            format!("{path}.lines[{i}].amount"),
        ));
    }
    let Some(date) = local_date(&order.placed_at) else {
        return Err(reject(
            ErrorCode::InvalidTimestamp,
            format!("`{}` is not an RFC 3339 timestamp", brief(&order.placed_at)),
            format!("{path}.placedAt"),
        ));
    };
    if date < period.start || date >= period.next {
        return Err(reject(
            ErrorCode::OutsidePeriod,
            format!("placed on {date}, outside {}", request_period(period)),
            format!("{path}.placedAt"),
        ));
    }
    if order.status == OrderStatus::Cancelled {
        return Err(reject(
            ErrorCode::OrderCancelled,
            "the order was cancelled".into(),
            format!("{path}.status"),
        ));
    }
    let Some((rule_index, rule)) = policy.invoice_rule_for(group) else {
        return Err(reject(
            ErrorCode::NoInvoiceRule,
            format!("no invoice rule covers group `{}`", brief(&order.group)),
            format!("{path}.group"),
        ));
    };
    let Some(invoice_date) = rule.cadence.invoice_date(date) else {
        return Err(reject(
            ErrorCode::InvalidDate,
            "no invoice date for this order".into(),
            format!("{path}.placedAt"),
        ));
    };
    let Some((amounts, net)) = credited(&order) else {
        return Err(reject(
            ErrorCode::Overflow,
            "the order's amounts add up beyond the largest amount".into(),
            format!("{path}.lines"),
        ));
    };
    let po_number = order.po_number.clone().filter(|p| !p.is_empty());
    Ok(Accepted {
        index,
        order,
        po_number,
        rule,
        rule_index,
        currency,
        invoice_date,
        amounts,
        net,
    })
}

/// `2026-11` from the period's first day.
fn request_period(period: &Period) -> String {
    format!("{:04}-{:02}", period.start.year(), period.start.month())
}

/// Each line's amount as it counts, and the order's net. An ordinary order counts as
/// written. A refund credits the size of its signed net whichever sign it was recorded
/// with: lines written as on the order (100.00 and a -20.00 discount) are turned around
/// (-100.00, +20.00: -80.00); lines already written as credits (-100.00, +20.00) are kept.
/// Either way the refund credits `-|net|`, never more, and never adds to what is due.
/// `None` when the amounts overflow.
fn credited(order: &InvoiceOrder) -> Option<(Vec<Decimal>, Decimal)> {
    let net = order
        .lines
        .iter()
        .try_fold(Decimal::ZERO, |acc, l| exact_add(acc, l.amount.0))?;
    let turn = order.status == OrderStatus::Refunded && !net.is_sign_negative();
    let amounts = order
        .lines
        .iter()
        .map(|l| positive_zero(if turn { -l.amount.0 } else { l.amount.0 }))
        .collect();
    let net = if order.status == OrderStatus::Refunded {
        -net.abs()
    } else {
        net
    };
    Some((amounts, positive_zero(net)))
}

/// `a + b` when the sum is exact. rust_decimal drops decimal places instead of
/// overflowing (`5e26 + 5e26` with two decimals comes back with one), which for money
/// would be a silent rounding; here it is an overflow.
fn exact_add(a: Decimal, b: Decimal) -> Option<Decimal> {
    let sum = money::add(a, b).ok()?;
    (sum.scale() >= a.scale().max(b.scale())).then_some(sum)
}

/// `-0.00` → `0.00`: a zero amount is written without a sign.
fn positive_zero(amount: Decimal) -> Decimal {
    if amount.is_zero() {
        Decimal::new(0, amount.scale())
    } else {
        amount
    }
}

/// Where a line goes on its document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    /// A positive line of an ordinary order, netted.
    Charge,
    /// Netted, but not a charge: a discount, a refund's lines.
    Credit,
    /// Listed under `credits` without netting (`credits as listed`).
    Listed,
}

/// A document's totals, kept as its orders are added, every step checked.
#[derive(Debug, Clone, Copy, Default)]
struct Sums {
    charges: Decimal,
    /// Netted credits and listed ones.
    credits: Decimal,
    /// What the document nets: charges and netted credits.
    due: Decimal,
}

impl Sums {
    /// These sums with a line added; `None` on overflow.
    fn with(self, place: Place, amount: Decimal) -> Option<Sums> {
        let add = |a: Decimal| exact_add(a, amount);
        Some(match place {
            Place::Charge => Sums {
                charges: add(self.charges)?,
                due: add(self.due)?,
                ..self
            },
            Place::Credit => Sums {
                credits: add(self.credits)?,
                due: add(self.due)?,
                ..self
            },
            Place::Listed => Sums {
                credits: add(self.credits)?,
                ..self
            },
        })
    }
}

/// Documents by key, and the amount due per currency over all of them.
type Grouped<'p> = (BTreeMap<DocumentKey, Draft<'p>>, BTreeMap<String, Decimal>);

/// Puts each order's lines on its document. Under `credit_note` a refund, or an order
/// whose net is a credit, goes on a credit note (so each order stays on one document and
/// an invoice is never negative); `listed` lists a refund's lines and an order's negative
/// lines apart, without netting them. An order that would take its document's or its
/// currency's totals past the largest amount is rejected (E0402), never added half.
fn group<'p>(orders: Vec<Accepted<'p>>, rejected: &mut Vec<RejectedOrder>) -> Grouped<'p> {
    let mut drafts: BTreeMap<DocumentKey, Draft<'p>> = BTreeMap::new();
    let mut totals: BTreeMap<String, Decimal> = BTreeMap::new();
    for accepted in orders {
        let key = document_key(&accepted);
        let places = places(&accepted);
        let before = drafts.get(&key).map(|d| d.sums).unwrap_or_default();
        let total = totals.get(&key.currency).copied().unwrap_or_default();
        let after = places.iter().zip(&accepted.amounts).try_fold(
            (before, total),
            |(sums, total), (place, amount)| {
                let total = match place {
                    Place::Listed => total,
                    Place::Charge | Place::Credit => exact_add(total, *amount)?,
                };
                Some((sums.with(*place, *amount)?, total))
            },
        );
        let Some((sums, total)) = after else {
            rejected.push(RejectedOrder {
                index: accepted.index,
                order: Some(accepted.order.id.clone()),
                po_number: accepted.order.po_number.clone(),
                status: Some(accepted.order.status),
                code: ErrorCode::Overflow.code().into(),
                message: "its amounts take its document's totals beyond the largest amount".into(),
                path: format!("orders[{}].lines", accepted.index),
            });
            continue;
        };
        totals.insert(key.currency.clone(), total);
        let draft = drafts.entry(key).or_insert_with(|| Draft {
            rule: accepted.rule,
            lines: Vec::new(),
            credits: Vec::new(),
            sums: Sums::default(),
            units: accepted.currency.minor_units,
        });
        draft.sums = sums;
        let order = &accepted.order;
        for ((line, amount), place) in order.lines.iter().zip(&accepted.amounts).zip(places) {
            let entry = InvoiceLine {
                order: order.id.clone(),
                order_status: order.status,
                po_number: accepted.po_number.clone(),
                line: line.id.clone(),
                description: line.description.clone(),
                amount: Amount(money_scale(*amount, accepted.currency.minor_units)),
                fields: order.fields.clone(),
            };
            match place {
                Place::Listed => draft.credits.push(entry),
                Place::Charge | Place::Credit => draft.lines.push(entry),
            }
        }
    }
    (drafts, totals)
}

fn document_key(accepted: &Accepted<'_>) -> DocumentKey {
    let rule = accepted.rule;
    let order = &accepted.order;
    let splits_by = |key: &str| rule.split_by.iter().any(|k| k == key);
    let credit = accepted.net.is_sign_negative() && !accepted.net.is_zero();
    DocumentKey {
        invoice_date: accepted.invoice_date,
        rule: accepted.rule_index,
        currency: accepted.currency.code.clone(),
        group: splits_by("group").then(|| order.group.clone()),
        po_number: splits_by("poNumber").then(|| accepted.po_number.clone()),
        fields: rule
            .split_by
            .iter()
            .filter_map(|key| key.strip_prefix(FIELD_KEY_PREFIX))
            .map(|name| {
                let value = order.fields.get(name).filter(|v| !v.is_empty()).cloned();
                (name.to_owned(), value)
            })
            .collect(),
        order: (rule.cadence == Cadence::PerOrder).then(|| order.id.clone()),
        credit_note: rule.credits == "creditNote"
            && (order.status == OrderStatus::Refunded || credit),
    }
}

/// Where each of an order's lines goes: a refund is a credit as a whole (its turned-around
/// discount included, which is part of the credit and never a charge).
fn places(accepted: &Accepted<'_>) -> Vec<Place> {
    let refund = accepted.order.status == OrderStatus::Refunded;
    let listed = accepted.rule.credits == "listed";
    accepted
        .amounts
        .iter()
        .map(|amount| {
            let negative = amount.is_sign_negative() && !amount.is_zero();
            match (refund || negative, listed) {
                (true, true) => Place::Listed,
                (true, false) => Place::Credit,
                (false, _) => Place::Charge,
            }
        })
        .collect()
}

/// Numbers the documents in the order they sort. A document whose amount due is negative
/// (an adjusted invoice whose credits outweigh its charges) is issued as a credit note.
fn issue((drafts, totals): Grouped<'_>, run_date: Date) -> (Vec<Invoice>, Vec<CurrencyTotal>) {
    let stamp = date_text(run_date).replace('-', "");
    let mut invoices = Vec::new();
    let (mut invoice_count, mut credit_count) = (0u32, 0u32);
    for (key, draft) in drafts {
        let sums = draft.sums;
        let credit_note = key.credit_note || (sums.due.is_sign_negative() && !sums.due.is_zero());
        let id = if credit_note {
            credit_count += 1;
            format!("CN-{stamp}-{credit_count:03}")
        } else {
            invoice_count += 1;
            format!("INV-{stamp}-{invoice_count:03}")
        };
        let due = key
            .invoice_date
            .checked_add(
                days(i64::try_from(draft.rule.terms_days).unwrap_or(0)).unwrap_or_default(),
            )
            .unwrap_or(key.invoice_date);
        let money = |amount: Decimal| Amount(money_scale(positive_zero(amount), draft.units));
        invoices.push(Invoice {
            id,
            kind: if credit_note { "creditNote" } else { "invoice" }.into(),
            rule: draft.rule.info.id.clone(),
            template: draft.rule.template.clone(),
            bill_to: draft.rule.bill_to.clone(),
            recipients: draft.rule.send_to.clone(),
            cadence: draft.rule.cadence.name().into(),
            group: key.group,
            po_number: key.po_number.flatten(),
            fields: key.fields.into_iter().collect(),
            currency: key.currency,
            invoice_date: date_text(key.invoice_date),
            terms_days: draft.rule.terms_days,
            due_date: date_text(due),
            lines: draft.lines,
            credits: draft.credits,
            charges: money(sums.charges),
            credits_total: money(sums.credits),
            amount_due: money(sums.due),
        });
    }
    let totals = totals
        .into_iter()
        .map(|(currency, amount)| {
            let units = Currency::of(&currency).map_or(2, |c| c.minor_units);
            CurrencyTotal {
                currency,
                amount_due: Amount(money_scale(positive_zero(amount), units)),
            }
        })
        .collect();
    (invoices, totals)
}

/// User text as it appears in a message: at most 80 characters, so a huge field cannot
/// blow up the answer.
fn brief(text: &str) -> String {
    shortened(text, 80)
}

/// `text` cut to `max` characters, with `…` when it was longer.
fn shortened(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", text.get(..cut).unwrap_or_default()),
        None => text.to_owned(),
    }
}

fn failure(code: ErrorCode, message: impl Into<String>, path: &str) -> Vec<EvalError> {
    vec![crate::contract::errors::request_error(code, message, path)]
}

/// Pads an amount to the currency's minor unit, e.g. `12.5` → `12.50`.
fn money_scale(amount: Decimal, units: u32) -> Decimal {
    let mut padded = amount;
    if padded.scale() < units {
        padded.rescale(units);
    }
    padded
}

/// `2026-11` → 2026-11-01.
fn parse_period(text: &str) -> Option<Date> {
    let (year, month) = text.split_once('-')?;
    if year.len() != 4 || month.len() != 2 {
        return None;
    }
    Date::new(year.parse().ok()?, month.parse().ok()?, 1).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> Date {
        s.parse().unwrap()
    }

    /// An order built in memory (`RawOrder::from`) rather than parsed is checked for depth
    /// too, without recursion, before serde walks it.
    #[cfg(feature = "authoring")]
    #[test]
    fn an_order_built_too_deep_in_memory_is_rejected_by_path() {
        let engine = crate::Engine::from_json(
            "policy \"P\" {\n  currency CAD\n}\n\ngroup org \"Org\"\n\ninvoice inv {\n  for org\n  template \"T\"\n  bill to \"B\"\n  send to \"a@b.example\"\n  every month\n  terms net 30\n}\n",
            None,
        )
        .unwrap();
        let mut deep = serde_json::json!(1);
        for _ in 0..MAX_ORDER_DEPTH {
            deep = serde_json::json!([deep]);
        }
        let order = serde_json::json!({"id": "D", "x": deep});
        let request = InvoiceRunRequest {
            period: "2026-11".into(),
            run_date: None,
            orders: vec![order.into()],
        };
        let Answer::Success { result } = engine.invoice_run(&request) else {
            panic!("the run goes on")
        };
        let rejected = &result.rejected[0];
        assert_eq!(rejected.code, "E0101");
        assert_eq!(rejected.order.as_deref(), Some("D"));
        // The order, `x` and 30 arrays inside it make 32 levels; the 31st array is too deep.
        assert_eq!(rejected.path, format!("orders[0].x{}", "[0]".repeat(31)));
    }

    #[test]
    fn monthly_invoices_on_the_first_of_next_month() {
        assert_eq!(
            Cadence::invoice_date(&Cadence::Monthly, date("2026-11-30")),
            Some(date("2026-12-01"))
        );
        assert_eq!(
            Cadence::invoice_date(&Cadence::Monthly, date("2026-12-31")),
            Some(date("2027-01-01"))
        );
        assert_eq!(
            Cadence::invoice_date(&Cadence::Monthly, date("2028-02-29")),
            Some(date("2028-03-01"))
        );
    }

    #[test]
    fn weekly_runs_count_from_the_anchor() {
        let weekly = Cadence::Weeks {
            weeks: 1,
            anchor: None,
        };
        // 2026-11-28 is a Saturday; the next Monday is 2026-11-30.
        assert_eq!(
            Cadence::invoice_date(&weekly, date("2026-11-28")),
            Some(date("2026-11-30"))
        );
        // A Monday order lands on the following Monday.
        assert_eq!(
            Cadence::invoice_date(&weekly, date("2026-11-30")),
            Some(date("2026-12-07"))
        );
        let biweekly = Cadence::Weeks {
            weeks: 2,
            anchor: Some((2026, 1, 5)),
        };
        assert_eq!(
            Cadence::invoice_date(&biweekly, date("2026-01-05")),
            Some(date("2026-01-19"))
        );
        assert_eq!(
            Cadence::invoice_date(&biweekly, date("2026-01-18")),
            Some(date("2026-01-19"))
        );
        assert_eq!(
            Cadence::invoice_date(&biweekly, date("2025-12-30")),
            Some(date("2026-01-05"))
        );
    }
}

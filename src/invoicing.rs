//! Invoicing: which invoice an order lands on, and invoice runs that consolidate a
//! period's orders into invoices.
//!
//! Invoice date by cadence — per order: the order date; monthly: the 1st of the following
//! month; every week or two weeks: the first run date strictly after the order date,
//! counting from the anchor (default [`DEFAULT_ANCHOR`], a Monday). An order's date is its
//! `placedAt` date in the offset it was written with.
//!
//! A run groups orders by invoice rule, invoice date, currency (an invoice never mixes
//! currencies) and the rule's split keys (group, PO number). A refunded order becomes a
//! credit note (`credits as credit_note`, the default), is netted into the invoice
//! (`adjustment`) or is listed on it without netting (`listed`); a negative line inside an
//! order is netted on its invoice, or listed with `listed`. Every input order lands on
//! exactly one document or in `rejected` with a code and a reason; none is dropped silently.

use jiff::civil::Date;
use jiff::Span;

use std::collections::{BTreeMap, BTreeSet};

use rust_decimal::Decimal;

use crate::compile::{Cadence, CompiledPolicy, InvoiceRule};
use crate::contract::*;
use crate::errors::ErrorCode;
use crate::eval::local_date;
use crate::money::{self, Currency};

/// The run date weekly cadences count from when the policy names none: Monday 2024-01-01.
pub const DEFAULT_ANCHOR: (i16, i8, i8) = (2024, 1, 1);

/// The date of the invoice an order placed on `order_date` lands on.
pub fn invoice_date(cadence: &Cadence, order_date: Date) -> Option<Date> {
    match cadence {
        Cadence::PerOrder => Some(order_date),
        Cadence::Monthly => order_date
            .first_of_month()
            .checked_add(Span::new().months(1))
            .ok(),
        Cadence::Weeks { weeks, anchor } => {
            let (year, month, day) = anchor.unwrap_or(DEFAULT_ANCHOR);
            let anchor = Date::new(year, month, day).ok()?;
            let period = i64::try_from(*weeks).ok()?.checked_mul(7)?;
            if period <= 0 {
                return None;
            }
            let elapsed = i64::from((order_date - anchor).get_days());
            // The first run strictly after the order date.
            let runs = elapsed.div_euclid(period) + 1;
            anchor
                .checked_add(Span::new().days(runs.checked_mul(period)?))
                .ok()
        }
    }
}

/// The cadence as it appears in decisions: `perOrder`, `weekly`, `biweekly`, `monthly`.
pub fn cadence_name(cadence: &Cadence) -> &'static str {
    match cadence {
        Cadence::PerOrder => "perOrder",
        Cadence::Monthly => "monthly",
        Cadence::Weeks { weeks: 1, .. } => "weekly",
        Cadence::Weeks { .. } => "biweekly",
    }
}

/// The invoice rule for a group: the one whose scope names its closest ancestor; ties go
/// to the first written.
pub fn rule_for(policy: &CompiledPolicy, group: usize) -> Option<&InvoiceRule> {
    policy
        .invoices
        .iter()
        .filter(|r| r.scope.contains(group))
        .max_by_key(|r| {
            (
                r.specificity.get(group).copied().flatten(),
                std::cmp::Reverse(r.info.order),
            )
        })
}

/// Which invoice document a line goes to.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct DocumentKey {
    invoice_date: Date,
    rule: usize,
    currency: String,
    group: Option<String>,
    po_number: Option<Option<String>>,
    /// Per-order invoices are one order each.
    order: Option<String>,
    credit_note: bool,
}

struct Draft<'p> {
    rule: &'p InvoiceRule,
    lines: Vec<InvoiceLine>,
    credits: Vec<InvoiceLine>,
    units: u32,
}

/// Runs invoicing for a period.
pub fn run(policy: &CompiledPolicy, request: &InvoiceRunRequest) -> Answer<InvoiceRun> {
    let Some(period_start) = parse_period(&request.period) else {
        return failure(
            ErrorCode::InvalidDate,
            format!("`{}` is not a month such as `2026-11`", request.period),
            "period",
        );
    };
    let Ok(next_period) = period_start.checked_add(Span::new().months(1)) else {
        return failure(
            ErrorCode::InvalidDate,
            "the period is out of range",
            "period",
        );
    };
    // Without an explicit run date every order of the period is invoiced, whatever its
    // cadence; with one, orders whose invoice date comes later wait (E0604).
    let explicit_run_date = request.run_date.is_some();
    let run_date = match &request.run_date {
        Some(text) => match text.parse::<Date>() {
            Ok(date) => date,
            Err(_) => {
                return failure(
                    ErrorCode::InvalidDate,
                    format!("`{text}` is not a date"),
                    "runDate",
                )
            }
        },
        None => next_period,
    };
    let mut rejected = Vec::new();
    let mut drafts: BTreeMap<DocumentKey, Draft<'_>> = BTreeMap::new();
    let mut seen_ids = BTreeSet::new();
    for (index, raw) in request.orders.iter().enumerate() {
        let path = format!("orders[{index}]");
        let order_id = raw.get("id").and_then(|v| v.as_str()).map(str::to_owned);
        let po_number = raw
            .get("poNumber")
            .and_then(|v| v.as_str())
            .map(str::to_owned);
        let status = raw
            .get("status")
            .and_then(|v| serde_json::from_value::<OrderStatus>(v.clone()).ok());
        let mut reject = |code: ErrorCode, message: String, at: String| {
            rejected.push(RejectedOrder {
                index,
                order: order_id.clone(),
                po_number: po_number.clone(),
                status,
                code: code.code().into(),
                message,
                path: at,
            });
        };
        let order: InvoiceOrder = match serde_path_to_error::deserialize(raw) {
            Ok(order) => order,
            Err(error) => {
                let error = crate::engine::json_error(&error, &path);
                let at = error.path.clone().unwrap_or_else(|| path.clone());
                reject(ErrorCode::MalformedJson, error.message, at);
                continue;
            }
        };
        if !seen_ids.insert(order.id.clone()) {
            reject(
                ErrorCode::DuplicateId,
                format!("order `{}` appears more than once", order.id),
                format!("{path}.id"),
            );
            continue;
        }
        let Some(&group) = policy.group_ids.get(&order.group) else {
            reject(
                ErrorCode::UnknownGroup,
                format!("unknown group `{}`", order.group),
                format!("{path}.group"),
            );
            continue;
        };
        let Some(currency) = Currency::of(&order.currency) else {
            reject(
                ErrorCode::UnknownCurrency,
                format!("unknown currency `{}`", order.currency),
                format!("{path}.currency"),
            );
            continue;
        };
        if let Some((i, line)) = order
            .lines
            .iter()
            .enumerate()
            .find(|(_, l)| l.amount.0.scale() > currency.minor_units)
        {
            reject(
                ErrorCode::TooManyDecimals,
                format!(
                    "amount `{}` has more decimals than `{}` allows ({})",
                    line.amount, currency.code, currency.minor_units
                ),
                format!("{path}.lines[{i}].amount"),
            );
            continue;
        }
        let Some(date) = local_date(&order.placed_at) else {
            reject(
                ErrorCode::InvalidTimestamp,
                format!("`{}` is not an RFC 3339 timestamp", order.placed_at),
                format!("{path}.placedAt"),
            );
            continue;
        };
        if date < period_start || date >= next_period {
            reject(
                ErrorCode::OutsidePeriod,
                format!("placed on {date}, outside {}", request.period),
                format!("{path}.placedAt"),
            );
            continue;
        }
        if order.status == OrderStatus::Cancelled {
            reject(
                ErrorCode::OrderCancelled,
                "the order was cancelled".into(),
                format!("{path}.status"),
            );
            continue;
        }
        let Some(rule) = rule_for(policy, group) else {
            reject(
                ErrorCode::NoInvoiceRule,
                format!("no invoice rule covers group `{}`", order.group),
                format!("{path}.group"),
            );
            continue;
        };
        let Some(invoice_date) = invoice_date(&rule.cadence, date) else {
            reject(
                ErrorCode::InvalidDate,
                "no invoice date for this order".into(),
                format!("{path}.placedAt"),
            );
            continue;
        };
        if explicit_run_date && invoice_date > run_date {
            reject(
                ErrorCode::NotYetDue,
                format!("its invoice date {invoice_date} is after the run date {run_date}"),
                format!("{path}.placedAt"),
            );
            continue;
        }
        let rule_index = policy
            .invoices
            .iter()
            .position(|r| std::ptr::eq(r, rule))
            .unwrap_or(0);
        let splits_by = |key: &str| rule.split_by.iter().any(|k| k == key);
        let po_number = order.po_number.clone().filter(|p| !p.is_empty());
        for line in &order.lines {
            let refund = order.status == OrderStatus::Refunded;
            let amount = if refund {
                -line.amount.0.abs()
            } else {
                line.amount.0
            };
            let credit = amount.is_sign_negative() && !amount.is_zero();
            // Only a refund becomes a credit note of its own; a credit line inside an order
            // stays on that order's invoice, so every order lands on exactly one document.
            let credit_note = refund && rule.credits == "creditNote";
            let entry = InvoiceLine {
                order: order.id.clone(),
                order_status: order.status,
                po_number: po_number.clone(),
                line: line.id.clone(),
                description: line.description.clone(),
                amount: Amount(money_scale(amount, currency.minor_units)),
            };
            let key = DocumentKey {
                invoice_date,
                rule: rule_index,
                currency: currency.code.clone(),
                group: splits_by("group").then(|| order.group.clone()),
                po_number: splits_by("poNumber").then(|| po_number.clone()),
                order: (rule.cadence == Cadence::PerOrder).then(|| order.id.clone()),
                credit_note,
            };
            let draft = drafts.entry(key).or_insert_with(|| Draft {
                rule,
                lines: Vec::new(),
                credits: Vec::new(),
                units: currency.minor_units,
            });
            if credit && rule.credits == "listed" {
                draft.credits.push(entry);
            } else {
                draft.lines.push(entry);
            }
        }
    }
    let stamp = run_date.strftime("%Y%m%d").to_string();
    let mut invoices = Vec::new();
    let mut totals: BTreeMap<String, Decimal> = BTreeMap::new();
    let (mut invoice_count, mut credit_count) = (0u32, 0u32);
    for (key, draft) in drafts {
        let sum = |lines: &[InvoiceLine]| {
            lines
                .iter()
                .try_fold(Decimal::ZERO, |acc, l| money::add(acc, l.amount.0))
        };
        let (Ok(lines_total), Ok(credits_total)) = (sum(&draft.lines), sum(&draft.credits)) else {
            continue;
        };
        let charges = draft
            .lines
            .iter()
            .filter(|l| !l.amount.0.is_sign_negative() || l.amount.0.is_zero())
            .try_fold(Decimal::ZERO, |acc, l| money::add(acc, l.amount.0))
            .unwrap_or(Decimal::MAX);
        let netted_credits = lines_total - charges;
        let id = if key.credit_note {
            credit_count += 1;
            format!("CN-{stamp}-{credit_count:03}")
        } else {
            invoice_count += 1;
            format!("INV-{stamp}-{invoice_count:03}")
        };
        let due = key
            .invoice_date
            .checked_add(Span::new().days(i64::try_from(draft.rule.terms_days).unwrap_or(0)))
            .unwrap_or(key.invoice_date);
        let total = totals.entry(key.currency.clone()).or_insert(Decimal::ZERO);
        *total = money::add(*total, lines_total).unwrap_or(*total);
        invoices.push(Invoice {
            id,
            kind: if key.credit_note {
                "creditNote"
            } else {
                "invoice"
            }
            .into(),
            rule: draft.rule.info.id.clone(),
            template: draft.rule.template.clone(),
            bill_to: draft.rule.bill_to.clone(),
            recipients: draft.rule.send_to.clone(),
            cadence: cadence_name(&draft.rule.cadence).into(),
            group: key.group,
            po_number: key.po_number.flatten(),
            currency: key.currency,
            invoice_date: key.invoice_date.to_string(),
            terms_days: draft.rule.terms_days,
            due_date: due.to_string(),
            lines: draft.lines,
            credits: draft.credits,
            charges: Amount(money_scale(charges, draft.units)),
            credits_total: Amount(money_scale(netted_credits + credits_total, draft.units)),
            amount_due: Amount(money_scale(lines_total, draft.units)),
        });
    }
    let totals = totals
        .into_iter()
        .map(|(currency, amount)| {
            let units = Currency::of(&currency).map_or(2, |c| c.minor_units);
            CurrencyTotal {
                currency,
                amount_due: Amount(money_scale(amount, units)),
            }
        })
        .collect();
    Answer::Success {
        result: InvoiceRun {
            period: request.period.clone(),
            run_date: run_date.to_string(),
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

fn failure<T>(code: ErrorCode, message: impl Into<String>, path: &str) -> Answer<T> {
    Answer::Failure {
        errors: vec![crate::errors::request_error(code, message, path)],
    }
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

    #[test]
    fn monthly_invoices_on_the_first_of_next_month() {
        assert_eq!(
            invoice_date(&Cadence::Monthly, date("2026-11-30")),
            Some(date("2026-12-01"))
        );
        assert_eq!(
            invoice_date(&Cadence::Monthly, date("2026-12-31")),
            Some(date("2027-01-01"))
        );
        assert_eq!(
            invoice_date(&Cadence::Monthly, date("2028-02-29")),
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
            invoice_date(&weekly, date("2026-11-28")),
            Some(date("2026-11-30"))
        );
        // A Monday order lands on the following Monday.
        assert_eq!(
            invoice_date(&weekly, date("2026-11-30")),
            Some(date("2026-12-07"))
        );
        let biweekly = Cadence::Weeks {
            weeks: 2,
            anchor: Some((2026, 1, 5)),
        };
        assert_eq!(
            invoice_date(&biweekly, date("2026-01-05")),
            Some(date("2026-01-19"))
        );
        assert_eq!(
            invoice_date(&biweekly, date("2026-01-18")),
            Some(date("2026-01-19"))
        );
        assert_eq!(
            invoice_date(&biweekly, date("2025-12-30")),
            Some(date("2026-01-05"))
        );
    }
}

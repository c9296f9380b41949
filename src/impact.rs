//! Change impact: the same checkout requests decided by a base and a draft policy, and
//! every order the draft would decide differently, before it is published.
//!
//! For each request both engines answer; an order has changed when its outcome, a line's
//! verdict, the approval plan (levels and approvers), a budget's effect, the invoice
//! routing or the messages differ. Each change names the rules responsible on each side:
//! the trace entries one decision has and the other does not, with their line and column.
//! The summary counts changed orders by kind and adds up, per currency, the money newly
//! blocked, newly needing approval and newly allowed.

use std::collections::{BTreeMap, BTreeSet};

use rust_decimal::Decimal;
use serde::Serialize;

use crate::contract::{
    Amount, Answer, CheckoutRequest, Decision, Effect, MoneyValue, PolicyRef, TraceEntry, Verdict,
};
use crate::engine::Engine;

/// What a draft changes, over a set of checkout requests.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct ImpactReport {
    pub base: PolicyRef,
    pub draft: PolicyRef,
    pub summary: ImpactSummary,
    /// The changed orders, in request order.
    pub changes: Vec<OrderImpact>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct ImpactSummary {
    /// Requests evaluated.
    pub orders: usize,
    pub changed: usize,
    /// Changed orders by kind of change (`outcome`, `lines`, `approvals`, `budgets`,
    /// `invoice`, `messages`, `errors`); an order may count under several kinds.
    pub by_kind: BTreeMap<String, usize>,
    /// Totals of orders the draft blocks and the base did not, per currency.
    pub newly_blocked: Vec<MoneyValue>,
    /// Totals of orders that newly need approval (they were allowed or blocked).
    pub newly_approval_required: Vec<MoneyValue>,
    /// Totals of orders the draft allows and the base did not.
    pub newly_allowed: Vec<MoneyValue>,
}

/// One order the draft decides differently.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct OrderImpact {
    /// Position of the request in the input.
    pub request: usize,
    pub order: String,
    pub buyer: String,
    pub group: String,
    /// The order's total as the draft computes it (the base's when the draft fails).
    pub total: Option<MoneyValue>,
    /// `allowed`, `approvalRequired`, `blocked`, or `failure` (the request was refused).
    pub base_outcome: String,
    pub draft_outcome: String,
    /// The kinds of change, e.g. `["outcome", "lines"]`.
    pub kinds: Vec<String>,
    pub lines: Vec<LineImpact>,
    pub approvals: ApprovalImpact,
    pub budgets: Vec<BudgetImpact>,
    /// The invoice template on each side, when it changed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invoice: Option<Sides<Option<String>>>,
    /// Message texts only one side shows.
    pub messages: Sides<Vec<String>>,
    /// Error codes only one side reports.
    pub errors: Sides<Vec<String>>,
    /// The rules responsible: trace entries only one side has.
    pub rules: Sides<Vec<RuleRef>>,
}

/// The same thing in the base and in the draft.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Sides<T> {
    pub base: T,
    pub draft: T,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct LineImpact {
    pub id: String,
    pub product: String,
    pub base: Verdict,
    pub draft: Verdict,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct ApprovalImpact {
    pub levels: Sides<usize>,
    /// Approvers the draft asks and the base did not, by id.
    pub added: Vec<String>,
    /// Approvers the base asked and the draft does not.
    pub removed: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct BudgetImpact {
    pub budget: String,
    /// `none`, `warn`, `restrict`, `block`, or `absent` when the budget does not apply.
    pub effect: Sides<String>,
    pub remaining: Sides<Option<Amount>>,
}

/// A rule named by a trace entry, e.g. `laptops_it_only` (`block`) at 29:1.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct RuleRef {
    pub rule: String,
    pub effect: String,
    pub line: u32,
    pub column: u32,
}

/// Decides every request with both policies and reports the orders that change, e.g.
/// `impact(&base, &draft, &requests)`.
pub fn impact(base: &Engine, draft: &Engine, requests: &[CheckoutRequest]) -> ImpactReport {
    let decided = requests.iter().enumerate().map(|(index, request)| Decided {
        index,
        request,
        base: base.evaluate(request),
        draft: draft.evaluate(request),
    });
    compare_answers(base.policy(), draft.policy(), requests.len(), decided)
}

/// One order decided on both sides: its number in the report, its request, its answers.
pub struct Decided<'r> {
    pub index: usize,
    pub request: &'r CheckoutRequest,
    pub base: Answer<Decision>,
    pub draft: Answer<Decision>,
}

/// The impact report of answers already given, e.g. the answers of a decision log (base)
/// against a policy's fresh ones (draft): what `procura replay` reports.
pub fn compare_answers<'r>(
    base: PolicyRef,
    draft: PolicyRef,
    orders: usize,
    decided: impl IntoIterator<Item = Decided<'r>>,
) -> ImpactReport {
    let mut summary = ImpactSummary {
        orders,
        ..ImpactSummary::default()
    };
    let mut sums: [BTreeMap<String, Decimal>; 3] = Default::default();
    let mut changes = Vec::new();
    for order in decided {
        let Some(change) = compare(order.index, order.request, &order.base, &order.draft) else {
            continue;
        };
        summary.changed += 1;
        for kind in &change.kinds {
            *summary.by_kind.entry(kind.clone()).or_default() += 1;
        }
        if let Some(total) = &change.total {
            let bucket = match change.draft_outcome.as_str() {
                "blocked" | "failure" => Some(0),
                "approvalRequired" => Some(1),
                "allowed" => Some(2),
                _ => None,
            };
            if let Some(sum) = bucket
                .filter(|_| change.base_outcome != change.draft_outcome)
                .and_then(|b| sums.get_mut(b))
            {
                let entry = sum.entry(total.currency.clone()).or_default();
                *entry = entry.checked_add(total.amount.0).unwrap_or(*entry);
            }
        }
        changes.push(change);
    }
    let money = |sum: &BTreeMap<String, Decimal>| -> Vec<MoneyValue> {
        sum.iter()
            .map(|(currency, amount)| MoneyValue {
                amount: Amount(*amount),
                currency: currency.clone(),
            })
            .collect()
    };
    let [blocked, approval, allowed] = &sums;
    summary.newly_blocked = money(blocked);
    summary.newly_approval_required = money(approval);
    summary.newly_allowed = money(allowed);
    ImpactReport {
        base,
        draft,
        summary,
        changes,
    }
}

fn outcome_word(answer: &Answer<Decision>) -> &'static str {
    match answer {
        Answer::Failure { .. } => "failure",
        Answer::Success { result } => result.outcome.as_str(),
    }
}

fn decision(answer: &Answer<Decision>) -> Option<&Decision> {
    match answer {
        Answer::Success { result } => Some(result),
        Answer::Failure { .. } => None,
    }
}

/// Entries of `ours` that `theirs` lacks, as rule references.
fn only_in(ours: &[TraceEntry], theirs: &[TraceEntry]) -> Vec<RuleRef> {
    let key = |t: &TraceEntry| (t.rule.clone(), t.effect.clone(), t.lines.clone());
    let other: BTreeSet<_> = theirs.iter().map(key).collect();
    ours.iter()
        .filter(|t| !other.contains(&key(t)))
        .map(|t| RuleRef {
            rule: t.rule.clone(),
            effect: t.effect.clone(),
            line: t.span.line,
            column: t.span.column,
        })
        .collect()
}

fn difference(ours: &[String], theirs: &[String]) -> Vec<String> {
    let other: BTreeSet<&String> = theirs.iter().collect();
    let mut out: Vec<String> = ours
        .iter()
        .filter(|m| !other.contains(m))
        .cloned()
        .collect();
    out.dedup();
    out
}

fn texts(decision: Option<&Decision>) -> Vec<String> {
    decision.map_or_else(Vec::new, |d| {
        d.messages
            .iter()
            .chain(d.lines.iter().flat_map(|l| l.messages.iter()))
            .map(|m| m.text.clone())
            .collect()
    })
}

fn codes(answer: &Answer<Decision>) -> Vec<String> {
    let errors = match answer {
        Answer::Failure { errors } => errors,
        Answer::Success { result } => &result.errors,
    };
    errors.iter().map(|e| e.code.clone()).collect()
}

fn approvers(decision: Option<&Decision>) -> BTreeSet<String> {
    decision.map_or_else(BTreeSet::new, |d| {
        d.approval
            .levels
            .iter()
            .flat_map(|l| l.approvers.iter().cloned())
            .collect()
    })
}

/// The differences of one order, or `None` when both sides decide alike.
fn compare(
    index: usize,
    request: &CheckoutRequest,
    before: &Answer<Decision>,
    after: &Answer<Decision>,
) -> Option<OrderImpact> {
    let (old, new) = (decision(before), decision(after));
    let mut kinds = Vec::new();
    let (base_outcome, draft_outcome) = (outcome_word(before), outcome_word(after));
    if base_outcome != draft_outcome {
        kinds.push("outcome");
    }
    let lines = line_changes(old, new);
    if !lines.is_empty() {
        kinds.push("lines");
    }
    let approvals = approval_changes(old, new);
    if approvals.levels.base != approvals.levels.draft
        || !approvals.added.is_empty()
        || !approvals.removed.is_empty()
    {
        kinds.push("approvals");
    }
    let budgets = budget_changes(old, new);
    if !budgets.is_empty() {
        kinds.push("budgets");
    }
    let template =
        |d: Option<&Decision>| d.and_then(|d| d.invoice.as_ref().map(|i| i.template.clone()));
    let invoice = (template(old) != template(new)).then(|| Sides {
        base: template(old),
        draft: template(new),
    });
    if invoice.is_some() {
        kinds.push("invoice");
    }
    let (old_texts, new_texts) = (texts(old), texts(new));
    let messages = Sides {
        base: difference(&old_texts, &new_texts),
        draft: difference(&new_texts, &old_texts),
    };
    if !messages.base.is_empty() || !messages.draft.is_empty() {
        kinds.push("messages");
    }
    let (old_codes, new_codes) = (codes(before), codes(after));
    let errors = Sides {
        base: difference(&old_codes, &new_codes),
        draft: difference(&new_codes, &old_codes),
    };
    if !errors.base.is_empty() || !errors.draft.is_empty() {
        kinds.push("errors");
    }
    if kinds.is_empty() {
        return None;
    }
    let no_trace: &[TraceEntry] = &[];
    let (old_trace, new_trace) = (
        old.map_or(no_trace, |d| &d.trace),
        new.map_or(no_trace, |d| &d.trace),
    );
    let total = new.or(old).map(|d| MoneyValue {
        amount: d.totals.total,
        currency: d.totals.currency.clone(),
    });
    Some(OrderImpact {
        request: index,
        order: request.order.id.clone(),
        buyer: request.buyer.clone(),
        group: request.group.clone(),
        total,
        base_outcome: base_outcome.to_owned(),
        draft_outcome: draft_outcome.to_owned(),
        kinds: kinds.into_iter().map(str::to_owned).collect(),
        lines,
        approvals,
        budgets,
        invoice,
        messages,
        errors,
        rules: Sides {
            base: only_in(old_trace, new_trace),
            draft: only_in(new_trace, old_trace),
        },
    })
}

fn line_changes(old: Option<&Decision>, new: Option<&Decision>) -> Vec<LineImpact> {
    let (Some(old), Some(new)) = (old, new) else {
        return Vec::new();
    };
    old.lines
        .iter()
        .zip(&new.lines)
        .filter(|(a, b)| a.verdict != b.verdict || a.dropped != b.dropped)
        .map(|(a, b)| LineImpact {
            id: a.id.clone(),
            product: a.product.clone(),
            base: a.verdict,
            draft: b.verdict,
        })
        .collect()
}

fn approval_changes(old: Option<&Decision>, new: Option<&Decision>) -> ApprovalImpact {
    let (before, after) = (approvers(old), approvers(new));
    ApprovalImpact {
        levels: Sides {
            base: old.map_or(0, |d| d.approval.levels.len()),
            draft: new.map_or(0, |d| d.approval.levels.len()),
        },
        added: after.difference(&before).cloned().collect(),
        removed: before.difference(&after).cloned().collect(),
    }
}

fn budget_changes(old: Option<&Decision>, new: Option<&Decision>) -> Vec<BudgetImpact> {
    let (Some(old), Some(new)) = (old, new) else {
        return Vec::new();
    };
    let ids: BTreeSet<&String> = old
        .budgets
        .iter()
        .chain(&new.budgets)
        .map(|b| &b.budget)
        .collect();
    ids.into_iter()
        .filter_map(|id| {
            let a = old.budgets.iter().find(|b| &b.budget == id);
            let b = new.budgets.iter().find(|b| &b.budget == id);
            let effect = |e: Option<&crate::contract::BudgetEffect>| {
                e.map_or("absent", |e| Effect::as_str(e.effect)).to_owned()
            };
            let remaining = |e: Option<&crate::contract::BudgetEffect>| e.map(|e| e.remaining);
            let same = effect(a) == effect(b) && remaining(a) == remaining(b);
            (!same).then(|| BudgetImpact {
                budget: id.clone(),
                effect: Sides {
                    base: effect(a),
                    draft: effect(b),
                },
                remaining: Sides {
                    base: remaining(a),
                    draft: remaining(b),
                },
            })
        })
        .collect()
}

/// The report as CSV for a spreadsheet (RFC 4180, CRLF): one row per changed order. Text
/// cells that a spreadsheet could run as a formula are neutralised as in invoice reports.
pub fn csv(report: &ImpactReport) -> String {
    const HEADER: [&str; 13] = [
        "request",
        "order",
        "buyer",
        "group",
        "total",
        "currency",
        "baseOutcome",
        "draftOutcome",
        "kinds",
        "lines",
        "approvers",
        "baseRules",
        "draftRules",
    ];
    let mut writer = ::csv::WriterBuilder::new()
        .terminator(::csv::Terminator::CRLF)
        .from_writer(Vec::new());
    let rules = |refs: &[RuleRef]| {
        refs.iter()
            .map(|r| format!("{} {} {}:{}", r.rule, r.effect, r.line, r.column))
            .collect::<Vec<_>>()
            .join("; ")
    };
    let mut rows: Vec<Vec<String>> = vec![HEADER.iter().map(|h| (*h).to_owned()).collect()];
    for change in &report.changes {
        let lines = change
            .lines
            .iter()
            .map(|l| format!("{} {}>{}", l.id, l.base.as_str(), l.draft.as_str()))
            .collect::<Vec<_>>()
            .join("; ");
        let approvers = change
            .approvals
            .added
            .iter()
            .map(|a| format!("+{a}"))
            .chain(change.approvals.removed.iter().map(|r| format!("-{r}")))
            .collect::<Vec<_>>()
            .join("; ");
        let (total, currency) = change
            .total
            .as_ref()
            .map_or((String::new(), String::new()), |t| {
                (t.amount.to_string(), t.currency.clone())
            });
        let text = |cell: String| crate::office::reports::neutralize(&cell);
        rows.push(vec![
            change.request.to_string(),
            text(change.order.clone()),
            text(change.buyer.clone()),
            text(change.group.clone()),
            total,
            currency,
            change.base_outcome.clone(),
            change.draft_outcome.clone(),
            change.kinds.join("; "),
            text(lines),
            text(approvers),
            text(rules(&change.rules.base)),
            text(rules(&change.rules.draft)),
        ]);
    }
    for row in rows {
        // Writing to memory cannot fail; an error would only drop the row.
        let _ = writer.write_record(&row);
    }
    writer
        .into_inner()
        .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
        .unwrap_or_default()
}

//! `procura replay --log FILE --policy P [--directory D] [--format text|json|csv]`: decides
//! every checkout of a decision log again with policy P and reports what would differ from
//! the logged answers, in the report of `procura impact` (the logged answers are the base
//! side, P the draft; an order's `request` is its line number in the log).
//!
//! Lines that cannot be read (the last one cut short by a crash, say) are reported on stderr
//! with their line number and code (`E0520`, `E0521`) and replay goes on. Exit 0 when
//! nothing differs and every line was read, 1 when some order differs or a line could not be
//! read, 2 on a usage or I/O problem.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use procura::contract::{
    Amount, Answer, BudgetEffect, CheckoutRequest, Decision, Effect, MoneyValue, Outcome,
    PolicyRef, TraceEntry,
};
use procura::impact::{
    ApprovalImpact, BudgetImpact, ImpactReport, ImpactSummary, LineImpact, OrderImpact, RuleRef,
    Sides,
};

use crate::files::{self, Input};
use crate::impact::{render, Format};
use crate::logged::{self, LoggedCheckout};
use crate::query;
use crate::status::Status;
use crate::GlobalArgs;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The decision log of `procura serve --decision-log` (JSON Lines).
    #[arg(long, value_name = "FILE")]
    log: PathBuf,
    /// The policy to decide the logged checkouts with.
    #[arg(long, value_name = "FILE")]
    policy: PathBuf,
    /// The directory of users as JSON (default: an empty directory).
    #[arg(long, value_name = "FILE")]
    directory: Option<PathBuf>,
    /// `text` for people, `json` for tools, `csv` for a spreadsheet (one row per order).
    #[arg(long, value_enum, default_value_t, value_name = "FORMAT")]
    format: Format,
}

pub fn run(args: &Args, global: &GlobalArgs) -> Status {
    let directory = match args.directory.as_deref().map(|p| Input::new(p).read()) {
        None => None,
        Some(Err(status)) => return status,
        Some(Ok(bytes)) => match query::utf8(bytes, "directory") {
            Ok(text) => Some(text),
            Err(errors) => {
                for error in errors {
                    files::report_error(&format!("directory: {} ({})", error.message, error.code));
                }
                return Status::Failure;
            }
        },
    };
    let input = Input::new(&args.policy);
    let engine = match input
        .read()
        .and_then(|source| query::compile(&input, &source, directory.as_deref(), global))
    {
        Ok(engine) => engine,
        Err(status) => return status,
    };
    let name = args.log.display().to_string();
    let text = match Input::new(&args.log).read() {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(status) => return status,
    };
    let log = logged::read(&text, &name);
    let mut status = log.status;
    let mut decided = Vec::new();
    for checkout in &log.checkouts {
        match logged::answer(&name, checkout) {
            Some(answer) => decided.push((checkout, answer)),
            None => status = status.worst(Status::Failure),
        }
    }
    let fresh = decided
        .iter()
        .map(|(checkout, _)| engine.evaluate(&checkout.request))
        .collect();
    let report = replay(&decided, fresh, engine.policy());
    if !report.changes.is_empty() {
        status = status.worst(Status::Failure);
    }
    match render(&report, args.format) {
        Ok(text) => files::write_stdout(text.as_bytes()).worst(status),
        Err(trouble) => trouble,
    }
}

/// The logged policy versions as one reference: the version, or every hash when the log
/// spans a reload.
fn logged_policy(decided: &[(&LoggedCheckout, Answer<Decision>)]) -> PolicyRef {
    let hashes: BTreeSet<&str> = decided
        .iter()
        .map(|(checkout, _)| checkout.entry.policy.hash.as_str())
        .collect();
    let name = decided
        .first()
        .map_or("decision log", |(checkout, _)| &checkout.entry.policy.name);
    PolicyRef {
        name: name.to_owned(),
        hash: hashes.into_iter().collect::<Vec<_>>().join(", "),
    }
}

/// The impact report of the fresh answers (draft) over the logged ones (base).
fn replay(
    decided: &[(&LoggedCheckout, Answer<Decision>)],
    fresh: Vec<Answer<Decision>>,
    policy: PolicyRef,
) -> ImpactReport {
    let mut summary = ImpactSummary {
        orders: decided.len(),
        ..ImpactSummary::default()
    };
    let mut sums: [BTreeMap<String, Amount>; 3] = Default::default();
    let mut changes = Vec::new();
    for ((checkout, before), after) in decided.iter().zip(&fresh) {
        let Some(change) = compare(checkout.line, &checkout.request, before, after) else {
            continue;
        };
        summary.changed += 1;
        for kind in &change.kinds {
            *summary.by_kind.entry(kind.clone()).or_default() += 1;
        }
        let bucket = match change.draft_outcome.as_str() {
            "blocked" | "failure" => Some(0),
            "approvalRequired" => Some(1),
            "allowed" => Some(2),
            _ => None,
        };
        if let (Some(total), Some(sum)) = (
            &change.total,
            bucket
                .filter(|_| change.base_outcome != change.draft_outcome)
                .and_then(|b| sums.get_mut(b)),
        ) {
            let entry = sum
                .entry(total.currency.clone())
                .or_insert(Amount(Default::default()));
            entry.0 = entry.0.checked_add(total.amount.0).unwrap_or(entry.0);
        }
        changes.push(change);
    }
    let money = |sum: &BTreeMap<String, Amount>| -> Vec<MoneyValue> {
        sum.iter()
            .map(|(currency, amount)| MoneyValue {
                amount: *amount,
                currency: currency.clone(),
            })
            .collect()
    };
    let [blocked, approval, allowed] = &sums;
    summary.newly_blocked = money(blocked);
    summary.newly_approval_required = money(approval);
    summary.newly_allowed = money(allowed);
    ImpactReport {
        base: logged_policy(decided),
        draft: policy,
        summary,
        changes,
    }
}

// What follows mirrors the private comparison of `procura::impact` (src/impact.rs), which
// only compares two engines' answers: a logged answer has no engine. To be replaced by a
// public `procura::impact` function comparing two answers once the library has one.

fn outcome_word(answer: &Answer<Decision>) -> &'static str {
    match answer {
        Answer::Failure { .. } => "failure",
        Answer::Success { result } => match result.outcome {
            Outcome::Allowed => "allowed",
            Outcome::ApprovalRequired => "approvalRequired",
            Outcome::Blocked => "blocked",
        },
    }
}

fn decision(answer: &Answer<Decision>) -> Option<&Decision> {
    match answer {
        Answer::Success { result } => Some(result),
        Answer::Failure { .. } => None,
    }
}

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

/// Both sides of a list, with what each side has that the other has not.
fn sides_of(old: &[String], new: &[String]) -> Sides<Vec<String>> {
    Sides {
        base: difference(old, new),
        draft: difference(new, old),
    }
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
    let lines = line_changes(old, new);
    let approvals = approval_changes(old, new);
    let budgets = budget_changes(old, new);
    let template =
        |d: Option<&Decision>| d.and_then(|d| d.invoice.as_ref().map(|i| i.template.clone()));
    let invoice = (template(old) != template(new)).then(|| Sides {
        base: template(old),
        draft: template(new),
    });
    let messages = sides_of(&texts(old), &texts(new));
    let errors = sides_of(&codes(before), &codes(after));
    let changed = [
        ("outcome", base_outcome != draft_outcome),
        ("lines", !lines.is_empty()),
        (
            "approvals",
            approvals.levels.base != approvals.levels.draft
                || !approvals.added.is_empty()
                || !approvals.removed.is_empty(),
        ),
        ("budgets", !budgets.is_empty()),
        ("invoice", invoice.is_some()),
        (
            "messages",
            !messages.base.is_empty() || !messages.draft.is_empty(),
        ),
        (
            "errors",
            !errors.base.is_empty() || !errors.draft.is_empty(),
        ),
    ];
    kinds.extend(
        changed
            .iter()
            .filter(|(_, yes)| *yes)
            .map(|(kind, _)| *kind),
    );
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

fn approvers(decision: Option<&Decision>) -> BTreeSet<String> {
    decision.map_or_else(BTreeSet::new, |d| {
        d.approval
            .levels
            .iter()
            .flat_map(|l| l.approvers.iter().cloned())
            .collect()
    })
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

fn effect_word(effect: Effect) -> &'static str {
    match effect {
        Effect::None => "none",
        Effect::Warn => "warn",
        Effect::Restrict => "restrict",
        Effect::Block => "block",
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
    let effect =
        |e: Option<&BudgetEffect>| e.map_or("absent", |e| effect_word(e.effect)).to_owned();
    let remaining = |e: Option<&BudgetEffect>| e.map(|e| e.remaining);
    ids.into_iter()
        .filter_map(|id| {
            let a = old.budgets.iter().find(|b| &b.budget == id);
            let b = new.budgets.iter().find(|b| &b.budget == id);
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

//! `procura eval --explain`: a checkout decision in words, for the administrator who has
//! to answer "why was this blocked?".
//!
//! ```text
//! outcome: blocked
//! lines:
//!   L1 B0LAPTOP: blocked, 2598.00 CAD
//!     block: Laptops are purchased by the IT department [laptops_it_only]
//! approval: would be required, but the order is blocked
//!   level 1: any of priya@maple.example (required by district_paper)
//! ...
//! why:
//!   laptops_it_only (29:1) block → L1: block line
//! ```
//!
//! Every rule in "why" carries the line and column where it is written in the policy.

use std::fmt::Write as _;

use procura::contract::{
    ApprovalLevel, BudgetEffect, Decision, Effect, EvalError, LineDecision, Message, Outcome,
    QuorumSpec, TraceEntry,
};

/// The decision as text, one section per part, ending with a newline.
pub fn decision(decision: &Decision) -> String {
    let mut out = Out::default();
    let currency = decision.totals.currency.as_str();
    out.line(0, format!("outcome: {}", outcome(decision.outcome)));
    out.line(
        0,
        format!(
            "order: {} in group {}, policy \"{}\" ({})",
            decision.order, decision.group, decision.policy.name, decision.policy.hash
        ),
    );
    for message in &decision.messages {
        out.line(1, message_text(message));
    }

    out.line(0, "lines:");
    if decision.lines.is_empty() {
        out.line(1, "none");
    }
    for line in &decision.lines {
        line_decision(&mut out, line, currency);
    }

    approval(&mut out, decision);

    out.line(0, "budgets:");
    if decision.budgets.is_empty() {
        out.line(1, "none apply");
    }
    for budget in &decision.budgets {
        out.line(1, budget_text(budget));
    }

    match &decision.invoice {
        None => out.line(0, "invoice: no invoice rule applies"),
        Some(invoice) => {
            out.line(
                0,
                format!(
                    "invoice: template \"{}\" [{}], {}, terms net {} days",
                    invoice.template, invoice.rule, invoice.cadence, invoice.terms_days
                ),
            );
            out.line(
                1,
                format!(
                    "invoice date {}, due date {}",
                    invoice
                        .invoice_date
                        .as_deref()
                        .unwrap_or("unknown (no `now`)"),
                    invoice.due_date.as_deref().unwrap_or("unknown (no `now`)")
                ),
            );
            out.line(1, format!("bill to: {}", invoice.bill_to));
            if !invoice.recipients.is_empty() {
                out.line(1, format!("send to: {}", invoice.recipients.join(", ")));
            }
            if !invoice.split_by.is_empty() {
                out.line(1, format!("split by: {}", invoice.split_by.join(", ")));
            }
        }
    }
    if let Some(payment) = &decision.payment {
        out.line(
            0,
            format!(
                "payment: {} [{}], allowed: {}",
                payment.method.as_deref().unwrap_or("no method"),
                payment.rule,
                payment.allowed.join(", ")
            ),
        );
    }
    if let Some(split) = &decision.split {
        out.line(
            0,
            format!(
                "split orders: {} together come to {} {} [{}]",
                split.orders.join(", "),
                split.combined,
                split.currency,
                split.rule
            ),
        );
    }

    let totals = &decision.totals;
    out.line(
        0,
        format!(
            "totals: subtotal {} {currency}, tax {}, shipping {}, total {} {currency}",
            totals.subtotal, totals.tax, totals.shipping, totals.total
        ),
    );

    out.line(0, "why:");
    if decision.trace.is_empty() {
        out.line(1, "no rule applied");
    }
    for entry in &decision.trace {
        out.line(1, trace_text(entry));
    }

    if !decision.errors.is_empty() {
        out.line(0, "errors:");
        for error in &decision.errors {
            out.line(1, error_text(error));
        }
    }
    out.0
}

/// Text built line by line, two spaces per indentation level.
#[derive(Debug, Default)]
struct Out(String);

impl Out {
    fn line(&mut self, indent: usize, text: impl AsRef<str>) {
        let _ = writeln!(self.0, "{:width$}{}", "", text.as_ref(), width = indent * 2);
    }
}

fn line_decision(out: &mut Out, line: &LineDecision, currency: &str) {
    let dropped = if line.dropped { " (dropped)" } else { "" };
    out.line(
        1,
        format!(
            "{} {}: {}, {} {currency}{dropped}",
            line.id,
            line.product,
            line.verdict.as_str(),
            line.amount
        ),
    );
    for message in &line.messages {
        out.line(2, message_text(message));
    }
    for suggestion in &line.suggestions {
        let price = suggestion
            .price
            .as_ref()
            .map_or_else(String::new, |p| format!(" at {} {}", p.amount, p.currency));
        out.line(
            2,
            format!(
                "instead: {}{price} [{}]",
                suggestion.product, suggestion.rule
            ),
        );
    }
}

fn approval(out: &mut Out, decision: &Decision) {
    let plan = &decision.approval;
    let state = match (plan.required, plan.auto_approved, plan.levels.is_empty()) {
        (_, true, _) => "approved automatically (the requester may approve it themselves)",
        (true, false, _) => "required",
        (false, false, false) => "would be required, but the order is blocked",
        (false, false, true) => "not required",
    };
    out.line(0, format!("approval: {state}"));
    for level in &plan.levels {
        out.line(1, level_text(level));
    }
}

fn level_text(level: &ApprovalLevel) -> String {
    let quorum = match &level.quorum {
        QuorumSpec::Any => "any of".to_owned(),
        QuorumSpec::All => "all of".to_owned(),
        QuorumSpec::Count { count } => format!("{count} of"),
    };
    let approvers = if level.approvers.is_empty() {
        "nobody".to_owned()
    } else {
        level.approvers.join(", ")
    };
    let mut text = format!(
        "level {}: {quorum} {approvers} (required by {})",
        level.level,
        level.rules.join(", ")
    );
    if let Some(fallback) = &level.fallback {
        let _ = write!(text, ", fell back to {fallback}");
    }
    if let Some(escalation) = &level.escalation {
        let _ = write!(
            text,
            ", escalates after {} hours to {}",
            escalation.after_hours,
            escalation.to.join(", ")
        );
    }
    text
}

fn budget_text(budget: &BudgetEffect) -> String {
    let user = budget
        .user
        .as_ref()
        .map_or_else(String::new, |user| format!(" for {user}"));
    let standing = if budget.over {
        format!("over by {}", budget.remaining.0.abs())
    } else {
        format!("remaining {}", budget.remaining)
    };
    let effect = match budget.effect {
        Effect::None => String::new(),
        other => format!(", effect: {}", other.as_str()),
    };
    format!(
        "{} ({}{user}, {}): {} {}, spent {}, this order {}, {standing} {}{effect}",
        budget.budget,
        budget.group,
        budget.period,
        budget.amount,
        budget.currency,
        budget.spent,
        budget.order,
        budget.currency,
    )
}

/// `laptops_it_only (29:1) block → L1: block line`
fn trace_text(entry: &TraceEntry) -> String {
    let lines = if entry.lines.is_empty() {
        "order".to_owned()
    } else {
        entry.lines.join(", ")
    };
    let detail = if entry.detail.is_empty() {
        String::new()
    } else {
        format!(": {}", entry.detail)
    };
    format!(
        "{} ({}:{}) {} → {lines}{detail}",
        entry.rule, entry.span.line, entry.span.column, entry.effect
    )
}

fn message_text(message: &Message) -> String {
    format!("{}: {} [{}]", message.severity, message.text, message.rule)
}

fn error_text(error: &EvalError) -> String {
    let mut text = format!("error[{}]: {}", error.code, error.message);
    if let Some(rule) = &error.rule {
        let _ = write!(text, " [{rule}]");
    }
    if let Some(span) = &error.span {
        let _ = write!(text, " ({}:{})", span.line, span.column);
    }
    if let Some(path) = error.path.as_deref().filter(|p| !p.is_empty()) {
        let _ = write!(text, " at {path}");
    }
    text
}

fn outcome(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Allowed => "allowed",
        Outcome::ApprovalRequired => "approval required",
        Outcome::Blocked => "blocked",
    }
}

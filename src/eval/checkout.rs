//! Checkout evaluation: one request against a compiled policy → a [`Decision`].
//!
//! The request is validated first (every problem, by JSON path). Then lines meet the rules
//! their category index points at, order rules and checks run, budgets and split
//! detection add their effects, approvals are merged into a plan, and the invoice is
//! routed. A rule that fails to evaluate is treated as matching (fail closed) and its
//! error is reported with the rule's span.

use std::collections::{BTreeMap, BTreeSet};

use rust_decimal::Decimal;

use crate::base::categories::for_each_category_key;
use crate::base::money::{self, Currency};
use crate::compile::{
    Action, CompiledPolicy, IndexedTarget, Requirement, RuleInfo, SelfApproval, Severity, Target,
    Text,
};
use crate::contract::errors::{request_error, rule_error, ErrorCode};
use crate::contract::*;
use crate::eval::approvals::{self, Ask};
use crate::eval::authorize::require_buyer_authority;
use crate::eval::expr::{compare_ordering, Fault, LineFacts, OrderFacts, Scope};
use crate::eval::people::{collect, find_group, People, Person};

/// The finest unit price accepted, in decimals.
pub const MAX_UNIT_PRICE_DECIMALS: u32 = 6;
/// The most lines one order may carry.
pub const MAX_LINES: usize = 10_000;

/// Evaluates a checkout request.
pub fn checkout(
    policy: &CompiledPolicy,
    people: &People,
    request: &CheckoutRequest,
) -> Answer<Decision> {
    match Checkout::prepare(policy, people, request) {
        Ok(checkout) => Answer::Success {
            result: checkout.run(),
        },
        Err(errors) => Answer::Failure { errors },
    }
}

pub use crate::base::calendar::{instant, local_date};

struct Checkout<'a> {
    policy: &'a CompiledPolicy,
    people: &'a People,
    context: &'a Context,
    facts: OrderFacts,
    locale: Option<String>,
    now: Option<jiff::Timestamp>,
    /// Custom field values that block the order (see [`crate::eval::fields`]).
    field_problems: Vec<crate::eval::fields::FieldProblem>,
}

/// What one line collected from the rules.
#[derive(Default)]
struct LineState {
    severity: Option<Severity>,
    preferred: bool,
    messages: Vec<(usize, Message)>,
    suggestions: Vec<Suggestion>,
}

/// Everything evaluation accumulates before it becomes a decision.
#[derive(Default)]
struct Findings<'p> {
    blocked: bool,
    messages: Vec<(usize, Message)>,
    asks: Vec<Ask<'p>>,
    trace: BTreeMap<(usize, &'static str), TraceEntry>,
    errors: Vec<EvalError>,
    auto_approved: bool,
    /// Set where no trace is reported (badges), so none is built.
    untraced: bool,
    /// The requirements already in `asks` (by address, with `self_allowed`): a restriction
    /// that fires on fifty lines asks once. Only tests membership, never orders anything.
    asked: std::collections::HashSet<(usize, bool), rustc_hash::FxBuildHasher>,
}

impl<'p> Findings<'p> {
    fn trace(
        &mut self,
        rule: &RuleInfo,
        effect: &'static str,
        line: Option<&str>,
        detail: impl Into<String>,
    ) {
        if self.untraced {
            return;
        }
        let entry = self
            .trace
            .entry((rule.order, effect))
            .or_insert_with(|| TraceEntry {
                rule: rule.id.clone(),
                span: rule.span,
                effect: effect.to_owned(),
                lines: Vec::new(),
                detail: detail.into(),
            });
        if let Some(line) = line {
            if !entry.lines.iter().any(|l| l == line) {
                entry.lines.push(line.to_owned());
            }
        }
    }

    /// Records an approval requirement, once.
    fn ask(&mut self, ask: Ask<'p>) {
        let key = (
            std::ptr::from_ref(ask.requirement) as usize,
            ask.self_allowed,
        );
        if self.asked.insert(key) {
            self.asks.push(ask);
        }
    }

    fn fault(&mut self, rule: &RuleInfo, fault: Fault) {
        let error = rule_error(fault.code, fault.message, &rule.id, rule.span);
        if !self.errors.contains(&error) {
            self.errors.push(error);
        }
    }
}

impl<'a> Checkout<'a> {
    fn prepare(
        policy: &'a CompiledPolicy,
        people: &'a People,
        request: &'a CheckoutRequest,
    ) -> Result<Checkout<'a>, Vec<EvalError>> {
        let mut errors = Vec::new();
        let order = &request.order;
        let claims = Claims {
            buyer: &request.buyer,
            profile: request.buyer_profile.as_ref(),
            group: &request.group,
            currency: (&order.currency, "order.currency"),
        };
        let Resolved {
            buyer,
            group,
            currency,
        } = claims.resolve(policy, people, &mut errors);
        let units = currency.as_ref().map_or(2, |c| c.minor_units);
        if order.lines.is_empty() {
            errors.push(request_error(
                ErrorCode::EmptyOrder,
                "the order has no lines",
                "order.lines",
            ));
        }
        if order.lines.len() > MAX_LINES {
            errors.push(request_error(
                ErrorCode::InputTooLarge,
                format!("the order has more than {MAX_LINES} lines"),
                "order.lines",
            ));
        }
        let mut lines = read_lines(policy, order, units, &mut errors);
        let field_values = crate::eval::fields::read(policy, order, group, &mut errors);
        for (line, values) in lines.iter_mut().zip(field_values.lines) {
            line.fields = values;
        }
        let mut extra = |amount: Option<Amount>, path: &str| -> Decimal {
            let value = amount.map_or(Decimal::ZERO, |a| a.0);
            if value.is_sign_negative() {
                errors.push(request_error(
                    ErrorCode::NegativeAmount,
                    "amount must not be negative",
                    path,
                ));
            }
            if value.scale() > units {
                errors.push(request_error(
                    ErrorCode::TooManyDecimals,
                    format!(
                        "amount has more decimals than `{}` allows ({units})",
                        order.currency
                    ),
                    path,
                ));
            }
            value
        };
        let tax = extra(order.tax, "order.tax");
        let shipping = extra(order.shipping, "order.shipping");
        let now = read_context(&request.context, &mut errors);
        let buyer = collect(buyer, &mut errors);
        let (Some(buyer), Some(group), Some(currency), true) =
            (buyer, group, currency, errors.is_empty())
        else {
            return Err(errors);
        };
        require_buyer_authority(policy, &buyer, group, "group")?;
        let facts = order_facts(
            request,
            currency,
            group,
            (tax, shipping),
            &buyer,
            lines,
            field_values.order,
        );
        let locale = request.locale.clone().or_else(|| buyer.user.locale.clone());
        let mut checkout = Checkout {
            policy,
            people,
            context: &request.context,
            facts,
            locale,
            now,
            field_problems: field_values.problems,
        };
        checkout
            .total()
            .map_err(|fault| vec![request_error(fault.code, fault.message, "order")])?;
        Ok(checkout)
    }

    /// Recomputes subtotal and total over the kept lines.
    fn total(&mut self) -> Result<(), Fault> {
        let mut subtotal = Decimal::ZERO;
        for line in self.facts.lines.iter().filter(|l| l.kept) {
            subtotal = money::add(subtotal, line.amount)?;
        }
        self.facts.subtotal = subtotal;
        self.facts.total = money::add(money::add(subtotal, self.facts.tax)?, self.facts.shipping)?;
        Ok(())
    }

    fn message(&self, rule: &RuleInfo, severity: &str, text: &Text) -> Message {
        let (text, locale) = pick_locale(text, self.locale.as_deref(), &self.policy.default_locale);
        Message {
            rule: rule.id.clone(),
            severity: severity.to_owned(),
            text,
            locale,
        }
    }

    fn run(mut self) -> Decision {
        let policy = self.policy;
        let mut findings = Findings::default();
        let group = self.facts.group;
        let mut states: Vec<LineState> = Vec::with_capacity(self.facts.lines.len());
        let scope = Scope {
            policy,
            order: &self.facts,
            line: None,
        };
        for line in &self.facts.lines {
            states.push(self.line(line, &scope, &mut findings));
        }
        // Blocked lines either block the order, saying why at the order level too, or
        // drop out of it.
        for (line, state) in self.facts.lines.iter_mut().zip(&states) {
            if state.severity != Some(Severity::Block) {
                continue;
            }
            if policy.drops_blocked_lines {
                line.kept = false;
                continue;
            }
            findings.blocked = true;
            for (order, message) in state.messages.iter().filter(|(_, m)| m.severity == "block") {
                let mut message = message.clone();
                message.text = format!("line `{}`: {}", line.id, message.text);
                findings.messages.push((*order, message));
            }
        }
        if self.facts.lines.iter().any(|l| !l.kept) {
            self.facts.lines_changed();
        }
        if self.facts.lines.iter().all(|l| !l.kept) {
            findings.blocked = true;
        }
        if let Err(fault) = self.total() {
            findings
                .errors
                .push(request_error(fault.code, fault.message, "order"));
            findings.blocked = true;
        }
        let scope = Scope {
            policy,
            order: &self.facts,
            line: None,
        };
        self.field_problems(&mut findings);
        self.order_rules(&scope, &mut findings);
        let payment = self.payment(&mut findings);
        self.ship_to(&mut findings);
        self.po_number(&mut findings);
        let budgets = self.budgets(&scope, &mut findings);
        self.approvals(&scope, &mut findings, false);
        let split = self.split(&scope, &mut findings);
        let plan = approvals::plan(&findings.asks, policy, self.people, &scope);
        findings.errors.extend(plan.errors);
        for (level, rule) in &plan.unsatisfiable {
            findings.blocked = true;
            let text =
                format!("approval level {level} required by `{rule}` has no eligible approver");
            findings.messages.push((
                usize::MAX,
                Message {
                    rule: rule.clone(),
                    severity: "block".into(),
                    text,
                    locale: "en".into(),
                },
            ));
        }
        let invoice = self.invoice(&mut findings);
        let outcome = if findings.blocked {
            Outcome::Blocked
        } else if !plan.levels.is_empty() {
            Outcome::ApprovalRequired
        } else {
            Outcome::Allowed
        };
        let lines = self
            .facts
            .lines
            .iter()
            .zip(states)
            .map(|(line, mut state)| {
                state.messages.sort_by_key(|(order, _)| *order);
                LineDecision {
                    id: line.id.clone(),
                    product: line.product.clone(),
                    verdict: verdict(&state),
                    amount: Amount(line.amount),
                    dropped: !line.kept,
                    messages: state.messages.into_iter().map(|(_, m)| m).collect(),
                    suggestions: state.suggestions,
                }
            })
            .collect();
        findings.messages.sort_by_key(|(order, _)| *order);
        let facts = &self.facts;
        let units = facts.currency.minor_units;
        Decision {
            outcome,
            messages: findings.messages.into_iter().map(|(_, m)| m).collect(),
            order: facts.id.clone(),
            group: policy.group_name(group).to_owned(),
            totals: Totals {
                currency: facts.currency.code.clone(),
                subtotal: Amount(policy.rounding.round(facts.subtotal, units)),
                tax: Amount(policy.rounding.round(facts.tax, units)),
                shipping: Amount(policy.rounding.round(facts.shipping, units)),
                total: Amount(policy.rounding.round(facts.total, units)),
            },
            lines,
            approval: ApprovalPlan {
                required: !plan.levels.is_empty() && outcome != Outcome::Blocked,
                auto_approved: findings.auto_approved,
                levels: plan.levels,
                shared_approvers: plan.shared,
            },
            budgets,
            invoice,
            payment,
            split,
            trace: findings.trace.into_values().collect(),
            errors: findings.errors,
            policy: PolicyRef {
                name: policy.name.clone(),
                hash: policy.hash.clone(),
            },
        }
    }

    /// The rules the category index points at for one line, in source order.
    fn line(&self, line: &LineFacts, scope: &Scope<'_>, findings: &mut Findings<'a>) -> LineState {
        let policy = self.policy;
        let mut targets: Vec<(usize, Target)> = Vec::new();
        // Only the rules whose scope covers the order's group are collected.
        let applies = &policy.rules_for(self.facts.group).line_scopes;
        let mut take = |hits: &[IndexedTarget]| {
            let in_scope = hits
                .iter()
                .filter(|t| applies.get(t.scope).copied().unwrap_or(false));
            targets.extend(in_scope.map(|t| (t.order, t.target)));
        };
        for_each_category_key(&line.category, |key| {
            if let Some(hits) = policy.category_index.get(key) {
                take(hits);
            }
        });
        take(&policy.uncategorised);
        // Source order; a rule indexed under two of the line's keys meets it once.
        targets.sort_unstable();
        targets.dedup();
        let line_scope = scope.with_line(line);
        let mut state = LineState::default();
        for (_, target) in targets {
            match target {
                Target::LineRule(i) => {
                    let Some(rule) = policy.line_rules.get(i) else {
                        continue;
                    };
                    let fires = match &rule.condition {
                        Some(condition) => line_scope.truth(condition).unwrap_or_else(|fault| {
                            findings.fault(&rule.info, fault);
                            true
                        }),
                        None => true,
                    };
                    if fires {
                        let (message, approve) = (rule.message.as_ref(), rule.approve.as_ref());
                        self.mark_line(
                            &rule.info,
                            rule.severity,
                            message,
                            approve,
                            line,
                            &mut state,
                            findings,
                        );
                    }
                }
                Target::Prefer(i) => {
                    let Some(prefer) = policy.prefers.get(i) else {
                        continue;
                    };
                    let preferred = prefer.products.iter().any(|(id, _)| *id == line.product)
                        || line
                            .supplier
                            .as_ref()
                            .is_some_and(|s| prefer.suppliers.contains(s));
                    if preferred {
                        state.preferred = true;
                        if let Some(text) = &prefer.message {
                            state.messages.push((
                                prefer.info.order,
                                self.message(&prefer.info, "info", text),
                            ));
                        }
                        findings.trace(
                            &prefer.info,
                            "prefer",
                            Some(&line.id),
                            "preferred product or supplier",
                        );
                        continue;
                    }
                    for (id, price) in &prefer.products {
                        let suggestion = Suggestion {
                            product: id.clone(),
                            price: price.as_ref().map(|(amount, currency)| MoneyValue {
                                amount: Amount(*amount),
                                currency: currency.clone(),
                            }),
                            rule: prefer.info.id.clone(),
                        };
                        if !state.suggestions.contains(&suggestion) {
                            state.suggestions.push(suggestion);
                        }
                    }
                    self.apply_line(&prefer.info, &prefer.otherwise, line, &mut state, findings);
                    if let Some(rule) = &prefer.price_rule {
                        let (reference, currency) = &rule.reference;
                        let fires = Currency::of(currency)
                            .ok_or_else(|| {
                                Fault::new(ErrorCode::UnknownCurrency, "unknown currency")
                            })
                            .and_then(|target| {
                                let price = scope.convert(
                                    line.unit_price,
                                    &self.facts.currency.code,
                                    &target,
                                )?;
                                let factor = Decimal::ONE_HUNDRED
                                    .checked_add(rule.percent)
                                    .and_then(|f| f.checked_div(Decimal::ONE_HUNDRED))
                                    .ok_or_else(|| {
                                        Fault::new(ErrorCode::Overflow, "arithmetic overflow")
                                    })?;
                                let threshold = money::mul(*reference, factor)?;
                                Ok(compare_ordering(rule.op, price.cmp(&threshold)))
                            })
                            .unwrap_or_else(|fault| {
                                findings.fault(&prefer.info, fault);
                                true
                            });
                        if fires {
                            self.apply_line(&prefer.info, &rule.action, line, &mut state, findings);
                        }
                    }
                }
            }
        }
        state
    }

    fn apply_line(
        &self,
        rule: &'a RuleInfo,
        action: &'a Action,
        line: &LineFacts,
        state: &mut LineState,
        findings: &mut Findings<'a>,
    ) {
        self.mark_line(
            rule,
            action.severity,
            action.message.as_ref(),
            action.approve.as_ref(),
            line,
            state,
            findings,
        );
    }

    #[expect(
        clippy::too_many_arguments,
        reason = "one call site per rule kind; a struct would only rename them"
    )]
    fn mark_line(
        &self,
        rule: &'a RuleInfo,
        severity: Severity,
        message: Option<&Text>,
        approve: Option<&'a Requirement>,
        line: &LineFacts,
        state: &mut LineState,
        findings: &mut Findings<'a>,
    ) {
        state.severity = state.severity.max(Some(severity));
        let effect = severity_word(severity);
        if let Some(text) = message {
            state
                .messages
                .push((rule.order, self.message(rule, effect, text)));
        }
        let detail = match severity {
            Severity::Block => "block line",
            Severity::Restrict => "restrict line",
            Severity::Warn => "warn line",
        };
        findings.trace(rule, effect, Some(&line.id), detail);
        if severity == Severity::Restrict {
            if let Some(requirement) = approve {
                findings.ask(Ask {
                    rule,
                    requirement,
                    self_allowed: false,
                });
            }
        }
    }

    fn apply_order(
        &self,
        rule: &'a RuleInfo,
        action: &'a Action,
        detail: &str,
        findings: &mut Findings<'a>,
    ) {
        let effect = severity_word(action.severity);
        match action.severity {
            Severity::Block => findings.blocked = true,
            Severity::Restrict => {
                if let Some(requirement) = &action.approve {
                    findings.ask(Ask {
                        rule,
                        requirement,
                        self_allowed: false,
                    });
                }
            }
            Severity::Warn => {}
        }
        if let Some(text) = &action.message {
            findings
                .messages
                .push((rule.order, self.message(rule, effect, text)));
        }
        findings.trace(rule, effect, None, detail);
    }

    fn block_order(
        &self,
        rule: &'a RuleInfo,
        text: Option<&Text>,
        fallback: &str,
        findings: &mut Findings<'a>,
    ) {
        findings.blocked = true;
        let message = match text {
            Some(text) => self.message(rule, "block", text),
            None => Message {
                rule: rule.id.clone(),
                severity: "block".into(),
                text: fallback.to_owned(),
                locale: "en".into(),
            },
        };
        findings.messages.push((rule.order, message));
        findings.trace(rule, "block", None, fallback);
    }

    /// Custom field values that are missing or invalid block the order, each with a
    /// message in the buyer's locale and an error at its JSON path (fail closed).
    fn field_problems(&self, findings: &mut Findings<'a>) {
        let policy = self.policy;
        let locale = self.locale.as_deref();
        for problem in &self.field_problems {
            let Some(field) = policy.fields.get(problem.slot) else {
                continue;
            };
            findings.blocked = true;
            let (text, chosen) = crate::eval::fields::message(policy, problem, locale);
            let message = Message {
                rule: field.info.id.clone(),
                severity: "block".into(),
                text,
                locale: chosen,
            };
            findings.messages.push((field.info.order, message));
            let error = crate::eval::fields::error(policy, problem, locale);
            findings.trace(
                &field.info,
                "block",
                problem.line.as_deref(),
                &error.message,
            );
            findings.errors.push(error);
        }
    }

    fn order_rules(&self, scope: &Scope<'_>, findings: &mut Findings<'a>) {
        let policy = self.policy;
        let in_scope = &policy.rules_for(self.facts.group).order_rules;
        for rule in in_scope.iter().filter_map(|&i| policy.order_rules.get(i)) {
            let fires = scope.truth(&rule.condition).unwrap_or_else(|fault| {
                findings.fault(&rule.info, fault);
                true
            });
            if !fires {
                continue;
            }
            let effect = severity_word(rule.severity);
            match rule.severity {
                Severity::Block => findings.blocked = true,
                Severity::Restrict => {
                    if let Some(requirement) = &rule.approve {
                        findings.ask(Ask {
                            rule: &rule.info,
                            requirement,
                            self_allowed: false,
                        });
                    }
                }
                Severity::Warn => {}
            }
            if let Some(text) = &rule.message {
                findings
                    .messages
                    .push((rule.info.order, self.message(&rule.info, effect, text)));
            }
            findings.trace(&rule.info, effect, None, format!("{effect} order"));
        }
    }

    fn payment(&self, findings: &mut Findings<'a>) -> Option<PaymentCheck> {
        let mut check = None;
        let policy = self.policy;
        let in_scope = &policy.rules_for(self.facts.group).payments;
        for rule in in_scope.iter().filter_map(|&i| policy.payments.get(i)) {
            let method = self
                .facts
                .payment_method
                .clone()
                .or_else(|| rule.default.clone());
            let allowed = method.as_ref().is_some_and(|m| rule.allow.contains(m));
            if !allowed {
                let reason = match &method {
                    Some(m) => format!("payment method `{m}` is not allowed"),
                    None => "the order names no payment method".to_owned(),
                };
                self.block_order(&rule.info, rule.message.as_ref(), &reason, findings);
            } else {
                findings.trace(&rule.info, "payment", None, "payment method allowed");
            }
            check.get_or_insert(PaymentCheck {
                rule: rule.info.id.clone(),
                allowed: rule.allow.clone(),
                default: rule.default.clone(),
                method,
            });
        }
        check
    }

    fn ship_to(&self, findings: &mut Findings<'a>) {
        let policy = self.policy;
        let in_scope = &policy.rules_for(self.facts.group).ship_tos;
        for rule in in_scope.iter().filter_map(|&i| policy.ship_tos.get(i)) {
            let allowed = self
                .facts
                .ship_to
                .as_ref()
                .is_some_and(|s| rule.allow.contains(s));
            if !allowed {
                let reason = match &self.facts.ship_to {
                    Some(s) => format!("ship-to `{s}` is not allowed"),
                    None => "the order names no ship-to address".to_owned(),
                };
                self.block_order(&rule.info, rule.message.as_ref(), &reason, findings);
            }
        }
    }

    fn po_number(&self, findings: &mut Findings<'a>) {
        let policy = self.policy;
        let in_scope = &policy.rules_for(self.facts.group).po_rules;
        for rule in in_scope.iter().filter_map(|&i| policy.po_rules.get(i)) {
            let reason = match (&self.facts.po_number, &rule.prefix) {
                (None, _) => Some("a purchase order number is required".to_owned()),
                (Some(po), Some(prefix)) if !po.starts_with(prefix.as_str()) => Some(format!(
                    "purchase order number `{po}` must start with `{prefix}`"
                )),
                _ => None,
            };
            if let Some(reason) = reason {
                self.block_order(&rule.info, rule.message.as_ref(), &reason, findings);
            }
        }
    }

    fn budgets(&self, scope: &Scope<'_>, findings: &mut Findings<'a>) -> Vec<BudgetEffect> {
        let mut effects = Vec::new();
        let policy = self.policy;
        let in_scope = &policy.rules_for(self.facts.group).budgets;
        for budget in in_scope.iter().filter_map(|&i| policy.budgets.get(i)) {
            let user = budget.per_user.then(|| self.facts.buyer_id.clone());
            // One conversion: the counted lines are summed in the order's currency, and
            // that sum is converted once, as a threshold converts the subtotal.
            let mut fault = None;
            let mut counted_sum = Decimal::ZERO;
            for line in self.facts.lines.iter().filter(|l| l.kept) {
                let counted = budget.categories.is_empty()
                    || budget
                        .categories
                        .iter()
                        .any(|c| crate::base::categories::category_covers(c, &line.category));
                if counted {
                    match money::add(counted_sum, line.amount) {
                        Ok(sum) => counted_sum = sum,
                        Err(error) => fault = Some(Fault::from(error)),
                    }
                }
            }
            let converted = if counted_sum.is_zero() {
                Ok(Decimal::ZERO)
            } else {
                scope.convert(counted_sum, &self.facts.currency.code, &budget.currency)
            };
            let draw = match converted {
                Ok(draw) => draw,
                Err(error) => {
                    fault.get_or_insert(Fault::from(error));
                    Decimal::ZERO
                }
            };
            let spend = self.context.budgets.iter().find(|s| {
                s.budget == budget.info.id
                    && (!budget.per_user || s.user.as_deref() == user.as_deref())
            });
            let spent = match spend {
                Some(s) => scope
                    .convert(s.spent.amount.0, &s.spent.currency, &budget.currency)
                    .map_err(Fault::from),
                None => Err(Fault::new(
                    ErrorCode::MissingBudgetSpend,
                    format!("no consumption given for budget `{}`", budget.info.id),
                )),
            };
            let spent = match spent {
                Ok(spent) => spent,
                Err(f) => {
                    // Only an order that draws on the budget needs its consumption.
                    if draw > Decimal::ZERO || fault.is_some() {
                        fault.get_or_insert(f);
                    }
                    Decimal::ZERO
                }
            };
            let after = money::add(spent, draw).unwrap_or(Decimal::MAX);
            let remaining = money::sub(budget.amount, after).unwrap_or(Decimal::MIN);
            let over = after > budget.amount && draw > Decimal::ZERO;
            // Fail closed: without the numbers, the strictest band applies.
            let failed = fault.is_some();
            if let Some(f) = fault {
                findings.fault(&budget.info, f);
            }
            let band = if failed {
                Some(
                    budget
                        .bands
                        .iter()
                        .max_by_key(|(_, a)| a.severity)
                        .map(|(_, a)| a),
                )
            } else if over {
                let overrun = money::sub(after, budget.amount)
                    .ok()
                    .and_then(|o| o.checked_mul(Decimal::ONE_HUNDRED))
                    .and_then(|o| o.checked_div(budget.amount))
                    .unwrap_or(Decimal::MAX);
                Some(
                    budget
                        .bands
                        .iter()
                        .find(|(limit, _)| limit.is_none_or(|l| overrun <= l))
                        .map(|(_, a)| a),
                )
            } else {
                None
            };
            let effect = match band {
                None => Effect::None,
                Some(Some(action)) => {
                    let detail = format!(
                        "budget over by {} {}",
                        (-remaining).max(Decimal::ZERO),
                        budget.currency.code
                    );
                    self.apply_order(&budget.info, action, &detail, findings);
                    effect_of(action.severity)
                }
                Some(None) => {
                    self.block_order(&budget.info, None, "the budget is spent", findings);
                    Effect::Block
                }
            };
            let units = budget.currency.minor_units;
            let round = |d: Decimal| Amount(self.policy.rounding.round(d, units));
            effects.push(BudgetEffect {
                budget: budget.info.id.clone(),
                group: self.policy.group_name(budget.group).to_owned(),
                user,
                period: budget.period.keyword().to_owned(),
                currency: budget.currency.code.clone(),
                amount: round(budget.amount),
                spent: round(spent),
                order: round(draw),
                remaining: round(remaining),
                over,
                effect,
            });
        }
        effects
    }

    /// Adds the levels of every approval rule that applies; with `assume_met`, every
    /// condition counts as met (the fail-closed reading when the amounts are unknown).
    fn approvals(&self, scope: &Scope<'_>, findings: &mut Findings<'a>, assume_met: bool) {
        let policy = self.policy;
        let in_scope = &policy.rules_for(self.facts.group).approvals;
        for rule in in_scope.iter().filter_map(|&i| policy.approvals.get(i)) {
            let applies = match &rule.condition {
                _ if assume_met => true,
                Some(condition) => scope.truth(condition).unwrap_or_else(|fault| {
                    findings.fault(&rule.info, fault);
                    true
                }),
                None => true,
            };
            if !applies {
                continue;
            }
            // Fail closed: a condition or limit that cannot be evaluated never approves.
            let (self_allowed, auto) = match &rule.self_approval {
                SelfApproval::Denied => (false, false),
                SelfApproval::Allowed => match &scope.order.buyer_self_approval_limit {
                    None => (true, false),
                    Some((limit, currency)) => {
                        let under = scope
                            .convert(
                                scope.order.total,
                                &scope.order.currency.code,
                                &Currency::of(currency)
                                    .unwrap_or_else(|| scope.order.currency.clone()),
                            )
                            .map(|total| total < *limit)
                            .unwrap_or_else(|error| {
                                findings.fault(&rule.info, Fault::from(error));
                                false
                            });
                        (false, under)
                    }
                },
                SelfApproval::When(condition) => {
                    let holds = scope.truth(condition).unwrap_or_else(|fault| {
                        findings.fault(&rule.info, fault);
                        false
                    });
                    (false, holds)
                }
            };
            if auto {
                findings.auto_approved = true;
                findings.trace(
                    &rule.info,
                    "autoApprove",
                    None,
                    "the requester may approve this order themselves",
                );
                continue;
            }
            let mut levels = Vec::new();
            for level in &rule.levels {
                let needed = match &level.condition {
                    _ if assume_met => true,
                    Some(condition) => scope.truth(condition).unwrap_or_else(|fault| {
                        findings.fault(&rule.info, fault);
                        true
                    }),
                    None => true,
                };
                if needed {
                    levels.push(level.level.to_string());
                    findings.ask(Ask {
                        rule: &rule.info,
                        requirement: level,
                        self_allowed,
                    });
                }
            }
            if !levels.is_empty() {
                findings.trace(
                    &rule.info,
                    "approve",
                    None,
                    format!("asks for its level {}", levels.join(", ")),
                );
            }
        }
    }

    fn split(&self, scope: &Scope<'_>, findings: &mut Findings<'a>) -> Option<SplitFlag> {
        let mut flag = None;
        let policy = self.policy;
        let in_scope = &policy.rules_for(self.facts.group).splits;
        for rule in in_scope.iter().filter_map(|&i| policy.splits.get(i)) {
            let result = self.split_rule(rule, scope);
            let failed = result.is_err();
            let (combined, orders, crossed) = match result {
                Ok(found) => found,
                Err(fault) => {
                    findings.fault(&rule.info, fault);
                    (Decimal::ZERO, vec![self.facts.id.clone()], true)
                }
            };
            if !crossed {
                continue;
            }
            findings.trace(
                &rule.info,
                "split",
                None,
                format!("combined with {} recent order(s)", orders.len() - 1),
            );
            if let Some(action) = &rule.action {
                self.apply_order(&rule.info, action, "split order", findings);
            }
            // The approvals the combined amount would have needed.
            let recent: Vec<&RecentOrder> = self
                .context
                .recent_orders
                .iter()
                .filter(|r| orders.contains(&r.id))
                .collect();
            let mut combined_facts = self.facts.clone();
            // Exact here: the combined amounts are rounded once, by the comparison that
            // reads them.
            for order in recent {
                let add =
                    |a: Decimal| scope.convert_exact(a, &order.currency, &self.facts.currency);
                let subtotal = add(order.subtotal.0);
                let total = add(order.subtotal.0
                    + order.tax.map_or(Decimal::ZERO, |t| t.0)
                    + order.shipping.map_or(Decimal::ZERO, |s| s.0));
                if let (Ok(subtotal), Ok(total)) = (subtotal, total) {
                    combined_facts.subtotal += subtotal;
                    combined_facts.total += total;
                }
            }
            let combined_scope = Scope {
                policy: self.policy,
                order: &combined_facts,
                line: None,
            };
            let before: BTreeSet<(usize, u64)> = findings
                .asks
                .iter()
                .map(|a| (a.rule.order, a.requirement.level))
                .collect();
            // Without the combined amount, every approval rule counts as met (fail closed).
            let mut extra = Findings::default();
            self.approvals(&combined_scope, &mut extra, failed);
            for ask in extra.asks {
                if !before.contains(&(ask.rule.order, ask.requirement.level)) {
                    findings.ask(ask);
                }
            }
            for (key, entry) in extra.trace {
                findings.trace.entry(key).or_insert(entry);
            }
            for error in extra.errors {
                if !findings.errors.contains(&error) {
                    findings.errors.push(error);
                }
            }
            flag.get_or_insert(SplitFlag {
                rule: rule.info.id.clone(),
                orders,
                combined: Amount(combined),
                currency: rule.currency.code.clone(),
            });
        }
        flag
    }

    /// The combined amount, the orders combined, and whether the threshold is crossed
    /// together but not by this order alone.
    fn split_rule(
        &self,
        rule: &crate::compile::Split,
        scope: &Scope<'_>,
    ) -> Result<(Decimal, Vec<String>, bool), Fault> {
        let now = self
            .now
            .ok_or_else(|| Fault::new(ErrorCode::MissingField, "`context.now` is missing"))?;
        let window = crate::base::calendar::hours(rule.window_hours);
        let since = now.checked_sub(window).unwrap_or(jiff::Timestamp::MIN);
        let suppliers: BTreeSet<&str> = self
            .facts
            .lines
            .iter()
            .filter(|l| l.kept)
            .filter_map(|l| l.supplier.as_deref())
            .collect();
        let categories: BTreeSet<&str> = self
            .facts
            .lines
            .iter()
            .filter(|l| l.kept)
            .map(|l| l.category.as_str())
            .collect();
        let basis = |subtotal: Decimal, tax: Decimal, shipping: Decimal| match rule.basis {
            crate::base::vocabulary::AmountBasis::Subtotal => subtotal,
            crate::base::vocabulary::AmountBasis::Tax => tax,
            crate::base::vocabulary::AmountBasis::Shipping => shipping,
            crate::base::vocabulary::AmountBasis::Total => subtotal + tax + shipping,
        };
        let own_amount = basis(self.facts.subtotal, self.facts.tax, self.facts.shipping);
        let own = scope.convert(own_amount, &self.facts.currency.code, &rule.currency)?;
        // One conversion: amounts are summed per currency, each sum converted exactly, and
        // the combined amount rounded once in the rule's currency.
        let mut by_currency: BTreeMap<&str, Decimal> = BTreeMap::new();
        by_currency.insert(&self.facts.currency.code, own_amount);
        let mut orders = vec![self.facts.id.clone()];
        for recent in &self.context.recent_orders {
            let placed = instant(&recent.placed_at)
                .ok_or_else(|| Fault::new(ErrorCode::InvalidTimestamp, "invalid timestamp"))?;
            let same_supplier = !rule.same_supplier
                || recent
                    .supplier
                    .as_deref()
                    .is_some_and(|s| suppliers.contains(s));
            let same_category = !rule.same_category
                || recent
                    .category
                    .as_deref()
                    .is_some_and(|c| categories.contains(c));
            if recent.buyer != self.facts.buyer_id
                || placed < since
                || placed > now
                || !same_supplier
                || !same_category
            {
                continue;
            }
            let amount = basis(
                recent.subtotal.0,
                recent.tax.map_or(Decimal::ZERO, |t| t.0),
                recent.shipping.map_or(Decimal::ZERO, |s| s.0),
            );
            let sum = by_currency.entry(&recent.currency).or_insert(Decimal::ZERO);
            *sum = money::add(*sum, amount)?;
            orders.push(recent.id.clone());
        }
        let mut exact = Decimal::ZERO;
        for (currency, sum) in by_currency {
            exact = money::add(exact, scope.convert_exact(sum, currency, &rule.currency)?)?;
        }
        let combined = self.policy.rounding.round(exact, rule.currency.minor_units);
        let crosses = |amount: Decimal| compare_ordering(rule.op, amount.cmp(&rule.threshold));
        Ok((
            combined,
            orders.clone(),
            orders.len() > 1 && crosses(combined) && !crosses(own),
        ))
    }

    fn invoice(&self, findings: &mut Findings<'a>) -> Option<InvoiceRouting> {
        let group = self.facts.group;
        let (_, rule) = self.policy.invoice_rule_for(group)?;
        findings.trace(
            &rule.info,
            "invoice",
            None,
            format!("invoice template `{}`", rule.template),
        );
        let order_date = self.context.now.as_deref().and_then(local_date);
        let invoice_date = order_date.and_then(|date| rule.cadence.invoice_date(date));
        let due_date = invoice_date.and_then(|date| {
            crate::base::calendar::days(i64::try_from(rule.terms_days).unwrap_or(0))
                .and_then(|span| date.checked_add(span).ok())
        });
        Some(InvoiceRouting {
            rule: rule.info.id.clone(),
            template: rule.template.clone(),
            bill_to: rule.bill_to.clone(),
            recipients: rule.send_to.clone(),
            cadence: rule.cadence.name().to_owned(),
            split_by: rule.split_by.clone(),
            terms_days: rule.terms_days,
            invoice_date: invoice_date.map(crate::base::calendar::date_text),
            due_date: due_date.map(crate::base::calendar::date_text),
        })
    }
}

/// What a checkout or badge request claims (who buys, for which group, in which
/// currency), each checked against the policy and the directory.
struct Claims<'r> {
    buyer: &'r str,
    profile: Option<&'r User>,
    group: &'r str,
    /// The currency code and its JSON path.
    currency: (&'r str, &'static str),
}

impl Claims<'_> {
    /// The buyer, group and currency the request names. A group or currency that does not
    /// resolve is `None` with its error in `errors`; the buyer's errors are the caller's to
    /// report last, after every problem of the order.
    fn resolve<'p>(
        &self,
        policy: &CompiledPolicy,
        people: &'p People,
        errors: &mut Vec<EvalError>,
    ) -> Resolved<'p> {
        let buyer = people.resolve(
            self.buyer,
            self.profile,
            policy,
            "buyer",
            ErrorCode::UnknownBuyer,
        );
        let group = find_group(policy, self.group, "group", errors);
        let (code, path) = self.currency;
        let currency = Currency::of(code);
        if currency.is_none() {
            errors.push(request_error(
                ErrorCode::UnknownCurrency,
                format!("unknown currency `{code}`"),
                path,
            ));
        }
        Resolved {
            buyer,
            group,
            currency,
        }
    }
}

/// The claims of a request, resolved as far as they go.
struct Resolved<'p> {
    buyer: Result<std::borrow::Cow<'p, Person>, Vec<EvalError>>,
    group: Option<crate::compile::GroupId>,
    currency: Option<Currency>,
}

/// Checks a product's unit price and category, as a line or a listed product at `path`.
fn check_product(
    unit_price: Decimal,
    category: &str,
    path: &dyn Fn() -> String,
    errors: &mut Vec<EvalError>,
) {
    if unit_price.is_sign_negative() {
        errors.push(request_error(
            ErrorCode::NegativeAmount,
            "unit price must not be negative",
            format!("{}.unitPrice", path()),
        ));
    }
    if unit_price.scale() > MAX_UNIT_PRICE_DECIMALS {
        errors.push(request_error(
            ErrorCode::TooManyDecimals,
            format!("unit price has more than {MAX_UNIT_PRICE_DECIMALS} decimals"),
            format!("{}.unitPrice", path()),
        ));
    }
    if !crate::base::categories::valid_category_id(category) {
        errors.push(request_error(
            ErrorCode::InvalidCategory,
            format!("`{category}` is not a valid category id"),
            format!("{}.category", path()),
        ));
    }
}

/// The order's lines as facts, each checked: unique id, quantity, unit price, category,
/// amount. Problems go to `errors` with the line's path.
fn read_lines(
    policy: &CompiledPolicy,
    order: &Order,
    units: u32,
    errors: &mut Vec<EvalError>,
) -> Vec<LineFacts> {
    let mut ids = BTreeSet::new();
    let mut lines = Vec::with_capacity(order.lines.len());
    for (i, line) in order.lines.iter().enumerate() {
        // Only an error needs the path; a valid line allocates none.
        let path = || format!("order.lines[{i}]");
        if !ids.insert(line.id.as_str()) {
            errors.push(request_error(
                ErrorCode::DuplicateId,
                format!("line id `{}` is used more than once", line.id),
                format!("{}.id", path()),
            ));
        }
        if line.quantity == 0 {
            errors.push(request_error(
                ErrorCode::InvalidQuantity,
                "quantity must be at least 1",
                format!("{}.quantity", path()),
            ));
        }
        check_product(line.unit_price.0, &line.category, &path, errors);
        let quantity = Decimal::from(line.quantity);
        let amount = match line_amount(policy, line.unit_price.0, quantity, units) {
            Ok(amount) => amount,
            Err(_) => {
                errors.push(request_error(
                    ErrorCode::Overflow,
                    "line amount overflows",
                    path(),
                ));
                Decimal::ZERO
            }
        };
        lines.push(LineFacts {
            id: line.id.clone(),
            product: line.product.clone(),
            category: line.category.clone(),
            supplier: line.supplier.clone(),
            unit_price: line.unit_price.0,
            quantity,
            amount,
            fields: Vec::new(),
            kept: true,
        });
    }
    lines
}

/// Checks the request's context (the time, rates, budget spend, recent orders); the
/// time, when given and valid.
fn read_context(context: &Context, errors: &mut Vec<EvalError>) -> Option<jiff::Timestamp> {
    let now = match &context.now {
        Some(text) => {
            let parsed = instant(text);
            if parsed.is_none() {
                errors.push(request_error(
                    ErrorCode::InvalidTimestamp,
                    format!("`{text}` is not an RFC 3339 timestamp"),
                    "context.now",
                ));
            }
            parsed
        }
        None => None,
    };
    for (i, rate) in context.rates.iter().enumerate() {
        if rate.rate.0 <= Decimal::ZERO {
            errors.push(request_error(
                ErrorCode::InvalidRate,
                "rate must be positive",
                format!("context.rates[{i}].rate"),
            ));
        }
    }
    for (i, spend) in context.budgets.iter().enumerate() {
        if Currency::of(&spend.spent.currency).is_none() {
            errors.push(request_error(
                ErrorCode::UnknownCurrency,
                format!("unknown currency `{}`", spend.spent.currency),
                format!("context.budgets[{i}].spent.currency"),
            ));
        }
    }
    for (i, recent) in context.recent_orders.iter().enumerate() {
        if instant(&recent.placed_at).is_none() {
            errors.push(request_error(
                ErrorCode::InvalidTimestamp,
                format!("`{}` is not an RFC 3339 timestamp", recent.placed_at),
                format!("context.recentOrders[{i}].placedAt"),
            ));
        }
        if Currency::of(&recent.currency).is_none() {
            errors.push(request_error(
                ErrorCode::UnknownCurrency,
                format!("unknown currency `{}`", recent.currency),
                format!("context.recentOrders[{i}].currency"),
            ));
        }
    }
    now
}

/// The facts conditions read about an order, before its totals.
fn order_facts(
    request: &CheckoutRequest,
    currency: Currency,
    group: crate::compile::GroupId,
    (tax, shipping): (Decimal, Decimal),
    buyer: &Person,
    lines: Vec<LineFacts>,
    fields: Vec<Option<crate::eval::expr::FieldValue>>,
) -> OrderFacts {
    let order = &request.order;
    OrderFacts {
        id: order.id.clone(),
        currency,
        group,
        subtotal: Decimal::ZERO,
        tax,
        shipping,
        total: Decimal::ZERO,
        payment_method: order.payment_method.clone(),
        po_number: order.po_number.clone().filter(|p| !p.is_empty()),
        ship_to: order.ship_to.clone(),
        cost_centre: order.cost_centre.clone(),
        fields,
        buyer_id: buyer.user.id.clone(),
        buyer_manager: buyer.user.manager.clone(),
        buyer_self_approval_limit: buyer
            .user
            .self_approval_limit
            .as_ref()
            .map(|l| (l.amount.0, l.currency.clone())),
        buyer_approval_limit: buyer
            .user
            .approval_limit
            .as_ref()
            .map(|l| (l.amount.0, l.currency.clone())),
        lines,
        rates: request.context.rates.clone(),
        category_totals: Default::default(),
    }
}

/// Overwrites `buffer` with `text`, reusing its allocation.
/// A line's amount: unit price × quantity, rounded to the currency's minor unit with the
/// policy's rounding mode. Checkout and badges both use it, so a badge is the verdict of a
/// one-line checkout.
fn line_amount(
    policy: &CompiledPolicy,
    unit_price: Decimal,
    quantity: Decimal,
    minor_units: u32,
) -> Result<Decimal, money::MoneyError> {
    Ok(policy
        .rounding
        .round(money::mul(unit_price, quantity)?, minor_units))
}

fn refill(buffer: &mut String, text: &str) {
    buffer.clear();
    buffer.push_str(text);
}

fn verdict(state: &LineState) -> Verdict {
    match state.severity {
        Some(Severity::Block) => Verdict::Blocked,
        Some(Severity::Restrict) => Verdict::Restricted,
        Some(Severity::Warn) => Verdict::Warned,
        None if state.preferred => Verdict::Preferred,
        None => Verdict::Allowed,
    }
}

fn severity_word(severity: Severity) -> &'static str {
    match severity {
        Severity::Block => "block",
        Severity::Restrict => "restrict",
        Severity::Warn => "warn",
    }
}

fn effect_of(severity: Severity) -> Effect {
    match severity {
        Severity::Block => Effect::Block,
        Severity::Restrict => Effect::Restrict,
        Severity::Warn => Effect::Warn,
    }
}

/// Picks a message for a locale: the exact locale, then its language, then the default.
pub fn pick_locale(text: &Text, locale: Option<&str>, default_locale: &str) -> (String, String) {
    if let Some(locale) = locale {
        if let Some((l, t)) = text
            .translations
            .iter()
            .find(|(l, _)| l.eq_ignore_ascii_case(locale))
        {
            return (t.clone(), l.clone());
        }
        let language = locale.split('-').next().unwrap_or(locale);
        if let Some((l, t)) = text
            .translations
            .iter()
            .find(|(l, _)| l.eq_ignore_ascii_case(language))
        {
            return (t.clone(), l.clone());
        }
    }
    (text.default.clone(), default_locale.to_owned())
}

/// The message a badge shows: the most severe of the line's, the first written on ties.
fn strongest_message(state: &LineState) -> Option<Message> {
    let rank = |m: &Message| match m.severity.as_str() {
        "block" => 3,
        "restrict" => 2,
        "warn" => 1,
        _ => 0,
    };
    state
        .messages
        .iter()
        .map(|(order, m)| (rank(m), std::cmp::Reverse(*order), m))
        .max_by_key(|(r, o, _)| (*r, *o))
        .map(|(_, _, m)| m.clone())
}

/// Badges for a storefront listing: each product as a one-line order, line rules only.
pub fn badges(
    policy: &CompiledPolicy,
    people: &People,
    request: &BadgeRequest,
) -> Answer<BadgeDecision> {
    let mut errors = Vec::new();
    let claims = Claims {
        buyer: &request.buyer,
        profile: request.buyer_profile.as_ref(),
        group: &request.group,
        currency: (&request.currency, "currency"),
    };
    let Resolved {
        buyer,
        group,
        currency,
    } = claims.resolve(policy, people, &mut errors);
    for (i, product) in request.products.iter().enumerate() {
        let path = || format!("products[{i}]");
        check_product(product.unit_price.0, &product.category, &path, &mut errors);
    }
    let buyer = collect(buyer, &mut errors);
    let (Some(buyer), Some(group), Some(currency), true) =
        (buyer, group, currency, errors.is_empty())
    else {
        return Answer::Failure { errors };
    };
    if let Err(errors) = require_buyer_authority(policy, &buyer, group, "group") {
        return Answer::Failure { errors };
    }
    static NO_CONTEXT: std::sync::OnceLock<Context> = std::sync::OnceLock::new();
    let context = NO_CONTEXT.get_or_init(Context::default);
    let facts = OrderFacts {
        id: String::new(),
        currency,
        group,
        subtotal: Decimal::ZERO,
        tax: Decimal::ZERO,
        shipping: Decimal::ZERO,
        total: Decimal::ZERO,
        payment_method: None,
        po_number: None,
        ship_to: None,
        cost_centre: None,
        fields: Vec::new(),
        buyer_id: buyer.user.id.clone(),
        buyer_manager: buyer.user.manager.clone(),
        buyer_approval_limit: None,
        buyer_self_approval_limit: None,
        lines: Vec::new(),
        rates: Vec::new(),
        category_totals: Default::default(),
    };
    let locale = request.locale.clone().or_else(|| buyer.user.locale.clone());
    let checkout = Checkout {
        policy,
        people,
        context,
        facts,
        locale,
        now: None,
        field_problems: Vec::new(),
    };
    // Badges report no trace, so none is collected.
    let mut findings = Findings {
        untraced: true,
        ..Findings::default()
    };
    let mut badges = Vec::with_capacity(request.products.len());
    // One order of one line, refilled for every product: its strings keep their buffers.
    let mut facts = checkout.facts.clone();
    facts.lines = vec![LineFacts {
        id: String::new(),
        product: String::new(),
        category: String::new(),
        supplier: None,
        unit_price: Decimal::ZERO,
        quantity: Decimal::ONE,
        amount: Decimal::ZERO,
        fields: Vec::new(),
        kept: true,
    }];
    let units = checkout.facts.currency.minor_units;
    for (i, product) in request.products.iter().enumerate() {
        let amount = match line_amount(policy, product.unit_price.0, Decimal::ONE, units) {
            Ok(amount) => amount,
            Err(_) => {
                // Fail closed, and keep one badge per product.
                findings.errors.push(request_error(
                    ErrorCode::Overflow,
                    "line amount overflows",
                    format!("products[{i}]"),
                ));
                badges.push(Badge {
                    product: product.id.clone(),
                    verdict: Verdict::Blocked,
                    message: None,
                    suggestions: Vec::new(),
                });
                continue;
            }
        };
        if let Some(line) = facts.lines.first_mut() {
            refill(&mut line.id, &product.id);
            refill(&mut line.product, &product.id);
            refill(&mut line.category, &product.category);
            match (&mut line.supplier, &product.supplier) {
                (Some(mine), Some(theirs)) => refill(mine, theirs),
                (mine, theirs) => mine.clone_from(theirs),
            }
            line.unit_price = product.unit_price.0;
            line.amount = amount;
        }
        facts.lines_changed();
        facts.subtotal = amount;
        facts.total = amount;
        let scope = Scope {
            policy,
            order: &facts,
            line: None,
        };
        let Some(line) = facts.lines.first() else {
            continue;
        };
        let state = checkout.line(line, &scope, &mut findings);
        badges.push(Badge {
            product: product.id.clone(),
            verdict: verdict(&state),
            message: strongest_message(&state),
            suggestions: state.suggestions,
        });
    }
    Answer::Success {
        result: BadgeDecision {
            badges,
            errors: findings.errors,
            policy: PolicyRef {
                name: policy.name.clone(),
                hash: policy.hash.clone(),
            },
        },
    }
}

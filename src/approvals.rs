//! Approval plans: the levels every matching rule asked for, merged into one plan.
//!
//! Requirements are ordered by level number, then by where their rule is written. Two
//! requirements at the same number with the same quorum and the same approvers merge
//! into one level. An approver listed at several levels stays only at the last of them
//! (their approval there is the one that counts). The requester is removed from their own
//! levels unless their rule allows self-approval. A level left empty takes its fallback,
//! else the requester's manager; if nobody is left the order is blocked, naming the level.

use std::collections::BTreeSet;

use rust_decimal::Decimal;

use crate::compile::{ApproverSpec, CompiledPolicy, Quorum, Requirement, RuleInfo};
use crate::contract::{ApprovalLevel, EscalationSpec, EvalError, QuorumSpec};
use crate::errors::{rule_error, ErrorCode};
use crate::expr::{Fault, Scope};
use crate::money::Currency;
use crate::people::People;

/// One level some rule asked for, before merging.
#[derive(Debug, Clone)]
pub struct Ask<'p> {
    pub rule: &'p RuleInfo,
    pub requirement: &'p Requirement,
    /// Whether the requester may approve this level themselves.
    pub self_allowed: bool,
}

/// The merged plan, or why it cannot be satisfied.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    pub levels: Vec<ApprovalLevel>,
    /// Levels nobody can approve: `(level, rule)`.
    pub unsatisfiable: Vec<(u64, String)>,
    pub errors: Vec<EvalError>,
}

struct Draft {
    number: u64,
    quorum: Quorum,
    approvers: Vec<String>,
    rules: Vec<String>,
    fallback: Option<ApproverSpec>,
    escalation: Option<(u64, ApproverSpec)>,
    self_allowed: bool,
    first_rule: (String, crate::diagnostic::SourceSpan),
}

/// Builds the plan for `asks`; `scope` evaluates chain limits against the order.
pub fn plan(asks: &[Ask<'_>], policy: &CompiledPolicy, people: &People, scope: &Scope<'_>) -> Plan {
    let mut ordered: Vec<&Ask<'_>> = asks.iter().collect();
    ordered.sort_by_key(|a| (a.requirement.level, a.rule.order));
    let mut plan = Plan::default();
    let requester = scope.order.buyer_id.as_str();
    let mut drafts: Vec<Draft> = Vec::new();
    for ask in ordered {
        let mut approvers = Vec::new();
        for spec in &ask.requirement.approvers {
            match resolve(spec, policy, people, scope) {
                Ok(ids) => approvers.extend(ids),
                Err(fault) => plan.errors.push(rule_error(
                    fault.code,
                    fault.message,
                    &ask.rule.id,
                    ask.rule.span,
                )),
            }
        }
        let mut seen = BTreeSet::new();
        approvers.retain(|id| seen.insert(id.clone()));
        let merged = drafts.iter_mut().find(|d| {
            d.number == ask.requirement.level
                && d.quorum == ask.requirement.quorum
                && d.approvers == approvers
                && d.self_allowed == ask.self_allowed
        });
        match merged {
            Some(draft) => {
                if !draft.rules.contains(&ask.rule.id) {
                    draft.rules.push(ask.rule.id.clone());
                }
            }
            None => drafts.push(Draft {
                number: ask.requirement.level,
                quorum: ask.requirement.quorum,
                approvers,
                rules: vec![ask.rule.id.clone()],
                fallback: ask.requirement.fallback.clone(),
                escalation: ask.requirement.escalation.clone(),
                self_allowed: ask.self_allowed,
                first_rule: (ask.rule.id.clone(), ask.rule.span),
            }),
        }
    }
    // Keep each approver at the last level that lists them.
    let mut later: BTreeSet<String> = BTreeSet::new();
    for draft in drafts.iter_mut().rev() {
        draft.approvers.retain(|id| !later.contains(id));
        later.extend(draft.approvers.iter().cloned());
    }
    for (position, draft) in drafts.into_iter().enumerate() {
        let level = u64::try_from(position)
            .unwrap_or(u64::MAX)
            .saturating_add(1);
        let mut approvers = draft.approvers;
        if !draft.self_allowed {
            approvers.retain(|id| id != requester);
        }
        let needed = match draft.quorum {
            Quorum::Count(n) => n,
            _ => 1,
        };
        let mut fallback_used = None;
        if (approvers.len() as u64) < needed {
            let (label, extra) = match &draft.fallback {
                Some(spec) => (spec_label(spec), resolve(spec, policy, people, scope)),
                None => (
                    "manager".to_owned(),
                    resolve(&ApproverSpec::Manager, policy, people, scope),
                ),
            };
            match extra {
                Ok(extra) => {
                    let before = approvers.len();
                    for id in extra {
                        if id != requester && !approvers.contains(&id) {
                            approvers.push(id);
                        }
                    }
                    if approvers.len() > before {
                        fallback_used = Some(label);
                    }
                }
                Err(fault) => plan.errors.push(rule_error(
                    fault.code,
                    fault.message,
                    &draft.first_rule.0,
                    draft.first_rule.1,
                )),
            }
        }
        if (approvers.len() as u64) < needed {
            plan.unsatisfiable.push((level, draft.first_rule.0.clone()));
        }
        let escalation = draft
            .escalation
            .as_ref()
            .map(|(hours, spec)| EscalationSpec {
                after_hours: *hours,
                to: resolve(spec, policy, people, scope).unwrap_or_default(),
            });
        plan.levels.push(ApprovalLevel {
            level,
            quorum: match draft.quorum {
                Quorum::Any => QuorumSpec::Any,
                Quorum::All => QuorumSpec::All,
                Quorum::Count(count) => QuorumSpec::Count { count },
            },
            approvers,
            rules: draft.rules,
            fallback: fallback_used,
            escalation,
        });
    }
    plan
}

fn spec_label(spec: &ApproverSpec) -> String {
    match spec {
        ApproverSpec::User(id) => format!("user {id}"),
        ApproverSpec::Role { role, .. } => format!("role {role}"),
        ApproverSpec::Manager => "manager".into(),
        ApproverSpec::Chain { .. } => "management chain".into(),
    }
}

/// The user ids an approver spec names for this order, in a stable order.
pub fn resolve(
    spec: &ApproverSpec,
    policy: &CompiledPolicy,
    people: &People,
    scope: &Scope<'_>,
) -> Result<Vec<String>, Fault> {
    match spec {
        ApproverSpec::User(id) => Ok(if people.get(id).is_some() {
            vec![id.clone()]
        } else {
            Vec::new()
        }),
        ApproverSpec::Role { role, group } => {
            Ok(people.with_role(role, group.unwrap_or(scope.order.group), policy))
        }
        ApproverSpec::Manager => {
            let manager = scope.order.buyer_manager.clone();
            Ok(manager
                .filter(|m| people.get(m).is_some())
                .into_iter()
                .collect())
        }
        ApproverSpec::Chain { covers, max } => {
            let amount = scope.amount_in(covers, &policy.currency)?;
            chain(amount, *max, policy, people, scope).map(|found| found.into_iter().collect())
        }
    }
}

/// Walks up from the buyer's manager to the first person whose approval limit covers
/// `amount` (in the policy currency), at most `max` steps.
fn chain(
    amount: Decimal,
    max: u64,
    policy: &CompiledPolicy,
    people: &People,
    scope: &Scope<'_>,
) -> Result<Option<String>, Fault> {
    let mut visited = BTreeSet::new();
    visited.insert(scope.order.buyer_id.clone());
    let mut next = scope.order.buyer_manager.clone();
    let mut steps = 0u64;
    while let Some(id) = next {
        if !visited.insert(id.clone()) {
            return Err(Fault::new(
                ErrorCode::ChainCycle,
                format!("the management chain loops back to `{id}`"),
            ));
        }
        steps += 1;
        if steps > max {
            return Err(Fault::new(
                ErrorCode::ChainTooLong,
                format!("no manager within {max} steps has a limit covering the order"),
            ));
        }
        let Some(person) = people.get(&id) else {
            return Err(Fault::new(
                ErrorCode::UnknownApprover,
                format!("manager `{id}` is not in the directory"),
            ));
        };
        if let Some(limit) = &person.user.approval_limit {
            let currency = Currency::of(&limit.currency)
                .ok_or_else(|| Fault::new(ErrorCode::UnknownCurrency, "unknown currency"))?;
            let needed = scope.convert(amount, &policy.currency.code, &currency)?;
            if limit.amount.0 >= needed {
                return Ok(Some(id));
            }
        }
        next = person.user.manager.clone();
    }
    Ok(None)
}

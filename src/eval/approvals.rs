//! Approval plans: the levels every matching rule asked for, merged into one plan.
//!
//! Requirements are ordered by level number, then by where their rule is written. Two
//! requirements at the same number with the same quorum and the same approvers merge
//! into one level. A person named at several levels stays at every one of them: they are
//! asked once, and that one approval counts toward each level's quorum (the plan lists
//! them in `sharedApprovers`), so naming someone twice never empties a level, never
//! reaches a person the policy did not name and never blocks. The requester is removed
//! from their own levels unless their rule allows self-approval. A level left empty takes
//! its fallback, else the requester's manager; if nobody is left the order is blocked,
//! naming the level.

use std::collections::{BTreeMap, BTreeSet};

use rust_decimal::Decimal;

use crate::base::money::Currency;
use crate::compile::{ApproverSpec, CompiledPolicy, Quorum, Requirement, RuleInfo};
use crate::contract::errors::{rule_error, ErrorCode};
use crate::contract::{ApprovalLevel, EscalationSpec, EvalError, QuorumSpec, SharedApprover};
use crate::eval::expr::{Fault, Scope};
use crate::eval::people::People;

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
    /// People listed at several levels (see the module header).
    pub shared: Vec<SharedApprover>,
}

/// A level being merged; ids and rules are borrowed, nothing is copied until the plan is
/// written.
struct Draft<'p, 'r> {
    number: u64,
    quorum: Quorum,
    approvers: Vec<&'p str>,
    rules: Vec<&'r str>,
    /// The first requirement merged here: its fallback and escalation apply.
    requirement: &'r Requirement,
    self_allowed: bool,
    first_rule: &'r RuleInfo,
}

/// Builds the plan for `asks`; `scope` evaluates chain limits against the order.
pub fn plan<'p, 'r>(
    asks: &[Ask<'r>],
    policy: &CompiledPolicy,
    people: &'p People,
    scope: &Scope<'_>,
) -> Plan {
    let mut ordered: Vec<&Ask<'r>> = asks.iter().collect();
    ordered.sort_by_key(|a| (a.requirement.level, a.rule.order));
    // A restriction that fires on many lines asks once per line; the same requirement
    // resolves to the same approvers and merges into the same level, so it is resolved
    // once. (The addresses only test membership; they never order anything.)
    let mut seen_asks = BTreeSet::new();
    ordered
        .retain(|a| seen_asks.insert((std::ptr::from_ref(a.requirement) as usize, a.self_allowed)));
    let mut plan = Plan::default();
    let requester = scope.order.buyer_id.as_str();
    let mut drafts: Vec<Draft<'p, 'r>> = Vec::new();
    for ask in ordered {
        let mut approvers: Vec<&'p str> = Vec::new();
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
        approvers.retain(|id| seen.insert(*id));
        let merged = drafts.iter_mut().find(|d| {
            d.number == ask.requirement.level
                && d.quorum == ask.requirement.quorum
                && d.approvers == approvers
                && d.self_allowed == ask.self_allowed
        });
        match merged {
            Some(draft) => {
                if !draft.rules.contains(&ask.rule.id.as_str()) {
                    draft.rules.push(&ask.rule.id);
                }
            }
            None => drafts.push(Draft {
                number: ask.requirement.level,
                quorum: ask.requirement.quorum,
                approvers,
                rules: vec![&ask.rule.id],
                requirement: ask.requirement,
                self_allowed: ask.self_allowed,
                first_rule: ask.rule,
            }),
        }
    }
    for (position, draft) in drafts.into_iter().enumerate() {
        let level = u64::try_from(position)
            .unwrap_or(u64::MAX)
            .saturating_add(1);
        let mut approvers = draft.approvers;
        if !draft.self_allowed {
            approvers.retain(|id| *id != requester);
        }
        let needed = match draft.quorum {
            Quorum::Count(n) => n,
            _ => 1,
        };
        let mut fallback_used = None;
        if (approvers.len() as u64) < needed {
            let (label, extra) = match &draft.requirement.fallback {
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
                    &draft.first_rule.id,
                    draft.first_rule.span,
                )),
            }
        }
        if (approvers.len() as u64) < needed {
            plan.unsatisfiable
                .push((level, draft.first_rule.id.clone()));
        }
        let escalation =
            draft
                .requirement
                .escalation
                .as_ref()
                .map(|(hours, spec)| EscalationSpec {
                    after_hours: *hours,
                    to: resolve(spec, policy, people, scope)
                        .unwrap_or_default()
                        .into_iter()
                        .map(str::to_owned)
                        .collect(),
                });
        plan.levels.push(ApprovalLevel {
            level,
            quorum: match draft.quorum {
                Quorum::Any => QuorumSpec::Any,
                Quorum::All => QuorumSpec::All,
                Quorum::Count(count) => QuorumSpec::Count { count },
            },
            approvers: approvers.into_iter().map(str::to_owned).collect(),
            rules: draft.rules.into_iter().map(str::to_owned).collect(),
            fallback: fallback_used,
            escalation,
        });
    }
    plan.shared = shared_approvers(&plan.levels);
    plan
}

/// Everyone listed at more than one level, by id, with those levels.
fn shared_approvers(levels: &[ApprovalLevel]) -> Vec<SharedApprover> {
    let mut by_person: BTreeMap<&str, Vec<u64>> = BTreeMap::new();
    for level in levels {
        for id in &level.approvers {
            by_person.entry(id).or_default().push(level.level);
        }
    }
    by_person
        .into_iter()
        .filter(|(_, at)| at.len() > 1)
        .map(|(user, levels)| SharedApprover {
            user: user.to_owned(),
            levels,
        })
        .collect()
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
pub fn resolve<'p>(
    spec: &ApproverSpec,
    policy: &CompiledPolicy,
    people: &'p People,
    scope: &Scope<'_>,
) -> Result<Vec<&'p str>, Fault> {
    match spec {
        ApproverSpec::User(id) => Ok(people
            .get(id)
            .map(|p| p.user.id.as_str())
            .into_iter()
            .collect()),
        ApproverSpec::Role { role, group } => {
            Ok(people.with_role(role, group.unwrap_or(scope.order.group), policy))
        }
        ApproverSpec::Manager => Ok(scope
            .order
            .buyer_manager
            .as_deref()
            .and_then(|m| people.get(m))
            .map(|p| p.user.id.as_str())
            .into_iter()
            .collect()),
        ApproverSpec::Chain { covers, max } => {
            let amount = scope.money(covers)?;
            chain(amount, *max, people, scope).map(|found| found.into_iter().collect())
        }
    }
}

/// Walks up from the buyer's manager to the first person whose approval limit covers
/// `amount` (in the currency it is written in, converted once into each limit's
/// currency), at most `max` steps.
fn chain<'p>(
    (amount, from): (Decimal, &str),
    max: u64,
    people: &'p People,
    scope: &Scope<'_>,
) -> Result<Option<&'p str>, Fault> {
    let mut visited: BTreeSet<&str> = BTreeSet::new();
    visited.insert(&scope.order.buyer_id);
    let mut next = scope.order.buyer_manager.as_deref();
    let mut steps = 0u64;
    while let Some(id) = next {
        if !visited.insert(id) {
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
        let Some(person) = people.get(id) else {
            return Err(Fault::new(
                ErrorCode::UnknownApprover,
                format!("manager `{id}` is not in the directory"),
            ));
        };
        if let Some(limit) = &person.user.approval_limit {
            let currency = Currency::of(&limit.currency)
                .ok_or_else(|| Fault::new(ErrorCode::UnknownCurrency, "unknown currency"))?;
            let needed = scope.convert(amount, from, &currency)?;
            if limit.amount.0 >= needed {
                return Ok(Some(person.user.id.as_str()));
            }
        }
        next = person.user.manager.as_deref();
    }
    Ok(None)
}

//! The approval workflow runtime: (policy, directory, order, events, now) → state.
//!
//! Stateless: the order is evaluated afresh for its approval plan, then the recorded events
//! are replayed in time order (instants, not strings; ties keep their input order). Each
//! approval or rejection must come from someone eligible at that moment — an approver of
//! the current level, a delegate acting for one inside the delegation's period, or an
//! escalation target once the level's timeout has passed. Anything else is refused with a
//! reason and changes nothing. Rejecting some lines rejects those lines and approves the
//! rest at that level. The hold (`approval_hold`, 7 days by default) runs from submission;
//! at or after it, the order is expired and must be resubmitted at current prices.

use std::collections::BTreeSet;

use jiff::{SignedDuration, Timestamp};

use crate::compile::CompiledPolicy;
use crate::contract::*;
use crate::errors::{request_error, ErrorCode};
use crate::eval::{checkout, instant};
use crate::people::People;

const EXPIRED: &str = "the approval hold expired; resubmit the cart at current prices";

/// Computes where an order's approval stands.
pub fn progress(
    policy: &CompiledPolicy,
    people: &People,
    request: &ProgressRequest,
) -> Answer<WorkflowState> {
    match Replay::prepare(policy, people, request) {
        Ok(replay) => Answer::Success {
            result: replay.run(),
        },
        Err(errors) => Answer::Failure { errors },
    }
}

struct Delegation {
    from: String,
    to: String,
    valid_from: Timestamp,
    valid_until: Timestamp,
}

struct LevelState {
    approvals: Vec<ApprovalRecord>,
    started: Timestamp,
    done: bool,
}

struct Replay<'a> {
    request: &'a ProgressRequest,
    decision: Decision,
    now: Timestamp,
    expires: Timestamp,
    /// Approvals and rejections recorded before this instant no longer count.
    void_before: Option<Timestamp>,
    times: Vec<(Timestamp, usize)>,
    delegations: Vec<Delegation>,
    levels: Vec<LevelState>,
    current: usize,
    rejected_lines: BTreeSet<String>,
    terminal: Option<(WorkflowStatus, String)>,
    comments: Vec<Comment>,
    steps: Vec<Step>,
}

fn parse_instant(text: &str, path: String, errors: &mut Vec<EvalError>) -> Timestamp {
    instant(text).unwrap_or_else(|| {
        errors.push(request_error(
            ErrorCode::InvalidTimestamp,
            format!("`{text}` is not an RFC 3339 timestamp"),
            path,
        ));
        Timestamp::UNIX_EPOCH
    })
}

fn prefixed(errors: Vec<EvalError>, prefix: &str) -> Vec<EvalError> {
    errors
        .into_iter()
        .map(|mut e| {
            e.path = e.path.map(|p| {
                if p.is_empty() {
                    prefix.to_owned()
                } else {
                    format!("{prefix}.{p}")
                }
            });
            e
        })
        .collect()
}

impl<'a> Replay<'a> {
    fn prepare(
        policy: &CompiledPolicy,
        people: &People,
        request: &'a ProgressRequest,
    ) -> Result<Replay<'a>, Vec<EvalError>> {
        let mut errors = Vec::new();
        let submitted = parse_instant(&request.submitted_at, "submittedAt".into(), &mut errors);
        let now = parse_instant(&request.now, "now".into(), &mut errors);
        let mut times = Vec::with_capacity(request.events.len());
        for (i, event) in request.events.iter().enumerate() {
            let path = format!("events[{i}]");
            let at = match event {
                WorkflowEvent::Approved { at, .. }
                | WorkflowEvent::Rejected { at, .. }
                | WorkflowEvent::Delegated { at, .. }
                | WorkflowEvent::Comment { at, .. } => at,
            };
            times.push((parse_instant(at, format!("{path}.at"), &mut errors), i));
            if let WorkflowEvent::Delegated {
                valid_from,
                valid_until,
                ..
            } = event
            {
                parse_instant(valid_from, format!("{path}.validFrom"), &mut errors);
                parse_instant(valid_until, format!("{path}.validUntil"), &mut errors);
            }
        }
        let changed_at = request
            .change
            .as_ref()
            .map(|c| parse_instant(&c.changed_at, "change.changedAt".into(), &mut errors));
        if !errors.is_empty() {
            return Err(errors);
        }
        let decision = match checkout(policy, people, &request.checkout) {
            Answer::Success { result } => result,
            Answer::Failure { errors } => return Err(prefixed(errors, "checkout")),
        };
        let void_before = match (&request.change, changed_at) {
            (Some(change), Some(changed_at)) => {
                let mut before = request.checkout.clone();
                before.order = change.previous_order.clone();
                let previous = match checkout(policy, people, &before) {
                    Answer::Success { result } => result,
                    Answer::Failure { errors } => {
                        // The previous order replaced `checkout.order`: name its own path.
                        let errors = errors
                            .into_iter()
                            .map(|mut e| {
                                e.path = e.path.map(|p| match p.strip_prefix("order") {
                                    Some(rest) => format!("change.previousOrder{rest}"),
                                    None => format!("checkout.{p}"),
                                });
                                e
                            })
                            .collect();
                        return Err(errors);
                    }
                };
                fresh_approval_needed(policy, &previous, &decision).then_some(changed_at)
            }
            _ => None,
        };
        times.sort_by_key(|(t, i)| (*t, *i));
        let hold = SignedDuration::from_hours(
            i64::try_from(policy.approval_hold_hours).unwrap_or(i64::MAX),
        );
        let expires = submitted.checked_add(hold).unwrap_or(Timestamp::MAX);
        let levels = decision
            .approval
            .levels
            .iter()
            .map(|_| LevelState {
                approvals: Vec::new(),
                started: submitted,
                done: false,
            })
            .collect();
        Ok(Replay {
            request,
            decision,
            now,
            expires,
            void_before,
            times,
            delegations: Vec::new(),
            levels,
            current: 0,
            rejected_lines: BTreeSet::new(),
            terminal: None,
            comments: Vec::new(),
            steps: Vec::new(),
        })
    }

    fn run(mut self) -> WorkflowState {
        if self.decision.outcome == Outcome::Blocked {
            let reason = self
                .decision
                .messages
                .iter()
                .find(|m| m.severity == "block")
                .map_or_else(
                    || "the policy blocks this order".to_owned(),
                    |m| m.text.clone(),
                );
            self.terminal = Some((WorkflowStatus::Blocked, reason));
        } else if self.decision.approval.levels.is_empty() {
            self.terminal = Some((WorkflowStatus::Approved, "no approval is required".into()));
        }
        let times = std::mem::take(&mut self.times);
        for &(at, index) in &times {
            let outcome = self.apply(at, index);
            let (status, level) = self.status_at(at);
            let (accepted, reason) = match outcome {
                Ok(()) => (true, None),
                Err(reason) => (false, Some(reason)),
            };
            self.steps.push(Step {
                event: index,
                accepted,
                reason,
                status,
                level,
            });
        }
        self.finish()
    }

    fn requester(&self) -> &str {
        &self.request.checkout.buyer
    }

    /// Applies one event at its time; `Err` is the reason it was refused.
    fn apply(&mut self, at: Timestamp, index: usize) -> Result<(), String> {
        let Some(event) = self.request.events.get(index) else {
            return Err("no such event".into());
        };
        if at > self.now {
            return Err("the event is recorded after `now`".into());
        }
        match event {
            WorkflowEvent::Comment { by, at, text } => {
                self.comments.push(Comment {
                    by: by.clone(),
                    at: at.clone(),
                    text: text.clone(),
                });
                Ok(())
            }
            WorkflowEvent::Delegated {
                from,
                to,
                valid_from,
                valid_until,
                ..
            } => {
                let (Some(valid_from), Some(valid_until)) =
                    (instant(valid_from), instant(valid_until))
                else {
                    return Err("the delegation period is not valid".into());
                };
                if from == to {
                    return Err("a delegation must name someone else".into());
                }
                if valid_from >= valid_until {
                    return Err("the delegation ends before it starts".into());
                }
                self.delegations.push(Delegation {
                    from: from.clone(),
                    to: to.clone(),
                    valid_from,
                    valid_until,
                });
                Ok(())
            }
            WorkflowEvent::Approved { by, .. } => self.decide(at, by, None),
            WorkflowEvent::Rejected {
                by, lines, reason, ..
            } => self.decide(at, by, Some((lines, reason))),
        }
    }

    fn decide(
        &mut self,
        at: Timestamp,
        by: &str,
        rejection: Option<(&Vec<String>, &String)>,
    ) -> Result<(), String> {
        if let Some((status, _)) = &self.terminal {
            return Err(format!("the order is already {}", status_word(*status)));
        }
        if at >= self.expires {
            self.terminal = Some((WorkflowStatus::Expired, EXPIRED.into()));
            return Err("the approval hold expired before this event".into());
        }
        if self.void_before.is_some_and(|v| at < v) {
            return Err("the order changed after this decision; fresh approval is needed".into());
        }
        let level_number = self.current + 1;
        let Some(plan) = self.decision.approval.levels.get(self.current) else {
            return Err("no level is waiting for approval".into());
        };
        let eligible = self.eligible_at(self.current, at);
        let acting_for = if eligible.iter().any(|e| e == by) {
            Some(by.to_owned())
        } else {
            self.delegations
                .iter()
                .find(|d| {
                    d.to == by
                        && d.valid_from <= at
                        && at < d.valid_until
                        && eligible.contains(&d.from)
                })
                .map(|d| d.from.clone())
        };
        if by == self.requester() && acting_for.as_deref() != Some(by) {
            return Err("the requester cannot approve their own order".into());
        }
        let Some(acting_for) = acting_for else {
            if let Some(d) = self
                .delegations
                .iter()
                .find(|d| d.to == by && eligible.contains(&d.from))
            {
                return Err(format!(
                    "the delegation from `{}` to `{by}` is not valid at this time",
                    d.from
                ));
            }
            if let Some(later) = self
                .decision
                .approval
                .levels
                .iter()
                .find(|l| l.approvers.iter().any(|a| a == by))
            {
                return Err(format!(
                    "`{by}` approves at level {}, the order is waiting at level {level_number}",
                    later.level
                ));
            }
            return Err(format!("`{by}` may not approve at level {level_number}"));
        };
        let state = self
            .levels
            .get(self.current)
            .ok_or("no level is waiting for approval")?;
        let already = state
            .approvals
            .iter()
            .any(|r| r.on_behalf_of.as_deref().unwrap_or(&r.by) == acting_for);
        if already {
            return Err(format!(
                "`{acting_for}` has already approved level {level_number}"
            ));
        }
        if let Some((lines, reason)) = rejection {
            if lines.is_empty() {
                let why = if reason.is_empty() {
                    format!("rejected by `{by}`")
                } else {
                    reason.clone()
                };
                self.terminal = Some((WorkflowStatus::Rejected, why));
                return Ok(());
            }
            if let Some(unknown) = lines
                .iter()
                .find(|l| !self.decision.lines.iter().any(|d| &d.id == *l))
            {
                return Err(format!("the order has no line `{unknown}`"));
            }
            self.rejected_lines.extend(lines.iter().cloned());
            if self
                .decision
                .lines
                .iter()
                .all(|l| self.rejected_lines.contains(&l.id))
            {
                self.terminal = Some((WorkflowStatus::Rejected, "every line was rejected".into()));
                return Ok(());
            }
        }
        let needed = needed(plan);
        let all_of = matches!(plan.quorum, QuorumSpec::All);
        let listed = plan.approvers.clone();
        let record = ApprovalRecord {
            by: by.to_owned(),
            on_behalf_of: (acting_for != by).then(|| acting_for.clone()),
            at: format_instant(at),
        };
        let state = self
            .levels
            .get_mut(self.current)
            .ok_or("no level is waiting for approval")?;
        state.approvals.push(record);
        let approved: BTreeSet<&str> = state
            .approvals
            .iter()
            .map(|r| r.on_behalf_of.as_deref().unwrap_or(&r.by))
            .collect();
        let satisfied = if all_of {
            listed.iter().all(|a| approved.contains(a.as_str()))
        } else {
            approved.len() as u64 >= needed
        };
        if satisfied {
            state.done = true;
            self.current += 1;
            if let Some(next) = self.levels.get_mut(self.current) {
                next.started = at;
            } else {
                self.terminal = Some(if self.rejected_lines.is_empty() {
                    (WorkflowStatus::Approved, "every level approved".into())
                } else {
                    (
                        WorkflowStatus::PartiallyRejected,
                        "some lines were rejected, the rest approved".into(),
                    )
                });
            }
        }
        Ok(())
    }

    /// The approvers of a level at an instant: listed ones, plus escalation targets once
    /// the level has waited longer than its timeout.
    fn eligible_at(&self, level: usize, at: Timestamp) -> Vec<String> {
        let Some(plan) = self.decision.approval.levels.get(level) else {
            return Vec::new();
        };
        let mut eligible = plan.approvers.clone();
        if self.escalated(level, at) {
            if let Some(escalation) = &plan.escalation {
                for target in &escalation.to {
                    if !eligible.contains(target) && target != self.requester() {
                        eligible.push(target.clone());
                    }
                }
            }
        }
        eligible
    }

    fn escalated(&self, level: usize, at: Timestamp) -> bool {
        let (Some(plan), Some(state)) = (
            self.decision.approval.levels.get(level),
            self.levels.get(level),
        ) else {
            return false;
        };
        plan.escalation.as_ref().is_some_and(|e| {
            let after =
                SignedDuration::from_hours(i64::try_from(e.after_hours).unwrap_or(i64::MAX));
            state
                .started
                .checked_add(after)
                .is_ok_and(|deadline| at >= deadline)
        })
    }

    fn status_at(&self, at: Timestamp) -> (WorkflowStatus, Option<u64>) {
        if let Some((status, _)) = &self.terminal {
            return (*status, None);
        }
        if at >= self.expires {
            return (WorkflowStatus::Expired, None);
        }
        let level = u64::try_from(self.current + 1).ok();
        if self.escalated(self.current, at) {
            (WorkflowStatus::Escalated, level)
        } else {
            (WorkflowStatus::Pending, level)
        }
    }

    fn finish(self) -> WorkflowState {
        let (status, level) = self.status_at(self.now);
        let reason = match (&self.terminal, status) {
            (Some((_, reason)), _) => Some(reason.clone()),
            (None, WorkflowStatus::Expired) => Some(EXPIRED.into()),
            (None, WorkflowStatus::Escalated) => Some(format!(
                "level {} waited past its timeout",
                self.current + 1
            )),
            _ => None,
        };
        let open = matches!(status, WorkflowStatus::Pending | WorkflowStatus::Escalated);
        let mut may_act = Vec::new();
        if open {
            let state = self.levels.get(self.current);
            let done: BTreeSet<&str> = state
                .map(|s| {
                    s.approvals
                        .iter()
                        .map(|r| r.on_behalf_of.as_deref().unwrap_or(&r.by))
                        .collect()
                })
                .unwrap_or_default();
            let actions = vec![
                "approve".to_owned(),
                "reject".to_owned(),
                "rejectLines".to_owned(),
            ];
            for user in self.eligible_at(self.current, self.now) {
                if done.contains(user.as_str()) {
                    continue;
                }
                for d in self.delegations.iter().filter(|d| {
                    d.from == user
                        && d.valid_from <= self.now
                        && self.now < d.valid_until
                        && d.to != self.requester()
                }) {
                    may_act.push(Actor {
                        user: d.to.clone(),
                        on_behalf_of: Some(user.clone()),
                        actions: actions.clone(),
                    });
                }
                may_act.push(Actor {
                    user,
                    on_behalf_of: None,
                    actions: actions.clone(),
                });
            }
        }
        let levels = self
            .decision
            .approval
            .levels
            .iter()
            .zip(&self.levels)
            .enumerate()
            .map(|(i, (plan, state))| {
                let level_status = if state.done {
                    "approved"
                } else if i == self.current && status == WorkflowStatus::Rejected {
                    "rejected"
                } else if i == self.current && open {
                    if status == WorkflowStatus::Escalated {
                        "escalated"
                    } else {
                        "pending"
                    }
                } else {
                    "waiting"
                };
                let escalated_to = if self.escalated(i, self.now) && !state.done {
                    plan.escalation
                        .as_ref()
                        .map(|e| e.to.clone())
                        .unwrap_or_default()
                } else {
                    Vec::new()
                };
                LevelProgress {
                    level: plan.level,
                    status: level_status.to_owned(),
                    needed: needed(plan),
                    approvals: state.approvals.clone(),
                    escalated_to,
                }
            })
            .collect();
        WorkflowState {
            status,
            level: if open { level } else { None },
            may_act,
            levels,
            rejected_lines: self.rejected_lines.into_iter().collect(),
            expires_at: format_instant(self.expires),
            reason,
            steps: self.steps,
            comments: self.comments,
            plan: self.decision.approval,
            errors: self.decision.errors,
            policy: self.decision.policy,
        }
    }
}

/// Whether a changed order needs its approvals again: with `reapprove_on any_increase`,
/// whenever the total grew; with `reapprove_on threshold`, when the new plan asks for a
/// level (rules and approvers) the approved one did not.
fn fresh_approval_needed(policy: &CompiledPolicy, previous: &Decision, current: &Decision) -> bool {
    if policy.reapprove_on_any_increase {
        return current.totals.total.0 > previous.totals.total.0;
    }
    let signature = |d: &Decision| -> BTreeSet<(Vec<String>, Vec<String>)> {
        d.approval
            .levels
            .iter()
            .map(|l| (l.rules.clone(), l.approvers.clone()))
            .collect()
    };
    !signature(current).is_subset(&signature(previous))
}

fn needed(level: &ApprovalLevel) -> u64 {
    match level.quorum {
        QuorumSpec::Any => 1,
        QuorumSpec::All => level.approvers.len() as u64,
        QuorumSpec::Count { count } => count,
    }
}

fn format_instant(at: Timestamp) -> String {
    at.to_string()
}

fn status_word(status: WorkflowStatus) -> &'static str {
    match status {
        WorkflowStatus::Pending => "pending",
        WorkflowStatus::Escalated => "escalated",
        WorkflowStatus::Approved => "approved",
        WorkflowStatus::Rejected => "rejected",
        WorkflowStatus::PartiallyRejected => "partially rejected",
        WorkflowStatus::Expired => "expired",
        WorkflowStatus::Blocked => "blocked",
    }
}

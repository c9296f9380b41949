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

use jiff::Timestamp;

use crate::compile::CompiledPolicy;
use crate::contract::errors::{request_error, ErrorCode};
use crate::contract::*;
use crate::eval::people::People;
use crate::eval::{checkout, instant};

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
            Answer::Failure { errors } => {
                return Err(crate::contract::errors::under("checkout", errors))
            }
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
        let hold = crate::base::calendar::hours(policy.approval_hold_hours);
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
            return Err(format!("the order is already {}", status.in_words()));
        }
        if at >= self.expires {
            self.terminal = Some((WorkflowStatus::Expired, EXPIRED.into()));
            return Err("the approval hold expired before this event".into());
        }
        if self.void_before.is_some_and(|v| at < v) {
            return Err("the order changed after this decision; fresh approval is needed".into());
        }
        if self.decision.approval.levels.get(self.current).is_none() {
            return Err("no level is waiting for approval".into());
        }
        let acting_for = self.acting_for(by, at)?;
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
        let record = ApprovalRecord {
            by: by.to_owned(),
            on_behalf_of: (acting_for != by).then(|| acting_for.clone()),
            at: format_instant(at),
            carried_from: None,
        };
        let state = self
            .levels
            .get_mut(self.current)
            .ok_or("no level is waiting for approval")?;
        state.approvals.push(record);
        self.advance(at);
        Ok(())
    }

    /// Moves past every satisfied level from the current one on. Entering a level carries
    /// in the earlier approvals of the people it names (one approval counts at every
    /// level that lists its giver), which may satisfy it at once.
    fn advance(&mut self, at: Timestamp) {
        while self.level_satisfied(self.current) {
            if let Some(state) = self.levels.get_mut(self.current) {
                state.done = true;
            }
            self.current += 1;
            if self.current >= self.levels.len() {
                self.terminal = Some(if self.rejected_lines.is_empty() {
                    (WorkflowStatus::Approved, "every level approved".into())
                } else {
                    (
                        WorkflowStatus::PartiallyRejected,
                        "some lines were rejected, the rest approved".into(),
                    )
                });
                return;
            }
            let carried = self.carried_into(self.current);
            if let Some(next) = self.levels.get_mut(self.current) {
                next.started = at;
                next.approvals.extend(carried);
            }
        }
    }

    /// The approvals given in their own name at earlier levels by people the plan also
    /// names at `level`.
    fn carried_into(&self, level: usize) -> Vec<ApprovalRecord> {
        let Some(plan) = self.decision.approval.levels.get(level) else {
            return Vec::new();
        };
        let mut carried: Vec<ApprovalRecord> = Vec::new();
        for (earlier, state) in self.levels.iter().enumerate().take(level) {
            for record in &state.approvals {
                let own = record.on_behalf_of.is_none() && record.carried_from.is_none();
                if own
                    && plan.approvers.contains(&record.by)
                    && !carried.iter().any(|c| c.by == record.by)
                {
                    carried.push(ApprovalRecord {
                        carried_from: u64::try_from(earlier + 1).ok(),
                        ..record.clone()
                    });
                }
            }
        }
        carried
    }

    fn level_satisfied(&self, level: usize) -> bool {
        let (Some(plan), Some(state)) = (
            self.decision.approval.levels.get(level),
            self.levels.get(level),
        ) else {
            return false;
        };
        let approved: BTreeSet<&str> = state
            .approvals
            .iter()
            .map(|r| r.on_behalf_of.as_deref().unwrap_or(&r.by))
            .collect();
        if matches!(plan.quorum, QuorumSpec::All) {
            plan.approvers.iter().all(|a| approved.contains(a.as_str()))
        } else {
            approved.len() as u64 >= needed(plan)
        }
    }

    /// Whom `by` may act for at the current level at `at` (themselves, or the eligible
    /// person whose valid delegation they hold), or why they may not. The replay and
    /// `mayAct` both ask this, so whatever is offered is accepted.
    ///
    /// One person counts once per level, and acts at two levels of one order only where
    /// the policy names them at both: a delegate named at another level of the order, or
    /// who already acted at another level, cannot act for someone else on it.
    fn acting_for(&self, by: &str, at: Timestamp) -> Result<String, String> {
        let level_number = self.current + 1;
        let eligible = self.eligible_at(self.current, at);
        let here = self
            .levels
            .get(self.current)
            .map_or(&[][..], |s| &s.approvals);
        let acted_elsewhere = self.levels.iter().enumerate().find(|(i, s)| {
            *i != self.current
                && s.approvals
                    .iter()
                    .any(|r| r.by == by && r.carried_from.is_none())
        });
        let done = |who: &str| {
            here.iter()
                .any(|r| r.on_behalf_of.as_deref().unwrap_or(&r.by) == who)
        };
        if here.iter().any(|r| r.by == by) || (eligible.iter().any(|e| e == by) && done(by)) {
            return Err(format!("`{by}` has already approved level {level_number}"));
        }
        if eligible.iter().any(|e| e == by) {
            if let Some((i, _)) = acted_elsewhere.filter(|(_, s)| {
                s.approvals
                    .iter()
                    .any(|r| r.by == by && r.on_behalf_of.is_some())
            }) {
                return Err(format!(
                    "`{by}` acted for someone else at level {}, so cannot also approve level {level_number} of this order",
                    i + 1
                ));
            }
            return Ok(by.to_owned());
        }
        if by == self.requester() {
            return Err("the requester cannot approve their own order".into());
        }
        let mut delegations = self
            .delegations
            .iter()
            .filter(|d| d.to == by && eligible.contains(&d.from));
        let Some(first) = delegations.clone().next() else {
            return Err(self.not_eligible(by));
        };
        let Some(valid) =
            delegations.find(|d| d.valid_from <= at && at < d.valid_until && !done(&d.from))
        else {
            if done(&first.from) {
                return Err(format!(
                    "`{}` has already approved level {level_number}",
                    first.from
                ));
            }
            return Err(format!(
                "the delegation from `{}` to `{by}` is not valid at this time",
                first.from
            ));
        };
        if let Some(named) = self
            .decision
            .approval
            .levels
            .iter()
            .find(|l| l.approvers.iter().any(|a| a == by))
        {
            return Err(format!(
                "`{by}` approves at level {} of this order, so cannot also act for `{}`",
                named.level, valid.from
            ));
        }
        if let Some((i, _)) = acted_elsewhere {
            return Err(format!(
                "`{by}` already acted at level {} of this order, so cannot also act for `{}`",
                i + 1,
                valid.from
            ));
        }
        Ok(valid.from.clone())
    }

    /// Everyone who may act on the current level now, each as the replay would accept
    /// them: eligible approvers in their own name, then delegates for them.
    fn may_act(&self) -> Vec<Actor> {
        let actions = || {
            vec![
                "approve".to_owned(),
                "reject".to_owned(),
                "rejectLines".to_owned(),
            ]
        };
        let mut actors = Vec::new();
        for user in self.eligible_at(self.current, self.now) {
            let delegates = self
                .delegations
                .iter()
                .filter(|d| d.from == user && d.valid_from <= self.now && self.now < d.valid_until);
            for d in delegates {
                let already = actors
                    .iter()
                    .any(|a: &Actor| a.user == d.to && a.on_behalf_of.as_deref() == Some(&user));
                if !already && self.acting_for(&d.to, self.now).as_deref() == Ok(user.as_str()) {
                    actors.push(Actor {
                        user: d.to.clone(),
                        on_behalf_of: Some(user.clone()),
                        actions: actions(),
                    });
                }
            }
            if self.acting_for(&user, self.now).as_deref() == Ok(user.as_str()) {
                actors.push(Actor {
                    user,
                    on_behalf_of: None,
                    actions: actions(),
                });
            }
        }
        actors
    }

    /// Why someone who is neither eligible nor a delegate of an eligible person is refused.
    fn not_eligible(&self, by: &str) -> String {
        let level_number = self.current + 1;
        match self
            .decision
            .approval
            .levels
            .iter()
            .find(|l| l.approvers.iter().any(|a| a == by))
        {
            Some(later) => format!(
                "`{by}` approves at level {}, the order is waiting at level {level_number}",
                later.level
            ),
            None => format!("`{by}` may not approve at level {level_number}"),
        }
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
            let after = crate::base::calendar::hours(e.after_hours);
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
        let may_act = if open { self.may_act() } else { Vec::new() };
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

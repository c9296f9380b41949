//! The directory, validated against a policy and indexed for lookups.
//!
//! Loaded once and reused across evaluations. Every user id is unique, every role and
//! group an assignment names exists in the policy, every amount has a known currency.

use std::collections::{BTreeMap, HashMap};

use rustc_hash::FxBuildHasher;

use crate::base::money::Currency;
use crate::compile::{CompiledPolicy, GroupId};
use crate::contract::errors::{request_error, ErrorCode};
use crate::contract::{Directory, EvalError, User};

/// The directory's users by id, with role assignments resolved to group ids.
#[derive(Debug, Clone, Default)]
pub struct People {
    /// Looked up only, never iterated, so its order cannot reach an output; the hasher has
    /// fixed keys, so it behaves the same on every runtime.
    users: HashMap<String, Person, FxBuildHasher>,
    /// Role → group → the ids of the users assigned that role in exactly that group,
    /// sorted, so an approver lookup reads one list per group on the way up the tree
    /// instead of walking every holder of the role.
    by_role: BTreeMap<String, BTreeMap<GroupId, Vec<String>>>,
}

/// A user as the evaluator sees them.
#[derive(Debug, Clone)]
pub struct Person {
    pub user: User,
    /// `(role, group)` pairs in the order the directory lists them.
    pub assignments: Vec<(String, GroupId)>,
}

impl People {
    /// Validates and indexes a directory; `path` prefixes error paths (e.g. `directory`).
    pub fn new(directory: &Directory, policy: &CompiledPolicy) -> Result<People, Vec<EvalError>> {
        let mut users: HashMap<String, Person, FxBuildHasher> = HashMap::default();
        let mut errors = Vec::new();
        for (i, user) in directory.users.iter().enumerate() {
            let path = format!("users[{i}]");
            match Person::new(user, policy, &path) {
                Ok(person) => {
                    if users.insert(user.id.clone(), person).is_some() {
                        errors.push(request_error(
                            ErrorCode::DuplicateId,
                            format!("user `{}` is listed more than once", user.id),
                            format!("{path}.id"),
                        ));
                    }
                }
                Err(mut problems) => errors.append(&mut problems),
            }
        }
        if errors.is_empty() {
            let mut by_role: BTreeMap<String, BTreeMap<GroupId, Vec<String>>> = BTreeMap::new();
            // Users in id order, so every list is sorted; a user assigned the same role
            // twice in one group is listed once.
            let mut in_order: Vec<&Person> = users.values().collect();
            in_order.sort_by(|a, b| a.user.id.cmp(&b.user.id));
            for person in in_order {
                for (role, group) in &person.assignments {
                    let holders = by_role
                        .entry(role.clone())
                        .or_default()
                        .entry(*group)
                        .or_default();
                    if holders.last() != Some(&person.user.id) {
                        holders.push(person.user.id.clone());
                    }
                }
            }
            Ok(People { users, by_role })
        } else {
            Err(errors)
        }
    }

    /// The person a request names: from the directory, or given inline as
    /// `{path}Profile`; `unknown` is the code when neither has them.
    pub fn resolve(
        &self,
        id: &str,
        profile: Option<&User>,
        policy: &CompiledPolicy,
        path: &str,
        unknown: ErrorCode,
    ) -> Result<std::borrow::Cow<'_, Person>, Vec<EvalError>> {
        match profile {
            Some(user) => {
                if user.id != id {
                    return Err(vec![request_error(
                        ErrorCode::ProfileMismatch,
                        format!("profile id `{}` differs from `{id}`", user.id),
                        format!("{path}Profile.id"),
                    )]);
                }
                Person::new(user, policy, &format!("{path}Profile")).map(std::borrow::Cow::Owned)
            }
            None => self
                .get(id)
                .map(std::borrow::Cow::Borrowed)
                .ok_or_else(|| vec![request_error(unknown, format!("unknown user `{id}`"), path)]),
        }
    }

    pub fn get(&self, id: &str) -> Option<&Person> {
        self.users.get(id)
    }

    /// Users holding `role` in `group`, by id: assigned in the group or in a group above
    /// it, since an assignment covers its subgroups.
    pub fn with_role(&self, role: &str, group: GroupId, policy: &CompiledPolicy) -> Vec<&str> {
        let Some(by_group) = self.by_role.get(role) else {
            return Vec::new();
        };
        let mut lists: Vec<&[String]> = Vec::new();
        let mut current = Some(group);
        // Bounded by the number of groups, so a malformed parent chain cannot loop.
        for _ in 0..=policy.groups.len() {
            let Some(g) = current else { break };
            if let Some(holders) = by_group.get(&g) {
                lists.push(holders);
            }
            current = policy.groups.get(g).and_then(|info| info.parent);
        }
        let mut found: Vec<&str> = lists
            .iter()
            .flat_map(|l| l.iter().map(String::as_str))
            .collect();
        if lists.len() > 1 {
            found.sort_unstable();
            found.dedup();
        }
        found
    }
}

impl Person {
    /// Validates one user against the policy; `path` names it in errors.
    pub fn new(user: &User, policy: &CompiledPolicy, path: &str) -> Result<Person, Vec<EvalError>> {
        let mut errors = Vec::new();
        let mut assignments = Vec::new();
        for (j, assignment) in user.roles.iter().enumerate() {
            if !policy.roles.contains_key(&assignment.role) {
                errors.push(request_error(
                    ErrorCode::UnknownRole,
                    format!("unknown role `{}`", assignment.role),
                    format!("{path}.roles[{j}].role"),
                ));
            }
            match policy.group_ids.get(&assignment.group) {
                Some(&group) => assignments.push((assignment.role.clone(), group)),
                None => errors.push(request_error(
                    ErrorCode::UnknownGroup,
                    format!("unknown group `{}`", assignment.group),
                    format!("{path}.roles[{j}].group"),
                )),
            }
        }
        for (field, limit) in [
            ("approvalLimit", &user.approval_limit),
            ("selfApprovalLimit", &user.self_approval_limit),
        ] {
            if let Some(limit) = limit {
                if Currency::of(&limit.currency).is_none() {
                    errors.push(request_error(
                        ErrorCode::UnknownCurrency,
                        format!("unknown currency `{}`", limit.currency),
                        format!("{path}.{field}.currency"),
                    ));
                }
            }
        }
        if errors.is_empty() {
            Ok(Person {
                user: user.clone(),
                assignments,
            })
        } else {
            Err(errors)
        }
    }
}

/// The group a request names at `path`, or `None` with an `E0202` in `errors`.
pub fn find_group(
    policy: &CompiledPolicy,
    name: &str,
    path: &str,
    errors: &mut Vec<EvalError>,
) -> Option<GroupId> {
    let group = policy.group_ids.get(name).copied();
    if group.is_none() {
        errors.push(request_error(
            ErrorCode::UnknownGroup,
            format!("unknown group `{name}`"),
            path,
        ));
    }
    group
}

/// The value, or `None` with its errors moved to `errors`.
pub fn collect<T>(result: Result<T, Vec<EvalError>>, errors: &mut Vec<EvalError>) -> Option<T> {
    match result {
        Ok(value) => Some(value),
        Err(mut problems) => {
            errors.append(&mut problems);
            None
        }
    }
}

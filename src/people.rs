//! The directory, validated against a policy and indexed for lookups.
//!
//! Loaded once and reused across evaluations. Every user id is unique, every role and
//! group an assignment names exists in the policy, every amount has a known currency.

use std::collections::BTreeMap;

use crate::compile::{CompiledPolicy, GroupId};
use crate::contract::{Directory, EvalError, User};
use crate::errors::{request_error, ErrorCode};
use crate::money::Currency;

/// The directory's users by id, with role assignments resolved to group ids.
#[derive(Debug, Clone, Default)]
pub struct People {
    users: BTreeMap<String, Person>,
    /// Role → `(group, user id)` for every assignment, by user id, so approver lookups do
    /// not walk the whole directory.
    by_role: BTreeMap<String, Vec<(GroupId, String)>>,
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
        let mut users = BTreeMap::new();
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
            let mut by_role: BTreeMap<String, Vec<(GroupId, String)>> = BTreeMap::new();
            for person in users.values() {
                for (role, group) in &person.assignments {
                    by_role
                        .entry(role.clone())
                        .or_default()
                        .push((*group, person.user.id.clone()));
                }
            }
            Ok(People { users, by_role })
        } else {
            Err(errors)
        }
    }

    pub fn get(&self, id: &str) -> Option<&Person> {
        self.users.get(id)
    }

    /// Users holding `role` in `group`, by id: assigned in the group or in a group above
    /// it, since an assignment covers its subgroups.
    pub fn with_role(&self, role: &str, group: GroupId, policy: &CompiledPolicy) -> Vec<String> {
        let mut found: Vec<String> = self
            .by_role
            .get(role)
            .into_iter()
            .flatten()
            .filter(|(assigned, _)| policy.is_within(group, *assigned))
            .map(|(_, id)| id.clone())
            .collect();
        found.dedup();
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

//! Permission checks: default deny; an action is allowed only when some role assignment of
//! the user grants it in the resource's group or an ancestor of it.

use crate::compile::CompiledPolicy;
use crate::contract::{
    Answer, AuthorizeDecision, AuthorizeRequest, Permission, PolicyRef, RoleAssignment,
};
use crate::errors::{request_error, ErrorCode};
use crate::eval::resolve_person;
use crate::people::People;

/// Decides a permission check, naming the assignment that granted it.
pub fn authorize(
    policy: &CompiledPolicy,
    people: &People,
    request: &AuthorizeRequest,
) -> Answer<AuthorizeDecision> {
    let mut errors = Vec::new();
    let user = resolve_person(
        &request.user,
        request.user_profile.as_ref(),
        policy,
        people,
        "user",
        ErrorCode::UnknownUser,
    );
    let group = policy.group_ids.get(&request.resource.group).copied();
    if group.is_none() {
        errors.push(request_error(
            ErrorCode::UnknownGroup,
            format!("unknown group `{}`", request.resource.group),
            "resource.group",
        ));
    }
    if !policy.actions.contains(&request.action) {
        errors.push(request_error(
            ErrorCode::UnknownAction,
            format!("unknown action `{}`", request.action),
            "action",
        ));
    }
    let user = match user {
        Ok(user) => Some(user),
        Err(mut problems) => {
            errors.append(&mut problems);
            None
        }
    };
    let (Some(user), Some(group), true) = (user, group, errors.is_empty()) else {
        return Answer::Failure { errors };
    };
    let granting = user.assignments.iter().find(|(role, assigned)| {
        policy
            .roles
            .get(role)
            .is_some_and(|actions| actions.contains(&request.action))
            && policy.is_within(group, *assigned)
    });
    let policy_ref = PolicyRef {
        name: policy.name.clone(),
        hash: policy.hash.clone(),
    };
    let result = match granting {
        Some((role, assigned)) => AuthorizeDecision {
            decision: Permission::Allow,
            assignment: Some(RoleAssignment {
                role: role.clone(),
                group: policy.group_name(*assigned).to_owned(),
            }),
            reason: format!(
                "role `{role}` in `{}` grants `{}` in `{}`",
                policy.group_name(*assigned),
                request.action,
                request.resource.group
            ),
            policy: policy_ref,
        },
        None => AuthorizeDecision {
            decision: Permission::Deny,
            assignment: None,
            reason: format!(
                "no role assignment of `{}` grants `{}` in `{}`",
                request.user, request.action, request.resource.group
            ),
            policy: policy_ref,
        },
    };
    Answer::Success { result }
}

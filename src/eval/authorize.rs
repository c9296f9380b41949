//! Permission checks: default deny; an action is allowed only when some role assignment of
//! the user grants it in the resource's group or an ancestor of it.

use crate::compile::{CompiledPolicy, GroupId};
use crate::contract::errors::{request_error, ErrorCode};
use crate::contract::{
    Answer, AuthorizeDecision, AuthorizeRequest, EvalError, GrantedAction, Permission, Permissions,
    PermissionsRequest, PolicyRef, RoleAssignment,
};
use crate::eval::people::{collect, find_group, People, Person};

/// The action a buyer needs in the buying group before any of its rules are asked.
pub const PLACE_ORDERS: &str = "place_orders";

/// The first role assignment of `person` that grants `action` in `group`, directly or
/// through an ancestor group: the one rule every check uses, `authorize` and checkout alike.
pub fn granting<'p>(
    policy: &CompiledPolicy,
    person: &'p Person,
    action: &str,
    group: GroupId,
) -> Option<&'p (String, GroupId)> {
    person.assignments.iter().find(|(role, assigned)| {
        policy
            .roles
            .get(role)
            .is_some_and(|actions| actions.contains(action))
            && policy.is_within(group, *assigned)
    })
}

/// Refuses a buyer who may not place orders for `group`: the buying group is a claim the
/// request makes, checked exactly as `authorize` would check `place_orders` there.
/// `path` names the group in the request, e.g. `group`.
pub fn require_buyer_authority(
    policy: &CompiledPolicy,
    buyer: &Person,
    group: GroupId,
    path: &str,
) -> Result<(), Vec<EvalError>> {
    if granting(policy, buyer, PLACE_ORDERS, group).is_some() {
        return Ok(());
    }
    Err(vec![request_error(
        ErrorCode::NotAuthorized,
        format!(
            "`{}` may not `{PLACE_ORDERS}` in `{}`",
            buyer.user.id,
            policy.group_name(group)
        ),
        path,
    )])
}

/// Decides a permission check, naming the assignment that granted it.
pub fn authorize(
    policy: &CompiledPolicy,
    people: &People,
    request: &AuthorizeRequest,
) -> Answer<AuthorizeDecision> {
    let mut errors = Vec::new();
    let user = people.resolve(
        &request.user,
        request.user_profile.as_ref(),
        policy,
        "user",
        ErrorCode::UnknownUser,
    );
    let group = find_group(
        policy,
        &request.resource.group,
        "resource.group",
        &mut errors,
    );
    if !policy.actions.contains(&request.action) {
        errors.push(request_error(
            ErrorCode::UnknownAction,
            format!("unknown action `{}`", request.action),
            "action",
        ));
    }
    let user = collect(user, &mut errors);
    let (Some(user), Some(group), true) = (user, group, errors.is_empty()) else {
        return Answer::Failure { errors };
    };
    let granting = granting(policy, &user, &request.action, group);
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

/// Every action `request.user` may take in `request.group`, each with the assignment that
/// grants it, by the same rule as [`authorize`]; actions in name order.
pub fn permissions(
    policy: &CompiledPolicy,
    people: &People,
    request: &PermissionsRequest,
) -> Answer<Permissions> {
    let mut errors = Vec::new();
    let user = people.resolve(
        &request.user,
        request.user_profile.as_ref(),
        policy,
        "user",
        ErrorCode::UnknownUser,
    );
    let group = find_group(policy, &request.group, "group", &mut errors);
    let user = collect(user, &mut errors);
    let (Some(user), Some(group), true) = (user, group, errors.is_empty()) else {
        return Answer::Failure { errors };
    };
    let allowed = policy
        .actions
        .iter()
        .filter_map(|action| {
            granting(policy, &user, action, group).map(|(role, assigned)| GrantedAction {
                action: action.clone(),
                assignment: RoleAssignment {
                    role: role.clone(),
                    group: policy.group_name(*assigned).to_owned(),
                },
            })
        })
        .collect();
    Answer::Success {
        result: Permissions {
            user: request.user.clone(),
            group: request.group.clone(),
            allowed,
            policy: PolicyRef {
                name: policy.name.clone(),
                hash: policy.hash.clone(),
            },
        },
    }
}

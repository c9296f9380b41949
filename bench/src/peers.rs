//! The peers: the permission and category-restriction part of the workload, expressed
//! idiomatically in cedar-policy and in regorus (Rego), from the generator's own
//! description of the organisation and its block rules (never from Procura's compiler).
//!
//! **Permission checks.** A role assignment (role R in group G) covers G and its
//! subgroups; an action is allowed when some assignment of the user grants it and covers
//! the resource's group.
//! - Cedar: `Group` entities whose parents are the group tree; each `User` carries its
//!   assignments as one `Set<Group>` per role (`principal.roles.team_lead`); one `permit`
//!   per role over that role's actions, `when { resource in principal.roles.R }` (`in` on
//!   a set walks the hierarchy).
//! - Rego: the data document holds each group's ancestors, each user's assignments and
//!   each role's actions; `allow` looks for an assignment that grants the action at an
//!   ancestor of the group.
//!
//! **Category restriction.** A product is blocked for a buying group when an
//! (unconditional) `block lines in category …` rule covers its category for that group.
//! - Cedar: `Category` entities whose parents are the category tree, `Group` as the
//!   principal, one `permit` for every purchase and one `forbid` per block rule, its
//!   scope in the head where it fits (`principal in Group::"div1"`, `resource in
//!   Category::"c07/s11"`) and in `when`/`unless` otherwise; one request per product.
//! - Rego: block rules indexed by category in the data document; `blocked` is the set of
//!   product ids of the input whose category or an ancestor category has a rule in scope;
//!   one query per buyer and page of products.

use std::collections::BTreeMap;
use std::str::FromStr;

use cedar_policy::{
    Authorizer, Context, Decision, Entities, EntityUid, PolicySet, Request, Schema, ValidationMode,
    Validator,
};
use procura::contract::{AuthorizeRequest, BadgeRequest};
use serde_json::{json, Value};

use crate::workload::{role_actions, BlockSpec, Org, ScopeSpec};

// ─── Cedar ───────────────────────────────────────────────────────────────────────────

/// The Cedar side: schema, the two policy sets, and the entities.
pub struct Cedar {
    pub schema: Schema,
    /// One `permit` per role.
    pub permissions: PolicySet,
    /// A `permit` for every purchase, one `forbid` per block rule.
    pub categories: PolicySet,
    pub entities: Entities,
    /// The schema, policies and entities as text, for BENCHMARKS.md and inspection.
    pub schema_text: String,
    pub policies_text: String,
    authorizer: Authorizer,
}

fn uid(kind: &str, id: &str) -> Result<EntityUid, String> {
    // `Type::"id"` with the id escaped as a Cedar string.
    let text = format!("{kind}::{}", Value::String(id.to_owned()));
    EntityUid::from_str(&text).map_err(|e| format!("{text}: {e}"))
}

fn entity_ref(kind: &str, id: &str) -> Value {
    json!({ "__entity": { "type": kind, "id": id } })
}

fn cedar_string(id: &str) -> String {
    Value::String(id.to_owned()).to_string()
}

/// The scope of a block rule as Cedar: head constraint on the principal (if one target
/// with its subgroups), and conditions otherwise.
fn cedar_scope(org: &Org, scope: &ScopeSpec) -> (String, Vec<String>, Vec<String>) {
    let group = |g: usize| format!("Group::{}", cedar_string(&org.groups[g].name));
    let mut head = "principal is Group".to_owned();
    let mut when = Vec::new();
    if !scope.all {
        match scope.targets.as_slice() {
            [(g, false)] => head = format!("principal in {}", group(*g)),
            targets => {
                let any: Vec<String> = targets
                    .iter()
                    .map(|(g, only)| {
                        if *only {
                            format!("principal == {}", group(*g))
                        } else {
                            format!("principal in {}", group(*g))
                        }
                    })
                    .collect();
                when.push(format!("({})", any.join(" || ")));
            }
        }
    }
    let unless = scope
        .except
        .iter()
        .map(|g| format!("principal in {}", group(*g)))
        .collect();
    (head, when, unless)
}

impl Cedar {
    pub fn new(org: &Org, blocks: &[BlockSpec]) -> Result<Cedar, String> {
        let roles = role_actions();
        let mut actions: Vec<&str> = crate::workload::all_actions();
        actions.sort_unstable();
        let role_fields: Vec<String> = roles
            .keys()
            .map(|r| format!("    {r}: Set<Group>,"))
            .collect();
        let action_list: Vec<String> = actions.iter().map(|a| cedar_string(a)).collect();
        let schema_text = format!(
            "entity Group in [Group];\n\
             entity Category in [Category];\n\
             entity User {{\n  roles: {{\n{}\n  }},\n}};\n\n\
             action {} appliesTo {{ principal: User, resource: Group }};\n\
             action buy appliesTo {{ principal: Group, resource: Category }};\n",
            role_fields.join("\n"),
            action_list.join(", ")
        );
        let (schema, _warnings) =
            Schema::from_cedarschema_str(&schema_text).map_err(|e| format!("schema: {e:?}"))?;

        let mut permissions_text = String::new();
        for (role, granted) in &roles {
            let granted: Vec<String> = granted
                .iter()
                .map(|a| format!("Action::{}", cedar_string(a)))
                .collect();
            permissions_text.push_str(&format!(
                "@id(\"role {role}\")\npermit (\n  principal is User,\n  action in [{}],\n  resource is Group\n)\nwhen {{ resource in principal.roles.{role} }};\n\n",
                granted.join(", ")
            ));
        }
        let mut categories_text = String::from(
            "@id(\"purchases\")\npermit (principal is Group, action == Action::\"buy\", resource is Category);\n\n",
        );
        for block in blocks {
            let (head, mut when, unless) = cedar_scope(org, &block.scope);
            let resource = match block.categories.as_slice() {
                [one] => format!("resource in Category::{}", cedar_string(one)),
                many => {
                    let list: Vec<String> = many
                        .iter()
                        .map(|c| format!("Category::{}", cedar_string(c)))
                        .collect();
                    when.push(format!("resource in [{}]", list.join(", ")));
                    "resource is Category".to_owned()
                }
            };
            categories_text.push_str(&format!(
                "@id(\"{}\")\nforbid ({head}, action == Action::\"buy\", {resource})",
                block.name
            ));
            if !when.is_empty() {
                categories_text.push_str(&format!("\nwhen {{ {} }}", when.join(" && ")));
            }
            if !unless.is_empty() {
                categories_text.push_str(&format!("\nunless {{ {} }}", unless.join(" || ")));
            }
            categories_text.push_str(";\n\n");
        }
        let permissions =
            PolicySet::from_str(&permissions_text).map_err(|e| format!("permissions: {e:?}"))?;
        let categories =
            PolicySet::from_str(&categories_text).map_err(|e| format!("categories: {e:?}"))?;

        let mut entities = Vec::new();
        for group in &org.groups {
            let parents: Vec<Value> = group
                .parent
                .map(|p| entity_ref("Group", &org.groups[p].name))
                .into_iter()
                .collect();
            entities.push(json!({
                "uid": { "type": "Group", "id": group.name },
                "attrs": {},
                "parents": parents,
            }));
        }
        for id in org.top.iter().chain(&org.mid).chain(&org.leaves) {
            let parents: Vec<Value> = id
                .rsplit_once('/')
                .map(|(parent, _)| entity_ref("Category", parent))
                .into_iter()
                .collect();
            entities.push(json!({
                "uid": { "type": "Category", "id": id },
                "attrs": {},
                "parents": parents,
            }));
        }
        for user in &org.directory.users {
            let mut by_role: BTreeMap<&str, Vec<Value>> =
                roles.keys().map(|r| (r.as_str(), Vec::new())).collect();
            for assignment in &user.roles {
                if let Some(list) = by_role.get_mut(assignment.role.as_str()) {
                    list.push(entity_ref("Group", &assignment.group));
                }
            }
            entities.push(json!({
                "uid": { "type": "User", "id": user.id },
                "attrs": { "roles": by_role },
                "parents": [],
            }));
        }
        let entities = Entities::from_json_value(Value::Array(entities), Some(&schema))
            .map_err(|e| format!("entities: {e:?}"))?;
        Ok(Cedar {
            schema,
            permissions,
            categories,
            entities,
            schema_text,
            policies_text: format!("{permissions_text}{categories_text}"),
            authorizer: Authorizer::new(),
        })
    }

    /// Strict validation of both policy sets against the schema: the error messages.
    pub fn validate(&self) -> Vec<String> {
        let validator = Validator::new(self.schema.clone());
        [&self.permissions, &self.categories]
            .into_iter()
            .flat_map(|set| {
                validator
                    .validate(set, ValidationMode::Strict)
                    .validation_errors()
                    .map(|e| e.to_string())
                    .collect::<Vec<_>>()
            })
            .collect()
    }

    /// The permission checks as Cedar requests, validated against the schema.
    pub fn permission_requests(&self, checks: &[AuthorizeRequest]) -> Result<Vec<Request>, String> {
        checks
            .iter()
            .map(|check| {
                Request::new(
                    uid("User", &check.user)?,
                    uid("Action", &check.action)?,
                    uid("Group", &check.resource.group)?,
                    Context::empty(),
                    Some(&self.schema),
                )
                .map_err(|e| format!("request: {e:?}"))
            })
            .collect()
    }

    /// One request per product of each page: `buy` of its category by the buying group.
    pub fn category_requests(&self, pages: &[BadgeRequest]) -> Result<Vec<Request>, String> {
        let mut requests = Vec::new();
        for page in pages {
            for product in &page.products {
                requests.push(
                    Request::new(
                        uid("Group", &page.group)?,
                        uid("Action", "buy")?,
                        uid("Category", &product.category)?,
                        Context::empty(),
                        Some(&self.schema),
                    )
                    .map_err(|e| format!("request: {e:?}"))?,
                );
            }
        }
        Ok(requests)
    }

    pub fn allowed(&self, request: &Request) -> bool {
        self.authorizer
            .is_authorized(request, &self.permissions, &self.entities)
            .decision()
            == Decision::Allow
    }

    /// Whether a `buy` request is denied, i.e. the product is blocked.
    pub fn blocked(&self, request: &Request) -> bool {
        self.authorizer
            .is_authorized(request, &self.categories, &self.entities)
            .decision()
            == Decision::Deny
    }
}

// ─── Rego (regorus) ──────────────────────────────────────────────────────────────────

/// The Rego policy of both questions.
pub const REGO_POLICY: &str = r#"package procura

import rego.v1

# Permission checks: some assignment of the user grants the action at the group or one of
# its ancestors (an assignment covers its group's subgroups).
default allow := false

allow if {
	some assignment in data.users[input.user].roles
	data.roles[assignment.role][input.action]
	assignment.group in data.groups[input.group].ancestors
}

# Category restriction: the products of the input blocked for the buying group.
blocked contains product.id if {
	some product in input.products
	some key in category_keys(product.category)
	some rule in data.blocks[key]
	in_scope(rule, input.group)
}

# "c07/s11/l05" → {"c07", "c07/s11", "c07/s11/l05"}: the category and its ancestors.
category_keys(category) := {key |
	parts := split(category, "/")
	some i in numbers.range(1, count(parts))
	key := concat("/", array.slice(parts, 0, i))
}

in_scope(rule, group) if {
	targeted(rule, group)
	not excepted(rule, group)
}

targeted(rule, _) if rule.all

targeted(rule, group) if {
	some target in rule.targets
	target in data.groups[group].ancestors
}

targeted(rule, group) if group in rule.only

excepted(rule, group) if {
	some exception in rule.except
	exception in data.groups[group].ancestors
}
"#;

/// The Rego side: an engine with the policy and the data document loaded.
#[derive(Clone)]
pub struct Rego {
    engine: regorus::Engine,
}

fn rego_value(value: &Value) -> Result<regorus::Value, String> {
    regorus::Value::from_json_str(&value.to_string()).map_err(|e| format!("rego value: {e}"))
}

impl Rego {
    /// The data document: groups with their ancestors, users with their assignments,
    /// roles with their actions, block rules by category.
    pub fn data(org: &Org, blocks: &[BlockSpec]) -> Value {
        let groups: serde_json::Map<String, Value> = (0..org.groups.len())
            .map(|g| {
                let ancestors: Vec<&str> = org
                    .ancestors(g)
                    .into_iter()
                    .map(|a| org.groups[a].name.as_str())
                    .collect();
                (
                    org.groups[g].name.clone(),
                    json!({ "ancestors": ancestors }),
                )
            })
            .collect();
        let users: serde_json::Map<String, Value> = org
            .directory
            .users
            .iter()
            .map(|u| {
                let roles: Vec<Value> = u
                    .roles
                    .iter()
                    .map(|a| json!({ "role": a.role, "group": a.group }))
                    .collect();
                (u.id.clone(), json!({ "roles": roles }))
            })
            .collect();
        let roles: serde_json::Map<String, Value> = role_actions()
            .into_iter()
            .map(|(role, actions)| {
                let set: serde_json::Map<String, Value> = actions
                    .into_iter()
                    .map(|a| (a, Value::Bool(true)))
                    .collect();
                (role, Value::Object(set))
            })
            .collect();
        let mut by_category: BTreeMap<&str, Vec<Value>> = BTreeMap::new();
        for block in blocks {
            let name = |g: &usize| org.groups[*g].name.clone();
            let rule = json!({
                "rule": block.name,
                "all": block.scope.all,
                "targets": block.scope.targets.iter().filter(|(_, only)| !only).map(|(g, _)| name(g)).collect::<Vec<_>>(),
                "only": block.scope.targets.iter().filter(|(_, only)| *only).map(|(g, _)| name(g)).collect::<Vec<_>>(),
                "except": block.scope.except.iter().map(name).collect::<Vec<_>>(),
            });
            for category in &block.categories {
                by_category.entry(category).or_default().push(rule.clone());
            }
        }
        json!({ "groups": groups, "users": users, "roles": roles, "blocks": by_category })
    }

    pub fn new(org: &Org, blocks: &[BlockSpec]) -> Result<Rego, String> {
        let mut engine = regorus::Engine::new();
        engine
            .add_policy("procura.rego".into(), REGO_POLICY.into())
            .map_err(|e| format!("rego policy: {e}"))?;
        engine
            .add_data(rego_value(&Rego::data(org, blocks))?)
            .map_err(|e| format!("rego data: {e}"))?;
        Ok(Rego { engine })
    }

    /// The permission checks as Rego inputs.
    pub fn permission_inputs(checks: &[AuthorizeRequest]) -> Result<Vec<regorus::Value>, String> {
        checks
            .iter()
            .map(|c| {
                rego_value(&json!({
                    "user": c.user, "action": c.action, "group": c.resource.group,
                }))
            })
            .collect()
    }

    /// One input per page: the buying group and its products.
    pub fn category_inputs(pages: &[BadgeRequest]) -> Result<Vec<regorus::Value>, String> {
        pages
            .iter()
            .map(|page| {
                let products: Vec<Value> = page
                    .products
                    .iter()
                    .map(|p| json!({ "id": p.id, "category": p.category }))
                    .collect();
                rego_value(&json!({ "group": page.group, "products": products }))
            })
            .collect()
    }

    pub fn allowed(&mut self, input: &regorus::Value) -> Result<bool, String> {
        self.engine.set_input(input.clone());
        let value = self
            .engine
            .eval_rule("data.procura.allow".into())
            .map_err(|e| format!("rego allow: {e}"))?;
        Ok(value == regorus::Value::Bool(true))
    }

    /// The ids of the page's blocked products.
    pub fn blocked(&mut self, input: &regorus::Value) -> Result<Vec<String>, String> {
        self.engine.set_input(input.clone());
        let value = self
            .engine
            .eval_rule("data.procura.blocked".into())
            .map_err(|e| format!("rego blocked: {e}"))?;
        let set = value.as_set().map_err(|e| format!("rego blocked: {e}"))?;
        Ok(set
            .iter()
            .filter_map(|v| v.as_string().ok().map(|s| s.to_string()))
            .collect())
    }
}

// ─── Procura, the same questions ─────────────────────────────────────────────────────

/// Procura's answer to a permission check.
pub fn procura_allowed(engine: &procura::Engine, check: &AuthorizeRequest) -> Result<bool, String> {
    match engine.authorize(check) {
        procura::contract::Answer::Success { result } => {
            Ok(result.decision == procura::contract::Permission::Allow)
        }
        procura::contract::Answer::Failure { errors } => Err(format!("{errors:?}")),
    }
}

/// Procura's blocked products of a page (badges whose verdict is `blocked`).
pub fn procura_blocked(
    engine: &procura::Engine,
    page: &BadgeRequest,
) -> Result<Vec<String>, String> {
    match engine.badges(page) {
        procura::contract::Answer::Success { result } => Ok(result
            .badges
            .into_iter()
            .filter(|b| b.verdict == procura::contract::Verdict::Blocked)
            .map(|b| b.product)
            .collect()),
        procura::contract::Answer::Failure { errors } => Err(format!("{errors:?}")),
    }
}

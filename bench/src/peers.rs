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
//!
//! **Each peer twice**: at its default configuration ([`Cedar`]: one policy set per
//! question; [`Rego`]: the tree-walking interpreter of `regorus::Engine`) and at the
//! fastest one a performance-minded user would pick ([`CedarSliced`]: the same policies
//! sliced per action and per category, so a request meets only the policies that can
//! apply; [`RegoRvm`]: the same policy compiled to regorus's register VM). The floor
//! beside them is [`crate::reference::Reference`], the two questions hand-indexed in Rust.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::str::FromStr;

use cedar_policy::{
    Authorizer, Context, Decision, Entities, EntityUid, Policy, PolicySet, Request, Schema,
    ValidationMode, Validator,
};
use procura::contract::{AuthorizeRequest, BadgeRequest};
use regorus::languages::rego::compiler::Compiler;
use regorus::rvm::RegoVM;
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

    /// How many of the page's products are blocked (what the bench counts).
    pub fn blocked_count(&mut self, input: &regorus::Value) -> Result<usize, String> {
        self.engine.set_input(input.clone());
        let value = self
            .engine
            .eval_rule("data.procura.blocked".into())
            .map_err(|e| format!("rego blocked: {e}"))?;
        Ok(value
            .as_set()
            .map_err(|e| format!("rego blocked: {e}"))?
            .len())
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

// ─── Cedar, sliced ───────────────────────────────────────────────────────────────────

/// Cedar as a performance-minded user deploys it: the same schema, policies and entities
/// as [`Cedar`], but each request is authorized against a policy set holding only the
/// policies that can apply to it. Cedar evaluates every policy of the set it is given
/// (its policy-set index narrows nothing by attribute), so slicing is what such a user
/// does by hand:
/// - permission checks: one set per action, with the `permit`s of the roles that grant it;
/// - category restriction: one set per category of the tree (5,120), with the purchases
///   `permit` and the `forbid`s naming the category or one of its ancestors.
///
/// Choosing the slice (a hash lookup by action or category id) is part of every timed
/// call. The policies are the very ones of [`Cedar`], found by their `@id` annotations.
pub struct CedarSliced {
    by_action: HashMap<String, PolicySet>,
    by_category: HashMap<String, PolicySet>,
    empty: PolicySet,
    entities: Entities,
    authorizer: Authorizer,
}

impl CedarSliced {
    pub fn new(cedar: &Cedar, org: &Org, blocks: &[BlockSpec]) -> Result<CedarSliced, String> {
        let add = |set: &mut PolicySet, policy: &Policy| {
            set.add(policy.clone())
                .map_err(|e| format!("sliced policy set: {e}"))
        };
        // Permission checks: the role permits by action.
        let roles = role_actions();
        let mut by_action: HashMap<String, PolicySet> = crate::workload::all_actions()
            .into_iter()
            .map(|a| (a.to_owned(), PolicySet::new()))
            .collect();
        for policy in cedar.permissions.policies() {
            let role = policy
                .annotation("id")
                .and_then(|id| id.strip_prefix("role "))
                .ok_or_else(|| format!("permission policy without a role id: {policy}"))?;
            for action in roles.get(role).into_iter().flatten() {
                let set = by_action
                    .get_mut(action)
                    .ok_or_else(|| format!("unknown action {action}"))?;
                add(set, policy)?;
            }
        }
        // Category restriction: the forbids by the categories they name.
        let mut by_name: HashMap<&str, &Policy> = HashMap::new();
        for policy in cedar.categories.policies() {
            let id = policy
                .annotation("id")
                .ok_or_else(|| format!("category policy without an id: {policy}"))?;
            by_name.insert(id, policy);
        }
        let purchases = *by_name
            .get("purchases")
            .ok_or("no purchases permit".to_owned())?;
        let mut naming: HashMap<&str, Vec<usize>> = HashMap::new();
        for (i, block) in blocks.iter().enumerate() {
            for category in &block.categories {
                naming.entry(category).or_default().push(i);
            }
        }
        let mut by_category = HashMap::new();
        for category in org.top.iter().chain(&org.mid).chain(&org.leaves) {
            let prefixes = category
                .match_indices('/')
                .map(|(i, _)| &category[..i])
                .chain(std::iter::once(category.as_str()));
            let applying: BTreeSet<usize> = prefixes
                .flat_map(|p| naming.get(p).into_iter().flatten().copied())
                .collect();
            let mut set = PolicySet::new();
            add(&mut set, purchases)?;
            for i in applying {
                let name = blocks[i].name.as_str();
                let policy = by_name
                    .get(name)
                    .ok_or_else(|| format!("no forbid for {name}"))?;
                add(&mut set, policy)?;
            }
            by_category.insert(category.clone(), set);
        }
        Ok(CedarSliced {
            by_action,
            by_category,
            empty: PolicySet::new(),
            entities: cedar.entities.clone(),
            authorizer: Authorizer::new(),
        })
    }

    /// How many policies the largest slice of each kind holds: `(permissions, categories)`.
    pub fn largest_slices(&self) -> (usize, usize) {
        let largest = |sets: &HashMap<String, PolicySet>| {
            sets.values()
                .map(|s| s.policies().count())
                .max()
                .unwrap_or(0)
        };
        (largest(&self.by_action), largest(&self.by_category))
    }

    /// A permission check (`action` is the request's action id) against its action's slice.
    pub fn allowed(&self, action: &str, request: &Request) -> bool {
        let set = self.by_action.get(action).unwrap_or(&self.empty);
        self.authorizer
            .is_authorized(request, set, &self.entities)
            .decision()
            == Decision::Allow
    }

    /// Whether a `buy` request of a product in `category` is denied, against the
    /// category's slice (a category outside the tree gets no policy: denied, as by
    /// [`Cedar`], whose `permit` needs a known `Category`).
    pub fn blocked(&self, category: &str, request: &Request) -> bool {
        let set = self.by_category.get(category).unwrap_or(&self.empty);
        self.authorizer
            .is_authorized(request, set, &self.entities)
            .decision()
            == Decision::Deny
    }
}

/// The permission checks' actions, in order (the slice key of each Cedar request).
pub fn check_actions(checks: &[AuthorizeRequest]) -> Vec<&str> {
    checks.iter().map(|c| c.action.as_str()).collect()
}

/// The pages' product categories, in request order (the slice key of each Cedar request).
pub fn page_categories(pages: &[BadgeRequest]) -> Vec<&str> {
    pages
        .iter()
        .flat_map(|p| p.products.iter().map(|product| product.category.as_str()))
        .collect()
}

// ─── Rego on regorus's register VM (RVM) ─────────────────────────────────────────────

/// regorus's fastest configuration: the same policy and data document as [`Rego`], the
/// policy compiled once per entry point (`Engine::compile_with_entrypoint`, then
/// `languages::rego::compiler::Compiler::compile_from_policy`) into an RVM program, and
/// one `rvm::RegoVM` per entry point that keeps the program and the data loaded; a query
/// sets the input and executes (cargo feature `rvm` of regorus 0.14).
pub struct RegoRvm {
    allow: RegoVM,
    blocked: RegoVM,
}

impl RegoRvm {
    fn vm(data: &regorus::Value, entry_point: &str) -> Result<RegoVM, String> {
        let mut engine = regorus::Engine::new();
        engine
            .add_policy("procura.rego".into(), REGO_POLICY.into())
            .map_err(|e| format!("rego policy: {e}"))?;
        let compiled = engine
            .compile_with_entrypoint(&entry_point.into())
            .map_err(|e| format!("rego compile {entry_point}: {e}"))?;
        let program = Compiler::compile_from_policy(&compiled, &[entry_point])
            .map_err(|e| format!("rvm compile {entry_point}: {e}"))?;
        let mut vm = RegoVM::new_with_policy(compiled);
        vm.load_program(program);
        // The default limit (25,000 instructions) is a guard for untrusted policies; a page
        // of 25 products against 10,000 rules needs more.
        vm.set_max_instructions(100_000_000);
        vm.set_data(data.clone())
            .map_err(|e| format!("rvm data: {e}"))?;
        Ok(vm)
    }

    pub fn new(org: &Org, blocks: &[BlockSpec]) -> Result<RegoRvm, String> {
        let data = rego_value(&Rego::data(org, blocks))?;
        Ok(RegoRvm {
            allow: RegoRvm::vm(&data, "data.procura.allow")?,
            blocked: RegoRvm::vm(&data, "data.procura.blocked")?,
        })
    }

    /// A permission check; the inputs are [`Rego::permission_inputs`].
    pub fn allowed(&mut self, input: &regorus::Value) -> Result<bool, String> {
        self.allow.set_input(input.clone());
        let value = self
            .allow
            .execute()
            .map_err(|e| format!("rvm allow: {e}"))?;
        Ok(value == regorus::Value::Bool(true))
    }

    /// How many of the page's products are blocked; the inputs are
    /// [`Rego::category_inputs`].
    pub fn blocked_count(&mut self, input: &regorus::Value) -> Result<usize, String> {
        self.blocked.set_input(input.clone());
        let value = self
            .blocked
            .execute()
            .map_err(|e| format!("rvm blocked: {e}"))?;
        if value == regorus::Value::Undefined {
            return Ok(0);
        }
        Ok(value
            .as_set()
            .map_err(|e| format!("rvm blocked: {e}"))?
            .len())
    }

    /// The ids of the page's blocked products.
    pub fn blocked(&mut self, input: &regorus::Value) -> Result<Vec<String>, String> {
        self.blocked.set_input(input.clone());
        let value = self
            .blocked
            .execute()
            .map_err(|e| format!("rvm blocked: {e}"))?;
        if value == regorus::Value::Undefined {
            return Ok(Vec::new());
        }
        let set = value.as_set().map_err(|e| format!("rvm blocked: {e}"))?;
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

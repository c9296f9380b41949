//! The floor: the permission check and the category restriction hand-indexed in plain Rust,
//! from the generator's own description of the organisation and its block rules (as the
//! peers are, never from Procura's compiler). No policy language, no general evaluator, no
//! answer beyond a boolean: what a purpose-built service would do for these two questions,
//! and so the least time they can take on this machine.
//!
//! - **Permission checks**: `(user, group) → action bits` (one bit per action, the role
//!   assignments of the user at that group OR-ed together, `extends` flattened), then a
//!   walk up the group's parents: allowed when some ancestor's bits hold the action.
//! - **Category restriction**: block rules keyed by the category path they name; a product
//!   looks up each prefix of its category (`c07`, `c07/s11`, `c07/s11/l05`) and tests the
//!   scopes of the rules found against the buying group (a walk up its parents).
//!
//! Hash maps with `rustc-hash`'s fixed-key hasher (only looked up, never iterated).

use std::collections::HashMap;

use rustc_hash::FxBuildHasher;

use crate::workload::{all_actions, role_actions, BlockSpec, Org};

type FxHashMap<K, V> = HashMap<K, V, FxBuildHasher>;

/// A block rule's scope, by group index.
#[derive(Debug, Clone)]
struct Scope {
    all: bool,
    /// Groups covered with their subgroups.
    targets: Vec<u32>,
    /// Groups covered alone.
    only: Vec<u32>,
    /// Groups (with their subgroups) excepted.
    except: Vec<u32>,
}

/// The hand-indexed reference.
#[derive(Debug, Clone)]
pub struct Reference {
    users: FxHashMap<String, u32>,
    groups: FxHashMap<String, u32>,
    parents: Vec<Option<u32>>,
    actions: FxHashMap<String, u32>,
    /// `(user, group)` → the bits of the actions the user's roles at that group grant.
    grants: FxHashMap<(u32, u32), u32>,
    /// Category path named by a block rule → the scopes of those rules.
    blocks: FxHashMap<String, Vec<Scope>>,
}

impl Reference {
    pub fn new(org: &Org, blocks: &[BlockSpec]) -> Reference {
        let group_index = |g: usize| u32::try_from(g).unwrap_or(u32::MAX);
        let groups: FxHashMap<String, u32> = org
            .groups
            .iter()
            .enumerate()
            .map(|(i, g)| (g.name.clone(), group_index(i)))
            .collect();
        let parents = org
            .groups
            .iter()
            .map(|g| g.parent.map(group_index))
            .collect();
        let mut actions_list = all_actions();
        actions_list.sort_unstable();
        let actions: FxHashMap<String, u32> = actions_list
            .iter()
            .enumerate()
            .map(|(i, a)| ((*a).to_owned(), u32::try_from(i).unwrap_or(31)))
            .collect();
        let role_bits: FxHashMap<String, u32> = role_actions()
            .into_iter()
            .map(|(role, granted)| {
                let bits = granted
                    .iter()
                    .filter_map(|a| actions.get(a))
                    .fold(0u32, |bits, bit| bits | (1 << bit));
                (role, bits)
            })
            .collect();
        let mut users = FxHashMap::default();
        let mut grants: FxHashMap<(u32, u32), u32> = FxHashMap::default();
        for (i, user) in org.directory.users.iter().enumerate() {
            let u = u32::try_from(i).unwrap_or(u32::MAX);
            users.insert(user.id.clone(), u);
            for assignment in &user.roles {
                if let (Some(&g), Some(&bits)) = (
                    groups.get(&assignment.group),
                    role_bits.get(&assignment.role),
                ) {
                    *grants.entry((u, g)).or_default() |= bits;
                }
            }
        }
        let mut by_category: FxHashMap<String, Vec<Scope>> = FxHashMap::default();
        for block in blocks {
            let scope = &block.scope;
            let scope = Scope {
                all: scope.all,
                targets: scope
                    .targets
                    .iter()
                    .filter(|(_, only)| !only)
                    .map(|(g, _)| group_index(*g))
                    .collect(),
                only: scope
                    .targets
                    .iter()
                    .filter(|(_, only)| *only)
                    .map(|(g, _)| group_index(*g))
                    .collect(),
                except: scope.except.iter().map(|g| group_index(*g)).collect(),
            };
            for category in &block.categories {
                by_category
                    .entry(category.clone())
                    .or_default()
                    .push(scope.clone());
            }
        }
        Reference {
            users,
            groups,
            parents,
            actions,
            grants,
            blocks: by_category,
        }
    }

    /// True when `group` is `ancestor` or lies below it.
    fn within(&self, group: u32, ancestor: u32) -> bool {
        let mut current = Some(group);
        while let Some(g) = current {
            if g == ancestor {
                return true;
            }
            current = self.parents.get(g as usize).copied().flatten();
        }
        false
    }

    /// Whether `user` may do `action` in `group`: some role assignment of the user at the
    /// group or one of its ancestors grants the action. Unknown names are denied.
    pub fn allowed(&self, user: &str, action: &str, group: &str) -> bool {
        let (Some(&u), Some(&a), Some(&g)) = (
            self.users.get(user),
            self.actions.get(action),
            self.groups.get(group),
        ) else {
            return false;
        };
        let bit = 1u32 << a;
        let mut current = Some(g);
        while let Some(g) = current {
            if self.grants.get(&(u, g)).is_some_and(|bits| bits & bit != 0) {
                return true;
            }
            current = self.parents.get(g as usize).copied().flatten();
        }
        false
    }

    /// Whether a product of `category` is blocked for `group`: a block rule on the category
    /// or one of its ancestors has the group in scope.
    pub fn blocked(&self, group: &str, category: &str) -> bool {
        let Some(&g) = self.groups.get(group) else {
            return false;
        };
        let prefixes = category
            .match_indices('/')
            .map(|(i, _)| &category[..i])
            .chain(std::iter::once(category));
        for prefix in prefixes {
            if let Some(scopes) = self.blocks.get(prefix) {
                if scopes.iter().any(|s| self.applies(s, g)) {
                    return true;
                }
            }
        }
        false
    }

    fn applies(&self, scope: &Scope, group: u32) -> bool {
        let targeted = scope.all
            || scope.only.contains(&group)
            || scope.targets.iter().any(|&t| self.within(group, t));
        targeted && !scope.except.iter().any(|&e| self.within(group, e))
    }
}

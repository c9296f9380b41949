//! The deterministic workload generator: an organisation (about 200 groups, 5,120
//! categories, 10,000 users), policies of 100, 1,000 and 10,000 rules over it, and the
//! requests every benchmark sends (carts of 1, 10, 50 and 200 lines, 1,000 product badges,
//! 1,000 permission checks, an approval-heavy order and its workflow with 10 events).
//!
//! Everything comes from fixed seeds through [`Rng`] (splitmix64), so every run on every
//! machine sees byte-identical workloads. Carts, badges and permission checks are drawn
//! independently of the policy, so the same cart meets the 100-, 1,000- and 10,000-rule
//! policies: only the rules change between sizes.
//!
//! The generator also keeps a structured description of what it wrote ([`BlockSpec`],
//! [`role_actions`]) from which the peer engines' policies are translated (`crate::peers`),
//! independently of Procura's own compiler.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use procura::contract::{
    Amount, AuthorizeRequest, BadgeRequest, BudgetSpend, CheckoutRequest, Context, Directory,
    MoneyValue, Order, OrderLine, Product, ProgressRequest, Resource, RoleAssignment, User,
    WorkflowEvent,
};

/// Rule counts of the three policies.
pub const SIZES: [usize; 3] = [100, 1_000, 10_000];
/// Line counts of the four carts.
pub const CART_SIZES: [usize; 4] = [1, 10, 50, 200];
/// Products on the badge page.
pub const BADGE_PRODUCTS: usize = 1_000;
/// Permission checks in the permission workload.
pub const AUTHORIZE_CHECKS: usize = 1_000;
/// Buyers and products per buyer in the category-restriction workload.
pub const CATEGORY_BUYERS: usize = 20;
pub const CATEGORY_PRODUCTS: usize = 25;
/// Users in the directory.
pub const USERS: usize = 10_000;
/// Events in the workflow-progress request.
pub const PROGRESS_EVENTS: usize = 10;

const TOP_CATEGORIES: usize = 20;
const MID_PER_TOP: usize = 15;
const LEAVES_PER_MID: usize = 16;
const PRODUCTS_PER_LEAF: usize = 4;
const DIVISIONS: usize = 8;
const DEPTS_PER_DIVISION: usize = 4;
const TEAMS_PER_DEPT: usize = 5;
const SUPPLIERS: u64 = 40;

/// A tiny, fast, well-mixed PRNG (splitmix64): no `rand` dependency, same stream everywhere.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }

    /// A number in `lo..=hi`.
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next_u64() % (hi - lo + 1)
    }

    /// True with probability `percent`/100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next_u64() % 100 < percent
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Which level of the group tree a group sits at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Org,
    Division,
    Department,
    Team,
}

#[derive(Debug, Clone)]
pub struct GroupDef {
    pub name: String,
    pub title: String,
    pub parent: Option<usize>,
    pub level: Level,
    pub children: Vec<usize>,
}

/// The organisation every policy is written for: groups, categories, products, people.
#[derive(Debug, Clone)]
pub struct Org {
    pub groups: Vec<GroupDef>,
    pub divisions: Vec<usize>,
    pub departments: Vec<usize>,
    pub teams: Vec<usize>,
    /// Category ids: `c07`, `c07/s11`, `c07/s11/l05`.
    pub top: Vec<String>,
    pub mid: Vec<String>,
    pub leaves: Vec<String>,
    pub directory: Directory,
    /// Per team: its lead's user id and its members' ids.
    pub team_people: BTreeMap<usize, (String, Vec<String>)>,
}

impl Org {
    /// True when `group` is `ancestor` or lies below it.
    pub fn is_within(&self, group: usize, ancestor: usize) -> bool {
        let mut current = Some(group);
        while let Some(g) = current {
            if g == ancestor {
                return true;
            }
            current = self.groups[g].parent;
        }
        false
    }

    /// The group and its ancestors, nearest first.
    pub fn ancestors(&self, group: usize) -> Vec<usize> {
        let mut out = vec![group];
        let mut current = self.groups[group].parent;
        while let Some(g) = current {
            out.push(g);
            current = self.groups[g].parent;
        }
        out
    }

    /// The group and every group below it.
    pub fn subtree(&self, group: usize) -> Vec<usize> {
        let mut out = vec![group];
        let mut i = 0;
        while i < out.len() {
            out.extend(self.groups[out[i]].children.iter().copied());
            i += 1;
        }
        out
    }

    pub fn group_id(&self, name: &str) -> Option<usize> {
        self.groups.iter().position(|g| g.name == name)
    }

    /// A product id of a leaf category: `P0742-2` is product 2 of leaf 742.
    pub fn product(&self, leaf: usize, k: usize) -> String {
        format!("P{leaf:04}-{k}")
    }

    /// The list price of a product, a whole number of cents in CAD.
    pub fn price_cents(&self, leaf: usize, k: usize) -> u64 {
        let mut rng = Rng::new(0x5EED_0000 ^ ((leaf as u64) << 8) ^ k as u64);
        let top = leaf / (MID_PER_TOP * LEAVES_PER_MID);
        // Some top categories are cheap consumables, some are equipment.
        let scale = [5, 20, 80, 300, 1_500][top % 5];
        rng.range(scale * 50, scale * 150)
    }
}

/// An amount of `cents` hundredths, e.g. `cents(4250)` is `"42.50"`.
pub fn cents(cents_value: u64) -> Amount {
    Amount::parse(&money(cents_value)).unwrap_or_default()
}

/// `4250` → `"42.50"`.
pub fn money(cents_value: u64) -> String {
    format!("{}.{:02}", cents_value / 100, cents_value % 100)
}

/// The policy's own roles: name, base role, actions (as written in the policy).
pub const ROLES: &[(&str, Option<&str>, &[&str])] = &[
    ("team_lead", Some("requester"), &["view_reports"]),
    (
        "dept_manager",
        Some("team_lead"),
        &["view_order_history", "approve_capex"],
    ),
    (
        "division_head",
        Some("dept_manager"),
        &["view_invoices", "view_contracts"],
    ),
    (
        "controller",
        None,
        &[
            "approve_orders",
            "view_invoices",
            "view_credit_notes",
            "view_reports",
        ],
    ),
    (
        "procurement",
        None,
        &["approve_orders", "view_reports", "manage_catalog"],
    ),
    (
        "it_asset_manager",
        None,
        &["approve_orders", "view_order_history"],
    ),
    (
        "auditor",
        None,
        &[
            "view_invoices",
            "view_credit_notes",
            "view_order_history",
            "view_reports",
            "view_contracts",
        ],
    ),
    ("cfo", Some("finance"), &["approve_orders", "approve_capex"]),
];

/// Actions the policy adds to the built-in vocabulary.
pub const DECLARED_ACTIONS: &[&str] = &["approve_capex", "view_contracts", "manage_catalog"];

/// The fourteen built-in actions (docs/language.md §4): the language's vocabulary.
pub use procura::BUILTIN_ACTIONS;

/// Every action a permission check may name.
pub fn all_actions() -> Vec<&'static str> {
    BUILTIN_ACTIONS
        .iter()
        .chain(DECLARED_ACTIONS)
        .copied()
        .collect()
}

/// Every role (seed roles included) with every action it grants, `extends` flattened: the
/// documented semantics, written out independently of Procura's checker for the peers.
pub fn role_actions() -> BTreeMap<String, BTreeSet<String>> {
    let set = |items: &[&str]| {
        items
            .iter()
            .map(|s| (*s).to_owned())
            .collect::<BTreeSet<_>>()
    };
    let mut roles: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    roles.insert("admin".into(), set(BUILTIN_ACTIONS));
    roles.insert(
        "requester".into(),
        set(&["place_orders", "add_payment_methods", "approve_orders"]),
    );
    roles.insert(
        "finance".into(),
        set(&[
            "view_invoices",
            "view_credit_notes",
            "view_order_history",
            "view_reports",
        ]),
    );
    for (name, base, actions) in ROLES {
        let mut granted = set(actions);
        if let Some(base) = base {
            granted.extend(roles[*base].iter().cloned());
        }
        roles.insert((*name).to_owned(), granted);
    }
    roles
}

fn user(id: String, manager: Option<String>, limit: Option<u64>) -> User {
    User {
        id,
        name: None,
        manager,
        approval_limit: limit.map(|c| MoneyValue {
            amount: cents(c),
            currency: "CAD".into(),
        }),
        self_approval_limit: None,
        roles: Vec::new(),
        locale: None,
    }
}

fn assign(user: &mut User, role: &str, group: &str) {
    user.roles.push(RoleAssignment {
        role: role.into(),
        group: group.into(),
    });
}

/// The organisation: 201 groups (org → 8 divisions → 32 departments → 160 teams), 5,120
/// categories (20 → 300 → 4,800 leaves, 4 products each) and 10,000 users with managers,
/// approval limits and role assignments.
pub fn org() -> Org {
    let mut groups = vec![GroupDef {
        name: "org".into(),
        title: "Benchmark Corp".into(),
        parent: None,
        level: Level::Org,
        children: Vec::new(),
    }];
    let (mut divisions, mut departments, mut teams) = (Vec::new(), Vec::new(), Vec::new());
    for d in 0..DIVISIONS {
        let div = groups.len();
        groups.push(GroupDef {
            name: format!("div{d}"),
            title: format!("Division {d}"),
            parent: Some(0),
            level: Level::Division,
            children: Vec::new(),
        });
        groups[0].children.push(div);
        divisions.push(div);
        for p in 0..DEPTS_PER_DIVISION {
            let dept = groups.len();
            groups.push(GroupDef {
                name: format!("dept{d}_{p}"),
                title: format!("Department {d}.{p}"),
                parent: Some(div),
                level: Level::Department,
                children: Vec::new(),
            });
            groups[div].children.push(dept);
            departments.push(dept);
            for t in 0..TEAMS_PER_DEPT {
                let team = groups.len();
                groups.push(GroupDef {
                    name: format!("team{d}_{p}_{t}"),
                    title: format!("Team {d}.{p}.{t}"),
                    parent: Some(dept),
                    level: Level::Team,
                    children: Vec::new(),
                });
                groups[dept].children.push(team);
                teams.push(team);
            }
        }
    }
    let mut top = Vec::new();
    let mut mid = Vec::new();
    let mut leaves = Vec::new();
    for c in 0..TOP_CATEGORIES {
        top.push(format!("c{c:02}"));
        for s in 0..MID_PER_TOP {
            mid.push(format!("c{c:02}/s{s:02}"));
            for l in 0..LEAVES_PER_MID {
                leaves.push(format!("c{c:02}/s{s:02}/l{l:02}"));
            }
        }
    }
    let mut org = Org {
        groups,
        divisions,
        departments,
        teams,
        top,
        mid,
        leaves,
        directory: Directory::default(),
        team_people: BTreeMap::new(),
    };
    org.directory = people(&mut org);
    org
}

/// 10,000 users: a CEO, 8 division heads, 32 department managers, 160 team leads with 61
/// members each, and 39 specialists (controllers, procurement, IT asset managers,
/// auditors, administrators); some members hold a second role.
fn people(org: &mut Org) -> Directory {
    let mut rng = Rng::new(0xD1EC_7012);
    let mut users: Vec<User> = Vec::with_capacity(USERS);
    let id = |n: usize| format!("u{n:05}@corp.example");
    let mut ceo = user(id(0), None, Some(1_000_000_000));
    assign(&mut ceo, "cfo", "org");
    assign(&mut ceo, "division_head", "org");
    users.push(ceo);
    let mut head_of = BTreeMap::new();
    for &div in &org.divisions.clone() {
        let n = users.len();
        let mut head = user(id(n), Some(id(0)), Some(50_000_000));
        assign(&mut head, "division_head", &org.groups[div].name);
        head_of.insert(div, id(n));
        users.push(head);
    }
    for &dept in &org.departments.clone() {
        let n = users.len();
        let div = org.groups[dept].parent.unwrap_or(0);
        let mut manager = user(id(n), head_of.get(&div).cloned(), Some(10_000_000));
        assign(&mut manager, "dept_manager", &org.groups[dept].name);
        head_of.insert(dept, id(n));
        users.push(manager);
    }
    let teams = org.teams.clone();
    for &team in &teams {
        let dept = org.groups[team].parent.unwrap_or(0);
        let lead_id = id(users.len());
        let mut lead = user(
            lead_id.clone(),
            head_of.get(&dept).cloned(),
            Some(2_000_000),
        );
        assign(&mut lead, "team_lead", &org.groups[team].name);
        users.push(lead);
        let mut members = Vec::new();
        for _ in 0..61 {
            let member_id = id(users.len());
            let mut member = user(member_id.clone(), Some(lead_id.clone()), None);
            assign(&mut member, "requester", &org.groups[team].name);
            if rng.chance(10) {
                member.self_approval_limit = Some(MoneyValue {
                    amount: cents(50_000),
                    currency: "CAD".into(),
                });
            }
            if rng.chance(4) {
                let dept_name = org.groups[dept].name.clone();
                assign(&mut member, "auditor", &dept_name);
            }
            if rng.chance(3) {
                let other = *rng.pick(&teams);
                let other_name = org.groups[other].name.clone();
                assign(&mut member, "team_lead", &other_name);
            }
            members.push(member_id);
            users.push(member);
        }
        org.team_people.insert(team, (lead_id, members));
    }
    let specialists: [(&str, usize); 5] = [
        ("controller", 8),
        ("procurement", 8),
        ("it_asset_manager", 8),
        ("auditor", 8),
        ("admin", 7),
    ];
    for (role, count) in specialists {
        for k in 0..count {
            let n = users.len();
            let mut person = user(id(n), Some(id(0)), Some(5_000_000));
            let group = if k % 4 == 3 {
                "org".to_owned()
            } else {
                org.groups[org.divisions[k % org.divisions.len()]]
                    .name
                    .clone()
            };
            assign(&mut person, role, &group);
            users.push(person);
        }
    }
    debug_assert_eq!(users.len(), USERS);
    Directory { users }
}

/// Which buying groups a declaration covers, as written in its `for` clause.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScopeSpec {
    pub all: bool,
    /// `(group, only)`: the group with its subgroups, or (`only`) the group alone.
    pub targets: Vec<(usize, bool)>,
    pub except: Vec<usize>,
}

impl ScopeSpec {
    /// The `for …` clause.
    pub fn text(&self, org: &Org) -> String {
        let mut parts: Vec<String> = Vec::new();
        if self.all {
            parts.push("all".into());
        }
        for (g, only) in &self.targets {
            let name = &org.groups[*g].name;
            parts.push(if *only {
                format!("{name} only")
            } else {
                name.clone()
            });
        }
        let mut text = format!("for {}", parts.join(", "));
        if !self.except.is_empty() {
            let names: Vec<&str> = self
                .except
                .iter()
                .map(|g| org.groups[*g].name.as_str())
                .collect();
            text.push_str(&format!(" except {}", names.join(", ")));
        }
        text
    }

    /// Whether an order under `group` is in scope (docs/language.md §5).
    pub fn covers(&self, org: &Org, group: usize) -> bool {
        let targeted = self.all
            || self.targets.iter().any(|(t, only)| {
                if *only {
                    group == *t
                } else {
                    org.is_within(group, *t)
                }
            });
        targeted && !self.except.iter().any(|e| org.is_within(group, *e))
    }
}

/// An unconditional `block lines in category …` rule, for the peers' translation.
#[derive(Debug, Clone)]
pub struct BlockSpec {
    pub name: String,
    pub categories: Vec<String>,
    pub scope: ScopeSpec,
}

/// A budget, for the consumption the requests carry.
#[derive(Debug, Clone)]
pub struct BudgetSpec {
    pub name: String,
    pub group: usize,
    pub per_user: bool,
    pub amount_cents: u64,
}

/// A generated policy: its source and what the requests and peers need to know about it.
#[derive(Debug, Clone)]
pub struct PolicySpec {
    /// The number of rules: line and order rules, preferences, approval workflows,
    /// budgets, invoice, payment and PO-number rules.
    pub rules: usize,
    pub source: String,
    pub blocks: Vec<BlockSpec>,
    pub budgets: Vec<BudgetSpec>,
    /// How many declarations of each kind.
    pub mix: BTreeMap<&'static str, usize>,
}

/// True when a rule on category `rule` applies to a line in category `line`.
pub fn covers(rule: &str, line: &str) -> bool {
    line == rule || (line.starts_with(rule) && line.as_bytes().get(rule.len()) == Some(&b'/'))
}

struct Gen<'a> {
    org: &'a Org,
    rng: Rng,
    out: String,
    aliases: BTreeSet<String>,
    /// For [`policy_beside`]: a group, and the percentage of the rules that would cover
    /// it that are kept; the others are drawn again until they miss it.
    focus: Option<(usize, u64)>,
}

impl Gen<'_> {
    /// Whether a rule that covers `covers` is drawn again (see [`Gen::focus`]).
    fn redraw(&mut self, covers: impl Fn(usize) -> bool) -> bool {
        match self.focus {
            Some((group, percent)) => covers(group) && !self.rng.chance(percent),
            None => false,
        }
    }

    fn scope(&mut self) -> ScopeSpec {
        loop {
            let scope = self.draw_scope();
            let org = self.org;
            if !self.redraw(|group| scope.covers(org, group)) {
                return scope;
            }
        }
    }

    fn draw_scope(&mut self) -> ScopeSpec {
        let org = self.org;
        let roll = self.rng.below(100);
        let plain = |g: usize| ScopeSpec {
            all: false,
            targets: vec![(g, false)],
            except: Vec::new(),
        };
        match roll {
            0..=5 => ScopeSpec {
                all: true,
                targets: Vec::new(),
                except: Vec::new(),
            },
            6..=24 => plain(*self.rng.pick(&org.divisions)),
            25..=54 => plain(*self.rng.pick(&org.departments)),
            55..=89 => plain(*self.rng.pick(&org.teams)),
            90..=94 => {
                let dept = *self.rng.pick(&org.departments);
                let mut team = *self.rng.pick(&org.teams);
                while org.is_within(team, dept) {
                    team = *self.rng.pick(&org.teams);
                }
                ScopeSpec {
                    all: false,
                    targets: vec![(dept, false), (team, true)],
                    except: Vec::new(),
                }
            }
            _ => {
                let div = *self.rng.pick(&org.divisions);
                let dept = *self.rng.pick(&org.groups[div].children);
                ScopeSpec {
                    all: false,
                    targets: vec![(div, false)],
                    except: vec![dept],
                }
            }
        }
    }

    /// One category at a random depth: 5% top, 25% middle, 70% leaves.
    fn category(&mut self) -> String {
        let roll = self.rng.below(100);
        if roll < 5 {
            self.rng.pick(&self.org.top).clone()
        } else if roll < 30 {
            self.rng.pick(&self.org.mid).clone()
        } else {
            self.rng.pick(&self.org.leaves).clone()
        }
    }

    /// One or (10%) two categories.
    fn categories(&mut self) -> Vec<String> {
        let mut list = vec![self.category()];
        if self.rng.chance(10) {
            let second = self.category();
            if !list.contains(&second) {
                list.push(second);
            }
        }
        list
    }

    /// A category list as written: top-level categories half the time through an alias.
    fn category_list(&mut self, categories: &[String]) -> String {
        let written: Vec<String> = categories
            .iter()
            .map(|c| {
                if !c.contains('/') && self.rng.chance(50) {
                    self.aliases.insert(c.clone());
                    format!("cat_{c}")
                } else {
                    format!("\"{c}\"")
                }
            })
            .collect();
        written.join(", ")
    }

    fn group_name(&mut self, level: Level) -> String {
        let org = self.org;
        let list = match level {
            Level::Org => return "org".into(),
            Level::Division => &org.divisions,
            Level::Department => &org.departments,
            Level::Team => &org.teams,
        };
        org.groups[*self.rng.pick(list)].name.clone()
    }

    fn approver(&mut self) -> String {
        match self.rng.below(10) {
            0 | 1 => "role team_lead in order.group".into(),
            2 => "role dept_manager in order.group".into(),
            3 => format!("role division_head in {}", self.group_name(Level::Division)),
            4 => format!("role controller in {}", self.group_name(Level::Division)),
            5 => "role procurement in org".into(),
            6 => {
                let n = 9 + self.rng.below(32);
                format!("user \"u{n:05}@corp.example\"")
            }
            7 => "manager".into(),
            8 => "management chain until limit covers order.total max 8".into(),
            _ => format!(
                "role it_asset_manager in {}",
                self.group_name(Level::Division)
            ),
        }
    }

    fn approve_clause(&mut self) -> String {
        match self.rng.below(5) {
            0 => "approve any of role team_lead in order.group".into(),
            1 => "approve any of role procurement in org".into(),
            2 => "approve level 2: any of role dept_manager in order.group".into(),
            3 => "approve any of manager".into(),
            _ => format!(
                "approve any of role it_asset_manager in {}",
                self.group_name(Level::Division)
            ),
        }
    }

    fn line_condition(&mut self) -> String {
        match self.rng.below(6) {
            0 => format!("line.quantity > {}", self.rng.range(10, 100)),
            1 => format!("line.unit_price > {}.00 CAD", self.rng.range(100, 2_000)),
            2 => format!("line.amount >= {}.00 CAD", self.rng.range(1_000, 10_000)),
            3 => format!(
                "line.supplier == \"Supplier {}\"",
                self.rng.range(0, SUPPLIERS - 1)
            ),
            4 => format!(
                "line.supplier in [\"Supplier {}\", \"Supplier {}\"]",
                self.rng.range(0, 19),
                self.rng.range(20, SUPPLIERS - 1)
            ),
            _ => format!(
                "line.unit_price > {}.00 CAD and line.quantity >= {}",
                self.rng.range(100, 1_000),
                self.rng.range(2, 10)
            ),
        }
    }

    fn message(&mut self, text: &str, french: &str) {
        let _ = write!(self.out, "  message \"{text}\"");
        if self.rng.chance(50) {
            let _ = write!(self.out, "\n    fr \"{french}\"");
        }
        self.out.push('\n');
    }
}

/// Divides `rules` among the kinds of declaration, the same proportions at every size.
fn mix(rules: usize) -> BTreeMap<&'static str, usize> {
    let share = |percent: usize| rules * percent / 100;
    let mut mix = BTreeMap::new();
    mix.insert("block", share(12));
    mix.insert("restrict", share(8));
    mix.insert("prefer", share(25));
    mix.insert("approval", share(15));
    mix.insert("budget", share(6));
    mix.insert("invoice", share(4));
    mix.insert("order", share(3));
    // One uncategorised line rule, one payment rule, one PO-number rule.
    mix.insert("fixed", 3);
    let used: usize = mix.values().sum();
    mix.insert("warn", rules - used);
    mix
}

/// A policy of `rules` rules over the organisation. The seed depends on the size only, so
/// the policy of each size is always the same.
pub fn policy(org: &Org, rules: usize) -> PolicySpec {
    generate(org, rules, None)
}

/// A policy of `rules` rules of which only about `percent`% can apply to the benchmark
/// buyer's group: the rest are scoped to other groups. `policy_beside(org, 10_000, 10)`
/// puts as many rules in play for a checkout as `policy(org, 1_000)` does, among ten times
/// as many, which is what shows whether checkout indexes rules or scans them.
pub fn policy_beside(org: &Org, rules: usize, percent: u64) -> PolicySpec {
    let (_, group) = buyer(org);
    generate(org, rules, Some((group, percent)))
}

fn generate(org: &Org, rules: usize, focus: Option<(usize, u64)>) -> PolicySpec {
    let mix = mix(rules);
    let mut g = Gen {
        org,
        rng: Rng::new(0x0090_11C7 ^ (rules as u64).wrapping_mul(0x1000_0001)),
        out: String::with_capacity(rules * 260),
        aliases: BTreeSet::new(),
        focus,
    };
    // Blocks first, so that no other unconditional rule is written with a block's scope
    // over the same lines (that is a contradiction, warning P0502).
    let mut blocks = Vec::new();
    let mut blocked_by_scope: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for i in 0..mix["block"] {
        let categories = g.categories();
        let scope = g.scope();
        blocked_by_scope
            .entry(scope.text(org))
            .or_default()
            .extend(categories.iter().cloned());
        blocks.push(BlockSpec {
            name: format!("blk{i}"),
            categories,
            scope,
        });
    }
    let hidden = |scope: &str, categories: &[String], all: bool| {
        blocked_by_scope.get(scope).is_some_and(|blocked| {
            let covered = |c: &String| blocked.iter().any(|b| covers(b, c));
            if all {
                categories.iter().all(covered)
            } else {
                categories.iter().any(covered)
            }
        })
    };
    let mut body = String::new();
    for block in &blocks {
        let list = g.category_list(&block.categories);
        let _ = writeln!(
            body,
            "rule {} \"Blocked {}\" {{",
            block.name, block.categories[0]
        );
        let _ = writeln!(body, "  block lines in category {list}");
        let _ = writeln!(body, "  {}", block.scope.text(org));
        g.out.clear();
        g.message(
            "This category cannot be bought by your group",
            "Votre groupe ne peut pas acheter cette catégorie",
        );
        body.push_str(&g.out);
        body.push_str("}\n\n");
    }
    for (kind, count) in [("restrict", mix["restrict"]), ("warn", mix["warn"])] {
        for i in 0..count {
            let categories = g.categories();
            let condition = g.rng.chance(60).then(|| g.line_condition());
            let mut scope = g.scope();
            while condition.is_none() && hidden(&scope.text(org), &categories, true) {
                scope = g.scope();
            }
            let list = g.category_list(&categories);
            let name = format!("{}{i}", &kind[..3]);
            let _ = writeln!(body, "rule {name} \"{kind} {}\" {{", categories[0]);
            let _ = write!(body, "  {kind} lines in category {list}");
            if let Some(condition) = condition {
                let _ = write!(body, " where {condition}");
            }
            body.push('\n');
            let _ = writeln!(body, "  {}", scope.text(org));
            if kind == "restrict" {
                let clause = g.approve_clause();
                let _ = writeln!(body, "  {clause}");
            }
            g.out.clear();
            if g.rng.chance(70) {
                g.message("Please check this line", "Veuillez vérifier cette ligne");
            }
            body.push_str(&g.out);
            body.push_str("}\n\n");
        }
    }
    for i in 0..mix["order"] {
        let scope = g.scope().text(org);
        let (severity, condition) = match g.rng.below(5) {
            0 => ("warn", "order.shipping > 15% of order.subtotal".to_owned()),
            1 => (
                "restrict",
                format!("order.total > {}.00 CAD", g.rng.range(50_000, 200_000)),
            ),
            2 => (
                "warn",
                format!(
                    "count(lines where line.quantity > 50) > {}",
                    g.rng.range(1, 5)
                ),
            ),
            3 => (
                "block",
                "order.payment_method == \"personal_card\"".to_owned(),
            ),
            _ => {
                let top = g.rng.pick(&org.top).clone();
                (
                    "warn",
                    format!(
                        "any(lines in category \"{top}\") and order.subtotal > {}.00 CAD",
                        g.rng.range(5_000, 50_000)
                    ),
                )
            }
        };
        let _ = writeln!(body, "rule ord{i} \"Order check {i}\" {{");
        let _ = writeln!(body, "  {severity} order when {condition}");
        let _ = writeln!(body, "  {scope}");
        if severity == "restrict" {
            let division = g.group_name(Level::Division);
            let _ = writeln!(body, "  approve any of role controller in {division}");
        }
        g.out.clear();
        g.message(
            "Please review this order",
            "Veuillez vérifier cette commande",
        );
        body.push_str(&g.out);
        body.push_str("}\n\n");
    }
    body.push_str(
        "rule bulk_quantities \"Bulk quantities\" {\n  warn lines where line.quantity > 500\n  \
         message \"More than 500 units: please check the quantity\"\n}\n\n",
    );
    for i in 0..mix["prefer"] {
        let (category, leaf) = if g.rng.chance(80) {
            let leaf = g.rng.below(org.leaves.len());
            (org.leaves[leaf].clone(), leaf)
        } else {
            let mid = g.rng.below(org.mid.len());
            (
                org.mid[mid].clone(),
                mid * LEAVES_PER_MID + g.rng.below(LEAVES_PER_MID),
            )
        };
        let mut scope = g.scope();
        while hidden(&scope.text(org), std::slice::from_ref(&category), false) {
            scope = g.scope();
        }
        let second = 1 + g.rng.below(PRODUCTS_PER_LEAF - 1);
        let _ = writeln!(body, "prefer pref{i} \"Preferred {category}\" {{");
        let _ = writeln!(body, "  in category \"{category}\"");
        let _ = writeln!(body, "  {}", scope.text(org));
        let _ = writeln!(
            body,
            "  products \"{}\" at {} CAD, \"{}\" at {} CAD",
            org.product(leaf, 0),
            money(org.price_cents(leaf, 0)),
            org.product(leaf, second),
            money(org.price_cents(leaf, second)),
        );
        if g.rng.chance(30) {
            let _ = writeln!(
                body,
                "  suppliers \"Supplier {}\"",
                g.rng.range(0, SUPPLIERS - 1)
            );
        }
        g.out.clear();
        g.message("Preferred product", "Produit recommandé");
        body.push_str(&g.out);
        if g.rng.chance(20) {
            let clause = g.approve_clause();
            let _ = writeln!(
                body,
                "  otherwise restrict {clause} \"This product is not on the preferred list\""
            );
        } else {
            let _ = writeln!(
                body,
                "  otherwise warn \"Please choose a preferred product\"\n    fr \"Veuillez choisir un produit recommandé\""
            );
        }
        if g.rng.chance(40) {
            let percent = g.rng.range(5, 30);
            let _ = writeln!(
                body,
                "  when price > {percent}% above \"{}\": restrict approve any of role procurement in org\n    \"This product costs much more than the preferred one\"",
                org.product(leaf, 0)
            );
        }
        body.push_str("}\n\n");
    }
    for i in 0..mix["approval"] {
        let scope = loop {
            let group = match g.rng.below(10) {
                0 => None,
                1..=3 => Some(g.group_name(Level::Division)),
                4..=6 => Some(g.group_name(Level::Department)),
                _ => Some(g.group_name(Level::Team)),
            };
            let id = group.as_deref().and_then(|name| org.group_id(name));
            if !g.redraw(|buyer| id.is_none_or(|id| org.is_within(buyer, id))) {
                break group.map_or_else(|| "for all".to_owned(), |name| format!("for {name}"));
            }
        };
        let threshold = g.rng.range(1_000, 20_000);
        let condition = match g.rng.below(5) {
            0 | 1 => format!("order.subtotal >= {threshold}.00 CAD"),
            2 => format!("order.total > {threshold}.00 CAD"),
            3 => {
                let category = if g.rng.chance(50) {
                    g.rng.pick(&org.top).clone()
                } else {
                    g.rng.pick(&org.mid).clone()
                };
                format!("sum(lines in category \"{category}\") > {}.00 CAD", threshold / 4)
            }
            _ => format!(
                "count(lines where line.quantity >= 10) > {} or order.subtotal >= {threshold}.00 CAD",
                g.rng.range(1, 4)
            ),
        };
        let _ = writeln!(body, "approval appr{i} \"Approval {i}\" {{");
        let _ = writeln!(body, "  {scope}");
        let _ = writeln!(body, "  when {condition}");
        let levels = 1 + g.rng.below(3);
        for level in 1..=levels {
            let approver = g.approver();
            let quorum = if approver.starts_with("user") && g.rng.chance(30) {
                let other = 41 + g.rng.below(160);
                format!("all of {approver}, user \"u{other:05}@corp.example\"")
            } else {
                format!("any of {approver}")
            };
            let condition = if level > 1 {
                format!(
                    " when order.subtotal >= {}.00 CAD",
                    threshold * (level as u64) * 3
                )
            } else {
                String::new()
            };
            let _ = write!(body, "  level {level}{condition}: {quorum}");
            if g.rng.chance(30) {
                body.push_str(" fallback role cfo in org");
            }
            if g.rng.chance(20) {
                let division = g.group_name(Level::Division);
                let _ = write!(
                    body,
                    " escalate after 48 hours to role controller in {division}"
                );
            }
            body.push('\n');
        }
        match g.rng.below(4) {
            0 => body.push_str("  self approval not allowed\n"),
            1 => body.push_str("  self approval allowed when order.total < 500.00 CAD\n"),
            _ => {}
        }
        body.push_str("}\n\n");
    }
    let mut budgets = Vec::new();
    for i in 0..mix["budget"] {
        let (group_name, group) = loop {
            let level = match g.rng.below(20) {
                0 => Level::Org,
                1..=4 => Level::Division,
                5..=11 => Level::Department,
                _ => Level::Team,
            };
            let name = g.group_name(level);
            let id = org.group_id(&name).unwrap_or(0);
            if !g.redraw(|buyer| org.is_within(buyer, id)) {
                break (name, id);
            }
        };
        let per_user = g.rng.chance(15);
        let amount_cents = g.rng.range(2_000, 20_000) * 10_000;
        let period = *g.rng.pick(&["monthly", "quarterly", "yearly"]);
        let _ = writeln!(body, "budget bud{i} \"Budget {i}\" {{");
        let _ = writeln!(
            body,
            "  for {group_name}{}",
            if per_user { " per user" } else { "" }
        );
        let _ = writeln!(body, "  {period} {} CAD", money(amount_cents));
        if g.rng.chance(30) {
            let top = g.rng.pick(&org.top).clone();
            let _ = writeln!(body, "  in category \"{top}\"");
        }
        let _ = writeln!(
            body,
            "  over by at most 10%: restrict approve any of role controller in {}\n    \"This order takes the budget over\"",
            g.group_name(Level::Division)
        );
        body.push_str(
            "  over: block \"The budget is spent\"\n    fr \"Le budget est épuisé\"\n}\n\n",
        );
        budgets.push(BudgetSpec {
            name: format!("bud{i}"),
            group,
            per_user,
            amount_cents,
        });
    }
    body.push_str(
        "payment company_payment {\n  for all\n  allow invoice, corporate_card, purchasing_card\n  \
         default invoice\n  message \"Pay by invoice or company card\"\n}\n\n",
    );
    body.push_str(
        "po_number div0_po {\n  for div0\n  required prefix \"45\"\n  \
         message \"Division 0 PO numbers start with 45\"\n}\n\n",
    );
    for i in 0..mix["invoice"] {
        let level = match g.rng.below(10) {
            0 => Level::Org,
            1..=3 => Level::Division,
            4..=7 => Level::Department,
            _ => Level::Team,
        };
        let group = g.group_name(level);
        let cadence = *g
            .rng
            .pick(&["every month", "per order", "every 2 weeks from 2026-01-05"]);
        let terms = *g.rng.pick(&[30, 45, 60]);
        let _ = writeln!(body, "invoice inv{i} {{");
        let _ = writeln!(body, "  for {group}");
        let _ = writeln!(body, "  template \"Template {i}\"");
        let _ = writeln!(body, "  bill to \"Benchmark Corp, {group}, 1 Main St\"");
        let _ = writeln!(body, "  send to \"ap-{i}@corp.example\"");
        let _ = writeln!(body, "  {cadence}");
        if g.rng.chance(30) {
            body.push_str("  split by po_number\n");
        }
        let _ = writeln!(body, "  terms net {terms}\n}}\n");
    }
    // Now the head: header, vocabulary, roles, groups, the aliases the rules used.
    let mut source = String::with_capacity(body.len() + 16_384);
    let _ = writeln!(
        source,
        "// Generated by procura-bench (bench/src/workload.rs): {rules} rules.\n\
         policy \"Benchmark Corp {rules}\" {{\n  currency CAD\n  tier premium\n  locale en-CA\n}}\n"
    );
    let _ = writeln!(source, "actions {}\n", DECLARED_ACTIONS.join(", "));
    for (name, base, actions) in ROLES {
        let extends = base.map(|b| format!(" extends {b}")).unwrap_or_default();
        let _ = writeln!(
            source,
            "role {name}{extends} {{ can {} }}",
            actions.join(", ")
        );
    }
    source.push('\n');
    write_group(org, 0, 0, &mut source);
    source.push('\n');
    if !g.aliases.is_empty() {
        for alias in &g.aliases {
            let _ = writeln!(
                source,
                "category cat_{alias} = \"{alias}\" \"Category {alias}\""
            );
        }
        source.push('\n');
    }
    source.push_str(&body);
    while source.ends_with("\n\n") {
        source.pop();
    }
    PolicySpec {
        rules,
        source,
        blocks,
        budgets,
        mix,
    }
}

fn write_group(org: &Org, group: usize, depth: usize, out: &mut String) {
    let g = &org.groups[group];
    let indent = "  ".repeat(depth);
    let _ = write!(out, "{indent}group {} \"{}\"", g.name, g.title);
    if g.children.is_empty() {
        out.push('\n');
        return;
    }
    out.push_str(" {\n");
    for &child in &g.children {
        write_group(org, child, depth + 1, out);
    }
    let _ = writeln!(out, "{indent}}}");
}

/// One product picked from the catalogue: leaf, product number, supplier, quantity.
#[derive(Debug, Clone, Copy)]
pub struct Pick {
    pub leaf: usize,
    pub k: usize,
    pub supplier: u64,
    pub quantity: u64,
}

fn pick_product(org: &Org, rng: &mut Rng) -> Pick {
    Pick {
        leaf: rng.below(org.leaves.len()),
        k: rng.below(PRODUCTS_PER_LEAF),
        supplier: rng.range(0, SUPPLIERS - 1),
        quantity: rng.range(1, 20),
    }
}

fn order_line(org: &Org, index: usize, pick: &Pick) -> OrderLine {
    OrderLine {
        id: format!("L{index}"),
        product: org.product(pick.leaf, pick.k),
        category: org.leaves[pick.leaf].clone(),
        supplier: Some(format!("Supplier {}", pick.supplier)),
        description: None,
        unit_price: cents(org.price_cents(pick.leaf, pick.k)),
        quantity: pick.quantity,
        fields: Default::default(),
    }
}

/// The buyer of the checkout workloads and their buying group (a team).
pub fn buyer(org: &Org) -> (String, usize) {
    let mut rng = Rng::new(0xB0_7E12);
    let team = *rng.pick(&org.teams);
    let (_, members) = &org.team_people[&team];
    (rng.pick(members).clone(), team)
}

/// The first `lines` lines of the one 200-line master cart: every cart size shares its
/// lines, so only the count changes between sizes.
pub fn cart(org: &Org, lines: usize) -> Vec<OrderLine> {
    let mut rng = Rng::new(0xCA_127);
    (0..lines.min(200))
        .map(|i| order_line(org, i + 1, &pick_product(org, &mut rng)))
        .collect()
}

/// Consumption for every budget the order under `group` by `buyer` draws on: `percent` of
/// each budget spent so far.
fn spends(
    org: &Org,
    policy: &PolicySpec,
    buyer: &str,
    group: usize,
    percent: impl Fn(usize) -> u64,
) -> Vec<BudgetSpend> {
    policy
        .budgets
        .iter()
        .enumerate()
        .filter(|(_, b)| org.is_within(group, b.group))
        .map(|(i, b)| BudgetSpend {
            budget: b.name.clone(),
            user: b.per_user.then(|| buyer.to_owned()),
            spent: MoneyValue {
                amount: cents(b.amount_cents / 100 * percent(i)),
                currency: "CAD".into(),
            },
        })
        .collect()
}

fn order(id: &str, lines: Vec<OrderLine>) -> Order {
    Order {
        id: id.into(),
        currency: "CAD".into(),
        payment_method: Some("invoice".into()),
        po_number: Some("4500123456".into()),
        cost_centre: Some("CC-100".into()),
        fields: Default::default(),
        ship_to: None,
        lines,
        tax: Some(cents(12_500)),
        shipping: Some(cents(4_900)),
    }
}

/// The checkout of a cart of `lines` lines against `policy`; budgets are 80–100% spent.
pub fn checkout_request(org: &Org, policy: &PolicySpec, lines: usize) -> CheckoutRequest {
    let (buyer, group) = buyer(org);
    let budgets = spends(org, policy, &buyer, group, |i| 80 + (i as u64 * 7) % 21);
    CheckoutRequest {
        buyer,
        buyer_profile: None,
        group: org.groups[group].name.clone(),
        locale: Some("fr-CA".into()),
        order: order(&format!("ORD-{lines}"), cart(org, lines)),
        context: Context {
            now: Some("2026-11-02T09:00:00-05:00".into()),
            budgets,
            rates: Vec::new(),
            recent_orders: Vec::new(),
        },
    }
}

/// An order that every approval workflow in scope of the buyer's group applies to: ten
/// expensive lines in categories no rule blocks for the group, budgets untouched. Its
/// checkout is dominated by building the approval plan.
pub fn approval_request(org: &Org, policy: &PolicySpec) -> CheckoutRequest {
    let (buyer, group) = buyer(org);
    let mut rng = Rng::new(0xA9_9120);
    let mut lines = Vec::new();
    while lines.len() < 10 {
        let mut pick = pick_product(org, &mut rng);
        let category = &org.leaves[pick.leaf];
        let blocked = policy.blocks.iter().any(|b| {
            b.scope.covers(org, group) && b.categories.iter().any(|c| covers(c, category))
        });
        if blocked || org.price_cents(pick.leaf, pick.k) < 100_000 {
            continue;
        }
        pick.quantity = rng.range(3, 8);
        lines.push(order_line(org, lines.len() + 1, &pick));
    }
    CheckoutRequest {
        buyer: buyer.clone(),
        buyer_profile: None,
        group: org.groups[group].name.clone(),
        locale: None,
        order: order("ORD-APPROVAL", lines),
        context: Context {
            now: Some("2026-11-02T09:00:00-05:00".into()),
            budgets: spends(org, policy, &buyer, group, |_| 0),
            rates: Vec::new(),
            recent_orders: Vec::new(),
        },
    }
}

/// The approval-heavy order's workflow with 10 events: approvals level by level (some by
/// someone not eligible, refused), a delegation, comments.
pub fn progress_request(
    org: &Org,
    policy: &PolicySpec,
    plan: &procura::contract::ApprovalPlan,
) -> ProgressRequest {
    let checkout = approval_request(org, policy);
    let buyer = checkout.buyer.clone();
    let at = |hour: usize| format!("2026-11-02T{:02}:00:00-05:00", 9 + hour);
    let mut events = vec![WorkflowEvent::Comment {
        by: buyer.clone(),
        at: at(1),
        text: "Needed for the spring programme".into(),
    }];
    events.push(WorkflowEvent::Approved {
        by: buyer.clone(),
        at: at(2),
    });
    for level in &plan.levels {
        if events.len() >= PROGRESS_EVENTS - 1 {
            break;
        }
        if let Some(first) = level.approvers.first() {
            events.push(WorkflowEvent::Approved {
                by: first.clone(),
                at: at(events.len() + 1),
            });
        }
    }
    if let Some(last) = plan.levels.last().and_then(|l| l.approvers.last()) {
        events.push(WorkflowEvent::Delegated {
            from: last.clone(),
            to: "u00001@corp.example".into(),
            at: at(events.len() + 1),
            valid_from: at(events.len() + 1),
            valid_until: "2026-11-20T09:00:00-05:00".into(),
        });
    }
    while events.len() < PROGRESS_EVENTS {
        events.push(WorkflowEvent::Comment {
            by: "u00001@corp.example".into(),
            at: at(events.len() + 1),
            text: "Looked at it".into(),
        });
    }
    events.truncate(PROGRESS_EVENTS);
    ProgressRequest {
        checkout,
        submitted_at: "2026-11-02T09:00:00-05:00".into(),
        now: "2026-11-03T12:00:00-05:00".into(),
        events,
        change: None,
    }
}

fn product(org: &Org, pick: &Pick) -> Product {
    Product {
        id: org.product(pick.leaf, pick.k),
        category: org.leaves[pick.leaf].clone(),
        supplier: Some(format!("Supplier {}", pick.supplier)),
        unit_price: cents(org.price_cents(pick.leaf, pick.k)),
    }
}

/// Badges for a catalogue page of 1,000 products, for the checkout buyer.
pub fn badge_request(org: &Org) -> BadgeRequest {
    let (buyer, group) = buyer(org);
    let mut rng = Rng::new(0x00BA_D6E5);
    BadgeRequest {
        buyer,
        buyer_profile: None,
        group: org.groups[group].name.clone(),
        locale: Some("fr-CA".into()),
        currency: "CAD".into(),
        products: (0..BADGE_PRODUCTS)
            .map(|_| product(org, &pick_product(org, &mut rng)))
            .collect(),
    }
}

/// The manager of a department or the head of a division: the directory user assigned
/// `dept_manager` or `division_head` in exactly that group.
fn head(org: &Org, group: usize) -> Option<String> {
    let name = &org.groups[group].name;
    org.directory
        .users
        .iter()
        .find(|u| {
            u.roles.iter().any(|r| {
                &r.group == name && (r.role == "dept_manager" || r.role == "division_head")
            })
        })
        .map(|u| u.id.clone())
}

/// The category-restriction workload: 20 buyers (teams, and some departments and
/// divisions as buying groups) with 25 products each. A product is blocked when a block
/// rule covers its category for the buying group.
pub fn category_requests(org: &Org) -> Vec<BadgeRequest> {
    let mut rng = Rng::new(0xCA7E_6012);
    (0..CATEGORY_BUYERS)
        .map(|i| {
            let team = *rng.pick(&org.teams);
            let (_, members) = &org.team_people[&team];
            let member = rng.pick(members).clone();
            let group = match i % 5 {
                3 => org.groups[team].parent.unwrap_or(team),
                4 => org.ancestors(team)[2],
                _ => team,
            };
            // A buyer must hold `place_orders` in the buying group: a team member buys for
            // the team, the department's manager or the division's head above it.
            let buyer = if group == team {
                member
            } else {
                head(org, group).unwrap_or(member)
            };
            BadgeRequest {
                buyer,
                buyer_profile: None,
                group: org.groups[group].name.clone(),
                locale: None,
                currency: "CAD".into(),
                products: (0..CATEGORY_PRODUCTS)
                    .map(|_| product(org, &pick_product(org, &mut rng)))
                    .collect(),
            }
        })
        .collect()
}

/// 1,000 permission checks: random users, actions and groups, half of them aimed inside a
/// group the user holds a role in, so that both answers are common.
pub fn authorize_requests(org: &Org) -> Vec<AuthorizeRequest> {
    let mut rng = Rng::new(0xA07_4012);
    let actions = all_actions();
    let roles = role_actions();
    let users = &org.directory.users;
    (0..AUTHORIZE_CHECKS)
        .map(|_| {
            // A quarter of the checks are by managers and specialists, the rest by members.
            let user = if rng.chance(25) {
                let n = rng.below(41);
                if n < 41 && rng.chance(50) {
                    &users[n]
                } else {
                    &users[USERS - 1 - rng.below(39)]
                }
            } else {
                rng.pick(users)
            };
            let assignment = rng.pick(&user.roles);
            let assigned = org.group_id(&assignment.group).unwrap_or(0);
            let group = if rng.chance(50) {
                *rng.pick(&org.subtree(assigned))
            } else {
                rng.below(org.groups.len())
            };
            let action = if rng.chance(60) {
                let granted: Vec<&String> = roles[&assignment.role].iter().collect();
                rng.pick(&granted).as_str().to_owned()
            } else {
                (*rng.pick(&actions)).to_owned()
            };
            AuthorizeRequest {
                user: user.id.clone(),
                user_profile: None,
                action,
                resource: Resource {
                    group: org.groups[group].name.clone(),
                    kind: None,
                    id: None,
                },
            }
        })
        .collect()
}

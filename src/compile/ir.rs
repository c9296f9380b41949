//! The compiled policy: immutable and indexed. Names are indices, scopes group bitmaps,
//! categories keys of an index so that a line only meets the rules that can apply to its
//! category, and every rule carries its located span for the trace.

use std::collections::BTreeMap;

use rustc_hash::FxBuildHasher;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::base::calendar::{days, months};
use crate::base::diagnostic::SourceSpan;
use crate::base::money::{Currency, Rounding};
use crate::base::vocabulary::{AggregateFn, AmountBasis, BinaryOp, CompareOp, Field, Period};

/// Category key → the line rules and preferences naming it, in source order.
pub type CategoryIndex = std::collections::HashMap<String, Vec<IndexedTarget>, FxBuildHasher>;

/// An entry of the category index: the rule, where it is written, and its interned scope,
/// so that a line skips the rules of other groups without touching them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexedTarget {
    pub order: usize,
    pub target: Target,
    /// Index in [`CompiledPolicy::line_scopes`].
    pub scope: usize,
}

/// Category → slot of the per-order totals; looked up only, like [`CategoryIndex`].
pub type CategorySlots = std::collections::HashMap<String, usize, FxBuildHasher>;

/// How an invoice rule's `split_by` names a custom order field, e.g. `fields.project`: the
/// JSON path of the value in an order.
pub const FIELD_KEY_PREFIX: &str = "fields.";

/// Index of a group in [`CompiledPolicy::groups`].
pub type GroupId = usize;

/// A compiled policy: shareable across threads, evaluated many times.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CompiledPolicy {
    pub name: String,
    /// `sha256:` and the hex digest of the source.
    pub hash: String,
    pub currency: Currency,
    pub rounding: Rounding,
    pub default_locale: String,
    pub drops_blocked_lines: bool,
    pub approval_hold_hours: u64,
    pub reapprove_on_any_increase: bool,
    pub groups: Vec<Group>,
    pub group_ids: BTreeMap<String, GroupId>,
    pub roles: BTreeMap<String, std::collections::BTreeSet<String>>,
    pub actions: std::collections::BTreeSet<String>,
    pub line_rules: Vec<LineRule>,
    pub order_rules: Vec<OrderRule>,
    pub prefers: Vec<Prefer>,
    pub approvals: Vec<ApprovalRule>,
    pub budgets: Vec<Budget>,
    pub splits: Vec<Split>,
    pub payments: Vec<PaymentRule>,
    pub ship_tos: Vec<ShipToRule>,
    pub po_rules: Vec<PoRule>,
    pub invoices: Vec<InvoiceRule>,
    /// Custom fields by slot (see [`crate::check::FieldInfo`]).
    pub fields: Vec<CustomField>,
    /// Custom field name → slot.
    pub field_slots: BTreeMap<String, usize>,
    #[cfg(feature = "authoring")]
    #[serde(skip)]
    pub tests: Vec<crate::syntax::ast::TestDecl>,
    /// Every named declaration (rules, preferences, approvals, budgets, splits, payment,
    /// ship-to, PO-number and invoice rules, fields), in source order, for listings.
    pub declared: Vec<Declared>,
    /// Category aliases: `(alias, category id, title)`, in source order.
    pub categories: Vec<(String, String, Option<String>)>,
    /// Category key → line rules and preferences naming it; see [`for_each_category_key`]. Only
    /// ever looked up, never iterated, so its order cannot reach an output; the hasher has
    /// fixed keys, so it behaves the same on every runtime.
    #[serde(skip)]
    pub category_index: CategoryIndex,
    /// Line rules with no category: they meet every line.
    #[serde(skip)]
    pub uncategorised: Vec<IndexedTarget>,
    /// The distinct scopes of line rules and preferences; see [`GroupRules::line_scopes`].
    #[serde(skip)]
    pub line_scopes: Vec<GroupSet>,
    /// Every category an aggregate names (`sum(lines in category "office")`) → its slot
    /// in an order's per-category totals, so those aggregates are lookups, not scans.
    #[serde(skip)]
    pub aggregate_slots: CategorySlots,
    /// Every category an aggregate names, sorted: what [`Self::aggregate_slots`] is built from.
    pub aggregate_categories: Vec<String>,
    /// Per buying group, the order-level rules in its scope; built on the group's first
    /// checkout (see [`CompiledPolicy::rules_for`]).
    #[serde(skip)]
    pub by_group: Vec<std::sync::OnceLock<GroupRules>>,
    /// The policy source; empty in an artifact built without `--with-source`.
    pub source: String,
}

impl CompiledPolicy {
    /// Builds the derived indexes from the rules: the category index, the interned
    /// line-rule scopes, the aggregate slots and the per-group cells. Compilation and the
    /// artifact loader both end with it, so a loaded policy is indexed exactly as a
    /// compiled one.
    pub fn build_indexes(&mut self) {
        let mut targets: Vec<(usize, Target, &GroupSet, &[String])> = self
            .line_rules
            .iter()
            .enumerate()
            .map(|(id, r)| {
                (
                    r.info.order,
                    Target::LineRule(id),
                    &r.scope,
                    &r.categories[..],
                )
            })
            .chain(self.prefers.iter().enumerate().map(|(id, p)| {
                (
                    p.info.order,
                    Target::Prefer(id),
                    &p.scope,
                    &p.categories[..],
                )
            }))
            .collect();
        targets.sort_by_key(|(order, target, _, _)| (*order, *target));
        let mut scope_ids: std::collections::HashMap<&[bool], usize, FxBuildHasher> =
            Default::default();
        let mut line_scopes: Vec<GroupSet> = Vec::new();
        let mut category_index = CategoryIndex::default();
        let mut uncategorised = Vec::new();
        for (order, target, scope, categories) in targets {
            let scope = *scope_ids.entry(&scope.0[..]).or_insert_with(|| {
                line_scopes.push(scope.clone());
                line_scopes.len() - 1
            });
            let entry = IndexedTarget {
                order,
                target,
                scope,
            };
            if categories.is_empty() {
                uncategorised.push(entry);
            }
            for category in categories {
                category_index
                    .entry(category.clone())
                    .or_insert_with(Vec::new)
                    .push(entry);
            }
        }
        self.line_scopes = line_scopes;
        self.category_index = category_index;
        self.uncategorised = uncategorised;
        self.aggregate_slots = self
            .aggregate_categories
            .iter()
            .enumerate()
            .map(|(slot, category)| (category.clone(), slot))
            .collect();
        self.by_group = (0..self.groups.len())
            .map(|_| std::sync::OnceLock::new())
            .collect();
    }

    /// The invoice rule for a group and its position in the policy (documents sort by it):
    /// the rule whose scope names the group's closest ancestor; ties go to the first written.
    /// Checkout's routing and the invoice run both choose with it.
    pub fn invoice_rule_for(&self, group: GroupId) -> Option<(usize, &InvoiceRule)> {
        self.invoices
            .iter()
            .enumerate()
            .filter(|(_, r)| r.scope.contains(group))
            .max_by_key(|(_, r)| {
                (
                    r.specificity.get(group).copied().flatten(),
                    std::cmp::Reverse(r.info.order),
                )
            })
    }

    /// True when `group` is `ancestor` or lies below it.
    pub fn is_within(&self, group: GroupId, ancestor: GroupId) -> bool {
        let mut current = Some(group);
        for _ in 0..=self.groups.len() {
            match current {
                Some(g) if g == ancestor => return true,
                Some(g) => current = self.groups.get(g).and_then(|info| info.parent),
                None => return false,
            }
        }
        false
    }

    /// The order-level rules in scope of `group`, e.g. the approval workflows a checkout
    /// in `north` must consider; a checkout visits these instead of every rule.
    pub fn rules_for(&self, group: GroupId) -> &GroupRules {
        static NONE: GroupRules = GroupRules {
            order_rules: Vec::new(),
            approvals: Vec::new(),
            budgets: Vec::new(),
            splits: Vec::new(),
            payments: Vec::new(),
            ship_tos: Vec::new(),
            po_rules: Vec::new(),
            line_scopes: Vec::new(),
        };
        match self.by_group.get(group) {
            Some(cell) => cell.get_or_init(|| GroupRules::new(self, group)),
            None => &NONE,
        }
    }

    /// The group's name, e.g. `north`.
    pub fn group_name(&self, group: GroupId) -> &str {
        self.groups.get(group).map_or("", |g| g.name.as_str())
    }
}

/// Indices of the order-level rules in scope of one group, in source order.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct GroupRules {
    pub order_rules: Vec<usize>,
    pub approvals: Vec<usize>,
    /// Budgets of the group or of a group above it.
    pub budgets: Vec<usize>,
    pub splits: Vec<usize>,
    pub payments: Vec<usize>,
    pub ship_tos: Vec<usize>,
    pub po_rules: Vec<usize>,
    /// Whether each of [`CompiledPolicy::line_scopes`] covers the group: one contiguous
    /// lookup per indexed rule instead of a visit to the rule.
    pub line_scopes: Vec<bool>,
}

impl GroupRules {
    fn new(policy: &CompiledPolicy, group: GroupId) -> GroupRules {
        fn pick<T>(rules: &[T], applies: impl Fn(&T) -> bool) -> Vec<usize> {
            rules
                .iter()
                .enumerate()
                .filter(|(_, rule)| applies(rule))
                .map(|(i, _)| i)
                .collect()
        }
        GroupRules {
            order_rules: pick(&policy.order_rules, |r| r.scope.contains(group)),
            approvals: pick(&policy.approvals, |r| r.scope.contains(group)),
            budgets: pick(&policy.budgets, |b| policy.is_within(group, b.group)),
            splits: pick(&policy.splits, |r| r.scope.contains(group)),
            payments: pick(&policy.payments, |r| r.scope.contains(group)),
            ship_tos: pick(&policy.ship_tos, |r| r.scope.contains(group)),
            po_rules: pick(&policy.po_rules, |r| r.scope.contains(group)),
            line_scopes: policy
                .line_scopes
                .iter()
                .map(|s| s.contains(group))
                .collect(),
        }
    }
}

/// A line-level rule or preference the category index points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Target {
    LineRule(usize),
    Prefer(usize),
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Group {
    pub name: String,
    /// What people read, e.g. `North Campus`; `None` when the policy gives none.
    pub title: Option<String>,
    pub parent: Option<GroupId>,
}

/// A named declaration as a listing shows it: `(kind, id, title, span)`, e.g.
/// `("rule", "laptops_it_only", Some("Laptops are bought by IT"), …)`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Declared {
    pub kind: String,
    pub id: String,
    pub title: Option<String>,
    pub span: SourceSpan,
}

/// Which buying groups a rule applies to, one flag per group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupSet(pub Vec<bool>);

impl GroupSet {
    pub fn contains(&self, group: GroupId) -> bool {
        self.0.get(group).copied().unwrap_or(false)
    }
}

/// What every rule carries for the trace.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RuleInfo {
    pub id: String,
    pub span: SourceSpan,
    /// Position in the source, so traces list rules in the order they are written.
    pub order: usize,
}

/// A message with translations, e.g. default `"Hello"`, `fr` → `"Bonjour"`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Text {
    pub default: String,
    pub translations: Vec<(String, String)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Severity {
    Warn,
    Restrict,
    Block,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Action {
    pub severity: Severity,
    pub approve: Option<Requirement>,
    pub message: Option<Text>,
}

/// One approval level as written: who, how many, and what happens when nobody is left.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Requirement {
    pub level: u64,
    pub condition: Option<Expr>,
    pub quorum: Quorum,
    pub approvers: Vec<ApproverSpec>,
    pub fallback: Option<ApproverSpec>,
    pub escalation: Option<(u64, ApproverSpec)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Quorum {
    Any,
    All,
    Count(u64),
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum ApproverSpec {
    User(String),
    Role {
        role: String,
        group: Option<GroupId>,
    },
    Manager,
    Chain {
        covers: Expr,
        max: u64,
    },
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LineRule {
    pub info: RuleInfo,
    pub severity: Severity,
    pub scope: GroupSet,
    pub categories: Vec<String>,
    pub condition: Option<Expr>,
    pub approve: Option<Requirement>,
    pub message: Option<Text>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OrderRule {
    pub info: RuleInfo,
    pub severity: Severity,
    pub scope: GroupSet,
    pub condition: Expr,
    pub approve: Option<Requirement>,
    pub message: Option<Text>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Prefer {
    pub info: RuleInfo,
    pub scope: GroupSet,
    pub categories: Vec<String>,
    pub products: Vec<(String, Option<(Decimal, String)>)>,
    pub suppliers: Vec<String>,
    pub message: Option<Text>,
    pub otherwise: Action,
    pub price_rule: Option<PriceRule>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PriceRule {
    pub op: CompareOp,
    pub percent: Decimal,
    pub reference: (Decimal, String),
    pub action: Action,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ApprovalRule {
    pub info: RuleInfo,
    pub scope: GroupSet,
    pub condition: Option<Expr>,
    pub levels: Vec<Requirement>,
    pub self_approval: SelfApproval,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum SelfApproval {
    Denied,
    /// The requester may approve their own levels; under their directory
    /// `selfApprovalLimit`, the order approves itself.
    Allowed,
    /// Orders meeting the condition approve themselves; others follow `Denied`.
    When(Expr),
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Budget {
    pub info: RuleInfo,
    pub group: GroupId,
    pub per_user: bool,
    pub period: Period,
    pub amount: Decimal,
    pub currency: Currency,
    pub categories: Vec<String>,
    /// Bands by overrun percentage; `None` is the unlimited band.
    pub bands: Vec<(Option<Decimal>, Action)>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Split {
    pub info: RuleInfo,
    pub scope: GroupSet,
    pub window_hours: u64,
    pub same_supplier: bool,
    pub same_category: bool,
    pub basis: AmountBasis,
    pub op: CompareOp,
    pub threshold: Decimal,
    pub currency: Currency,
    pub action: Option<Action>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PaymentRule {
    pub info: RuleInfo,
    pub scope: GroupSet,
    pub allow: Vec<String>,
    pub default: Option<String>,
    pub message: Option<Text>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ShipToRule {
    pub info: RuleInfo,
    pub scope: GroupSet,
    pub allow: Vec<String>,
    pub message: Option<Text>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PoRule {
    pub info: RuleInfo,
    pub scope: GroupSet,
    pub prefix: Option<String>,
    pub message: Option<Text>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InvoiceRule {
    pub info: RuleInfo,
    pub scope: GroupSet,
    /// How deep the named group sits for each covered group: the most specific rule wins.
    pub specificity: Vec<Option<usize>>,
    pub template: String,
    pub bill_to: String,
    pub send_to: Vec<String>,
    pub cadence: Cadence,
    pub split_by: Vec<String>,
    pub terms_days: u64,
    pub credits: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Cadence {
    PerOrder,
    Monthly,
    Weeks {
        weeks: u64,
        anchor: Option<(i16, i8, i8)>,
    },
}

/// The run date weekly cadences count from when the policy names none: Monday 2024-01-01.
pub const DEFAULT_ANCHOR: (i16, i8, i8) = (2024, 1, 1);

impl Cadence {
    /// The cadence as it appears in decisions: `perOrder`, `weekly`, `biweekly`, `monthly`.
    pub fn name(&self) -> &'static str {
        match self {
            Cadence::PerOrder => "perOrder",
            Cadence::Monthly => "monthly",
            Cadence::Weeks { weeks: 1, .. } => "weekly",
            Cadence::Weeks { .. } => "biweekly",
        }
    }

    /// The date of the invoice an order placed on `order_date` lands on.
    pub fn invoice_date(&self, order_date: jiff::civil::Date) -> Option<jiff::civil::Date> {
        use jiff::civil::Date;
        match self {
            Cadence::PerOrder => Some(order_date),
            Cadence::Monthly => order_date.first_of_month().checked_add(months(1)?).ok(),
            Cadence::Weeks { weeks, anchor } => {
                let (year, month, day) = anchor.unwrap_or(DEFAULT_ANCHOR);
                let anchor = Date::new(year, month, day).ok()?;
                let period = i64::try_from(*weeks).ok()?.checked_mul(7)?;
                if period <= 0 {
                    return None;
                }
                let elapsed = i64::from(order_date.since(anchor).ok()?.get_days());
                // The first run strictly after the order date.
                let runs = elapsed.div_euclid(period) + 1;
                anchor.checked_add(days(runs.checked_mul(period)?)?).ok()
            }
        }
    }
}

/// The values a custom field takes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum FieldType {
    Text,
    Number,
    /// A decimal amount in the policy currency.
    Money,
    /// A calendar date, `YYYY-MM-DD`.
    Date,
    OneOf(Vec<String>),
}

/// A custom field the requests carry, e.g. `project` on orders.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CustomField {
    /// The field's name as the trace's rule id, its declaration as the span.
    pub info: RuleInfo,
    /// What buyers read: the title, or the name when there is none.
    pub title: Text,
    pub help: Option<Text>,
    pub on_lines: bool,
    pub ty: FieldType,
    pub required: bool,
    pub pattern: Option<String>,
    /// Where it is required; outside, a value is still validated.
    pub scope: GroupSet,
}

/// A compiled expression: paths resolved to fields, aliases to category ids.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Expr {
    Money(Decimal, String),
    Percent(Decimal),
    Number(Decimal),
    Str(String),
    Bool(bool),
    List(#[serde(deserialize_with = "nested::list")] Vec<Expr>),
    Field(Field),
    Categories(Vec<String>),
    Groups(GroupSet),
    Aggregate {
        function: AggregateFn,
        categories: Vec<String>,
        #[serde(deserialize_with = "nested::optional")]
        condition: Option<Box<Expr>>,
    },
    Not(#[serde(deserialize_with = "nested::boxed")] Box<Expr>),
    Neg(#[serde(deserialize_with = "nested::boxed")] Box<Expr>),
    Binary(
        BinaryOp,
        #[serde(deserialize_with = "nested::boxed")] Box<Expr>,
        #[serde(deserialize_with = "nested::boxed")] Box<Expr>,
    ),
}

/// Reading nested expressions back from an artifact with a bound on their depth: the
/// checker refuses expressions deeper than 64, so a deeper one in an artifact is hostile,
/// and without the bound it would exhaust the stack instead of failing.
mod nested {
    use std::cell::Cell;

    use serde::{Deserialize, Deserializer};

    use super::Expr;

    /// Deeper than any expression the checker lets through, with room to spare.
    const MAX_DEPTH: u32 = 256;

    thread_local! {
        static DEPTH: Cell<u32> = const { Cell::new(0) };
    }

    /// Counts one level for as long as it lives.
    struct Level;

    impl Level {
        fn enter<E: serde::de::Error>() -> Result<Level, E> {
            DEPTH.with(|depth| {
                if depth.get() >= MAX_DEPTH {
                    return Err(E::custom("an expression is nested too deeply"));
                }
                depth.set(depth.get() + 1);
                Ok(Level)
            })
        }
    }

    impl Drop for Level {
        fn drop(&mut self) {
            DEPTH.with(|depth| depth.set(depth.get().saturating_sub(1)));
        }
    }

    pub(super) fn boxed<'de, D: Deserializer<'de>>(d: D) -> Result<Box<Expr>, D::Error> {
        let _level = Level::enter::<D::Error>()?;
        Box::<Expr>::deserialize(d)
    }

    pub(super) fn optional<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Box<Expr>>, D::Error> {
        let _level = Level::enter::<D::Error>()?;
        Option::<Box<Expr>>::deserialize(d)
    }

    pub(super) fn list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Expr>, D::Error> {
        let _level = Level::enter::<D::Error>()?;
        Vec::<Expr>::deserialize(d)
    }
}

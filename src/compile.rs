//! Compilation: a checked policy → an immutable, indexed [`CompiledPolicy`].
//!
//! Names become indices, scopes become group bitmaps, categories become keys of an index
//! so that a line only meets the rules that can apply to its category, and every rule
//! carries its located span for the trace.

use std::collections::BTreeMap;

use rustc_hash::FxBuildHasher;

use rust_decimal::Decimal;
use sha2::{Digest, Sha256};

use crate::ast::{self, Declaration};
use crate::check::{custom_path, is_unspsc, Field, Model};
use crate::diagnostic::{LineIndex, SourceSpan};
use crate::money::{Currency, Rounding};

/// Category key → the line rules and preferences naming it, in source order.
pub type CategoryIndex = std::collections::HashMap<String, Vec<IndexedTarget>, FxBuildHasher>;

/// An entry of the category index: the rule, where it is written, and its interned scope,
/// so that a line skips the rules of other groups without touching them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
#[derive(Debug, Clone)]
pub struct CompiledPolicy {
    pub name: String,
    /// `sha256:` and the hex digest of the source.
    pub hash: String,
    pub currency: Currency,
    pub rounding: Rounding,
    pub tier: String,
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
    pub tests: Vec<ast::TestDecl>,
    /// Every named declaration (rules, preferences, approvals, budgets, splits, payment,
    /// ship-to, PO-number and invoice rules, fields), in source order, for listings.
    pub declared: Vec<Declared>,
    /// Category aliases: `(alias, category id, title)`, in source order.
    pub categories: Vec<(String, String, Option<String>)>,
    /// Category key → line rules and preferences naming it; see [`for_each_category_key`]. Only
    /// ever looked up, never iterated, so its order cannot reach an output; the hasher has
    /// fixed keys, so it behaves the same on every runtime.
    pub category_index: CategoryIndex,
    /// Line rules with no category: they meet every line.
    pub uncategorised: Vec<IndexedTarget>,
    /// The distinct scopes of line rules and preferences; see [`GroupRules::line_scopes`].
    pub line_scopes: Vec<GroupSet>,
    /// Every category an aggregate names (`sum(lines in category "office")`) → its slot
    /// in an order's per-category totals, so those aggregates are lookups, not scans.
    pub aggregate_slots: CategorySlots,
    /// Per buying group, the order-level rules in its scope; built on the group's first
    /// checkout (see [`CompiledPolicy::rules_for`]).
    pub by_group: Vec<std::sync::OnceLock<GroupRules>>,
    pub source: String,
}

impl CompiledPolicy {
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
#[derive(Debug, Clone, Default)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Target {
    LineRule(usize),
    Prefer(usize),
}

#[derive(Debug, Clone)]
pub struct Group {
    pub name: String,
    /// What people read, e.g. `North Campus`; `None` when the policy gives none.
    pub title: Option<String>,
    pub parent: Option<GroupId>,
}

/// A named declaration as a listing shows it: `(kind, id, title, span)`, e.g.
/// `("rule", "laptops_it_only", Some("Laptops are bought by IT"), …)`.
#[derive(Debug, Clone)]
pub struct Declared {
    pub kind: &'static str,
    pub id: String,
    pub title: Option<String>,
    pub span: SourceSpan,
}

/// Which buying groups a rule applies to, one flag per group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupSet(pub Vec<bool>);

impl GroupSet {
    pub fn contains(&self, group: GroupId) -> bool {
        self.0.get(group).copied().unwrap_or(false)
    }
}

/// What every rule carries for the trace.
#[derive(Debug, Clone)]
pub struct RuleInfo {
    pub id: String,
    pub span: SourceSpan,
    /// Position in the source, so traces list rules in the order they are written.
    pub order: usize,
}

/// A message with translations, e.g. default `"Hello"`, `fr` → `"Bonjour"`.
#[derive(Debug, Clone, Default)]
pub struct Text {
    pub default: String,
    pub translations: Vec<(String, String)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Warn,
    Restrict,
    Block,
}

#[derive(Debug, Clone)]
pub struct Action {
    pub severity: Severity,
    pub approve: Option<Requirement>,
    pub message: Option<Text>,
}

/// One approval level as written: who, how many, and what happens when nobody is left.
#[derive(Debug, Clone)]
pub struct Requirement {
    pub level: u64,
    pub condition: Option<Expr>,
    pub quorum: Quorum,
    pub approvers: Vec<ApproverSpec>,
    pub fallback: Option<ApproverSpec>,
    pub escalation: Option<(u64, ApproverSpec)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quorum {
    Any,
    All,
    Count(u64),
}

#[derive(Debug, Clone)]
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

#[derive(Debug, Clone)]
pub struct LineRule {
    pub info: RuleInfo,
    pub severity: Severity,
    pub scope: GroupSet,
    pub categories: Vec<String>,
    pub condition: Option<Expr>,
    pub approve: Option<Requirement>,
    pub message: Option<Text>,
}

#[derive(Debug, Clone)]
pub struct OrderRule {
    pub info: RuleInfo,
    pub severity: Severity,
    pub scope: GroupSet,
    pub condition: Expr,
    pub approve: Option<Requirement>,
    pub message: Option<Text>,
}

#[derive(Debug, Clone)]
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

#[derive(Debug, Clone)]
pub struct PriceRule {
    pub op: ast::CompareOp,
    pub percent: Decimal,
    pub reference: (Decimal, String),
    pub action: Action,
}

#[derive(Debug, Clone)]
pub struct ApprovalRule {
    pub info: RuleInfo,
    pub scope: GroupSet,
    pub condition: Option<Expr>,
    pub levels: Vec<Requirement>,
    pub self_approval: SelfApproval,
}

#[derive(Debug, Clone)]
pub enum SelfApproval {
    Denied,
    /// The requester may approve their own levels; under their directory
    /// `selfApprovalLimit`, the order approves itself.
    Allowed,
    /// Orders meeting the condition approve themselves; others follow `Denied`.
    When(Expr),
}

#[derive(Debug, Clone)]
pub struct Budget {
    pub info: RuleInfo,
    pub group: GroupId,
    pub per_user: bool,
    pub period: ast::Period,
    pub amount: Decimal,
    pub currency: Currency,
    pub categories: Vec<String>,
    /// Bands by overrun percentage; `None` is the unlimited band.
    pub bands: Vec<(Option<Decimal>, Action)>,
}

#[derive(Debug, Clone)]
pub struct Split {
    pub info: RuleInfo,
    pub scope: GroupSet,
    pub window_hours: u64,
    pub same_supplier: bool,
    pub same_category: bool,
    pub basis: ast::AmountBasis,
    pub op: ast::CompareOp,
    pub threshold: Decimal,
    pub currency: Currency,
    pub action: Option<Action>,
}

#[derive(Debug, Clone)]
pub struct PaymentRule {
    pub info: RuleInfo,
    pub scope: GroupSet,
    pub allow: Vec<String>,
    pub default: Option<String>,
    pub message: Option<Text>,
}

#[derive(Debug, Clone)]
pub struct ShipToRule {
    pub info: RuleInfo,
    pub scope: GroupSet,
    pub allow: Vec<String>,
    pub message: Option<Text>,
}

#[derive(Debug, Clone)]
pub struct PoRule {
    pub info: RuleInfo,
    pub scope: GroupSet,
    pub prefix: Option<String>,
    pub message: Option<Text>,
}

#[derive(Debug, Clone)]
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

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cadence {
    PerOrder,
    Monthly,
    Weeks {
        weeks: u64,
        anchor: Option<(i16, i8, i8)>,
    },
}

/// The values a custom field takes.
#[derive(Debug, Clone, PartialEq, Eq)]
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
#[derive(Debug, Clone)]
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
#[derive(Debug, Clone)]
pub enum Expr {
    Money(Decimal, String),
    Percent(Decimal),
    Number(Decimal),
    Str(String),
    Bool(bool),
    List(Vec<Expr>),
    Field(Field),
    Categories(Vec<String>),
    Groups(GroupSet),
    Aggregate {
        function: ast::AggregateFn,
        categories: Vec<String>,
        condition: Option<Box<Expr>>,
    },
    Not(Box<Expr>),
    Neg(Box<Expr>),
    Binary(ast::BinaryOp, Box<Expr>, Box<Expr>),
}

/// Calls `visit` with each key a category is indexed under and looked up by, shortest
/// first: itself and every ancestor, e.g. `office/paper/copier` → `office`,
/// `office/paper`, `office/paper/copier`, and `44121601` → `44000000`, `44120000`,
/// `44121600`, `44121601`. Path keys are slices of `category`, so the per-line lookup of
/// checkout allocates only for UNSPSC codes.
pub fn for_each_category_key(category: &str, mut visit: impl FnMut(&str)) {
    if is_unspsc(category) {
        let mut last = String::new();
        for digits in [2, 4, 6, 8] {
            let prefix = category.get(..digits).unwrap_or(category);
            let key = format!("{prefix:0<8}");
            if key != last {
                visit(&key);
                last = key;
            }
        }
        return;
    }
    for (at, byte) in category.bytes().enumerate() {
        if byte == b'/' {
            visit(category.get(..at).unwrap_or(category));
        }
    }
    visit(category);
}

/// Compiles a policy that checked without errors.
pub fn compile(source: &str, policy: &ast::Policy, model: &Model) -> CompiledPolicy {
    let index = LineIndex::new(source);
    let digest = Sha256::digest(source.as_bytes());
    let hash = format!(
        "sha256:{}",
        digest
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    );
    let header = policy.declarations.iter().find_map(|d| match d {
        Declaration::Header(h) => Some(h),
        _ => None,
    });
    let setting = |keyword: &str| -> Option<&ast::Setting> {
        header.and_then(|h| h.settings.iter().find(|s| s.keyword() == keyword))
    };
    let word = |keyword: &str, default: &str| -> String {
        match setting(keyword) {
            Some(
                ast::Setting::Rounding(i)
                | ast::Setting::Tier(i)
                | ast::Setting::Locale(i)
                | ast::Setting::BlockedLine(i)
                | ast::Setting::ReapproveOn(i)
                | ast::Setting::Currency(i),
            ) => i.name.clone(),
            _ => default.to_owned(),
        }
    };
    let approval_hold_hours = match setting("approval_hold") {
        Some(ast::Setting::ApprovalHold(d)) => d.hours(),
        _ => 7 * 24,
    };
    let currency = Currency {
        code: model.currency.clone(),
        minor_units: model.minor_units,
    };
    let mut compiler = Compiler {
        model,
        index: &index,
        order: 0,
        aggregate_categories: Default::default(),
        line_scope_ids: Default::default(),
    };
    let groups = model
        .groups
        .iter()
        .map(|g| Group {
            name: g.name.clone(),
            title: g.title.clone(),
            parent: g.parent,
        })
        .collect();
    let mut compiled = CompiledPolicy {
        name: model.name.clone(),
        hash,
        currency,
        rounding: Rounding::from_keyword(&word("rounding", "half_even")),
        tier: word("tier", "standard"),
        default_locale: word("locale", "en"),
        drops_blocked_lines: word("blocked_line", "blocks_order") == "drops_line",
        approval_hold_hours,
        reapprove_on_any_increase: word("reapprove_on", "any_increase") == "any_increase",
        groups,
        group_ids: model.group_ids.clone(),
        roles: model.roles.clone(),
        actions: model.actions.clone(),
        line_rules: Vec::new(),
        order_rules: Vec::new(),
        prefers: Vec::new(),
        approvals: Vec::new(),
        budgets: Vec::new(),
        splits: Vec::new(),
        payments: Vec::new(),
        ship_tos: Vec::new(),
        po_rules: Vec::new(),
        invoices: Vec::new(),
        fields: Vec::new(),
        field_slots: model.field_ids.clone(),
        tests: Vec::new(),
        declared: Vec::new(),
        categories: Vec::new(),
        category_index: CategoryIndex::default(),
        uncategorised: Vec::new(),
        line_scopes: Vec::new(),
        aggregate_slots: CategorySlots::default(),
        by_group: Vec::new(),
        source: source.to_owned(),
    };
    for declaration in &policy.declarations {
        compiler.declaration(declaration, &mut compiled);
        if let Some(declared) = declared(declaration, &index) {
            compiled.declared.push(declared);
        }
        if let Declaration::Category(category) = declaration {
            compiled.categories.push((
                category.name.name.clone(),
                category.id.value.clone(),
                category.title.as_ref().map(|t| t.value.clone()),
            ));
        }
    }
    compiled.by_group = (0..compiled.groups.len())
        .map(|_| std::sync::OnceLock::new())
        .collect();
    compiled.aggregate_slots = compiler
        .aggregate_categories
        .into_inner()
        .into_iter()
        .enumerate()
        .map(|(slot, category)| (category, slot))
        .collect();
    compiled
}

/// The listing entry of a named declaration; `None` for the header, actions, roles,
/// groups, categories and tests, which listings show in their own places.
fn declared(declaration: &Declaration, index: &LineIndex<'_>) -> Option<Declared> {
    let title = |t: &Option<ast::Str>| t.as_ref().map(|t| t.value.clone());
    let (kind, name, title, span) = match declaration {
        Declaration::Rule(d) => ("rule", &d.name, title(&d.title), d.span),
        Declaration::Prefer(d) => ("prefer", &d.name, title(&d.title), d.span),
        Declaration::Approval(d) => ("approval", &d.name, title(&d.title), d.span),
        Declaration::Budget(d) => ("budget", &d.name, title(&d.title), d.span),
        Declaration::Split(d) => ("split", &d.name, title(&d.title), d.span),
        Declaration::Payment(d) => ("payment", &d.name, None, d.span),
        Declaration::ShipTo(d) => ("shipTo", &d.name, None, d.span),
        Declaration::PoNumber(d) => ("poNumber", &d.name, None, d.span),
        Declaration::Invoice(d) => ("invoice", &d.name, Some(d.template.value.clone()), d.span),
        Declaration::Field(d) => (
            "field",
            &d.name,
            d.title.as_ref().map(|t| t.default.value.clone()),
            d.span,
        ),
        _ => return None,
    };
    Some(Declared {
        kind,
        id: name.name.clone(),
        title,
        span: index.span(span),
    })
}

struct Compiler<'a> {
    model: &'a Model,
    index: &'a LineIndex<'a>,
    order: usize,
    /// Categories named by aggregates, gathered while expressions compile.
    aggregate_categories: std::cell::RefCell<std::collections::BTreeSet<String>>,
    /// Each distinct line-rule scope → its index in [`CompiledPolicy::line_scopes`].
    line_scope_ids: std::collections::HashMap<Vec<bool>, usize, FxBuildHasher>,
}

impl Compiler<'_> {
    fn info(&mut self, name: &ast::Ident, span: crate::Span) -> RuleInfo {
        self.order += 1;
        RuleInfo {
            id: name.name.clone(),
            span: self.index.span(span),
            order: self.order,
        }
    }

    /// Interns a line-level scope, e.g. every rule `for north` shares one entry.
    fn line_scope(&mut self, scope: &GroupSet, out: &mut CompiledPolicy) -> usize {
        *self
            .line_scope_ids
            .entry(scope.0.clone())
            .or_insert_with(|| {
                out.line_scopes.push(scope.clone());
                out.line_scopes.len() - 1
            })
    }

    fn declaration(&mut self, declaration: &Declaration, out: &mut CompiledPolicy) {
        match declaration {
            Declaration::Rule(rule) => {
                let info = self.info(&rule.name, rule.span);
                let scope = self.scope(rule.scope.as_ref());
                let severity = severity(rule.severity);
                let approve = rule.approve.as_ref().map(|a| self.approve(a));
                let message = rule.message.as_ref().map(text);
                match &rule.target {
                    ast::RuleTarget::Lines {
                        categories,
                        condition,
                        ..
                    } => {
                        let categories = self.categories(categories);
                        let id = out.line_rules.len();
                        let entry = IndexedTarget {
                            order: info.order,
                            target: Target::LineRule(id),
                            scope: self.line_scope(&scope, out),
                        };
                        index_target(out, &categories, entry);
                        out.line_rules.push(LineRule {
                            info,
                            severity,
                            scope,
                            categories,
                            condition: condition.as_ref().map(|c| self.expr(c)),
                            approve,
                            message,
                        });
                    }
                    ast::RuleTarget::Order { condition, .. } => {
                        out.order_rules.push(OrderRule {
                            info,
                            severity,
                            scope,
                            condition: self.expr(condition),
                            approve,
                            message,
                        });
                    }
                }
            }
            Declaration::Prefer(prefer) => {
                let info = self.info(&prefer.name, prefer.span);
                let categories = self.categories(&prefer.categories);
                let products: Vec<(String, Option<(Decimal, String)>)> = prefer
                    .products
                    .iter()
                    .map(|p| {
                        let price = p
                            .price
                            .as_ref()
                            .map(|m| (m.amount, m.currency.name.clone()));
                        (p.id.value.clone(), price)
                    })
                    .collect();
                let price_rule = prefer.price_rule.as_ref().and_then(|rule| {
                    let reference = products
                        .iter()
                        .find(|(id, _)| *id == rule.reference.value)
                        .and_then(|(_, price)| price.clone())?;
                    Some(PriceRule {
                        op: rule.op,
                        percent: rule.percent.value,
                        reference,
                        action: self.action(&rule.action),
                    })
                });
                let id = out.prefers.len();
                let scope = self.scope(prefer.scope.as_ref());
                let entry = IndexedTarget {
                    order: info.order,
                    target: Target::Prefer(id),
                    scope: self.line_scope(&scope, out),
                };
                index_target(out, &categories, entry);
                out.prefers.push(Prefer {
                    info,
                    scope,
                    categories,
                    products,
                    suppliers: prefer.suppliers.iter().map(|s| s.value.clone()).collect(),
                    message: prefer.message.as_ref().map(text),
                    otherwise: self.action(&prefer.otherwise),
                    price_rule,
                });
            }
            Declaration::Approval(approval) => {
                let info = self.info(&approval.name, approval.span);
                let self_approval = match &approval.self_approval {
                    Some(ast::SelfApproval::Allowed {
                        when: Some(condition),
                        ..
                    }) => SelfApproval::When(self.expr(condition)),
                    Some(ast::SelfApproval::Allowed { when: None, .. }) => SelfApproval::Allowed,
                    _ => SelfApproval::Denied,
                };
                out.approvals.push(ApprovalRule {
                    info,
                    scope: self.scope(approval.scope.as_ref()),
                    condition: approval.condition.as_ref().map(|c| self.expr(c)),
                    levels: approval.levels.iter().map(|l| self.level(l)).collect(),
                    self_approval,
                });
            }
            Declaration::Budget(budget) => {
                let info = self.info(&budget.name, budget.span);
                let currency = Currency::of(&budget.amount.currency.name)
                    .unwrap_or_else(|| out.currency.clone());
                out.budgets.push(Budget {
                    info,
                    group: self
                        .model
                        .group_ids
                        .get(&budget.group.name)
                        .copied()
                        .unwrap_or(0),
                    per_user: budget.per_user,
                    period: budget.period,
                    amount: budget.amount.amount,
                    currency,
                    categories: self.categories(&budget.categories),
                    bands: budget
                        .bands
                        .iter()
                        .map(|b| (b.up_to.as_ref().map(|p| p.value), self.action(&b.action)))
                        .collect(),
                });
            }
            Declaration::Split(split) => {
                let info = self.info(&split.name, split.span);
                let currency = Currency::of(&split.threshold.currency.name)
                    .unwrap_or_else(|| out.currency.clone());
                out.splits.push(Split {
                    info,
                    scope: self.scope(split.scope.as_ref()),
                    window_hours: split.window.hours(),
                    same_supplier: split
                        .same
                        .iter()
                        .any(|(k, _)| *k == ast::SplitKey::Supplier),
                    same_category: split
                        .same
                        .iter()
                        .any(|(k, _)| *k == ast::SplitKey::Category),
                    basis: split.basis,
                    op: split.op,
                    threshold: split.threshold.amount,
                    currency,
                    action: split.action.as_ref().map(|a| self.action(a)),
                });
            }
            Declaration::Payment(payment) => {
                let info = self.info(&payment.name, payment.span);
                out.payments.push(PaymentRule {
                    info,
                    scope: self.scope(payment.scope.as_ref()),
                    allow: payment.allow.iter().map(|m| m.name.clone()).collect(),
                    default: payment.default.as_ref().map(|d| d.name.clone()),
                    message: payment.message.as_ref().map(text),
                });
            }
            Declaration::ShipTo(ship_to) => {
                let info = self.info(&ship_to.name, ship_to.span);
                out.ship_tos.push(ShipToRule {
                    info,
                    scope: self.scope(ship_to.scope.as_ref()),
                    allow: ship_to.allow.iter().map(|s| s.value.clone()).collect(),
                    message: ship_to.message.as_ref().map(text),
                });
            }
            Declaration::PoNumber(po) => {
                let info = self.info(&po.name, po.span);
                out.po_rules.push(PoRule {
                    info,
                    scope: self.scope(po.scope.as_ref()),
                    prefix: po.prefix.as_ref().map(|p| p.value.clone()),
                    message: po.message.as_ref().map(text),
                });
            }
            Declaration::Invoice(invoice) => {
                let info = self.info(&invoice.name, invoice.span);
                let cadence = match &invoice.cadence {
                    ast::Cadence::PerOrder(_) => Cadence::PerOrder,
                    ast::Cadence::Monthly(_) => Cadence::Monthly,
                    ast::Cadence::Weeks { weeks, anchor, .. } => Cadence::Weeks {
                        weeks: *weeks,
                        anchor: anchor.as_ref().map(|d| {
                            (
                                i16::try_from(d.year).unwrap_or(i16::MAX),
                                i8::try_from(d.month).unwrap_or(1),
                                i8::try_from(d.day).unwrap_or(1),
                            )
                        }),
                    },
                };
                out.invoices.push(InvoiceRule {
                    info,
                    scope: self.scope(invoice.scope.as_ref()),
                    specificity: self.specificity(invoice.scope.as_ref()),
                    template: invoice.template.value.clone(),
                    bill_to: invoice.bill_to.value.clone(),
                    send_to: invoice.send_to.iter().map(|s| s.value.clone()).collect(),
                    cadence,
                    split_by: invoice
                        .split_by
                        .iter()
                        .map(|(k, _)| match k {
                            ast::InvoiceKey::Group => "group".to_owned(),
                            ast::InvoiceKey::PoNumber => "poNumber".to_owned(),
                        })
                        .chain(
                            invoice
                                .split_fields
                                .iter()
                                .map(|f| format!("{FIELD_KEY_PREFIX}{}", f.name)),
                        )
                        .collect(),
                    terms_days: invoice.terms.value,
                    credits: match invoice.credits.as_ref().map(|(m, _)| *m) {
                        Some(ast::CreditMode::Adjustment) => "adjustment".into(),
                        Some(ast::CreditMode::Listed) => "listed".into(),
                        _ => "creditNote".into(),
                    },
                });
            }
            Declaration::Test(test) => out.tests.push(test.clone()),
            Declaration::Field(field) => self.field(field, out),
            _ => {}
        }
    }

    /// The groups a scope covers; no scope covers every group.
    fn scope(&self, scope: Option<&ast::Scope>) -> GroupSet {
        let count = self.model.groups.len();
        let Some(scope) = scope else {
            return GroupSet(vec![true; count]);
        };
        let mut covered = vec![false; count];
        for target in &scope.targets {
            match target {
                ast::ScopeTarget::All(_) => covered.iter_mut().for_each(|c| *c = true),
                ast::ScopeTarget::Group { group, mode } => {
                    let Some(&id) = self.model.group_ids.get(&group.name) else {
                        continue;
                    };
                    for (g, flag) in covered.iter_mut().enumerate() {
                        let hit = match mode {
                            ast::ScopeMode::Only => g == id,
                            _ => self.model.is_within(g, id),
                        };
                        *flag |= hit;
                    }
                }
            }
        }
        for exception in &scope.exceptions {
            let Some(&id) = self.model.group_ids.get(&exception.name) else {
                continue;
            };
            for (g, flag) in covered.iter_mut().enumerate() {
                if self.model.is_within(g, id) {
                    *flag = false;
                }
            }
        }
        GroupSet(covered)
    }

    /// For each group the scope covers, the depth of the scope target that covers it; the
    /// invoice rule naming the closest ancestor is the most specific.
    fn specificity(&self, scope: Option<&ast::Scope>) -> Vec<Option<usize>> {
        let covered = self.scope(scope);
        (0..self.model.groups.len())
            .map(|g| {
                if !covered.contains(g) {
                    return None;
                }
                let Some(scope) = scope else { return Some(0) };
                scope
                    .targets
                    .iter()
                    .filter_map(|t| match t {
                        ast::ScopeTarget::All(_) => Some(0),
                        ast::ScopeTarget::Group { group, mode } => {
                            let id = *self.model.group_ids.get(&group.name)?;
                            let hit = match mode {
                                ast::ScopeMode::Only => g == id,
                                _ => self.model.is_within(g, id),
                            };
                            hit.then(|| self.depth(id) + 1)
                        }
                    })
                    .max()
            })
            .collect()
    }

    fn depth(&self, group: GroupId) -> usize {
        let mut depth = 0;
        let mut current = self.model.groups.get(group).and_then(|g| g.parent);
        while let Some(parent) = current {
            depth += 1;
            if depth > self.model.groups.len() {
                break;
            }
            current = self.model.groups.get(parent).and_then(|g| g.parent);
        }
        depth
    }

    fn categories(&self, categories: &[ast::CategoryRef]) -> Vec<String> {
        categories
            .iter()
            .filter_map(|c| match c {
                ast::CategoryRef::Id(id) => Some(id.value.clone()),
                ast::CategoryRef::Alias(alias) => self.model.categories.get(&alias.name).cloned(),
            })
            .collect()
    }

    fn action(&mut self, action: &ast::Action) -> Action {
        Action {
            severity: severity(action.severity),
            approve: action.approve.as_ref().map(|a| self.approve(a)),
            message: action.message.as_ref().map(text),
        }
    }

    fn approve(&mut self, approve: &ast::Approve) -> Requirement {
        Requirement {
            level: approve.level.as_ref().map_or(1, |l| l.value),
            condition: None,
            quorum: quorum(&approve.approvers.quorum),
            approvers: approve
                .approvers
                .approvers
                .iter()
                .map(|a| self.approver(a))
                .collect(),
            fallback: None,
            escalation: None,
        }
    }

    fn level(&mut self, level: &ast::Level) -> Requirement {
        Requirement {
            level: level.number.value,
            condition: level.condition.as_ref().map(|c| self.expr(c)),
            quorum: quorum(&level.approvers.quorum),
            approvers: level
                .approvers
                .approvers
                .iter()
                .map(|a| self.approver(a))
                .collect(),
            fallback: level.fallback.as_ref().map(|f| self.approver(f)),
            escalation: level
                .escalation
                .as_ref()
                .map(|e| (e.after.hours(), self.approver(&e.to))),
        }
    }

    fn approver(&mut self, approver: &ast::Approver) -> ApproverSpec {
        match approver {
            ast::Approver::User(id) => ApproverSpec::User(id.value.clone()),
            ast::Approver::Role { role, group, .. } => ApproverSpec::Role {
                role: role.name.clone(),
                group: match group {
                    ast::GroupRef::OrderGroup(_) => None,
                    ast::GroupRef::Named(name) => self.model.group_ids.get(&name.name).copied(),
                },
            },
            ast::Approver::Manager(_) => ApproverSpec::Manager,
            ast::Approver::Chain { covers, max, .. } => ApproverSpec::Chain {
                covers: self.expr(covers),
                max: max
                    .as_ref()
                    .map_or(crate::check::MAX_CHAIN_LENGTH, |m| m.value),
            },
        }
    }

    fn field(&mut self, field: &ast::FieldDecl, out: &mut CompiledPolicy) {
        // A duplicate was reported by the checker; only the first declaration has a slot.
        if self.model.field_ids.get(&field.name.name) != Some(&out.fields.len()) {
            return;
        }
        let ty = match field.kind() {
            ast::FieldKind::Text => FieldType::Text,
            ast::FieldKind::Number => FieldType::Number,
            ast::FieldKind::Money => FieldType::Money,
            ast::FieldKind::Date => FieldType::Date,
            ast::FieldKind::OneOf(values) => {
                FieldType::OneOf(values.iter().map(|v| v.value.clone()).collect())
            }
        };
        let title = field.title.as_ref().map_or_else(
            || Text {
                default: field.name.name.clone(),
                translations: Vec::new(),
            },
            text,
        );
        out.fields.push(CustomField {
            info: self.info(&field.name, field.span),
            title,
            help: field.help.as_ref().map(text),
            on_lines: field.level() == ast::FieldLevel::Lines,
            ty,
            required: field.is_required(),
            pattern: field.pattern.as_ref().map(|p| p.value.clone()),
            scope: self.scope(field.scope.as_ref()),
        });
    }

    fn expr(&self, expr: &ast::Expr) -> Expr {
        use ast::ExprKind as K;
        match &expr.kind {
            K::Money(m) => Expr::Money(m.amount, m.currency.name.clone()),
            K::Percent(p) => Expr::Percent(p.value),
            K::Number(n) => Expr::Number(*n),
            K::Str(s) => Expr::Str(s.clone()),
            K::Bool(b) => Expr::Bool(*b),
            K::List(items) => Expr::List(items.iter().map(|i| self.expr(i)).collect()),
            K::Path(segments) => {
                let path = segments
                    .iter()
                    .map(|s| s.name.as_str())
                    .collect::<Vec<_>>()
                    .join(".");
                let names: Vec<&str> = segments.iter().map(|s| s.name.as_str()).collect();
                if let Some((level, name)) = custom_path(&names) {
                    let slot = self.model.field(name).map(|(slot, _)| slot);
                    return match (level, slot) {
                        (ast::FieldLevel::Order, Some(slot)) => {
                            Expr::Field(Field::OrderCustom(slot))
                        }
                        (ast::FieldLevel::Lines, Some(slot)) => {
                            Expr::Field(Field::LineCustom(slot))
                        }
                        (_, None) => Expr::Bool(true),
                    };
                }
                Field::lookup(&path).map_or(Expr::Bool(true), Expr::Field)
            }
            K::Categories(categories) => Expr::Categories(self.categories(categories)),
            K::Groups(groups) => {
                let mut set = vec![false; self.model.groups.len()];
                for name in groups {
                    if let Some(&id) = self.model.group_ids.get(&name.name) {
                        for (g, flag) in set.iter_mut().enumerate() {
                            *flag |= self.model.is_within(g, id);
                        }
                    }
                }
                Expr::Groups(GroupSet(set))
            }
            K::Aggregate {
                function,
                categories,
                condition,
            } => {
                let categories = self.categories(categories);
                self.aggregate_categories
                    .borrow_mut()
                    .extend(categories.iter().cloned());
                Expr::Aggregate {
                    function: *function,
                    categories,
                    condition: condition.as_ref().map(|c| Box::new(self.expr(c))),
                }
            }
            K::Unary(ast::UnaryOp::Not, operand) => Expr::Not(Box::new(self.expr(operand))),
            K::Unary(ast::UnaryOp::Neg, operand) => Expr::Neg(Box::new(self.expr(operand))),
            K::Binary(op, left, right) => {
                Expr::Binary(*op, Box::new(self.expr(left)), Box::new(self.expr(right)))
            }
        }
    }
}

fn index_target(out: &mut CompiledPolicy, categories: &[String], target: IndexedTarget) {
    if categories.is_empty() {
        out.uncategorised.push(target);
    }
    for category in categories {
        out.category_index
            .entry(category.clone())
            .or_default()
            .push(target);
    }
}

fn severity(severity: ast::Severity) -> Severity {
    match severity {
        ast::Severity::Warn => Severity::Warn,
        ast::Severity::Restrict => Severity::Restrict,
        ast::Severity::Block => Severity::Block,
    }
}

fn quorum(quorum: &ast::Quorum) -> Quorum {
    match quorum {
        ast::Quorum::Any(_) => Quorum::Any,
        ast::Quorum::All(_) => Quorum::All,
        ast::Quorum::Count(n) => Quorum::Count(n.value),
    }
}

fn text(text: &ast::Text) -> Text {
    Text {
        default: text.default.value.clone(),
        translations: text
            .translations
            .iter()
            .map(|t| (t.locale.name.clone(), t.text.value.clone()))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::for_each_category_key;

    fn category_keys(category: &str) -> Vec<String> {
        let mut keys = Vec::new();
        for_each_category_key(category, |key| keys.push(key.to_owned()));
        keys
    }

    #[test]
    fn keys_cover_every_ancestor() {
        assert_eq!(
            category_keys("office/paper/copier"),
            ["office", "office/paper", "office/paper/copier"]
        );
        assert_eq!(
            category_keys("44121601"),
            ["44000000", "44120000", "44121600", "44121601"]
        );
        assert_eq!(
            category_keys("44121600"),
            ["44000000", "44120000", "44121600"]
        );
    }
}

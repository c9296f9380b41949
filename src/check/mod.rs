//! Checking: resolves every name, types every expression and validates every value,
//! reporting all problems in one pass.
//!
//! The result is a [`Model`]: the declarations' symbol tables (groups with their parents,
//! roles with their flattened actions, category aliases) that compilation builds on.

use std::collections::{BTreeMap, BTreeSet};

use rust_decimal::Decimal;

use crate::base::categories::{category_covers, valid_category_id};
use crate::base::diagnostic::Span;
use crate::base::money::minor_units;
use crate::base::vocabulary::{Field, BUILTIN_ACTIONS, FIELDS, FINANCE_ACTIONS, REQUESTER_ACTIONS};
use crate::syntax::ast::*;
use crate::syntax::problem::{Problem, Report};

/// The longest management chain a policy may ask to walk.
pub const MAX_CHAIN_LENGTH: u64 = 32;
/// The longest split-detection window, in days.
pub const MAX_SPLIT_WINDOW_DAYS: u64 = 90;
/// The largest percentage accepted in bands and price rules.
pub const MAX_PERCENT: u64 = 1000;
/// The longest `pattern` of a custom field, in characters; with the longest value a
/// request may send it bounds the cost of one match.
pub const MAX_PATTERN_CHARS: usize = 100;

/// A declared custom field, e.g. `project` on orders; its index in [`Model::fields`] is
/// its slot in the order's (or line's) field values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldInfo {
    pub name: String,
    pub level: FieldLevel,
    /// What reading it yields: a string for text, dates and lists, a number, an amount in
    /// the policy currency.
    pub ty: Type,
    pub kind: FieldKind,
    pub pattern: Option<String>,
}

/// Splits `order.fields.project` into the level it is read at and the field's name.
pub fn custom_path<'s>(segments: &[&'s str]) -> Option<(FieldLevel, &'s str)> {
    match segments {
        ["order", "fields", name] => Some((FieldLevel::Order, name)),
        ["line", "fields", name] => Some((FieldLevel::Lines, name)),
        _ => None,
    }
}

/// A group of the tree, e.g. `north` under `schools`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupInfo {
    pub name: String,
    pub title: Option<String>,
    pub parent: Option<usize>,
    pub span: Span,
}

/// What checking learned about the policy's declarations.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Model {
    pub name: String,
    pub currency: String,
    pub minor_units: u32,
    /// Groups in declaration order (parents before children).
    pub groups: Vec<GroupInfo>,
    pub group_ids: BTreeMap<String, usize>,
    /// Every role with every action it grants, `extends` flattened.
    pub roles: BTreeMap<String, BTreeSet<String>>,
    pub actions: BTreeSet<String>,
    /// Category alias → category id.
    pub categories: BTreeMap<String, String>,
    pub tier: String,
    /// Custom fields in declaration order, each name once.
    pub fields: Vec<FieldInfo>,
    /// Custom field name → its index in `fields`.
    pub field_ids: BTreeMap<String, usize>,
}

impl Model {
    /// The slot and declaration of the custom field `name`.
    pub fn field(&self, name: &str) -> Option<(usize, &FieldInfo)> {
        let slot = *self.field_ids.get(name)?;
        self.fields.get(slot).map(|info| (slot, info))
    }
}

impl Model {
    /// True when `group` is `ancestor` or lies below it.
    pub fn is_within(&self, group: usize, ancestor: usize) -> bool {
        let mut current = Some(group);
        let mut steps = 0;
        while let Some(g) = current {
            if g == ancestor {
                return true;
            }
            steps += 1;
            if steps > self.groups.len() {
                return false;
            }
            current = self.groups.get(g).and_then(|info| info.parent);
        }
        false
    }
}

/// Checks a parsed policy: the model, and every problem found (warnings included).
pub fn check(policy: &Policy) -> (Model, Vec<Report>) {
    let mut checker = Checker {
        model: Model::default(),
        reports: Vec::new(),
        used_aliases: BTreeSet::new(),
    };
    checker.run(policy);
    let Checker {
        model, mut reports, ..
    } = checker;
    reports.sort_by_key(|r| (r.span.start, r.span.end));
    (model, reports)
}

/// The type a built-in field reads as.
fn field_type(field: Field) -> Type {
    match field {
        Field::OrderSubtotal
        | Field::OrderTax
        | Field::OrderShipping
        | Field::OrderTotal
        | Field::LineUnitPrice
        | Field::LineAmount
        | Field::BuyerApprovalLimit => Type::Money(None),
        Field::LineQuantity => Type::Number,
        Field::OrderGroup => Type::Group,
        Field::LineCategory => Type::Category,
        // Their type is their declaration's (`Model::fields`); paths never reach here.
        Field::OrderCustom(_) | Field::LineCustom(_) => Type::Error,
        _ => Type::Str,
    }
}

/// The type of an expression. `Money(None)` is an amount in the order's currency, known
/// only at evaluation time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Type {
    Money(Option<String>),
    Number,
    Percent,
    Str,
    Bool,
    Group,
    Category,
    List(Box<Type>),
    Categories,
    Groups,
    /// An expression that already failed to check; accepted everywhere to avoid cascades.
    Error,
}

impl Type {
    /// How the type reads in a message, e.g. "an amount".
    pub fn describe(&self) -> String {
        match self {
            Type::Money(Some(c)) => format!("an amount in `{c}`"),
            Type::Money(None) => "an amount".into(),
            Type::Number => "a number".into(),
            Type::Percent => "a percentage".into(),
            Type::Str => "a string".into(),
            Type::Bool => "a condition".into(),
            Type::Group => "a group".into(),
            Type::Category => "a category".into(),
            Type::List(item) => format!("a list of {}", plural(item)),
            Type::Categories => "a set of categories".into(),
            Type::Groups => "a set of groups".into(),
            Type::Error => "an invalid expression".into(),
        }
    }

    fn is_money(&self) -> bool {
        matches!(self, Type::Money(_) | Type::Error)
    }
}

fn plural(item: &Type) -> String {
    match item {
        Type::Money(_) => "amounts".into(),
        Type::Number => "numbers".into(),
        Type::Str => "strings".into(),
        other => format!("values of {}", other.describe()),
    }
}

/// Whether `line.*` fields may be read where an expression stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LineScope {
    Order,
    Line,
}

struct Checker {
    model: Model,
    reports: Vec<Report>,
    used_aliases: BTreeSet<String>,
}

impl Checker {
    fn report(&mut self, problem: Problem, span: Span) {
        self.reports.push(Report::new(problem, span));
    }

    fn run(&mut self, policy: &Policy) {
        self.header(policy);
        self.declare(policy);
        let mut names: BTreeMap<String, Span> = BTreeMap::new();
        let mut tests: BTreeMap<String, Span> = BTreeMap::new();
        for declaration in &policy.declarations {
            if let Some(name) = rule_name(declaration) {
                self.unique(&mut names, "rule", name);
            }
            match declaration {
                Declaration::Rule(rule) => self.rule(rule),
                Declaration::Prefer(prefer) => self.prefer(prefer),
                Declaration::Approval(approval) => self.approval(approval),
                Declaration::Budget(budget) => self.budget(budget),
                Declaration::Split(split) => self.split(split),
                Declaration::Payment(payment) => self.payment(payment),
                Declaration::ShipTo(ship_to) => {
                    self.scope(ship_to.scope.as_ref());
                    self.duplicates(ship_to.allow.iter().map(|s| (s.value.clone(), s.span)));
                }
                Declaration::PoNumber(po) => {
                    self.scope(po.scope.as_ref());
                }
                Declaration::Field(field) => self.field(field),
                Declaration::Invoice(invoice) => self.invoice(invoice),
                Declaration::Test(test) => {
                    let key = Ident {
                        name: test.name.value.clone(),
                        span: test.name.span,
                    };
                    self.unique(&mut tests, "test", &key);
                }
                _ => {}
            }
        }
        let budgets: BTreeSet<String> = policy
            .declarations
            .iter()
            .filter_map(|d| match d {
                Declaration::Budget(b) => Some(b.name.name.clone()),
                _ => None,
            })
            .collect();
        for declaration in &policy.declarations {
            if let Declaration::Test(test) = declaration {
                self.test(test, &budgets);
            }
        }
        self.contradictions(policy);
        for declaration in &policy.declarations {
            if let Declaration::Category(category) = declaration {
                if !self.used_aliases.contains(&category.name.name) {
                    let problem = Problem::UnusedCategory {
                        name: category.name.name.clone(),
                    };
                    self.report(problem, category.name.span);
                }
            }
        }
    }

    // ─── header and declarations ───

    fn header(&mut self, policy: &Policy) {
        let headers: Vec<&Header> = policy
            .declarations
            .iter()
            .filter_map(|d| match d {
                Declaration::Header(h) => Some(h),
                _ => None,
            })
            .collect();
        let Some(header) = headers.first() else {
            self.report(Problem::MissingHeader, Span::new(0, 0));
            return;
        };
        for extra in headers.iter().skip(1) {
            let report = Report::new(Problem::DuplicateHeader, extra.name.span)
                .label(header.name.span, "first declared here");
            self.reports.push(report);
        }
        self.model.name = header.name.value.clone();
        self.model.tier = "standard".into();
        let mut seen: BTreeMap<&str, Span> = BTreeMap::new();
        for setting in &header.settings {
            if let Some(first) = seen.get(setting.keyword()) {
                let problem = Problem::DuplicateSetting {
                    setting: setting.keyword().into(),
                };
                let report = Report::new(problem, setting.span()).label(*first, "first given here");
                self.reports.push(report);
                continue;
            }
            seen.insert(setting.keyword(), setting.span());
            match setting {
                Setting::Currency(code) => {
                    if let Some(units) = self.currency(code) {
                        self.model.currency = code.name.clone();
                        self.model.minor_units = units;
                    }
                }
                Setting::Tier(tier) => self.model.tier = tier.name.clone(),
                Setting::ApprovalHold(hold) if hold.hours() == 0 => {
                    self.report(Problem::ZeroDuration, hold.span);
                }
                _ => {}
            }
        }
        if !seen.contains_key("currency") {
            self.report(Problem::MissingCurrency, header.name.span);
        }
    }

    /// Resolves a currency code to its minor units, reporting unknown codes.
    fn currency(&mut self, code: &Ident) -> Option<u32> {
        let units = minor_units(&code.name);
        if units.is_none() {
            self.report(
                Problem::UnknownCurrency {
                    code: code.name.clone(),
                },
                code.span,
            );
        }
        units
    }

    fn unique(&mut self, seen: &mut BTreeMap<String, Span>, kind: &'static str, name: &Ident) {
        if let Some(first) = seen.get(&name.name) {
            let problem = Problem::DuplicateName {
                kind,
                name: name.name.clone(),
            };
            let report = Report::new(problem, name.span).label(*first, "first declared here");
            self.reports.push(report);
        } else {
            seen.insert(name.name.clone(), name.span);
        }
    }

    fn duplicates(&mut self, items: impl Iterator<Item = (String, Span)>) {
        let mut seen = BTreeSet::new();
        for (key, span) in items {
            if !seen.insert(key.clone()) {
                self.report(Problem::DuplicateKey { key }, span);
            }
        }
    }

    /// Builds the symbol tables: actions, roles, groups and category aliases.
    fn declare(&mut self, policy: &Policy) {
        self.model.actions = BUILTIN_ACTIONS.iter().map(|a| (*a).to_owned()).collect();
        for declaration in &policy.declarations {
            if let Declaration::Actions(actions) = declaration {
                for action in &actions.actions {
                    if !self.model.actions.insert(action.name.clone()) {
                        let problem = Problem::DuplicateName {
                            kind: "action",
                            name: action.name.clone(),
                        };
                        self.report(problem, action.span);
                    }
                }
            }
        }
        let mut groups: BTreeMap<String, Span> = BTreeMap::new();
        for declaration in &policy.declarations {
            if let Declaration::Group(group) = declaration {
                self.group(group, None, &mut groups);
            }
        }
        let mut aliases: BTreeMap<String, Span> = BTreeMap::new();
        for declaration in &policy.declarations {
            if let Declaration::Category(category) = declaration {
                self.unique(&mut aliases, "category", &category.name);
                // Recorded even when invalid, so its uses do not report it a second time.
                self.model
                    .categories
                    .entry(category.name.name.clone())
                    .or_insert_with(|| category.id.value.clone());
                if !valid_category_id(&category.id.value) {
                    let problem = Problem::InvalidCategoryId {
                        id: category.id.value.clone(),
                    };
                    self.report(problem, category.id.span);
                }
            }
        }
        self.roles(policy);
        self.declare_fields(policy);
    }

    /// Records each custom field once, with the type reading it yields.
    fn declare_fields(&mut self, policy: &Policy) {
        let mut seen: BTreeMap<String, Span> = BTreeMap::new();
        for declaration in &policy.declarations {
            let Declaration::Field(field) = declaration else {
                continue;
            };
            if seen.contains_key(&field.name.name) {
                self.unique(&mut seen, "field", &field.name);
                continue;
            }
            self.unique(&mut seen, "field", &field.name);
            let ty = match field.kind() {
                FieldKind::Number => Type::Number,
                FieldKind::Money if self.model.currency.is_empty() => Type::Money(None),
                FieldKind::Money => Type::Money(Some(self.model.currency.clone())),
                FieldKind::Text | FieldKind::Date | FieldKind::OneOf(_) => Type::Str,
            };
            let slot = self.model.fields.len();
            self.model.field_ids.insert(field.name.name.clone(), slot);
            self.model.fields.push(FieldInfo {
                name: field.name.name.clone(),
                level: field.level(),
                ty,
                kind: field.kind().clone(),
                pattern: field.pattern.as_ref().map(|p| p.value.clone()),
            });
        }
    }

    fn group(
        &mut self,
        group: &GroupDecl,
        parent: Option<usize>,
        seen: &mut BTreeMap<String, Span>,
    ) {
        if seen.contains_key(&group.name.name) {
            self.unique(seen, "group", &group.name);
            return;
        }
        self.unique(seen, "group", &group.name);
        let id = self.model.groups.len();
        self.model.groups.push(GroupInfo {
            name: group.name.name.clone(),
            title: group.title.as_ref().map(|t| t.value.clone()),
            parent,
            span: group.name.span,
        });
        self.model.group_ids.insert(group.name.name.clone(), id);
        for child in group.children.iter().flatten() {
            self.group(child, Some(id), seen);
        }
    }

    fn roles(&mut self, policy: &Policy) {
        let builtin: [(&str, Vec<&str>); 3] = [
            ("admin", BUILTIN_ACTIONS.to_vec()),
            ("requester", REQUESTER_ACTIONS.to_vec()),
            ("finance", FINANCE_ACTIONS.to_vec()),
        ];
        for (name, actions) in &builtin {
            let actions = actions.iter().map(|a| (*a).to_owned()).collect();
            self.model.roles.insert((*name).to_owned(), actions);
        }
        let declared: Vec<&RoleDecl> = policy
            .declarations
            .iter()
            .filter_map(|d| match d {
                Declaration::Role(r) => Some(r),
                _ => None,
            })
            .collect();
        let mut seen: BTreeMap<String, Span> = BTreeMap::new();
        let mut by_name: BTreeMap<&str, &RoleDecl> = BTreeMap::new();
        for role in &declared {
            if builtin.iter().any(|(name, _)| *name == role.name.name) {
                let problem = Problem::RedeclaredBuiltin {
                    kind: "role",
                    name: role.name.name.clone(),
                };
                self.report(problem, role.name.span);
                continue;
            }
            self.unique(&mut seen, "role", &role.name);
            by_name.entry(role.name.name.as_str()).or_insert(role);
            for action in &role.actions {
                if !self.model.actions.contains(&action.name) {
                    let suggestion = closest(&action.name, self.model.actions.iter());
                    let problem = Problem::UnknownAction {
                        name: action.name.clone(),
                        suggestion,
                    };
                    self.report(problem, action.span);
                }
            }
        }
        // Each cycle is reported once, at the `extends` of its first role in source order.
        let mut in_cycle: BTreeSet<&str> = BTreeSet::new();
        let unique = declared.iter().filter(|r| {
            by_name
                .get(r.name.name.as_str())
                .is_some_and(|d| std::ptr::eq(*d, **r))
        });
        for role in unique {
            let mut actions: BTreeSet<String> =
                role.actions.iter().map(|a| a.name.clone()).collect();
            let mut visited = vec![role.name.name.as_str()];
            let mut parent = role.extends.as_ref();
            while let Some(base) = parent {
                if visited.contains(&base.name.as_str()) {
                    let closes_on_itself = base.name == role.name.name;
                    if closes_on_itself && !in_cycle.contains(role.name.name.as_str()) {
                        in_cycle.extend(visited.iter().copied());
                        let through = visited.last().copied().unwrap_or_default().to_owned();
                        let problem = Problem::RoleCycle {
                            name: role.name.name.clone(),
                            through,
                        };
                        let span = role.extends.as_ref().map_or(role.name.span, |e| e.span);
                        self.report(problem, span);
                    }
                    break;
                }
                visited.push(base.name.as_str());
                if let Some(decl) = by_name.get(base.name.as_str()) {
                    actions.extend(decl.actions.iter().map(|a| a.name.clone()));
                    parent = decl.extends.as_ref();
                } else if let Some(builtin) = self.model.roles.get(&base.name) {
                    actions.extend(builtin.iter().cloned());
                    parent = None;
                } else {
                    // Only the role that names the unknown base reports it.
                    if role.extends.as_ref() == Some(base) {
                        let suggestion = closest(&base.name, known_roles(&by_name));
                        let problem = Problem::UnknownRole {
                            name: base.name.clone(),
                            suggestion,
                        };
                        self.report(problem, base.span);
                    }
                    parent = None;
                }
            }
            actions.retain(|a| self.model.actions.contains(a));
            self.model.roles.insert(role.name.name.clone(), actions);
        }
    }

    // ─── names ───

    fn group_name(&mut self, name: &Ident) -> Option<usize> {
        let id = self.model.group_ids.get(&name.name).copied();
        if id.is_none() {
            let suggestion = closest(&name.name, self.model.group_ids.keys());
            self.report(
                Problem::UnknownGroup {
                    name: name.name.clone(),
                    suggestion,
                },
                name.span,
            );
        }
        id
    }

    fn role_name(&mut self, name: &Ident) {
        if !self.model.roles.contains_key(&name.name) {
            let suggestion = closest(&name.name, self.model.roles.keys());
            self.report(
                Problem::UnknownRole {
                    name: name.name.clone(),
                    suggestion,
                },
                name.span,
            );
        }
    }

    fn category_ref(&mut self, category: &CategoryRef) {
        match category {
            CategoryRef::Id(id) => {
                if !valid_category_id(&id.value) {
                    self.report(
                        Problem::InvalidCategoryId {
                            id: id.value.clone(),
                        },
                        id.span,
                    );
                }
            }
            CategoryRef::Alias(alias) => {
                self.used_aliases.insert(alias.name.clone());
                if !self.model.categories.contains_key(&alias.name) {
                    let suggestion = closest(&alias.name, self.model.categories.keys());
                    let problem = Problem::UnknownCategory {
                        name: alias.name.clone(),
                        suggestion,
                    };
                    self.report(problem, alias.span);
                }
            }
        }
    }

    fn categories(&mut self, categories: &[CategoryRef]) {
        for category in categories {
            self.category_ref(category);
        }
        self.duplicates(categories.iter().map(|c| (category_key(c), c.span())));
    }

    /// Checks a scope; returns false when the exceptions remove every target.
    fn scope(&mut self, scope: Option<&Scope>) -> bool {
        let Some(scope) = scope else { return true };
        let mut targets = Vec::new();
        let mut all = false;
        for target in &scope.targets {
            match target {
                ScopeTarget::All(_) => all = true,
                ScopeTarget::Group { group, mode } => {
                    if let Some(id) = self.group_name(group) {
                        targets.push((id, *mode));
                    }
                }
            }
        }
        self.duplicates(scope.targets.iter().map(|t| match t {
            ScopeTarget::All(span) => ("all".to_owned(), *span),
            ScopeTarget::Group { group, .. } => (group.name.clone(), group.span),
        }));
        let mut excepted = Vec::new();
        for exception in &scope.exceptions {
            let Some(id) = self.group_name(exception) else {
                continue;
            };
            excepted.push(id);
            let inside = all
                || targets.iter().any(|&(target, mode)| {
                    if mode == ScopeMode::Only {
                        target == id
                    } else {
                        self.model.is_within(id, target)
                    }
                });
            if !inside {
                let problem = Problem::ExceptionOutsideScope {
                    name: exception.name.clone(),
                };
                self.report(problem, exception.span);
            }
        }
        self.duplicates(scope.exceptions.iter().map(|e| (e.name.clone(), e.span)));
        all || targets.is_empty()
            || targets
                .iter()
                .any(|&(target, _)| !excepted.iter().any(|&e| self.model.is_within(target, e)))
    }

    // ─── values ───

    /// Checks an amount written in the policy: known currency, no finer than its minor unit.
    fn money(&mut self, money: &Money, allow_fractions: bool) {
        let Some(units) = self.currency(&money.currency) else {
            return;
        };
        if !allow_fractions && money.amount.scale() > units {
            let problem = Problem::TooManyDecimals {
                amount: money.amount.to_string(),
                currency: money.currency.name.clone(),
                allowed: units,
            };
            self.report(problem, money.span);
        }
    }

    fn percent(&mut self, percent: &Percent) {
        if percent.value.is_sign_negative() || percent.value > Decimal::from(MAX_PERCENT) {
            self.report(
                Problem::PercentOutOfRange {
                    value: percent.value.to_string(),
                },
                percent.span,
            );
        }
    }

    fn text(&mut self, text: Option<&Text>) {
        if let Some(text) = text {
            self.duplicates(
                text.translations
                    .iter()
                    .map(|t| (t.locale.name.clone(), t.locale.span)),
            );
        }
    }

    // ─── rules ───

    fn rule(&mut self, rule: &RuleDecl) {
        let reachable = self.scope(rule.scope.as_ref());
        if !reachable {
            self.never(&rule.name, "its exceptions remove every group it names");
        }
        match &rule.target {
            RuleTarget::Lines {
                categories,
                condition,
                ..
            } => {
                self.categories(categories);
                if let Some(condition) = condition {
                    self.condition(condition, LineScope::Line);
                    if is_false(condition) {
                        self.never(&rule.name, "its condition is always false");
                    }
                }
            }
            RuleTarget::Order { condition, .. } => {
                self.condition(condition, LineScope::Order);
                if is_false(condition) {
                    self.never(&rule.name, "its condition is always false");
                }
            }
        }
        self.restriction(rule.severity, rule.approve.as_ref(), rule.severity_span);
        self.text(rule.message.as_ref());
    }

    fn never(&mut self, name: &Ident, reason: &str) {
        let problem = Problem::NeverFires {
            name: name.name.clone(),
            reason: reason.into(),
        };
        self.report(problem, name.span);
    }

    /// `restrict` must say who approves; nothing else may.
    fn restriction(&mut self, severity: Severity, approve: Option<&Approve>, span: Span) {
        match (severity, approve) {
            (Severity::Restrict, None) => self.report(Problem::RestrictWithoutApprovers, span),
            (Severity::Restrict, Some(approve)) => self.approve(approve),
            (_, Some(approve)) => {
                self.report(Problem::ApproversWithoutRestrict, approve.span);
                self.approve(approve);
            }
            (_, None) => {}
        }
    }

    fn action(&mut self, action: &Action) {
        self.restriction(action.severity, action.approve.as_ref(), action.span);
        self.text(action.message.as_ref());
    }

    fn approve(&mut self, approve: &Approve) {
        if let Some(level) = &approve.level {
            if level.value == 0 {
                self.report(
                    Problem::LevelNumbering {
                        found: 0,
                        expected: 1,
                    },
                    level.span,
                );
            }
        }
        self.approver_set(&approve.approvers);
    }

    fn prefer(&mut self, prefer: &PreferDecl) {
        self.categories(&prefer.categories);
        self.scope(prefer.scope.as_ref());
        if prefer.products.is_empty() && prefer.suppliers.is_empty() {
            self.report(Problem::EmptyPreferredList, prefer.name.span);
        }
        for product in &prefer.products {
            if let Some(price) = &product.price {
                self.money(price, true);
                if !price.amount.is_sign_positive() || price.amount.is_zero() {
                    self.report(Problem::NonPositiveAmount, price.span);
                }
            }
        }
        self.duplicates(
            prefer
                .products
                .iter()
                .map(|p| (p.id.value.clone(), p.id.span)),
        );
        self.duplicates(prefer.suppliers.iter().map(|s| (s.value.clone(), s.span)));
        self.text(prefer.message.as_ref());
        self.action(&prefer.otherwise);
        if let Some(rule) = &prefer.price_rule {
            self.percent(&rule.percent);
            match prefer
                .products
                .iter()
                .find(|p| p.id.value == rule.reference.value)
            {
                None => {
                    let problem = Problem::UnknownPreferredProduct {
                        id: rule.reference.value.clone(),
                    };
                    self.report(problem, rule.reference.span);
                }
                Some(product) if product.price.is_none() => {
                    let problem = Problem::PriceReferenceWithoutPrice {
                        id: rule.reference.value.clone(),
                    };
                    self.report(problem, rule.reference.span);
                }
                Some(_) => {}
            }
            self.action(&rule.action);
        }
    }

    fn approval(&mut self, approval: &ApprovalDecl) {
        if !self.scope(approval.scope.as_ref()) {
            self.never(&approval.name, "its exceptions remove every group it names");
        }
        if let Some(condition) = &approval.condition {
            self.condition(condition, LineScope::Order);
            if is_false(condition) {
                self.never(&approval.name, "its condition is always false");
            }
        }
        for (index, level) in approval.levels.iter().enumerate() {
            let expected = u64::try_from(index).unwrap_or(u64::MAX).saturating_add(1);
            if level.number.value != expected {
                let problem = Problem::LevelNumbering {
                    found: level.number.value,
                    expected,
                };
                self.report(problem, level.number.span);
            }
            if let Some(condition) = &level.condition {
                self.condition(condition, LineScope::Order);
            }
            self.approver_set(&level.approvers);
            if let Some(fallback) = &level.fallback {
                self.approver(fallback);
            }
            if let Some(escalation) = &level.escalation {
                if escalation.after.hours() == 0 {
                    self.report(Problem::ZeroDuration, escalation.after.span);
                }
                self.approver(&escalation.to);
            }
        }
        if let Some(SelfApproval::Allowed {
            when: Some(condition),
            ..
        }) = &approval.self_approval
        {
            self.condition(condition, LineScope::Order);
        }
    }

    fn approver_set(&mut self, set: &ApproverSet) {
        for approver in &set.approvers {
            self.approver(approver);
        }
        self.duplicates(set.approvers.iter().filter_map(|a| match a {
            Approver::User(id) => Some((format!("user \"{}\"", id.value), id.span)),
            _ => None,
        }));
        if let Quorum::Count(count) = &set.quorum {
            if count.value == 0 {
                self.report(Problem::QuorumZero, count.span);
            }
            let only_users = set.approvers.iter().all(|a| matches!(a, Approver::User(_)));
            let available = set.approvers.len();
            if only_users && count.value > u64::try_from(available).unwrap_or(u64::MAX) {
                self.report(
                    Problem::QuorumTooLarge {
                        count: count.value,
                        available,
                    },
                    count.span,
                );
            }
        }
    }

    fn approver(&mut self, approver: &Approver) {
        match approver {
            Approver::User(_) | Approver::Manager(_) => {}
            Approver::Role { role, group, .. } => {
                self.role_name(role);
                if let GroupRef::Named(group) = group {
                    self.group_name(group);
                }
            }
            Approver::Chain { covers, max, .. } => {
                self.expect_type(covers, LineScope::Order, &Type::Money(None));
                if let Some(max) = max {
                    if max.value == 0 || max.value > MAX_CHAIN_LENGTH {
                        let problem = Problem::ChainLengthOutOfRange {
                            limit: MAX_CHAIN_LENGTH,
                        };
                        self.report(problem, max.span);
                    }
                }
            }
        }
    }

    fn budget(&mut self, budget: &BudgetDecl) {
        self.group_name(&budget.group);
        self.money(&budget.amount, false);
        if !budget.amount.amount.is_sign_positive() || budget.amount.amount.is_zero() {
            self.report(Problem::NonPositiveAmount, budget.amount.span);
        }
        self.categories(&budget.categories);
        let mut previous: Option<&Percent> = None;
        for (index, band) in budget.bands.iter().enumerate() {
            match &band.up_to {
                Some(percent) => {
                    self.percent(percent);
                    if let Some(prev) = previous {
                        if percent.value <= prev.value {
                            let problem = Problem::BandsOutOfOrder {
                                previous: prev.value.to_string(),
                                current: percent.value.to_string(),
                            };
                            self.report(problem, percent.span);
                        }
                    }
                    previous = Some(percent);
                }
                None if index + 1 < budget.bands.len() => {
                    self.report(Problem::UnlimitedBandNotLast, band.span);
                }
                None => {}
            }
            self.action(&band.action);
        }
    }

    fn split(&mut self, split: &SplitDecl) {
        self.scope(split.scope.as_ref());
        if split.window.hours() == 0 {
            self.report(Problem::ZeroDuration, split.window.span);
        } else if split.window.hours() > MAX_SPLIT_WINDOW_DAYS * 24 {
            let problem = Problem::WindowTooLong {
                hours: split.window.hours(),
                limit: MAX_SPLIT_WINDOW_DAYS,
            };
            self.report(problem, split.window.span);
        }
        self.duplicates(
            split
                .same
                .iter()
                .map(|(key, span)| (key.keyword().to_owned(), *span)),
        );
        self.money(&split.threshold, false);
        if !split.threshold.amount.is_sign_positive() || split.threshold.amount.is_zero() {
            self.report(Problem::NonPositiveAmount, split.threshold.span);
        }
        if let Some(action) = &split.action {
            self.action(action);
        }
    }

    fn payment(&mut self, payment: &PaymentDecl) {
        self.scope(payment.scope.as_ref());
        self.duplicates(payment.allow.iter().map(|m| (m.name.clone(), m.span)));
        if let Some(default) = &payment.default {
            if !payment.allow.iter().any(|m| m.name == default.name) {
                self.report(
                    Problem::DefaultNotAllowed {
                        method: default.name.clone(),
                    },
                    default.span,
                );
            }
        }
        self.text(payment.message.as_ref());
    }

    fn field(&mut self, field: &FieldDecl) {
        self.scope(field.scope.as_ref());
        self.text(field.title.as_ref());
        self.text(field.help.as_ref());
        if let Some((FieldKind::OneOf(values), span)) = &field.kind {
            if values.is_empty() {
                self.report(Problem::EmptyChoice, *span);
            }
            self.duplicates(values.iter().map(|v| (v.value.clone(), v.span)));
        }
        let Some(pattern) = &field.pattern else {
            return;
        };
        if !matches!(field.kind(), FieldKind::Text) {
            let problem = Problem::PatternOnNonText {
                name: field.name.name.clone(),
                kind: field.kind().keyword(),
            };
            self.report(problem, pattern.span);
        } else if pattern.value.chars().count() > MAX_PATTERN_CHARS {
            let problem = Problem::PatternTooLong {
                limit: MAX_PATTERN_CHARS,
            };
            self.report(problem, pattern.span);
        }
    }

    /// Resolves a custom field named at `level` (`order.fields.x` or a test's `field x`),
    /// reporting an unknown name or one declared at the other level.
    fn custom_field(&mut self, level: FieldLevel, name: &str, span: Span) -> Option<(usize, Type)> {
        let prefix = |level: FieldLevel| match level {
            FieldLevel::Order => "order",
            FieldLevel::Lines => "line",
        };
        match self.model.field(name) {
            Some((slot, info)) if info.level == level => Some((slot, info.ty.clone())),
            Some((_, info)) => {
                let problem = Problem::FieldLevelMismatch {
                    name: name.to_owned(),
                    declared: info.level.keyword(),
                    path: format!("{}.fields.{name}", prefix(info.level)),
                };
                self.report(problem, span);
                None
            }
            None => {
                let same_level = self
                    .model
                    .fields
                    .iter()
                    .filter(|f| f.level == level)
                    .map(|f| f.name.as_str());
                let suggestion = closest(name, same_level);
                let problem = Problem::UnknownCustomField {
                    name: name.to_owned(),
                    suggestion,
                };
                self.report(problem, span);
                None
            }
        }
    }

    /// The custom field values a test sets: declared names at the right level, each once.
    fn test_fields(&mut self, test: &TestDecl) {
        let mut seen = BTreeSet::new();
        for field in &test.order {
            if let OrderField::Custom(name, _) = field {
                self.custom_field(FieldLevel::Order, &name.name, name.span);
                if !seen.insert(name.name.clone()) {
                    let key = name.name.clone();
                    self.report(Problem::DuplicateKey { key }, name.span);
                }
            }
        }
        for line in &test.lines {
            self.duplicates(line.fields.iter().map(|(n, _)| (n.name.clone(), n.span)));
            for (name, _) in &line.fields {
                self.custom_field(FieldLevel::Lines, &name.name, name.span);
            }
        }
    }

    fn invoice(&mut self, invoice: &InvoiceDecl) {
        self.scope(invoice.scope.as_ref());
        self.duplicates(
            invoice
                .split_by
                .iter()
                .map(|(key, span)| (key.keyword().to_owned(), *span))
                .chain(
                    invoice
                        .split_fields
                        .iter()
                        .map(|f| (format!("field {}", f.name), f.span)),
                ),
        );
        // Invoices split by an order's own fields: a line field has no single value.
        for field in &invoice.split_fields {
            self.custom_field(FieldLevel::Order, &field.name, field.span);
        }
        if let Cadence::Weeks { weeks, span, .. } = &invoice.cadence {
            if !(1..=2).contains(weeks) {
                self.report(Problem::UnsupportedWeeks { weeks: *weeks }, *span);
            }
        }
        let days = invoice.terms.value;
        let needed = match days {
            30 => None,
            45 => Some("plus"),
            60 => Some("premium"),
            _ => {
                self.report(Problem::UnsupportedTerms { days }, invoice.terms.span);
                None
            }
        };
        if let Some(needed) = needed {
            let rank = |tier: &str| match tier {
                "premium" => 2,
                "plus" => 1,
                _ => 0,
            };
            if rank(&self.model.tier) < rank(needed) {
                let problem = Problem::TermsNeedTier {
                    days,
                    needed,
                    tier: self.model.tier.clone(),
                };
                self.report(problem, invoice.terms.span);
            }
        }
    }

    fn test(&mut self, test: &TestDecl, budgets: &BTreeSet<String>) {
        for user in &test.users {
            if let Some(limit) = &user.limit {
                self.money(limit, false);
            }
            for (role, group) in &user.roles {
                self.role_name(role);
                self.group_name(group);
            }
        }
        self.group_name(&test.buyer.group);
        self.test_fields(test);
        for field in &test.order {
            match field {
                OrderField::Tax(m) | OrderField::Shipping(m) => self.money(m, false),
                OrderField::Currency(code) => {
                    self.currency(code);
                }
                _ => {}
            }
        }
        let mut lines: BTreeMap<String, Span> = BTreeMap::new();
        for line in &test.lines {
            if lines.insert(line.id.value.clone(), line.id.span).is_some() {
                self.report(
                    Problem::DuplicateTestLine {
                        line: line.id.value.clone(),
                    },
                    line.id.span,
                );
            }
            if !valid_category_id(&line.category.value) {
                self.report(
                    Problem::InvalidCategoryId {
                        id: line.category.value.clone(),
                    },
                    line.category.span,
                );
            }
            self.money(&line.price, true);
            if let Some(quantity) = &line.quantity {
                if quantity.value == 0 {
                    self.report(Problem::ZeroQuantity, quantity.span);
                }
            }
        }
        for rate in &test.rates {
            self.currency(&rate.from);
            self.currency(&rate.to);
            if rate.rate <= Decimal::ZERO {
                self.report(Problem::NonPositiveAmount, rate.span);
            }
        }
        if let Some(now) = &test.now {
            if crate::base::calendar::instant(&now.value).is_none() {
                self.report(
                    Problem::InvalidDate {
                        text: now.value.clone(),
                    },
                    now.span,
                );
            }
        }
        for order in &test.recent {
            if crate::base::calendar::instant(&order.at.value).is_none() {
                self.report(
                    Problem::InvalidDate {
                        text: order.at.value.clone(),
                    },
                    order.at.span,
                );
            }
            self.money(&order.subtotal, false);
        }
        for (budget, amount) in &test.spent {
            if !budgets.contains(&budget.name) {
                let suggestion = closest(&budget.name, budgets.iter());
                let problem = Problem::UnknownBudget {
                    name: budget.name.clone(),
                    suggestion,
                };
                self.report(problem, budget.span);
            }
            self.money(amount, false);
        }
        for expectation in &test.expectations {
            match expectation {
                Expectation::Line { line, .. } if !lines.contains_key(&line.value) => {
                    self.report(
                        Problem::UnknownTestLine {
                            line: line.value.clone(),
                        },
                        line.span,
                    );
                }
                Expectation::Total(total) => self.money(total, false),
                _ => {}
            }
        }
    }

    /// Warns when a `prefer` names a category that an unconditional `block` rule blocks for
    /// the same groups: the preferred products could never be bought.
    fn contradictions(&mut self, policy: &Policy) {
        let blocks: Vec<&RuleDecl> = policy
            .declarations
            .iter()
            .filter_map(|d| match d {
                Declaration::Rule(r) if r.severity == Severity::Block => Some(r),
                _ => None,
            })
            .collect();
        // An unconditional block hides any other unconditional rule on the same lines.
        let unconditional: Vec<(&RuleDecl, &Vec<CategoryRef>)> = policy
            .declarations
            .iter()
            .filter_map(|d| match d {
                Declaration::Rule(r) => match &r.target {
                    RuleTarget::Lines {
                        categories,
                        condition: None,
                        ..
                    } => Some((r, categories)),
                    _ => None,
                },
                _ => None,
            })
            .collect();
        for (i, (first, first_categories)) in unconditional.iter().enumerate() {
            for (second, second_categories) in unconditional.iter().skip(i + 1) {
                let (block, other, block_categories, other_categories) =
                    match (first.severity, second.severity) {
                        (Severity::Block, Severity::Block) => continue,
                        (Severity::Block, _) => {
                            (first, second, first_categories, second_categories)
                        }
                        (_, Severity::Block) => {
                            (second, first, second_categories, first_categories)
                        }
                        _ => continue,
                    };
                let hidden = !other_categories.is_empty()
                    && other_categories.iter().all(|c| {
                        block_categories.iter().any(|b| {
                            let (b, c) = (self.resolve_category(b), self.resolve_category(c));
                            matches!((b, c), (Some(b), Some(c)) if category_covers(&b, &c))
                        })
                    });
                if hidden && scopes_equal(block.scope.as_ref(), other.scope.as_ref()) {
                    let problem = Problem::Contradiction {
                        first: first.name.name.clone(),
                        second: second.name.name.clone(),
                        reason: format!(
                            "`{}` can never show because `{}` blocks the same lines",
                            other.name.name, block.name.name
                        ),
                    };
                    let report = Report::new(problem, second.name.span)
                        .label(first.name.span, "the other rule");
                    self.reports.push(report);
                }
            }
        }
        for declaration in &policy.declarations {
            let Declaration::Prefer(prefer) = declaration else {
                continue;
            };
            for block in &blocks {
                let RuleTarget::Lines {
                    categories,
                    condition: None,
                    ..
                } = &block.target
                else {
                    continue;
                };
                let covered = prefer.categories.iter().any(|preferred| {
                    categories.iter().any(|blocked| {
                        let (p, b) = (
                            self.resolve_category(preferred),
                            self.resolve_category(blocked),
                        );
                        matches!((p, b), (Some(p), Some(b)) if category_covers(&b, &p))
                    })
                });
                if covered && scopes_equal(prefer.scope.as_ref(), block.scope.as_ref()) {
                    let problem = Problem::Contradiction {
                        first: block.name.name.clone(),
                        second: prefer.name.name.clone(),
                        reason: "the preferred products lie in a category the first rule blocks"
                            .into(),
                    };
                    let report = Report::new(problem, prefer.name.span)
                        .label(block.name.span, "blocked here");
                    self.reports.push(report);
                }
            }
        }
    }

    fn resolve_category(&self, category: &CategoryRef) -> Option<String> {
        match category {
            CategoryRef::Id(id) => Some(id.value.clone()),
            CategoryRef::Alias(alias) => self.model.categories.get(&alias.name).cloned(),
        }
    }

    // ─── expressions ───

    fn condition(&mut self, expr: &Expr, scope: LineScope) {
        self.expect_type(expr, scope, &Type::Bool);
    }

    fn expect_type(&mut self, expr: &Expr, scope: LineScope, expected: &Type) {
        let found = self.expr(expr, scope);
        let fits = match (expected, &found) {
            (_, Type::Error) => true,
            (Type::Money(_), Type::Money(_)) => true,
            (expected, found) => expected == found,
        };
        if !fits {
            let problem = Problem::TypeMismatch {
                expected: expected.describe(),
                found: found.describe(),
            };
            self.report(problem, expr.span);
        }
    }

    fn expr(&mut self, expr: &Expr, scope: LineScope) -> Type {
        match &expr.kind {
            ExprKind::Money(money) => {
                self.money(money, true);
                Type::Money(Some(money.currency.name.clone()))
            }
            ExprKind::Percent(_) => Type::Percent,
            ExprKind::Number(_) => Type::Number,
            ExprKind::Str(_) => Type::Str,
            ExprKind::Bool(_) => Type::Bool,
            ExprKind::List(items) => {
                let mut item_type: Option<Type> = None;
                for item in items {
                    let ty = self.expr(item, scope);
                    match &item_type {
                        None => item_type = Some(ty),
                        Some(first) if !same_kind(first, &ty) => {
                            let problem = Problem::TypeMismatch {
                                expected: first.describe(),
                                found: ty.describe(),
                            };
                            self.report(problem, item.span);
                        }
                        Some(_) => {}
                    }
                }
                Type::List(Box::new(item_type.unwrap_or(Type::Str)))
            }
            ExprKind::Path(segments) => {
                let path = segments
                    .iter()
                    .map(|s| s.name.as_str())
                    .collect::<Vec<_>>()
                    .join(".");
                let names: Vec<&str> = segments.iter().map(|s| s.name.as_str()).collect();
                if let Some((level, name)) = custom_path(&names) {
                    if level == FieldLevel::Lines && scope == LineScope::Order {
                        self.report(Problem::LineOutsideLines { path }, expr.span);
                        return Type::Error;
                    }
                    return self
                        .custom_field(level, name, expr.span)
                        .map_or(Type::Error, |(_, ty)| ty);
                }
                match Field::lookup(&path) {
                    Some(field) if field.is_line() && scope == LineScope::Order => {
                        self.report(Problem::LineOutsideLines { path }, expr.span);
                        Type::Error
                    }
                    Some(field) => field_type(field),
                    None => {
                        let suggestion = closest(&path, FIELDS.iter().map(|(name, _)| *name));
                        self.report(Problem::UnknownField { path, suggestion }, expr.span);
                        Type::Error
                    }
                }
            }
            ExprKind::Categories(categories) => {
                self.categories(categories);
                Type::Categories
            }
            ExprKind::Groups(groups) => {
                for group in groups {
                    self.group_name(group);
                }
                Type::Groups
            }
            ExprKind::Aggregate {
                function,
                categories,
                condition,
            } => {
                self.categories(categories);
                if let Some(condition) = condition {
                    self.condition(condition, LineScope::Line);
                }
                match function {
                    AggregateFn::Sum => Type::Money(None),
                    AggregateFn::Count => Type::Number,
                    AggregateFn::Any | AggregateFn::All => Type::Bool,
                }
            }
            ExprKind::Unary(op, operand) => {
                let ty = self.expr(operand, scope);
                match (op, &ty) {
                    (_, Type::Error) => Type::Error,
                    (UnaryOp::Not, Type::Bool) => Type::Bool,
                    (UnaryOp::Neg, Type::Money(_) | Type::Number | Type::Percent) => ty,
                    (UnaryOp::Not, _) => self.mismatch(&Type::Bool, &ty, operand.span),
                    (UnaryOp::Neg, _) => self.mismatch(&Type::Number, &ty, operand.span),
                }
            }
            ExprKind::Binary(op, left, right) => self.binary(*op, left, right, scope, expr.span),
        }
    }

    fn mismatch(&mut self, expected: &Type, found: &Type, span: Span) -> Type {
        let problem = Problem::TypeMismatch {
            expected: expected.describe(),
            found: found.describe(),
        };
        self.report(problem, span);
        Type::Error
    }

    fn binary(
        &mut self,
        op: BinaryOp,
        left: &Expr,
        right: &Expr,
        scope: LineScope,
        span: Span,
    ) -> Type {
        let l = self.expr(left, scope);
        let r = self.expr(right, scope);
        if matches!(
            op,
            BinaryOp::Compare(CompareOp::Eq | CompareOp::Ne) | BinaryOp::In
        ) {
            self.impossible_values(left, right);
            if op != BinaryOp::In {
                self.impossible_values(right, left);
            }
        }
        if l == Type::Error || r == Type::Error {
            return match op {
                BinaryOp::Or
                | BinaryOp::And
                | BinaryOp::Compare(_)
                | BinaryOp::In
                | BinaryOp::StartsWith
                | BinaryOp::EndsWith => Type::Bool,
                _ => Type::Error,
            };
        }
        match op {
            BinaryOp::Or | BinaryOp::And => {
                if l != Type::Bool {
                    self.mismatch(&Type::Bool, &l, left.span);
                }
                if r != Type::Bool {
                    self.mismatch(&Type::Bool, &r, right.span);
                }
                Type::Bool
            }
            BinaryOp::Compare(cmp) => {
                let ordered = !matches!(cmp, CompareOp::Eq | CompareOp::Ne);
                self.currencies(&l, &r, span);
                let comparable = match (&l, &r) {
                    (Type::Money(_), Type::Money(_)) => true,
                    (Type::Number, Type::Number) | (Type::Percent, Type::Percent) => true,
                    (Type::Str | Type::Category, Type::Str | Type::Category)
                    | (Type::Bool, Type::Bool) => !ordered,
                    _ => false,
                };
                if !comparable {
                    let problem = Problem::IncomparableTypes {
                        left: l.describe(),
                        right: r.describe(),
                    };
                    self.report(problem, span);
                }
                Type::Bool
            }
            BinaryOp::In => {
                let fits = match (&l, &r) {
                    (Type::Category, Type::Categories) | (Type::Group, Type::Groups) => true,
                    (Type::Str | Type::Category, Type::List(item)) => **item == Type::Str,
                    (Type::Number, Type::List(item)) => **item == Type::Number,
                    (Type::Money(_), Type::List(item)) => item.is_money(),
                    _ => false,
                };
                if !fits {
                    self.invalid(op, &l, &r, span);
                }
                Type::Bool
            }
            BinaryOp::StartsWith | BinaryOp::EndsWith => {
                let text = |t: &Type| matches!(t, Type::Str | Type::Category);
                if !(text(&l) && text(&r)) {
                    self.invalid(op, &l, &r, span);
                }
                Type::Bool
            }
            BinaryOp::Add | BinaryOp::Sub => match (&l, &r) {
                (Type::Money(_), Type::Money(_)) => {
                    self.currencies(&l, &r, span);
                    money_of(&l, &r)
                }
                (Type::Number, Type::Number) => Type::Number,
                (Type::Percent, Type::Percent) => Type::Percent,
                _ => self.invalid(op, &l, &r, span),
            },
            BinaryOp::Mul => match (&l, &r) {
                (Type::Money(_), Type::Number) => l,
                (Type::Number, Type::Money(_)) => r,
                (Type::Number, Type::Number) => Type::Number,
                _ => self.invalid(op, &l, &r, span),
            },
            BinaryOp::Of => match (&l, &r) {
                (Type::Percent, Type::Money(_) | Type::Number) => r,
                _ => self.invalid(op, &l, &r, span),
            },
        }
    }

    /// Warns when a custom field is compared with a string it can never hold: one outside
    /// its `one of` list, not matching its pattern, or not a date for a `date` field.
    fn impossible_values(&mut self, left: &Expr, right: &Expr) {
        let ExprKind::Path(segments) = &left.kind else {
            return;
        };
        let names: Vec<&str> = segments.iter().map(|s| s.name.as_str()).collect();
        let Some((_, name)) = custom_path(&names) else {
            return;
        };
        let Some(info) = self.model.field(name).map(|(_, info)| info.clone()) else {
            return;
        };
        let literals: Vec<(&str, Span)> = match &right.kind {
            ExprKind::Str(value) => vec![(value.as_str(), right.span)],
            ExprKind::List(items) => items
                .iter()
                .filter_map(|item| match &item.kind {
                    ExprKind::Str(value) => Some((value.as_str(), item.span)),
                    _ => None,
                })
                .collect(),
            _ => return,
        };
        for (value, span) in literals {
            let reason = match (&info.kind, &info.pattern) {
                (FieldKind::OneOf(values), _) if !values.iter().any(|v| v.value == value) => {
                    "it is not in the field's list".to_owned()
                }
                (FieldKind::Text, Some(pattern))
                    if !crate::base::shapes::mask_matches(pattern, value) =>
                {
                    format!("it does not match the pattern `{pattern}`")
                }
                (FieldKind::Date, _) if !crate::base::shapes::is_date(value) => {
                    "it is not a date written `YYYY-MM-DD`".to_owned()
                }
                _ => continue,
            };
            let problem = Problem::ImpossibleFieldValue {
                value: value.to_owned(),
                name: info.name.clone(),
                reason,
            };
            self.report(problem, span);
        }
    }

    fn invalid(&mut self, op: BinaryOp, l: &Type, r: &Type, span: Span) -> Type {
        let problem = Problem::InvalidOperands {
            op: op.symbol().into(),
            left: l.describe(),
            right: r.describe(),
        };
        self.report(problem, span);
        Type::Error
    }

    /// Two amounts whose currencies are both fixed in the policy must agree.
    fn currencies(&mut self, l: &Type, r: &Type, span: Span) {
        if let (Type::Money(Some(a)), Type::Money(Some(b))) = (l, r) {
            if a != b {
                self.report(
                    Problem::CurrencyMismatch {
                        left: a.clone(),
                        right: b.clone(),
                    },
                    span,
                );
            }
        }
    }
}

fn money_of(l: &Type, r: &Type) -> Type {
    match (l, r) {
        (Type::Money(Some(c)), _) | (_, Type::Money(Some(c))) => Type::Money(Some(c.clone())),
        _ => Type::Money(None),
    }
}

fn same_kind(a: &Type, b: &Type) -> bool {
    matches!(
        (a, b),
        (Type::Money(_), Type::Money(_)) | (Type::Error, _) | (_, Type::Error)
    ) || a == b
}

/// The name a declaration is known by in traces, if it has one.
pub fn rule_name(declaration: &Declaration) -> Option<&Ident> {
    match declaration {
        Declaration::Rule(d) => Some(&d.name),
        Declaration::Prefer(d) => Some(&d.name),
        Declaration::Approval(d) => Some(&d.name),
        Declaration::Budget(d) => Some(&d.name),
        Declaration::Split(d) => Some(&d.name),
        Declaration::Payment(d) => Some(&d.name),
        Declaration::ShipTo(d) => Some(&d.name),
        Declaration::PoNumber(d) => Some(&d.name),
        Declaration::Invoice(d) => Some(&d.name),
        _ => None,
    }
}

fn known_roles<'a>(declared: &'a BTreeMap<&str, &RoleDecl>) -> impl Iterator<Item = &'a str> {
    ["admin", "requester", "finance"]
        .into_iter()
        .chain(declared.keys().copied())
}

fn category_key(category: &CategoryRef) -> String {
    match category {
        CategoryRef::Id(id) => id.value.clone(),
        CategoryRef::Alias(alias) => alias.name.clone(),
    }
}

fn is_false(expr: &Expr) -> bool {
    matches!(expr.kind, ExprKind::Bool(false))
}

fn scopes_equal(a: Option<&Scope>, b: Option<&Scope>) -> bool {
    let key = |s: Option<&Scope>| {
        s.map(|s| {
            let targets: BTreeSet<String> = s
                .targets
                .iter()
                .map(|t| match t {
                    ScopeTarget::All(_) => "*".to_owned(),
                    ScopeTarget::Group { group, mode } => {
                        format!(
                            "{}{}",
                            group.name,
                            if *mode == ScopeMode::Only { "!" } else { "" }
                        )
                    }
                })
                .collect();
            let exceptions: BTreeSet<String> =
                s.exceptions.iter().map(|e| e.name.clone()).collect();
            (targets, exceptions)
        })
    };
    key(a) == key(b)
}

/// The known name closest to `name`, if close enough to be a likely typo.
fn closest<'a, I, S>(name: &str, candidates: I) -> Option<String>
where
    I: IntoIterator<Item = S>,
    S: AsRef<str> + 'a,
{
    let limit = (name.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .map(|c| (edit_distance(name, c.as_ref()), c.as_ref().to_owned()))
        .filter(|(d, _)| *d <= limit)
        .min()
        .map(|(_, c)| c)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row.first().copied().unwrap_or(0);
        if let Some(first) = row.first_mut() {
            *first = i + 1;
        }
        for (j, cb) in b.iter().enumerate() {
            let above = row.get(j + 1).copied().unwrap_or(0);
            let left = row.get(j).copied().unwrap_or(0);
            let value = (previous + usize::from(ca != *cb))
                .min(above + 1)
                .min(left + 1);
            previous = above;
            if let Some(cell) = row.get_mut(j + 1) {
                *cell = value;
            }
        }
    }
    row.last().copied().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unspsc_codes_cover_their_class() {
        assert!(category_covers("44121600", "44121601"));
        assert!(category_covers("44120000", "44121601"));
        assert!(!category_covers("44121600", "44121700"));
        assert!(category_covers("44121601", "44121601"));
        assert!(!category_covers("44121601", "44121602"));
    }

    #[test]
    fn paths_cover_their_subtree_only() {
        assert!(category_covers("office/paper", "office/paper/copier"));
        assert!(category_covers("office/paper", "office/paper"));
        assert!(!category_covers("office/paper", "office/papers"));
        assert!(!category_covers("office/paper", "44121600"));
    }

    #[test]
    fn category_ids_are_validated() {
        assert!(valid_category_id("office/paper/copier"));
        assert!(valid_category_id("44121600"));
        assert!(!valid_category_id("Office Paper"));
        assert!(!valid_category_id("office//paper"));
        assert!(!valid_category_id(""));
        assert!(valid_category_id("it/lap-tops_2"));
        assert!(valid_category_id("7"));
        for bad in [
            "/office",
            "office/",
            "-office",
            "office/_paper",
            "office/Paper",
            "é",
        ] {
            assert!(!valid_category_id(bad), "{bad}");
        }
    }

    #[test]
    fn suggestions_find_typos() {
        assert_eq!(
            closest("nort", ["north", "south"]),
            Some("north".to_owned())
        );
        assert_eq!(closest("xyz", ["north", "south"]), None);
    }
}

//! Compilation: a checked AST → the [`CompiledPolicy`] evaluation runs on.

use rust_decimal::Decimal;
use sha2::{Digest, Sha256};

use super::ir::*;
use crate::base::diagnostic::LineIndex;
use crate::base::money::{Currency, Rounding};
use crate::base::vocabulary::Field;
use crate::check::{custom_path, Model};
use crate::syntax::ast::{self, Declaration};

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
        aggregate_categories: Vec::new(),
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
    compiled.aggregate_categories = compiler
        .aggregate_categories
        .into_inner()
        .into_iter()
        .collect();
    compiled.build_indexes();
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
        kind: kind.to_owned(),
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

    fn declaration(&mut self, declaration: &Declaration, out: &mut CompiledPolicy) {
        match declaration {
            Declaration::Rule(rule) => self.rule(rule, out),
            Declaration::Prefer(prefer) => self.prefer(prefer, out),
            Declaration::Approval(approval) => self.approval(approval, out),
            Declaration::Budget(budget) => self.budget(budget, out),
            Declaration::Split(split) => self.split(split, out),
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
            Declaration::Invoice(invoice) => self.invoice(invoice, out),
            Declaration::Test(test) => out.tests.push(test.clone()),
            Declaration::Field(field) => self.field(field, out),
            _ => {}
        }
    }

    fn rule(&mut self, rule: &ast::RuleDecl, out: &mut CompiledPolicy) {
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

    fn prefer(&mut self, prefer: &ast::PreferDecl, out: &mut CompiledPolicy) {
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
        let scope = self.scope(prefer.scope.as_ref());
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

    fn approval(&mut self, approval: &ast::ApprovalDecl, out: &mut CompiledPolicy) {
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

    fn budget(&mut self, budget: &ast::BudgetDecl, out: &mut CompiledPolicy) {
        let info = self.info(&budget.name, budget.span);
        let currency =
            Currency::of(&budget.amount.currency.name).unwrap_or_else(|| out.currency.clone());
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

    fn split(&mut self, split: &ast::SplitDecl, out: &mut CompiledPolicy) {
        let info = self.info(&split.name, split.span);
        let currency =
            Currency::of(&split.threshold.currency.name).unwrap_or_else(|| out.currency.clone());
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

    fn invoice(&mut self, invoice: &ast::InvoiceDecl, out: &mut CompiledPolicy) {
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

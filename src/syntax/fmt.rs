//! The canonical formatter: [`print`] writes a parsed policy back in the one layout every
//! policy shares, e.g. `examples/maple.procura`.
//!
//! Formatting is a fixpoint (`print(parse(print(x))) == print(x)`) and never changes
//! meaning (`parse(print(x))` equals `parse(x)` but for spans).
//!
//! # Layout
//!
//! - Two spaces per level. A block opens with `{` at the end of its first line and closes
//!   with `}` alone on a line; a block with nothing inside is written `{}`.
//! - Declarations are separated by one blank line, except that consecutive `actions`,
//!   `role` and `category` declarations, which are one line each, stay adjacent.
//! - The header has one setting per line; every other block has one clause per line, in
//!   the grammar's order. Groups nest with braces; a group written without braces stays so.
//! - A message's translations go on their own lines, indented two more than the line of
//!   the default text: `message "…"` then `  fr "…"`.
//! - An action (`otherwise`, budget bands, price rules, split checks) keeps its text on the
//!   same line, unless it has an `approve` clause: then the text goes on the next line,
//!   indented two more.
//! - Lists are separated by `, `. Strings escape `"`, `\`, newline, tab and carriage
//!   return, and keep every other character as it is. Amounts keep the scale written
//!   (`1000.00 CAD`); durations agree in number (`1 day`, `7 days`).
//! - Expressions get the fewest parentheses that keep their meaning, by
//!   [`BinaryOp::precedence`](crate::syntax::ast::BinaryOp::precedence) and
//!   [`UnaryOp::precedence`](crate::syntax::ast::UnaryOp::precedence): binary operators associate to
//!   the left, comparisons (`==` … `in`, `starts_with`, `ends_with`) do not associate, and
//!   a `not` under an operator that binds tighter is bracketed. A `category` or `group` set
//!   that would be followed by a comma (in a list, or before the next approver) is
//!   bracketed, since its own list would otherwise run on.
//!
//! # Comments
//!
//! Every comment is kept, once, in source order, on a line of its own. A comment is
//! written before the first declaration, block clause, group, level, band or test
//! statement that starts after it, at that item's indentation; comments after the last
//! item of a block go before its closing `}`; comments after the last declaration stay at
//! the end of the file, after a blank line. So a trailing comment, on the same line as
//! code, moves to its own line above the next item, and a comment inside a clause (say
//! between a message and its translations) moves below the clause.

use crate::syntax::ast::{
    Action, ActionsDecl, ApprovalDecl, Approve, Approver, ApproverSet, BudgetDecl, Cadence,
    CategoryDecl, CategoryRef, Comment, CreditMode, Date, Declaration, Duration, Expectation, Expr,
    ExprKind, GroupDecl, GroupRef, Header, Ident, InvoiceDecl, InvoiceKey, Level, Money,
    OrderField, OutcomeWord, PaymentDecl, Percent, PoDecl, Policy, PreferDecl, Quorum, RoleDecl,
    RuleDecl, RuleTarget, Scope, ScopeMode, ScopeTarget, SelfApproval, Setting, ShipToDecl,
    SplitDecl, SplitKey, Str, TestDecl, Text, TimeUnit, UnaryOp, VerdictWord,
};
use crate::syntax::ast::{FieldDecl, FieldKind};

const INDENT: &str = "  ";

/// Prints `policy` in the canonical layout; `source` is the text it was parsed from,
/// used to place comments. The result ends with exactly one newline.
pub fn print(policy: &Policy, source: &str) -> String {
    let mut printer = Printer {
        source,
        comments: &policy.comments,
        next: 0,
        out: String::new(),
    };
    printer.policy(policy);
    let body = printer.out.trim_end_matches('\n');
    format!("{body}\n")
}

struct Printer<'a> {
    source: &'a str,
    comments: &'a [Comment],
    /// The first comment not yet written.
    next: usize,
    out: String,
}

impl Printer<'_> {
    // ─── lines and comments ───

    fn line(&mut self, depth: usize, text: &str) {
        for _ in 0..depth {
            self.out.push_str(INDENT);
        }
        self.out.push_str(text.trim_end());
        self.out.push('\n');
    }

    fn blank(&mut self) {
        self.out.push('\n');
    }

    /// Whether a comment not yet written starts before `offset`.
    fn pending(&self, offset: usize) -> bool {
        self.comments
            .get(self.next)
            .is_some_and(|c| c.span.start < offset)
    }

    /// Writes every comment not yet written that starts before `offset`.
    fn comments_before(&mut self, offset: usize, depth: usize) {
        while let Some(comment) = self.comments.get(self.next) {
            if comment.span.start >= offset {
                break;
            }
            self.next += 1;
            self.line(depth, &comment.text);
        }
    }

    /// Writes `head {`, the body one level deeper, the comments left before `end`, and `}`;
    /// or `head {}` when there is nothing inside.
    fn block(
        &mut self,
        depth: usize,
        head: &str,
        end: usize,
        has_items: bool,
        body: impl FnOnce(&mut Self),
    ) {
        if !has_items && !self.pending(end) {
            self.line(depth, &format!("{head} {{}}"));
            return;
        }
        self.line(depth, &format!("{head} {{"));
        body(self);
        self.comments_before(end, depth + 1);
        self.line(depth, "}");
    }

    /// The offset of the first token at or after `offset`, skipping blanks and comments.
    fn token_at_or_after(&self, offset: usize) -> usize {
        let bytes = self.source.as_bytes();
        let mut at = offset;
        loop {
            match bytes.get(at) {
                Some(b' ' | b'\t' | b'\r' | b'\n') => at += 1,
                Some(b'/') if bytes.get(at + 1) == Some(&b'/') => {
                    while bytes.get(at).is_some_and(|&b| b != b'\n') {
                        at += 1;
                    }
                }
                _ => return at,
            }
        }
    }

    // ─── declarations ───

    fn policy(&mut self, policy: &Policy) {
        let mut previous: Option<&Declaration> = None;
        for declaration in &policy.declarations {
            if let Some(previous) = previous {
                if !adjacent(previous, declaration) {
                    self.blank();
                }
            }
            self.comments_before(declaration.span().start, 0);
            self.declaration(declaration);
            previous = Some(declaration);
        }
        if previous.is_some() && self.pending(usize::MAX) {
            self.blank();
        }
        self.comments_before(usize::MAX, 0);
    }

    fn declaration(&mut self, declaration: &Declaration) {
        match declaration {
            Declaration::Header(d) => self.header(d),
            Declaration::Actions(d) => self.actions(d),
            Declaration::Role(d) => self.role(d),
            Declaration::Group(d) => self.group(d, 0),
            Declaration::Category(d) => self.category(d),
            Declaration::Rule(d) => self.rule(d),
            Declaration::Prefer(d) => self.prefer(d),
            Declaration::Approval(d) => self.approval(d),
            Declaration::Budget(d) => self.budget(d),
            Declaration::Split(d) => self.split(d),
            Declaration::Payment(d) => self.payment(d),
            Declaration::ShipTo(d) => self.ship_to(d),
            Declaration::PoNumber(d) => self.po_number(d),
            Declaration::Field(d) => self.field(d),
            Declaration::Invoice(d) => self.invoice(d),
            Declaration::Test(d) => self.test(d),
        }
    }

    fn header(&mut self, header: &Header) {
        let head = format!("policy {}", string(&header.name.value));
        self.block(
            0,
            &head,
            header.span.end,
            !header.settings.is_empty(),
            |p| {
                for setting in &header.settings {
                    p.comments_before(setting.span().start, 1);
                    p.line(
                        1,
                        &format!("{} {}", setting.keyword(), setting_value(setting)),
                    );
                }
            },
        );
    }

    fn actions(&mut self, actions: &ActionsDecl) {
        self.line(0, &format!("actions {}", idents(&actions.actions)));
    }

    fn role(&mut self, role: &RoleDecl) {
        let mut text = format!("role {}", role.name.name);
        if let Some(base) = &role.extends {
            text.push_str(&format!(" extends {}", base.name));
        }
        text.push_str(&format!(" {{ can {} }}", idents(&role.actions)));
        self.line(0, &text);
    }

    fn group(&mut self, group: &GroupDecl, depth: usize) {
        let head = format!("group {}{}", group.name.name, title(group.title.as_ref()));
        match &group.children {
            None => self.line(depth, &head),
            Some(children) => {
                self.block(depth, &head, group.span.end, !children.is_empty(), |p| {
                    for child in children {
                        p.comments_before(child.span.start, depth + 1);
                        p.group(child, depth + 1);
                    }
                });
            }
        }
    }

    fn category(&mut self, category: &CategoryDecl) {
        let text = format!(
            "category {} = {}{}",
            category.name.name,
            string(&category.id.value),
            title(category.title.as_ref())
        );
        self.line(0, &text);
    }

    fn rule(&mut self, rule: &RuleDecl) {
        let head = format!("rule {}{}", rule.name.name, title(rule.title.as_ref()));
        self.block(0, &head, rule.span.end, true, |p| {
            p.comments_before(rule.severity_span.start, 1);
            let effect = match &rule.target {
                RuleTarget::Lines {
                    categories,
                    condition,
                    ..
                } => {
                    let mut text = format!("{} lines", rule.severity.keyword());
                    if !categories.is_empty() {
                        text.push_str(&format!(" in category {}", category_refs(categories)));
                    }
                    if let Some(condition) = condition {
                        text.push_str(&format!(" where {}", expr(condition)));
                    }
                    text
                }
                RuleTarget::Order { condition, .. } => {
                    format!("{} order when {}", rule.severity.keyword(), expr(condition))
                }
            };
            p.line(1, &effect);
            p.scope_line(rule.scope.as_ref());
            if let Some(approve) = &rule.approve {
                p.comments_before(approve.span.start, 1);
                p.line(1, &approve_text(approve));
            }
            p.message(rule.message.as_ref());
        });
    }

    fn prefer(&mut self, prefer: &PreferDecl) {
        let head = format!(
            "prefer {}{}",
            prefer.name.name,
            title(prefer.title.as_ref())
        );
        self.block(0, &head, prefer.span.end, true, |p| {
            if let Some(first) = prefer.categories.first() {
                p.comments_before(first.span().start, 1);
            }
            p.line(
                1,
                &format!("in category {}", category_refs(&prefer.categories)),
            );
            p.scope_line(prefer.scope.as_ref());
            if let Some(first) = prefer.products.first() {
                p.comments_before(first.span.start, 1);
                let products: Vec<String> = prefer
                    .products
                    .iter()
                    .map(|product| match &product.price {
                        Some(price) => format!("{} at {}", string(&product.id.value), money(price)),
                        None => string(&product.id.value),
                    })
                    .collect();
                p.line(1, &format!("products {}", products.join(", ")));
            }
            if let Some(first) = prefer.suppliers.first() {
                p.comments_before(first.span.start, 1);
                p.line(1, &format!("suppliers {}", strings(&prefer.suppliers)));
            }
            p.message(prefer.message.as_ref());
            p.comments_before(prefer.otherwise.span.start, 1);
            p.action(1, "otherwise ", &prefer.otherwise);
            if let Some(rule) = &prefer.price_rule {
                p.comments_before(rule.span.start, 1);
                let lead = format!(
                    "when price {} {} above {}: ",
                    rule.op.symbol(),
                    percent(&rule.percent),
                    string(&rule.reference.value)
                );
                p.action(1, &lead, &rule.action);
            }
        });
    }

    fn approval(&mut self, approval: &ApprovalDecl) {
        let head = format!(
            "approval {}{}",
            approval.name.name,
            title(approval.title.as_ref())
        );
        self.block(0, &head, approval.span.end, true, |p| {
            p.scope_line(approval.scope.as_ref());
            if let Some(condition) = &approval.condition {
                p.comments_before(condition.span.start, 1);
                p.line(1, &format!("when {}", expr(condition)));
            }
            for level in &approval.levels {
                p.comments_before(level.span.start, 1);
                p.line(1, &level_text(level));
            }
            if let Some(self_approval) = &approval.self_approval {
                let (span, text) = match self_approval {
                    SelfApproval::Allowed {
                        when: Some(condition),
                        span,
                    } => (
                        span,
                        format!("self approval allowed when {}", expr(condition)),
                    ),
                    SelfApproval::Allowed { when: None, span } => {
                        (span, "self approval allowed".to_owned())
                    }
                    SelfApproval::Denied(span) => (span, "self approval not allowed".to_owned()),
                };
                p.comments_before(span.start, 1);
                p.line(1, &text);
            }
        });
    }

    fn budget(&mut self, budget: &BudgetDecl) {
        let head = format!(
            "budget {}{}",
            budget.name.name,
            title(budget.title.as_ref())
        );
        self.block(0, &head, budget.span.end, true, |p| {
            p.comments_before(budget.group.span.start, 1);
            let per_user = if budget.per_user { " per user" } else { "" };
            p.line(1, &format!("for {}{per_user}", budget.group.name));
            p.comments_before(budget.amount.span.start, 1);
            p.line(
                1,
                &format!("{} {}", budget.period.keyword(), money(&budget.amount)),
            );
            if let Some(first) = budget.categories.first() {
                p.comments_before(first.span().start, 1);
                p.line(
                    1,
                    &format!("in category {}", category_refs(&budget.categories)),
                );
            }
            for band in &budget.bands {
                p.comments_before(band.span.start, 1);
                let lead = match &band.up_to {
                    Some(up_to) => format!("over by at most {}: ", percent(up_to)),
                    None => "over: ".to_owned(),
                };
                p.action(1, &lead, &band.action);
            }
        });
    }

    fn split(&mut self, split: &SplitDecl) {
        let head = format!("split {}{}", split.name.name, title(split.title.as_ref()));
        self.block(0, &head, split.span.end, true, |p| {
            p.scope_line(split.scope.as_ref());
            p.comments_before(split.window.span.start, 1);
            p.line(1, &format!("within {}", duration(&split.window)));
            if let Some((_, first)) = split.same.first() {
                p.comments_before(first.start, 1);
                let keys: Vec<&str> = split.same.iter().map(|(key, _)| split_key(*key)).collect();
                p.line(1, &format!("same {}", keys.join(", ")));
            }
            p.comments_before(split.threshold.span.start, 1);
            let check = format!(
                "when combined {} {} {}",
                split.basis.keyword(),
                split.op.symbol(),
                money(&split.threshold)
            );
            match &split.action {
                Some(action) => p.action(1, &format!("{check}: "), action),
                None => p.line(1, &check),
            }
        });
    }

    fn payment(&mut self, payment: &PaymentDecl) {
        let head = format!("payment {}", payment.name.name);
        self.block(0, &head, payment.span.end, true, |p| {
            p.scope_line(payment.scope.as_ref());
            if let Some(first) = payment.allow.first() {
                p.comments_before(first.span.start, 1);
            }
            p.line(1, &format!("allow {}", idents(&payment.allow)));
            if let Some(default) = &payment.default {
                p.comments_before(default.span.start, 1);
                p.line(1, &format!("default {}", default.name));
            }
            p.message(payment.message.as_ref());
        });
    }

    fn ship_to(&mut self, ship_to: &ShipToDecl) {
        let head = format!("ship_to {}", ship_to.name.name);
        self.block(0, &head, ship_to.span.end, true, |p| {
            p.scope_line(ship_to.scope.as_ref());
            if let Some(first) = ship_to.allow.first() {
                p.comments_before(first.span.start, 1);
            }
            p.line(1, &format!("allow {}", strings(&ship_to.allow)));
            p.message(ship_to.message.as_ref());
        });
    }

    fn po_number(&mut self, po: &PoDecl) {
        let head = format!("po_number {}", po.name.name);
        self.block(0, &head, po.span.end, true, |p| {
            p.scope_line(po.scope.as_ref());
            // `required` has no span of its own: find it after the scope or the `{`.
            let required = match &po.scope {
                Some(scope) => p.token_at_or_after(scope.span.end),
                None => p.token_at_or_after(p.token_at_or_after(po.name.span.end) + 1),
            };
            p.comments_before(required, 1);
            match &po.prefix {
                Some(prefix) => p.line(1, &format!("required prefix {}", string(&prefix.value))),
                None => p.line(1, "required"),
            }
            p.message(po.message.as_ref());
        });
    }

    fn field(&mut self, field: &FieldDecl) {
        let mut head = format!("field {}", field.name.name);
        if let Some(title) = &field.title {
            head.push(' ');
            head.push_str(&inline_text(title));
        }
        let has_items = field.level.is_some()
            || field.kind.is_some()
            || field.required.is_some()
            || field.pattern.is_some()
            || field.scope.is_some()
            || field.help.is_some();
        self.block(0, &head, field.span.end, has_items, |p| {
            if let Some((level, span)) = field.level {
                p.comments_before(span.start, 1);
                p.line(1, &format!("on {}", level.keyword()));
            }
            if let Some((kind, span)) = &field.kind {
                p.comments_before(span.start, 1);
                let text = match kind {
                    FieldKind::OneOf(values) if values.is_empty() => "type one of".to_owned(),
                    FieldKind::OneOf(values) => format!("type one of {}", strings(values)),
                    other => format!("type {}", other.keyword()),
                };
                p.line(1, &text);
            }
            if let Some((required, span)) = field.required {
                p.comments_before(span.start, 1);
                p.line(1, if required { "required" } else { "optional" });
            }
            if let Some(pattern) = &field.pattern {
                p.comments_before(pattern.span.start, 1);
                p.line(1, &format!("pattern {}", string(&pattern.value)));
            }
            p.scope_line(field.scope.as_ref());
            if let Some(help) = &field.help {
                p.comments_before(help.span.start, 1);
                p.text(1, "help ", help);
            }
        });
    }

    fn invoice(&mut self, invoice: &InvoiceDecl) {
        let head = format!("invoice {}", invoice.name.name);
        self.block(0, &head, invoice.span.end, true, |p| {
            p.scope_line(invoice.scope.as_ref());
            p.comments_before(invoice.template.span.start, 1);
            p.line(1, &format!("template {}", string(&invoice.template.value)));
            p.comments_before(invoice.bill_to.span.start, 1);
            p.line(1, &format!("bill to {}", string(&invoice.bill_to.value)));
            if let Some(first) = invoice.send_to.first() {
                p.comments_before(first.span.start, 1);
            }
            p.line(1, &format!("send to {}", strings(&invoice.send_to)));
            let (cadence_span, cadence) = match &invoice.cadence {
                Cadence::PerOrder(span) => (span, "per order".to_owned()),
                Cadence::Monthly(span) => (span, "every month".to_owned()),
                Cadence::Weeks {
                    weeks,
                    anchor,
                    span,
                } => {
                    let mut text = if *weeks == 1 {
                        "every week".to_owned()
                    } else {
                        format!("every {weeks} weeks")
                    };
                    if let Some(anchor) = anchor {
                        text.push_str(&format!(" from {}", date(anchor)));
                    }
                    (span, text)
                }
            };
            p.comments_before(cadence_span.start, 1);
            p.line(1, &cadence);
            let first = invoice
                .split_by
                .first()
                .map(|(_, span)| *span)
                .or_else(|| invoice.split_fields.first().map(|f| f.span));
            if let Some(first) = first {
                p.comments_before(first.start, 1);
                let keys: Vec<String> = invoice
                    .split_by
                    .iter()
                    .map(|(key, _)| invoice_key(*key).to_owned())
                    .chain(
                        invoice
                            .split_fields
                            .iter()
                            .map(|f| format!("field {}", f.name)),
                    )
                    .collect();
                p.line(1, &format!("split by {}", keys.join(", ")));
            }
            p.comments_before(invoice.terms.span.start, 1);
            p.line(1, &format!("terms net {}", invoice.terms.value));
            if let Some((mode, span)) = &invoice.credits {
                p.comments_before(span.start, 1);
                p.line(1, &format!("credits as {}", credit_mode(*mode)));
            }
        });
    }

    fn test(&mut self, test: &TestDecl) {
        let head = format!("test {}", string(&test.name.value));
        self.block(0, &head, test.span.end, true, |p| {
            for user in &test.users {
                p.comments_before(user.span.start, 1);
                let mut text = format!("user {}", string(&user.id.value));
                if let Some(manager) = &user.manager {
                    text.push_str(&format!(" manager {}", string(&manager.value)));
                }
                if let Some(limit) = &user.limit {
                    text.push_str(&format!(" limit {}", money(limit)));
                }
                for (role, group) in &user.roles {
                    text.push_str(&format!(" role {} in {}", role.name, group.name));
                }
                p.line(1, &text);
            }
            let buyer = &test.buyer;
            p.comments_before(buyer.span.start, 1);
            let mut text = format!("buyer {} in {}", string(&buyer.id.value), buyer.group.name);
            if let Some(locale) = &buyer.locale {
                text.push_str(&format!(" locale {}", locale.name));
            }
            p.line(1, &text);
            if let Some(first) = test.order.first() {
                p.comments_before(order_field_start(first), 1);
                let fields: Vec<String> = test.order.iter().map(order_field).collect();
                p.line(1, &format!("order {}", fields.join(" ")));
            }
            for line in &test.lines {
                p.comments_before(line.span.start, 1);
                let mut text = format!(
                    "line {} product {} category {}",
                    string(&line.id.value),
                    string(&line.product.value),
                    string(&line.category.value)
                );
                if let Some(supplier) = &line.supplier {
                    text.push_str(&format!(" supplier {}", string(&supplier.value)));
                }
                text.push_str(&format!(" price {}", money(&line.price)));
                if let Some(quantity) = &line.quantity {
                    text.push_str(&format!(" qty {}", quantity.value));
                }
                for (name, value) in &line.fields {
                    text.push_str(&format!(" field {} {}", name.name, string(&value.value)));
                }
                p.line(1, &text);
            }
            for (budget, amount) in &test.spent {
                p.comments_before(budget.span.start, 1);
                p.line(1, &format!("spent {} {}", budget.name, money(amount)));
            }
            for rate in &test.rates {
                p.comments_before(rate.span.start, 1);
                p.line(
                    1,
                    &format!("rate {} {} {}", rate.from.name, rate.to.name, rate.rate),
                );
            }
            if let Some(now) = &test.now {
                p.comments_before(now.span.start, 1);
                p.line(1, &format!("now {}", string(&now.value)));
            }
            for order in &test.recent {
                p.comments_before(order.span.start, 1);
                let mut text = format!(
                    "recent {} at {} {}",
                    string(&order.id.value),
                    string(&order.at.value),
                    money(&order.subtotal)
                );
                if let Some(supplier) = &order.supplier {
                    text.push_str(&format!(" supplier {}", string(&supplier.value)));
                }
                if let Some(category) = &order.category {
                    text.push_str(&format!(" category {}", string(&category.value)));
                }
                p.line(1, &text);
            }
            for expectation in &test.expectations {
                let (start, text) = expectation_text(expectation);
                p.comments_before(start, 1);
                p.line(1, &format!("expect {text}"));
            }
        });
    }

    // ─── shared clauses ───

    fn scope_line(&mut self, scope: Option<&Scope>) {
        if let Some(scope) = scope {
            self.comments_before(scope.span.start, 1);
            self.line(1, &scope_text(scope));
        }
    }

    fn message(&mut self, message: Option<&Text>) {
        if let Some(text) = message {
            self.comments_before(text.span.start, 1);
            self.text(1, "message ", text);
        }
    }

    /// The default text after `lead` at `depth`, each translation on its own line below.
    fn text(&mut self, depth: usize, lead: &str, text: &Text) {
        self.line(depth, &format!("{lead}{}", string(&text.default.value)));
        for translation in &text.translations {
            let line = format!(
                "{} {}",
                translation.locale.name,
                string(&translation.text.value)
            );
            self.line(depth + 1, &line);
        }
    }

    /// `lead` then the action; its text moves to the next line when there is an `approve`.
    fn action(&mut self, depth: usize, lead: &str, action: &Action) {
        let mut head = format!("{lead}{}", action.severity.keyword());
        if let Some(approve) = &action.approve {
            head.push(' ');
            head.push_str(&approve_text(approve));
        }
        match (&action.approve, &action.message) {
            (_, None) => self.line(depth, &head),
            (None, Some(text)) => self.text(depth, &format!("{head} "), text),
            (Some(_), Some(text)) => {
                self.line(depth, &head);
                self.text(depth + 1, "", text);
            }
        }
    }
}

/// Consecutive one-line declarations of the same kind are not separated by a blank line.
fn adjacent(previous: &Declaration, next: &Declaration) -> bool {
    matches!(
        (previous, next),
        (Declaration::Actions(_), Declaration::Actions(_))
            | (Declaration::Role(_), Declaration::Role(_))
            | (Declaration::Category(_), Declaration::Category(_))
    )
}

// ─── pieces ──────────────────────────────────────────────────────────────────────────

/// A string literal: `"`, `\`, newline, tab and carriage return escaped, all else as is.
fn string(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A text on one line: `"Project" fr "Projet"`.
fn inline_text(text: &Text) -> String {
    let mut out = string(&text.default.value);
    for translation in &text.translations {
        out.push_str(&format!(
            " {} {}",
            translation.locale.name,
            string(&translation.text.value)
        ));
    }
    out
}

fn strings(values: &[Str]) -> String {
    values
        .iter()
        .map(|s| string(&s.value))
        .collect::<Vec<_>>()
        .join(", ")
}

fn title(title: Option<&Str>) -> String {
    title
        .map(|t| format!(" {}", string(&t.value)))
        .unwrap_or_default()
}

fn idents(names: &[Ident]) -> String {
    names
        .iter()
        .map(|n| n.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

fn money(money: &Money) -> String {
    format!("{} {}", money.amount, money.currency.name)
}

fn percent(percent: &Percent) -> String {
    format!("{}%", percent.value)
}

fn duration(duration: &Duration) -> String {
    let unit = match (duration.unit, duration.amount == 1) {
        (TimeUnit::Hours, true) => "hour",
        (TimeUnit::Hours, false) => "hours",
        (TimeUnit::Days, true) => "day",
        (TimeUnit::Days, false) => "days",
        (TimeUnit::Weeks, true) => "week",
        (TimeUnit::Weeks, false) => "weeks",
    };
    format!("{} {unit}", duration.amount)
}

fn date(date: &Date) -> String {
    format!("{:04}-{:02}-{:02}", date.year, date.month, date.day)
}

fn setting_value(setting: &Setting) -> String {
    match setting {
        Setting::Currency(value)
        | Setting::Rounding(value)
        | Setting::Tier(value)
        | Setting::Locale(value)
        | Setting::BlockedLine(value)
        | Setting::ReapproveOn(value) => value.name.clone(),
        Setting::ApprovalHold(hold) => duration(hold),
    }
}

fn category_ref(category: &CategoryRef) -> String {
    match category {
        CategoryRef::Id(id) => string(&id.value),
        CategoryRef::Alias(alias) => alias.name.clone(),
    }
}

fn category_refs(categories: &[CategoryRef]) -> String {
    categories
        .iter()
        .map(category_ref)
        .collect::<Vec<_>>()
        .join(", ")
}

fn scope_text(scope: &Scope) -> String {
    let targets: Vec<String> = scope
        .targets
        .iter()
        .map(|target| match target {
            ScopeTarget::All(_) => "all".to_owned(),
            ScopeTarget::Group {
                group,
                mode: ScopeMode::Default,
            } => group.name.clone(),
            ScopeTarget::Group {
                group,
                mode: ScopeMode::AndSubgroups,
            } => {
                format!("{} and subgroups", group.name)
            }
            ScopeTarget::Group {
                group,
                mode: ScopeMode::Only,
            } => format!("{} only", group.name),
        })
        .collect();
    let mut text = format!("for {}", targets.join(", "));
    if !scope.exceptions.is_empty() {
        text.push_str(&format!(" except {}", idents(&scope.exceptions)));
    }
    text
}

fn approve_text(approve: &Approve) -> String {
    match &approve.level {
        Some(level) => format!(
            "approve level {}: {}",
            level.value,
            approver_set(&approve.approvers)
        ),
        None => format!("approve {}", approver_set(&approve.approvers)),
    }
}

fn approver_set(set: &ApproverSet) -> String {
    let quorum = match &set.quorum {
        Quorum::Any(_) => "any of".to_owned(),
        Quorum::All(_) => "all of".to_owned(),
        Quorum::Count(count) => format!("{} of", count.value),
    };
    let last = set.approvers.len().saturating_sub(1);
    let approvers: Vec<String> = set
        .approvers
        .iter()
        .enumerate()
        .map(|(i, one)| approver(one, i < last))
        .collect();
    format!("{quorum} {}", approvers.join(", "))
}

/// One approver; `before_comma` says another approver follows it.
fn approver(approver: &Approver, before_comma: bool) -> String {
    match approver {
        Approver::User(id) => format!("user {}", string(&id.value)),
        Approver::Role {
            role,
            group: GroupRef::OrderGroup(_),
            ..
        } => {
            format!("role {} in order.group", role.name)
        }
        Approver::Role {
            role,
            group: GroupRef::Named(group),
            ..
        } => {
            format!("role {} in {}", role.name, group.name)
        }
        Approver::Manager(_) => "manager".to_owned(),
        Approver::Chain { covers, max, .. } => {
            // A comma right after the expression would run on into a trailing set.
            let mut covers_text = String::new();
            write_expr(&mut covers_text, covers, before_comma && max.is_none());
            let mut text = format!("management chain until limit covers {covers_text}");
            if let Some(max) = max {
                text.push_str(&format!(" max {}", max.value));
            }
            text
        }
    }
}

fn level_text(level: &Level) -> String {
    let mut text = format!("level {}", level.number.value);
    if let Some(condition) = &level.condition {
        text.push_str(&format!(" when {}", expr(condition)));
    }
    text.push_str(&format!(": {}", approver_set(&level.approvers)));
    if let Some(fallback) = &level.fallback {
        text.push_str(&format!(" fallback {}", approver(fallback, false)));
    }
    if let Some(escalation) = &level.escalation {
        text.push_str(&format!(
            " escalate after {} to {}",
            duration(&escalation.after),
            approver(&escalation.to, false)
        ));
    }
    text
}

fn split_key(key: SplitKey) -> &'static str {
    match key {
        SplitKey::Supplier => "supplier",
        SplitKey::Category => "category",
    }
}

fn invoice_key(key: InvoiceKey) -> &'static str {
    match key {
        InvoiceKey::Group => "group",
        InvoiceKey::PoNumber => "po_number",
    }
}

fn credit_mode(mode: CreditMode) -> &'static str {
    match mode {
        CreditMode::CreditNote => "credit_note",
        CreditMode::Adjustment => "adjustment",
        CreditMode::Listed => "listed",
    }
}

fn order_field_start(field: &OrderField) -> usize {
    match field {
        OrderField::Po(s) | OrderField::ShipTo(s) | OrderField::CostCentre(s) => s.span.start,
        OrderField::Payment(i) | OrderField::Currency(i) => i.span.start,
        OrderField::Tax(m) | OrderField::Shipping(m) => m.span.start,
        OrderField::Custom(name, _) => name.span.start,
    }
}

fn order_field(field: &OrderField) -> String {
    match field {
        OrderField::Po(po) => format!("po {}", string(&po.value)),
        OrderField::Payment(method) => format!("payment {}", method.name),
        OrderField::ShipTo(address) => format!("ship_to {}", string(&address.value)),
        OrderField::CostCentre(centre) => format!("cost_centre {}", string(&centre.value)),
        OrderField::Tax(tax) => format!("tax {}", money(tax)),
        OrderField::Shipping(shipping) => format!("shipping {}", money(shipping)),
        OrderField::Currency(currency) => format!("currency {}", currency.name),
        OrderField::Custom(name, value) => format!("field {} {}", name.name, string(&value.value)),
    }
}

/// Where an expectation starts (after `expect`) and what follows `expect`.
fn expectation_text(expectation: &Expectation) -> (usize, String) {
    match expectation {
        Expectation::Outcome(outcome, span) => {
            let word = match outcome {
                OutcomeWord::Allowed => "allowed",
                OutcomeWord::ApprovalRequired => "approval_required",
                OutcomeWord::Blocked => "blocked",
            };
            (span.start, word.to_owned())
        }
        Expectation::Line {
            line,
            verdict,
            span,
        } => {
            let word = match verdict {
                VerdictWord::Allowed => "allowed",
                VerdictWord::Preferred => "preferred",
                VerdictWord::Warned => "warned",
                VerdictWord::Restricted => "restricted",
                VerdictWord::Blocked => "blocked",
            };
            (span.start, format!("line {} {word}", string(&line.value)))
        }
        Expectation::Levels(levels) => (levels.span.start, format!("levels {}", levels.value)),
        Expectation::Approver(id) => (id.span.start, format!("approver {}", string(&id.value))),
        Expectation::Total(total) => (total.span.start, format!("total {}", money(total))),
        Expectation::Invoice(template) => (
            template.span.start,
            format!("invoice {}", string(&template.value)),
        ),
    }
}

// ─── expressions ─────────────────────────────────────────────────────────────────────

/// Binding strength of what is not an operator: literals, paths, lists, aggregates, sets.
const ATOM: u8 = u8::MAX;
/// Comparisons, `in`, `starts_with` and `ends_with` share this precedence and do not chain.
const COMPARISON: u8 = 4;

fn precedence(expr: &Expr) -> u8 {
    match &expr.kind {
        ExprKind::Binary(op, _, _) => op.precedence(),
        ExprKind::Unary(op, _) => op.precedence(),
        _ => ATOM,
    }
}

/// An expression with the fewest parentheses that keep its meaning.
pub fn expr(expr: &Expr) -> String {
    let mut out = String::new();
    write_expr(&mut out, expr, false);
    out
}

/// Writes `expr`; `before_comma` says a `,` follows at this level of brackets.
fn write_expr(out: &mut String, expr: &Expr, before_comma: bool) {
    match &expr.kind {
        ExprKind::Money(m) => out.push_str(&money(m)),
        ExprKind::Percent(p) => out.push_str(&percent(p)),
        ExprKind::Number(n) => out.push_str(&n.to_string()),
        ExprKind::Str(s) => out.push_str(&string(s)),
        ExprKind::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        ExprKind::List(items) => {
            out.push('[');
            let last = items.len().saturating_sub(1);
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_expr(out, item, i < last);
            }
            out.push(']');
        }
        ExprKind::Path(segments) => {
            let names: Vec<&str> = segments.iter().map(|s| s.name.as_str()).collect();
            out.push_str(&names.join("."));
        }
        ExprKind::Categories(categories) => {
            let set = format!("category {}", category_refs(categories));
            push_set(out, &set, before_comma);
        }
        ExprKind::Groups(groups) => {
            let set = format!("group {}", idents(groups));
            push_set(out, &set, before_comma);
        }
        ExprKind::Aggregate {
            function,
            categories,
            condition,
        } => {
            out.push_str(function.keyword());
            out.push_str("(lines");
            if !categories.is_empty() {
                out.push_str(" in category ");
                out.push_str(&category_refs(categories));
            }
            if let Some(condition) = condition {
                out.push_str(" where ");
                write_expr(out, condition, false);
            }
            out.push(')');
        }
        ExprKind::Unary(op, operand) => {
            out.push_str(match op {
                UnaryOp::Not => "not ",
                UnaryOp::Neg => "-",
            });
            let bracket = precedence(operand) < op.precedence();
            write_operand(out, operand, bracket, before_comma);
        }
        ExprKind::Binary(op, left, right) => {
            let p = op.precedence();
            let left_bracket = precedence(left) < p || (p == COMPARISON && precedence(left) == p);
            write_operand(out, left, left_bracket, false);
            out.push(' ');
            out.push_str(op.symbol());
            out.push(' ');
            write_operand(out, right, precedence(right) <= p, before_comma);
        }
    }
}

fn write_operand(out: &mut String, operand: &Expr, bracket: bool, before_comma: bool) {
    if bracket {
        out.push('(');
        write_expr(out, operand, false);
        out.push(')');
    } else {
        write_expr(out, operand, before_comma);
    }
}

fn push_set(out: &mut String, set: &str, before_comma: bool) {
    if before_comma {
        out.push('(');
        out.push_str(set);
        out.push(')');
    } else {
        out.push_str(set);
    }
}

#[cfg(test)]
#[path = "fmt_tests.rs"]
mod tests;

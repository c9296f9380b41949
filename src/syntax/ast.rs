//! The typed syntax tree of a policy: what the author wrote, with a byte span on every node.
//!
//! The tree is produced by the parser, checked by the checker and printed back by
//! [`crate::syntax::fmt`]. Spans are plain data: tests compare two trees by meaning by printing
//! them with the spans left out.

use rust_decimal::Decimal;

use crate::base::diagnostic::Span;
pub use crate::base::vocabulary::{AggregateFn, AmountBasis, BinaryOp, CompareOp, Period};

/// A name as written, e.g. `north` in `for north`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

/// A string literal after unescaping, e.g. `"Grand & Toy"`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Str {
    pub value: String,
    pub span: Span,
}

/// An amount with its currency, e.g. `1000.00 CAD`; the scale written is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Money {
    pub amount: Decimal,
    pub currency: Ident,
    pub span: Span,
}

/// A percentage as written, e.g. `15%` is `Percent { value: 15 }`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Percent {
    pub value: Decimal,
    pub span: Span,
}

/// An unsigned integer literal, e.g. the `2` of `level 2`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Int {
    pub value: u64,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeUnit {
    Hours,
    Days,
    Weeks,
}

/// A length of time, e.g. `7 days`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Duration {
    pub amount: u64,
    pub unit: TimeUnit,
    pub span: Span,
}

impl Duration {
    /// The length in hours, saturating, e.g. `2 days` is 48.
    pub fn hours(&self) -> u64 {
        let per_unit = match self.unit {
            TimeUnit::Hours => 1,
            TimeUnit::Days => 24,
            TimeUnit::Weeks => 24 * 7,
        };
        self.amount.saturating_mul(per_unit)
    }
}

/// A calendar date, e.g. `2026-01-05`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Date {
    pub year: u16,
    pub month: u8,
    pub day: u8,
    pub span: Span,
}

/// A message with translations keyed by locale, e.g. `"Hello" fr "Bonjour"`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text {
    pub default: Str,
    pub translations: Vec<Translation>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Translation {
    pub locale: Ident,
    pub text: Str,
}

/// A comment kept for the formatter, e.g. `// paper is bought centrally`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    pub text: String,
    pub span: Span,
}

/// A whole policy file: declarations in source order, plus its comments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    pub declarations: Vec<Declaration>,
    pub comments: Vec<Comment>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(
    not(target_arch = "wasm32"),
    expect(
        clippy::large_enum_variant,
        reason = "declarations are built once per compile; boxing buys nothing"
    )
)]
pub enum Declaration {
    Header(Header),
    Actions(ActionsDecl),
    Role(RoleDecl),
    Group(GroupDecl),
    Category(CategoryDecl),
    Rule(RuleDecl),
    Prefer(PreferDecl),
    Approval(ApprovalDecl),
    Budget(BudgetDecl),
    Split(SplitDecl),
    Payment(PaymentDecl),
    ShipTo(ShipToDecl),
    PoNumber(PoDecl),
    Field(FieldDecl),
    Invoice(InvoiceDecl),
    Test(TestDecl),
}

impl Declaration {
    pub fn span(&self) -> Span {
        match self {
            Declaration::Header(d) => d.span,
            Declaration::Actions(d) => d.span,
            Declaration::Role(d) => d.span,
            Declaration::Group(d) => d.span,
            Declaration::Category(d) => d.span,
            Declaration::Rule(d) => d.span,
            Declaration::Prefer(d) => d.span,
            Declaration::Approval(d) => d.span,
            Declaration::Budget(d) => d.span,
            Declaration::Split(d) => d.span,
            Declaration::Payment(d) => d.span,
            Declaration::ShipTo(d) => d.span,
            Declaration::PoNumber(d) => d.span,
            Declaration::Field(d) => d.span,
            Declaration::Invoice(d) => d.span,
            Declaration::Test(d) => d.span,
        }
    }
}

// ─── header ──────────────────────────────────────────────────────────────────────────

/// `policy "Maple" { currency CAD rounding half_even }`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    pub name: Str,
    pub settings: Vec<Setting>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Setting {
    Currency(Ident),
    Rounding(Ident),
    Tier(Ident),
    Locale(Ident),
    BlockedLine(Ident),
    ApprovalHold(Duration),
    ReapproveOn(Ident),
}

impl Setting {
    /// The keyword that introduces the setting, e.g. `currency`.
    pub fn keyword(&self) -> &'static str {
        match self {
            Setting::Currency(_) => "currency",
            Setting::Rounding(_) => "rounding",
            Setting::Tier(_) => "tier",
            Setting::Locale(_) => "locale",
            Setting::BlockedLine(_) => "blocked_line",
            Setting::ApprovalHold(_) => "approval_hold",
            Setting::ReapproveOn(_) => "reapprove_on",
        }
    }

    pub fn span(&self) -> Span {
        match self {
            Setting::Currency(i)
            | Setting::Rounding(i)
            | Setting::Tier(i)
            | Setting::Locale(i)
            | Setting::BlockedLine(i)
            | Setting::ReapproveOn(i) => i.span,
            Setting::ApprovalHold(d) => d.span,
        }
    }
}

// ─── people ──────────────────────────────────────────────────────────────────────────

/// `actions approve_capex, view_contracts`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionsDecl {
    pub actions: Vec<Ident>,
    pub span: Span,
}

/// `role buyer_plus extends requester { can manage_budgets }`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleDecl {
    pub name: Ident,
    pub extends: Option<Ident>,
    pub actions: Vec<Ident>,
    pub span: Span,
}

/// `group district "Maple District" { group north }`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupDecl {
    pub name: Ident,
    pub title: Option<Str>,
    /// `None` when written without braces, `Some(vec![])` for `group x {}`.
    pub children: Option<Vec<GroupDecl>>,
    pub span: Span,
}

/// `category laptops = "electronics/computers/laptops" "Laptops"`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CategoryDecl {
    pub name: Ident,
    pub id: Str,
    pub title: Option<Str>,
    pub span: Span,
}

/// A category as written in a rule: a quoted id or the name of an alias.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CategoryRef {
    Id(Str),
    Alias(Ident),
}

impl CategoryRef {
    pub fn span(&self) -> Span {
        match self {
            CategoryRef::Id(s) => s.span,
            CategoryRef::Alias(i) => i.span,
        }
    }
}

/// `for district and subgroups, it only except north`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    pub targets: Vec<ScopeTarget>,
    pub exceptions: Vec<Ident>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScopeTarget {
    /// `all`: every group.
    All(Span),
    Group {
        group: Ident,
        mode: ScopeMode,
    },
}

/// How far a scope reaches below its group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScopeMode {
    /// Written as just the group name: the group and its subgroups (the default).
    Default,
    /// `and subgroups`: the same reach, spelled out.
    AndSubgroups,
    /// `only`: the group alone.
    Only,
}

// ─── rules ───────────────────────────────────────────────────────────────────────────

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Warn,
    Restrict,
    Block,
}

impl Severity {
    pub fn keyword(self) -> &'static str {
        match self {
            Severity::Warn => "warn",
            Severity::Restrict => "restrict",
            Severity::Block => "block",
        }
    }
}

/// `rule no_alcohol "No alcohol" { block lines in category alcohol for all except events … }`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleDecl {
    pub name: Ident,
    pub title: Option<Str>,
    pub severity: Severity,
    pub severity_span: Span,
    pub target: RuleTarget,
    pub scope: Option<Scope>,
    pub approve: Option<Approve>,
    pub message: Option<Text>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RuleTarget {
    /// `lines in category "a" where line.quantity > 10`
    Lines {
        categories: Vec<CategoryRef>,
        condition: Option<Expr>,
        span: Span,
    },
    /// `order when order.payment_method == personal_card`
    Order { condition: Expr, span: Span },
}

/// What happens when a rule or band applies: `restrict approve any of role finance in district "msg"`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Action {
    pub severity: Severity,
    pub approve: Option<Approve>,
    pub message: Option<Text>,
    pub span: Span,
}

/// `approve level 2: any of user "cfo@x"` — who must approve a restriction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Approve {
    pub level: Option<Int>,
    pub approvers: ApproverSet,
    pub span: Span,
}

// ─── guided buying ───────────────────────────────────────────────────────────────────

/// `prefer copier_paper { in category "office/paper" products "A" at 5.00 CAD otherwise warn "…" }`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreferDecl {
    pub name: Ident,
    pub title: Option<Str>,
    pub categories: Vec<CategoryRef>,
    pub scope: Option<Scope>,
    pub products: Vec<PreferredProduct>,
    pub suppliers: Vec<Str>,
    pub message: Option<Text>,
    pub otherwise: Action,
    pub price_rule: Option<PriceRule>,
    pub span: Span,
}

/// `"PAPER-A" at 5.00 CAD`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreferredProduct {
    pub id: Str,
    pub price: Option<Money>,
    pub span: Span,
}

/// `when price > 15% above "PAPER-A": restrict approve any of role procurement in district`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PriceRule {
    pub op: CompareOp,
    pub percent: Percent,
    pub reference: Str,
    pub action: Action,
    pub span: Span,
}

// ─── approvals ───────────────────────────────────────────────────────────────────────

/// `approval large_orders { for district when order.subtotal >= 1000.00 CAD level 1: … }`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApprovalDecl {
    pub name: Ident,
    pub title: Option<Str>,
    pub scope: Option<Scope>,
    pub condition: Option<Expr>,
    pub levels: Vec<Level>,
    pub self_approval: Option<SelfApproval>,
    pub span: Span,
}

/// `level 2 when order.subtotal >= 10000.00 CAD: any of user "cfo@x" fallback manager`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Level {
    pub number: Int,
    pub condition: Option<Expr>,
    pub approvers: ApproverSet,
    pub fallback: Option<Approver>,
    pub escalation: Option<Escalation>,
    pub span: Span,
}

/// `2 of role manager in order.group, user "cfo@x"`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApproverSet {
    pub quorum: Quorum,
    pub approvers: Vec<Approver>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Quorum {
    Any(Span),
    All(Span),
    Count(Int),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Approver {
    /// `user "cfo@maple.example"`
    User(Str),
    /// `role finance in district` or `role manager in order.group`
    Role {
        role: Ident,
        group: GroupRef,
        span: Span,
    },
    /// `manager`: the buyer's manager.
    Manager(Span),
    /// `management chain until limit covers order.total max 6`
    Chain {
        covers: Expr,
        max: Option<Int>,
        span: Span,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GroupRef {
    /// `order.group`: the buying group chosen at checkout.
    OrderGroup(Span),
    Named(Ident),
}

/// `escalate after 48 hours to role finance in district`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Escalation {
    pub after: Duration,
    pub to: Approver,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SelfApproval {
    /// `self approval allowed when order.total < 250.00 CAD`: orders meeting the condition
    /// approve themselves; without `when`, the requester may approve their own levels and
    /// their directory `selfApprovalLimit` applies.
    Allowed { when: Option<Expr>, span: Span },
    /// `self approval not allowed` (the default).
    Denied(Span),
}

// ─── budgets ─────────────────────────────────────────────────────────────────────────

/// `budget north_supplies { for north monthly 20000.00 CAD over: block "spent" }`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BudgetDecl {
    pub name: Ident,
    pub title: Option<Str>,
    pub group: Ident,
    pub per_user: bool,
    pub period: Period,
    pub amount: Money,
    pub categories: Vec<CategoryRef>,
    pub bands: Vec<Band>,
    pub span: Span,
}

/// `over by at most 10%: restrict …` (`up_to` is the 10%) or `over: block …`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Band {
    pub up_to: Option<Percent>,
    pub action: Action,
    pub span: Span,
}

// ─── order checks ────────────────────────────────────────────────────────────────────

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SplitKey {
    Supplier,
    Category,
}

impl SplitKey {
    pub fn keyword(self) -> &'static str {
        match self {
            SplitKey::Supplier => "supplier",
            SplitKey::Category => "category",
        }
    }
}

/// `split splitting { within 7 days same supplier when combined total >= 5000.00 EUR }`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SplitDecl {
    pub name: Ident,
    pub title: Option<Str>,
    pub scope: Option<Scope>,
    pub window: Duration,
    pub same: Vec<(SplitKey, Span)>,
    pub basis: AmountBasis,
    pub op: CompareOp,
    pub threshold: Money,
    pub action: Option<Action>,
    pub span: Span,
}

/// `payment munich { for plant_munich allow invoice default invoice }`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentDecl {
    pub name: Ident,
    pub scope: Option<Scope>,
    pub allow: Vec<Ident>,
    pub default: Option<Ident>,
    pub message: Option<Text>,
    pub span: Span,
}

/// `ship_to japan { for japan allow "JP-TOKYO-1" }`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShipToDecl {
    pub name: Ident,
    pub scope: Option<Scope>,
    pub allow: Vec<Str>,
    pub message: Option<Text>,
    pub span: Span,
}

/// `po_number munich_po { for plant_munich required prefix "45" }`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoDecl {
    pub name: Ident,
    pub scope: Option<Scope>,
    pub prefix: Option<Str>,
    pub message: Option<Text>,
    pub span: Span,
}

/// Where a custom field is given: on the order, or on each line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldLevel {
    Order,
    Lines,
}

impl FieldLevel {
    pub fn keyword(self) -> &'static str {
        match self {
            FieldLevel::Order => "order",
            FieldLevel::Lines => "lines",
        }
    }
}

/// What values a custom field takes, e.g. `number` or `one of "capex", "opex"`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldKind {
    Text,
    Number,
    Money,
    Date,
    OneOf(Vec<Str>),
}

impl FieldKind {
    /// The keyword as written after `type`, e.g. `money`; `one of` for a list.
    pub fn keyword(&self) -> &'static str {
        match self {
            FieldKind::Text => "text",
            FieldKind::Number => "number",
            FieldKind::Money => "money",
            FieldKind::Date => "date",
            FieldKind::OneOf(_) => "one of",
        }
    }
}

/// `field project "Project" { on order type text required pattern "P-##" for north help "…" }`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldDecl {
    pub name: Ident,
    pub title: Option<Text>,
    pub level: Option<(FieldLevel, Span)>,
    pub kind: Option<(FieldKind, Span)>,
    /// `required` (true) or `optional` (false) as written.
    pub required: Option<(bool, Span)>,
    pub pattern: Option<Str>,
    pub scope: Option<Scope>,
    pub help: Option<Text>,
    pub span: Span,
}

impl FieldDecl {
    pub fn level(&self) -> FieldLevel {
        self.level.map_or(FieldLevel::Order, |(level, _)| level)
    }

    pub fn kind(&self) -> &FieldKind {
        self.kind
            .as_ref()
            .map_or(&FieldKind::Text, |(kind, _)| kind)
    }

    pub fn is_required(&self) -> bool {
        self.required.is_some_and(|(required, _)| required)
    }
}

// ─── invoicing ───────────────────────────────────────────────────────────────────────

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cadence {
    PerOrder(Span),
    Monthly(Span),
    /// `every week` (weeks = 1) or `every 2 weeks from 2026-01-05`.
    Weeks {
        weeks: u64,
        anchor: Option<Date>,
        span: Span,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvoiceKey {
    Group,
    PoNumber,
}

impl InvoiceKey {
    pub fn keyword(self) -> &'static str {
        match self {
            InvoiceKey::Group => "group",
            InvoiceKey::PoNumber => "po_number",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CreditMode {
    CreditNote,
    Adjustment,
    Listed,
}

/// `invoice north { for north template "North" bill to "…" send to "…" every month terms net 30 }`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceDecl {
    pub name: Ident,
    pub scope: Option<Scope>,
    pub template: Str,
    pub bill_to: Str,
    pub send_to: Vec<Str>,
    pub cadence: Cadence,
    pub split_by: Vec<(InvoiceKey, Span)>,
    /// Custom order fields that split invoices too (`split by po_number, field project`),
    /// written after the built-in keys.
    pub split_fields: Vec<Ident>,
    pub terms: Int,
    pub credits: Option<(CreditMode, Span)>,
    pub span: Span,
}

// ─── tests ───────────────────────────────────────────────────────────────────────────

/// `test "laptops outside IT are blocked" { buyer "ana@x" in north line … expect blocked }`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestDecl {
    pub name: Str,
    pub users: Vec<TestUser>,
    pub buyer: TestBuyer,
    pub order: Vec<OrderField>,
    pub lines: Vec<TestLine>,
    pub spent: Vec<(Ident, Money)>,
    /// `rate USD EUR 0.92`: from, to, rate.
    pub rates: Vec<TestRate>,
    pub now: Option<Str>,
    pub recent: Vec<TestRecent>,
    pub expectations: Vec<Expectation>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestUser {
    pub id: Str,
    pub manager: Option<Str>,
    pub limit: Option<Money>,
    pub roles: Vec<(Ident, Ident)>,
    pub span: Span,
}

/// `rate USD EUR 0.92`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestRate {
    pub from: Ident,
    pub to: Ident,
    pub rate: Decimal,
    pub span: Span,
}

/// `recent "ORD-7" at "2026-01-12T09:00:00Z" 3000.00 EUR supplier "Acme"`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestRecent {
    pub id: Str,
    pub at: Str,
    pub subtotal: Money,
    pub supplier: Option<Str>,
    pub category: Option<Str>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestBuyer {
    pub id: Str,
    pub group: Ident,
    pub locale: Option<Ident>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrderField {
    Po(Str),
    Payment(Ident),
    ShipTo(Str),
    CostCentre(Str),
    Tax(Money),
    Shipping(Money),
    Currency(Ident),
    /// A custom field's value: `field project "P-17"`.
    Custom(Ident, Str),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestLine {
    pub id: Str,
    pub product: Str,
    pub category: Str,
    pub supplier: Option<Str>,
    pub price: Money,
    pub quantity: Option<Int>,
    /// Custom line fields: `field gl_code "6100"`.
    pub fields: Vec<(Ident, Str)>,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutcomeWord {
    Allowed,
    ApprovalRequired,
    Blocked,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VerdictWord {
    Allowed,
    Preferred,
    Warned,
    Restricted,
    Blocked,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expectation {
    Outcome(OutcomeWord, Span),
    Line {
        line: Str,
        verdict: VerdictWord,
        span: Span,
    },
    Levels(Int),
    Approver(Str),
    Total(Money),
    Invoice(Str),
}

// ─── expressions ─────────────────────────────────────────────────────────────────────

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnaryOp {
    Not,
    Neg,
}

impl UnaryOp {
    /// `not` binds looser than comparisons, `-` tighter than everything binary.
    pub fn precedence(self) -> u8 {
        match self {
            UnaryOp::Not => 3,
            UnaryOp::Neg => 7,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExprKind {
    Money(Money),
    Percent(Percent),
    Number(Decimal),
    Str(String),
    Bool(bool),
    List(Vec<Expr>),
    /// `order.subtotal`, `line.category`; segments as written.
    Path(Vec<Ident>),
    /// `category "office/paper", laptops` — a set tested with `in`.
    Categories(Vec<CategoryRef>),
    /// `group schools, it` — a set tested with `in`.
    Groups(Vec<Ident>),
    Aggregate {
        function: AggregateFn,
        categories: Vec<CategoryRef>,
        condition: Option<Box<Expr>>,
    },
    Unary(UnaryOp, Box<Expr>),
    Binary(BinaryOp, Box<Expr>, Box<Expr>),
}

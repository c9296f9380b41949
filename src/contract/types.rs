//! The JSON contract: every input the engine accepts and every output it produces.
//!
//! Keys are camelCase; money is a decimal string (`"1299.00"`), never a float; instants are
//! RFC 3339 strings with an offset (`"2026-11-28T10:00:00-05:00"`); dates are `YYYY-MM-DD`.
//! Inputs reject unknown fields so that a misspelt key fails instead of being ignored.

use std::collections::BTreeMap;
use std::fmt;

use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::base::diagnostic::SourceSpan;

/// An exact decimal amount written as a string, e.g. `"1299.00"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Amount(pub Decimal);

/// The most digits an amount may have: every such decimal string is held exactly (the
/// decimal type keeps 96-bit mantissas, so 28 digits always fit).
pub const MAX_AMOUNT_DIGITS: usize = 28;

/// The longest decimal string accepted for an amount: a sign, the digits and the point.
pub const MAX_AMOUNT_CHARS: usize = MAX_AMOUNT_DIGITS + 2;

impl Amount {
    /// Parses `-?digits(.digits)?`, e.g. `Amount::parse("12.50")`.
    pub fn parse(text: &str) -> Option<Amount> {
        let digits = text.strip_prefix('-').unwrap_or(text);
        let (whole, fraction) = match digits.split_once('.') {
            Some((w, f)) => (w, Some(f)),
            None => (digits, None),
        };
        let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        let count = whole.len() + fraction.map_or(0, str::len);
        if count > MAX_AMOUNT_DIGITS || !all_digits(whole) || !fraction.is_none_or(all_digits) {
            return None;
        }
        Decimal::from_str_exact(text).ok().map(Amount)
    }
}

/// The schema's pattern for at most [`MAX_AMOUNT_DIGITS`] digits in all, spelt out as one
/// alternative per position of the point, since JSON Schema's regular expressions cannot
/// count across a group portably.
#[cfg(feature = "schema")]
fn amount_pattern() -> String {
    let mut alternatives = vec![format!("[0-9]{{1,{MAX_AMOUNT_DIGITS}}}")];
    for whole in 1..MAX_AMOUNT_DIGITS {
        alternatives.push(format!(
            "[0-9]{{{whole}}}\\.[0-9]{{1,{}}}",
            MAX_AMOUNT_DIGITS - whole
        ));
    }
    format!("^-?(?:{})$", alternatives.join("|"))
}

impl fmt::Display for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl Serialize for Amount {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Amount {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct AmountVisitor;
        impl serde::de::Visitor<'_> for AmountVisitor {
            type Value = Amount;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a decimal string such as \"12.50\"")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Amount, E> {
                Amount::parse(v)
                    .ok_or_else(|| E::invalid_value(serde::de::Unexpected::Str(v), &self))
            }
        }
        deserializer.deserialize_str(AmountVisitor)
    }
}

#[cfg(feature = "schema")]
impl schemars::JsonSchema for Amount {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Amount".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "pattern": amount_pattern(),
            "maxLength": MAX_AMOUNT_CHARS,
            "description": "An exact decimal amount of at most 28 digits, e.g. \"1299.00\""
        })
    }
}

/// An amount with its currency, e.g. `{"amount": "5000.00", "currency": "CAD"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MoneyValue {
    pub amount: Amount,
    pub currency: String,
}

// ─── directory ───────────────────────────────────────────────────────────────────────

/// The people: users, their role assignments, managers and approval limits.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Directory {
    #[serde(default)]
    pub users: Vec<User>,
}

/// One person, e.g. `{"id": "ana@maple.example", "roles": [{"role": "requester", "group": "north"}]}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct User {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The user id of this user's manager.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manager: Option<String>,
    /// The largest order total this user may approve.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approval_limit: Option<MoneyValue>,
    /// Orders under this amount placed by this user approve themselves where the policy
    /// allows self-approval.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub self_approval_limit: Option<MoneyValue>,
    #[serde(default)]
    pub roles: Vec<RoleAssignment>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
}

/// A role granted in a group; it covers the group and its subgroups.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RoleAssignment {
    pub role: String,
    pub group: String,
}

// ─── checkout request ────────────────────────────────────────────────────────────────

/// A checkout question: may this buyer place this order under this group, and how?
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CheckoutRequest {
    /// The buyer's user id, looked up in the directory unless `buyerProfile` is given.
    pub buyer: String,
    /// The buyer inline, as a storefront knows its signed-in user; replaces the lookup.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buyer_profile: Option<User>,
    /// The buying group chosen at checkout.
    pub group: String,
    /// The buyer's locale for messages, e.g. `fr-CA`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    pub order: Order,
    #[serde(default)]
    pub context: Context,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Order {
    pub id: String,
    /// ISO 4217 code of every amount in the order.
    pub currency: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_method: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub po_number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost_centre: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ship_to: Option<String>,
    /// The custom order fields the policy declares (`field project { … }`), by name; every
    /// value is a string: numbers and amounts as decimals, dates as `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub fields: BTreeMap<String, String>,
    pub lines: Vec<OrderLine>,
    /// Tax on the whole order, in the order currency's minor unit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tax: Option<Amount>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipping: Option<Amount>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OrderLine {
    pub id: String,
    pub product: String,
    pub category: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supplier: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// May be finer than the currency's minor unit (at most 6 decimals); the line amount
    /// is rounded.
    pub unit_price: Amount,
    #[serde(deserialize_with = "whole_number")]
    #[cfg_attr(feature = "schema", schemars(schema_with = "whole_number_schema"))]
    pub quantity: u64,
    /// The custom line fields the policy declares (`field gl_code { on lines }`), by name;
    /// strings as in `order.fields`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub fields: BTreeMap<String, String>,
}

/// The largest whole number every JSON reader holds exactly (2^53 − 1).
pub const MAX_WHOLE_NUMBER: u64 = 9_007_199_254_740_991;

/// A whole number from 0 to [`MAX_WHOLE_NUMBER`], written `12`, `12.0` or `1.2e1`: JSON
/// Schema counts an integral number as an integer however it is written, and so do the
/// clients (Python, Java, Go) that write `100.0`; the schema states the same range.
fn whole_number<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u64, D::Error> {
    struct WholeVisitor;
    impl serde::de::Visitor<'_> for WholeVisitor {
        type Value = u64;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "a whole number from 0 to {MAX_WHOLE_NUMBER}")
        }
        fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<u64, E> {
            if v <= MAX_WHOLE_NUMBER {
                Ok(v)
            } else {
                Err(E::invalid_value(serde::de::Unexpected::Unsigned(v), &self))
            }
        }
        fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<u64, E> {
            u64::try_from(v)
                .map_err(|_| E::invalid_value(serde::de::Unexpected::Signed(v), &self))
                .and_then(|v| self.visit_u64(v))
        }
        #[expect(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "the value is checked to be whole and within 0..=2^53-1 first"
        )]
        fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<u64, E> {
            let whole =
                v.is_finite() && v.fract() == 0.0 && (0.0..=MAX_WHOLE_NUMBER as f64).contains(&v);
            if whole {
                Ok(v as u64)
            } else {
                Err(E::invalid_value(serde::de::Unexpected::Float(v), &self))
            }
        }
    }
    deserializer.deserialize_any(WholeVisitor)
}

#[cfg(feature = "schema")]
fn whole_number_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({
        "type": "integer",
        "minimum": 0,
        "maximum": MAX_WHOLE_NUMBER
    })
}

/// What the engine cannot know by itself: the time, consumption, rates, recent orders.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Context {
    /// The time of the checkout, RFC 3339 with an offset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub now: Option<String>,
    #[serde(default)]
    pub budgets: Vec<BudgetSpend>,
    #[serde(default)]
    pub rates: Vec<Rate>,
    #[serde(default)]
    pub recent_orders: Vec<RecentOrder>,
}

/// Consumption of a budget so far in the current period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BudgetSpend {
    pub budget: String,
    /// For per-user budgets: whose consumption this is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    pub spent: MoneyValue,
}

/// `1 from = rate to`, e.g. `{"from": "USD", "to": "EUR", "rate": "0.92"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Rate {
    pub from: String,
    pub to: String,
    pub rate: Amount,
}

impl crate::base::money::StatedRates for [Rate] {
    fn stated(&self, from: &str, to: &str) -> Option<Decimal> {
        self.iter()
            .find(|r| r.from == from && r.to == to)
            .map(|r| r.rate.0)
    }
}

/// An order the buyer placed recently, for split detection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RecentOrder {
    pub id: String,
    pub buyer: String,
    pub placed_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supplier: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    pub currency: String,
    pub subtotal: Amount,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tax: Option<Amount>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipping: Option<Amount>,
}

// ─── checkout decision ───────────────────────────────────────────────────────────────

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub enum Outcome {
    Allowed,
    ApprovalRequired,
    Blocked,
}

impl Outcome {
    /// The outcome as the JSON contract writes it, e.g. `approvalRequired`.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Allowed => "allowed",
            Outcome::ApprovalRequired => "approvalRequired",
            Outcome::Blocked => "blocked",
        }
    }
}

/// A line's verdict, strictest last.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub enum Verdict {
    Allowed,
    Preferred,
    Warned,
    Restricted,
    Blocked,
}

impl Verdict {
    /// The verdict as the JSON contract writes it, e.g. `restricted`.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Allowed => "allowed",
            Verdict::Preferred => "preferred",
            Verdict::Warned => "warned",
            Verdict::Restricted => "restricted",
            Verdict::Blocked => "blocked",
        }
    }
}

/// The policy that decided: its name and the SHA-256 of its source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct PolicyRef {
    pub name: String,
    pub hash: String,
}

/// The answer to a checkout request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Decision {
    pub outcome: Outcome,
    /// Order-level messages (blocks, restrictions, warnings) in the buyer's language.
    pub messages: Vec<Message>,
    pub order: String,
    pub group: String,
    pub totals: Totals,
    pub lines: Vec<LineDecision>,
    pub approval: ApprovalPlan,
    pub budgets: Vec<BudgetEffect>,
    pub invoice: Option<InvoiceRouting>,
    pub payment: Option<PaymentCheck>,
    pub split: Option<SplitFlag>,
    pub trace: Vec<TraceEntry>,
    pub errors: Vec<EvalError>,
    pub policy: PolicyRef,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Totals {
    pub currency: String,
    pub subtotal: Amount,
    pub tax: Amount,
    pub shipping: Amount,
    pub total: Amount,
}

/// A message shown to the buyer, chosen for their locale, with the rule that produced it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Message {
    pub rule: String,
    /// `block`, `restrict`, `warn` or `info`.
    pub severity: String,
    pub text: String,
    /// The locale of the text: the exact locale asked for, its language, or the default.
    pub locale: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct LineDecision {
    pub id: String,
    pub product: String,
    pub verdict: Verdict,
    pub amount: Amount,
    /// True when the line is blocked and the policy drops blocked lines.
    pub dropped: bool,
    pub messages: Vec<Message>,
    pub suggestions: Vec<Suggestion>,
}

/// A preferred alternative to a line's product.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Suggestion {
    pub product: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub price: Option<MoneyValue>,
    pub rule: String,
}

/// Who must approve, level by level.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct ApprovalPlan {
    pub required: bool,
    /// Set when the requester's self-approval limit covered the order.
    pub auto_approved: bool,
    pub levels: Vec<ApprovalLevel>,
    /// People the policy names at several levels: each acts once, and that one approval
    /// counts at every level listed here. Omitted when nobody is named twice.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub shared_approvers: Vec<SharedApprover>,
}

/// One person named at several levels of a plan, e.g. `{"user": "cfo@x", "levels": [1, 3]}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SharedApprover {
    pub user: String,
    /// The levels whose approvers list them, ascending.
    pub levels: Vec<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", tag = "type")]
pub enum QuorumSpec {
    Any,
    All,
    Count { count: u64 },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct ApprovalLevel {
    /// 1-based position in the plan.
    pub level: u64,
    pub quorum: QuorumSpec,
    /// Eligible approvers, user ids in a stable order.
    pub approvers: Vec<String>,
    /// The rules that required this level.
    pub rules: Vec<String>,
    /// Set when the listed approvers left the level empty and it escalated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fallback: Option<String>,
    /// Hours after which the level escalates, and to whom.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub escalation: Option<EscalationSpec>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct EscalationSpec {
    pub after_hours: u64,
    pub to: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub enum Effect {
    None,
    Warn,
    Restrict,
    Block,
}

impl Effect {
    /// The effect as the JSON contract writes it, e.g. `restrict`.
    pub fn as_str(self) -> &'static str {
        match self {
            Effect::None => "none",
            Effect::Warn => "warn",
            Effect::Restrict => "restrict",
            Effect::Block => "block",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct BudgetEffect {
    pub budget: String,
    pub group: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    pub period: String,
    pub currency: String,
    pub amount: Amount,
    pub spent: Amount,
    /// This order's draw on the budget, in the budget's currency.
    pub order: Amount,
    /// What is left after this order; negative when over.
    pub remaining: Amount,
    pub over: bool,
    pub effect: Effect,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct InvoiceRouting {
    pub rule: String,
    pub template: String,
    pub bill_to: String,
    pub recipients: Vec<String>,
    /// `perOrder`, `weekly`, `biweekly` or `monthly`.
    pub cadence: String,
    pub split_by: Vec<String>,
    pub terms_days: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invoice_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due_date: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct PaymentCheck {
    pub rule: String,
    pub allowed: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    /// The method the order will use: the one requested, or the default.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct SplitFlag {
    pub rule: String,
    /// This order and the recent orders it was combined with.
    pub orders: Vec<String>,
    pub combined: Amount,
    pub currency: String,
}

/// A located rule: its id and where it is written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct TraceEntry {
    pub rule: String,
    pub span: SourceSpanValue,
    /// What the rule did, e.g. `block`, `restrict`, `warn`, `prefer`, `approve`, `budget`.
    pub effect: String,
    pub lines: Vec<String>,
    pub detail: String,
}

/// The JSON form of a source span.
pub type SourceSpanValue = SourceSpan;

/// An evaluation problem. Request problems carry a JSON `path`; rule problems a `rule`
/// and its `span`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct EvalError {
    pub code: String,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub span: Option<SourceSpanValue>,
}

// ─── permission check ────────────────────────────────────────────────────────────────

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AuthorizeRequest {
    pub user: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_profile: Option<User>,
    pub action: String,
    pub resource: Resource,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Resource {
    /// The group that owns the resource.
    pub group: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub enum Permission {
    Allow,
    Deny,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct AuthorizeDecision {
    pub decision: Permission,
    /// The role assignment that granted the action; absent on deny.
    pub assignment: Option<RoleAssignment>,
    pub reason: String,
    pub policy: PolicyRef,
}

// ─── product badges ──────────────────────────────────────────────────────────────────

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BadgeRequest {
    pub buyer: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buyer_profile: Option<User>,
    pub group: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    /// Currency of the listed prices.
    pub currency: String,
    pub products: Vec<Product>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Product {
    pub id: String,
    pub category: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supplier: Option<String>,
    pub unit_price: Amount,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct BadgeDecision {
    pub badges: Vec<Badge>,
    pub errors: Vec<EvalError>,
    pub policy: PolicyRef,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Badge {
    pub product: String,
    pub verdict: Verdict,
    /// The most important message for the product, if any.
    pub message: Option<Message>,
    pub suggestions: Vec<Suggestion>,
}

// ─── results across boundaries ───────────────────────────────────────────────────────

/// What every entry point returns: `{"type": "success", …}` or `{"type": "failure", errors}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", tag = "type")]
pub enum Answer<T> {
    Success { result: T },
    Failure { errors: Vec<EvalError> },
}

// ─── policy tests ────────────────────────────────────────────────────────────────────

/// The outcome of a policy's `test` blocks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct TestReport {
    pub passed: usize,
    pub failed: usize,
    pub tests: Vec<TestResult>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct TestResult {
    pub name: String,
    pub span: SourceSpanValue,
    pub passed: bool,
    pub failures: Vec<TestFailure>,
}

/// One expectation that did not hold: what the test expected and what the engine said.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct TestFailure {
    pub expected: String,
    pub actual: String,
    pub span: SourceSpanValue,
}

// ─── approval workflow ───────────────────────────────────────────────────────────────

/// Where an order's approval stands: the order, when it was submitted, what happened since.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProgressRequest {
    /// The order as it stands now, evaluated afresh.
    pub checkout: CheckoutRequest,
    /// When the order was submitted for approval (RFC 3339).
    pub submitted_at: String,
    /// The time the state is computed for (RFC 3339).
    pub now: String,
    #[serde(default)]
    pub events: Vec<WorkflowEvent>,
    /// Set when the order changed after approvals were recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub change: Option<OrderChange>,
}

/// The order as it was approved, and when it changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OrderChange {
    pub previous_order: Order,
    pub changed_at: String,
}

/// Something that happened to the order, e.g. `{"type": "approved", "by": "x", "at": "…"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", tag = "type", deny_unknown_fields)]
pub enum WorkflowEvent {
    #[serde(rename_all = "camelCase")]
    Approved { by: String, at: String },
    /// A rejection of the whole order (no `lines`) or of some lines; rejecting lines
    /// approves the rest at that level.
    #[serde(rename_all = "camelCase")]
    Rejected {
        by: String,
        at: String,
        #[serde(default)]
        lines: Vec<String>,
        #[serde(default)]
        reason: String,
    },
    /// `from` lets `to` act for them between `valid_from` and `valid_until`.
    #[serde(rename_all = "camelCase")]
    Delegated {
        from: String,
        to: String,
        at: String,
        valid_from: String,
        valid_until: String,
    },
    #[serde(rename_all = "camelCase")]
    Comment {
        by: String,
        at: String,
        text: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub enum WorkflowStatus {
    Pending,
    Escalated,
    Approved,
    Rejected,
    PartiallyRejected,
    Expired,
    /// The policy blocks the order: no approval can release it.
    Blocked,
}

impl WorkflowStatus {
    /// The status as the JSON contract writes it, e.g. `partiallyRejected`.
    pub fn as_str(self) -> &'static str {
        match self {
            WorkflowStatus::Pending => "pending",
            WorkflowStatus::Escalated => "escalated",
            WorkflowStatus::Approved => "approved",
            WorkflowStatus::Rejected => "rejected",
            WorkflowStatus::PartiallyRejected => "partiallyRejected",
            WorkflowStatus::Expired => "expired",
            WorkflowStatus::Blocked => "blocked",
        }
    }

    /// The status in words for messages, e.g. `partially rejected`.
    pub fn in_words(self) -> &'static str {
        match self {
            WorkflowStatus::PartiallyRejected => "partially rejected",
            other => other.as_str(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct WorkflowState {
    pub status: WorkflowStatus,
    /// The level waiting for approval, while pending or escalated.
    pub level: Option<u64>,
    /// Who may act now, and what each may do.
    pub may_act: Vec<Actor>,
    pub levels: Vec<LevelProgress>,
    pub rejected_lines: Vec<String>,
    /// When the approval hold runs out, unless decided before.
    pub expires_at: String,
    pub reason: Option<String>,
    /// The outcome of each event, in the order they were applied (by time).
    pub steps: Vec<Step>,
    pub comments: Vec<Comment>,
    pub plan: ApprovalPlan,
    pub errors: Vec<EvalError>,
    pub policy: PolicyRef,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Actor {
    pub user: String,
    /// Set when the user acts as a delegate.
    pub on_behalf_of: Option<String>,
    /// `approve`, `reject`, `rejectLines`.
    pub actions: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct LevelProgress {
    pub level: u64,
    /// `approved`, `pending`, `escalated`, `waiting` or `rejected`.
    pub status: String,
    pub needed: u64,
    pub approvals: Vec<ApprovalRecord>,
    /// Escalation targets once the level's timeout passed.
    pub escalated_to: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct ApprovalRecord {
    pub by: String,
    pub on_behalf_of: Option<String>,
    pub at: String,
    /// Set when this is an approval given at an earlier level (the one named here) that
    /// counts again because the policy lists the same person at this level too.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub carried_from: Option<u64>,
}

/// What one event did: accepted (and the status after it) or refused with a reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Step {
    /// Position of the event in the request's `events`.
    pub event: usize,
    pub accepted: bool,
    pub reason: Option<String>,
    pub status: WorkflowStatus,
    pub level: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Comment {
    pub by: String,
    pub at: String,
    pub text: String,
}

// ─── invoice runs ────────────────────────────────────────────────────────────────────

/// A period's orders to invoice. Orders are kept as raw JSON so that one malformed order is
/// reported by path and left out, instead of failing the whole run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct InvoiceRunRequest {
    /// The month whose orders are invoiced, `YYYY-MM`.
    pub period: String,
    /// The day the run happens (`YYYY-MM-DD`). Defaults to the 1st of the next month, or
    /// to the latest invoice date among the period's orders when that is later (a weekly
    /// invoice can fall in the first days of the next month), so that the default run
    /// invoices every order of the period and dates no document after itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_date: Option<String>,
    #[cfg_attr(feature = "schema", schemars(with = "Vec<InvoiceOrder>"))]
    pub orders: Vec<RawOrder>,
}

/// One entry of an invoice run's `orders`, kept as raw JSON: each order is checked on its
/// own, so a malformed one is rejected by path while the rest are invoiced. Reading stops
/// [`MAX_ORDER_DEPTH`] arrays and objects deep inside an order, without recursing further,
/// so a deeply nested order is rejected instead of failing the whole request.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(transparent)]
pub struct RawOrder {
    /// The order as sent; anything nested deeper than [`MAX_ORDER_DEPTH`] reads as `null`.
    pub value: serde_json::Value,
    /// Where the order first nests too deep, relative to the order (`lines[0].x`; empty
    /// for the order itself).
    #[serde(skip)]
    pub too_deep_at: Option<String>,
}

/// How many arrays and objects an order may nest (the order object counts as one); a real
/// order needs three (order, `lines`, line).
pub const MAX_ORDER_DEPTH: usize = 32;

impl From<serde_json::Value> for RawOrder {
    fn from(value: serde_json::Value) -> RawOrder {
        RawOrder {
            value,
            too_deep_at: None,
        }
    }
}

impl<'de> Deserialize<'de> for RawOrder {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<RawOrder, D::Error> {
        let mut too_deep_at = None;
        let value = crate::contract::raw::read_order(deserializer, &mut too_deep_at)?;
        Ok(RawOrder { value, too_deep_at })
    }
}

/// An order as invoicing sees it: placed, with its status and line amounts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct InvoiceOrder {
    pub id: String,
    pub group: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub po_number: Option<String>,
    pub status: OrderStatus,
    /// RFC 3339 with an offset; the order's date is the date in that offset.
    pub placed_at: String,
    pub currency: String,
    pub lines: Vec<InvoiceLineInput>,
    /// The order's custom fields, as at checkout (`{"project": "P-17"}`): invoice rules
    /// may split by them and reports show them.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub fields: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub enum OrderStatus {
    Approved,
    Shipped,
    Delivered,
    Cancelled,
    /// A refund: its lines are credits (their amounts are refunded).
    Refunded,
}

impl OrderStatus {
    /// The status as the JSON contract writes it, e.g. `delivered`.
    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::Approved => "approved",
            OrderStatus::Shipped => "shipped",
            OrderStatus::Delivered => "delivered",
            OrderStatus::Cancelled => "cancelled",
            OrderStatus::Refunded => "refunded",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct InvoiceLineInput {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Negative for a credit (a return or a discount).
    pub amount: Amount,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct InvoiceRun {
    pub period: String,
    pub run_date: String,
    pub invoices: Vec<Invoice>,
    /// Orders left out of the run, each with why.
    pub rejected: Vec<RejectedOrder>,
    /// Amount due per currency over every invoice (credit notes subtract).
    pub totals: Vec<CurrencyTotal>,
    pub policy: PolicyRef,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Invoice {
    pub id: String,
    /// `invoice` or `creditNote`.
    pub kind: String,
    pub rule: String,
    pub template: String,
    pub bill_to: String,
    pub recipients: Vec<String>,
    pub cadence: String,
    /// Set when the rule splits by group.
    pub group: Option<String>,
    /// Set when the rule splits by PO number (`null` groups the orders without one).
    pub po_number: Option<String>,
    /// The custom fields the rule splits by, with this document's value (`null` groups the
    /// orders without one); omitted when the rule splits by none.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub fields: BTreeMap<String, Option<String>>,
    pub currency: String,
    pub invoice_date: String,
    pub terms_days: u64,
    pub due_date: String,
    pub lines: Vec<InvoiceLine>,
    /// Credits listed for information (`credits as listed`); not netted.
    pub credits: Vec<InvoiceLine>,
    pub charges: Amount,
    pub credits_total: Amount,
    pub amount_due: Amount,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct InvoiceLine {
    pub order: String,
    pub order_status: OrderStatus,
    pub po_number: Option<String>,
    pub line: String,
    pub description: Option<String>,
    pub amount: Amount,
    /// The order's custom fields, for reports; omitted when it has none.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub fields: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct RejectedOrder {
    /// Position in the request's `orders`.
    pub index: usize,
    pub order: Option<String>,
    pub po_number: Option<String>,
    pub status: Option<OrderStatus>,
    pub code: String,
    pub message: String,
    pub path: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct CurrencyTotal {
    pub currency: String,
    pub amount_due: Amount,
}

/// A saved CSV report: which rows and which columns, in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReportDefinition {
    pub name: String,
    pub rows: ReportRows,
    pub columns: Vec<String>,
    /// Text cells starting with `=`, `+`, `-`, `@`, a tab or a carriage return get a
    /// leading `'` so that spreadsheets do not run them as formulas (OWASP's CSV-injection
    /// guidance); amount cells are numbers and stay as they are. On unless `false`.
    #[serde(default = "neutralize_by_default", skip_serializing_if = "is_true")]
    pub neutralize_formulas: bool,
    /// Starts the CSV text with a UTF-8 byte order mark (for spreadsheets that otherwise
    /// guess another encoding). Off unless `true`.
    #[serde(default, skip_serializing_if = "is_false")]
    pub bom: bool,
}

fn neutralize_by_default() -> bool {
    true
}

fn is_true(value: &bool) -> bool {
    *value
}

fn is_false(value: &bool) -> bool {
    !*value
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub enum ReportRows {
    Orders,
    Invoices,
}

/// A custom field a policy declares, as a form shows it (`Engine::fields`), e.g. the
/// `project` field: `{"name": "project", "title": "Project", "titles": {"fr": "Projet"},
/// "on": "order", "type": "text", "requiredIn": ["north"], …}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct DeclaredField {
    pub name: String,
    /// The title in the policy's default language, and its translations by locale.
    pub title: String,
    pub titles: BTreeMap<String, String>,
    pub help: Option<String>,
    pub helps: BTreeMap<String, String>,
    /// `order` or `lines`.
    pub on: String,
    /// `text`, `number`, `money` (in the policy currency), `date` or `oneOf`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The allowed values of a `oneOf` field.
    pub values: Vec<String>,
    /// The mask a text value must match (`#` digit, `@` letter, `?` any, `*` any run).
    pub pattern: Option<String>,
    /// The buying groups where the field is required; empty when it is optional.
    pub required_in: Vec<String>,
}

/// What a storefront lists about a policy (`Engine::outline`): its groups, roles, actions,
/// categories, custom fields and named rules, with their titles.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct PolicyOutline {
    pub policy: PolicyRef,
    pub currency: String,
    pub default_locale: String,
    /// The group tree, parents before children.
    pub groups: Vec<GroupOutline>,
    pub roles: Vec<RoleOutline>,
    /// Every action of the vocabulary, by name.
    pub actions: Vec<String>,
    pub categories: Vec<CategoryOutline>,
    pub fields: Vec<DeclaredField>,
    /// Named declarations in source order (rules, preferences, approvals, budgets, …).
    pub rules: Vec<RuleOutline>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct GroupOutline {
    pub id: String,
    /// The title, or the id when the policy gives none.
    pub title: String,
    pub parent: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct RoleOutline {
    pub id: String,
    /// Every action the role grants, `extends` included, by name.
    pub actions: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct CategoryOutline {
    /// The alias the policy declares, e.g. `laptops`.
    pub alias: String,
    /// The category id, e.g. `electronics/computers/laptops`.
    pub id: String,
    pub title: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct RuleOutline {
    pub id: String,
    /// `rule`, `prefer`, `approval`, `budget`, `split`, `payment`, `shipTo`, `poNumber`,
    /// `invoice` or `field`.
    pub kind: String,
    /// The title (an invoice rule's template), or the id when the policy gives none.
    pub title: String,
    pub span: SourceSpanValue,
}

/// Every action a user may take in a group, each with the assignment that grants it
/// (`Engine::permissions`): `authorize` for all actions at once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PermissionsRequest {
    pub user: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_profile: Option<User>,
    pub group: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Permissions {
    pub user: String,
    pub group: String,
    /// The actions allowed, by name, each with the first assignment granting it.
    pub allowed: Vec<GrantedAction>,
    pub policy: PolicyRef,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct GrantedAction {
    pub action: String,
    pub assignment: RoleAssignment,
}

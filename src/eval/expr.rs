//! Expression evaluation over the facts of one order (and, inside line rules, one line).
//!
//! Evaluation never panics: a missing field, a currency without a rate or an overflow is
//! a [`Fault`], which the caller records and treats as the rule matching (fail closed).

use std::cell::OnceCell;
use std::cmp::Ordering;

use rust_decimal::Decimal;

use crate::base::categories::for_each_category_key;
use crate::base::categories::{category_covers, is_unspsc};
use crate::base::money::{self, Currency, MoneyError};
use crate::base::vocabulary::Field;
use crate::base::vocabulary::{AggregateFn, BinaryOp, CompareOp};
use crate::compile::{CompiledPolicy, Expr, GroupId, GroupSet};
use crate::contract::errors::ErrorCode;
use crate::contract::Rate;

/// What the order looks like to rules; amounts are in the order's currency.
#[derive(Debug, Clone)]
pub struct OrderFacts {
    pub id: String,
    pub currency: Currency,
    pub group: GroupId,
    pub subtotal: Decimal,
    pub tax: Decimal,
    pub shipping: Decimal,
    pub total: Decimal,
    pub payment_method: Option<String>,
    pub po_number: Option<String>,
    pub ship_to: Option<String>,
    pub cost_centre: Option<String>,
    /// Custom order field values by slot; `None` where absent or invalid.
    pub fields: Vec<Option<FieldValue>>,
    pub buyer_id: String,
    pub buyer_manager: Option<String>,
    pub buyer_approval_limit: Option<(Decimal, String)>,
    /// Orders under this amount may approve themselves where the policy allows it.
    pub buyer_self_approval_limit: Option<(Decimal, String)>,
    pub lines: Vec<LineFacts>,
    pub rates: Vec<Rate>,
    /// Built on first use from `lines`; reset with [`OrderFacts::lines_changed`] whenever a
    /// line is dropped.
    pub category_totals: OnceCell<Option<CategoryTotals>>,
}

impl OrderFacts {
    /// Forgets what was derived from the lines, after a line is dropped.
    pub fn lines_changed(&mut self) {
        self.category_totals = OnceCell::new();
    }

    /// The per-category sums of the kept lines, or `None` when a sum overflows (then
    /// aggregates scan the lines and report the overflow).
    fn totals(&self, policy: &CompiledPolicy) -> Option<&CategoryTotals> {
        self.category_totals
            .get_or_init(|| CategoryTotals::new(&self.lines, policy))
            .as_ref()
    }
}

/// Sums and counts of the kept lines under each category an aggregate of the policy names
/// (a line in `office/paper` counts for `office` and `office/paper`), so that
/// `sum(lines in category "office")` in a thousand rules is a lookup each, not a scan of
/// the cart each.
#[derive(Debug, Clone, Default)]
pub struct CategoryTotals {
    /// By slot of [`CompiledPolicy::aggregate_slots`]: sum and count.
    slots: Vec<(Decimal, u64)>,
}

impl CategoryTotals {
    fn new(lines: &[LineFacts], policy: &CompiledPolicy) -> Option<CategoryTotals> {
        let mut slots = vec![(Decimal::ZERO, 0u64); policy.aggregate_slots.len()];
        let mut overflow = false;
        for line in lines.iter().filter(|l| l.kept) {
            // UNSPSC codes are matched by their digits, not by paths: such aggregates scan.
            if is_unspsc(&line.category) {
                continue;
            }
            for_each_category_key(&line.category, |key| {
                let slot = policy
                    .aggregate_slots
                    .get(key)
                    .and_then(|&slot| slots.get_mut(slot));
                if let Some((sum, count)) = slot {
                    match money::add(*sum, line.amount) {
                        Ok(total) => *sum = total,
                        Err(_) => overflow = true,
                    }
                    *count += 1;
                }
            });
        }
        (!overflow).then_some(CategoryTotals { slots })
    }

    /// The sum and count of the kept lines in `category` or below it; `None` for a
    /// category no aggregate of the policy names.
    fn get(&self, policy: &CompiledPolicy, category: &str) -> Option<(Decimal, u64)> {
        let slot = *policy.aggregate_slots.get(category)?;
        self.slots.get(slot).copied()
    }
}

#[derive(Debug, Clone)]
pub struct LineFacts {
    pub id: String,
    pub product: String,
    pub category: String,
    pub supplier: Option<String>,
    pub unit_price: Decimal,
    pub quantity: Decimal,
    pub amount: Decimal,
    /// Custom line field values by slot; empty when the policy declares none.
    pub fields: Vec<Option<FieldValue>>,
    /// False once the line is dropped; dropped lines no longer count.
    pub kept: bool,
}

/// A valid custom field value, parsed once per request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldValue {
    /// Text, a list value or a `YYYY-MM-DD` date.
    Text(String),
    Number(Decimal),
    /// An amount in the policy currency.
    Money(Decimal),
}

/// A problem met while evaluating; becomes an error naming the rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    pub code: ErrorCode,
    pub message: String,
}

impl Fault {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Fault {
        Fault {
            code,
            message: message.into(),
        }
    }
}

impl From<MoneyError> for Fault {
    fn from(error: MoneyError) -> Fault {
        match error {
            MoneyError::Overflow => Fault::new(ErrorCode::Overflow, "arithmetic overflow"),
            MoneyError::NoRate { from, to } => Fault::new(
                ErrorCode::MissingRate,
                format!("no rate from `{from}` to `{to}`"),
            ),
        }
    }
}

/// A value during evaluation.
#[derive(Debug, Clone, PartialEq)]
pub enum Value<'a> {
    /// An amount and its currency code; values borrow from the policy and the facts, so
    /// evaluating a condition allocates nothing.
    Money(Decimal, &'a str),
    Number(Decimal),
    Percent(Decimal),
    Str(&'a str),
    Bool(bool),
    Group(GroupId),
    List(Vec<Value<'a>>),
    Categories(&'a [String]),
    Groups(&'a GroupSet),
}

/// Where an expression is evaluated: the order, and the line inside line rules.
pub struct Scope<'a> {
    pub policy: &'a CompiledPolicy,
    pub order: &'a OrderFacts,
    pub line: Option<&'a LineFacts>,
}

impl<'a> Scope<'a> {
    pub fn with_line(&self, line: &'a LineFacts) -> Scope<'a> {
        Scope {
            policy: self.policy,
            order: self.order,
            line: Some(line),
        }
    }

    /// Evaluates a condition, e.g. `order.subtotal >= 1000.00 CAD`.
    pub fn truth(&self, expr: &'a Expr) -> Result<bool, Fault> {
        match self.eval(expr)? {
            Value::Bool(b) => Ok(b),
            _ => Err(Fault::new(
                ErrorCode::MissingField,
                "condition is not true or false",
            )),
        }
    }

    pub fn convert(
        &self,
        amount: Decimal,
        from: &str,
        to: &Currency,
    ) -> Result<Decimal, MoneyError> {
        money::convert(
            amount,
            from,
            to,
            self.order.rates.as_slice(),
            self.policy.rounding,
        )
    }

    /// `convert` without the final rounding, for amounts summed before they are compared.
    pub fn convert_exact(
        &self,
        amount: Decimal,
        from: &str,
        to: &Currency,
    ) -> Result<Decimal, MoneyError> {
        money::convert_exact(amount, from, to, self.order.rates.as_slice())
    }

    /// An amount expression's value in the currency it is written in, e.g. `(1200.00, "USD")`.
    pub fn money(&self, expr: &'a Expr) -> Result<(Decimal, &'a str), Fault> {
        match self.eval(expr)? {
            Value::Money(amount, from) => Ok((amount, from)),
            _ => Err(Fault::new(
                ErrorCode::MissingField,
                "expression is not an amount",
            )),
        }
    }

    pub fn eval(&self, expr: &'a Expr) -> Result<Value<'a>, Fault> {
        Ok(match expr {
            Expr::Money(amount, currency) => Value::Money(*amount, currency),
            Expr::Percent(p) => Value::Percent(*p),
            Expr::Number(n) => Value::Number(*n),
            Expr::Str(s) => Value::Str(s),
            Expr::Bool(b) => Value::Bool(*b),
            Expr::List(items) => Value::List(
                items
                    .iter()
                    .map(|i| self.eval(i))
                    .collect::<Result<_, _>>()?,
            ),
            Expr::Field(field) => self.field(*field)?,
            Expr::Categories(categories) => Value::Categories(categories),
            Expr::Groups(groups) => Value::Groups(groups),
            Expr::Aggregate {
                function,
                categories,
                condition,
            } => self.aggregate(*function, categories, condition.as_deref())?,
            Expr::Not(operand) => match self.eval(operand)? {
                Value::Bool(b) => Value::Bool(!b),
                _ => return Err(type_fault()),
            },
            Expr::Neg(operand) => match self.eval(operand)? {
                Value::Money(a, c) => Value::Money(-a, c),
                Value::Number(n) => Value::Number(-n),
                Value::Percent(p) => Value::Percent(-p),
                _ => return Err(type_fault()),
            },
            Expr::Binary(op, left, right) => self.binary(*op, left, right)?,
        })
    }

    fn field(&self, field: Field) -> Result<Value<'a>, Fault> {
        let order = self.order;
        let money = |amount: Decimal| Value::Money(amount, &order.currency.code);
        let text = |value: &'a Option<String>, path: &str| {
            value
                .as_deref()
                .map(Value::Str)
                .ok_or_else(|| Fault::new(ErrorCode::MissingField, format!("`{path}` is missing")))
        };
        let line = || {
            self.line.ok_or_else(|| {
                Fault::new(
                    ErrorCode::MissingField,
                    "a line field is read outside a line",
                )
            })
        };
        Ok(match field {
            Field::OrderId => Value::Str(&order.id),
            Field::OrderSubtotal => money(order.subtotal),
            Field::OrderTax => money(order.tax),
            Field::OrderShipping => money(order.shipping),
            Field::OrderTotal => money(order.total),
            Field::OrderCurrency => Value::Str(&order.currency.code),
            Field::OrderPaymentMethod => text(&order.payment_method, "order.payment_method")?,
            Field::OrderPoNumber => text(&order.po_number, "order.po_number")?,
            Field::OrderShipTo => text(&order.ship_to, "order.ship_to")?,
            Field::OrderCostCentre => text(&order.cost_centre, "order.cost_centre")?,
            Field::OrderGroup => Value::Group(order.group),
            Field::LineId => Value::Str(&line()?.id),
            Field::LineProduct => Value::Str(&line()?.product),
            Field::LineCategory => Value::Str(&line()?.category),
            Field::LineSupplier => text(&line()?.supplier, "line.supplier")?,
            Field::LineUnitPrice => money(line()?.unit_price),
            Field::LineQuantity => Value::Number(line()?.quantity),
            Field::LineAmount => money(line()?.amount),
            Field::OrderCustom(slot) => self.custom(order.fields.get(slot), slot, "order")?,
            Field::LineCustom(slot) => self.custom(line()?.fields.get(slot), slot, "line")?,
            Field::BuyerId => Value::Str(&order.buyer_id),
            Field::BuyerApprovalLimit => match &order.buyer_approval_limit {
                Some((amount, currency)) => Value::Money(*amount, currency),
                None => {
                    return Err(Fault::new(
                        ErrorCode::MissingField,
                        "`buyer.approval_limit` is missing",
                    ))
                }
            },
        })
    }

    /// A custom field's value; an absent (or invalid) one is a missing fact.
    fn custom(
        &self,
        value: Option<&'a Option<FieldValue>>,
        slot: usize,
        prefix: &str,
    ) -> Result<Value<'a>, Fault> {
        Ok(match value {
            Some(Some(FieldValue::Text(text))) => Value::Str(text),
            Some(Some(FieldValue::Number(n))) => Value::Number(*n),
            Some(Some(FieldValue::Money(m))) => Value::Money(*m, &self.policy.currency.code),
            Some(None) | None => {
                let name = self
                    .policy
                    .fields
                    .get(slot)
                    .map_or("", |f| f.info.id.as_str());
                return Err(Fault::new(
                    ErrorCode::MissingField,
                    format!("`{prefix}.fields.{name}` is missing"),
                ));
            }
        })
    }

    fn aggregate(
        &self,
        function: AggregateFn,
        categories: &'a [String],
        condition: Option<&'a Expr>,
    ) -> Result<Value<'a>, Fault> {
        let mut sum = Decimal::ZERO;
        let mut count = 0u64;
        let mut all = true;
        if let Some(found) = self.indexed_aggregate(categories, condition) {
            (sum, count) = found;
            return Ok(match function {
                AggregateFn::Sum => Value::Money(sum, &self.order.currency.code),
                AggregateFn::Count => Value::Number(Decimal::from(count)),
                AggregateFn::Any => Value::Bool(count > 0),
                AggregateFn::All => Value::Bool(true),
            });
        }
        for line in self.order.lines.iter().filter(|l| l.kept) {
            if !categories.is_empty()
                && !categories
                    .iter()
                    .any(|c| category_covers(c, &line.category))
            {
                continue;
            }
            let hit = match condition {
                Some(condition) => self.with_line(line).truth(condition)?,
                None => true,
            };
            all &= hit;
            if hit {
                count += 1;
                sum = money::add(sum, line.amount)?;
            }
        }
        Ok(match function {
            AggregateFn::Sum => Value::Money(sum, &self.order.currency.code),
            AggregateFn::Count => Value::Number(Decimal::from(count)),
            AggregateFn::Any => Value::Bool(count > 0),
            AggregateFn::All => Value::Bool(all),
        })
    }

    /// The sum and count of an aggregate over one category path without a condition, from
    /// [`CategoryTotals`]; `None` when it has to scan the lines instead. (Several
    /// categories scan, so that lines are summed in the same order as always.)
    fn indexed_aggregate(
        &self,
        categories: &[String],
        condition: Option<&Expr>,
    ) -> Option<(Decimal, u64)> {
        let [category] = categories else { return None };
        if condition.is_some() || is_unspsc(category) {
            return None;
        }
        self.order.totals(self.policy)?.get(self.policy, category)
    }

    fn binary(&self, op: BinaryOp, left: &'a Expr, right: &'a Expr) -> Result<Value<'a>, Fault> {
        match op {
            BinaryOp::And => {
                return Ok(Value::Bool(self.truth(left)? && self.truth(right)?));
            }
            BinaryOp::Or => {
                return Ok(Value::Bool(self.truth(left)? || self.truth(right)?));
            }
            // `x in [a, b]` compares item by item, without building the list.
            BinaryOp::In => {
                if let Expr::List(items) = right {
                    let item = self.eval(left)?;
                    // Every item is evaluated before any is compared, as when the list is
                    // built, so a fault in a later item is never hidden by an early match.
                    for candidate in items {
                        self.eval(candidate)?;
                    }
                    for candidate in items {
                        if self.compare(CompareOp::Eq, &item, &self.eval(candidate)?)? {
                            return Ok(Value::Bool(true));
                        }
                    }
                    return Ok(Value::Bool(false));
                }
            }
            _ => {}
        }
        let l = self.eval(left)?;
        let r = self.eval(right)?;
        Ok(match op {
            BinaryOp::Compare(cmp) => Value::Bool(self.compare(cmp, &l, &r)?),
            BinaryOp::In => Value::Bool(self.member(&l, &r)?),
            BinaryOp::StartsWith | BinaryOp::EndsWith => match (&l, &r) {
                (Value::Str(a), Value::Str(b)) => Value::Bool(if op == BinaryOp::StartsWith {
                    a.starts_with(b)
                } else {
                    a.ends_with(b)
                }),
                _ => return Err(type_fault()),
            },
            BinaryOp::Add | BinaryOp::Sub => {
                let apply = |a, b| {
                    if op == BinaryOp::Add {
                        money::add(a, b)
                    } else {
                        money::sub(a, b)
                    }
                };
                match (l, r) {
                    (Value::Money(a, ca), Value::Money(b, cb)) => {
                        let (a, b, currency) = self.align(a, ca, b, cb)?;
                        Value::Money(apply(a, b)?, currency)
                    }
                    (Value::Number(a), Value::Number(b)) => Value::Number(apply(a, b)?),
                    (Value::Percent(a), Value::Percent(b)) => Value::Percent(apply(a, b)?),
                    _ => return Err(type_fault()),
                }
            }
            BinaryOp::Mul => match (l, r) {
                (Value::Money(a, c), Value::Number(b)) | (Value::Number(b), Value::Money(a, c)) => {
                    Value::Money(money::mul(a, b)?, c)
                }
                (Value::Number(a), Value::Number(b)) => Value::Number(money::mul(a, b)?),
                _ => return Err(type_fault()),
            },
            BinaryOp::Of => {
                let share = |p: Decimal, x: Decimal| -> Result<Decimal, Fault> {
                    money::mul(p, x)?
                        .checked_div(Decimal::ONE_HUNDRED)
                        .ok_or_else(overflow)
                };
                match (l, r) {
                    (Value::Percent(p), Value::Money(a, c)) => Value::Money(share(p, a)?, c),
                    (Value::Percent(p), Value::Number(n)) => Value::Number(share(p, n)?),
                    _ => return Err(type_fault()),
                }
            }
            BinaryOp::And | BinaryOp::Or => return Err(type_fault()),
        })
    }

    /// Brings two amounts into one currency: the policy's if either is in it, else the
    /// right operand's; the converted side is rounded to that currency's minor unit.
    fn align(
        &self,
        a: Decimal,
        ca: &'a str,
        b: Decimal,
        cb: &'a str,
    ) -> Result<(Decimal, Decimal, &'a str), Fault> {
        if ca == cb {
            return Ok((a, b, ca));
        }
        let target = if ca == self.policy.currency.code {
            ca
        } else {
            cb
        };
        let currency = Currency::of(target).ok_or_else(|| {
            Fault::new(
                ErrorCode::UnknownCurrency,
                format!("unknown currency `{target}`"),
            )
        })?;
        let a = self.convert(a, ca, &currency)?;
        let b = self.convert(b, cb, &currency)?;
        Ok((a, b, target))
    }

    fn compare(&self, op: CompareOp, l: &Value<'a>, r: &Value<'a>) -> Result<bool, Fault> {
        let ordering = match (l, r) {
            (Value::Money(a, ca), Value::Money(b, cb)) => {
                let (a, b, _) = self.align(*a, ca, *b, cb)?;
                a.cmp(&b)
            }
            (Value::Number(a), Value::Number(b)) | (Value::Percent(a), Value::Percent(b)) => {
                a.cmp(b)
            }
            (Value::Str(a), Value::Str(b)) => {
                let equal = a == b;
                return match op {
                    CompareOp::Eq => Ok(equal),
                    CompareOp::Ne => Ok(!equal),
                    _ => Err(type_fault()),
                };
            }
            (Value::Bool(a), Value::Bool(b)) => a.cmp(b),
            (Value::Group(a), Value::Group(b)) => a.cmp(b),
            _ => return Err(type_fault()),
        };
        Ok(compare_ordering(op, ordering))
    }

    fn member(&self, l: &Value<'a>, r: &Value<'a>) -> Result<bool, Fault> {
        Ok(match (l, r) {
            (Value::Str(category), Value::Categories(set)) => {
                set.iter().any(|c| category_covers(c, category))
            }
            (Value::Group(group), Value::Groups(set)) => set.contains(*group),
            (item, Value::List(items)) => {
                for candidate in items {
                    if self.compare(CompareOp::Eq, item, candidate)? {
                        return Ok(true);
                    }
                }
                false
            }
            _ => return Err(type_fault()),
        })
    }
}

/// Applies a comparison operator to an ordering, e.g. `Ge` on `Equal` is true.
pub fn compare_ordering(op: CompareOp, ordering: Ordering) -> bool {
    match op {
        CompareOp::Eq => ordering == Ordering::Equal,
        CompareOp::Ne => ordering != Ordering::Equal,
        CompareOp::Lt => ordering == Ordering::Less,
        CompareOp::Le => ordering != Ordering::Greater,
        CompareOp::Gt => ordering == Ordering::Greater,
        CompareOp::Ge => ordering != Ordering::Less,
    }
}

fn type_fault() -> Fault {
    Fault::new(
        ErrorCode::MissingField,
        "values of different kinds cannot be combined",
    )
}

fn overflow() -> Fault {
    Fault::new(ErrorCode::Overflow, "arithmetic overflow")
}

#[cfg(all(test, feature = "authoring"))]
#[path = "expr_tests.rs"]
mod aggregate_tests;

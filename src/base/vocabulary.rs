//! The language's built-in vocabulary, shared by the checker and the evaluator: the
//! operators, the order amounts and budget periods, and the fields a condition can read.

/// Actions every policy knows, in the order the product lists them (docs/language.md §4).
pub const BUILTIN_ACTIONS: &[&str] = &[
    "manage_people",
    "assign_roles",
    "manage_groups",
    "manage_policies",
    "manage_budgets",
    "manage_payment_methods",
    "manage_invoice_templates",
    "place_orders",
    "add_payment_methods",
    "approve_orders",
    "view_invoices",
    "view_credit_notes",
    "view_order_history",
    "view_reports",
];

/// What the built-in `requester` role grants.
#[cfg(feature = "authoring")]
pub const REQUESTER_ACTIONS: &[&str] = &["place_orders", "add_payment_methods", "approve_orders"];
/// What the built-in `finance` role grants.
#[cfg(feature = "authoring")]
pub const FINANCE_ACTIONS: &[&str] = &[
    "view_invoices",
    "view_credit_notes",
    "view_order_history",
    "view_reports",
];

/// A field an expression can read, e.g. `order.subtotal`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum Field {
    OrderId,
    OrderSubtotal,
    OrderTax,
    OrderShipping,
    OrderTotal,
    OrderCurrency,
    OrderPaymentMethod,
    OrderPoNumber,
    OrderShipTo,
    OrderGroup,
    OrderCostCentre,
    LineId,
    LineProduct,
    LineCategory,
    LineSupplier,
    LineUnitPrice,
    LineQuantity,
    LineAmount,
    BuyerId,
    BuyerApprovalLimit,
    /// `order.fields.<name>`: the custom field of that slot.
    OrderCustom(usize),
    /// `line.fields.<name>`: the custom line field of that slot.
    LineCustom(usize),
}

/// Every readable field and its path, in documentation order.
#[cfg(feature = "authoring")]
pub const FIELDS: &[(&str, Field)] = &[
    ("order.id", Field::OrderId),
    ("order.subtotal", Field::OrderSubtotal),
    ("order.tax", Field::OrderTax),
    ("order.shipping", Field::OrderShipping),
    ("order.total", Field::OrderTotal),
    ("order.currency", Field::OrderCurrency),
    ("order.payment_method", Field::OrderPaymentMethod),
    ("order.po_number", Field::OrderPoNumber),
    ("order.ship_to", Field::OrderShipTo),
    ("order.group", Field::OrderGroup),
    ("order.cost_centre", Field::OrderCostCentre),
    ("line.id", Field::LineId),
    ("line.product", Field::LineProduct),
    ("line.category", Field::LineCategory),
    ("line.supplier", Field::LineSupplier),
    ("line.unit_price", Field::LineUnitPrice),
    ("line.quantity", Field::LineQuantity),
    ("line.amount", Field::LineAmount),
    ("buyer.id", Field::BuyerId),
    ("buyer.approval_limit", Field::BuyerApprovalLimit),
];

#[cfg(feature = "authoring")]
impl Field {
    pub fn lookup(path: &str) -> Option<Field> {
        FIELDS
            .iter()
            .find(|(name, _)| *name == path)
            .map(|(_, field)| *field)
    }

    pub fn is_line(self) -> bool {
        matches!(
            self,
            Field::LineId
                | Field::LineProduct
                | Field::LineCategory
                | Field::LineSupplier
                | Field::LineUnitPrice
                | Field::LineQuantity
                | Field::LineAmount
                | Field::LineCustom(_)
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Period {
    Weekly,
    Monthly,
    Quarterly,
    Yearly,
}

impl Period {
    pub fn keyword(self) -> &'static str {
        match self {
            Period::Weekly => "weekly",
            Period::Monthly => "monthly",
            Period::Quarterly => "quarterly",
            Period::Yearly => "yearly",
        }
    }
}

/// Which amount of an order a threshold compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum AmountBasis {
    Subtotal,
    Total,
    Tax,
    Shipping,
}

impl AmountBasis {
    #[cfg(feature = "authoring")]
    pub fn keyword(self) -> &'static str {
        match self {
            AmountBasis::Subtotal => "subtotal",
            AmountBasis::Total => "total",
            AmountBasis::Tax => "tax",
            AmountBasis::Shipping => "shipping",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum CompareOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl CompareOp {
    #[cfg(feature = "authoring")]
    pub fn symbol(self) -> &'static str {
        match self {
            CompareOp::Eq => "==",
            CompareOp::Ne => "!=",
            CompareOp::Lt => "<",
            CompareOp::Le => "<=",
            CompareOp::Gt => ">",
            CompareOp::Ge => ">=",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum BinaryOp {
    Or,
    And,
    Compare(CompareOp),
    In,
    StartsWith,
    EndsWith,
    Add,
    Sub,
    Mul,
    /// `15% of order.subtotal`
    Of,
}

impl BinaryOp {
    #[cfg(feature = "authoring")]
    pub fn symbol(self) -> &'static str {
        match self {
            BinaryOp::Or => "or",
            BinaryOp::And => "and",
            BinaryOp::Compare(op) => op.symbol(),
            BinaryOp::In => "in",
            BinaryOp::StartsWith => "starts_with",
            BinaryOp::EndsWith => "ends_with",
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
            BinaryOp::Of => "of",
        }
    }

    #[cfg(feature = "authoring")]
    /// Binding strength, higher binds tighter; the formatter and parser agree on it.
    pub fn precedence(self) -> u8 {
        match self {
            BinaryOp::Or => 1,
            BinaryOp::And => 2,
            BinaryOp::Compare(_) | BinaryOp::In | BinaryOp::StartsWith | BinaryOp::EndsWith => 4,
            BinaryOp::Add | BinaryOp::Sub => 5,
            BinaryOp::Mul | BinaryOp::Of => 6,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum AggregateFn {
    Sum,
    Count,
    Any,
    All,
}

impl AggregateFn {
    #[cfg(feature = "authoring")]
    pub fn keyword(self) -> &'static str {
        match self {
            AggregateFn::Sum => "sum",
            AggregateFn::Count => "count",
            AggregateFn::Any => "any",
            AggregateFn::All => "all",
        }
    }
}

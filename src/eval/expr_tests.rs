//! Aggregates over one category (`sum(lines in category "office")`) are answered from
//! per-order category totals instead of a scan of the cart. This property test checks that
//! the two ways agree on random carts: nested paths, UNSPSC codes, a path that looks like a
//! UNSPSC code, dropped lines, several categories, and sums that overflow.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::cell::OnceCell;

use crate::base::money::Currency;
use crate::compile::Expr;
use crate::eval::expr::{LineFacts, OrderFacts, Scope};
use proptest::prelude::*;
use proptest::sample::select;
use rust_decimal::Decimal;

const CATEGORIES: [&str; 10] = [
    "office",
    "office/paper",
    "office/paper/copier",
    "office/ink",
    "officer",
    "it/laptops",
    "44121601",
    "44120000",
    "44121600/x",
    "it",
];

const AGGREGATES: [&str; 12] = [
    r#"sum(lines in category "office")"#,
    r#"sum(lines in category "office/paper")"#,
    r#"sum(lines in category "office/paper/copier")"#,
    r#"count(lines in category "office")"#,
    r#"any(lines in category "it")"#,
    r#"all(lines in category "officer")"#,
    r#"sum(lines in category "44120000")"#,
    r#"count(lines in category "44121600")"#,
    r#"sum(lines in category "office", "it")"#,
    r#"sum(lines in category "office", "office/ink")"#,
    r#"count(lines in category "nothing/here")"#,
    r#"sum(lines in category "44121600/x")"#,
];

fn policy() -> crate::Engine {
    let mut source =
        String::from("policy \"Aggregates\" {\n  currency CAD\n}\n\ngroup org \"Org\"\n\n");
    for (i, aggregate) in AGGREGATES.iter().enumerate() {
        let rhs = if aggregate.starts_with("sum") {
            "0.00 CAD"
        } else if aggregate.starts_with("count") {
            "0"
        } else {
            "true"
        };
        let op = if rhs == "true" { "==" } else { ">" };
        source.push_str(&format!(
            "rule r{i} \"Rule {i}\" {{\n  warn order when {aggregate} {op} {rhs}\n  for all\n}}\n\n"
        ));
    }
    crate::Engine::new(&source, &Default::default()).expect("the policy compiles")
}

/// The aggregate on the left of each rule's comparison.
fn aggregates(engine: &crate::Engine) -> Vec<&Expr> {
    engine
        .compiled()
        .order_rules
        .iter()
        .map(|rule| match &rule.condition {
            Expr::Binary(_, left, _) => &**left,
            other => panic!("unexpected condition {other:?}"),
        })
        .collect()
}

fn facts(lines: Vec<LineFacts>, scan: bool) -> OrderFacts {
    OrderFacts {
        id: "o1".into(),
        currency: Currency::of("CAD").unwrap(),
        group: 0,
        subtotal: Decimal::ZERO,
        tax: Decimal::ZERO,
        shipping: Decimal::ZERO,
        total: Decimal::ZERO,
        payment_method: None,
        po_number: None,
        ship_to: None,
        cost_centre: None,
        fields: Vec::new(),
        buyer_id: "u1".into(),
        buyer_manager: None,
        buyer_approval_limit: None,
        buyer_self_approval_limit: None,
        lines,
        rates: Vec::new(),
        // Settled to "no totals", which makes every aggregate scan the lines.
        category_totals: if scan {
            OnceCell::from(None)
        } else {
            OnceCell::new()
        },
    }
}

fn line() -> impl Strategy<Value = LineFacts> {
    (
        select(CATEGORIES.to_vec()),
        prop_oneof![
            4 => (0i64..10_000_000).prop_map(|cents| Decimal::new(cents, 2)),
            1 => Just(Decimal::MAX),
        ],
        any::<bool>(),
    )
        .prop_map(|(category, amount, kept)| LineFacts {
            id: String::new(),
            product: "p".into(),
            category: category.into(),
            supplier: None,
            unit_price: amount,
            quantity: Decimal::ONE,
            amount,
            fields: Vec::new(),
            kept,
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn totals_agree_with_a_scan(lines in proptest::collection::vec(line(), 0..12)) {
        let engine = policy();
        let indexed = facts(lines.clone(), false);
        let scanned = facts(lines, true);
        for aggregate in aggregates(&engine) {
            let by_totals = Scope { policy: engine.compiled(), order: &indexed, line: None }.eval(aggregate);
            let by_scan = Scope { policy: engine.compiled(), order: &scanned, line: None }.eval(aggregate);
            prop_assert_eq!(by_totals, by_scan, "{:?}", aggregate);
        }
    }
}

/// The index is really used: a cart whose totals were computed before a line was dropped
/// gives stale answers until `lines_changed`, which is what the evaluator calls.
#[test]
fn dropping_a_line_needs_lines_changed() {
    let engine = policy();
    let sum_office = aggregates(&engine)[0];
    let mut order = facts(
        vec![LineFacts {
            id: "l1".into(),
            product: "p".into(),
            category: "office/paper".into(),
            supplier: None,
            unit_price: Decimal::TEN,
            quantity: Decimal::ONE,
            amount: Decimal::TEN,
            fields: Vec::new(),
            kept: true,
        }],
        false,
    );
    let sum = |order: &OrderFacts| -> Decimal {
        let scope = Scope {
            policy: engine.compiled(),
            order,
            line: None,
        };
        match scope.eval(sum_office).unwrap() {
            crate::eval::expr::Value::Money(amount, _) => amount,
            other => panic!("not an amount: {other:?}"),
        }
    };
    let before = sum(&order);
    order.lines[0].kept = false;
    assert_eq!(sum(&order), before, "the totals are cached");
    order.lines_changed();
    assert_ne!(sum(&order), before, "and recomputed after lines_changed");
}

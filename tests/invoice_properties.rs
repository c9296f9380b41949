//! Properties of invoice runs over generated orders: random lines (negative and zero amounts
//! too), currencies with 0, 2 and 3 minor units, PO numbers or none, groups under every
//! cadence and `credits as` mode, dates inside and outside the period, cancellations, and
//! refunds (full, in either sign convention, and partial), with and without a run date.
//!
//! - every order lands on exactly one document or in `rejected`;
//! - per document, charges + credits (a negative sum) = amount due, where `listed` credits
//!   are shown but not netted; an invoice is never negative and a credit note never positive;
//! - the run's total per currency is the sum of its documents and the signed sum of its
//!   orders (a refund credits the size of its signed net, `-|net|`, whatever the sign it
//!   was recorded with; `listed` nets neither credits nor refunds);
//! - a full refund of an order nets it to zero (in the netting modes);
//! - no document is dated after the run date;
//! - the default run date and the same date given explicitly give identical answers.
//!
//! The runs go through the JSON entry point, as hosts call it. scripts/test.sh fixes the
//! seed (`PROPTEST_RNG_SEED`); case counts are modest so this runs in seconds in debug.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::BTreeMap;
use std::str::FromStr;
use std::sync::OnceLock;

use proptest::prelude::*;
use proptest::sample::select;
use rust_decimal::Decimal;
use serde_json::{json, Value};

const CADENCES: [(&str, &str); 4] = [
    ("po", "per order"),
    ("wk", "every week"),
    ("bw", "every 2 weeks from 2026-01-05"),
    ("mo", "every month"),
];
const MODES: [&str; 3] = ["credit_note", "adjustment", "listed"];
const SPLITS: [&str; 3] = [
    "",
    "  split by po_number\n",
    "  split by group, po_number\n",
];

/// One group per cadence and mode, each with two subgroups (`…_a`, `…_b`) so that
/// `split by group` has something to split.
fn policy_source() -> String {
    let mut groups = String::new();
    let mut rules = String::new();
    for (c, (cadence_id, cadence)) in CADENCES.iter().enumerate() {
        for (m, mode) in MODES.iter().enumerate() {
            let g = format!("{cadence_id}_{mode}");
            groups.push_str(&format!(
                "  group {g} \"{g}\" {{\n    group {g}_a \"A\"\n    group {g}_b \"B\"\n  }}\n"
            ));
            let split = SPLITS[(c + m) % SPLITS.len()];
            rules.push_str(&format!(
                "invoice {g}_inv {{\n  for {g}\n  template \"{g}\"\n  bill to \"Org\"\n  send to \"ap@org.example\"\n  {cadence}\n{split}  terms net 30\n  credits as {mode}\n}}\n\n"
            ));
        }
    }
    format!(
        "policy \"Invoice properties\" {{\n  currency CAD\n}}\n\ngroup org \"Org\" {{\n{groups}  group none_g \"No rule\"\n}}\n\n{rules}"
    )
}

fn engine() -> &'static procura::Engine {
    static ENGINE: OnceLock<procura::Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        procura::Engine::from_json(&policy_source(), None)
            .unwrap_or_else(|e| panic!("the test policy compiles: {e:?}"))
    })
}

/// Every group an order may name: each rule's group and subgroups, one without a rule and
/// one that does not exist.
fn group_names() -> Vec<String> {
    let mut names = Vec::new();
    for (cadence_id, _) in CADENCES {
        for mode in MODES {
            let g = format!("{cadence_id}_{mode}");
            names.push(format!("{g}_a"));
            names.push(format!("{g}_b"));
            names.push(g);
        }
    }
    names.push("none_g".into());
    names.push("nowhere".into());
    names
}

/// The `credits as` mode of the rule covering a group.
fn mode_of(group: &str) -> Option<&'static str> {
    MODES.iter().copied().find(|m| group.contains(m))
}

/// (code, minor units).
const CURRENCIES: [(&str, u32); 4] = [("CAD", 2), ("USD", 2), ("JPY", 0), ("KWD", 3)];

#[derive(Debug, Clone)]
struct GenOrder {
    group: String,
    po_number: Option<String>,
    status: &'static str,
    /// Days from 2026-12-01 (negative and ≥ 31 are outside the period).
    day: i64,
    offset: &'static str,
    currency: (&'static str, u32),
    /// Amounts in minor units.
    lines: Vec<i64>,
    refund: Option<Refund>,
}

#[derive(Debug, Clone, Copy)]
enum Refund {
    /// The same lines, as on the order.
    Full,
    /// The same lines with their signs flipped (recorded as credits already).
    FullNegated,
    /// Only the first line.
    FirstLine,
}

fn gen_order() -> impl Strategy<Value = GenOrder> {
    let amount = prop_oneof![
        3 => 0i64..50_000,
        1 => -20_000i64..0,
        1 => Just(0i64),
    ];
    (
        select(group_names()),
        select(vec![None, Some("PO-1"), Some("PO-2"), Some("")]),
        select(vec![
            "approved",
            "shipped",
            "delivered",
            "delivered",
            "cancelled",
            "refunded",
        ]),
        prop_oneof![8 => 0i64..31, 1 => -3i64..0, 1 => 31i64..34],
        select(vec!["-05:00", "+09:00", "Z"]),
        select(CURRENCIES.to_vec()),
        proptest::collection::vec(amount, 1..4),
        proptest::option::weighted(
            0.4,
            select(vec![Refund::Full, Refund::FullNegated, Refund::FirstLine]),
        ),
    )
        .prop_map(
            |(group, po, status, day, offset, currency, lines, refund)| GenOrder {
                group,
                po_number: po.map(str::to_owned),
                status,
                day,
                offset,
                currency,
                lines,
                refund,
            },
        )
}

fn money(minor: i64, units: u32) -> String {
    Decimal::new(minor, units).to_string()
}

fn placed_at(day: i64, offset: &str) -> String {
    let date = jiff_date(day);
    format!("{date}T10:00:00{offset}")
}

fn jiff_date(day: i64) -> String {
    // 2026-12-01 plus `day` days, without a date library: December has 31 days.
    match day {
        d if d < 0 => format!("2026-11-{:02}", 31 + d),
        d if d < 31 => format!("2026-12-{:02}", d + 1),
        d => format!("2027-01-{:02}", d - 30),
    }
}

fn order_json(id: &str, order: &GenOrder, status: &str, lines: &[i64]) -> Value {
    let (code, units) = order.currency;
    let mut value = json!({
        "id": id,
        "group": order.group,
        "status": status,
        "placedAt": placed_at(order.day, order.offset),
        "currency": code,
        "lines": lines
            .iter()
            .enumerate()
            .map(|(i, amount)| json!({"id": format!("L{i}"), "amount": money(*amount, units)}))
            .collect::<Vec<_>>(),
    });
    if let Some(po) = &order.po_number {
        value["poNumber"] = json!(po);
    }
    value
}

/// The request's orders: each generated order, then its refund (an order of its own, in
/// the same group, currency and period, with status `refunded`).
fn orders_json(orders: &[GenOrder]) -> Vec<Value> {
    let mut out = Vec::new();
    for (i, order) in orders.iter().enumerate() {
        out.push(order_json(
            &format!("O{i}"),
            order,
            order.status,
            &order.lines,
        ));
        if let Some(refund) = order.refund {
            let lines: Vec<i64> = match refund {
                Refund::Full => order.lines.clone(),
                Refund::FullNegated => order.lines.iter().map(|a| -a).collect(),
                Refund::FirstLine => order.lines.iter().take(1).copied().collect(),
            };
            out.push(order_json(&format!("O{i}-R"), order, "refunded", &lines));
        }
    }
    out
}

fn run(orders: &[Value], run_date: Option<&str>) -> Value {
    let mut request = json!({"period": "2026-12", "orders": orders});
    if let Some(date) = run_date {
        request["runDate"] = json!(date);
    }
    let answer: Value =
        serde_json::from_str(&engine().invoice_run_json(&request.to_string())).unwrap();
    assert_eq!(answer["type"], "success", "{answer}");
    answer["result"].clone()
}

fn dec(value: &Value) -> Decimal {
    Decimal::from_str(value.as_str().unwrap_or_else(|| panic!("amount {value}"))).unwrap()
}

fn sum(lines: &Value) -> Decimal {
    lines
        .as_array()
        .unwrap()
        .iter()
        .map(|l| dec(&l["amount"]))
        .sum()
}

/// The order ids on each document (lines and listed credits).
fn documents_of(result: &Value) -> BTreeMap<String, Vec<String>> {
    let mut on: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for invoice in result["invoices"].as_array().unwrap() {
        let id = invoice["id"].as_str().unwrap().to_owned();
        for line in invoice["lines"]
            .as_array()
            .unwrap()
            .iter()
            .chain(invoice["credits"].as_array().unwrap())
        {
            let docs = on
                .entry(line["order"].as_str().unwrap().to_owned())
                .or_default();
            if !docs.contains(&id) {
                docs.push(id.clone());
            }
        }
    }
    on
}

/// What an accepted order adds to its currency's total: its signed net; a refund credits
/// the size of its net; under `listed` only the charges of an ordinary order count.
fn contribution(order: &Value) -> Decimal {
    let amounts: Vec<Decimal> = order["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| dec(&l["amount"]))
        .collect();
    let net: Decimal = amounts.iter().sum();
    let refund = order["status"] == "refunded";
    match (mode_of(order["group"].as_str().unwrap()), refund) {
        (Some("listed"), true) => Decimal::ZERO,
        (Some("listed"), false) => amounts.iter().filter(|a| **a > Decimal::ZERO).sum(),
        (_, true) => -net.abs(),
        (_, false) => net,
    }
}

fn run_date_strategy() -> impl Strategy<Value = Option<String>> {
    proptest::option::of((0i64..45).prop_map(|d| jiff_date(d + 15)))
}

/// 96 cases per property unless `PROPTEST_CASES` asks for more; the seed comes from
/// `PROPTEST_RNG_SEED` (scripts/test.sh).
fn config() -> ProptestConfig {
    let default = ProptestConfig::default();
    ProptestConfig {
        cases: if std::env::var_os("PROPTEST_CASES").is_some() {
            default.cases
        } else {
            96
        },
        failure_persistence: None,
        ..default
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn every_order_on_exactly_one_document_or_rejected(
        orders in proptest::collection::vec(gen_order(), 0..12),
        run_date in run_date_strategy(),
    ) {
        let orders = orders_json(&orders);
        let result = run(&orders, run_date.as_deref());
        let on = documents_of(&result);
        let rejected: Vec<u64> = result["rejected"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["index"].as_u64().unwrap())
            .collect();
        for (index, order) in orders.iter().enumerate() {
            let id = order["id"].as_str().unwrap();
            let times_rejected = rejected.iter().filter(|i| **i == index as u64).count();
            let documents = on.get(id).map_or(0, Vec::len);
            prop_assert_eq!(
                times_rejected + documents,
                1,
                "order {} is on {:?} and rejected {} times",
                id,
                on.get(id),
                times_rejected
            );
        }
    }

    #[test]
    fn per_document_charges_and_credits_make_the_amount_due(
        orders in proptest::collection::vec(gen_order(), 0..12),
        run_date in run_date_strategy(),
    ) {
        let result = run(&orders_json(&orders), run_date.as_deref());
        for invoice in result["invoices"].as_array().unwrap() {
            let due = dec(&invoice["amountDue"]);
            let listed = sum(&invoice["credits"]);
            prop_assert_eq!(due, sum(&invoice["lines"]), "{}", invoice);
            prop_assert_eq!(
                dec(&invoice["charges"]) + dec(&invoice["creditsTotal"]) - listed,
                due,
                "charges + credits (less the listed ones) must be the amount due: {}",
                invoice
            );
            match invoice["kind"].as_str().unwrap() {
                "invoice" => prop_assert!(due >= Decimal::ZERO, "a negative invoice: {}", invoice),
                _ => prop_assert!(due <= Decimal::ZERO, "a positive credit note: {}", invoice),
            }
        }
    }

    #[test]
    fn the_run_total_is_the_signed_sum_of_its_orders(
        orders in proptest::collection::vec(gen_order(), 0..12),
        run_date in run_date_strategy(),
    ) {
        let orders = orders_json(&orders);
        let result = run(&orders, run_date.as_deref());
        let rejected: Vec<u64> = result["rejected"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["index"].as_u64().unwrap())
            .collect();
        let mut expected: BTreeMap<String, Decimal> = BTreeMap::new();
        for (index, order) in orders.iter().enumerate() {
            if !rejected.contains(&(index as u64)) {
                *expected
                    .entry(order["currency"].as_str().unwrap().to_owned())
                    .or_default() += contribution(order);
            }
        }
        let mut documents: BTreeMap<String, Decimal> = BTreeMap::new();
        for invoice in result["invoices"].as_array().unwrap() {
            *documents
                .entry(invoice["currency"].as_str().unwrap().to_owned())
                .or_default() += dec(&invoice["amountDue"]);
        }
        let totals: BTreeMap<String, Decimal> = result["totals"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| (t["currency"].as_str().unwrap().to_owned(), dec(&t["amountDue"])))
            .collect();
        prop_assert_eq!(&totals, &documents, "totals are the sum of the documents");
        prop_assert_eq!(&totals, &expected, "totals are the signed sum of the orders");
    }

    #[test]
    fn a_full_refund_nets_its_order_to_zero(
        order in gen_order(),
        mode in select(vec!["credit_note", "adjustment"]),
        cadence in select(CADENCES.iter().map(|(id, _)| *id).collect::<Vec<_>>()),
        negated in any::<bool>(),
        day in 0i64..31,
    ) {
        // A delivered order with a non-negative net, placed in the period, and its full
        // refund, in either sign convention.
        let mut order = order;
        order.group = format!("{cadence}_{mode}");
        order.status = "delivered";
        order.day = day;
        order.refund = Some(if negated { Refund::FullNegated } else { Refund::Full });
        if order.lines.iter().sum::<i64>() < 0 {
            order.lines = order.lines.iter().map(|a| -a).collect();
        }
        let result = run(&orders_json(&[order]), None);
        prop_assert_eq!(result["rejected"].as_array().unwrap().len(), 0, "{}", result);
        let total: Decimal = result["totals"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| dec(&t["amountDue"]))
            .sum();
        prop_assert_eq!(total, Decimal::ZERO, "{}", result);
    }

    #[test]
    fn no_document_is_dated_after_the_run(
        orders in proptest::collection::vec(gen_order(), 0..12),
        run_date in run_date_strategy(),
    ) {
        let result = run(&orders_json(&orders), run_date.as_deref());
        let run_date = result["runDate"].as_str().unwrap();
        for invoice in result["invoices"].as_array().unwrap() {
            // ISO dates compare as text.
            prop_assert!(
                invoice["invoiceDate"].as_str().unwrap() <= run_date,
                "{} is dated {}, after the run date {}",
                invoice["id"],
                invoice["invoiceDate"],
                run_date
            );
        }
    }

    #[test]
    fn the_default_run_date_and_the_same_date_given_agree(
        orders in proptest::collection::vec(gen_order(), 0..12),
    ) {
        let orders = orders_json(&orders);
        let default = run(&orders, None);
        let explicit = run(&orders, Some(default["runDate"].as_str().unwrap()));
        prop_assert_eq!(default, explicit);
    }
}

/// Isolation through the JSON entry point: an order nested far past serde_json's recursion
/// limit is rejected by path while the others are invoiced; a request nested too deep
/// outside `orders` is a coded failure, never a stack overflow.
#[test]
fn a_deep_order_fails_alone() {
    let good = r#"{"id": "A", "group": "mo_credit_note", "status": "delivered", "placedAt": "2026-12-02T09:00:00Z", "currency": "CAD", "lines": [{"id": "L1", "amount": "10.00"}]}"#;
    for depth in [40, 200, 100_000] {
        let deep = format!(
            r#"{{"id": "DEEP", "group": "mo_credit_note", "status": "delivered", "placedAt": "2026-12-02T09:00:00Z", "currency": "CAD", "lines": [], "x": {}1{}}}"#,
            "{\"a\":".repeat(depth),
            "}".repeat(depth)
        );
        let request =
            format!(r#"{{"period": "2026-12", "orders": [{deep}, {good}, [[[[]]]], "x"]}}"#);
        let answer: Value = serde_json::from_str(&engine().invoice_run_json(&request)).unwrap();
        assert_eq!(answer["type"], "success", "{depth}: {answer}");
        let result = &answer["result"];
        assert_eq!(result["invoices"][0]["amountDue"], "10.00");
        let rejected = result["rejected"].as_array().unwrap();
        assert_eq!(rejected.len(), 3, "{result}");
        assert_eq!(rejected[0]["code"], "E0101");
        assert_eq!(rejected[0]["order"], "DEEP");
        // 32 levels: the order, then `x` and 30 `a`s; the 31st `a` is one too many.
        let expected = format!("orders[0].x{}", ".a".repeat(31));
        assert_eq!(rejected[0]["path"], expected.as_str());
        // An order written as an array is refused as a whole: the contract's objects are
        // objects (docs/evaluation.md, Strict JSON).
        assert_eq!(rejected[1]["path"], "orders[2]");
        assert_eq!(rejected[2]["path"], "orders[3]");
    }
    for request in [
        "[".repeat(100_000),
        format!(
            r#"{{"period": "2026-12", "orders": [], "x": {}}}"#,
            "[".repeat(100_000)
        ),
        format!(r#"{{"period": {}}}"#, "[".repeat(100_000)),
    ] {
        let answer: Value = serde_json::from_str(&engine().invoice_run_json(&request)).unwrap();
        assert_eq!(answer["type"], "failure", "{answer}");
        assert_eq!(answer["errors"][0]["code"], "E0101");
    }
}

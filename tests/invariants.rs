//! Invariants of money and approvals that must hold whatever the input, checked over
//! generated policies, directories, orders and event sequences (issue 14). A corpus only
//! holds the cases its authors imagined; these properties hold for every case proptest
//! generates. `scripts/test.sh` fixes the seed (`PROPTEST_RNG_SEED`); explore further with
//! e.g. `PROPTEST_RNG_SEED=7 PROPTEST_CASES=5000 cargo test --test invariants`.
//!
//! - a product's badge is the verdict of a one-line checkout of it, for the same buyer and
//!   group (same rounding, same rules);
//! - no event sequence lets one person's approvals count at two levels of an order unless
//!   the policy names them at both, nor at a level naming neither them nor the person they
//!   validly act for; one person counts once per level; and every approval `mayAct` offers
//!   is accepted by the replay;
//! - an amount compared with a limit in another currency is converted once: the budget
//!   draw and the threshold both read the converted, rounded subtotal;
//! - a decision does not depend on the order of the lines (up to the order they are
//!   listed in) nor on the order of the users in the directory.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::{BTreeMap, BTreeSet};

use procura::Engine;
use proptest::prelude::*;
use proptest::sample::select;
use rust_decimal::{Decimal, RoundingStrategy};
use serde_json::{json, Value};

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|c| c.parse().ok())
            .unwrap_or(96),
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

fn answer(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}

fn result(text: &str) -> Value {
    let value = answer(text);
    assert_eq!(value["type"], "success", "{value}");
    value["result"].clone()
}

/// A price with up to 6 decimals, near the round thresholds the policies use.
fn price() -> impl Strategy<Value = Decimal> {
    (0u64..3_000, 0u32..1_000_000).prop_map(|(units, millionths)| {
        Decimal::from(units) + Decimal::new(i64::from(millionths), 6)
    })
}

// ─── badges = checkout ──────────────────────────────────────────────────────────────

const BADGE_CATEGORIES: [&str; 4] = ["office/paper", "office/desks", "it/laptops", "office"];

fn badge_policy(currency: &str, thresholds: &[Decimal; 4]) -> String {
    let [restrict, warn, block, reference] = thresholds;
    format!(
        r#"policy "Badges" {{
  currency {currency}
}}

group org "Org" {{
  group team "Team"
}}

rule big_desks "Big desks" {{
  restrict lines in category "office/desks" where line.amount >= {restrict} {currency}
  approve any of user "boss@b.example"
}}

rule pricey "Pricey items" {{
  warn lines where line.unit_price > {warn} {currency}
}}

rule huge "Huge lines" {{
  block lines in category "office", "it" where line.amount > {block} {currency}
}}

prefer paper "Paper" {{
  in category "office/paper"
  products "P-A" at {reference} {currency}
  otherwise warn "Choose P-A"
  when price > 15% above "P-A": restrict approve any of user "boss@b.example"
}}
"#
    )
}

fn directory() -> String {
    json!({"users": [
        {"id": "boss@b.example", "roles": []},
        {"id": "buy@b.example", "roles": [{"role": "requester", "group": "org"}]}
    ]})
    .to_string()
}

fn minor_units(currency: &str) -> u32 {
    match currency {
        "JPY" => 0,
        "KWD" => 3,
        _ => 2,
    }
}

fn round(amount: Decimal, units: u32) -> Decimal {
    amount.round_dp_with_strategy(units, RoundingStrategy::MidpointNearestEven)
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn a_badge_is_the_verdict_of_a_one_line_checkout(
        currency in select(vec!["CAD", "JPY", "KWD"]),
        thresholds in proptest::array::uniform4(price()),
        products in proptest::collection::vec((select(BADGE_CATEGORIES.to_vec()), price(), any::<bool>(), 0usize..8, -9_999i64..9_999), 1..12),
    ) {
        let units = minor_units(currency);
        // Thresholds written with the currency's own decimals, as the checker requires.
        let thresholds = thresholds.map(|t| round(t, units).max(Decimal::new(1, units)));
        // Half the prices sit within a hundredth of a threshold, where rounding decides.
        let products: Vec<(&str, Decimal, bool)> = products
            .iter()
            .map(|(category, price, preferred, near, offset)| {
                let price = match thresholds.get(*near) {
                    Some(t) => (*t + Decimal::new(*offset, 6)).max(Decimal::ZERO),
                    None => *price,
                };
                (*category, price, *preferred)
            })
            .collect();
        let engine = Engine::from_json(&badge_policy(currency, &thresholds), Some(&directory())).unwrap();
        let products: Vec<Value> = products
            .iter()
            .enumerate()
            .map(|(i, (category, price, preferred))| {
                let id = if *preferred && category.ends_with("paper") { "P-A".to_owned() } else { format!("P-{i}") };
                json!({"id": id, "category": category, "unitPrice": price.to_string()})
            })
            .collect();
        let badges = result(&engine.badges_json(&json!({
            "buyer": "buy@b.example", "group": "team", "currency": currency, "products": products
        }).to_string()));
        for (product, badge) in products.iter().zip(badges["badges"].as_array().unwrap()) {
            let decision = result(&engine.evaluate_json(&json!({
                "buyer": "buy@b.example", "group": "team",
                "order": {"id": "O-1", "currency": currency, "lines": [{
                    "id": "L1", "product": product["id"], "category": product["category"],
                    "unitPrice": product["unitPrice"], "quantity": 1
                }]}
            }).to_string()));
            prop_assert_eq!(
                &badge["verdict"], &decision["lines"][0]["verdict"],
                "product {} in {}: badge {} vs checkout {}", product, currency, badge, decision["lines"][0]
            );
        }
    }
}

// ─── approvals: one person, one approval per level ──────────────────────────────────

const PEOPLE: [&str; 6] = [
    "amy@w.example",
    "ben@w.example",
    "cat@w.example",
    "dan@w.example",
    "eve@w.example",
    "fay@w.example",
];

#[derive(Debug, Clone)]
enum Quorum {
    Any,
    All,
    Count(usize),
}

#[derive(Debug, Clone)]
struct Level {
    quorum: Quorum,
    approvers: Vec<usize>,
}

fn level() -> impl Strategy<Value = Level> {
    (
        proptest::sample::subsequence((0..PEOPLE.len()).collect::<Vec<_>>(), 1..4),
        0u8..3,
    )
        .prop_map(|(approvers, kind)| Level {
            quorum: match kind {
                0 => Quorum::Any,
                1 => Quorum::All,
                _ => Quorum::Count(approvers.len().min(2)),
            },
            approvers,
        })
}

fn workflow_policy(levels: &[Level]) -> String {
    let mut source = String::from(
        "policy \"Levels\" {\n  currency CAD\n}\n\ngroup org \"Org\"\n\napproval plan \"Plan\" {\n  for org\n",
    );
    for (i, level) in levels.iter().enumerate() {
        let quorum = match level.quorum {
            Quorum::Any => "any of".to_owned(),
            Quorum::All => "all of".to_owned(),
            Quorum::Count(n) => format!("{n} of"),
        };
        let approvers: Vec<String> = level
            .approvers
            .iter()
            .map(|&p| format!("user \"{}\"", PEOPLE[p]))
            .collect();
        source.push_str(&format!(
            "  level {}: {quorum} {}\n",
            i + 1,
            approvers.join(", ")
        ));
    }
    source.push_str("}\n");
    source
}

#[derive(Debug, Clone)]
enum Event {
    Approve(usize),
    Reject(usize),
    Delegate(usize, usize, bool),
}

fn event() -> impl Strategy<Value = Event> {
    prop_oneof![
        5 => (0..PEOPLE.len()).prop_map(Event::Approve),
        1 => (0..PEOPLE.len()).prop_map(Event::Reject),
        3 => (0..PEOPLE.len(), 0..PEOPLE.len(), any::<bool>()).prop_map(|(f, t, v)| Event::Delegate(f, t, v)),
    ]
}

fn workflow_directory() -> String {
    let mut users: Vec<Value> = PEOPLE
        .iter()
        .map(|p| json!({"id": p, "roles": []}))
        .collect();
    users.push(json!({"id": "req@w.example", "roles": [{"role": "requester", "group": "org"}]}));
    json!({ "users": users }).to_string()
}

fn instant(minute: usize) -> String {
    format!("2026-11-23T{:02}:{:02}:00Z", 10 + minute / 60, minute % 60)
}

fn events_json(events: &[Event]) -> Vec<Value> {
    events
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let at = instant(i);
            match e {
                Event::Approve(p) => json!({"type": "approved", "by": PEOPLE[*p], "at": at}),
                Event::Reject(p) => {
                    json!({"type": "rejected", "by": PEOPLE[*p], "at": at, "lines": ["L2"]})
                }
                Event::Delegate(f, t, valid) => json!({
                    "type": "delegated", "from": PEOPLE[*f], "to": PEOPLE[*t], "at": at,
                    "validFrom": "2026-11-23T00:00:00Z",
                    "validUntil": if *valid { "2026-11-28T00:00:00Z" } else { "2026-11-23T00:30:00Z" }
                }),
            }
        })
        .collect()
}

fn progress_request(events: Vec<Value>) -> String {
    json!({
        "checkout": {"buyer": "req@w.example", "group": "org", "order": {"id": "O-W", "currency": "CAD", "lines": [
            {"id": "L1", "product": "P1", "category": "office", "unitPrice": "100.00", "quantity": 1},
            {"id": "L2", "product": "P2", "category": "office", "unitPrice": "50.00", "quantity": 1}
        ]}},
        "submittedAt": "2026-11-23T09:00:00Z",
        "now": "2026-11-23T23:00:00Z",
        "events": events
    })
    .to_string()
}

/// Who counts where: every approval record, as (level, person who acted, person counted).
fn records(state: &Value) -> Vec<(u64, String, String)> {
    let mut out = Vec::new();
    for level in state["levels"].as_array().unwrap() {
        for record in level["approvals"].as_array().unwrap() {
            let by = record["by"].as_str().unwrap().to_owned();
            let counted = record["onBehalfOf"]
                .as_str()
                .map_or(by.clone(), str::to_owned);
            out.push((level["level"].as_u64().unwrap(), by, counted));
        }
    }
    out
}

fn check_state(state: &Value) -> Result<(), TestCaseError> {
    let named: BTreeMap<u64, BTreeSet<String>> = state["plan"]["levels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            let people = l["approvers"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a.as_str().unwrap().to_owned())
                .collect();
            (l["level"].as_u64().unwrap(), people)
        })
        .collect();
    let mut levels_of: BTreeMap<&str, BTreeSet<u64>> = BTreeMap::new();
    let mut per_level: BTreeSet<(u64, &str)> = BTreeSet::new();
    let records = records(state);
    for (level, by, counted) in &records {
        prop_assert!(
            named[level].contains(counted),
            "level {level} counts `{counted}` (by `{by}`), whom it does not name: {state}"
        );
        prop_assert!(
            per_level.insert((*level, by.as_str())),
            "`{by}` counts twice at level {level}: {state}"
        );
        levels_of.entry(by).or_default().insert(*level);
    }
    for (person, levels) in levels_of {
        if levels.len() > 1 {
            for level in &levels {
                prop_assert!(
                    named[level].contains(person),
                    "`{person}` counts at levels {levels:?} but is not named at level {level}: {state}"
                );
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn one_person_never_covers_two_levels_they_are_not_named_at(
        levels in proptest::collection::vec(level(), 1..4),
        events in proptest::collection::vec(event(), 0..14),
    ) {
        let engine = Engine::from_json(&workflow_policy(&levels), Some(&workflow_directory())).unwrap();
        let events = events_json(&events);
        let state = result(&engine.progress_json(&progress_request(events.clone())));
        check_state(&state)?;
        // Everything offered is accepted: replay with each offered approval appended.
        for actor in state["mayAct"].as_array().unwrap() {
            let mut more = events.clone();
            more.push(json!({"type": "approved", "by": actor["user"], "at": "2026-11-23T22:00:00Z"}));
            let after = result(&engine.progress_json(&progress_request(more)));
            let step = after["steps"].as_array().unwrap().last().unwrap().clone();
            prop_assert_eq!(&step["accepted"], &json!(true), "offered {} but refused: {}", actor, step);
            let added = records(&after).len() > records(&state).len()
                || after["status"] != state["status"];
            prop_assert!(added, "offered {} but nothing was recorded", actor);
            check_state(&after)?;
        }
    }
}

// ─── one conversion ─────────────────────────────────────────────────────────────────

fn conversion_policy(threshold: Decimal, budget: Decimal) -> String {
    format!(
        r#"policy "Conversion" {{
  currency CAD
}}

group org "Org"

approval big "Big orders" {{
  for org
  when order.subtotal >= {threshold} CAD
  level 1: any of user "boss@c.example"
}}

budget supplies "Supplies" {{
  for org
  monthly {budget} CAD
  over: block "The budget is spent"
}}
"#
    )
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn limits_read_one_conversion_of_the_sum(
        lines in proptest::collection::vec((0u64..5_000, 0u64..100, 1u64..4), 1..60),
        rate_millis in 500u64..2_000,
        threshold_cents in 1u64..2_000_000,
        spent_cents in 0u64..1_000_000,
        budget_cents in 1u64..3_000_000,
    ) {
        let threshold = Decimal::new(threshold_cents as i64, 2);
        let budget = Decimal::new(budget_cents as i64, 2);
        let directory = json!({"users": [
            {"id": "boss@c.example", "roles": []},
            {"id": "buy@c.example", "roles": [{"role": "requester", "group": "org"}]}
        ]}).to_string();
        let engine = Engine::from_json(&conversion_policy(threshold, budget), Some(&directory)).unwrap();
        let rate = Decimal::new(rate_millis as i64, 3) + Decimal::new(5, 5);
        let lines: Vec<Value> = lines.iter().enumerate().map(|(i, (units, cents, qty))| json!({
            "id": format!("L{i}"), "product": format!("P{i}"), "category": "office",
            "unitPrice": (Decimal::from(*units) + Decimal::new(*cents as i64, 2)).to_string(), "quantity": qty
        })).collect();
        let decision = result(&engine.evaluate_json(&json!({
            "buyer": "buy@c.example", "group": "org",
            "order": {"id": "O-C", "currency": "USD", "lines": lines},
            "context": {"rates": [{"from": "USD", "to": "CAD", "rate": rate.to_string()}],
                        "budgets": [{"budget": "supplies", "spent": {"amount": Decimal::new(spent_cents as i64, 2).to_string(), "currency": "CAD"}}]}
        }).to_string()));
        let subtotal: Decimal = decision["totals"]["subtotal"].as_str().unwrap().parse().unwrap();
        let converted = round(subtotal * rate, 2);
        let draw: Decimal = decision["budgets"][0]["order"].as_str().unwrap().parse().unwrap();
        prop_assert_eq!(draw, converted, "budget draw vs converted subtotal {} at {}", subtotal, rate);
        let approval = decision["approval"]["levels"].as_array().unwrap().len() == 1;
        prop_assert_eq!(approval, converted >= threshold, "threshold {} vs converted {}", threshold, converted);
        let spent = Decimal::new(spent_cents as i64, 2);
        prop_assert_eq!(decision["budgets"][0]["over"].as_bool().unwrap(), spent + converted > budget);
    }
}

// ─── order independence ─────────────────────────────────────────────────────────────

fn shuffle<T: Clone>(items: &[T], seed: u64) -> Vec<T> {
    let mut out: Vec<T> = items.to_vec();
    let mut state = seed | 1;
    for i in (1..out.len()).rev() {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        out.swap(i, (state % (i as u64 + 1)) as usize);
    }
    out
}

/// The decision with its lines in id order, and each trace entry's lines sorted: what
/// must not depend on the order of the request's lines.
fn normalised(answer: Value) -> Value {
    assert_eq!(answer["type"], "success", "{answer}");
    let mut decision = answer["result"].clone();
    let lines = decision["lines"].as_array_mut().unwrap();
    lines.sort_by(|a, b| a["id"].as_str().cmp(&b["id"].as_str()));
    // Order-level messages repeating a blocked line's message follow the request's lines
    // (docs/evaluation.md, Determinism): sort those, keep every other message in place.
    let messages = decision["messages"].as_array_mut().unwrap();
    let mut about_lines: Vec<Value> = messages
        .iter()
        .filter(|m| m["text"].as_str().unwrap().starts_with("line `"))
        .cloned()
        .collect();
    about_lines.sort_by(|a, b| a["text"].as_str().cmp(&b["text"].as_str()));
    let mut sorted = about_lines.into_iter();
    for message in messages.iter_mut() {
        if message["text"].as_str().unwrap().starts_with("line `") {
            *message = sorted.next().unwrap();
        }
    }
    for entry in decision["trace"].as_array_mut().unwrap() {
        entry["lines"]
            .as_array_mut()
            .unwrap()
            .sort_by(|a, b| a.as_str().cmp(&b.as_str()));
    }
    decision
}

fn maple() -> (String, Value) {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let source = std::fs::read_to_string(root.join("examples/maple.procura")).unwrap();
    let directory: Value = serde_json::from_str(
        &std::fs::read_to_string(root.join("examples/maple.directory.json")).unwrap(),
    )
    .unwrap();
    (source, directory)
}

const MAPLE_PRODUCTS: [(&str, &str, &str); 6] = [
    ("B00PAPER01", "office/paper/copier", "42.00"),
    ("B0OTHERPAPER", "office/paper/copier", "55.00"),
    ("B0LAPTOP", "electronics/computers/laptops", "1299.00"),
    ("B0DESK", "furniture/desks", "460.00"),
    ("B0PENS", "office/supplies", "3.995"),
    ("B0CHAIR", "furniture/chairs", "249.50"),
];

proptest! {
    #![proptest_config(config())]

    #[test]
    fn decisions_do_not_depend_on_line_or_user_order(
        picks in proptest::collection::vec((0..MAPLE_PRODUCTS.len(), 1u64..150), 1..10),
        seed in any::<u64>(),
        buyer in select(vec![("ana@maple.example", "north"), ("tom@maple.example", "it"), ("sam@maple.example", "south")]),
    ) {
        let (source, directory) = maple();
        let lines: Vec<Value> = picks.iter().enumerate().map(|(i, (p, qty))| {
            let (product, category, price) = MAPLE_PRODUCTS[*p];
            json!({"id": format!("L{i}"), "product": product, "category": category, "unitPrice": price, "quantity": qty})
        }).collect();
        let request = |lines: &[Value]| json!({
            "buyer": buyer.0, "group": buyer.1,
            "order": {"id": "O-M", "currency": "CAD", "poNumber": "PO-1", "lines": lines},
            "context": {"now": "2026-11-28T10:00:00-05:00",
                        "budgets": [{"budget": "north_supplies", "spent": {"amount": "12000.00", "currency": "CAD"}}]}
        }).to_string();
        let engine = Engine::from_json(&source, Some(&directory.to_string())).unwrap();
        let base = engine.evaluate_json(&request(&lines));
        let shuffled = engine.evaluate_json(&request(&shuffle(&lines, seed)));
        prop_assert_eq!(normalised(answer(&base)), normalised(answer(&shuffled)));

        let users = directory["users"].as_array().unwrap();
        let reordered = json!({"users": shuffle(users, seed.rotate_left(17))}).to_string();
        let other = Engine::from_json(&source, Some(&reordered)).unwrap();
        prop_assert_eq!(base, other.evaluate_json(&request(&lines)));
    }
}

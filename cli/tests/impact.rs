#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! `procura impact` on the Maple example: a draft policy against the one in force, over
//! sample checkout requests, with hand-written expectations for each kind of edit (a rule
//! removed, a threshold lowered, a category blocked, an approver replaced, a budget
//! tightened) and for identical policies.

mod common;

use std::fs;

use common::{example, procura, write, Run};
use serde_json::{json, Value};

/// The Maple policy with `edit` applied (a text replacement that must happen).
fn draft(from: &str, to: &str) -> String {
    let source = fs::read_to_string(example("maple.procura")).unwrap();
    assert!(
        source.contains(from),
        "the Maple policy no longer has {from:?}"
    );
    source.replacen(from, to, 1)
}

/// A small order: 20 boxes of the preferred paper, 840.00 CAD, allowed today.
fn small_order() -> Value {
    json!({
        "buyer": "ana@maple.example",
        "group": "north",
        "order": {"id": "O-SMALL", "currency": "CAD", "poNumber": "PO-7", "lines": [
            {"id": "L1", "product": "B00PAPER01", "category": "office/paper/copier", "unitPrice": "42.00", "quantity": 20}
        ]},
        "context": {"now": "2026-11-28T10:00:00-05:00",
                    "budgets": [{"budget": "north_supplies", "spent": {"amount": "1000.00", "currency": "CAD"}}]}
    })
}

/// Runs impact with the Maple base, `draft_source`, and the requests folder: the two
/// example requests and the small order.
fn impact(draft_source: &str, format: &str) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let requests = dir.path().join("requests");
    fs::create_dir(&requests).unwrap();
    for name in ["maple.request.json", "maple.large-order.json"] {
        fs::copy(example(name), requests.join(name)).unwrap();
    }
    write(&requests, "small.json", small_order().to_string());
    let draft = write(dir.path(), "draft.procura", draft_source);
    let (base, directory) = (example("maple.procura"), example("maple.directory.json"));
    procura(
        &[
            "impact",
            "--base",
            &base,
            "--draft",
            &draft,
            "--directory",
            &directory,
            "--requests",
            requests.to_str().unwrap(),
            "--format",
            format,
        ],
        None,
    )
}

fn report(draft_source: &str) -> Value {
    let run = impact(draft_source, "json");
    assert!(run.code <= 1, "stderr:\n{}", run.stderr);
    run.json()
}

fn only_change(report: &Value) -> &Value {
    let changes = report["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 1, "{report:#}");
    &changes[0]
}

#[test]
fn identical_policies_change_nothing() {
    let source = fs::read_to_string(example("maple.procura")).unwrap();
    let run = impact(&source, "text");
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("3 order(s), 0 changed"),
        "{}",
        run.stdout
    );
    let report = report(&source);
    assert_eq!(report["changes"], json!([]));
    assert_eq!(report["summary"]["orders"], 3);
}

#[test]
fn removing_the_laptop_rule_unblocks_the_laptop_line() {
    let source = draft(
        "rule laptops_it_only \"Laptops are bought by IT\" {\n  block lines in category laptops\n  for district and subgroups except it\n  message \"Laptops are purchased by the IT department\"\n    fr \"Les ordinateurs portables sont achetés par le service informatique\"\n}\n",
        "",
    );
    let report = report(&source);
    let change = only_change(&report);
    assert_eq!(change["order"], "ORD-2026-1128");
    assert_eq!(change["baseOutcome"], "blocked");
    assert_eq!(change["draftOutcome"], "approvalRequired");
    assert_eq!(
        change["lines"],
        json!([{"id": "L1", "product": "B0LAPTOP", "base": "blocked", "draft": "allowed"}])
    );
    assert_eq!(
        change["rules"]["base"],
        json!([{"rule": "laptops_it_only", "effect": "block", "line": 29, "column": 1}])
    );
    assert_eq!(
        report["summary"]["newlyApprovalRequired"],
        json!([{"amount": change["total"]["amount"], "currency": "CAD"}])
    );
    let text = impact(&source, "text");
    assert_eq!(text.code, 1);
    assert!(
        text.stdout.contains("order `ORD-2026-1128`"),
        "{}",
        text.stdout
    );
    assert!(text
        .stdout
        .contains("line `L1` (B0LAPTOP): blocked → allowed"));
    assert!(text
        .stdout
        .contains("because of the base's `laptops_it_only` (block) at 29:1"));
}

#[test]
fn a_lower_threshold_sends_the_small_order_to_the_principal() {
    let source = draft(
        "when order.subtotal >= 1000.00 CAD",
        "when order.subtotal >= 500.00 CAD",
    );
    let change = report(&source)["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["order"] == "O-SMALL")
        .cloned()
        .expect("the small order changes");
    assert_eq!(change["baseOutcome"], "allowed");
    assert_eq!(change["draftOutcome"], "approvalRequired");
    assert_eq!(
        change["approvals"]["levels"],
        json!({"base": 0, "draft": 1})
    );
    assert_eq!(change["approvals"]["added"], json!(["paul@maple.example"]));
    assert_eq!(change["rules"]["draft"][0]["rule"], "large_orders");
}

#[test]
fn blocking_projectors_blocks_the_orders_that_have_one() {
    let source = draft(
        "budget north_supplies",
        "rule no_projectors \"No projectors\" {\n  block lines in category \"electronics/av/projectors\"\n  message \"Projectors are frozen\"\n}\n\nbudget north_supplies",
    );
    let report = report(&source);
    let changes = report["changes"].as_array().unwrap();
    let orders: Vec<&str> = changes
        .iter()
        .map(|c| c["order"].as_str().unwrap())
        .collect();
    // Requests are read in file-name order: the large order, then the laptop order (already
    // blocked, now also for its projector line).
    assert_eq!(orders, ["ORD-2026-1123", "ORD-2026-1128"]);
    let large = &changes[0];
    assert_eq!(large["baseOutcome"], "approvalRequired");
    assert_eq!(changes[1]["kinds"], json!(["lines", "messages"]));
    assert_eq!(large["draftOutcome"], "blocked");
    assert!(large["messages"]["draft"]
        .as_array()
        .unwrap()
        .iter()
        .any(|m| m.as_str().unwrap().contains("Projectors are frozen")));
    assert_eq!(
        report["summary"]["newlyBlocked"],
        json!([{"amount": large["total"]["amount"], "currency": "CAD"}])
    );
}

#[test]
fn replacing_the_level_2_approver() {
    let source = draft(
        "any of user \"cfo@maple.example\"",
        "any of user \"fiona@maple.example\"",
    );
    let change = report(&source)["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["kinds"].as_array().unwrap().contains(&json!("approvals")))
        .cloned()
        .expect("an order with level 2 changes");
    assert_eq!(change["baseOutcome"], change["draftOutcome"]);
    assert_eq!(change["approvals"]["added"], json!(["fiona@maple.example"]));
    assert_eq!(change["approvals"]["removed"], json!(["cfo@maple.example"]));
}

#[test]
fn a_tighter_budget_changes_its_effect() {
    let source = draft("monthly 20000.00 CAD", "monthly 1500.00 CAD");
    let change = report(&source)["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["order"] == "O-SMALL")
        .cloned()
        .expect("the small order changes");
    assert_eq!(change["draftOutcome"], "blocked");
    assert_eq!(
        change["budgets"][0]["effect"],
        json!({"base": "none", "draft": "block"})
    );
}

#[test]
fn csv_has_one_row_per_changed_order() {
    let source = draft(
        "when order.subtotal >= 1000.00 CAD",
        "when order.subtotal >= 500.00 CAD",
    );
    let run = impact(&source, "csv");
    let rows: Vec<&str> = run.stdout.split("\r\n").filter(|r| !r.is_empty()).collect();
    assert!(rows[0].starts_with("request,order,buyer,group,total,currency,baseOutcome"));
    assert_eq!(rows.len(), 2, "{}", run.stdout);
    assert!(rows[1].contains("O-SMALL") && rows[1].contains("allowed,approvalRequired"));
}

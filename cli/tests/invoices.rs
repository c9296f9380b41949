#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! End-to-end tests of `procura invoices` on the Maple example month
//! (`examples/maple.orders-2026-11.json`).
//!
//! What the run must give, from docs/evaluation.md and src/office/invoicing.rs: every Maple invoice
//! rule is monthly, so November's orders are invoiced on 2026-12-01 (the default run date);
//! north and south split by PO number (net 30, due 2026-12-31), the district office rule
//! (district and it) splits by group and PO number (net 45, due 2027-01-15); a refund goes
//! on a separate credit note (Maple keeps the default `credits as credit_note`) while a
//! discount line is netted on its order's invoice. Documents are numbered per kind in rule order, then by split
//! key. The cancelled order (E0601), the December order (E0603) and the order with a
//! 3-decimal CAD amount (E0303) are left out with their reasons.

mod common;

use std::fs;

use common::{example, procura, write, Run};
use serde_json::{json, Value};

fn orders() -> String {
    example("maple.orders-2026-11.json")
}

/// `procura invoices` on the Maple policy.
fn invoices(orders: &str, extra: &[&str], stdin: Option<&[u8]>) -> Run {
    let policy = example("maple.procura");
    let mut args = vec!["invoices", "--policy", &policy, "--orders", orders];
    args.extend_from_slice(extra);
    procura(&args, stdin)
}

fn ok(run: &Run) {
    assert_eq!(
        run.code, 0,
        "stdout:\n{}\nstderr:\n{}",
        run.stdout, run.stderr
    );
}

/// The cells of a table row: columns are two or more spaces apart.
fn cells(line: &str) -> Vec<&str> {
    line.trim()
        .split("  ")
        .map(str::trim)
        .filter(|cell| !cell.is_empty())
        .collect()
}

/// The table row whose first cell is `first`.
fn row<'a>(text: &'a str, first: &str) -> Vec<&'a str> {
    text.lines()
        .map(cells)
        .find(|cells| cells.first() == Some(&first))
        .unwrap_or_else(|| panic!("no row {first} in:\n{text}"))
}

/// `[id, kind, template, group, PO number, currency, invoice date, due date, terms,
/// amount due, orders]` of each expected document.
const EXPECTED: &[[&str; 11]] = &[
    [
        "INV-20261201-001",
        "invoice",
        "North campus",
        "-",
        "PO-4401",
        "CAD",
        "2026-12-01",
        "2026-12-31",
        "net 30",
        "2154.47",
        "ORD-1101, ORD-1102",
    ],
    [
        "CN-20261201-001",
        "credit note",
        "North campus",
        "-",
        "PO-4401",
        "CAD",
        "2026-12-01",
        "2026-12-31",
        "net 30",
        "-129.99",
        "ORD-1104",
    ],
    [
        "INV-20261201-002",
        "invoice",
        "North campus",
        "-",
        "PO-4412",
        "CAD",
        "2026-12-01",
        "2026-12-31",
        "net 30",
        "899.99",
        "ORD-1103",
    ],
    [
        "INV-20261201-003",
        "invoice",
        "South campus",
        "-",
        "PO-5120",
        "CAD",
        "2026-12-01",
        "2026-12-31",
        "net 30",
        "2205.00",
        "ORD-1105",
    ],
    [
        "INV-20261201-004",
        "invoice",
        "District office",
        "district",
        "PO-9002",
        "CAD",
        "2026-12-01",
        "2027-01-15",
        "net 45",
        "640.00",
        "ORD-1108",
    ],
    [
        "INV-20261201-005",
        "invoice",
        "District office",
        "it",
        "PO-9001",
        "CAD",
        "2026-12-01",
        "2027-01-15",
        "net 45",
        "15588.00",
        "ORD-1107",
    ],
];

#[test]
fn maple_month_prints_the_invoices_and_writes_both_csvs() {
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("reports");
    let dir_arg = dir.to_str().unwrap();
    let run = invoices(&orders(), &["--period", "2026-11", "--out", dir_arg], None);
    ok(&run);
    let text = &run.stdout;
    assert!(
        text.starts_with(
            "invoice run 2026-11, run date 2026-12-01, policy \"Maple School District\"\n\n\
             invoices: 5 invoices, 1 credit note\n"
        ),
        "{text}"
    );
    assert_eq!(
        row(text, "id"),
        [
            "id",
            "kind",
            "template",
            "group",
            "PO number",
            "currency",
            "invoice date",
            "due date",
            "terms",
            "amount due",
            "orders"
        ]
    );
    for expected in EXPECTED {
        assert_eq!(row(text, expected[0]), expected, "{text}");
    }
    let ids: Vec<&str> = text
        .lines()
        .map(cells)
        .filter_map(|cells| cells.first().copied())
        .filter(|first| first.starts_with("INV-") || first.starts_with("CN-"))
        .collect();
    let expected_ids: Vec<&str> = EXPECTED.iter().map(|e| e[0]).collect();
    assert_eq!(ids, expected_ids, "documents in run order");

    assert!(text.contains("\nrejected orders: 3\n"), "{text}");
    assert_eq!(
        row(text, "5"),
        [
            "5",
            "ORD-1106",
            "cancelled",
            "E0601",
            "the order was cancelled (at orders[5].status)"
        ]
    );
    assert_eq!(
        row(text, "8"),
        [
            "8",
            "ORD-1201",
            "approved",
            "E0603",
            "placed on 2026-12-01, outside 2026-11 (at orders[8].placedAt)"
        ]
    );
    let rejected = row(text, "9");
    assert_eq!(rejected[..4], ["9", "ORD-1109", "delivered", "E0303"]);
    assert!(
        rejected[4].ends_with("(at orders[9].lines[0].amount)"),
        "{rejected:?}"
    );
    // 2154.47 − 129.99 + 899.99 + 2205.00 + 640.00 + 15588.00
    assert!(text.contains("\ntotals:\n"), "{text}");
    assert_eq!(row(text, "CAD"), ["CAD", "21357.47"]);

    let orders_csv = fs::read_to_string(dir.join("orders.csv")).unwrap();
    let invoices_csv = fs::read_to_string(dir.join("invoices.csv")).unwrap();
    assert!(
        text.ends_with(&format!(
            "\nwrote {}\nwrote {}\n",
            dir.join("orders.csv").display(),
            dir.join("invoices.csv").display()
        )),
        "{text}"
    );
    for csv in [&orders_csv, &invoices_csv] {
        assert!(csv.ends_with("\r\n"), "{csv:?}");
        assert_eq!(csv.matches('\n').count(), csv.matches("\r\n").count());
    }
    let order_lines: Vec<&str> = orders_csv.split_terminator("\r\n").collect();
    assert_eq!(
        order_lines[0],
        "poNumber,orderId,orderStatus,invoiceId,amountDue,currency,dueDate,reason"
    );
    // One row per order and document, then one per rejected order.
    assert_eq!(order_lines.len(), 1 + 7 + 3, "{orders_csv}");
    assert_eq!(
        order_lines[1],
        "PO-4401,ORD-1101,delivered,INV-20261201-001,2069.97,CAD,2026-12-31,"
    );
    assert_eq!(
        order_lines[3],
        "PO-4401,ORD-1104,refunded,CN-20261201-001,-129.99,CAD,2026-12-31,"
    );
    assert_eq!(
        order_lines[8],
        "PO-5121,ORD-1106,cancelled,,,,,E0601: the order was cancelled"
    );

    let invoice_lines: Vec<&str> = invoices_csv.split_terminator("\r\n").collect();
    assert_eq!(
        invoice_lines[0],
        "invoiceId,kind,template,group,poNumber,currency,invoiceDate,dueDate,amountDue"
    );
    assert_eq!(invoice_lines.len(), 1 + EXPECTED.len(), "{invoices_csv}");
    assert_eq!(
        invoice_lines[6],
        "INV-20261201-005,invoice,District office,it,PO-9001,CAD,2026-12-01,2027-01-15,15588.00"
    );
}

#[test]
fn json_format_is_the_engine_answer() {
    let run = invoices(&orders(), &["--format", "json"], None);
    ok(&run);
    let answer = run.json();
    assert_eq!(answer["type"], "success", "{answer:#}");
    let result = &answer["result"];
    assert_eq!(result["period"], "2026-11");
    assert_eq!(result["runDate"], "2026-12-01");
    let documents: Vec<(&str, &str, &str)> = result["invoices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["id"].as_str().unwrap(),
                i["kind"].as_str().unwrap(),
                i["amountDue"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        documents,
        [
            ("INV-20261201-001", "invoice", "2154.47"),
            ("CN-20261201-001", "creditNote", "-129.99"),
            ("INV-20261201-002", "invoice", "899.99"),
            ("INV-20261201-003", "invoice", "2205.00"),
            ("INV-20261201-004", "invoice", "640.00"),
            ("INV-20261201-005", "invoice", "15588.00"),
        ]
    );
    let rejected: Vec<(&str, &str)> = result["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["order"].as_str().unwrap(), r["code"].as_str().unwrap()))
        .collect();
    assert_eq!(
        rejected,
        [
            ("ORD-1106", "E0601"),
            ("ORD-1201", "E0603"),
            ("ORD-1109", "E0303")
        ]
    );
    assert_eq!(
        result["totals"],
        json!([{ "currency": "CAD", "amountDue": "21357.47" }])
    );
}

#[test]
fn csv_to_stdout() {
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().to_str().unwrap();
    ok(&invoices(&orders(), &["--out", dir], None));

    let run = invoices(&orders(), &["--csv", "invoices"], None);
    ok(&run);
    assert!(
        run.stdout.starts_with(
            "invoiceId,kind,template,group,poNumber,currency,invoiceDate,dueDate,amountDue\r\n"
        ),
        "{}",
        run.stdout
    );
    assert_eq!(
        run.stdout,
        fs::read_to_string(out.path().join("invoices.csv")).unwrap()
    );

    let run = invoices(&orders(), &["--csv", "orders"], None);
    ok(&run);
    assert_eq!(
        run.stdout,
        fs::read_to_string(out.path().join("orders.csv")).unwrap()
    );
}

#[test]
fn saved_report_keeps_its_column_order() {
    let report = example("reports/finance-orders.json");
    let definition: Value = serde_json::from_str(&fs::read_to_string(&report).unwrap()).unwrap();
    let columns: Vec<&str> = definition["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert_eq!(definition["rows"], "orders");
    assert_eq!(
        columns[..6],
        [
            "orderId",
            "poNumber",
            "orderStatus",
            "amountDue",
            "currency",
            "dueDate"
        ]
    );

    let run = invoices(&orders(), &["--report", &report], None);
    ok(&run);
    let lines: Vec<&str> = run.stdout.split_terminator("\r\n").collect();
    assert_eq!(
        lines[0],
        "orderId,poNumber,orderStatus,amountDue,currency,dueDate,invoiceId,reason"
    );
    assert_eq!(
        lines[1],
        "ORD-1101,PO-4401,delivered,2069.97,CAD,2026-12-31,INV-20261201-001,"
    );
    assert_eq!(
        lines[8],
        "ORD-1106,PO-5121,cancelled,,,,,E0601: the order was cancelled"
    );
    assert_eq!(lines.len(), 11);
    // `--csv orders` agrees with the report's rows.
    let same = invoices(&orders(), &["--report", &report, "--csv", "orders"], None);
    assert_eq!(same.stdout, run.stdout);

    // With --out, the report is the orders file; invoices.csv keeps the default columns.
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().to_str().unwrap();
    let written = invoices(&orders(), &["--report", &report, "--out", dir], None);
    ok(&written);
    assert!(written.stdout.starts_with("invoice run 2026-11"));
    assert_eq!(
        fs::read_to_string(out.path().join("orders.csv")).unwrap(),
        run.stdout
    );
    assert!(fs::read_to_string(out.path().join("invoices.csv"))
        .unwrap()
        .starts_with("invoiceId,kind,"));
}

#[test]
fn unknown_report_column_is_e0605() {
    let dir = tempfile::tempdir().unwrap();
    let report = write(
        dir.path(),
        "report.json",
        r#"{"name": "mine", "rows": "invoices", "columns": ["invoiceId", "colour"]}"#,
    );
    let run = invoices(&orders(), &["--report", &report], None);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    assert!(
        run.stderr.contains("error[E0605]: unknown column `colour`"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("at report.columns[1]"),
        "{}",
        run.stderr
    );

    // Nothing is written when a report fails; as JSON, the failure answer.
    let out = dir.path().join("out");
    let run = invoices(
        &orders(),
        &[
            "--report",
            &report,
            "--out",
            out.to_str().unwrap(),
            "--format",
            "json",
        ],
        None,
    );
    assert_eq!(run.code, 1);
    let answer = run.json();
    assert_eq!(answer["type"], "failure");
    assert_eq!(answer["errors"][0]["code"], "E0605", "{answer:#}");
    assert_eq!(answer["errors"][0]["path"], "report.columns[1]");
    assert!(!out.exists());

    // A report that is not a report definition.
    let bad = write(
        dir.path(),
        "bad.json",
        r#"{"name": "x", "rows": "lines", "columns": []}"#,
    );
    let run = invoices(&orders(), &["--report", &bad], None);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("error[E0101]"), "{}", run.stderr);
}

#[test]
fn period_and_run_date_from_the_command_line() {
    // A bare array of orders needs --period.
    let file: Value = serde_json::from_str(&fs::read_to_string(orders()).unwrap()).unwrap();
    let bare = file["orders"].to_string();
    let run = invoices("-", &[], Some(bare.as_bytes()));
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(run.stderr.contains("--period"), "{}", run.stderr);
    let run = invoices("-", &["--period", "2026-11"], Some(bare.as_bytes()));
    let from_file = invoices(&orders(), &[], None);
    ok(&run);
    assert_eq!(run.stdout, from_file.stdout);

    // --period overrides the file: December has only ORD-1201, invoiced on 2027-01-01.
    let run = invoices(
        &orders(),
        &["--period", "2026-12", "--format", "json"],
        None,
    );
    ok(&run);
    let result = &run.json()["result"];
    assert_eq!(
        result["invoices"].as_array().unwrap().len(),
        1,
        "{result:#}"
    );
    let invoice = &result["invoices"][0];
    assert_eq!(invoice["id"], "INV-20270101-001");
    assert_eq!(invoice["poNumber"], "PO-4420");
    assert_eq!(invoice["amountDue"], "420.00");
    assert_eq!(invoice["dueDate"], "2027-01-31");
    assert_eq!(result["rejected"].as_array().unwrap().len(), 9);

    // A run before the invoice date leaves the orders out as not yet due.
    let run = invoices(
        &orders(),
        &["--run-date", "2026-11-30", "--format", "json"],
        None,
    );
    ok(&run);
    let result = &run.json()["result"];
    assert!(result["invoices"].as_array().unwrap().is_empty());
    let codes: Vec<&str> = result["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap())
        .collect();
    assert_eq!(
        codes.iter().filter(|c| **c == "E0604").count(),
        7,
        "{codes:?}"
    );

    let run = invoices(&orders(), &["--period", "2026-13"], None);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("error[E0606]"), "{}", run.stderr);
    assert!(run.stdout.is_empty());
}

#[test]
fn malformed_orders_file_is_a_failure() {
    let run = invoices("-", &["--format", "json"], Some(b"{\"orders\": "));
    assert_eq!(run.code, 1);
    assert_eq!(run.json()["errors"][0]["code"], "E0101");

    let run = invoices(
        "-",
        &["--format", "json"],
        Some(br#"{"period": "2026-11", "orders": 3, "extra": true}"#),
    );
    assert_eq!(run.code, 1);
    let answer = run.json();
    let paths: Vec<&str> = answer["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["orders", "extra"], "{answer:#}");

    // One malformed order is left out by path; the rest is invoiced.
    let orders = json!({ "period": "2026-11", "orders": [
        { "id": "A", "group": "north", "status": "delivered", "placedAt": "2026-11-02T09:00:00-05:00",
          "currency": "CAD", "lines": [{ "id": "L1", "amount": "10.00" }] },
        { "id": "B", "group": "nowhere", "status": "delivered", "placedAt": "2026-11-02T09:00:00-05:00",
          "currency": "CAD", "lines": [] },
        { "id": "C", "status": "delivered" }
    ]});
    let text = orders.to_string();
    let run = invoices("-", &[], Some(text.as_bytes()));
    ok(&run);
    assert_eq!(
        row(&run.stdout, "INV-20261201-001")[9],
        "10.00",
        "{}",
        run.stdout
    );
    assert_eq!(row(&run.stdout, "1")[..4], ["1", "B", "delivered", "E0202"]);
    assert_eq!(row(&run.stdout, "2")[3], "E0101");
}

#[test]
fn usage_and_io_problems_exit_2() {
    let run = invoices("/nonexistent/orders.json", &[], None);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("cannot read"), "{}", run.stderr);

    let run = invoices(&orders(), &["--report", "/nonexistent/report.json"], None);
    assert_eq!(run.code, 2);

    let report = example("reports/finance-orders.json");
    let run = invoices(&orders(), &["--report", &report, "--csv", "invoices"], None);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("does not match"), "{}", run.stderr);

    let run = invoices(&orders(), &["--csv", "lines"], None);
    assert_eq!(run.code, 2);

    // --out onto a file.
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "a-file", "x");
    let run = invoices(&orders(), &["--out", &file], None);
    assert_eq!(run.code, 2, "{}", run.stderr);

    let policy = example("maple.procura");
    let twice = procura(
        &["invoices", "--policy", "-", "--orders", "-"],
        Some(b"policy"),
    );
    assert_eq!(twice.code, 2, "{}", twice.stderr);
    let run = procura(
        &[
            "invoices",
            "--policy",
            &policy,
            "--orders",
            &orders(),
            "--report",
            "-",
            "--period",
            "2026-11",
        ],
        None,
    );
    assert_eq!(
        run.code, 1,
        "an empty report from stdin is malformed: {}",
        run.stderr
    );
}

#[test]
fn policy_that_does_not_compile_is_rendered_like_check() {
    let dir = tempfile::tempdir().unwrap();
    let bad = write(dir.path(), "bad.procura", "policy \"x\" { currency }\n");
    let run = procura(&["invoices", "--policy", &bad, "--orders", &orders()], None);
    assert_eq!(run.code, 1);
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    let check = procura(&["check", &bad], None);
    assert_eq!(run.stderr, check.stdout);
}

/// An order nested `depth` arrays deep inside its first line's `amount`.
fn deep_order(id: &str, depth: usize) -> String {
    format!(
        r#"{{"id": "{id}", "group": "north", "status": "delivered", "placedAt": "2026-11-02T09:00:00-05:00", "currency": "CAD", "lines": [{{"id": "L1", "amount": {}"1.00"{}}}]}}"#,
        "[".repeat(depth),
        "]".repeat(depth)
    )
}

#[test]
fn a_deeply_nested_order_is_rejected_and_the_run_goes_on() {
    let good = r#"{"id": "A", "group": "north", "poNumber": "PO-1", "status": "delivered", "placedAt": "2026-11-02T09:00:00-05:00", "currency": "CAD", "lines": [{"id": "L1", "amount": "10.00"}]}"#;
    for depth in [200, 100_000] {
        let text = format!(
            r#"{{"period": "2026-11", "orders": [{good}, {}, "#,
            deep_order("DEEP", depth)
        ) + &format!(
            r#"{{"id": "HUGE", "group": "{}"}}]}}"#,
            "g".repeat(1_000_000)
        );
        let run = invoices("-", &["--format", "json"], Some(text.as_bytes()));
        ok(&run);
        let result = &run.json()["result"];
        assert_eq!(result["invoices"][0]["amountDue"], "10.00", "{result:#}");
        let rejected = result["rejected"].as_array().unwrap();
        assert_eq!(rejected.len(), 2, "{result:#}");
        assert_eq!(rejected[0]["order"], "DEEP");
        assert_eq!(rejected[0]["code"], "E0101");
        let path = rejected[0]["path"].as_str().unwrap();
        assert!(
            path.starts_with("orders[1].lines[0].amount[0][0]"),
            "{path}"
        );
        assert_eq!(rejected[1]["index"], 2);
        assert_eq!(rejected[1]["code"], "E0101");
        assert_eq!(rejected[1]["path"], "orders[2].status");
        assert!(rejected[1]["message"].as_str().unwrap().len() < 200);
    }

    // A document that is itself nested too deep is a coded failure, not a crash.
    let deep_document = "[".repeat(100_000);
    let run = invoices(
        "-",
        &["--format", "json", "--period", "2026-11"],
        Some(deep_document.as_bytes()),
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(run.json()["errors"][0]["code"], "E0101");
}

#[test]
fn bom_starts_every_csv() {
    let run = invoices(&orders(), &["--csv", "orders", "--bom"], None);
    ok(&run);
    assert!(
        run.stdout.starts_with("\u{feff}poNumber,orderId,"),
        "{:?}",
        &run.stdout[..20]
    );
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let run = invoices(&orders(), &["--out", out.to_str().unwrap(), "--bom"], None);
    ok(&run);
    for name in ["orders.csv", "invoices.csv"] {
        let text = fs::read_to_string(out.join(name)).unwrap();
        assert!(text.starts_with('\u{feff}'), "{name}");
    }
    let run = invoices(&orders(), &["--csv", "invoices"], None);
    assert!(run.stdout.starts_with("invoiceId,"), "no BOM unless asked");
}

#[test]
fn hostile_po_numbers_are_neutralised_in_csv() {
    let orders = json!({ "period": "2026-11", "orders": [
        { "id": "@SUM(1+9)", "group": "north", "poNumber": "=HYPERLINK(\"http://evil.example/x\",\"Click\")",
          "status": "delivered", "placedAt": "2026-11-02T09:00:00-05:00",
          "currency": "CAD", "lines": [{ "id": "L1", "amount": "10.00" }, { "id": "L2", "amount": "-2.00" }] }
    ]});
    let text = orders.to_string();
    let run = invoices("-", &["--csv", "orders"], Some(text.as_bytes()));
    ok(&run);
    assert!(
        run.stdout.contains(
            "\"'=HYPERLINK(\"\"http://evil.example/x\"\",\"\"Click\"\")\",'@SUM(1+9),delivered,INV-20261201-001,8.00,"
        ),
        "{}",
        run.stdout
    );
    let dir = tempfile::tempdir().unwrap();
    let report = write(
        dir.path(),
        "report.json",
        r#"{"name": "raw", "rows": "orders", "columns": ["orderId"], "neutralizeFormulas": false}"#,
    );
    let run = invoices("-", &["--report", &report], Some(text.as_bytes()));
    ok(&run);
    assert_eq!(run.stdout, "orderId\r\n@SUM(1+9)\r\n");
}

//! CSV reports of an invoice run, for reconciliation (RFC 4180, written by the `csv` crate).
//!
//! Two row kinds: one row per order on each document it lands on (plus one per rejected
//! order, without an invoice, whose `reason` says why), or one row per invoice. Columns and
//! their order come from a [`ReportDefinition`], which can be saved as JSON and reused;
//! without one, the default columns of [`default_report`] apply.
//!
//! Reports are opened in spreadsheets, and their text comes from buyers (PO numbers, order
//! ids): a text cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return gets a
//! leading `'` (OWASP's CSV-injection guidance), unless the definition says
//! `"neutralizeFormulas": false`. Amount and terms cells are numbers the engine wrote and
//! stay as they are (`-20.00`). The order ids of an invoice share one cell, joined with `;`;
//! a `;` or `\` inside an id is escaped with a `\`, so the cell splits back unambiguously.
//! `"bom": true` starts the text with a UTF-8 byte order mark.

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use crate::contract::errors::{request_error, ErrorCode};
use crate::contract::{Answer, InvoiceLine, InvoiceRun, OrderStatus, ReportDefinition, ReportRows};

/// Columns of the orders report, in their default order first.
pub const ORDER_COLUMNS: &[&str] = &[
    "poNumber",
    "orderId",
    "orderStatus",
    "invoiceId",
    "amountDue",
    "currency",
    "dueDate",
    "reason",
    "invoiceKind",
    "invoiceDate",
    "group",
    "template",
];

/// Columns of the invoices report, in their default order first.
pub const INVOICE_COLUMNS: &[&str] = &[
    "invoiceId",
    "kind",
    "template",
    "group",
    "poNumber",
    "currency",
    "invoiceDate",
    "dueDate",
    "amountDue",
    "termsDays",
    "orders",
    "charges",
    "creditsTotal",
    "billTo",
    "recipients",
];

/// The report with the standard columns, e.g. `default_report(ReportRows::Orders)`.
pub fn default_report(rows: ReportRows) -> ReportDefinition {
    let (name, columns) = match rows {
        ReportRows::Orders => ("orders", ORDER_COLUMNS.iter().take(8)),
        ReportRows::Invoices => ("invoices", INVOICE_COLUMNS.iter().take(9)),
    };
    ReportDefinition {
        name: name.into(),
        rows,
        columns: columns.map(|c| (*c).to_owned()).collect(),
        neutralize_formulas: true,
        bom: false,
    }
}

/// Columns whose cells are numbers written by the engine (amounts, terms): never
/// neutralised, so `-20.00` stays a number.
const NUMERIC_COLUMNS: &[&str] = &["amountDue", "charges", "creditsTotal", "termsDays"];

/// The characters a spreadsheet may read as the start of a formula.
const FORMULA_STARTS: &[char] = &['=', '+', '-', '@', '\t', '\r'];

/// A text cell that a spreadsheet could run as a formula, with a leading `'`.
pub fn neutralize(cell: &str) -> String {
    if cell.starts_with(FORMULA_STARTS) {
        format!("'{cell}")
    } else {
        cell.to_owned()
    }
}

/// Order ids joined with `;` in one cell; `\` and `;` inside an id are escaped with `\`.
/// With `neutralize`, each id is neutralised on its own as well, since a spreadsheet that
/// splits the cell on `;` would put each at the start of a cell.
fn join_ids(ids: &[&str], neutralize_each: bool) -> String {
    ids.iter()
        .map(|id| {
            let escaped = id.replace('\\', "\\\\").replace(';', "\\;");
            if neutralize_each {
                neutralize(&escaped)
            } else {
                escaped
            }
        })
        .collect::<Vec<_>>()
        .join(";")
}

/// Writes a report as CSV text; an unknown column is an error naming it.
pub fn csv(run: &InvoiceRun, report: &ReportDefinition) -> Answer<String> {
    let known = match report.rows {
        ReportRows::Orders => ORDER_COLUMNS,
        ReportRows::Invoices => INVOICE_COLUMNS,
    };
    let unknown: Vec<_> = report
        .columns
        .iter()
        .enumerate()
        .filter(|(_, c)| !known.contains(&c.as_str()) && field_column(c).is_none())
        .map(|(i, c)| {
            request_error(
                ErrorCode::UnknownColumn,
                format!(
                    "unknown column `{c}`, expected one of {} or `fields.` and a custom field",
                    known.join(", ")
                ),
                format!("columns[{i}]"),
            )
        })
        .collect();
    if !unknown.is_empty() {
        return Answer::Failure { errors: unknown };
    }
    let rows = match report.rows {
        ReportRows::Orders => order_rows(run),
        ReportRows::Invoices => invoice_rows(run, report.neutralize_formulas),
    };
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    let mut records = vec![report.columns.clone()];
    for row in rows {
        records.push(
            report
                .columns
                .iter()
                .map(|c| {
                    let cell = row.get(c).unwrap_or_default();
                    if report.neutralize_formulas && !NUMERIC_COLUMNS.contains(&c.as_str()) {
                        neutralize(&cell)
                    } else {
                        cell
                    }
                })
                .collect(),
        );
    }
    for record in records {
        if let Err(error) = writer.write_record(&record) {
            return Answer::Failure {
                errors: vec![request_error(
                    ErrorCode::MalformedJson,
                    error.to_string(),
                    "",
                )],
            };
        }
    }
    match writer.into_inner().map(String::from_utf8) {
        Ok(Ok(text)) if report.bom => Answer::Success {
            result: format!("\u{feff}{text}"),
        },
        Ok(Ok(text)) => Answer::Success { result: text },
        _ => Answer::Failure {
            errors: vec![request_error(
                ErrorCode::MalformedJson,
                "the report could not be written",
                "",
            )],
        },
    }
}

/// The custom field a column names, e.g. `project` for `fields.project`: one column per
/// field an order carries (empty where it has none).
fn field_column(column: &str) -> Option<&str> {
    column
        .strip_prefix(crate::compile::FIELD_KEY_PREFIX)
        .filter(|name| !name.is_empty())
}

/// A row as column → value, and the custom fields of its order or document.
struct Row(Vec<(&'static str, String)>, BTreeMap<String, String>);

impl Row {
    fn get(&self, column: &str) -> Option<String> {
        if let Some(name) = field_column(column) {
            return self.1.get(name).cloned();
        }
        self.0
            .iter()
            .find(|(c, _)| *c == column)
            .map(|(_, v)| v.clone())
    }
}

fn status_word(status: Option<OrderStatus>) -> String {
    status
        .map(OrderStatus::as_str)
        .unwrap_or_default()
        .to_owned()
}

fn order_rows(run: &InvoiceRun) -> Vec<Row> {
    let mut rows = Vec::new();
    for invoice in &run.invoices {
        let all = || invoice.lines.iter().chain(&invoice.credits);
        let mut orders: Vec<&InvoiceLine> = Vec::new();
        for line in all() {
            if !orders.iter().any(|o| o.order == line.order) {
                orders.push(line);
            }
        }
        for first in orders {
            // What this order adds to the amount due: credits listed apart do not count.
            // The run checked its sums; an overflow here (never expected) leaves the cell
            // empty rather than panic.
            let due = invoice
                .lines
                .iter()
                .filter(|l| l.order == first.order)
                .try_fold(Decimal::new(0, invoice.amount_due.0.scale()), |sum, l| {
                    sum.checked_add(l.amount.0)
                })
                .map(|due| due.to_string())
                .unwrap_or_default();
            rows.push(Row(
                vec![
                    ("poNumber", first.po_number.clone().unwrap_or_default()),
                    ("orderId", first.order.clone()),
                    ("orderStatus", status_word(Some(first.order_status))),
                    ("invoiceId", invoice.id.clone()),
                    ("amountDue", due),
                    ("currency", invoice.currency.clone()),
                    ("dueDate", invoice.due_date.clone()),
                    ("invoiceKind", invoice.kind.clone()),
                    ("invoiceDate", invoice.invoice_date.clone()),
                    ("group", invoice.group.clone().unwrap_or_default()),
                    ("template", invoice.template.clone()),
                    ("reason", String::new()),
                ],
                first.fields.clone(),
            ));
        }
    }
    for rejected in &run.rejected {
        rows.push(Row(
            vec![
                ("poNumber", rejected.po_number.clone().unwrap_or_default()),
                ("orderId", rejected.order.clone().unwrap_or_default()),
                ("orderStatus", status_word(rejected.status)),
                ("reason", format!("{}: {}", rejected.code, rejected.message)),
            ],
            BTreeMap::new(),
        ));
    }
    rows
}

fn invoice_rows(run: &InvoiceRun, neutralize_each: bool) -> Vec<Row> {
    run.invoices
        .iter()
        .map(|invoice| {
            let mut orders: Vec<&str> = invoice
                .lines
                .iter()
                .chain(&invoice.credits)
                .map(|l| l.order.as_str())
                .collect();
            orders.sort_unstable();
            orders.dedup();
            Row(
                vec![
                    ("invoiceId", invoice.id.clone()),
                    ("kind", invoice.kind.clone()),
                    ("template", invoice.template.clone()),
                    ("group", invoice.group.clone().unwrap_or_default()),
                    ("poNumber", invoice.po_number.clone().unwrap_or_default()),
                    ("currency", invoice.currency.clone()),
                    ("invoiceDate", invoice.invoice_date.clone()),
                    ("dueDate", invoice.due_date.clone()),
                    ("amountDue", invoice.amount_due.to_string()),
                    ("termsDays", invoice.terms_days.to_string()),
                    ("orders", join_ids(&orders, neutralize_each)),
                    ("charges", invoice.charges.to_string()),
                    ("creditsTotal", invoice.credits_total.to_string()),
                    ("billTo", invoice.bill_to.clone()),
                    ("recipients", invoice.recipients.join(" ")),
                ],
                invoice
                    .fields
                    .iter()
                    .filter_map(|(name, value)| Some((name.clone(), value.clone()?)))
                    .collect(),
            )
        })
        .collect()
}

#[cfg(all(test, feature = "authoring"))]
mod tests {
    #![allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )]

    use super::*;
    use crate::contract::InvoiceRunRequest;

    const POLICY: &str = r#"policy "CSV" {
  currency CAD
}

group org "Org"

invoice by_po {
  for org
  template "=Template"
  bill to "Org"
  send to "ap@org.example"
  every month
  split by po_number
  terms net 30
  credits as adjustment
}
"#;

    const HOSTILE: [&str; 4] = [
        r#"=HYPERLINK("http://evil.example/x","Click")"#,
        "+cmd|' /C calc'!A0",
        "@SUM(1+9)",
        "\tleading tab",
    ];

    /// One order per hostile text, used as both its id and its PO number, each with a
    /// charge and a discount; plus an order on the first PO whose id is `-1;2` and one
    /// cancelled order in group `=x` (rejected).
    fn run() -> InvoiceRun {
        let engine = crate::Engine::from_json(POLICY, None).unwrap();
        let mut orders: Vec<serde_json::Value> = HOSTILE
            .iter()
            .map(|text| {
                serde_json::json!({
                    "id": text, "group": "org", "poNumber": text, "status": "delivered",
                    "placedAt": "2026-11-03T10:00:00Z", "currency": "CAD",
                    "lines": [{"id": "L1", "amount": "100.00"}, {"id": "L2", "amount": "-20.00"}]
                })
            })
            .collect();
        orders.push(serde_json::json!({
            "id": "-1;2", "group": "org", "poNumber": HOSTILE[0], "status": "delivered",
            "placedAt": "2026-11-04T10:00:00Z", "currency": "CAD",
            "lines": [{"id": "L1", "amount": "5.00"}]
        }));
        orders.push(serde_json::json!({
            "id": "=rejected", "group": "=x", "status": "delivered",
            "placedAt": "2026-11-04T10:00:00Z", "currency": "CAD",
            "lines": [{"id": "L1", "amount": "5.00"}]
        }));
        let request = InvoiceRunRequest {
            period: "2026-11".into(),
            run_date: None,
            orders: orders.into_iter().map(Into::into).collect(),
        };
        match engine.invoice_run(&request) {
            Answer::Success { result } => result,
            Answer::Failure { errors } => panic!("{errors:?}"),
        }
    }

    fn report(rows: ReportRows, columns: &[&str], neutralize: bool, bom: bool) -> String {
        let definition = ReportDefinition {
            name: "t".into(),
            rows,
            columns: columns.iter().map(|c| (*c).to_owned()).collect(),
            neutralize_formulas: neutralize,
            bom,
        };
        match csv(&run(), &definition) {
            Answer::Success { result } => result,
            Answer::Failure { errors } => panic!("{errors:?}"),
        }
    }

    /// The records as the `csv` crate reads them back, header included.
    fn read(text: &str) -> Vec<Vec<String>> {
        csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(text.as_bytes())
            .records()
            .map(|r| r.unwrap().iter().map(str::to_owned).collect())
            .collect()
    }

    fn dangerous(cell: &str) -> bool {
        cell.starts_with(FORMULA_STARTS)
    }

    #[test]
    fn hostile_order_cells_are_neutralised_and_amounts_stay_numbers() {
        let columns = ["poNumber", "orderId", "amountDue", "group", "reason"];
        let records = read(&report(ReportRows::Orders, &columns, true, false));
        assert_eq!(records[0], columns);
        for record in &records[1..] {
            for (column, cell) in columns.iter().zip(record) {
                if *column == "amountDue" {
                    assert!(cell.is_empty() || cell.parse::<Decimal>().is_ok(), "{cell}");
                } else {
                    assert!(!dangerous(cell), "{column}: {cell:?}");
                }
            }
        }
        for text in HOSTILE {
            let row = records
                .iter()
                .find(|r| r[1] == format!("'{text}"))
                .unwrap_or_else(|| panic!("no row for {text:?}: {records:?}"));
            assert_eq!(row[0], format!("'{text}"));
            assert_eq!(row[2], "80.00");
        }
        let minus = records.iter().find(|r| r[1] == "'-1;2").unwrap();
        assert_eq!(minus[2], "5.00");
        let rejected = records.last().unwrap();
        assert_eq!(rejected[1], "'=rejected");
        assert!(rejected[4].starts_with("E0202: "), "{rejected:?}");
    }

    #[test]
    fn negative_amount_cells_are_not_neutralised() {
        // A refund on its own credit note: its amount is a number, `-10.00`.
        let engine = crate::Engine::from_json(
            &POLICY.replace("credits as adjustment", "credits as credit_note"),
            None,
        )
        .unwrap();
        let request: InvoiceRunRequest = serde_json::from_value(serde_json::json!({
            "period": "2026-11",
            "orders": [{"id": "R", "group": "org", "status": "refunded",
                "placedAt": "2026-11-03T10:00:00Z", "currency": "CAD",
                "lines": [{"id": "L1", "amount": "10.00"}]}]
        }))
        .unwrap();
        let Answer::Success { result } = engine.invoice_run(&request) else {
            panic!()
        };
        let Answer::Success { result: text } = csv(&result, &default_report(ReportRows::Invoices))
        else {
            panic!()
        };
        let records = read(&text);
        assert_eq!(records[1][1], "creditNote");
        assert_eq!(records[1][2], "'=Template");
        assert_eq!(records[1][8], "-10.00");
    }

    #[test]
    fn neutralising_can_be_turned_off() {
        let columns = ["poNumber", "orderId"];
        let records = read(&report(ReportRows::Orders, &columns, false, false));
        for text in HOSTILE {
            assert!(
                records.iter().any(|r| r[0] == text && r[1] == text),
                "{text:?}"
            );
        }
    }

    #[test]
    fn invoice_orders_are_joined_with_semicolons_each_neutralised() {
        let records = read(&report(
            ReportRows::Invoices,
            &["poNumber", "orders", "amountDue"],
            true,
            false,
        ));
        let first = records
            .iter()
            .find(|r| r[0] == format!("'{}", HOSTILE[0]))
            .unwrap();
        // `-1;2` escapes its `;` and is neutralised on its own.
        assert_eq!(first[1], format!("'-1\\;2;'{}", HOSTILE[0]));
        assert_eq!(first[2], "85.00");
        let plain = read(&report(ReportRows::Invoices, &["orders"], false, false));
        assert!(plain
            .iter()
            .any(|r| r[0] == format!("-1\\;2;{}", HOSTILE[0])));
    }

    #[test]
    fn ids_split_back_unambiguously() {
        let ids = ["a;b", "c\\", "d", ""];
        let joined = join_ids(&ids, false);
        assert_eq!(joined, "a\\;b;c\\\\;d;");
        // Split on unescaped `;`, then unescape.
        let mut parts = vec![String::new()];
        let mut chars = joined.chars();
        while let Some(c) = chars.next() {
            match c {
                '\\' => parts.last_mut().unwrap().extend(chars.next()),
                ';' => parts.push(String::new()),
                _ => parts.last_mut().unwrap().push(c),
            }
        }
        assert_eq!(parts, ids);
    }

    #[test]
    fn byte_order_mark_on_request() {
        let text = report(ReportRows::Orders, &["orderId"], true, true);
        assert!(text.starts_with("\u{feff}orderId\r\n"), "{text:?}");
        let text = report(ReportRows::Orders, &["orderId"], true, false);
        assert!(text.starts_with("orderId\r\n"), "{text:?}");
    }

    #[test]
    fn report_definitions_default_to_neutralising_without_a_bom() {
        let definition: ReportDefinition =
            serde_json::from_str(r#"{"name": "x", "rows": "orders", "columns": []}"#).unwrap();
        assert!(definition.neutralize_formulas);
        assert!(!definition.bom);
        let text = serde_json::to_string(&definition).unwrap();
        assert_eq!(text, r#"{"name":"x","rows":"orders","columns":[]}"#);
    }
}

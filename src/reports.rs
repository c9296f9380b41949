//! CSV reports of an invoice run, for reconciliation (RFC 4180, written by the `csv` crate).
//!
//! Two row kinds: one row per order on each document it lands on (plus one per rejected
//! order, without an invoice), or one row per invoice. Columns and their order come from a
//! [`ReportDefinition`], which can be saved as JSON and reused; without one, the default
//! columns of [`default_report`] apply.

use rust_decimal::Decimal;

use crate::contract::{Answer, InvoiceLine, InvoiceRun, OrderStatus, ReportDefinition, ReportRows};
use crate::errors::{request_error, ErrorCode};

/// Columns of the orders report, in their default order first.
pub const ORDER_COLUMNS: &[&str] = &[
    "poNumber",
    "orderId",
    "orderStatus",
    "invoiceId",
    "amountDue",
    "currency",
    "dueDate",
    "invoiceKind",
    "invoiceDate",
    "group",
    "template",
    "reason",
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
        ReportRows::Orders => ("orders", ORDER_COLUMNS.iter().take(7)),
        ReportRows::Invoices => ("invoices", INVOICE_COLUMNS.iter().take(9)),
    };
    ReportDefinition {
        name: name.into(),
        rows,
        columns: columns.map(|c| (*c).to_owned()).collect(),
    }
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
        .filter(|(_, c)| !known.contains(&c.as_str()))
        .map(|(i, c)| {
            request_error(
                ErrorCode::UnknownColumn,
                format!("unknown column `{c}`, expected one of {}", known.join(", ")),
                format!("columns[{i}]"),
            )
        })
        .collect();
    if !unknown.is_empty() {
        return Answer::Failure { errors: unknown };
    }
    let rows = match report.rows {
        ReportRows::Orders => order_rows(run),
        ReportRows::Invoices => invoice_rows(run),
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
                .map(|c| row.get(c).unwrap_or_default())
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

/// A row as column → value.
struct Row(Vec<(&'static str, String)>);

impl Row {
    fn get(&self, column: &str) -> Option<String> {
        self.0
            .iter()
            .find(|(c, _)| *c == column)
            .map(|(_, v)| v.clone())
    }
}

fn status_word(status: Option<OrderStatus>) -> String {
    status
        .and_then(|s| serde_json::to_value(s).ok())
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
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
            let due = invoice
                .lines
                .iter()
                .filter(|l| l.order == first.order)
                .fold(Decimal::new(0, invoice.amount_due.0.scale()), |sum, l| {
                    sum + l.amount.0
                });
            rows.push(Row(vec![
                ("poNumber", first.po_number.clone().unwrap_or_default()),
                ("orderId", first.order.clone()),
                ("orderStatus", status_word(Some(first.order_status))),
                ("invoiceId", invoice.id.clone()),
                ("amountDue", due.to_string()),
                ("currency", invoice.currency.clone()),
                ("dueDate", invoice.due_date.clone()),
                ("invoiceKind", invoice.kind.clone()),
                ("invoiceDate", invoice.invoice_date.clone()),
                ("group", invoice.group.clone().unwrap_or_default()),
                ("template", invoice.template.clone()),
                ("reason", String::new()),
            ]));
        }
    }
    for rejected in &run.rejected {
        rows.push(Row(vec![
            ("poNumber", rejected.po_number.clone().unwrap_or_default()),
            ("orderId", rejected.order.clone().unwrap_or_default()),
            ("orderStatus", status_word(rejected.status)),
            ("reason", format!("{}: {}", rejected.code, rejected.message)),
        ]));
    }
    rows
}

fn invoice_rows(run: &InvoiceRun) -> Vec<Row> {
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
            Row(vec![
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
                ("orders", orders.join(" ")),
                ("charges", invoice.charges.to_string()),
                ("creditsTotal", invoice.credits_total.to_string()),
                ("billTo", invoice.bill_to.clone()),
                ("recipients", invoice.recipients.join(" ")),
            ])
        })
        .collect()
}

//! `procura invoices --policy P --orders O [--period YYYY-MM] [--run-date YYYY-MM-DD]
//! [--csv orders|invoices] [--report FILE] [--out DIR] [--bom] [--format text|json]`: an
//! invoice run.
//!
//! O is `{"period"?, "runDate"?, "orders": […]}` or a bare array of orders; `--period` and
//! `--run-date` override the file's (a period is required, from one or the other). The
//! engine consolidates the orders into invoices and credit notes and lists the orders it
//! left out, each with a code and a reason. Each order is read on its own: one nested too
//! deep is rejected like any malformed order (E0101 at its path), the rest are invoiced.
//!
//! Stdout carries one of:
//! - the run as a table (default): each invoice with its kind, template, split keys
//!   (group, PO number), currency, invoice date, due date, terms, amount due and orders;
//!   then the rejected orders with code and reason; then the totals per currency;
//! - the run as pretty JSON with `--format json` (the engine's answer, keys in order);
//! - a CSV report (RFC 4180, CRLF line ends) with `--csv orders|invoices`, or with
//!   `--report FILE` (a saved report definition `{"name", "rows", "columns"}`, whose `rows`
//!   says which report) when `--out` is not given.
//!
//! `--out DIR` also writes `DIR/orders.csv` and `DIR/invoices.csv`: the default reports,
//! or the `--report` definition for the rows it describes. Text cells that a spreadsheet
//! could run as a formula are neutralised with a leading `'` (unless the report definition
//! says `"neutralizeFormulas": false`); `--bom` starts every CSV with a UTF-8 byte order
//! mark, as `"bom": true` in a report definition does. Failures (a bad orders file, a
//! bad period, an unknown report column) print `error[CODE]: message at path` lines on
//! stderr, or the failure answer as JSON with `--format json`, and write nothing.
//!
//! Exit 0 when the run succeeds (rejected orders included); 1 when the answer is a failure
//! or the policy does not compile; 2 on a usage or I/O problem.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use procura::contract::errors::{request_error, ErrorCode};
use procura::contract::json::parse_json;
use procura::contract::{
    Answer, EvalError, Invoice, InvoiceRun, InvoiceRunRequest, RawOrder, ReportDefinition,
    ReportRows,
};
use procura::reports;
use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use crate::approvals::report_errors;
use crate::files::{self, Input};
use crate::query::{self, Query, QueryArgs};
use crate::status::Status;
use crate::GlobalArgs;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The policy file.
    #[arg(long, value_name = "FILE")]
    policy: PathBuf,
    /// The orders as JSON: `{"period"?, "runDate"?, "orders"}` or an array of orders (`-`
    /// reads standard input).
    #[arg(long, value_name = "FILE")]
    orders: PathBuf,
    /// The month to invoice, e.g. `2026-11` (overrides the orders file's `period`).
    #[arg(long, value_name = "YYYY-MM")]
    period: Option<String>,
    /// The day of the run (default: the file's `runDate`, else the 1st of the next month).
    #[arg(long, value_name = "YYYY-MM-DD")]
    run_date: Option<String>,
    /// Print this CSV report instead of the table.
    #[arg(long, value_enum, value_name = "ROWS")]
    csv: Option<Rows>,
    /// A saved report definition (JSON `{"name", "rows", "columns"}`): printed as CSV, or
    /// with `--out` used for the file of its rows.
    #[arg(long, value_name = "FILE")]
    report: Option<PathBuf>,
    /// Also write `orders.csv` and `invoices.csv` into this directory (created when
    /// missing).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Start every CSV written with a UTF-8 byte order mark (for spreadsheets that guess
    /// the encoding otherwise).
    #[arg(long)]
    bom: bool,
    /// `text` prints the run as a table, `json` as the engine's answer.
    #[arg(long, value_enum, default_value_t, value_name = "FORMAT")]
    format: OutputFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Rows {
    /// One row per order on each document it lands on, and one per rejected order.
    Orders,
    /// One row per invoice or credit note.
    Invoices,
}

impl Rows {
    fn report_rows(self) -> ReportRows {
        match self {
            Rows::Orders => ReportRows::Orders,
            Rows::Invoices => ReportRows::Invoices,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
enum OutputFormat {
    /// The invoices, rejected orders and totals as tables.
    #[default]
    Text,
    /// The engine's answer as pretty JSON.
    Json,
}

/// The orders file, whichever shape it had.
#[derive(Debug)]
struct OrdersFile {
    period: Option<String>,
    run_date: Option<String>,
    orders: Vec<RawOrder>,
}

pub fn run(args: &Args, global: &GlobalArgs) -> Status {
    let report_input = args.report.as_deref().map(Input::new);
    let stdin_elsewhere = [&args.policy, &args.orders]
        .into_iter()
        .any(|path| Input::new(path) == Input::Stdin);
    if report_input == Some(Input::Stdin) && stdin_elsewhere {
        files::report_error("only one of --policy, --orders and --report can be `-`");
        return Status::Trouble;
    }
    let report_bytes = match report_input.as_ref().map(Input::read).transpose() {
        Ok(bytes) => bytes,
        Err(status) => return status,
    };
    let query_args = QueryArgs {
        policy: args.policy.clone(),
        directory: None,
        request: args.orders.clone(),
    };
    let query = match Query::load(&query_args, global) {
        Ok(query) => query,
        Err(status) => return status,
    };

    let report = match report_bytes.map(parse_report).transpose() {
        Ok(report) => report,
        Err(errors) => return fail(args, &errors),
    };
    if let (Some(report), Some(rows)) = (&report, args.csv) {
        if report.rows != rows.report_rows() {
            files::report_error(&format!(
                "--csv {} does not match the report `{}`, which has {} rows",
                rows_word(rows.report_rows()),
                report.name,
                rows_word(report.rows)
            ));
            return Status::Trouble;
        }
    }

    let file = match query.ask(|_, document: &OrdersDocument| orders_file(document)) {
        Answer::Success { result } => result,
        Answer::Failure { errors } => return fail(args, &errors),
    };
    let Some(period) = args.period.clone().or(file.period) else {
        files::report_error(&format!(
            "no period: give --period YYYY-MM, or `period` in {}",
            Input::new(&args.orders).display()
        ));
        return Status::Trouble;
    };
    let request = InvoiceRunRequest {
        period,
        run_date: args.run_date.clone().or(file.run_date),
        orders: file.orders,
    };
    let answer = query.engine.invoice_run(&request);
    let run = match &answer {
        Answer::Success { result } => result,
        Answer::Failure { errors } => return fail(args, errors),
    };

    // Every report is written before anything is printed, so a bad column prints nothing.
    let definition = |rows: ReportRows| {
        let mut definition = match &report {
            Some(report) if report.rows == rows => report.clone(),
            _ => reports::default_report(rows),
        };
        definition.bom |= args.bom;
        definition
    };
    let stdout_rows = match (args.csv, &report, &args.out) {
        (Some(rows), _, _) => Some(rows.report_rows()),
        (None, Some(report), None) => Some(report.rows),
        _ => None,
    };
    let stdout_csv = match stdout_rows.map(|rows| report_csv(run, &definition(rows))) {
        None => None,
        Some(Ok(text)) => Some(text),
        Some(Err(errors)) => return fail(args, &errors),
    };
    let mut written = Vec::new();
    if let Some(dir) = &args.out {
        let mut texts = Vec::new();
        for rows in [ReportRows::Orders, ReportRows::Invoices] {
            match report_csv(run, &definition(rows)) {
                Ok(text) => texts.push((report_path(dir, rows), text)),
                Err(errors) => return fail(args, &errors),
            }
        }
        if let Err(err) = fs::create_dir_all(dir) {
            files::report_error(&format!("cannot create {}: {err}", dir.display()));
            return Status::Trouble;
        }
        for (path, text) in texts {
            let status = files::write_file(&path, &text);
            if status != Status::Success {
                return status;
            }
            written.push(path);
        }
    }

    match (stdout_csv, args.format) {
        (Some(text), _) => files::write_stdout(text.as_bytes()),
        (None, OutputFormat::Json) => query::print_answer(&answer),
        (None, OutputFormat::Text) => {
            let mut text = summary(run);
            if !written.is_empty() {
                text.push('\n');
            }
            for path in &written {
                let _ = writeln!(text, "wrote {}", path.display());
            }
            files::write_stdout(text.as_bytes())
        }
    }
}

/// Reports a failure: the answer as JSON on stdout with `--format json` (and no CSV asked
/// for), else the errors on stderr. Exit status 1.
fn fail(args: &Args, errors: &[EvalError]) -> Status {
    let csv = args.csv.is_some() || (args.report.is_some() && args.out.is_none());
    if args.format == OutputFormat::Json && !csv {
        query::print_answer(&Answer::<()>::Failure {
            errors: errors.to_vec(),
        })
    } else {
        report_errors(errors, "")
    }
}

/// A saved report definition; problems name paths under `report`.
fn parse_report(bytes: Vec<u8>) -> Result<ReportDefinition, Vec<EvalError>> {
    let parsed = match String::from_utf8(bytes) {
        Ok(text) => parse_json::<ReportDefinition>(&text),
        Err(_) => Err(vec![request_error(
            ErrorCode::MalformedJson,
            "not valid UTF-8",
            "",
        )]),
    };
    parsed.map_err(|errors| procura::contract::errors::under("report", errors))
}

/// The CSV text of a report, or its errors (an unknown column is E0605).
fn report_csv(run: &InvoiceRun, definition: &ReportDefinition) -> Result<String, Vec<EvalError>> {
    match reports::csv(run, definition) {
        Answer::Success { result } => Ok(result),
        Answer::Failure { errors } => Err(procura::contract::errors::under("report", errors)),
    }
}

fn rows_word(rows: ReportRows) -> &'static str {
    match rows {
        ReportRows::Orders => "orders",
        ReportRows::Invoices => "invoices",
    }
}

/// The orders file as parsed: the orders kept raw, one by one (a [`RawOrder`] reads a
/// deeply nested order without failing the file), the other keys as they came.
#[derive(Debug)]
enum OrdersDocument {
    /// A bare array of orders.
    Orders(Vec<RawOrder>),
    /// `{"period"?, "runDate"?, "orders"}`, keys in file order.
    Object(Vec<(String, Field)>),
    /// Neither an array nor an object.
    Other,
}

#[derive(Debug)]
enum Field {
    /// `orders` when it is an array.
    Orders(Vec<RawOrder>),
    /// `period` or `runDate`.
    Value(Value),
    /// `orders` that is not an array, or an unknown key (its value is skipped unread).
    Unusable,
}

impl<'de> Deserialize<'de> for OrdersDocument {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(DocumentVisitor)
    }
}

struct DocumentVisitor;

impl<'de> Visitor<'de> for DocumentVisitor {
    type Value = OrdersDocument;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("an object or an array of orders")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<OrdersDocument, A::Error> {
        raw_orders(seq).map(OrdersDocument::Orders)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<OrdersDocument, A::Error> {
        let mut fields = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            let field = match key.as_str() {
                "orders" => match map.next_value::<MaybeOrders>()? {
                    MaybeOrders(Some(orders)) => Field::Orders(orders),
                    MaybeOrders(None) => Field::Unusable,
                },
                "period" | "runDate" => Field::Value(map.next_value()?),
                _ => {
                    map.next_value::<IgnoredAny>()?;
                    Field::Unusable
                }
            };
            fields.push((key, field));
        }
        Ok(OrdersDocument::Object(fields))
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<OrdersDocument, E> {
        Ok(OrdersDocument::Other)
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<OrdersDocument, E> {
        Ok(OrdersDocument::Other)
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<OrdersDocument, E> {
        Ok(OrdersDocument::Other)
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<OrdersDocument, E> {
        Ok(OrdersDocument::Other)
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<OrdersDocument, E> {
        Ok(OrdersDocument::Other)
    }

    fn visit_unit<E: de::Error>(self) -> Result<OrdersDocument, E> {
        Ok(OrdersDocument::Other)
    }
}

fn raw_orders<'de, A: SeqAccess<'de>>(mut seq: A) -> Result<Vec<RawOrder>, A::Error> {
    let mut orders = Vec::new();
    while let Some(order) = seq.next_element::<RawOrder>()? {
        orders.push(order);
    }
    Ok(orders)
}

/// The value of `orders`: the orders when it is an array, else `None` (the value skipped).
struct MaybeOrders(Option<Vec<RawOrder>>);

impl<'de> Deserialize<'de> for MaybeOrders {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(MaybeOrdersVisitor)
    }
}

struct MaybeOrdersVisitor;

impl<'de> Visitor<'de> for MaybeOrdersVisitor {
    type Value = MaybeOrders;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("an array of orders")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<MaybeOrders, A::Error> {
        raw_orders(seq).map(|orders| MaybeOrders(Some(orders)))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<MaybeOrders, A::Error> {
        while map.next_key::<IgnoredAny>()?.is_some() {
            map.next_value::<IgnoredAny>()?;
        }
        Ok(MaybeOrders(None))
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<MaybeOrders, E> {
        Ok(MaybeOrders(None))
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<MaybeOrders, E> {
        Ok(MaybeOrders(None))
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<MaybeOrders, E> {
        Ok(MaybeOrders(None))
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<MaybeOrders, E> {
        Ok(MaybeOrders(None))
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<MaybeOrders, E> {
        Ok(MaybeOrders(None))
    }

    fn visit_unit<E: de::Error>(self) -> Result<MaybeOrders, E> {
        Ok(MaybeOrders(None))
    }
}

/// Checks the orders file: an array of orders, or `{"period"?, "runDate"?, "orders"}`;
/// every problem with its keys is reported at once.
fn orders_file(document: &OrdersDocument) -> Answer<OrdersFile> {
    let malformed = |message: &str, path: &str| Answer::Failure {
        errors: vec![request_error(ErrorCode::MalformedJson, message, path)],
    };
    let fields =
        match document {
            OrdersDocument::Orders(orders) => {
                return Answer::Success {
                    result: OrdersFile {
                        period: None,
                        run_date: None,
                        orders: orders.clone(),
                    },
                }
            }
            OrdersDocument::Object(fields) => fields,
            OrdersDocument::Other => return malformed(
                "expected an object {\"period\", \"runDate\", \"orders\"} or an array of orders",
                "",
            ),
        };
    let mut errors = Vec::new();
    let (mut period, mut run_date, mut orders) = (None, None, None);
    for (key, field) in fields {
        match (key.as_str(), field) {
            ("orders", Field::Orders(list)) => orders = Some(list.clone()),
            ("orders", _) => errors.push(request_error(
                ErrorCode::MalformedJson,
                "invalid type, expected an array of orders",
                "orders",
            )),
            (_, Field::Value(Value::Null)) => {}
            ("period", Field::Value(Value::String(text))) => period = Some(text.clone()),
            ("runDate", Field::Value(Value::String(text))) => run_date = Some(text.clone()),
            ("period" | "runDate", _) => errors.push(request_error(
                ErrorCode::MalformedJson,
                "invalid type, expected a string",
                key.as_str(),
            )),
            _ => errors.push(request_error(
                ErrorCode::MalformedJson,
                format!("unknown field `{key}`, expected `period`, `runDate` or `orders`"),
                key.as_str(),
            )),
        }
    }
    match orders {
        Some(orders) if errors.is_empty() => Answer::Success {
            result: OrdersFile {
                period,
                run_date,
                orders,
            },
        },
        found => {
            if found.is_none() && !fields.iter().any(|(key, _)| key == "orders") {
                errors.insert(
                    0,
                    request_error(ErrorCode::MalformedJson, "missing field `orders`", "orders"),
                );
            }
            Answer::Failure { errors }
        }
    }
}

/// The run as tables:
///
/// ```text
/// invoice run 2026-11, run date 2026-12-01, policy "Maple School District"
///
/// invoices: 5 invoices, 2 credit notes
///   id                kind         template      group  PO number  currency  …
///   INV-20261201-001  invoice      North campus  -      PO-4401    CAD       …
///
/// rejected orders: 3
///   #  order     status     code   reason
///   5  ORD-1106  cancelled  E0601  the order was cancelled (at orders[5].status)
///
/// totals:
///   CAD  21357.47
/// ```
fn summary(run: &InvoiceRun) -> String {
    let mut out = format!(
        "invoice run {}, run date {}, policy \"{}\"\n\n",
        run.period, run.run_date, run.policy.name
    );
    let credit_notes = run
        .invoices
        .iter()
        .filter(|invoice| invoice.kind == "creditNote")
        .count();
    let invoices = run.invoices.len() - credit_notes;
    if run.invoices.is_empty() {
        out.push_str("invoices: none\n");
    } else {
        let _ = writeln!(
            out,
            "invoices: {}, {}",
            plural(invoices, "invoice"),
            plural(credit_notes, "credit note")
        );
        let mut table = Table::new(&[
            ("id", Align::Left),
            ("kind", Align::Left),
            ("template", Align::Left),
            ("group", Align::Left),
            ("PO number", Align::Left),
            ("currency", Align::Left),
            ("invoice date", Align::Left),
            ("due date", Align::Left),
            ("terms", Align::Left),
            ("amount due", Align::Right),
            ("orders", Align::Left),
        ]);
        for invoice in &run.invoices {
            table.row(vec![
                invoice.id.clone(),
                kind_word(&invoice.kind).to_owned(),
                invoice.template.clone(),
                invoice.group.clone().unwrap_or_else(|| "-".to_owned()),
                invoice.po_number.clone().unwrap_or_else(|| "-".to_owned()),
                invoice.currency.clone(),
                invoice.invoice_date.clone(),
                invoice.due_date.clone(),
                format!("net {}", invoice.terms_days),
                invoice.amount_due.to_string(),
                orders_of(invoice).join(", "),
            ]);
        }
        out.push_str(&table.render(2));
    }
    out.push('\n');

    if run.rejected.is_empty() {
        out.push_str("rejected orders: none\n");
    } else {
        let _ = writeln!(out, "rejected orders: {}", run.rejected.len());
        let mut table = Table::new(&[
            ("#", Align::Right),
            ("order", Align::Left),
            ("status", Align::Left),
            ("code", Align::Left),
            ("reason", Align::Left),
        ]);
        for rejected in &run.rejected {
            let status = rejected
                .status
                .and_then(|status| serde_json::to_value(status).ok())
                .and_then(|value| value.as_str().map(str::to_owned))
                .unwrap_or_else(|| "-".to_owned());
            let reason = if rejected.path.is_empty() {
                rejected.message.clone()
            } else {
                format!("{} (at {})", rejected.message, rejected.path)
            };
            table.row(vec![
                rejected.index.to_string(),
                rejected.order.clone().unwrap_or_else(|| "-".to_owned()),
                status,
                rejected.code.clone(),
                reason,
            ]);
        }
        out.push_str(&table.render(2));
    }
    out.push('\n');

    if run.totals.is_empty() {
        out.push_str("totals: none\n");
    } else {
        out.push_str("totals:\n");
        let mut table = Table::new(&[("currency", Align::Left), ("amount due", Align::Right)]);
        for total in &run.totals {
            table.row(vec![total.currency.clone(), total.amount_due.to_string()]);
        }
        out.push_str(&table.render(2));
    }
    out
}

/// The orders on an invoice, in the order they first appear.
fn orders_of(invoice: &Invoice) -> Vec<String> {
    let mut orders: Vec<String> = Vec::new();
    for line in invoice.lines.iter().chain(&invoice.credits) {
        if !orders.contains(&line.order) {
            orders.push(line.order.clone());
        }
    }
    orders
}

fn kind_word(kind: &str) -> &str {
    match kind {
        "creditNote" => "credit note",
        other => other,
    }
}

fn plural(count: usize, noun: &str) -> String {
    if count == 1 {
        format!("1 {noun}")
    } else {
        format!("{count} {noun}s")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Align {
    Left,
    Right,
}

/// Text columns padded to their widest cell (in characters), two spaces apart.
#[derive(Debug)]
struct Table {
    columns: Vec<(String, Align)>,
    rows: Vec<Vec<String>>,
}

impl Table {
    fn new(columns: &[(&str, Align)]) -> Table {
        Table {
            columns: columns
                .iter()
                .map(|(name, align)| ((*name).to_owned(), *align))
                .collect(),
            rows: Vec::new(),
        }
    }

    fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    fn render(&self, indent: usize) -> String {
        let header: Vec<String> = self.columns.iter().map(|(name, _)| name.clone()).collect();
        let all = || std::iter::once(&header).chain(&self.rows);
        let widths: Vec<usize> = (0..self.columns.len())
            .map(|i| {
                all()
                    .filter_map(|row| row.get(i))
                    .map(|cell| cell.chars().count())
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let mut out = String::new();
        for row in all() {
            let mut line = " ".repeat(indent);
            for (i, ((_, align), width)) in self.columns.iter().zip(&widths).enumerate() {
                let cell = row.get(i).map_or("", String::as_str);
                if i > 0 {
                    line.push_str("  ");
                }
                match align {
                    Align::Left => {
                        let _ = write!(line, "{cell:<width$}");
                    }
                    Align::Right => {
                        let _ = write!(line, "{cell:>width$}");
                    }
                }
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }
}

/// Where `--out` writes the report of these rows: `DIR/orders.csv`, `DIR/invoices.csv`.
fn report_path(dir: &Path, rows: ReportRows) -> PathBuf {
    dir.join(format!("{}.csv", rows_word(rows)))
}

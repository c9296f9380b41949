//! `procura impact --base OLD --draft NEW [--directory D] --requests FILE|DIR [--format]`:
//! which orders a draft policy would decide differently, before it is published.
//!
//! Requests come from a JSON file holding one checkout request or an array of them, a
//! decision log of `procura serve` (JSON Lines; its checkout requests, see [`crate::logged`]),
//! or a folder of such files (read in name order). Every request is decided by both
//! policies with the same directory; the report (text, JSON or CSV on stdout) lists each
//! changed order with the rules responsible on each side, and a summary. Exit 0 when
//! nothing changed, 1 when some order changed or a request could not be read, 2 on a
//! usage or I/O problem.

use std::fs;
use std::path::{Path, PathBuf};

use procura::contract::json::parse_json;
use procura::contract::{CheckoutRequest, EvalError};
use procura::impact::{impact, ImpactReport, OrderImpact, RuleRef};
use serde_json::Value;

use procura_host::decision_log::is_decision_log;

use crate::files::{self, Input};
use crate::logged;
use crate::query;
use crate::status::Status;
use crate::GlobalArgs;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The policy in force.
    #[arg(long, value_name = "FILE")]
    base: PathBuf,
    /// The policy about to replace it.
    #[arg(long, value_name = "FILE")]
    draft: PathBuf,
    /// The directory of users as JSON, for both policies (default: an empty directory).
    #[arg(long, value_name = "FILE")]
    directory: Option<PathBuf>,
    /// Checkout requests: a JSON file (one request or an array), a decision log of
    /// `procura serve --decision-log` (its checkout requests), or a folder of them.
    #[arg(long, value_name = "FILE|DIR")]
    requests: PathBuf,
    /// `text` for people, `json` for tools, `csv` for a spreadsheet (one row per order).
    #[arg(long, value_enum, default_value_t, value_name = "FORMAT")]
    format: Format,
}

#[derive(Debug, Clone, Copy, Default, clap::ValueEnum)]
pub enum Format {
    #[default]
    Text,
    Json,
    Csv,
}

pub fn run(args: &Args, global: &GlobalArgs) -> Status {
    let directory = match args.directory.as_deref().map(|p| Input::new(p).read()) {
        None => None,
        Some(Err(status)) => return status,
        Some(Ok(bytes)) => match query::utf8(bytes, "directory") {
            Ok(text) => Some(text),
            Err(errors) => return unreadable(&errors, "directory"),
        },
    };
    let mut engines = Vec::new();
    for path in [&args.base, &args.draft] {
        let input = Input::new(path);
        let source = match input.read() {
            Ok(source) => source,
            Err(status) => return status,
        };
        match query::compile(&input, &source, directory.as_deref(), global) {
            Ok(engine) => engines.push(engine),
            Err(status) => return status,
        }
    }
    let (requests, mut status) = read_requests(&args.requests);
    let (Some(base), Some(draft)) = (engines.first(), engines.get(1)) else {
        return Status::Trouble;
    };
    let report = impact(base, draft, &requests);
    if !report.changes.is_empty() {
        status = status.worst(Status::Failure);
    }
    match render(&report, args.format) {
        Ok(text) => files::write_stdout(text.as_bytes()).worst(status),
        Err(trouble) => trouble,
    }
}

/// The report in `format`, as `procura impact` and `procura replay` print it.
pub fn render(report: &ImpactReport, format: Format) -> Result<String, Status> {
    Ok(match format {
        Format::Json => match serde_json::to_string_pretty(report) {
            Ok(json) => json + "\n",
            Err(err) => {
                files::report_error(&format!("cannot encode the report as JSON: {err}"));
                return Err(Status::Trouble);
            }
        },
        Format::Csv => procura::impact::csv(report),
        Format::Text => text(report),
    })
}

fn unreadable(errors: &[EvalError], what: &str) -> Status {
    for error in errors {
        files::report_error(&format!("{what}: {} ({})", error.message, error.code));
    }
    Status::Failure
}

/// Every request in a file or a folder; requests that cannot be read are reported on
/// stderr (with the file and JSON path) and make the status a failure.
fn read_requests(path: &Path) -> (Vec<CheckoutRequest>, Status) {
    let mut files_to_read = Vec::new();
    if path.is_dir() {
        match fs::read_dir(path) {
            Ok(entries) => {
                let mut found: Vec<PathBuf> = entries
                    .filter_map(Result::ok)
                    .map(|e| e.path())
                    .filter(|p| p.extension().is_some_and(|e| e == "json" || e == "jsonl"))
                    .collect();
                found.sort();
                files_to_read = found;
            }
            Err(err) => {
                files::report_error(&format!("cannot read {}: {err}", path.display()));
                return (Vec::new(), Status::Trouble);
            }
        }
    } else {
        files_to_read.push(path.to_path_buf());
    }
    let mut requests = Vec::new();
    let mut status = Status::Success;
    for file in files_to_read {
        let text = match Input::new(&file).read() {
            Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
            Err(trouble) => {
                status = status.worst(trouble);
                continue;
            }
        };
        if is_decision_log(&text) {
            let log = logged::read(&text, &file.display().to_string());
            status = status.worst(log.status);
            requests.extend(log.checkouts.into_iter().map(|checkout| checkout.request));
            continue;
        }
        let items: Vec<String> = match serde_json::from_str::<Value>(&text) {
            Ok(Value::Array(items)) => items.iter().map(Value::to_string).collect(),
            _ => vec![text],
        };
        for (i, item) in items.iter().enumerate() {
            match parse_json::<CheckoutRequest>(item) {
                Ok(request) => requests.push(request),
                Err(errors) => {
                    let at = format!("{}[{i}]", file.display());
                    status = status.worst(unreadable(&errors, &at));
                }
            }
        }
    }
    (requests, status)
}

fn rules(refs: &[RuleRef]) -> String {
    refs.iter()
        .map(|r| format!("`{}` ({}) at {}:{}", r.rule, r.effect, r.line, r.column))
        .collect::<Vec<_>>()
        .join(", ")
}

fn money(values: &[procura::contract::MoneyValue]) -> String {
    if values.is_empty() {
        return "none".to_owned();
    }
    values
        .iter()
        .map(|m| format!("{} {}", m.amount, m.currency))
        .collect::<Vec<_>>()
        .join(", ")
}

fn order_text(change: &OrderImpact, out: &mut String) {
    out.push_str(&format!(
        "\norder `{}` (request {}, `{}` in `{}`): {} → {}\n",
        change.order,
        change.request,
        change.buyer,
        change.group,
        change.base_outcome,
        change.draft_outcome
    ));
    for line in &change.lines {
        out.push_str(&format!(
            "  line `{}` ({}): {} → {}\n",
            line.id,
            line.product,
            line.base.as_str(),
            line.draft.as_str()
        ));
    }
    let approvals = &change.approvals;
    if approvals.levels.base != approvals.levels.draft
        || !approvals.added.is_empty()
        || !approvals.removed.is_empty()
    {
        out.push_str(&format!(
            "  approval levels: {} → {}",
            approvals.levels.base, approvals.levels.draft
        ));
        if !approvals.added.is_empty() {
            out.push_str(&format!(
                "; approvers added: {}",
                approvals.added.join(", ")
            ));
        }
        if !approvals.removed.is_empty() {
            out.push_str(&format!("; removed: {}", approvals.removed.join(", ")));
        }
        out.push('\n');
    }
    for budget in &change.budgets {
        out.push_str(&format!(
            "  budget `{}`: {} → {}\n",
            budget.budget, budget.effect.base, budget.effect.draft
        ));
    }
    if let Some(invoice) = &change.invoice {
        let name = |t: &Option<String>| t.clone().unwrap_or_else(|| "no invoice".to_owned());
        out.push_str(&format!(
            "  invoice: {} → {}\n",
            name(&invoice.base),
            name(&invoice.draft)
        ));
    }
    for text in &change.messages.base {
        out.push_str(&format!("  message gone: {text}\n"));
    }
    for text in &change.messages.draft {
        out.push_str(&format!("  message new: {text}\n"));
    }
    if !change.rules.base.is_empty() {
        out.push_str(&format!(
            "  because of the base's {}\n",
            rules(&change.rules.base)
        ));
    }
    if !change.rules.draft.is_empty() {
        out.push_str(&format!(
            "  because of the draft's {}\n",
            rules(&change.rules.draft)
        ));
    }
}

fn text(report: &ImpactReport) -> String {
    let summary = &report.summary;
    let kinds = summary
        .by_kind
        .iter()
        .map(|(kind, n)| format!("{kind} {n}"))
        .collect::<Vec<_>>()
        .join(", ");
    let mut out = format!(
        "impact of `{}` ({}) over `{}` ({})\n{} order(s), {} changed{}\nnewly blocked: {}\nnewly needing approval: {}\nnewly allowed: {}\n",
        report.draft.name,
        report.draft.hash,
        report.base.name,
        report.base.hash,
        summary.orders,
        summary.changed,
        if kinds.is_empty() { String::new() } else { format!(" ({kinds})") },
        money(&summary.newly_blocked),
        money(&summary.newly_approval_required),
        money(&summary.newly_allowed),
    );
    for change in &report.changes {
        order_text(change, &mut out);
    }
    out
}

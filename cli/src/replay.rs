//! `procura replay --log FILE --policy P [--directory D] [--format text|json|csv]`: decides
//! every checkout of a decision log again with policy P and reports what would differ from
//! the logged answers, in the report of `procura impact` (the logged answers are the base
//! side, P the draft; an order's `request` is its line number in the log).
//!
//! Lines that cannot be read (the last one cut short by a crash, say) are reported on stderr
//! with their line number and code (`E0520`, `E0521`) and replay goes on. Exit 0 when
//! nothing differs and every line was read, 1 when some order differs or a line could not be
//! read, 2 on a usage or I/O problem.

use std::collections::BTreeSet;
use std::path::PathBuf;

use procura::contract::{Answer, Decision, PolicyRef};
use procura::impact::{compare_answers, Decided, ImpactReport};

use crate::files::{self, Input};
use crate::impact::{render, Format};
use crate::logged::{self, LoggedCheckout};
use crate::query;
use crate::status::Status;
use crate::GlobalArgs;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The decision log of `procura serve --decision-log` (JSON Lines).
    #[arg(long, value_name = "FILE")]
    log: PathBuf,
    /// The policy to decide the logged checkouts with.
    #[arg(long, value_name = "FILE")]
    policy: PathBuf,
    /// The directory of users as JSON (default: an empty directory).
    #[arg(long, value_name = "FILE")]
    directory: Option<PathBuf>,
    /// `text` for people, `json` for tools, `csv` for a spreadsheet (one row per order).
    #[arg(long, value_enum, default_value_t, value_name = "FORMAT")]
    format: Format,
}

pub fn run(args: &Args, global: &GlobalArgs) -> Status {
    let directory = match args.directory.as_deref().map(|p| Input::new(p).read()) {
        None => None,
        Some(Err(status)) => return status,
        Some(Ok(bytes)) => match query::utf8(bytes, "directory") {
            Ok(text) => Some(text),
            Err(errors) => {
                for error in errors {
                    files::report_error(&format!("directory: {} ({})", error.message, error.code));
                }
                return Status::Failure;
            }
        },
    };
    let input = Input::new(&args.policy);
    let engine = match input
        .read()
        .and_then(|source| query::compile(&input, &source, directory.as_deref(), global))
    {
        Ok(engine) => engine,
        Err(status) => return status,
    };
    let name = args.log.display().to_string();
    let text = match Input::new(&args.log).read() {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(status) => return status,
    };
    let log = logged::read(&text, &name);
    let mut status = log.status;
    let mut decided = Vec::new();
    for checkout in &log.checkouts {
        match logged::answer(&name, checkout) {
            Some(answer) => decided.push((checkout, answer)),
            None => status = status.worst(Status::Failure),
        }
    }
    let fresh = decided
        .iter()
        .map(|(checkout, _)| engine.evaluate(&checkout.request))
        .collect();
    let report = replay(&decided, fresh, engine.policy());
    if !report.changes.is_empty() {
        status = status.worst(Status::Failure);
    }
    match render(&report, args.format) {
        Ok(text) => files::write_stdout(text.as_bytes()).worst(status),
        Err(trouble) => trouble,
    }
}

/// The logged policy versions as one reference: the version, or every hash when the log
/// spans a reload.
fn logged_policy(decided: &[(&LoggedCheckout, Answer<Decision>)]) -> PolicyRef {
    let hashes: BTreeSet<&str> = decided
        .iter()
        .map(|(checkout, _)| checkout.entry.policy.hash.as_str())
        .collect();
    let name = decided
        .first()
        .map_or("decision log", |(checkout, _)| &checkout.entry.policy.name);
    PolicyRef {
        name: name.to_owned(),
        hash: hashes.into_iter().collect::<Vec<_>>().join(", "),
    }
}

/// The impact report of the fresh answers (draft) over the logged ones (base).
fn replay(
    decided: &[(&LoggedCheckout, Answer<Decision>)],
    fresh: Vec<Answer<Decision>>,
    policy: PolicyRef,
) -> ImpactReport {
    let orders = decided
        .iter()
        .zip(fresh)
        .map(|((checkout, before), after)| Decided {
            index: checkout.line,
            request: &checkout.request,
            base: before.clone(),
            draft: after,
        });
    compare_answers(logged_policy(decided), policy, decided.len(), orders)
}

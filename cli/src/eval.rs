//! `procura eval --policy P [--directory D] --request R [--explain]`: answer a checkout
//! request.
//!
//! Prints the answer as pretty JSON on stdout, keys in contract order. Exit 0 when the
//! answer is a success, whatever its outcome (allowed, approval required or blocked);
//! 1 when it is a failure (the request or directory is wrong) or the policy does not
//! compile; 2 on a usage or I/O problem. `--explain` adds, after the JSON, a summary for
//! people: the outcome, every line, the approval plan, budgets, invoicing, totals and the
//! rules that fired, each with its line and column.

use procura::contract::{Answer, CheckoutRequest};

use crate::explain;
use crate::files;
use crate::query::{self, Query, QueryArgs};
use crate::status::Status;
use crate::GlobalArgs;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    query: QueryArgs,
    /// After the JSON, explain the decision in words: lines, approvals, budgets,
    /// invoicing, totals and why (the rules that fired, with their locations).
    #[arg(long)]
    explain: bool,
}

pub fn run(args: &Args, global: &GlobalArgs) -> Status {
    let query = match Query::load(&args.query, global) {
        Ok(query) => query,
        Err(status) => return status,
    };
    let answer = query.ask(|engine, request: &CheckoutRequest| engine.evaluate(request));
    let status = query::print_answer(&answer);
    match (&answer, args.explain) {
        (Answer::Success { result }, true) => {
            let text = format!("\n{}", explain::decision(result));
            status.worst(files::write_stdout(text.as_bytes()))
        }
        _ => status,
    }
}

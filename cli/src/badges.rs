//! `procura badges --policy P [--directory D] --request R`: the verdict badge of each
//! product in a listing, for this buyer in this group.
//!
//! Prints the answer as pretty JSON on stdout. Exit 0 when the answer is a success,
//! 1 when it is a failure or the policy does not compile, 2 on a usage or I/O problem.

use procura::contract::BadgeRequest;

use crate::query::{self, Query, QueryArgs};
use crate::status::Status;
use crate::GlobalArgs;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    query: QueryArgs,
}

pub fn run(args: &Args, global: &GlobalArgs) -> Status {
    match Query::load(&args.query, global) {
        Ok(query) => {
            query::print_answer(&query.ask(|engine, request: &BadgeRequest| engine.badges(request)))
        }
        Err(status) => status,
    }
}

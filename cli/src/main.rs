//! `procura`: the command-line front end of the Procura policy engine.
//!
//! A thin layer over the `procura` library. `main` parses arguments with clap and
//! dispatches; each subcommand lives in its own module with an `Args` struct and a `run`
//! function returning a [`status::Status`]. [`render`] turns diagnostics into text for every
//! command, [`files`] does the reading and writing.
//!
//! Adding a command: write `src/<name>.rs` with `pub struct Args` (clap `Args`) and
//! `pub fn run(args: &Args, global: &GlobalArgs) -> Status`, then add one variant to
//! [`Command`] and one arm to `main`.

mod approvals;
mod authorize;
mod badges;
mod build;
mod check;
mod eval;
mod explain;
mod files;
mod fmt;
mod impact;
mod invoices;
mod logged;
mod query;
mod render;
mod replay;
mod schema;
mod serve;
mod status;
mod test;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::render::ColorMode;

/// Check, format, evaluate and test Procura purchasing policies.
#[derive(Debug, Parser)]
#[command(name = "procura", version, propagate_version = true)]
struct Cli {
    #[command(flatten)]
    global: GlobalArgs,
    #[command(subcommand)]
    command: Command,
}

/// Options every command accepts.
#[derive(Debug, clap::Args)]
pub struct GlobalArgs {
    /// When to colour diagnostics: `auto` colours only a terminal (and honours NO_COLOR).
    #[arg(long, value_enum, default_value_t, global = true, value_name = "WHEN")]
    pub color: ColorMode,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check policy files and report every diagnostic.
    Check(check::Args),
    /// Compile a policy into an artifact that storefronts and servers load.
    Build(build::Args),
    /// Format policy files in place, or check that they are formatted.
    Fmt(fmt::Args),
    /// Answer a checkout request: outcome, lines, approvals, budgets, invoicing.
    Eval(eval::Args),
    /// Answer a permission question: may this user take this action in this group?
    Authorize(authorize::Args),
    /// The verdict badge of each product in a listing.
    Badges(badges::Args),
    /// Where an order's approval stands after the recorded events (`--steps` walks through them).
    Approvals(approvals::Args),
    /// Which orders a draft policy would decide differently from the policy in force.
    Impact(impact::Args),
    /// Decide the checkouts of a decision log again with a policy: what would differ.
    Replay(replay::Args),
    /// Consolidate a period's orders into invoices; print them, or CSV reports.
    Invoices(invoices::Args),
    /// Run the `test` blocks of policy files.
    Test(test::Args),
    /// Write the JSON Schemas of the contract types.
    Schema(schema::Args),
    /// Serve decisions over HTTP, evaluated in the WebAssembly core module (wasmtime).
    Serve(serve::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let status = match &cli.command {
        Command::Check(args) => check::run(args, &cli.global),
        Command::Build(args) => build::run(args, &cli.global),
        Command::Fmt(args) => fmt::run(args, &cli.global),
        Command::Eval(args) => eval::run(args, &cli.global),
        Command::Authorize(args) => authorize::run(args, &cli.global),
        Command::Badges(args) => badges::run(args, &cli.global),
        Command::Approvals(args) => approvals::run(args, &cli.global),
        Command::Impact(args) => impact::run(args, &cli.global),
        Command::Replay(args) => replay::run(args, &cli.global),
        Command::Invoices(args) => invoices::run(args, &cli.global),
        Command::Test(args) => test::run(args, &cli.global),
        Command::Schema(args) => schema::run(args),
        Command::Serve(args) => serve::run(args),
    };
    status.into()
}

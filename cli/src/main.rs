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

mod check;
mod files;
mod fmt;
mod render;
mod status;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::render::ColorMode;

/// Check and format Procura purchasing policies.
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
    /// Format policy files in place, or check that they are formatted.
    Fmt(fmt::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let status = match &cli.command {
        Command::Check(args) => check::run(args, &cli.global),
        Command::Fmt(args) => fmt::run(args, &cli.global),
    };
    status.into()
}

//! `procura fmt [--check] FILE...`: rewrite policy files in the canonical layout.
//!
//! Files are rewritten in place, and only when their layout changes. `--check` writes
//! nothing and prints `FILE: not formatted` on stdout for each file that would change.
//! `procura fmt -` reads standard input and writes the formatted policy on stdout.
//! Diagnostics (a file that does not parse) go to stderr, since stdout may carry the
//! formatted policy. Exit 0 when everything is (or now is) formatted, 1 when a file is
//! not formatted under `--check` or has errors, 2 on a usage or I/O problem.

use std::path::PathBuf;

use crate::files::{self, Input};
use crate::render::{Renderer, Stream};
use crate::status::Status;
use crate::GlobalArgs;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Write nothing; list the files that are not formatted and exit 1 if there are any.
    #[arg(long)]
    check: bool,
    /// Policy files to format, or `-` alone to format standard input onto standard output.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
}

pub fn run(args: &Args, global: &GlobalArgs) -> Status {
    let inputs: Vec<Input> = args.files.iter().map(|path| Input::new(path)).collect();
    if inputs.len() > 1 && inputs.contains(&Input::Stdin) {
        files::report_error("fmt: `-` (standard input) cannot be combined with files");
        return Status::Trouble;
    }
    let renderer = Renderer::new(global.color.enabled_for(Stream::Stderr));
    inputs
        .iter()
        .map(|input| format_one(input, args.check, &renderer))
        .fold(Status::Success, Status::worst)
}

fn format_one(input: &Input, check: bool, renderer: &Renderer) -> Status {
    let bytes = match input.read() {
        Ok(bytes) => bytes,
        Err(trouble) => return trouble,
    };
    let Ok(source) = std::str::from_utf8(&bytes) else {
        // Let the checker explain where the encoding breaks.
        let diagnostics = procura::check_bytes(&bytes).diagnostics;
        if diagnostics.is_empty() {
            files::report_error(&format!("{}: not valid UTF-8", input.display()));
        } else {
            let _ = files::write_stderr(&renderer.render(&input.display(), &bytes, &diagnostics));
        }
        return Status::Failure;
    };
    let formatted = match procura::format(source) {
        Ok(formatted) => formatted,
        Err(diagnostics) => {
            let _ = files::write_stderr(&renderer.render(&input.display(), &bytes, &diagnostics));
            return Status::Failure;
        }
    };
    let changed = formatted != source;
    match (input, check) {
        (_, true) if changed => {
            files::write_stdout(format!("{}: not formatted\n", input.display()).as_bytes())
                .worst(Status::Failure)
        }
        (_, true) => Status::Success,
        (Input::Stdin, false) => files::write_stdout(formatted.as_bytes()),
        (Input::File(path), false) if changed => files::write_file(path, &formatted),
        (Input::File(_), false) => Status::Success,
    }
}

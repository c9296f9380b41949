//! `procura build POLICY [--out FILE] [--with-source]`: compile a policy into an artifact
//! that storefronts and servers load without the compiler (docs/artifacts.md).
//!
//! Writes `POLICY` with the extension `.pcy` unless `--out` names the file, and prints
//! one line: the file, its size, the policy's hash (what decisions carry and
//! `procura serve --expect-hash` pins) and the artifact's own hash (what a page's
//! Subresource Integrity or a deployment record pins). Exit 0; 1 when the policy does not
//! compile (diagnostics on stderr as in `procura check`); 2 on an I/O problem.

use std::path::PathBuf;

use crate::files::{self, Input};
use crate::query;
use crate::status::Status;
use crate::GlobalArgs;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The policy source file.
    #[arg(value_name = "POLICY")]
    policy: PathBuf,
    /// Where to write the artifact (default: POLICY with the extension `.pcy`).
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Keep the policy source in the artifact (for tools that show rules in context).
    #[arg(long)]
    with_source: bool,
}

pub fn run(args: &Args, global: &GlobalArgs) -> Status {
    let input = Input::new(&args.policy);
    let source = match input.read() {
        Ok(source) => source,
        Err(status) => return status,
    };
    if procura::is_artifact(&source) {
        files::report_error(&format!("{}: already an artifact", input.display()));
        return Status::Trouble;
    }
    let engine = match query::compile(&input, &source, None, global) {
        Ok(engine) => engine,
        Err(status) => return status,
    };
    let artifact = engine.artifact(args.with_source);
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| args.policy.with_extension("pcy"));
    if let Err(err) = std::fs::write(&out, &artifact) {
        files::report_error(&format!("cannot write {}: {err}", out.display()));
        return Status::Trouble;
    }
    let line = format!(
        "wrote {} ({} bytes, format {}): policy {} {}, artifact {}\n",
        out.display(),
        artifact.len(),
        procura::ARTIFACT_FORMAT_VERSION,
        engine.policy().name,
        engine.policy().hash,
        procura::artifact_hash(&artifact),
    );
    files::write_stdout(line.as_bytes())
}

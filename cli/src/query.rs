//! What `eval`, `authorize` and `badges` share: compile a policy with its directory into a
//! [`procura::Engine`], read a JSON request, and print the engine's answer.
//!
//! Compile diagnostics are rendered on stderr exactly as `procura check` renders them
//! (warnings too, so nobody evaluates a policy without seeing them); stdout carries only
//! the answer. A directory or request the engine rejects is a JSON failure answer on
//! stdout, `{"type": "failure", "errors": [...]}`, with exit status 1.

use std::path::PathBuf;

use procura::contract::errors::{request_error, ErrorCode};
use procura::contract::json::parse_json;
use procura::contract::{Answer, EvalError};
use procura::Engine;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::files::{self, Input};
use crate::render::{Renderer, Stream};
use crate::status::Status;
use crate::GlobalArgs;

/// The inputs of every question put to the engine.
#[derive(Debug, clap::Args)]
pub struct QueryArgs {
    /// The policy: source, or an artifact of `procura build`.
    #[arg(long, value_name = "FILE")]
    pub policy: PathBuf,
    /// The directory of users as JSON (default: an empty directory).
    #[arg(long, value_name = "FILE")]
    pub directory: Option<PathBuf>,
    /// The request as JSON (`-` reads standard input).
    #[arg(long, value_name = "FILE")]
    pub request: PathBuf,
}

/// A compiled engine and the request text, ready to ask.
#[derive(Debug)]
pub struct Query {
    pub engine: Engine,
    /// The request; `Err` holds the failure when it is not UTF-8.
    request: Result<String, Vec<EvalError>>,
}

impl Query {
    /// Reads and compiles everything; `Err` carries the exit status after the problem has
    /// been reported (compile errors on stderr, directory errors as a JSON failure).
    pub fn load(args: &QueryArgs, global: &GlobalArgs) -> Result<Query, Status> {
        let policy = Input::new(&args.policy);
        let directory = args.directory.as_deref().map(Input::new);
        let request = Input::new(&args.request);
        let stdin_uses = [Some(&policy), directory.as_ref(), Some(&request)]
            .into_iter()
            .flatten()
            .filter(|input| **input == Input::Stdin)
            .count();
        if stdin_uses > 1 {
            files::report_error("only one of --policy, --directory and --request can be `-`");
            return Err(Status::Trouble);
        }

        let source = policy.read()?;
        let directory_bytes = directory.as_ref().map(Input::read).transpose()?;
        let request_bytes = request.read()?;

        let directory_text = match directory_bytes.map(|bytes| utf8(bytes, "directory")) {
            None => None,
            Some(Ok(text)) => Some(text),
            Some(Err(errors)) => return Err(print_answer(&Answer::<()>::Failure { errors })),
        };
        let engine = compile(&policy, &source, directory_text.as_deref(), global)?;
        Ok(Query {
            engine,
            request: utf8(request_bytes, ""),
        })
    }

    /// Parses the request as `R` and asks the engine; a request that does not parse is a
    /// failure answer naming the JSON path, e.g. `order.lines[0].unitPrice`.
    pub fn ask<R: DeserializeOwned, T>(
        &self,
        ask: impl FnOnce(&Engine, &R) -> Answer<T>,
    ) -> Answer<T> {
        let parsed = match &self.request {
            Ok(text) => parse_json::<R>(text),
            Err(errors) => Err(errors.clone()),
        };
        match parsed {
            Ok(request) => ask(&self.engine, &request),
            Err(errors) => Answer::Failure { errors },
        }
    }
}

/// Compiles policy source, or loads an artifact of `procura build`, with a directory;
/// source diagnostics go to stderr like `procura check`, a refused artifact or directory
/// is a JSON failure on stdout.
pub fn compile(
    input: &Input,
    source: &[u8],
    directory: Option<&str>,
    global: &GlobalArgs,
) -> Result<Engine, Status> {
    if procura::is_artifact(source) {
        return Engine::load_json(source, directory)
            .map_err(|errors| print_answer(&Answer::<()>::Failure { errors }));
    }
    let source = compile_source(input, source, global)?;
    Engine::from_json(source, directory)
        .map_err(|errors| print_answer(&Answer::<()>::Failure { errors }))
}

/// Checks the policy source and renders its diagnostics on stderr like `procura check`;
/// returns the source text when it compiles.
fn compile_source<'a>(
    input: &Input,
    source: &'a [u8],
    global: &GlobalArgs,
) -> Result<&'a str, Status> {
    let output = procura::check_bytes(source);
    if !output.diagnostics.is_empty() {
        let renderer = Renderer::new(global.color.enabled_for(Stream::Stderr));
        let text = renderer.render(&input.display(), source, &output.diagnostics);
        let _ = files::write_stderr(&text);
    }
    if output.has_errors() {
        return Err(Status::Failure);
    }
    std::str::from_utf8(source).map_err(|_| {
        files::report_error(&format!("{}: not valid UTF-8", input.display()));
        Status::Failure
    })
}

/// JSON input as text; bytes that are not UTF-8 are a malformed-input failure at `path`.
pub fn utf8(bytes: Vec<u8>, path: &str) -> Result<String, Vec<EvalError>> {
    String::from_utf8(bytes).map_err(|error| {
        let at = error.utf8_error().valid_up_to();
        vec![request_error(
            ErrorCode::MalformedJson,
            format!("not valid UTF-8 at byte {at}"),
            path,
        )]
    })
}

/// Prints an answer as pretty JSON (keys in contract order) with a trailing newline:
/// exit status 0 for a success, whatever it decided, and 1 for a failure.
pub fn print_answer<T: Serialize>(answer: &Answer<T>) -> Status {
    let status = match answer {
        Answer::Success { .. } => Status::Success,
        Answer::Failure { .. } => Status::Failure,
    };
    match serde_json::to_string_pretty(answer) {
        Ok(mut text) => {
            text.push('\n');
            files::write_stdout(text.as_bytes()).worst(status)
        }
        Err(err) => {
            files::report_error(&format!("cannot encode the answer as JSON: {err}"));
            Status::Trouble
        }
    }
}

//! `procura test FILE... [--directory D] [--format text|json]`: run the `test` blocks of
//! each policy.
//!
//! Text output is one line per test, `file:line:col: test "name" ... ok` or `... FAILED`,
//! each failed expectation below it as `  file:line:col: expected X, got Y`, and a last
//! line `N passed, M failed` over all files. `--format json` prints one document
//! `{"files": [{"path", "passed", "failed", "tests", "errors"?}], "passed", "failed"}`.
//! A policy that does not compile has its diagnostics rendered on stderr, as `procura
//! check` renders them. Exit 0 when every test passes, 1 when one fails or a policy does
//! not compile, 2 on a usage or I/O problem.

use std::fmt::Write as _;
use std::path::PathBuf;

use procura::contract::{EvalError, TestReport};
use procura::Engine;
use serde::Serialize;

use crate::files::{self, Input};
use crate::render::{Renderer, Stream};
use crate::status::Status;
use crate::GlobalArgs;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Policy files whose tests to run (`-` reads standard input).
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    /// The directory of users as JSON the tests run against (default: an empty
    /// directory; users a test declares are added to it).
    #[arg(long, value_name = "FILE")]
    directory: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t, value_name = "FORMAT")]
    format: OutputFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
enum OutputFormat {
    /// One line per test, failures with their expectation's location, a summary line.
    #[default]
    Text,
    /// One pretty-printed JSON document for all files.
    Json,
}

/// The `--format json` document.
#[derive(Debug, Default, Serialize)]
struct Report {
    files: Vec<FileReport>,
    passed: usize,
    failed: usize,
}

#[derive(Debug, Serialize)]
struct FileReport {
    path: String,
    #[serde(flatten)]
    report: TestReport,
    /// Why the policy could not be tested: compile or directory errors.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    errors: Vec<EvalError>,
}

pub fn run(args: &Args, global: &GlobalArgs) -> Status {
    let inputs: Vec<Input> = args.files.iter().map(|path| Input::new(path)).collect();
    let directory = args.directory.as_deref().map(Input::new);
    let stdin_uses = inputs
        .iter()
        .chain(directory.as_ref())
        .filter(|input| **input == Input::Stdin)
        .count();
    if stdin_uses > 1 {
        files::report_error("test: `-` (standard input) can be given only once");
        return Status::Trouble;
    }
    let directory = match directory.as_ref().map(read_directory).transpose() {
        Ok(text) => text,
        Err(status) => return status,
    };
    let renderer = Renderer::new(global.color.enabled_for(Stream::Stderr));
    let mut status = Status::Success;
    let mut report = Report::default();
    for input in &inputs {
        let file = match test_file(input, directory.as_deref(), &renderer) {
            Ok(file) => file,
            Err(trouble) => {
                status = status.worst(trouble);
                continue;
            }
        };
        if file.report.failed > 0 || !file.errors.is_empty() {
            status = status.worst(Status::Failure);
        }
        report.passed += file.report.passed;
        report.failed += file.report.failed;
        if args.format == OutputFormat::Text {
            status = status.worst(files::write_stdout(text(&file).as_bytes()));
        }
        report.files.push(file);
    }
    let summary = match args.format {
        OutputFormat::Text => Ok(format!(
            "{} passed, {} failed\n",
            report.passed, report.failed
        )),
        OutputFormat::Json => serde_json::to_string_pretty(&report).map(|mut text| {
            text.push('\n');
            text
        }),
    };
    match summary {
        Ok(summary) => status.worst(files::write_stdout(summary.as_bytes())),
        Err(err) => {
            files::report_error(&format!("cannot encode the report as JSON: {err}"));
            Status::Trouble
        }
    }
}

/// The directory JSON as text; not UTF-8 is a failure (exit 1), like any bad directory.
fn read_directory(input: &Input) -> Result<String, Status> {
    String::from_utf8(input.read()?).map_err(|_| {
        files::report_error(&format!("{}: not valid UTF-8", input.display()));
        Status::Failure
    })
}

/// Compiles one policy and runs its tests. Compile errors are rendered on stderr and
/// returned in `errors`; directory errors are reported on stderr the same way.
fn test_file(
    input: &Input,
    directory: Option<&str>,
    renderer: &Renderer,
) -> Result<FileReport, Status> {
    let source = input.read()?;
    let path = input.display();
    let empty = TestReport {
        passed: 0,
        failed: 0,
        tests: Vec::new(),
    };
    let output = procura::check_bytes(&source);
    if output.has_errors() {
        let _ = files::write_stderr(&renderer.render(&path, &source, &output.diagnostics));
        let errors = output
            .diagnostics
            .into_iter()
            .filter(procura::Diagnostic::is_error)
            .map(procura::contract::json::diagnostic_error)
            .collect();
        return Ok(FileReport {
            path,
            report: empty,
            errors,
        });
    }
    let text = match std::str::from_utf8(&source) {
        Ok(text) => text,
        Err(_) => {
            files::report_error(&format!("{path}: not valid UTF-8"));
            return Err(Status::Failure);
        }
    };
    match Engine::from_json(text, directory) {
        Ok(engine) => Ok(FileReport {
            path,
            report: engine.run_tests(),
            errors: Vec::new(),
        }),
        Err(errors) => {
            for error in &errors {
                let at = error
                    .path
                    .as_deref()
                    .map_or_else(String::new, |p| format!(" (at {p})"));
                files::report_error(&format!(
                    "{path}: error[{}]: {}{at}",
                    error.code, error.message
                ));
            }
            Ok(FileReport {
                path,
                report: empty,
                errors,
            })
        }
    }
}

/// The text lines of one file's tests.
fn text(file: &FileReport) -> String {
    let mut out = String::new();
    for test in &file.report.tests {
        let verdict = if test.passed { "ok" } else { "FAILED" };
        let _ = writeln!(
            out,
            "{}:{}:{}: test \"{}\" ... {verdict}",
            file.path, test.span.line, test.span.column, test.name
        );
        for failure in &test.failures {
            let _ = writeln!(
                out,
                "  {}:{}:{}: expected {}, got {}",
                file.path, failure.span.line, failure.span.column, failure.expected, failure.actual
            );
        }
    }
    out
}

//! `procura check FILE...`: report every diagnostic of each policy file.
//!
//! Text output (default) is one `file:line:col: error[CODE]: message` line per diagnostic
//! followed by its source snippet; `--format json` prints one document
//! `{"files": [{"path": ..., "diagnostics": [...]}]}`. Exit 0 with no errors (warnings
//! allowed), 1 when any file has errors, 2 on a usage or I/O problem.

use std::path::PathBuf;

use procura::Diagnostic;
use serde::Serialize;

use crate::files::{self, Input};
use crate::render::{Renderer, Stream};
use crate::status::Status;
use crate::GlobalArgs;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Policy files to check (`-` reads standard input).
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t, value_name = "FORMAT")]
    format: OutputFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
enum OutputFormat {
    /// Compiler-style lines with annotated source snippets.
    #[default]
    Text,
    /// One pretty-printed JSON document for all files.
    Json,
}

/// The `--format json` document: `{"files": [{"path": ..., "diagnostics": [...]}]}`.
#[derive(Debug, Serialize)]
struct Report {
    files: Vec<FileReport>,
}

#[derive(Debug, Serialize)]
struct FileReport {
    path: String,
    diagnostics: Vec<Diagnostic>,
}

pub fn run(args: &Args, global: &GlobalArgs) -> Status {
    let renderer = Renderer::new(global.color.enabled_for(Stream::Stdout));
    let mut status = Status::Success;
    let mut report = Report { files: Vec::new() };
    for path in &args.files {
        let input = Input::new(path);
        let source = match input.read() {
            Ok(source) => source,
            Err(trouble) => {
                status = status.worst(trouble);
                continue;
            }
        };
        let output = procura::check_bytes(&source);
        if output.has_errors() {
            status = status.worst(Status::Failure);
        }
        match args.format {
            OutputFormat::Text => {
                let text = renderer.render(&input.display(), &source, &output.diagnostics);
                status = status.worst(files::write_stdout(&text));
            }
            OutputFormat::Json => report.files.push(FileReport {
                path: input.display(),
                diagnostics: output.diagnostics,
            }),
        }
    }
    if args.format == OutputFormat::Json {
        status = status.worst(print_json(&report));
    }
    status
}

fn print_json(report: &Report) -> Status {
    match serde_json::to_string_pretty(report) {
        Ok(mut text) => {
            text.push('\n');
            files::write_stdout(text.as_bytes())
        }
        Err(err) => {
            files::report_error(&format!("cannot encode diagnostics as JSON: {err}"));
            Status::Trouble
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use procura::{Label, Severity, SourceSpan};
    use serde_json::Value;

    #[test]
    fn json_report_has_path_then_camel_case_diagnostics() {
        let span = SourceSpan {
            start: 3,
            end: 7,
            line: 1,
            column: 4,
            end_line: 1,
            end_column: 8,
        };
        let diagnostics = vec![Diagnostic {
            severity: Severity::Error,
            code: "P0201",
            message: "unknown group `nort`".to_owned(),
            help: None,
            span,
            labels: vec![Label {
                span,
                message: "here".to_owned(),
            }],
        }];
        let input = Input::new(std::path::Path::new("a.procura"));
        let report = Report {
            files: vec![FileReport {
                path: input.display(),
                diagnostics,
            }],
        };
        let text = serde_json::to_string_pretty(&report).unwrap();
        assert!(text.find("\"path\"").unwrap() < text.find("\"diagnostics\"").unwrap());
        let document: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(document["files"][0]["path"], "a.procura");
        let diagnostic = &document["files"][0]["diagnostics"][0];
        assert_eq!(diagnostic["severity"], "error");
        assert_eq!(diagnostic["code"], "P0201");
        assert_eq!(diagnostic["span"]["endColumn"], 8);
        assert_eq!(diagnostic["labels"][0]["message"], "here");
        assert!(diagnostic.get("help").is_none());
        assert_eq!(Input::new(std::path::Path::new("-")).display(), "<stdin>");
    }
}

//! Reading a decision log of `procura serve --decision-log` (JSON Lines, the format in
//! `docs/servers.md`) for `procura replay` and `procura impact --requests`: the logged
//! checkout requests with their line numbers and answers. A line that cannot be read (the
//! last one cut short by a crash, say) is reported on stderr with its number and code, and
//! reading goes on.

use procura::contract::json::parse_json;
use procura::contract::{Answer, CheckoutRequest, Decision};
use procura_host::decision_log::{parse_line, Entry};
use procura_host::errors::LOG_LINE_NOT_ENTRY;

use crate::files;
use crate::status::Status;

/// A logged checkout (`endpoint` `evaluate`) whose request the engine can read.
#[derive(Debug)]
pub struct LoggedCheckout {
    /// The line number in the log, from 1.
    pub line: usize,
    pub entry: Entry,
    pub request: CheckoutRequest,
}

/// What a log holds: its checkouts, how many entries were left out (other endpoints, or a
/// request not logged), and the worst status of the lines that could not be read.
#[derive(Debug)]
pub struct Log {
    pub checkouts: Vec<LoggedCheckout>,
    pub skipped: usize,
    pub status: Status,
}

/// Reads the checkouts of a log's text; `name` is the file shown in problems.
pub fn read(text: &str, name: &str) -> Log {
    let mut log = Log {
        checkouts: Vec::new(),
        skipped: 0,
        status: Status::Success,
    };
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        if line.trim().is_empty() {
            // A write cut short is followed by a line end: the blank is not a decision.
            continue;
        }
        let entry = match parse_line(line) {
            Ok(entry) => entry,
            Err(problem) => {
                report(name, number, problem.code, &problem.message);
                log.status = log.status.worst(Status::Failure);
                continue;
            }
        };
        if entry.endpoint != "evaluate" || entry.request.is_null() {
            log.skipped += 1;
            continue;
        }
        match parse_json::<CheckoutRequest>(&entry.request.to_string()) {
            Ok(request) => log.checkouts.push(LoggedCheckout {
                line: number,
                entry,
                request,
            }),
            Err(errors) => {
                log.skipped += 1;
                // A failure answered so already has nothing to decide again; a request the
                // service decided but that no longer reads was changed by redaction.
                if entry.status == 200 {
                    let why = errors.first().map_or_else(String::new, |error| {
                        let at = error.path.as_deref().unwrap_or("");
                        format!(" ({} at `{at}`: {})", error.code, error.message)
                    });
                    let message = format!("the logged request of decision `{}` cannot be decided again{why}; was a field it needs redacted?", entry.decision_id);
                    report(name, number, LOG_LINE_NOT_ENTRY, &message);
                    log.status = log.status.worst(Status::Failure);
                }
            }
        }
    }
    log
}

/// The logged answer of a checkout as the engine's type; a line whose answer is not one is
/// reported (`E0521`) and gives `None`.
pub fn answer(name: &str, checkout: &LoggedCheckout) -> Option<Answer<Decision>> {
    match serde_json::from_value::<Answer<Decision>>(checkout.entry.answer.clone()) {
        Ok(answer) => Some(answer),
        Err(error) => {
            let message = format!("the logged answer is not a checkout answer: {error}");
            report(name, checkout.line, LOG_LINE_NOT_ENTRY, &message);
            None
        }
    }
}

fn report(name: &str, line: usize, code: &str, message: &str) {
    files::report_error(&format!("{name}:{line}: error[{code}]: {message}"));
}

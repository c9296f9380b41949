//! `procura approvals --policy P [--directory D] --request R --events E [--now T] [--steps]
//! [--format json|text]`: where an order's approval stands.
//!
//! R is the checkout request of the order, E the workflow so far:
//! `{"submittedAt": …, "events": […], "change"?: …, "now"?: …}`. The command builds the
//! engine's `ProgressRequest` from them and prints the answer. `now` is `--now`, else the
//! events file's `now`, else the latest instant among `submittedAt` and every event's `at`
//! (compared as instants; the text is kept as written, offset and all), so that replaying a
//! recorded history shows its state right after the last event.
//!
//! Output: `--format json` (the default) prints the answer as pretty JSON, keys in contract
//! order; `--format text` prints the final state in words instead. `--steps` puts a
//! walkthrough first, one line per event in the order the engine applied them (by time):
//!
//! ```text
//! 2026-11-23T14:10:00-05:00 approved by paul@maple.example → pending at level 2
//! 2026-11-23T09:30:00-05:00 approved by ana@maple.example → refused: the requester cannot approve their own order
//! ```
//!
//! then the final state (status, each level, who may act now, rejected lines, expiry), and
//! with `--format json` a blank line and the JSON. A failure answer is printed as JSON with
//! `--format json` and as `error[CODE]: message at path` lines on stderr with `--format
//! text`. Error paths are those of the `ProgressRequest`: `checkout.order.lines[0].unitPrice`
//! for the request file, `events[1].at` for the events file.
//!
//! Exit 0 when the answer is a success, whatever the state (approved, rejected, expired…);
//! 1 when it is a failure or the policy does not compile; 2 on a usage or I/O problem.

use std::fmt::Write as _;
use std::path::PathBuf;

use procura::contract::errors::{request_error, ErrorCode};
use procura::contract::json::parse_json;
use procura::contract::{
    Answer, CheckoutRequest, EvalError, LevelProgress, OrderChange, ProgressRequest, QuorumSpec,
    Step, WorkflowEvent, WorkflowState, WorkflowStatus,
};
use procura::instant;
use serde::Deserialize;

use crate::files::{self, Input};
use crate::query::{self, Query, QueryArgs};
use crate::status::Status;
use crate::GlobalArgs;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    query: QueryArgs,
    /// The workflow so far as JSON: `{"submittedAt", "events", "change"?}` (`-` reads
    /// standard input).
    #[arg(long, value_name = "FILE")]
    events: PathBuf,
    /// The instant to compute the state for, RFC 3339 (default: the latest of
    /// `submittedAt` and the events' times).
    #[arg(long, value_name = "TIME")]
    now: Option<String>,
    /// Walk through the events first: one line per event with the state after it (or why
    /// it was refused), then the final state.
    #[arg(long)]
    steps: bool,
    /// `json` prints the engine's answer, `text` the final state in words.
    #[arg(long, value_enum, default_value_t, value_name = "FORMAT")]
    format: OutputFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
enum OutputFormat {
    /// The answer as pretty JSON (after the walkthrough with `--steps`).
    #[default]
    Json,
    /// The final state in words.
    Text,
}

/// The events file: a `ProgressRequest` without its checkout.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct EventsFile {
    submitted_at: String,
    #[serde(default)]
    now: Option<String>,
    #[serde(default)]
    events: Vec<WorkflowEvent>,
    #[serde(default)]
    change: Option<OrderChange>,
}

impl EventsFile {
    /// The instant the state is computed for when the command line names none.
    fn default_now(&self) -> String {
        if let Some(now) = &self.now {
            return now.clone();
        }
        let mut latest = (instant(&self.submitted_at), self.submitted_at.as_str());
        for event in &self.events {
            let at = event_at(event);
            if let Some(time) = instant(at) {
                if latest.0.is_none_or(|best| time > best) {
                    latest = (Some(time), at);
                }
            }
        }
        latest.1.to_owned()
    }
}

pub fn run(args: &Args, global: &GlobalArgs) -> Status {
    let events_input = Input::new(&args.events);
    let others = [
        Some(&args.query.policy),
        args.query.directory.as_ref(),
        Some(&args.query.request),
    ];
    let stdin_elsewhere = others
        .into_iter()
        .flatten()
        .any(|path| Input::new(path) == Input::Stdin);
    if events_input == Input::Stdin && stdin_elsewhere {
        files::report_error("only one of --policy, --directory, --request and --events can be `-`");
        return Status::Trouble;
    }
    let events_bytes = match events_input.read() {
        Ok(bytes) => bytes,
        Err(status) => return status,
    };
    let query = match Query::load(&args.query, global) {
        Ok(query) => query,
        Err(status) => return status,
    };
    let events = String::from_utf8(events_bytes)
        .map_err(|error| {
            let at = error.utf8_error().valid_up_to();
            vec![request_error(
                ErrorCode::MalformedJson,
                format!("not valid UTF-8 at byte {at}"),
                "",
            )]
        })
        .and_then(|text| parse_json::<EventsFile>(&text));

    let mut request_parsed = false;
    let mut progress = None;
    let answer = query.ask(|engine, checkout: &CheckoutRequest| {
        request_parsed = true;
        let file = match &events {
            Ok(file) => file,
            Err(errors) => {
                return Answer::Failure {
                    errors: errors.clone(),
                }
            }
        };
        let request = ProgressRequest {
            checkout: checkout.clone(),
            submitted_at: file.submitted_at.clone(),
            now: args.now.clone().unwrap_or_else(|| file.default_now()),
            events: file.events.clone(),
            change: file.change.clone(),
        };
        let answer = engine.progress(&request);
        progress = Some(request);
        answer
    });
    let answer = match answer {
        // The request did not parse: name its paths inside the `ProgressRequest`, and
        // report the events file's problems with them.
        Answer::Failure { errors } if !request_parsed => {
            let mut errors = checkout_paths(errors);
            if let Err(more) = events {
                errors.extend(more);
            }
            Answer::Failure { errors }
        }
        answer => answer,
    };

    let mut text = String::new();
    if let (Answer::Success { result }, Some(request)) = (&answer, &progress) {
        if args.steps {
            text.push_str(&walkthrough(request, result));
        }
        if args.steps || args.format == OutputFormat::Text {
            text.push_str(&summary(request, result));
        }
    }
    match args.format {
        OutputFormat::Json => {
            if !text.is_empty() {
                text.push('\n');
            }
            files::write_stdout(text.as_bytes()).worst(query::print_answer(&answer))
        }
        OutputFormat::Text => match &answer {
            Answer::Success { .. } => files::write_stdout(text.as_bytes()),
            Answer::Failure { errors } => report_errors(errors, ""),
        },
    }
}

/// Paths of the request file as paths of the `ProgressRequest`: `order.id` →
/// `checkout.order.id`.
fn checkout_paths(errors: Vec<EvalError>) -> Vec<EvalError> {
    errors
        .into_iter()
        .map(|mut error| {
            error.path = error.path.map(|path| match path.as_str() {
                "" => "checkout".to_owned(),
                _ => format!("checkout.{path}"),
            });
            error
        })
        .collect()
}

/// Prints failure errors on stderr, one `procura: [PREFIX: ]error[CODE]: message at path`
/// line each (with the help text below); exit status 1. Shared with `invoices`.
pub fn report_errors(errors: &[EvalError], prefix: &str) -> Status {
    let mut text = String::new();
    for error in errors {
        let _ = write!(
            text,
            "procura: {prefix}error[{}]: {}",
            error.code, error.message
        );
        if let Some(path) = error.path.as_deref().filter(|path| !path.is_empty()) {
            let _ = write!(text, " at {path}");
        }
        text.push('\n');
        if let Some(help) = &error.help {
            let _ = writeln!(text, "  = help: {help}");
        }
    }
    files::write_stderr(text.as_bytes()).worst(Status::Failure)
}

fn event_at(event: &WorkflowEvent) -> &str {
    match event {
        WorkflowEvent::Approved { at, .. }
        | WorkflowEvent::Rejected { at, .. }
        | WorkflowEvent::Delegated { at, .. }
        | WorkflowEvent::Comment { at, .. } => at,
    }
}

/// One line per step: `<at as written> <what happened> → <state after it>`.
fn walkthrough(request: &ProgressRequest, state: &WorkflowState) -> String {
    let mut out = String::new();
    if state.steps.is_empty() {
        out.push_str("no events\n");
    }
    let mut used: Vec<(usize, usize)> = Vec::new();
    for step in &state.steps {
        let Some(event) = request.events.get(step.event) else {
            continue;
        };
        let on_behalf_of = if step.accepted {
            on_behalf_of(event, state, &mut used)
        } else {
            None
        };
        let _ = writeln!(
            out,
            "{} {} → {}",
            event_at(event),
            event_text(event, on_behalf_of.as_deref()),
            step_outcome(step)
        );
    }
    out
}

/// Whom an accepted approval (or line rejection) was made for, when made as a delegate:
/// the approval record the engine kept for it, matched by person and instant, each record
/// used once.
fn on_behalf_of(
    event: &WorkflowEvent,
    state: &WorkflowState,
    used: &mut Vec<(usize, usize)>,
) -> Option<String> {
    let (by, at) = match event {
        WorkflowEvent::Approved { by, at } => (by, at),
        WorkflowEvent::Rejected { by, at, lines, .. } if !lines.is_empty() => (by, at),
        _ => return None,
    };
    let at = instant(at)?.to_string();
    for (l, level) in state.levels.iter().enumerate() {
        for (r, record) in level.approvals.iter().enumerate() {
            if record.by == *by && record.at == at && !used.contains(&(l, r)) {
                used.push((l, r));
                return record.on_behalf_of.clone();
            }
        }
    }
    None
}

fn event_text(event: &WorkflowEvent, on_behalf_of: Option<&str>) -> String {
    let acting = |by: &str| match on_behalf_of {
        Some(whom) => format!("by {by} for {whom}"),
        None => format!("by {by}"),
    };
    match event {
        WorkflowEvent::Approved { by, .. } => format!("approved {}", acting(by)),
        WorkflowEvent::Rejected {
            by, lines, reason, ..
        } => {
            let what = if lines.is_empty() {
                "rejected the order".to_owned()
            } else {
                format!("rejected {}", lines.join(", "))
            };
            let why = if reason.is_empty() {
                String::new()
            } else {
                format!(": {reason:?}")
            };
            format!("{what} {}{why}", acting(by))
        }
        WorkflowEvent::Delegated {
            from,
            to,
            valid_from,
            valid_until,
            ..
        } => format!("delegated by {from} to {to} from {valid_from} until {valid_until}"),
        WorkflowEvent::Comment { by, text, .. } => format!("comment by {by}: {text:?}"),
    }
}

fn step_outcome(step: &Step) -> String {
    if !step.accepted {
        return format!(
            "refused: {}",
            step.reason.as_deref().unwrap_or("no reason given")
        );
    }
    state_text(step.status, step.level)
}

/// `pending at level 2`, `approved`, `partially rejected`…
fn state_text(status: WorkflowStatus, level: Option<u64>) -> String {
    let word = status.in_words();
    match level {
        Some(level) => format!("{word} at level {level}"),
        None => word.to_owned(),
    }
}

/// The final state in words:
///
/// ```text
/// state at 2026-11-23T15:00:00-05:00: pending at level 2
/// levels:
///   level 1, any of paul@maple.example: approved by paul@maple.example
///   level 2, any of cfo@maple.example: pending (0 of 1)
/// may act now:
///   cfo@maple.example: approve, reject, rejectLines
/// rejected lines: none
/// expires at: 2026-11-30T14:00:00Z
/// ```
fn summary(request: &ProgressRequest, state: &WorkflowState) -> String {
    let mut out = String::new();
    let mut headline = format!(
        "state at {}: {}",
        request.now,
        state_text(state.status, state.level)
    );
    if let Some(reason) = &state.reason {
        let _ = write!(headline, " ({reason})");
    }
    let _ = writeln!(out, "{headline}");

    if state.levels.is_empty() {
        out.push_str("levels: none\n");
    } else {
        out.push_str("levels:\n");
        for (level, plan) in state.levels.iter().zip(&state.plan.levels) {
            let quorum = match &plan.quorum {
                QuorumSpec::Any => "any of".to_owned(),
                QuorumSpec::All => "all of".to_owned(),
                QuorumSpec::Count { count } => format!("{count} of"),
            };
            let approvers = if plan.approvers.is_empty() {
                "nobody".to_owned()
            } else {
                plan.approvers.join(", ")
            };
            let _ = writeln!(
                out,
                "  level {}, {quorum} {approvers}: {}",
                level.level,
                level_text(level)
            );
        }
    }

    if state.may_act.is_empty() {
        out.push_str("may act now: nobody\n");
    } else {
        out.push_str("may act now:\n");
        for actor in &state.may_act {
            let whom = actor
                .on_behalf_of
                .as_ref()
                .map_or_else(String::new, |whom| format!(" for {whom}"));
            let _ = writeln!(out, "  {}{whom}: {}", actor.user, actor.actions.join(", "));
        }
    }
    let rejected = if state.rejected_lines.is_empty() {
        "none".to_owned()
    } else {
        state.rejected_lines.join(", ")
    };
    let _ = writeln!(out, "rejected lines: {rejected}");
    let _ = writeln!(out, "expires at: {}", state.expires_at);
    if !state.errors.is_empty() {
        out.push_str("errors:\n");
        for error in &state.errors {
            let mut line = format!("  error[{}]: {}", error.code, error.message);
            if let Some(rule) = &error.rule {
                let _ = write!(line, " [{rule}]");
            }
            let _ = writeln!(out, "{line}");
        }
    }
    out
}

/// `approved by rita@maple.example for paul@maple.example`, `pending (1 of 2)`…
fn level_text(level: &LevelProgress) -> String {
    let mut text = level.status.clone();
    if level.status == "pending" || level.status == "escalated" {
        let _ = write!(text, " ({} of {})", level.approvals.len(), level.needed);
    }
    if !level.approvals.is_empty() {
        let who: Vec<String> = level
            .approvals
            .iter()
            .map(|record| match &record.on_behalf_of {
                Some(whom) => format!("{} for {whom}", record.by),
                None => record.by.clone(),
            })
            .collect();
        let _ = write!(text, " by {}", who.join(", "));
    }
    if !level.escalated_to.is_empty() {
        let _ = write!(text, ", escalated to {}", level.escalated_to.join(", "));
    }
    text
}

//! The decision log of `procura serve --decision-log FILE`: one JSON line per answered
//! decision request, handed to the OS before its response is sent, so that a decision a
//! client saw is in the log even if the process is killed right after.
//!
//! Group commit: one writer thread owns the file. A request puts its line on the queue and
//! waits; the writer takes every line queued by then, writes them with one `write` (one
//! `fdatasync` too with [`LogConfig::sync`]), and wakes their requests. Under load the
//! batches grow, so the cost per line stays small. A batch that cannot be written fails
//! every request in it ([`LogError`], `E0519`): the service answers 503 instead of a decision
//! nobody logged.
//!
//! Rotation: with [`LogConfig::max_bytes`], a line that would take the file past the limit
//! first moves `FILE` to `FILE.1` (`FILE.1` to `FILE.2`, …, keeping [`LogConfig::keep`] old
//! files), so lines are never split across files and a file is over the limit only when one
//! line alone is.
//!
//! The line format and the redaction syntax are documented in `docs/servers.md`.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::sync::{mpsc, oneshot};

use crate::errors::HostError;

/// What a redacted value becomes in the log.
pub const REDACTED: &str = "[redacted]";

/// The most lines written with one `write`: bounds the memory of one batch.
const MAX_BATCH: usize = 4096;

/// Where and how to keep the decision log.
#[derive(Debug, Clone)]
pub struct LogConfig {
    /// The log file; created if missing, appended to otherwise.
    pub path: PathBuf,
    /// Rotate before a line would take the file past this many bytes; `None`: never.
    pub max_bytes: Option<u64>,
    /// How many rotated files to keep (`FILE.1` newest … `FILE.keep` oldest); older ones are
    /// deleted. 0 keeps none.
    pub keep: usize,
    /// The request fields written as [`REDACTED`].
    pub redact: Vec<RedactPath>,
    /// `fdatasync` every batch: lines survive a power loss too, not only a crash of the
    /// process, at the cost of a disk flush per batch.
    pub sync: bool,
}

impl LogConfig {
    /// Defaults: no rotation, 5 rotated files kept once rotation is on, nothing redacted, no
    /// `fdatasync`.
    pub fn new(path: impl Into<PathBuf>) -> LogConfig {
        LogConfig {
            path: path.into(),
            max_bytes: None,
            keep: 5,
            redact: Vec::new(),
            sync: false,
        }
    }
}

/// One step of a redaction path.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    /// `name`: the member `name` of an object.
    Member(String),
    /// `name[]`: every element of the array that is the member `name`.
    EachOf(String),
}

/// A request field to redact, e.g. `order.shipTo` or `order.lines[].unitPrice`: members
/// separated by dots, `[]` after a member that is an array to go into each of its elements.
/// Missing members, and values of another shape than the path says, are left alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedactPath {
    text: String,
    steps: Vec<Step>,
}

impl RedactPath {
    /// Parses `order.shipTo`, `lines[].x`, …
    pub fn parse(text: &str) -> Result<RedactPath, HostError> {
        let bad = |why| HostError::RedactPath {
            path: text.to_owned(),
            why,
        };
        let mut steps = Vec::new();
        for segment in text.split('.') {
            let (name, each) = match segment.strip_suffix("[]") {
                Some(name) => (name, true),
                None => (segment, false),
            };
            if name.is_empty() {
                return Err(bad("every segment between dots needs a member name"));
            }
            if name.contains(['[', ']']) {
                return Err(bad(
                    "`[]` may only end a segment, as in `lines[].unitPrice`",
                ));
            }
            steps.push(if each {
                Step::EachOf(name.to_owned())
            } else {
                Step::Member(name.to_owned())
            });
        }
        Ok(RedactPath {
            text: text.to_owned(),
            steps,
        })
    }

    /// The path as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Replaces what the path names in `value` with [`REDACTED`].
    pub fn apply(&self, value: &mut Value) {
        redact(value, &self.steps);
    }
}

fn redact(value: &mut Value, steps: &[Step]) {
    let Some((step, rest)) = steps.split_first() else {
        *value = Value::String(REDACTED.to_owned());
        return;
    };
    let Value::Object(members) = value else {
        return;
    };
    match step {
        Step::Member(name) => {
            if let Some(member) = members.get_mut(name) {
                redact(member, rest);
            }
        }
        Step::EachOf(name) => {
            if let Some(Value::Array(items)) = members.get_mut(name) {
                for item in items {
                    redact(item, rest);
                }
            }
        }
    }
}

/// A decision's line could not be written: the decision must not be let out.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the decision could not be written to the decision log: {0}")]
pub struct LogError(pub String);

/// What one line of the log records.
#[derive(Debug, Clone, Copy)]
pub struct Record<'a> {
    pub decision_id: &'a str,
    pub time: jiff::Timestamp,
    /// The route's last segment, e.g. `evaluate`.
    pub endpoint: &'a str,
    /// The HTTP status of the answer.
    pub status: u16,
    pub policy_name: &'a str,
    pub policy_hash: &'a str,
    /// The request body; `None` when it was not read (too large, too slow).
    pub request: Option<&'a [u8]>,
    /// The answer JSON.
    pub answer: &'a str,
}

struct Pending {
    line: Vec<u8>,
    queued_at: Instant,
    done: oneshot::Sender<Result<Duration, LogError>>,
}

/// The log: its writer thread and the queue to it. Dropping it lets the writer finish the
/// queued lines and stop.
pub struct DecisionLog {
    queue: mpsc::UnboundedSender<Pending>,
    queued: Arc<AtomicUsize>,
    redact: Vec<RedactPath>,
    path: PathBuf,
}

impl std::fmt::Debug for DecisionLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DecisionLog")
            .field("path", &self.path)
            .field("redact", &self.redact)
            .finish_non_exhaustive()
    }
}

impl DecisionLog {
    /// Opens (or creates) the log file and starts its writer thread.
    pub fn open(config: LogConfig) -> Result<DecisionLog, HostError> {
        let mut file = LogFile {
            path: config.path.clone(),
            file: None,
            size: 0,
            max_bytes: config.max_bytes,
            keep: config.keep,
            sync: config.sync,
            torn: false,
        };
        file.reopen().map_err(|error| HostError::DecisionLog {
            path: config.path.display().to_string(),
            error,
        })?;
        let (queue, lines) = mpsc::unbounded_channel();
        let queued = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&queued);
        std::thread::Builder::new()
            .name("decision-log".into())
            .spawn(move || write_batches(file, lines, &counter))
            .map_err(|error| HostError::DecisionLog {
                path: config.path.display().to_string(),
                error: format!("cannot start the writer thread: {error}"),
            })?;
        Ok(DecisionLog {
            queue,
            queued,
            redact: config.redact,
            path: config.path,
        })
    }

    /// The log file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Lines waiting for the writer now.
    pub fn queue_depth(&self) -> usize {
        self.queued.load(Ordering::Relaxed)
    }

    /// The line of `record`, redacted, ending with `\n`.
    pub fn line(&self, record: &Record<'_>) -> Vec<u8> {
        let request = record.request.and_then(|body| self.request_json(body));
        let mut line =
            Vec::with_capacity(160 + record.answer.len() + request.as_ref().map_or(4, Vec::len));
        let text = |line: &mut Vec<u8>, value: &str| {
            // Writing a string to memory cannot fail.
            let _ = serde_json::to_writer(&mut *line, value);
        };
        line.extend_from_slice(br#"{"decisionId":"#);
        text(&mut line, record.decision_id);
        line.extend_from_slice(br#","time":""#);
        line.extend_from_slice(rfc3339(record.time).as_bytes());
        line.extend_from_slice(br#"","endpoint":"#);
        text(&mut line, record.endpoint);
        line.extend_from_slice(
            format!(r#","status":{},"policy":{{"name":"#, record.status).as_bytes(),
        );
        text(&mut line, record.policy_name);
        line.extend_from_slice(br#","hash":"#);
        text(&mut line, record.policy_hash);
        line.extend_from_slice(br#"},"request":"#);
        match request {
            Some(request) => line.extend_from_slice(&request),
            None => line.extend_from_slice(b"null"),
        }
        line.extend_from_slice(br#","answer":"#);
        if is_json(record.answer.as_bytes()) {
            minify_into(record.answer.as_bytes(), &mut line);
        } else {
            text(&mut line, record.answer);
        }
        line.extend_from_slice(b"}\n");
        line
    }

    /// The request as one line of JSON, redacted; `None` when the body is not JSON.
    fn request_json(&self, body: &[u8]) -> Option<Vec<u8>> {
        if self.redact.is_empty() {
            if !is_json(body) {
                return None;
            }
            let mut out = Vec::with_capacity(body.len());
            minify_into(body, &mut out);
            return Some(out);
        }
        let mut value: Value = serde_json::from_slice(body).ok()?;
        for path in &self.redact {
            path.apply(&mut value);
        }
        serde_json::to_vec(&value).ok()
    }

    /// Queues `line` and waits until it is written: how long it waited, or why it could not
    /// be written.
    pub async fn write(&self, line: Vec<u8>) -> Result<Duration, LogError> {
        let (done, written) = oneshot::channel();
        self.queued.fetch_add(1, Ordering::Relaxed);
        let pending = Pending {
            line,
            queued_at: Instant::now(),
            done,
        };
        if self.queue.send(pending).is_err() {
            self.queued.fetch_sub(1, Ordering::Relaxed);
            return Err(LogError("the writer has stopped".into()));
        }
        written
            .await
            .unwrap_or_else(|_| Err(LogError("the writer has stopped".into())))
    }
}

/// `2026-11-28T10:30:00.123Z`: RFC 3339, UTC, milliseconds.
fn rfc3339(time: jiff::Timestamp) -> String {
    let rounded = time
        .round(jiff::Unit::Millisecond)
        .unwrap_or(time)
        .strftime("%Y-%m-%dT%H:%M:%S%.3fZ");
    rounded.to_string()
}

fn is_json(bytes: &[u8]) -> bool {
    serde_json::from_slice::<serde::de::IgnoredAny>(bytes).is_ok()
}

/// Copies valid JSON without the blanks between tokens: one line, whatever the client sent.
fn minify_into(json: &[u8], out: &mut Vec<u8>) {
    let (mut in_string, mut escaped) = (false, false);
    for &byte in json {
        if in_string {
            out.push(byte);
            if escaped {
                escaped = false;
            } else if byte == b'\\' {
                escaped = true;
            } else if byte == b'"' {
                in_string = false;
            }
        } else if !matches!(byte, b' ' | b'\t' | b'\n' | b'\r') {
            in_string = byte == b'"';
            out.push(byte);
        }
    }
}

/// The writer thread: batches until every sender is gone.
fn write_batches(
    mut file: LogFile,
    mut lines: mpsc::UnboundedReceiver<Pending>,
    queued: &AtomicUsize,
) {
    let mut batch = Vec::new();
    while let Some(first) = lines.blocking_recv() {
        batch.push(first);
        while batch.len() < MAX_BATCH {
            match lines.try_recv() {
                Ok(next) => batch.push(next),
                Err(_) => break,
            }
        }
        queued.fetch_sub(batch.len(), Ordering::Relaxed);
        let written = file.append(batch.iter().map(|pending| pending.line.as_slice()));
        for pending in batch.drain(..) {
            let answer = match &written {
                Ok(()) => Ok(pending.queued_at.elapsed()),
                Err(error) => Err(LogError(error.clone())),
            };
            // A request that stopped waiting (its connection closed) needs no answer.
            let _ = pending.done.send(answer);
        }
        if let Err(error) = written {
            tracing::error!(%error, "decision log write failed; the decisions of this batch were answered E0519");
        }
    }
}

/// The open log file, its size, and how to rotate it.
struct LogFile {
    path: PathBuf,
    file: Option<File>,
    size: u64,
    max_bytes: Option<u64>,
    keep: usize,
    sync: bool,
    /// A failed write may have left part of a line: the next write starts a new line first,
    /// so that only that part is unreadable.
    torn: bool,
}

impl LogFile {
    fn reopen(&mut self) -> Result<&mut File, String> {
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .map_err(|error| format!("cannot open `{}`: {error}", self.path.display()))?;
        self.size = file.metadata().map_or(0, |meta| meta.len());
        Ok(self.file.insert(file))
    }

    /// Writes `lines`, rotating first whenever the next line would pass the size limit.
    fn append<'a>(&mut self, lines: impl Iterator<Item = &'a [u8]>) -> Result<(), String> {
        let mut buffer = Vec::new();
        if self.torn {
            buffer.push(b'\n');
        }
        for line in lines {
            let would_be = self.size + (buffer.len() + line.len()) as u64;
            if let Some(max) = self.max_bytes {
                if would_be > max && self.size + buffer.len() as u64 > 0 {
                    self.flush(&mut buffer)?;
                    self.rotate()?;
                }
            }
            buffer.extend_from_slice(line);
        }
        self.flush(&mut buffer)?;
        if self.sync {
            if let Some(file) = &self.file {
                file.sync_data()
                    .map_err(|error| format!("cannot sync `{}`: {error}", self.path.display()))?;
            }
        }
        Ok(())
    }

    fn flush(&mut self, buffer: &mut Vec<u8>) -> Result<(), String> {
        if buffer.is_empty() {
            return Ok(());
        }
        let file = match self.file.as_mut() {
            Some(file) => file,
            None => self.reopen()?,
        };
        match file.write_all(buffer) {
            Ok(()) => {
                self.size += buffer.len() as u64;
                self.torn = false;
                buffer.clear();
                Ok(())
            }
            Err(error) => {
                // Reopened on the next batch: the file may have been removed or the disk
                // freed meanwhile.
                self.file = None;
                self.torn = true;
                buffer.clear();
                Err(format!("cannot write `{}`: {error}", self.path.display()))
            }
        }
    }

    /// `FILE.keep-1` → `FILE.keep`, …, `FILE` → `FILE.1`, then a new, empty `FILE`.
    fn rotate(&mut self) -> Result<(), String> {
        self.file = None;
        let numbered = |n: usize| {
            let mut name = self.path.clone().into_os_string();
            name.push(format!(".{n}"));
            PathBuf::from(name)
        };
        let failed = |what: &Path, error: std::io::Error| {
            format!("cannot rotate `{}`: {error}", what.display())
        };
        if self.keep == 0 {
            std::fs::remove_file(&self.path).map_err(|error| failed(&self.path, error))?;
        } else {
            for n in (1..self.keep).rev() {
                let older = numbered(n);
                if older.exists() {
                    std::fs::rename(&older, numbered(n + 1)).map_err(|e| failed(&older, e))?;
                }
            }
            std::fs::rename(&self.path, numbered(1)).map_err(|e| failed(&self.path, e))?;
        }
        self.reopen().map(|_| ())
    }
}

/// One line of the log, read back (`procura replay`, `procura impact --requests`).
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Entry {
    pub decision_id: String,
    pub time: String,
    pub endpoint: String,
    pub status: u16,
    pub policy: LoggedPolicy,
    /// The request as logged (redacted); `null` when its body was not read or not JSON.
    pub request: Value,
    pub answer: Value,
}

/// The policy version that answered a logged decision.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct LoggedPolicy {
    pub name: String,
    pub hash: String,
}

/// Why a line of the log could not be read: its code (`E0520` not JSON, `E0521` not an
/// entry) and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineProblem {
    pub code: &'static str,
    pub message: String,
}

/// Reads one line of the log (without its line end).
pub fn parse_line(line: &str) -> Result<Entry, LineProblem> {
    let value: Value = serde_json::from_str(line).map_err(|error| LineProblem {
        code: crate::errors::LOG_LINE_CORRUPT,
        message: format!("the line is not JSON (cut short or damaged): {error}"),
    })?;
    serde_json::from_value(value).map_err(|error| LineProblem {
        code: crate::errors::LOG_LINE_NOT_ENTRY,
        message: format!("the line is not a decision log entry: {error}"),
    })
}

/// Whether `text` looks like a decision log: its first non-blank line is a JSON object
/// with the fields of an entry.
pub fn is_decision_log(text: &str) -> bool {
    text.lines()
        .find(|line| !line.trim().is_empty())
        .is_some_and(|line| parse_line(line).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redaction_paths_reach_members_and_array_elements() {
        let mut request = serde_json::json!({
            "buyer": "ana",
            "order": {"shipTo": {"city": "Montréal"}, "lines": [{"id": "L1", "unitPrice": "1.00"}, {"id": "L2"}]},
        });
        for path in [
            "order.shipTo",
            "order.lines[].unitPrice",
            "order.missing.x",
            "buyer.x",
        ] {
            RedactPath::parse(path)
                .map(|path| path.apply(&mut request))
                .unwrap_or_else(|error| unreachable!("{error}"));
        }
        assert_eq!(
            request,
            serde_json::json!({
                "buyer": "ana",
                "order": {"shipTo": REDACTED, "lines": [{"id": "L1", "unitPrice": REDACTED}, {"id": "L2"}]},
            })
        );
    }

    #[test]
    fn malformed_redaction_paths_are_refused() {
        for path in ["", "order.", ".x", "a[0].b", "[]", "a[]b"] {
            assert!(RedactPath::parse(path).is_err(), "{path}");
        }
    }

    #[test]
    fn minify_keeps_strings_and_drops_blanks() {
        let mut out = Vec::new();
        minify_into(b"{ \"a b\" : [1, \"x\\\" y\"],\n \"c\":\t{} }", &mut out);
        assert_eq!(out, br#"{"a b":[1,"x\" y"],"c":{}}"#);
    }
}

//! What can go wrong in the host, and the coded JSON failures it answers with.
//!
//! The engine's own codes are `E01xx`–`E04xx`; the host and the HTTP service add `E05xx`
//! (listed in `docs/abi.md`). A failure has the engine's shape, so a client handles both
//! alike: `{"type":"failure","errors":[{"code":"E0501","message":"…"}]}`.

use serde::Serialize;

/// A request used up its fuel: `evaluation exceeded its budget`.
pub const BUDGET_EXCEEDED: &str = "E0501";
/// The module does not know the handle (answered by the module itself).
pub const UNKNOWN_HANDLE: &str = "E0502";
/// A request made the instance reach its memory cap.
pub const MEMORY_EXCEEDED: &str = "E0503";
/// The module trapped or broke the ABI: a bug, reported as such.
pub const ENGINE_FAILED: &str = "E0504";
/// The request body is larger than the service accepts (the engine's "input too large").
pub const BODY_TOO_LARGE: &str = "E0102";
/// The request's `Content-Type` is not `application/json`.
pub const UNSUPPORTED_MEDIA_TYPE: &str = "E0511";
/// No such route.
pub const NOT_FOUND: &str = "E0512";
/// The route exists, not with this method.
pub const METHOD_NOT_ALLOWED: &str = "E0513";
/// The request body could not be read.
pub const BAD_BODY: &str = "E0514";
/// The request carries an inline profile (`buyerProfile`, `userProfile`) and the host does
/// not trust them (answered by the module itself).
pub const INLINE_PROFILE_NOT_TRUSTED: &str = "E0515";
/// The service wants a bearer token and the request has none, or a wrong one.
pub const UNAUTHORIZED: &str = "E0516";
/// The request body did not arrive within the service's body timeout.
pub const BODY_TIMEOUT: &str = "E0517";
/// A buffer `(ptr, len)` passed to an export is not inside the module's memory (answered by
/// the module itself; a host that copies its input in with `procura_alloc` never sees it).
pub const BUFFER_OUTSIDE_MEMORY: &str = "E0518";
/// The decision could not be written to the decision log (disk full, file removed, …): it is
/// withheld rather than let out unlogged, and the answer is this failure with status 503.
pub const DECISION_NOT_LOGGED: &str = "E0519";
/// A decision log line is not JSON: cut short by a crash, or damaged.
pub const LOG_LINE_CORRUPT: &str = "E0520";
/// A decision log line is JSON but not a log entry (a field missing or of the wrong type), or
/// its logged answer is not a checkout answer.
pub const LOG_LINE_NOT_ENTRY: &str = "E0521";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HostError {
    #[error("cannot read {path}: {error}")]
    Read { path: String, error: String },
    #[error("WebAssembly: {0}")]
    Wasm(String),
    #[error("the module breaks the ABI: {0}")]
    Abi(String),
    #[error("evaluation exceeded its budget")]
    BudgetExceeded,
    #[error("evaluation exceeded its memory limit")]
    MemoryExceeded,
    #[error("the engine trapped: {0}")]
    Trap(String),
    #[error("the instance is unusable after an earlier trap")]
    Broken,
    #[error("`{path}` holds no token: one per line, blank lines and lines starting with `#` are skipped")]
    NoTokens { path: String },
    #[error("cannot open the decision log `{path}`: {error}")]
    DecisionLog { path: String, error: String },
    #[error("`{path}` is not a redaction path: {why}")]
    RedactPath { path: String, why: &'static str },
}

impl HostError {
    pub(crate) fn wasm(error: wasmtime::Error) -> HostError {
        HostError::Wasm(format!("{error:#}"))
    }

    /// The error's code, e.g. `E0501`.
    pub fn code(&self) -> &'static str {
        match self {
            HostError::BudgetExceeded => BUDGET_EXCEEDED,
            HostError::MemoryExceeded => MEMORY_EXCEEDED,
            _ => ENGINE_FAILED,
        }
    }

    /// The failure answer for this error, e.g.
    /// `{"type":"failure","errors":[{"code":"E0501","message":"evaluation exceeded its budget"}]}`.
    pub fn answer_json(&self) -> String {
        failure_json(self.code(), &self.to_string(), None)
    }
}

#[derive(Serialize)]
struct Failure<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    errors: [Coded<'a>; 1],
}

#[derive(Serialize)]
struct Coded<'a> {
    code: &'a str,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    help: Option<&'a str>,
}

/// `{"type":"failure","errors":[{"code":…,"message":…,"help":…}]}` (no `help` when `None`).
pub fn failure_json(code: &str, message: &str, help: Option<&str>) -> String {
    let failure = Failure {
        kind: "failure",
        errors: [Coded {
            code,
            message,
            help,
        }],
    };
    serde_json::to_string(&failure).unwrap_or_else(|_| {
        format!(r#"{{"type":"failure","errors":[{{"code":"{code}","message":"error"}}]}}"#)
    })
}

//! What can go wrong in the host, and the coded JSON failures it answers with.
//!
//! The engine's own codes are `E01xx`–`E04xx` and `E07xx`; the host and the HTTP service add
//! `E05xx` (listed in `docs/abi.md`, defined once in `procura::contract::abi`). A failure has the engine's shape, so a client handles both
//! alike: `{"type":"failure","errors":[{"code":"E0501","message":"…"}]}`.

use serde::Serialize;

// One definition of the ABI's codes, shared with the module (issue 16).
pub use procura::contract::abi::{
    BAD_BODY, BODY_TIMEOUT, BUDGET_EXCEEDED, BUFFER_OUTSIDE_MEMORY, DECISION_NOT_LOGGED,
    ENGINE_FAILED, INLINE_PROFILE_NOT_TRUSTED, LOG_LINE_CORRUPT, LOG_LINE_NOT_ENTRY,
    MEMORY_EXCEEDED, METHOD_NOT_ALLOWED, NOT_FOUND, UNAUTHORIZED, UNKNOWN_HANDLE,
    UNSUPPORTED_MEDIA_TYPE,
};

/// The request body is larger than the service accepts (the engine's "input too large").
pub const BODY_TOO_LARGE: &str = "E0102";

/// The policy's hash is not the one the service was told to expect (`--expect-hash`): the
/// engine's `E0704`.
pub fn policy_hash_not_pinned() -> &'static str {
    procura::contract::errors::ErrorCode::PolicyHashMismatch.code()
}

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
    #[error("this module loads policy artifacts only (it has no `procura_compile`): build the policy with `procura build`, or use the full module")]
    NoCompiler,
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

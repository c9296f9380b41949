//! The engine: a compiled policy and its directory, ready to answer requests.
//!
//! This is the one entry point every binding uses (CLI, WebAssembly, plain ABI, HTTP):
//! typed methods for Rust callers and `*_json` methods that take and return JSON text.
//! Every answer is a tagged union, `{"type": "success", "result": …}` or
//! `{"type": "failure", "errors": […]}`; nothing a caller sends can make it panic.

use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::compile::{compile, CompiledPolicy};
use crate::contract::*;
use crate::diagnostic::{Diagnostic, LineIndex};
use crate::errors::{request_error, ErrorCode};
use crate::people::People;

/// The largest JSON input accepted, in bytes.
pub const MAX_JSON_BYTES: usize = 16 * 1024 * 1024;

/// A compiled policy with its directory; cheap to clone and share across threads.
#[derive(Debug, Clone)]
pub struct Engine {
    policy: Arc<CompiledPolicy>,
    directory: Arc<Directory>,
    people: Arc<People>,
    warnings: Arc<Vec<Diagnostic>>,
}

impl Engine {
    /// Compiles `source` with `directory`, e.g. `Engine::new(src, &Directory::default())`.
    pub fn new(source: &str, directory: &Directory) -> Result<Engine, Vec<EvalError>> {
        let parsed = crate::syntax::parse(source);
        let index = LineIndex::new(source);
        let policy = match parsed {
            Ok(policy) => policy,
            Err(reports) => {
                return Err(reports
                    .into_iter()
                    .map(|r| diagnostic_error(r.locate(&index)))
                    .collect())
            }
        };
        let (model, reports) = crate::check::check(&policy);
        let diagnostics: Vec<Diagnostic> = reports.into_iter().map(|r| r.locate(&index)).collect();
        if diagnostics.iter().any(Diagnostic::is_error) {
            return Err(diagnostics
                .into_iter()
                .filter(Diagnostic::is_error)
                .map(diagnostic_error)
                .collect());
        }
        let compiled = compile(source, &policy, &model);
        let people = People::new(directory, &compiled).map_err(|errors| {
            errors
                .into_iter()
                .map(|mut e| {
                    e.path = e.path.map(|p| format!("directory.{p}"));
                    e
                })
                .collect::<Vec<_>>()
        })?;
        Ok(Engine {
            policy: Arc::new(compiled),
            directory: Arc::new(directory.clone()),
            people: Arc::new(people),
            warnings: Arc::new(diagnostics),
        })
    }

    /// Compiles from JSON directory text; `None` means an empty directory.
    pub fn from_json(source: &str, directory: Option<&str>) -> Result<Engine, Vec<EvalError>> {
        let directory = match directory {
            Some(json) => parse_json::<Directory>(json).map_err(|errors| {
                errors
                    .into_iter()
                    .map(|mut e| {
                        e.path = e.path.map(|p| {
                            if p.is_empty() {
                                "directory".into()
                            } else {
                                format!("directory.{p}")
                            }
                        });
                        e
                    })
                    .collect::<Vec<_>>()
            })?,
            None => Directory::default(),
        };
        Engine::new(source, &directory)
    }

    /// The policy's name and content hash.
    pub fn policy(&self) -> PolicyRef {
        PolicyRef {
            name: self.policy.name.clone(),
            hash: self.policy.hash.clone(),
        }
    }

    pub fn compiled(&self) -> &CompiledPolicy {
        &self.policy
    }

    /// Warnings found while checking the policy.
    pub fn warnings(&self) -> &[Diagnostic] {
        &self.warnings
    }

    pub fn evaluate(&self, request: &CheckoutRequest) -> Answer<Decision> {
        crate::eval::checkout(&self.policy, &self.people, request)
    }

    pub fn authorize(&self, request: &AuthorizeRequest) -> Answer<AuthorizeDecision> {
        crate::authorize::authorize(&self.policy, &self.people, request)
    }

    pub fn badges(&self, request: &BadgeRequest) -> Answer<BadgeDecision> {
        crate::eval::badges(&self.policy, &self.people, request)
    }

    pub fn progress(&self, request: &ProgressRequest) -> Answer<WorkflowState> {
        crate::workflow::progress(&self.policy, &self.people, request)
    }

    pub fn invoice_run(&self, request: &InvoiceRunRequest) -> Answer<InvoiceRun> {
        crate::invoicing::run(&self.policy, request)
    }

    pub fn run_tests(&self) -> TestReport {
        crate::testing::run_tests(&self.policy, &self.directory)
    }

    /// `evaluate` on JSON text: the answer as JSON text.
    pub fn evaluate_json(&self, request: &str) -> String {
        answer_json(parse_json(request).map(|r| self.evaluate(&r)))
    }

    pub fn authorize_json(&self, request: &str) -> String {
        answer_json(parse_json(request).map(|r| self.authorize(&r)))
    }

    pub fn progress_json(&self, request: &str) -> String {
        answer_json(parse_json(request).map(|r| self.progress(&r)))
    }

    pub fn invoice_run_json(&self, request: &str) -> String {
        answer_json(parse_json(request).map(|r| self.invoice_run(&r)))
    }

    pub fn badges_json(&self, request: &str) -> String {
        answer_json(parse_json(request).map(|r| self.badges(&r)))
    }
}

/// A compile diagnostic as an error of the JSON contract.
pub fn diagnostic_error(diagnostic: Diagnostic) -> EvalError {
    EvalError {
        code: diagnostic.code.to_owned(),
        message: diagnostic.message,
        help: diagnostic.help,
        path: None,
        rule: None,
        span: Some(diagnostic.span),
    }
}

/// Parses JSON into a contract type; errors name the JSON path, e.g. `order.lines[2].quantity`.
pub fn parse_json<T: DeserializeOwned>(json: &str) -> Result<T, Vec<EvalError>> {
    if json.len() > MAX_JSON_BYTES {
        return Err(vec![request_error(
            ErrorCode::InputTooLarge,
            format!(
                "input is {} bytes, more than the limit of {MAX_JSON_BYTES}",
                json.len()
            ),
            "",
        )]);
    }
    let mut deserializer = serde_json::Deserializer::from_str(json);
    let parsed: Result<T, _> =
        serde_path_to_error::deserialize(crate::strict::Strict(&mut deserializer));
    // A repeated key is reported at its own path, whether the typed read refused it (a
    // struct field: serde names no path) or kept the last value (a map).
    let repeated = || {
        crate::strict::first_duplicate_key(json).map(|path| {
            let key = path
                .rsplit(['.', ']'])
                .next()
                .unwrap_or_default()
                .to_owned();
            vec![request_error(
                ErrorCode::MalformedJson,
                format!("key `{key}` appears more than once"),
                path,
            )]
        })
    };
    let value = match parsed {
        Ok(value) => value,
        Err(error) => return Err(repeated().unwrap_or_else(|| vec![json_error(&error, "")])),
    };
    if let Some(errors) = repeated() {
        return Err(errors);
    }
    deserializer.end().map_err(|error| {
        vec![request_error(
            ErrorCode::MalformedJson,
            describe_json_error(&error),
            "",
        )]
    })?;
    Ok(value)
}

/// A deserialisation error at its JSON path under `prefix`; serde reports a missing field
/// at its parent, so the field itself is named.
pub fn json_error(
    error: &serde_path_to_error::Error<serde_json::Error>,
    prefix: &str,
) -> EvalError {
    let found = error.path().to_string();
    let mut path = if found == "." { String::new() } else { found };
    let message = error.inner().to_string();
    if let Some(field) = message
        .strip_prefix("missing field `")
        .and_then(|r| r.split('`').next())
    {
        path = if path.is_empty() {
            field.to_owned()
        } else {
            format!("{path}.{field}")
        };
    }
    let path = match (prefix.is_empty(), path.is_empty()) {
        (true, _) => path,
        (false, true) => prefix.to_owned(),
        (false, false) => format!("{prefix}.{path}"),
    };
    request_error(
        ErrorCode::MalformedJson,
        describe_json_error(error.inner()),
        path,
    )
}

/// serde's message, lowercased and without Rust type names.
fn describe_json_error(error: &serde_json::Error) -> String {
    let text = error.to_string();
    let text = text.split(" at line ").next().unwrap_or(&text).to_owned();
    let text = text
        .replace("u64", "a whole number")
        .replace("u32", "a whole number")
        .replace("struct ", "an object ");
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => text,
    }
}

/// Serialises a result; serialisation of the contract types cannot fail, but if it ever
/// did the caller still gets a structured failure.
pub fn to_json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|error| {
        format!(
            r#"{{"type":"failure","errors":[{{"code":"E0101","message":{}}}]}}"#,
            serde_json::Value::String(error.to_string())
        )
    })
}

fn answer_json<T: Serialize>(answer: Result<Answer<T>, Vec<EvalError>>) -> String {
    match answer {
        Ok(answer) => to_json(&answer),
        Err(errors) => to_json(&Answer::<T>::Failure { errors }),
    }
}

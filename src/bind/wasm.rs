//! The JavaScript API of the npm package `procura` (`--features wasm`; `scripts/build-pkg.sh`
//! builds it into `pkg/`).
//!
//! A thin layer over the core every binding uses — [`Engine`], [`crate::check`] and
//! [`crate::format`] — with no logic of its own:
//!
//! - **In:** a request or directory is a plain JS object. It is turned into JSON text with
//!   the runtime's own `JSON.stringify` and parsed by the engine's JSON reader
//!   ([`parse_json`]), exactly as the native `*_json` entry points do: the engine sees the
//!   bytes a native caller would send, so it decides byte for byte as natively and a wrong
//!   field is reported with its JSON path (`order.lines[0].unitPrice`).
//! - **Out:** plain JS objects built by serde-wasm-bindgen (maps as objects, `None` as
//!   `null`), so `JSON.stringify(answer)` is the native engine's JSON text. Money is a
//!   decimal string (`"1299.00"`) and instants are RFC 3339 strings with an offset, in and
//!   out: never JS numbers or `Date`s.
//! - **Nothing a caller can get wrong throws:** every result is a tagged union,
//!   `{type: "success", …}` or `{type: "failure", errors: [{code, message, path?}]}`.
//!   `undefined`, numbers, cyclic objects (`JSON.stringify` throws; caught here), BigInts,
//!   deep nesting and huge strings all come back as failures.
//!
//! The approval workflow, invoicing and policy tests (`progress`, `invoiceRun`,
//! `reportCsv`, `runTests`) are behind the feature `wasm-back-office`: they grow the module
//! by about a fifth, and checkout pages (the size budget's reason) do not need them.
//!
//! Strings longer (in UTF-16 units) than the core's limits are refused before they are
//! copied into wasm memory, which never shrinks; the size then reported is that length, a
//! lower bound of the size in bytes.

use js_sys::{JsString, Object, Reflect, JSON};
use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::prelude::*;

#[cfg(feature = "authoring")]
use crate::base::diagnostic::{Diagnostic, LineIndex, Severity, SourceSpan, Span};
use crate::contract::errors::{request_error, ErrorCode};
#[cfg(feature = "authoring")]
use crate::contract::json::diagnostic_error;
use crate::contract::json::{parse_json, to_json, MAX_JSON_BYTES};
use crate::contract::{Answer, EvalError};
#[cfg(feature = "wasm-back-office")]
use crate::contract::{InvoiceRun, ReportDefinition, ReportRows};
use crate::engine::Engine;
#[cfg(feature = "wasm-back-office")]
use crate::office::reports::{csv, default_report};
#[cfg(feature = "authoring")]
use crate::syntax::problem::{Problem, Report};
#[cfg(feature = "authoring")]
use crate::syntax::MAX_SOURCE_BYTES;

// The types the signatures below name: the contract types come from `types.d.ts`, which
// scripts/build-pkg.sh generates from `schema/*.json`; the rest are written here.
#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &'static str = r#"
import type {
  AuthorizeAnswer, AuthorizeRequest, BadgeAnswer, BadgeRequest, CheckoutRequest,
  DecisionAnswer, Directory, EvalError, InvoiceRunAnswer, InvoiceRunRequest,
  InvoiceRun, ProgressRequest, ReportDefinition, SourceSpan, TestReport, WorkflowAnswer,
  DeclaredField, PolicyOutline, PermissionsRequest, PermissionsAnswer, ImpactReport,
} from "./types.js";
export type * from "./types.js";

/** A problem found in a policy, placed by byte offsets and 1-based line/column. */
export interface Diagnostic {
  severity: "error" | "warning";
  /** A stable code, e.g. `P0201`. */
  code: string;
  message: string;
  help?: string;
  span: SourceSpan;
  /** Secondary locations, e.g. "first declared here"; absent when there are none. */
  labels?: Label[];
}

/** A secondary location of a diagnostic. */
export interface Label {
  span: SourceSpan;
  message: string;
}

/** What `compile` returns. */
export type CompileResult =
  | { type: "success"; policy: Policy; warnings: Diagnostic[] }
  | { type: "failure"; errors: EvalError[] };

/** What `impact` returns. */
export type ImpactAnswer =
  | { type: "success"; result: ImpactReport }
  | { type: "failure"; errors: EvalError[] };

/** What `load` returns: a policy artifact of `procura build`, loaded (no warnings). */
export type LoadResult = CompileResult;

/** What `reportCsv` returns: the CSV text. */
export type ReportCsvResult =
  | { type: "success"; result: string }
  | { type: "failure"; errors: EvalError[] };

/** What `format` returns. */
export type FormatResult =
  | { type: "success"; result: string }
  | { type: "failure"; errors: EvalError[] };
"#;

/// A compiled policy with its directory. Call `free()` when done with it; a policy that
/// is garbage-collected without `free()` is released by the runtime's finaliser.
#[wasm_bindgen]
pub struct Policy {
    engine: Engine,
}

#[wasm_bindgen]
impl Policy {
    /// Answers a checkout request (`procura eval`).
    #[wasm_bindgen(unchecked_return_type = "DecisionAnswer")]
    pub fn evaluate(
        &self,
        #[wasm_bindgen(unchecked_param_type = "CheckoutRequest")] request: JsValue,
    ) -> JsValue {
        ask(&request, |r| self.engine.evaluate(r))
    }

    /// Answers a permission check (`procura authorize`).
    #[wasm_bindgen(unchecked_return_type = "AuthorizeAnswer")]
    pub fn authorize(
        &self,
        #[wasm_bindgen(unchecked_param_type = "AuthorizeRequest")] request: JsValue,
    ) -> JsValue {
        ask(&request, |r| self.engine.authorize(r))
    }

    /// The product badges of a catalogue page (`procura badges`).
    #[wasm_bindgen(unchecked_return_type = "BadgeAnswer")]
    pub fn badges(
        &self,
        #[wasm_bindgen(unchecked_param_type = "BadgeRequest")] request: JsValue,
    ) -> JsValue {
        ask(&request, |r| self.engine.badges(r))
    }

    /// Where an order's approval stands after its events (approve, reject, delegate, …).
    #[cfg(feature = "wasm-back-office")]
    #[wasm_bindgen(unchecked_return_type = "WorkflowAnswer")]
    pub fn progress(
        &self,
        #[wasm_bindgen(unchecked_param_type = "ProgressRequest")] request: JsValue,
    ) -> JsValue {
        ask(&request, |r| self.engine.progress(r))
    }

    /// Consolidates a period's orders into invoices and credit notes (`procura invoices`).
    #[cfg(feature = "wasm-back-office")]
    #[wasm_bindgen(js_name = invoiceRun, unchecked_return_type = "InvoiceRunAnswer")]
    pub fn invoice_run(
        &self,
        #[wasm_bindgen(unchecked_param_type = "InvoiceRunRequest")] request: JsValue,
    ) -> JsValue {
        ask(&request, |r| self.engine.invoice_run(r))
    }

    /// `evaluate` on JSON text, answering JSON text: the native `Engine::evaluate_json`.
    /// The custom fields the policy declares, for a request form.
    #[wasm_bindgen(unchecked_return_type = "DeclaredField[]")]
    pub fn fields(&self) -> JsValue {
        to_js(&self.engine.fields())
    }

    /// What a storefront lists about the policy: groups with titles, roles, actions,
    /// categories, custom fields and named rules. In the runtime and back-office builds;
    /// the checkout build that still carries the compiler has no room for it.
    #[cfg(any(feature = "wasm-back-office", not(feature = "authoring")))]
    #[wasm_bindgen(unchecked_return_type = "PolicyOutline")]
    pub fn outline(&self) -> JsValue {
        to_js(&self.engine.outline())
    }

    /// Every action a user may take in a group, each with the assignment granting it
    /// (the builds of `outline`).
    #[cfg(any(feature = "wasm-back-office", not(feature = "authoring")))]
    #[wasm_bindgen(unchecked_return_type = "PermissionsAnswer")]
    pub fn permissions(
        &self,
        #[wasm_bindgen(unchecked_param_type = "PermissionsRequest")] request: JsValue,
    ) -> JsValue {
        ask(&request, |r| self.engine.permissions(r))
    }

    #[wasm_bindgen(js_name = evaluateJson)]
    pub fn evaluate_json(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] request: JsValue,
    ) -> String {
        text_answer(&request, |text| self.engine.evaluate_json(text))
    }

    /// `authorize` on JSON text, answering JSON text.
    #[wasm_bindgen(js_name = authorizeJson)]
    pub fn authorize_json(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] request: JsValue,
    ) -> String {
        text_answer(&request, |text| self.engine.authorize_json(text))
    }

    /// `badges` on JSON text, answering JSON text.
    #[wasm_bindgen(js_name = badgesJson)]
    pub fn badges_json(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] request: JsValue,
    ) -> String {
        text_answer(&request, |text| self.engine.badges_json(text))
    }

    /// `progress` on JSON text, answering JSON text.
    #[cfg(feature = "wasm-back-office")]
    #[wasm_bindgen(js_name = progressJson)]
    pub fn progress_json(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] request: JsValue,
    ) -> String {
        text_answer(&request, |text| self.engine.progress_json(text))
    }

    /// `invoiceRun` on JSON text, answering JSON text.
    #[cfg(feature = "wasm-back-office")]
    #[wasm_bindgen(js_name = invoiceRunJson)]
    pub fn invoice_run_json(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] request: JsValue,
    ) -> String {
        text_answer(&request, |text| self.engine.invoice_run_json(text))
    }

    /// Runs the policy's `test` blocks (`procura test`); an authoring tool, so only in the
    /// back-office build (it would take the checkout build over its size budget).
    #[cfg(feature = "wasm-back-office")]
    #[wasm_bindgen(js_name = runTests, unchecked_return_type = "TestReport")]
    pub fn run_tests(&self) -> JsValue {
        to_js(&self.engine.run_tests())
    }

    /// The policy as an artifact for `load` (`procura build`): publish it with its hash.
    #[cfg(feature = "wasm-back-office")]
    pub fn artifact(&self) -> Vec<u8> {
        self.engine.artifact(false)
    }

    /// The SHA-256 of the policy source, as in every decision's `policy.hash`.
    #[wasm_bindgen(getter)]
    pub fn hash(&self) -> String {
        self.engine.policy().hash
    }

    /// The name in the policy's header.
    #[wasm_bindgen(getter)]
    pub fn name(&self) -> String {
        self.engine.policy().name
    }
}

/// Compiles a policy with its directory of users (`undefined` or `null`: no users).
/// Authoring builds only: the runtime build (`scripts/build-pkg.sh --runtime`) has `load`.
#[cfg(feature = "authoring")]
#[wasm_bindgen(unchecked_return_type = "CompileResult")]
pub fn compile(
    #[wasm_bindgen(unchecked_param_type = "string")] source: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "Directory | null")] directory: JsValue,
) -> JsValue {
    let compiled = policy_source(&source)
        .map_err(|problem| vec![problem.into_error()])
        .and_then(|source| {
            let directory = if directory.is_undefined() || directory.is_null() {
                None
            } else {
                Some(json_text(&directory, "directory")?)
            };
            Engine::from_json(&source, directory.as_deref())
        });
    policy_result(compiled)
}

/// Loads a policy artifact (`procura build`, or `policy.artifact()` in the back-office
/// build) with its directory of users: what a storefront calls instead of `compile`. In
/// the runtime and back-office builds; the checkout build that compiles has no use for it.
#[cfg(any(feature = "wasm-back-office", not(feature = "authoring")))]
#[wasm_bindgen(unchecked_return_type = "LoadResult")]
pub fn load(
    artifact: &[u8],
    #[wasm_bindgen(unchecked_optional_param_type = "Directory | null")] directory: JsValue,
) -> JsValue {
    let loaded = if directory.is_undefined() || directory.is_null() {
        Ok(None)
    } else {
        json_text(&directory, "directory").map(Some)
    }
    .and_then(|directory| Engine::load_json(artifact, directory.as_deref()));
    policy_result(loaded)
}

/// `{type: "success", policy, warnings}` or the failure, as `compile` and `load` answer.
fn policy_result(engine: Result<Engine, Vec<EvalError>>) -> JsValue {
    match engine {
        Ok(engine) => {
            let warnings = to_js(&engine.warnings());
            let result = Object::new();
            // Setting a property of a fresh plain object cannot fail.
            let _ = Reflect::set(&result, &"type".into(), &"success".into());
            let _ = Reflect::set(&result, &"policy".into(), &Policy { engine }.into());
            let _ = Reflect::set(&result, &"warnings".into(), &warnings);
            result.into()
        }
        Err(errors) => to_js(&Answer::<()>::Failure { errors }),
    }
}

/// Writes a CSV report of an invoice run (the `result` of `invoiceRun`) with a saved report
/// definition, or the default orders report when `report` is `undefined` or `null`
/// (`procura invoices --report`). The CSV has CRLF line ends and RFC 4180 quoting.
#[cfg(feature = "wasm-back-office")]
#[wasm_bindgen(js_name = reportCsv, unchecked_return_type = "ReportCsvResult")]
pub fn report_csv(
    #[wasm_bindgen(unchecked_param_type = "InvoiceRun")] run: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "ReportDefinition | null")] report: JsValue,
) -> JsValue {
    let run = json_text(&run, "run").and_then(|text| under("run", parse_json::<InvoiceRun>(&text)));
    let definition = if report.is_undefined() || report.is_null() {
        Ok(default_report(ReportRows::Orders))
    } else {
        json_text(&report, "report")
            .and_then(|text| under("report", parse_json::<ReportDefinition>(&text)))
    };
    let answer = match (run, definition) {
        (Ok(run), Ok(definition)) => csv(&run, &definition),
        (Err(mut errors), Err(more)) => {
            errors.extend(more);
            Answer::Failure { errors }
        }
        (Err(errors), _) | (_, Err(errors)) => Answer::Failure { errors },
    };
    to_js(&answer)
}

/// Which orders `draft` decides differently from `base` (`procura impact`): every
/// request decided by both, the orders that changed with the rules responsible, and a
/// summary. Back-office build: the playground's Impact tab.
#[cfg(feature = "wasm-back-office")]
#[wasm_bindgen(unchecked_return_type = "ImpactAnswer")]
pub fn impact(
    base: &Policy,
    draft: &Policy,
    #[wasm_bindgen(unchecked_param_type = "CheckoutRequest[]")] requests: JsValue,
) -> JsValue {
    let answer = match json_text(&requests, "requests").and_then(|text| {
        under(
            "requests",
            parse_json::<Vec<crate::contract::CheckoutRequest>>(&text),
        )
    }) {
        Ok(requests) => Answer::Success {
            result: crate::impact::impact(&base.engine, &draft.engine, &requests),
        },
        Err(errors) => Answer::Failure { errors },
    };
    to_js(&answer)
}

/// Formats policy source in the canonical layout (`procura fmt`). Authoring only: the
/// storefront's package has no use for it (back-office build).
#[cfg(feature = "wasm-back-office")]
#[wasm_bindgen(unchecked_return_type = "FormatResult")]
pub fn format(#[wasm_bindgen(unchecked_param_type = "string")] source: JsValue) -> JsValue {
    let answer = match policy_source(&source) {
        Err(problem) => Answer::Failure {
            errors: vec![problem.into_error()],
        },
        Ok(source) => match crate::format(&source) {
            Ok(result) => Answer::Success { result },
            Err(diagnostics) => Answer::Failure {
                errors: diagnostics.into_iter().map(diagnostic_error).collect(),
            },
        },
    };
    to_js(&answer)
}

/// Every diagnostic of a policy, errors and warnings, in source order (`procura check`):
/// for an editor's markers. Authoring only (back-office build).
#[cfg(feature = "wasm-back-office")]
#[wasm_bindgen(unchecked_return_type = "Diagnostic[]")]
pub fn check(#[wasm_bindgen(unchecked_param_type = "string")] source: JsValue) -> JsValue {
    let diagnostics = match policy_source(&source) {
        Ok(source) => crate::check(&source).diagnostics,
        Err(problem) => vec![problem.into_diagnostic()],
    };
    to_js(&diagnostics)
}

/// The version of the engine, e.g. `"0.1.0"`.
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}

/// Why a policy source could not be read from JS.
#[cfg(feature = "authoring")]
enum SourceProblem {
    NotAString(String),
    TooLarge(usize),
}

#[cfg(feature = "authoring")]
impl SourceProblem {
    fn into_diagnostic(self) -> Diagnostic {
        match self {
            SourceProblem::TooLarge(size) => {
                let span = Span::new(MAX_SOURCE_BYTES, size);
                let problem = Problem::SourceTooLarge {
                    size,
                    limit: MAX_SOURCE_BYTES,
                };
                Report::new(problem, span).locate(&LineIndex::new(""))
            }
            SourceProblem::NotAString(kind) => Diagnostic {
                severity: Severity::Error,
                code: ErrorCode::MalformedJson.code(),
                message: format!("expected the policy source as a string, got {kind}"),
                help: None,
                span: SourceSpan {
                    line: 1,
                    column: 1,
                    end_line: 1,
                    end_column: 1,
                    ..SourceSpan::default()
                },
                labels: Vec::new(),
            },
        }
    }

    fn into_error(self) -> EvalError {
        match self {
            SourceProblem::NotAString(kind) => request_error(
                ErrorCode::MalformedJson,
                format!("expected the policy source as a string, got {kind}"),
                "source",
            ),
            too_large => diagnostic_error(too_large.into_diagnostic()),
        }
    }
}

#[cfg(feature = "authoring")]
/// The policy source, if `value` is a string the core would not refuse for its size alone.
fn policy_source(value: &JsValue) -> Result<String, SourceProblem> {
    if !value.is_string() {
        return Err(SourceProblem::NotAString(type_name(value)));
    }
    let units = JsString::from(value.clone()).length() as usize;
    if units > MAX_SOURCE_BYTES {
        return Err(SourceProblem::TooLarge(units));
    }
    value
        .as_string()
        .ok_or_else(|| SourceProblem::NotAString(type_name(value)))
}

/// A JS value as JSON text, via the runtime's `JSON.stringify`; `path` names the value in
/// errors (`""` for a request, `"directory"`).
fn json_text(value: &JsValue, path: &str) -> Result<String, Vec<EvalError>> {
    let malformed = |message: String| vec![request_error(ErrorCode::MalformedJson, message, path)];
    let text = JSON::stringify(value).map_err(|error| {
        malformed(format!(
            "the value cannot be converted to JSON: {}",
            js_error_message(&error)
        ))
    })?;
    // `JSON.stringify` answers `undefined` for `undefined`, functions and symbols.
    if !text.is_string() {
        return Err(malformed(format!(
            "expected a JSON value, got {}",
            type_name(value)
        )));
    }
    let units = text.length() as usize;
    if units > MAX_JSON_BYTES {
        return Err(vec![request_error(
            ErrorCode::InputTooLarge,
            format!("input is {units} bytes, more than the limit of {MAX_JSON_BYTES}"),
            path,
        )]);
    }
    text.as_string()
        .ok_or_else(|| malformed("the value cannot be converted to JSON".to_owned()))
}

#[cfg(feature = "wasm-back-office")]
/// Puts the errors of a parsed argument under its name: `run.invoices[0]`.
fn under<T>(name: &str, parsed: Result<T, Vec<EvalError>>) -> Result<T, Vec<EvalError>> {
    parsed.map_err(|errors| crate::contract::errors::under(name, errors))
}

/// Parses a JS request as `R` and asks the engine, like the engine's `*_json` methods.
fn ask<R: DeserializeOwned, T: Serialize>(
    request: &JsValue,
    ask: impl FnOnce(&R) -> Answer<T>,
) -> JsValue {
    let answer = json_text(request, "")
        .and_then(|text| parse_json::<R>(&text))
        .map_or_else(|errors| Answer::Failure { errors }, |request| ask(&request));
    to_js(&answer)
}

/// Calls a `*_json` method of the engine on a JS string, or answers why it is not one.
fn text_answer(request: &JsValue, ask: impl FnOnce(&str) -> String) -> String {
    let refuse = |code: ErrorCode, message: String| {
        to_json(&Answer::<()>::Failure {
            errors: vec![request_error(code, message, "")],
        })
    };
    if !request.is_string() {
        return refuse(
            ErrorCode::MalformedJson,
            format!("expected JSON text, got {}", type_name(request)),
        );
    }
    let units = JsString::from(request.clone()).length() as usize;
    if units > MAX_JSON_BYTES {
        return refuse(
            ErrorCode::InputTooLarge,
            format!("input is {units} bytes, more than the limit of {MAX_JSON_BYTES}"),
        );
    }
    match request.as_string() {
        Some(text) => ask(&text),
        None => refuse(ErrorCode::MalformedJson, "expected JSON text".to_owned()),
    }
}

/// A Rust value as a plain JS object whose `JSON.stringify` is serde_json's text.
fn to_js<T: Serialize + ?Sized>(value: &T) -> JsValue {
    let serializer = serde_wasm_bindgen::Serializer::new()
        .serialize_maps_as_objects(true)
        .serialize_missing_as_null(true);
    value.serialize(&serializer).unwrap_or_else(|error| {
        // Only a number beyond 2^53 cannot become a JS value; answer a failure instead.
        let failure = Answer::<()>::Failure {
            errors: vec![request_error(
                ErrorCode::MalformedJson,
                format!("the answer cannot be represented in JavaScript: {error}"),
                "",
            )],
        };
        failure.serialize(&serializer).unwrap_or(JsValue::NULL)
    })
}

/// `typeof value`, with `null` and arrays told apart.
fn type_name(value: &JsValue) -> String {
    if value.is_null() {
        "null".to_owned()
    } else if js_sys::Array::is_array(value) {
        "an array".to_owned()
    } else {
        value.js_typeof().as_string().unwrap_or_default()
    }
}

/// The message of a thrown JS value.
fn js_error_message(error: &JsValue) -> String {
    match error.dyn_ref::<js_sys::Error>() {
        Some(error) => String::from(error.message()),
        None => error.as_string().unwrap_or_else(|| type_name(error)),
    }
}

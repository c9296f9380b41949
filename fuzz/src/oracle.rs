//! The fuzz targets' inputs and oracles, shared by the cargo-fuzz targets (`fuzz/`) and the
//! regression test `tests/fuzz_regressions.rs`, which includes this file with `#[path]` so a
//! saved input is replayed through exactly the oracle that flagged it.
//!
//! Every function here takes the raw fuzz input and panics (an `assert!`) when an oracle
//! fails; returning means the input passed. `scripts/fuzz.sh` and `fuzz/seed.py` read the
//! `pair!` tables below (their order picks the policy for an input's first byte), so keep
//! their paths literal.

use std::sync::LazyLock;

use procura::Engine;

/// A policy and its directory, both read at compile time from the repository.
pub struct Pair {
    pub policy_path: &'static str,
    pub policy: &'static str,
    pub directory: Option<&'static str>,
}

macro_rules! pair {
    ($policy:literal) => {
        Pair {
            policy_path: $policy,
            policy: include_str!(concat!("../../", $policy)),
            directory: None,
        }
    };
    ($policy:literal, $directory:literal) => {
        Pair {
            policy_path: $policy,
            policy: include_str!(concat!("../../", $policy)),
            directory: Some(include_str!(concat!("../../", $directory))),
        }
    };
}

/// Policies for `evaluate_json` (checkout, badges, authorize); input byte 0 picks one.
pub static CHECKOUT_PAIRS: &[Pair] = &[
    pair!("examples/maple.procura", "examples/maple.directory.json"),
    pair!(
        "tests/conformance/policies/s01-engineering.procura",
        "tests/conformance/directories/lumen.json"
    ),
    pair!(
        "tests/conformance/policies/authority.procura",
        "tests/conformance/directories/authority.json"
    ),
    pair!(
        "tests/conformance/policies/s03-paper.procura",
        "tests/conformance/directories/print.json"
    ),
    pair!(
        "tests/conformance/policies/s10-japan.procura",
        "tests/conformance/directories/sakura.json"
    ),
    pair!(
        "tests/conformance/policies/failclosed.procura",
        "tests/conformance/directories/failclosed.json"
    ),
    pair!(
        "tests/conformance/policies/s08-split.procura",
        "tests/conformance/directories/kestrel.json"
    ),
    pair!(
        "tests/conformance/policies/s07-budget.procura",
        "tests/conformance/directories/aurora.json"
    ),
    pair!(
        "tests/conformance/policies/permissions.procura",
        "tests/conformance/directories/maple-permissions.json"
    ),
    pair!(
        "tests/conformance/policies/s09-munich.procura",
        "tests/conformance/directories/brenner.json"
    ),
    pair!(
        "tests/conformance/policies/locale.procura",
        "tests/conformance/directories/locale.json"
    ),
    pair!(
        "tests/conformance/policies/approvals.procura",
        "tests/conformance/directories/approvals.json"
    ),
    pair!(
        "tests/conformance/policies/s06-chain.procura",
        "tests/conformance/directories/granite.json"
    ),
    pair!(
        "tests/conformance/policies/severity.procura",
        "tests/conformance/directories/severity.json"
    ),
    pair!(
        "tests/conformance/policies/thresholds.procura",
        "tests/conformance/directories/thresholds.json"
    ),
    pair!("tests/conformance/policies/money-kwd.procura"),
];

/// Policies for `workflow` (progress); input byte 0 picks one.
pub static WORKFLOW_PAIRS: &[Pair] = &[
    pair!("examples/maple.procura", "examples/maple.directory.json"),
    pair!(
        "tests/conformance/policies/workflow.procura",
        "tests/conformance/directories/workflow.json"
    ),
    pair!(
        "tests/conformance/policies/workflow-hold.procura",
        "tests/conformance/directories/workflow.json"
    ),
    pair!(
        "tests/conformance/policies/workflow-threshold.procura",
        "tests/conformance/directories/workflow.json"
    ),
    pair!(
        "tests/conformance/policies/shared-approvers.procura",
        "tests/conformance/directories/shared.json"
    ),
    pair!(
        "tests/conformance/policies/s01-engineering.procura",
        "tests/conformance/directories/lumen.json"
    ),
    pair!(
        "tests/conformance/policies/authority.procura",
        "tests/conformance/directories/authority.json"
    ),
];

/// Policies for `invoice_run`; input byte 0 picks one.
pub static INVOICE_PAIRS: &[Pair] = &[
    pair!("tests/conformance/policies/invoice-run.procura"),
    pair!("examples/maple.procura", "examples/maple.directory.json"),
    pair!("examples/09-plant-munich-invoicing.procura"),
    pair!("tests/conformance/policies/invoices.procura"),
];

/// The fixed directory and request of `policy_compile`.
pub static COMPILE_DIRECTORY: &str = include_str!("../../tests/conformance/directories/lumen.json");
pub static COMPILE_REQUEST: &str = r#"{"buyer":"eve@lumen.example","group":"platform","order":{"id":"O-1001","currency":"EUR","lines":[{"id":"L1","product":"SCOPE-02","category":"lab/instruments/oscilloscopes","unitPrice":"500.00","quantity":2}]}}"#;

fn compile_all(pairs: &'static [Pair]) -> Vec<Engine> {
    pairs
        .iter()
        .filter_map(|pair| {
            let engine = Engine::from_json(pair.policy, pair.directory);
            assert!(
                engine.is_ok(),
                "fixed fuzz policy {} does not compile: {:?}",
                pair.policy_path,
                engine.as_ref().err()
            );
            engine.ok()
        })
        .collect()
}

static CHECKOUT_ENGINES: LazyLock<Vec<Engine>> = LazyLock::new(|| compile_all(CHECKOUT_PAIRS));
static WORKFLOW_ENGINES: LazyLock<Vec<Engine>> = LazyLock::new(|| compile_all(WORKFLOW_PAIRS));
static INVOICE_ENGINES: LazyLock<Vec<Engine>> = LazyLock::new(|| compile_all(INVOICE_PAIRS));

/// Splits an input into the engine its first byte picks and the rest as request text.
fn split<'a>(engines: &'a [Engine], data: &[u8]) -> Option<(&'a Engine, String)> {
    let (&selector, rest) = data.split_first()?;
    let engine = engines.get(usize::from(selector) % engines.len().max(1))?;
    Some((engine, String::from_utf8_lossy(rest).into_owned()))
}

/// The answer oracle: valid JSON, an object tagged `success` (with a `result`) or `failure`
/// (with a non-empty `errors` list whose entries have a string `code` and `message`).
pub fn assert_answer(answer: &str, what: &str) {
    let value: Result<serde_json::Value, _> = serde_json::from_str(answer);
    assert!(value.is_ok(), "{what}: answer is not JSON: {answer}");
    let value = value.unwrap_or_default();
    let kind = value.get("type").and_then(serde_json::Value::as_str);
    assert!(
        matches!(kind, Some("success" | "failure")),
        "{what}: answer type is not success|failure: {answer}"
    );
    match kind {
        Some("success") => assert!(
            value.get("result").is_some(),
            "{what}: success without a result: {answer}"
        ),
        Some("failure") => {
            let errors = value.get("errors").and_then(serde_json::Value::as_array);
            assert!(
                errors.is_some_and(|errors| !errors.is_empty()),
                "{what}: failure without errors: {answer}"
            );
            for error in errors.into_iter().flatten() {
                assert!(
                    error.get("code").is_some_and(serde_json::Value::is_string)
                        && error
                            .get("message")
                            .is_some_and(serde_json::Value::is_string),
                    "{what}: an error without a code or message: {answer}"
                );
            }
        }
        _ => {}
    }
}

/// Calls an entry point twice: the answer must pass [`assert_answer`] and be the same both
/// times (the engine has no clock and no randomness).
fn answer_twice(what: &str, call: impl Fn() -> String) {
    let first = call();
    assert_answer(&first, what);
    let second = call();
    assert_eq!(first, second, "{what}: two calls answered differently");
}

/// `parse_check_format`: bytes → `check_bytes`; a policy that checks without errors formats,
/// the formatted text checks without errors, and formatting it again changes nothing.
pub fn parse_check_format(data: &[u8]) {
    let checked = procura::check_bytes(data);
    let Ok(text) = std::str::from_utf8(data) else {
        assert!(checked.has_errors(), "invalid UTF-8 checked without errors");
        return;
    };
    if checked.has_errors() {
        return;
    }
    let formatted = procura::format(text);
    assert!(
        formatted.is_ok(),
        "a policy that checks does not format: {:?}",
        formatted.as_ref().err()
    );
    let formatted = formatted.unwrap_or_default();
    let rechecked = procura::check(&formatted);
    assert!(
        !rechecked.has_errors(),
        "the formatted policy does not check: {:?}\n--- formatted ---\n{formatted}",
        rechecked.diagnostics
    );
    let again = procura::format(&formatted);
    assert_eq!(
        again.as_deref().ok(),
        Some(formatted.as_str()),
        "format is not idempotent\n--- once ---\n{formatted}"
    );
}

/// `evaluate_json`: byte 0 picks a policy, the rest is a request for checkout, badges and
/// authorize.
pub fn evaluate_json(data: &[u8]) {
    let Some((engine, request)) = split(&CHECKOUT_ENGINES, data) else {
        return;
    };
    answer_twice("evaluate_json", || engine.evaluate_json(&request));
    answer_twice("badges_json", || engine.badges_json(&request));
    answer_twice("authorize_json", || engine.authorize_json(&request));
}

/// `workflow`: byte 0 picks a policy, the rest is a progress request.
pub fn workflow(data: &[u8]) {
    let Some((engine, request)) = split(&WORKFLOW_ENGINES, data) else {
        return;
    };
    answer_twice("progress_json", || engine.progress_json(&request));
}

/// `invoice_run`: byte 0 picks a policy, the rest is an invoice run request.
pub fn invoice_run(data: &[u8]) {
    let Some((engine, request)) = split(&INVOICE_ENGINES, data) else {
        return;
    };
    answer_twice("invoice_run_json", || engine.invoice_run_json(&request));
}

/// `policy_compile`: arbitrary policy text with a fixed directory; a policy the checker
/// rejects never compiles, and one that compiles answers one fixed checkout.
pub fn policy_compile(data: &[u8]) {
    let Ok(source) = std::str::from_utf8(data) else {
        return;
    };
    let compiled = Engine::from_json(source, Some(COMPILE_DIRECTORY));
    match compiled {
        Ok(engine) => {
            assert!(
                !procura::check(source).has_errors(),
                "a policy with check errors compiled"
            );
            answer_twice("evaluate_json", || engine.evaluate_json(COMPILE_REQUEST));
        }
        Err(errors) => assert!(!errors.is_empty(), "compilation failed without errors"),
    }
}

/// The Maple checkout an artifact that loads is asked, with the Maple directory.
const MAPLE_REQUEST: &str = include_str!("../../examples/maple.request.json");
const MAPLE_DIRECTORY: &str = include_str!("../../examples/maple.directory.json");

/// `artifact_load`: arbitrary bytes as a policy artifact. Bytes that do not load are
/// refused with an artifact code (`E0701`–`E0703`) or a directory error, never a panic;
/// bytes that load answer a checkout deterministically, and their policy built again into
/// an artifact loads to the same answers (a loaded policy is a policy like any other).
pub fn artifact_load(data: &[u8]) {
    load_and_check(data);
    // The same bytes with their header's length and CRC-32 made right again, so that the
    // fuzzer's mutations reach the payload's decoding and validation instead of stopping
    // at the check that catches damage.
    if data.len() >= 20 && procura::is_artifact(data) {
        let payload = data.get(20..).unwrap_or_default();
        let length = u32::try_from(payload.len())
            .unwrap_or(u32::MAX)
            .to_le_bytes();
        let check = crc32fast::hash(payload).to_le_bytes();
        let head = data.get(..12).unwrap_or_default();
        let sealed: Vec<u8> = [head, &length, &check, payload].concat();
        load_and_check(&sealed);
    }
}

fn load_and_check(data: &[u8]) {
    let engine = match Engine::load_json(data, Some(MAPLE_DIRECTORY)) {
        Ok(engine) => engine,
        Err(errors) => {
            assert!(!errors.is_empty(), "a refused artifact has no error");
            for error in &errors {
                assert!(
                    error.code.starts_with("E070")
                        || error.code.starts_with("E02")
                        || error.code.starts_with("E01"),
                    "unexpected code {} for refused artifact bytes: {}",
                    error.code,
                    error.message
                );
            }
            return;
        }
    };
    answer_twice("evaluate_json", || engine.evaluate_json(MAPLE_REQUEST));
    let rebuilt = Engine::load_json(&engine.artifact(false), Some(MAPLE_DIRECTORY));
    assert!(
        rebuilt.is_ok(),
        "a loaded policy's own artifact does not load"
    );
    if let Ok(rebuilt) = rebuilt {
        assert_eq!(
            rebuilt.evaluate_json(MAPLE_REQUEST),
            engine.evaluate_json(MAPLE_REQUEST),
            "the rebuilt artifact answers differently"
        );
    }
}

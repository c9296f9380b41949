#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! The native engine's answers for the WebAssembly parity runs.
//!
//! Writes `$CARGO_TARGET_TMPDIR/conformance-native.json`: every case of
//! `tests/conformance/cases` (format: `tests/conformance/README.md`) and every example policy,
//! each with the exact inputs the native engine was given (policy source, directory and
//! request as JSON text) and its answer as JSON text. `js/corpus.mjs` (Node, `pkg/node`)
//! and `js/corpus-browser.mjs` (headless Chromium, `pkg/web`) replay the same inputs through
//! the npm package and compare each answer byte for byte.
//!
//! A `compile` answer is `{"type":"success","policy":{name,hash},"warnings":[…],"tests":<TestReport>}`
//! or the failure; a request answer is the `*_json` entry point's text.

use std::path::{Path, PathBuf};

use procura::contract::json::to_json;
use procura::contract::{Answer, PolicyRef, TestReport};
use procura::{Diagnostic, Engine};
use serde::Serialize;
use serde_json::{json, Value};

/// One replayable question with the native answer.
#[derive(Serialize)]
struct Entry {
    name: String,
    kind: String,
    source: String,
    /// The directory as JSON text; `null` for none.
    directory: Option<String>,
    /// The request as JSON text (absent for `compile`).
    #[serde(skip_serializing_if = "Option::is_none")]
    request: Option<String>,
    /// True when `request` is raw text that must be sent verbatim (it may not be JSON).
    raw: bool,
    answer: String,
}

/// The compile answer, in the field order of the JS `compile` result plus the tests.
#[derive(Serialize)]
struct Compiled<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    policy: PolicyRef,
    warnings: &'a [Diagnostic],
    tests: TestReport,
}

fn answer(kind: &str, source: &str, directory: Option<&str>, request: Option<&str>) -> String {
    let engine = match Engine::from_json(source, directory) {
        Ok(engine) => engine,
        Err(errors) => return to_json(&Answer::<()>::Failure { errors }),
    };
    match (kind, request) {
        ("compile", None) => to_json(&Compiled {
            kind: "success",
            policy: engine.policy(),
            warnings: engine.warnings(),
            tests: engine.run_tests(),
        }),
        (kind, Some(request)) => procura_conformance::ask(&engine, kind, request),
        _ => panic!("kind `{kind}` with no request"),
    }
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

fn conformance_entries() -> Vec<Entry> {
    procura_conformance::cases()
        .into_iter()
        .map(|case| {
            let answer = answer(
                &case.kind,
                &case.source,
                case.directory.as_deref(),
                case.request.as_deref(),
            );
            Entry {
                name: case.name,
                kind: case.kind,
                source: case.source,
                directory: case.directory,
                request: case.request,
                raw: case.raw,
                answer,
            }
        })
        .collect()
}

/// Each `examples/X.procura` compiled (with `X.directory.json` when there is one), and
/// checked out with `X.request.json` when there is one.
fn example_entries() -> Vec<Entry> {
    let mut policies: Vec<PathBuf> = std::fs::read_dir("examples")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "procura"))
        .collect();
    policies.sort();
    let mut entries = Vec::new();
    for path in policies {
        let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
        let source = read(&path);
        let sibling = |suffix: &str| {
            let p = path.with_file_name(format!("{stem}.{suffix}.json"));
            p.exists().then(|| read(&p))
        };
        let directory = sibling("directory");
        entries.push(Entry {
            name: format!("examples/{stem}"),
            kind: "compile".into(),
            answer: answer("compile", &source, directory.as_deref(), None),
            source: source.clone(),
            directory: directory.clone(),
            request: None,
            raw: false,
        });
        // Compact, as a JS caller's `JSON.stringify` would send it.
        let request = sibling("request").map(|text| {
            serde_json::from_str::<Value>(&text).map_or(text, |value| value.to_string())
        });
        if let Some(request) = request {
            entries.push(Entry {
                name: format!("examples/{stem}.request"),
                kind: "checkout".into(),
                answer: answer("checkout", &source, directory.as_deref(), Some(&request)),
                source,
                directory,
                request: Some(request),
                raw: false,
            });
        }
    }
    entries
}

#[test]
fn write_native_answers() {
    let mut entries = conformance_entries();
    let cases = entries.len();
    entries.extend(example_entries());
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("conformance-native.json");
    let document = json!({ "version": 1, "cases": cases, "entries": entries });
    std::fs::write(&out, serde_json::to_string(&document).unwrap()).unwrap();
    println!(
        "{} native answers ({cases} conformance cases, {} from examples) in {}",
        entries.len(),
        entries.len() - cases,
        out.display()
    );
}

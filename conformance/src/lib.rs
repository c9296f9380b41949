//! The conformance corpus (`tests/conformance/`, format in its README) as data: every case
//! read once, the question it asks, and the subset matcher its expectation uses. One
//! runner for every suite that replays it — native (`tests/conformance.rs`), the answers
//! the JS runtimes replay (`tests/native_answers.rs`), artifacts (`tests/artifacts.rs`),
//! wasmtime and HTTP (`host/tests`) — so they cannot drift apart in what they read.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a test helper: a malformed corpus file should stop the suite with its name"
)]

use std::path::{Path, PathBuf};

use procura::Engine;
use serde_json::Value;

/// The corpus folder.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/conformance")
}

/// The request kinds: every kind but `compile`.
pub const REQUEST_KINDS: [&str; 6] = [
    "checkout",
    "authorize",
    "badges",
    "progress",
    "invoiceRun",
    "reportCsv",
];

/// One case, its files read.
#[derive(Debug, Clone)]
pub struct Case {
    /// The case file.
    pub file: PathBuf,
    /// The whole case document, for checks of its own shape.
    pub document: Value,
    pub name: String,
    pub kind: String,
    /// The policy's path relative to the corpus folder.
    pub policy_path: String,
    pub source: String,
    /// The directory as JSON text; `None` for none.
    pub directory: Option<String>,
    /// The request text (`request` serialised, or `requestText` verbatim); `None` for
    /// `compile` cases.
    pub request: Option<String>,
    /// True when the request is `requestText`: raw text, maybe not JSON.
    pub raw: bool,
}

impl Case {
    /// The engine's answer to this case's request, as JSON text.
    pub fn answer(&self, engine: &Engine) -> String {
        ask(
            engine,
            &self.kind,
            self.request.as_deref().unwrap_or_default(),
        )
    }

    /// An engine compiled from the case's policy and directory.
    pub fn compile(&self) -> Result<Engine, Vec<procura::contract::EvalError>> {
        Engine::from_json(&self.source, self.directory.as_deref())
    }
}

/// The engine's answer as JSON text for a request `kind` and the request text.
pub fn ask(engine: &Engine, kind: &str, request: &str) -> String {
    match kind {
        "checkout" => engine.evaluate_json(request),
        "authorize" => engine.authorize_json(request),
        "badges" => engine.badges_json(request),
        "progress" => engine.progress_json(request),
        "invoiceRun" => engine.invoice_run_json(request),
        "reportCsv" => engine.report_csv_json(request),
        other => panic!("unknown kind `{other}`"),
    }
}

/// Every `.json` file below `dir`, in path order.
pub fn json_files(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    collect(dir, &mut found);
    found
}

fn collect(dir: &Path, found: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            collect(&path, found);
        } else if path.extension().is_some_and(|x| x == "json") {
            found.push(path);
        }
    }
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// Every case of the corpus, in file order.
pub fn cases() -> Vec<Case> {
    let root = root();
    json_files(&root.join("cases"))
        .into_iter()
        .map(|file| {
            let document: Value = serde_json::from_str(&read(&file))
                .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
            let policy_path = document["policy"]
                .as_str()
                .unwrap_or_else(|| panic!("{}: `policy` is missing", file.display()))
                .to_owned();
            let source = read(&root.join(&policy_path));
            let directory = match &document["directory"] {
                Value::Null => None,
                Value::String(path) => Some(read(&root.join(path))),
                inline => Some(inline.to_string()),
            };
            let (request, raw) = match (&document["request"], &document["requestText"]) {
                (Value::Null, Value::String(text)) => (Some(text.clone()), true),
                (Value::Null, _) => (None, false),
                (request, _) => (Some(request.to_string()), false),
            };
            Case {
                name: document["name"].as_str().unwrap_or_default().to_owned(),
                kind: document["kind"].as_str().unwrap_or_default().to_owned(),
                file,
                document,
                policy_path,
                source,
                directory,
                request,
                raw,
            }
        })
        .collect()
}

/// The subset matcher. Kept small and free of Rust specifics so that the JS replays on
/// Node and Chromium port it line for line.
pub mod matcher {
    use serde_json::Value;

    /// The first place where `actual` does not match `expected`, as
    /// `(json pointer, expected, actual)`; `actual` is `None` when the key is missing.
    ///
    /// Objects match by the keys `expected` lists; arrays need the same length and match
    /// element by element; anything else must be equal (so `"1000.00"` ≠ `"1000"`).
    pub fn first_difference(
        expected: &Value,
        actual: &Value,
        pointer: &str,
    ) -> Option<(String, Value, Option<Value>)> {
        match (expected, actual) {
            (Value::Object(want), Value::Object(have)) => want.iter().find_map(|(key, want)| {
                let here = format!("{pointer}/{}", key.replace('~', "~0").replace('/', "~1"));
                match have.get(key) {
                    Some(have) => first_difference(want, have, &here),
                    None => Some((here, want.clone(), None)),
                }
            }),
            (Value::Array(want), Value::Array(have)) if want.len() == have.len() => want
                .iter()
                .zip(have)
                .enumerate()
                .find_map(|(i, (w, h))| first_difference(w, h, &format!("{pointer}/{i}"))),
            _ if expected == actual => None,
            _ => Some((pointer.to_owned(), expected.clone(), Some(actual.clone()))),
        }
    }
}

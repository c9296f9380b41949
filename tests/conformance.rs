#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! Replays the runtime-neutral conformance corpus in `tests/conformance/` (format:
//! `tests/conformance/README.md`) through the engine's public JSON entry points.
//!
//! Kinds: `compile`, `checkout`, `authorize`, `badges`, `progress` (approval workflow),
//! `invoiceRun` and `reportCsv` (an invoice run written as a CSV report).
//!
//! Every case is run, every mismatch is collected, and the test fails at the end with the
//! full list. Each answer is also checked for determinism: computed twice, from a second
//! engine compiled from the same inputs, and from two threads at once, it must be the same
//! bytes.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde_json::{json, Value};

/// The subset matcher. Kept small and free of Rust specifics so that the JS replays on
/// Node and Chromium can port it line for line.
mod matcher {
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

const ROOT: &str = "tests/conformance";
const KNOWN_KEYS: [&str; 9] = [
    "version",
    "name",
    "description",
    "policy",
    "directory",
    "kind",
    "request",
    "requestText",
    "expect",
];
const MIN_CASES: usize = 440;

fn case_files(dir: &Path, found: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            case_files(&path, found);
        } else if path.extension().is_some_and(|x| x == "json") {
            found.push(path);
        }
    }
}

/// The request kinds: every kind but `compile`.
const REQUEST_KINDS: [&str; 6] = [
    "checkout",
    "authorize",
    "badges",
    "progress",
    "invoiceRun",
    "reportCsv",
];

/// The engine's answer as JSON text, for `kind` and the request text.
fn answer(engine: &procura::Engine, kind: &str, request: &str) -> String {
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

fn compile_answer(result: &Result<procura::Engine, Vec<procura::contract::EvalError>>) -> String {
    match result {
        Ok(_) => json!({"type": "success"}).to_string(),
        Err(errors) => json!({"type": "failure", "errors": errors}).to_string(),
    }
}

/// Runs one case: `Ok(())`, or a description of why it failed.
fn run_case(case: &Value) -> Result<(), String> {
    let object = case.as_object().ok_or("a case is a JSON object")?;
    if let Some(key) = object.keys().find(|k| !KNOWN_KEYS.contains(&k.as_str())) {
        return Err(format!("unknown key `{key}` in the case"));
    }
    if case["version"] != json!(1) {
        return Err("`version` must be 1".into());
    }
    let kind = case["kind"].as_str().ok_or("`kind` is missing")?;
    if kind != "compile" && !REQUEST_KINDS.contains(&kind) {
        return Err(format!("unknown kind `{kind}`"));
    }
    let policy_path = case["policy"].as_str().ok_or("`policy` is missing")?;
    let source = std::fs::read_to_string(Path::new(ROOT).join(policy_path))
        .map_err(|e| format!("cannot read policy {policy_path}: {e}"))?;
    let directory = match &case["directory"] {
        Value::Null => None,
        Value::String(path) => Some(
            std::fs::read_to_string(Path::new(ROOT).join(path))
                .map_err(|e| format!("cannot read directory {path}: {e}"))?,
        ),
        inline => Some(inline.to_string()),
    };
    let compile = || procura::Engine::from_json(&source, directory.as_deref());
    let compiled = compile();
    let text = if kind == "compile" {
        compile_answer(&compiled)
    } else {
        let engine = compiled.map_err(|errors| {
            format!(
                "the policy does not compile: {}",
                json!({"type": "failure", "errors": errors})
            )
        })?;
        let request = match (&case["request"], &case["requestText"]) {
            (Value::Null, Value::String(text)) => text.clone(),
            (Value::Null, _) => return Err("`request` or `requestText` is missing".into()),
            (request, Value::Null) => request.to_string(),
            _ => return Err("give `request` or `requestText`, not both".into()),
        };
        let first = answer(&engine, kind, &request);
        let again = answer(&engine, kind, &request);
        let other_engine = compile().map_err(|_| "second compile failed")?;
        let fresh = answer(&other_engine, kind, &request);
        let (left, right) = std::thread::scope(|s| {
            let a = s.spawn(|| answer(&engine, kind, &request));
            let b = s.spawn(|| answer(&other_engine, kind, &request));
            (a.join().unwrap(), b.join().unwrap())
        });
        for (what, other) in [
            ("evaluated again", &again),
            ("from a second engine", &fresh),
            ("from thread 1", &left),
            ("from thread 2", &right),
        ] {
            if *other != first {
                return Err(format!(
                    "not deterministic: the answer {what} differs\n      first: {first}\n      then:  {other}"
                ));
            }
        }
        first
    };
    if kind == "compile" && compile_answer(&compile()) != text {
        return Err("not deterministic: compiling twice gives different errors".into());
    }
    let actual: Value =
        serde_json::from_str(&text).map_err(|e| format!("the answer is not JSON: {e}: {text}"))?;
    let expected = case.get("expect").ok_or("`expect` is missing")?;
    match matcher::first_difference(expected, &actual, "") {
        None => Ok(()),
        Some((pointer, want, have)) => Err(format!(
            "at `{pointer}`\n      expected: {want}\n      actual:   {}\n      answer:   {text}",
            have.map_or_else(|| "(missing)".to_owned(), |v| v.to_string())
        )),
    }
}

#[test]
fn conformance_corpus() {
    let mut files = Vec::new();
    case_files(&Path::new(ROOT).join("cases"), &mut files);
    let mut names = std::collections::BTreeSet::new();
    let mut failures = Vec::new();
    for file in &files {
        let label = file
            .strip_prefix(ROOT)
            .unwrap_or(file)
            .display()
            .to_string();
        let case = std::fs::read_to_string(file)
            .map_err(|e| e.to_string())
            .and_then(|text| serde_json::from_str::<Value>(&text).map_err(|e| e.to_string()));
        let outcome = case.and_then(|case| {
            let name = case["name"].as_str().unwrap_or_default().to_owned();
            if name.is_empty() || !names.insert(name.clone()) {
                return Err(format!("missing or duplicate case name `{name}`"));
            }
            run_case(&case).map_err(|why| format!("`{name}`: {why}"))
        });
        if let Err(why) = outcome {
            failures.push(format!("{label} {why}"));
        }
    }
    if files.len() < MIN_CASES {
        failures.push(format!(
            "the corpus has {} cases, fewer than {MIN_CASES}",
            files.len()
        ));
    }
    let mut report = String::new();
    for failure in &failures {
        let _ = writeln!(report, "  ✗ {failure}");
    }
    assert!(
        failures.is_empty(),
        "{} of {} conformance cases failed:\n{report}",
        failures.len(),
        files.len()
    );
    println!("{} conformance cases passed", files.len());
}

#[test]
fn matcher_matches_subsets() {
    use matcher::first_difference;
    let actual = json!({"a": "1000.00", "b": [{"x": 1, "y": 2}], "c": null});
    assert_eq!(
        first_difference(&json!({"a": "1000.00"}), &actual, ""),
        None
    );
    assert_eq!(
        first_difference(&json!({"b": [{"y": 2}]}), &actual, ""),
        None
    );
    assert_eq!(first_difference(&json!({"c": null}), &actual, ""), None);
    let diff = first_difference(&json!({"a": "1000"}), &actual, "").unwrap();
    assert_eq!(diff.0, "/a");
    let diff = first_difference(&json!({"b": []}), &actual, "").unwrap();
    assert_eq!(diff.0, "/b");
    let diff = first_difference(&json!({"b": [{"x": 2}]}), &actual, "").unwrap();
    assert_eq!(diff.0, "/b/0/x");
    let diff = first_difference(&json!({"d/e": 1}), &actual, "").unwrap();
    assert_eq!((diff.0.as_str(), diff.2), ("/d~1e", None));
}

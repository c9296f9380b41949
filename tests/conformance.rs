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

use serde_json::{json, Value};

use procura_conformance::{ask as answer, matcher, Case, REQUEST_KINDS};

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

fn compile_answer(result: &Result<procura::Engine, Vec<procura::contract::EvalError>>) -> String {
    match result {
        Ok(_) => json!({"type": "success"}).to_string(),
        Err(errors) => json!({"type": "failure", "errors": errors}).to_string(),
    }
}

/// Runs one case: `Ok(())`, or a description of why it failed.
fn run_case(corpus_case: &Case) -> Result<(), String> {
    let case = &corpus_case.document;
    let object = case.as_object().ok_or("a case is a JSON object")?;
    if let Some(key) = object.keys().find(|k| !KNOWN_KEYS.contains(&k.as_str())) {
        return Err(format!("unknown key `{key}` in the case"));
    }
    if case["version"] != json!(1) {
        return Err("`version` must be 1".into());
    }
    let kind = corpus_case.kind.as_str();
    if kind != "compile" && !REQUEST_KINDS.contains(&kind) {
        return Err(format!("unknown kind `{kind}`"));
    }
    if !case["request"].is_null() && !case["requestText"].is_null() {
        return Err("give `request` or `requestText`, not both".into());
    }
    let compile = || corpus_case.compile();
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
        let request = corpus_case
            .request
            .clone()
            .ok_or("`request` or `requestText` is missing")?;
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
    let files = procura_conformance::cases();
    let mut names = std::collections::BTreeSet::new();
    let mut failures = Vec::new();
    for case in &files {
        let root = procura_conformance::root();
        let label = case
            .file
            .strip_prefix(&root)
            .unwrap_or(&case.file)
            .display()
            .to_string();
        let name = case.name.clone();
        let outcome = if name.is_empty() || !names.insert(name.clone()) {
            Err(format!("missing or duplicate case name `{name}`"))
        } else {
            run_case(case).map_err(|why| format!("`{name}`: {why}"))
        };
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

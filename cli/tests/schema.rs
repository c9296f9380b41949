#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! The checked-in JSON Schemas in `schema/` are exactly what `procura schema` generates
//! from the contract types: change a type and this test says which file to regenerate.

mod common;

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

use common::{procura, workspace};

const DRIFT: &str = "types and schema drifted: run `procura schema`";

/// The `*.json` file names in a directory.
fn json_files(dir: &Path) -> BTreeSet<String> {
    fs::read_dir(dir)
        .unwrap_or_else(|err| panic!("cannot read {}: {err}", dir.display()))
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".json"))
        .collect()
}

#[test]
fn checked_in_schemas_match_the_types() {
    let out = tempfile::tempdir().unwrap();
    let out_path = out.path().to_str().unwrap();
    let run = procura(&["schema", "--out", out_path], None);
    assert_eq!(run.code, 0, "procura schema failed: {}", run.stderr);
    assert!(run.stdout.is_empty(), "{}", run.stdout);

    let checked_in = workspace().join("schema");
    let generated = json_files(out.path());
    let expected: BTreeSet<String> = [
        "directory",
        "checkout-request",
        "decision",
        "authorize-request",
        "authorize-decision",
        "badge-request",
        "badge-decision",
        "test-report",
        "progress-request",
        "workflow-state",
        "invoice-run-request",
        "invoice-run",
        "report-definition",
        "policy-outline",
        "impact-report",
        "permissions-request",
        "permissions",
    ]
    .iter()
    .map(|name| format!("{name}.schema.json"))
    .collect();
    assert_eq!(generated, expected);

    for name in &generated {
        let fresh = fs::read_to_string(out.path().join(name)).unwrap();
        let stored = fs::read_to_string(checked_in.join(name))
            .unwrap_or_else(|err| panic!("schema/{name} is missing ({err}): {DRIFT}"));
        assert!(
            fresh == stored,
            "schema/{name} differs from the generated schema: {DRIFT}"
        );
        let document: serde_json::Value = serde_json::from_str(&fresh).unwrap();
        assert_eq!(
            document["$schema"], "https://json-schema.org/draft/2020-12/schema",
            "{name}"
        );
        assert!(fresh.ends_with("}\n"), "{name} lacks a trailing newline");
    }
    let stored = json_files(&checked_in);
    let stale: Vec<&String> = stored.difference(&generated).collect();
    assert!(
        stale.is_empty(),
        "schema/ has files `procura schema` no longer writes, {stale:?}: {DRIFT}"
    );
}

#[test]
fn schema_is_deterministic() {
    let first = tempfile::tempdir().unwrap();
    let second = tempfile::tempdir().unwrap();
    for dir in [&first, &second] {
        let run = procura(&["schema", "--out", dir.path().to_str().unwrap()], None);
        assert_eq!(run.code, 0, "{}", run.stderr);
    }
    for name in json_files(first.path()) {
        assert_eq!(
            fs::read(first.path().join(&name)).unwrap(),
            fs::read(second.path().join(&name)).unwrap(),
            "{name}"
        );
    }
}

#[test]
fn unwritable_out_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a-file");
    fs::write(&file, "x").unwrap();
    let run = procura(&["schema", "--out", file.to_str().unwrap()], None);
    assert_eq!(run.code, 2, "{}", run.stderr);
}

//! Replays every input the fuzzers found (docs/fuzzing.md) through the oracle that flagged
//! it: the files in `tests/fuzz-regressions/<target>/`, one input per file, checked by the
//! same code the fuzz target runs (`fuzz/src/oracle.rs`, included here).

#[allow(dead_code)]
#[path = "../fuzz/src/oracle.rs"]
mod oracle;

use std::path::PathBuf;

/// The saved inputs of one target, sorted by file name.
fn inputs(target: &str) -> Vec<(String, Vec<u8>)> {
    let directory = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fuzz-regressions")
        .join(target);
    let Ok(entries) = std::fs::read_dir(&directory) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.is_file())
        .collect();
    files.sort();
    files
        .into_iter()
        .filter_map(|path| {
            let name = path.file_name()?.to_string_lossy().into_owned();
            let data = std::fs::read(&path).ok()?;
            Some((name, data))
        })
        .collect()
}

/// Replays one target's saved inputs, naming the file that fails.
fn replay(target: &str, oracle: fn(&[u8])) {
    for (name, data) in inputs(target) {
        let outcome = std::panic::catch_unwind(|| oracle(&data));
        assert!(outcome.is_ok(), "{target}/{name} fails its oracle");
    }
}

#[test]
fn parse_check_format() {
    replay("parse_check_format", oracle::parse_check_format);
}

#[test]
fn evaluate_json() {
    replay("evaluate_json", oracle::evaluate_json);
}

#[test]
fn workflow() {
    replay("workflow", oracle::workflow);
}

#[test]
fn invoice_run() {
    replay("invoice_run", oracle::invoice_run);
}

#[test]
fn policy_compile() {
    replay("policy_compile", oracle::policy_compile);
}

/// The fixed policies of the request targets compile, and the seeds' oracle holds on a
/// plain request (so a fuzz target never fails at start-up).
#[test]
fn fixed_policies_compile() {
    oracle::evaluate_json(b"\0{}");
    for selector in 0..=u8::MAX {
        oracle::evaluate_json(&[selector, b'{', b'}']);
        oracle::workflow(&[selector, b'{', b'}']);
        oracle::invoice_run(&[selector, b'{', b'}']);
    }
    oracle::policy_compile(b"policy \"x\" { currency EUR }");
}

/// The artifact target's oracle holds on a real artifact, its damaged variants and its
/// saved inputs (so the target never fails at start-up, and a finding stays fixed).
#[test]
fn artifact_load() {
    replay("artifact_load", oracle::artifact_load);
    let source = std::fs::read_to_string("examples/maple.procura").unwrap_or_default();
    let artifact = procura::Engine::new(&source, &Default::default())
        .map(|engine| engine.artifact(false))
        .unwrap_or_default();
    assert!(procura::is_artifact(&artifact));
    oracle::artifact_load(&artifact);
    for at in (0..artifact.len()).step_by(97) {
        let mut damaged = artifact.clone();
        if let Some(byte) = damaged.get_mut(at) {
            *byte ^= 0x5a;
        }
        oracle::artifact_load(&damaged);
        oracle::artifact_load(artifact.get(..at).unwrap_or_default());
    }
}

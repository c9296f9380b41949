#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! Policy artifacts (`procura build`): every policy of the conformance corpus and of
//! `examples/`, built and loaded again, answers every corpus request with the same bytes
//! as the engine compiled from source; and no change to an artifact's bytes — a flipped
//! byte, a cut, bytes appended — gets past loading.

use std::path::{Path, PathBuf};

use procura::Engine;
use proptest::prelude::*;

fn files(dir: &Path, extension: &str, found: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            files(&path, extension, found);
        } else if path.extension().is_some_and(|x| x == extension) {
            found.push(path);
        }
    }
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Source and artifact give the same answer to every request of the corpus.
#[test]
fn loaded_artifacts_answer_the_corpus_byte_for_byte() {
    let mut compared = 0;
    for case in procura_conformance::cases() {
        if case.request.is_none() {
            continue;
        }
        let Ok(compiled) = case.compile() else {
            continue;
        };
        for with_source in [false, true] {
            let artifact = compiled.artifact(with_source);
            let loaded = Engine::load_json(&artifact, case.directory.as_deref())
                .unwrap_or_else(|e| panic!("{}: {e:?}", case.name));
            assert_eq!(
                case.answer(&loaded),
                case.answer(&compiled),
                "{}",
                case.name
            );
            assert_eq!(loaded.policy(), compiled.policy(), "{}", case.name);
        }
        compared += 1;
    }
    assert!(compared > 200, "only {compared} cases compared");
}

/// The examples: same decision for the example request, same outline and fields, and an
/// artifact is the same bytes every time it is built.
#[test]
fn example_artifacts_are_deterministic_and_decide_alike() {
    let mut policies = Vec::new();
    files(Path::new("examples"), "procura", &mut policies);
    assert!(!policies.is_empty());
    for path in policies {
        let stem = path.with_extension("");
        let directory = std::fs::read_to_string(stem.with_extension("directory.json")).ok();
        let compiled = Engine::from_json(&read(&path), directory.as_deref()).unwrap();
        let artifact = compiled.artifact(false);
        assert_eq!(artifact, compiled.artifact(false), "{}", path.display());
        let again = Engine::from_json(&read(&path), directory.as_deref()).unwrap();
        assert_eq!(artifact, again.artifact(false), "{}", path.display());
        let loaded = Engine::load_json(&artifact, directory.as_deref()).unwrap();
        assert_eq!(
            serde_json::to_string(&loaded.outline()).unwrap(),
            serde_json::to_string(&compiled.outline()).unwrap()
        );
        if let Ok(request) = std::fs::read_to_string(stem.with_extension("request.json")) {
            assert_eq!(
                loaded.evaluate_json(&request),
                compiled.evaluate_json(&request)
            );
        }
        assert!(procura::is_artifact(&artifact));
        assert!(!procura::is_artifact(read(&path).as_bytes()));
    }
}

fn maple_artifact() -> Vec<u8> {
    let directory = read(Path::new("examples/maple.directory.json"));
    Engine::from_json(&read(Path::new("examples/maple.procura")), Some(&directory))
        .unwrap()
        .artifact(false)
}

fn refused_code(bytes: &[u8]) -> String {
    match Engine::load_json(bytes, None) {
        Ok(_) => "loaded".to_owned(),
        Err(errors) => errors[0].code.clone(),
    }
}

#[test]
fn damaged_artifacts_are_refused_with_their_codes() {
    let artifact = maple_artifact();
    assert_eq!(refused_code(&artifact), "loaded");
    assert_eq!(refused_code(b""), "E0701");
    assert_eq!(refused_code(b"policy \"x\" { currency CAD }"), "E0701");
    assert_eq!(refused_code(&artifact[..20]), "E0701");
    let mut newer = artifact.clone();
    newer[8] = 2;
    assert_eq!(refused_code(&newer), "E0702");
    let mut older = artifact.clone();
    older[8] = 0;
    assert_eq!(refused_code(&older), "E0702");
    let mut flagged = artifact.clone();
    flagged[10] = 1; // claims a source that is not there
    assert_eq!(refused_code(&flagged), "E0703");
    let mut longer = artifact.clone();
    longer.push(0);
    assert_eq!(refused_code(&longer), "E0701");
    let message = &Engine::load_json(&newer, None).unwrap_err()[0].message;
    assert!(message.contains("format 2"), "{message}");
}

fn mutation() -> impl Strategy<Value = (usize, u8, bool)> {
    (any::<usize>(), 1..=255u8, any::<bool>())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Any flipped byte, anywhere, is refused; so is any cut.
    #[test]
    fn no_changed_byte_gets_past_loading((at, flip, cut) in mutation()) {
        let artifact = maple_artifact();
        let at = at % artifact.len();
        let changed: Vec<u8> = if cut {
            artifact[..at].to_vec()
        } else {
            let mut bytes = artifact.clone();
            bytes[at] ^= flip;
            bytes
        };
        let code = refused_code(&changed);
        prop_assert!(code.starts_with("E070"), "byte {} ({}): {}", at, if cut { "cut" } else { "flipped" }, code);
    }
}

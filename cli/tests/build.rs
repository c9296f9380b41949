#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! `procura build`: the artifact it writes answers `procura eval` with the same bytes as
//! the source, and a damaged artifact is a coded failure.

use std::path::Path;
use std::process::{Command, Output};

fn procura(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_procura"))
        .args(args)
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join(".."))
        .output()
        .unwrap()
}

fn eval(policy: &str) -> Output {
    procura(&[
        "eval",
        "--policy",
        policy,
        "--directory",
        "examples/maple.directory.json",
        "--request",
        "examples/maple.request.json",
    ])
}

#[test]
fn a_built_artifact_evaluates_like_its_source() {
    let dir = std::env::temp_dir().join(format!("procura-build-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join("maple.pcy");
    let out = out.to_str().unwrap();
    let built = procura(&["build", "examples/maple.procura", "--out", out]);
    assert!(built.status.success(), "{built:?}");
    let line = String::from_utf8(built.stdout).unwrap();
    assert!(line.starts_with(&format!("wrote {out} (")), "{line}");
    assert!(
        line.contains("policy Maple School District sha256:"),
        "{line}"
    );

    let from_source = eval("examples/maple.procura");
    let from_artifact = eval(out);
    assert!(from_artifact.status.success(), "{from_artifact:?}");
    assert_eq!(from_artifact.stdout, from_source.stdout);

    let mut damaged = std::fs::read(out).unwrap();
    let last = damaged.len() - 1;
    damaged[last] ^= 0x40;
    let damaged_path = dir.join("damaged.pcy");
    std::fs::write(&damaged_path, damaged).unwrap();
    let refused = eval(damaged_path.to_str().unwrap());
    assert_eq!(refused.status.code(), Some(1));
    let answer = String::from_utf8(refused.stdout).unwrap();
    assert!(answer.contains("\"code\": \"E0701\""), "{answer}");

    let again = procura(&["build", out]);
    assert_eq!(
        again.status.code(),
        Some(2),
        "an artifact is not built again"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

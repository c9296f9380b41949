#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! End-to-end tests of the `procura` binary: exit codes, output shapes, files and stdin.
//!
//! Exit codes: 0 no errors, 1 errors found (or not formatted under `fmt --check`),
//! 2 usage or I/O problem; never 101 (a panic).

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::Value;

/// A policy that should check cleanly (the header of the design's Maple example).
const VALID: &str = "policy \"Maple School District\" { currency CAD  rounding half_even }\n";
/// A policy header whose `currency` setting has no value.
const MALFORMED: &str = "policy \"x\" { currency }\n";
/// Not a policy at all.
const NOT_A_POLICY: &str = "this is not a policy\n";
/// A well-formed policy laid out badly.
const MESSY: &str = "policy    \"Messy\"   {currency CAD\n\n\n   rounding   half_even}";
/// Invalid UTF-8 inside a string literal.
const INVALID_UTF8: &[u8] = b"policy \"caf\xe9 \xff\" { currency CAD }\n";

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn procura(args: &[&str], stdin: Option<&[u8]>) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_procura"))
        .args(args)
        .env_remove("NO_COLOR")
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn procura");
    if let Some(bytes) = stdin {
        let _ = child.stdin.take().unwrap().write_all(bytes); // may exit before reading
    }
    let output = child.wait_with_output().unwrap();
    let run = Run {
        code: output
            .status
            .code()
            .expect("procura was killed by a signal"),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    };
    assert_ne!(run.code, 101, "procura panicked: {}", run.stderr);
    run
}

/// A fresh directory for one test, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let dir = std::env::temp_dir().join(format!(
            "procura-cli-test-{}-{n}-{name}",
            std::process::id()
        ));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    fn file(&self, name: &str, contents: impl AsRef<[u8]>) -> String {
        let path = self.0.join(name);
        fs::write(&path, contents).unwrap();
        path.to_str().unwrap().to_owned()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// Whether some line reads `PATH:LINE:COL: error[CODE]: MESSAGE`.
fn has_located_error(text: &str, path: &str) -> bool {
    let prefix = format!("{path}:");
    text.lines().any(|line| {
        let Some(rest) = line.strip_prefix(&prefix) else {
            return false;
        };
        let mut parts = rest.splitn(3, ':');
        let number = |part: Option<&str>| {
            part.is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
        };
        let (line_no, column) = (parts.next(), parts.next());
        let tail = parts.next().unwrap_or("");
        number(line_no)
            && number(column)
            && tail.starts_with(" error[")
            && tail.find("]: ").is_some_and(|end| end > " error[".len())
    })
}

fn json(run: &Run) -> Value {
    serde_json::from_str(&run.stdout)
        .unwrap_or_else(|err| panic!("stdout is not JSON ({err}):\n{}", run.stdout))
}

fn diagnostics_of(document: &Value, index: usize) -> &Vec<Value> {
    document["files"][index]["diagnostics"]
        .as_array()
        .expect("diagnostics array")
}

fn canonical(source: &str) -> String {
    let run = procura(&["fmt", "-"], Some(source.as_bytes()));
    assert_eq!(run.code, 0, "fmt - failed: {}", run.stderr);
    run.stdout
}

// ---- check ----

#[test]
fn check_valid_policy_exits_0() {
    let dir = TempDir::new("check-valid");
    let path = dir.file("valid.procura", VALID);
    let run = procura(&["check", &path], None);
    assert_eq!(
        run.code, 0,
        "stdout:\n{}\nstderr:\n{}",
        run.stdout, run.stderr
    );
    assert!(!run.stdout.contains("error["), "{}", run.stdout);
}

#[test]
fn check_malformed_policy_exits_1_with_located_error() {
    let dir = TempDir::new("check-malformed");
    let path = dir.file("malformed.procura", MALFORMED);
    let run = procura(&["check", &path], None);
    assert_eq!(run.code, 1, "stdout:\n{}", run.stdout);
    assert!(
        has_located_error(&run.stdout, &path),
        "stdout:\n{}",
        run.stdout
    );
}

#[test]
fn check_text_that_is_not_a_policy_exits_1() {
    let dir = TempDir::new("check-garbage");
    let path = dir.file("garbage.procura", NOT_A_POLICY);
    let run = procura(&["check", &path], None);
    assert_eq!(run.code, 1, "stdout:\n{}", run.stdout);
    assert!(
        has_located_error(&run.stdout, &path),
        "stdout:\n{}",
        run.stdout
    );
}

#[test]
fn check_reports_every_file_and_fails_if_any_has_errors() {
    let dir = TempDir::new("check-many");
    let good = dir.file("good.procura", VALID);
    let bad = dir.file("bad.procura", NOT_A_POLICY);
    let run = procura(&["check", &good, &bad], None);
    assert_eq!(run.code, 1, "stdout:\n{}", run.stdout);
    assert!(
        has_located_error(&run.stdout, &bad),
        "stdout:\n{}",
        run.stdout
    );
    assert!(
        !has_located_error(&run.stdout, &good),
        "stdout:\n{}",
        run.stdout
    );
}

#[test]
fn check_json_is_one_document_with_every_file() {
    let dir = TempDir::new("check-json");
    let good = dir.file("good.procura", VALID);
    let bad = dir.file("bad.procura", MALFORMED);
    let run = procura(&["check", "--format", "json", &good, &bad], None);
    let document = json(&run);
    let files = document["files"].as_array().expect("files array");
    assert_eq!(files.len(), 2);
    assert_eq!(files[0]["path"], good.as_str());
    assert_eq!(files[1]["path"], bad.as_str());
    assert!(diagnostics_of(&document, 0)
        .iter()
        .all(|d| d["severity"] != "error"));
    let errors: Vec<&Value> = diagnostics_of(&document, 1)
        .iter()
        .filter(|d| d["severity"] == "error")
        .collect();
    assert_eq!(run.code, 1, "stdout:\n{}", run.stdout);
    let error = errors.first().expect("the malformed file has an error");
    assert!(
        error["code"]
            .as_str()
            .is_some_and(|code| code.starts_with('P')),
        "{error}"
    );
    assert!(
        error["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{error}"
    );
    assert!(
        error["span"]["line"].as_u64().is_some_and(|line| line >= 1),
        "{error}"
    );
    assert!(error["span"]["endColumn"].as_u64().is_some(), "{error}");
}

#[test]
fn check_json_of_a_clean_policy_exits_0() {
    let dir = TempDir::new("check-json-clean");
    let good = dir.file("good.procura", VALID);
    let run = procura(&["check", "--format=json", &good], None);
    assert_eq!(run.code, 0, "stdout:\n{}", run.stdout);
    let document = json(&run);
    assert_eq!(document["files"][0]["path"], good.as_str());
    assert!(diagnostics_of(&document, 0)
        .iter()
        .all(|d| d["severity"] != "error"));
}

#[test]
fn check_exit_code_agrees_with_the_diagnostics() {
    let dir = TempDir::new("check-agree");
    let sources: [&[u8]; 6] = [
        VALID.as_bytes(),
        MALFORMED.as_bytes(),
        NOT_A_POLICY.as_bytes(),
        MESSY.as_bytes(),
        INVALID_UTF8,
        b"",
    ];
    for (index, source) in sources.iter().enumerate() {
        let path = dir.file(&format!("{index}.procura"), source);
        let text = procura(&["check", &path], None);
        let json_run = procura(&["check", "--format", "json", &path], None);
        let has_errors = diagnostics_of(&json(&json_run), 0)
            .iter()
            .any(|d| d["severity"] == "error");
        let expected = i32::from(has_errors);
        assert_eq!(
            text.code, expected,
            "text exit for {source:?}:\n{}",
            text.stdout
        );
        assert_eq!(json_run.code, expected, "json exit for {source:?}");
        assert_eq!(
            has_located_error(&text.stdout, &path),
            has_errors,
            "{}",
            text.stdout
        );
    }
}

#[test]
fn check_invalid_utf8_does_not_panic() {
    let dir = TempDir::new("check-utf8");
    let path = dir.file("latin1.procura", INVALID_UTF8);
    let run = procura(&["check", &path], None);
    assert!(
        run.code == 0 || run.code == 1,
        "exit {}: {}",
        run.code,
        run.stderr
    );
    assert_eq!(
        run.code == 1,
        has_located_error(&run.stdout, &path),
        "{}",
        run.stdout
    );
    let run = procura(&["check", "--format", "json", &path], None);
    assert!(
        run.code == 0 || run.code == 1,
        "exit {}: {}",
        run.code,
        run.stderr
    );
    json(&run);
}

#[test]
fn check_missing_file_exits_2_with_a_message() {
    let dir = TempDir::new("check-missing");
    let missing = dir.0.join("missing.procura");
    let missing = missing.to_str().unwrap();
    let run = procura(&["check", missing], None);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains(missing), "stderr:\n{}", run.stderr);
    assert!(run.stdout.is_empty(), "stdout:\n{}", run.stdout);
}

#[test]
fn check_missing_file_among_others_still_exits_2() {
    let dir = TempDir::new("check-missing-among");
    let good = dir.file("good.procura", VALID);
    let bad = dir.file("bad.procura", NOT_A_POLICY);
    let missing = dir.0.join("missing.procura");
    let run = procura(&["check", &good, missing.to_str().unwrap(), &bad], None);
    assert_eq!(run.code, 2);
}

#[test]
fn check_reads_stdin_for_dash() {
    let run = procura(&["check", "-"], Some(VALID.as_bytes()));
    assert_eq!(run.code, 0, "stdout:\n{}", run.stdout);
    let run = procura(&["check", "-"], Some(NOT_A_POLICY.as_bytes()));
    assert_eq!(run.code, 1, "stdout:\n{}", run.stdout);
    assert!(
        has_located_error(&run.stdout, "<stdin>"),
        "stdout:\n{}",
        run.stdout
    );
}

#[test]
fn check_usage_errors_exit_2() {
    assert_eq!(procura(&["check"], None).code, 2);
    assert_eq!(
        procura(&["check", "--format", "xml", "x.procura"], None).code,
        2
    );
    assert_eq!(
        procura(&["check", "--color", "sometimes", "x.procura"], None).code,
        2
    );
    assert_eq!(procura(&["frobnicate"], None).code, 2);
    assert_eq!(procura(&[], None).code, 2);
}

#[test]
fn help_and_version_exit_0() {
    let help = procura(&["--help"], None);
    assert_eq!(help.code, 0);
    assert!(
        help.stdout.contains("check") && help.stdout.contains("fmt"),
        "{}",
        help.stdout
    );
    let version = procura(&["--version"], None);
    assert_eq!(version.code, 0);
    assert!(version.stdout.starts_with("procura "), "{}", version.stdout);
}

#[test]
fn colour_is_off_unless_asked_for() {
    let dir = TempDir::new("check-colour");
    let bad = dir.file("bad.procura", MALFORMED);
    // Not a terminal, so `auto` means no colour.
    let plain = procura(&["check", &bad], None);
    assert!(!plain.stdout.contains('\u{1b}'), "{}", plain.stdout);
    let never = procura(&["check", "--color", "never", &bad], None);
    assert!(!never.stdout.contains('\u{1b}'), "{}", never.stdout);
    assert!(has_located_error(&never.stdout, &bad), "{}", never.stdout);
    let always = procura(&["check", "--color", "always", &bad], None);
    assert_eq!(always.code, 1);
    assert!(always.stdout.contains('\u{1b}'), "{}", always.stdout);
}

// ---- fmt ----

#[test]
fn fmt_is_idempotent_and_check_accepts_its_output() {
    let formatted = canonical(MESSY);
    assert_eq!(canonical(&formatted), formatted);
    let dir = TempDir::new("fmt-idempotent");
    let path = dir.file("tidy.procura", &formatted);
    let run = procura(&["fmt", "--check", &path], None);
    assert_eq!(
        run.code, 0,
        "stdout:\n{}\nstderr:\n{}",
        run.stdout, run.stderr
    );
    assert!(run.stdout.is_empty(), "{}", run.stdout);
}

#[test]
fn fmt_check_reports_unformatted_files_and_writes_nothing() {
    let dir = TempDir::new("fmt-check");
    let messy = dir.file("messy.procura", MESSY);
    let tidy = dir.file("tidy.procura", canonical(MESSY));
    let run = procura(&["fmt", "--check", &tidy, &messy], None);
    assert_eq!(run.code, 1, "stdout:\n{}", run.stdout);
    assert_eq!(run.stdout, format!("{messy}: not formatted\n"));
    assert_eq!(fs::read_to_string(&messy).unwrap(), MESSY);
}

#[test]
fn fmt_rewrites_files_in_place() {
    let dir = TempDir::new("fmt-in-place");
    let path = dir.file("messy.procura", MESSY);
    let run = procura(&["fmt", &path], None);
    assert_eq!(run.code, 0, "stderr:\n{}", run.stderr);
    assert_eq!(fs::read_to_string(&path).unwrap(), canonical(MESSY));
    assert_eq!(procura(&["fmt", "--check", &path], None).code, 0);
}

#[test]
fn fmt_of_a_policy_with_syntax_errors_exits_1_and_leaves_it_alone() {
    let dir = TempDir::new("fmt-errors");
    let path = dir.file("garbage.procura", NOT_A_POLICY);
    for args in [
        vec!["fmt", path.as_str()],
        vec!["fmt", "--check", path.as_str()],
    ] {
        let run = procura(&args, None);
        assert_eq!(run.code, 1, "{args:?}\nstderr:\n{}", run.stderr);
        assert!(
            has_located_error(&run.stderr, &path),
            "stderr:\n{}",
            run.stderr
        );
        assert_eq!(fs::read_to_string(&path).unwrap(), NOT_A_POLICY);
    }
}

#[test]
fn fmt_stdin_writes_stdout() {
    let run = procura(&["fmt", "-"], Some(MESSY.as_bytes()));
    assert_eq!(run.code, 0, "stderr:\n{}", run.stderr);
    assert!(run.stdout.contains("Messy"), "{}", run.stdout);
    let tidy = run.stdout;
    let check = procura(&["fmt", "--check", "-"], Some(tidy.as_bytes()));
    assert_eq!(check.code, 0, "stdout:\n{}", check.stdout);
    assert!(check.stdout.is_empty(), "{}", check.stdout);
}

#[test]
fn fmt_check_stdin_reports_unformatted_input() {
    let run = procura(&["fmt", "--check", "-"], Some(MESSY.as_bytes()));
    assert_eq!(run.code, 1, "stdout:\n{}", run.stdout);
    assert_eq!(run.stdout, "<stdin>: not formatted\n");
}

#[test]
fn fmt_stdin_with_syntax_errors_exits_1() {
    let run = procura(&["fmt", "-"], Some(NOT_A_POLICY.as_bytes()));
    assert_eq!(run.code, 1, "stdout:\n{}", run.stdout);
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    assert!(
        has_located_error(&run.stderr, "<stdin>"),
        "stderr:\n{}",
        run.stderr
    );
}

#[test]
fn fmt_invalid_utf8_exits_1_and_leaves_the_file_alone() {
    let dir = TempDir::new("fmt-utf8");
    let path = dir.file("latin1.procura", INVALID_UTF8);
    let run = procura(&["fmt", &path], None);
    assert_eq!(run.code, 1, "stderr:\n{}", run.stderr);
    assert_eq!(fs::read(&path).unwrap(), INVALID_UTF8);
    let run = procura(&["fmt", "-"], Some(INVALID_UTF8));
    assert_eq!(run.code, 1, "stderr:\n{}", run.stderr);
    assert!(run.stdout.is_empty(), "{}", run.stdout);
}

#[test]
fn fmt_io_and_usage_problems_exit_2() {
    let dir = TempDir::new("fmt-missing");
    let missing = dir.0.join("missing.procura");
    let run = procura(&["fmt", missing.to_str().unwrap()], None);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("missing.procura"), "{}", run.stderr);
    let good = dir.file("good.procura", VALID);
    assert_eq!(procura(&["fmt", "-", &good], Some(b"")).code, 2);
    assert_eq!(procura(&["fmt"], None).code, 2);
}

#[test]
fn fmt_of_a_directory_exits_2() {
    let dir = TempDir::new("fmt-dir");
    assert_eq!(procura(&["fmt", path_str(&dir.0)], None).code, 2);
    assert_eq!(procura(&["check", path_str(&dir.0)], None).code, 2);
}

fn path_str(path: &Path) -> &str {
    path.to_str().unwrap()
}

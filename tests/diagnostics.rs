#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! Malformed policies and the diagnostics they must produce.
//!
//! Each `tests/front/cases/NNN-short-name.procura` is a small policy with one deliberate
//! mistake. Its first line says what must be reported and where:
//!
//! ```text
//! // expect: P0201 at 12:7
//! ```
//!
//! that is a diagnostic with code `P0201` whose primary span starts at line 12, column 7
//! (1-based, columns count characters). Other diagnostics may accompany it; the snapshot
//! `tests/snapshots/diagnostics__cases.snap` pins the full output of every case.
//!
//! The runner reports every case before failing, so one run shows the whole picture.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use procura::Diagnostic;

const CASES: &str = "tests/front/cases";
const MIN_CASES: usize = 45;

/// Codes no case file covers, and why.
const UNCOVERED: &[(&str, &str)] = &[
    (
        "P0000",
        "an internal error has no input that should cause it",
    ),
    (
        "P0002",
        "a 4 MiB source is built in memory by `source_too_large`",
    ),
    (
        "P0004",
        "the parser's call limit needs a pathological input of megabytes",
    ),
];

struct Case {
    name: String,
    bytes: Vec<u8>,
    code: String,
    line: u32,
    column: u32,
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// `// expect: P0201 at 12:7` → `("P0201", 12, 7)`.
fn expectation(first_line: &str) -> Option<(String, u32, u32)> {
    let rest = first_line.strip_prefix("// expect: ")?;
    let (code, at) = rest.trim_end().split_once(" at ")?;
    let (line, column) = at.split_once(':')?;
    let valid =
        code.len() == 5 && code.starts_with('P') && code[1..].bytes().all(|b| b.is_ascii_digit());
    valid.then_some(())?;
    Some((code.to_owned(), line.parse().ok()?, column.parse().ok()?))
}

fn cases() -> Vec<Case> {
    let dir = root().join(CASES);
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "procura"))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let name = path.file_stem().unwrap().to_string_lossy().into_owned();
            let bytes = std::fs::read(&path).unwrap();
            let first = bytes.split(|&b| b == b'\n').next().unwrap_or_default();
            let first = String::from_utf8_lossy(first);
            let (code, line, column) = expectation(&first).unwrap_or_else(|| {
                panic!("{CASES}/{name}.procura: the first line must be `// expect: P0201 at 12:7`, found `{first}`")
            });
            Case { name, bytes, code, line, column }
        })
        .collect()
}

/// Whether the checker is wired up yet: a policy without a header must be reported.
fn checker_active() -> bool {
    !procura::check("rule r {\n  block lines\n}\n")
        .diagnostics
        .is_empty()
}

/// Every diagnostic of a case: the checker's, or the parser's while the checker is absent.
fn diagnostics(bytes: &[u8], checker: bool) -> Vec<Diagnostic> {
    let mut diagnostics = procura::check_bytes(bytes).diagnostics;
    if !checker {
        if let Ok(source) = std::str::from_utf8(bytes) {
            if let Err(parse_errors) = procura::format(source) {
                diagnostics.extend(parse_errors);
            }
        }
    }
    diagnostics
}

/// `12:7 error[P0201] unknown group `nort``, one line per diagnostic.
fn render(diagnostics: &[Diagnostic]) -> String {
    let mut out = String::new();
    for d in diagnostics {
        let severity = if d.is_error() { "error" } else { "warning" };
        let _ = writeln!(
            out,
            "{}:{} {severity}[{}] {}",
            d.span.line, d.span.column, d.code, d.message
        );
    }
    out
}

/// Parse-level codes, observable through `procura::format` alone.
fn is_syntax(code: &str) -> bool {
    code.starts_with("P00") && code != "P0001"
}

/// Runs the cases `select` picks; prints one line per case and fails if any fails.
fn run(select: impl Fn(&Case) -> bool) {
    let checker = checker_active();
    if !checker {
        println!("note: procura::check reports nothing yet; using the parser's diagnostics");
    }
    let mut summary = String::new();
    let mut failed = Vec::new();
    let mut count = 0;
    for case in cases().iter().filter(|c| select(c)) {
        count += 1;
        let found = diagnostics(&case.bytes, checker);
        let hit = found.iter().any(|d| {
            d.code == case.code && d.span.line == case.line && d.span.column == case.column
        });
        let wanted = format!("{} at {}:{}", case.code, case.line, case.column);
        if hit {
            let _ = writeln!(summary, "pass {:<40} {wanted}", case.name);
        } else {
            let _ = writeln!(summary, "FAIL {:<40} {wanted}", case.name);
            let got = render(&found);
            let got = if got.is_empty() {
                "nothing\n".to_owned()
            } else {
                got
            };
            for line in got.lines() {
                let _ = writeln!(summary, "       got {line}");
            }
            failed.push(case.name.clone());
        }
    }
    println!("{summary}{} of {count} cases pass", count - failed.len());
    assert!(
        failed.is_empty(),
        "{} of {count} cases fail (details above): {}",
        failed.len(),
        failed.join(", ")
    );
}

#[test]
fn syntax_cases() {
    run(|case| is_syntax(&case.code));
}

#[test]
fn checker_cases() {
    run(|case| !is_syntax(&case.code));
}

/// The full output of every case, in one snapshot to review as a whole.
#[test]
fn snapshot_of_every_case() {
    if !checker_active() {
        println!("note: procura::check reports nothing yet; snapshot skipped");
        return;
    }
    let mut all = String::new();
    for case in cases() {
        let _ = writeln!(all, "── {}", case.name);
        all.push_str(&render(&diagnostics(&case.bytes, true)));
    }
    insta::assert_snapshot!("cases", all);
}

#[test]
fn cases_are_well_formed_and_cover_every_code() {
    let cases = cases();
    assert!(
        cases.len() >= MIN_CASES,
        "only {} cases, want at least {MIN_CASES}",
        cases.len()
    );
    let mut numbers = Vec::new();
    for case in &cases {
        let (number, rest) = case
            .name
            .split_once('-')
            .unwrap_or_else(|| panic!("{}: name cases `NNN-short-name.procura`", case.name));
        assert!(
            number.len() == 3 && number.bytes().all(|b| b.is_ascii_digit()),
            "{}: name cases `NNN-short-name.procura`",
            case.name
        );
        assert!(
            !rest.is_empty()
                && rest
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
            "{}: the short name is lowercase words joined by `-`",
            case.name
        );
        assert!(
            !numbers.contains(&number),
            "{}: number {number} is used twice",
            case.name
        );
        numbers.push(number);
    }
    let catalogue = std::fs::read_to_string(root().join("src/syntax/problem.rs")).unwrap();
    let codes: Vec<&str> = catalogue
        .split("=> \"")
        .skip(1)
        .filter_map(|rest| rest.get(..5))
        .filter(|code| code.starts_with('P') && code[1..].bytes().all(|b| b.is_ascii_digit()))
        .collect();
    assert!(
        codes.len() > 50,
        "could not read the codes of src/syntax/problem.rs"
    );
    for case in &cases {
        assert!(
            codes.contains(&case.code.as_str()),
            "{}: {} is not a code",
            case.name,
            case.code
        );
    }
    let missing: Vec<&str> = codes
        .iter()
        .copied()
        .filter(|code| !UNCOVERED.iter().any(|(c, _)| c == code))
        .filter(|code| !cases.iter().any(|case| case.code == *code))
        .collect();
    assert!(missing.is_empty(), "no case covers {missing:?}");
}

#[test]
fn source_too_large() {
    let mut source = String::from("policy \"Large\" {\n  currency CAD\n}\n");
    source.push_str(&" ".repeat(procura::MAX_SOURCE_BYTES));
    let reports = procura::format(&source).expect_err("a source over the limit must not parse");
    assert!(reports.iter().any(|r| r.code == "P0002"), "{reports:?}");
    if checker_active() {
        let output = procura::check(&source);
        assert!(
            output.diagnostics.iter().any(|d| d.code == "P0002"),
            "{:?}",
            output.diagnostics
        );
    }
}

#[test]
fn expectation_lines_are_read_strictly() {
    assert_eq!(
        expectation("// expect: P0201 at 12:7"),
        Some(("P0201".into(), 12, 7))
    );
    assert_eq!(expectation("// expect: P201 at 12:7"), None);
    assert_eq!(expectation("// expect P0201 at 12:7"), None);
    assert_eq!(expectation("// expect: P0201 12:7"), None);
}

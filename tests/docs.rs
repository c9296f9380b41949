#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! The language reference and the example policies stay true.
//!
//! Every ```` ```procura ```` block of `docs/language.md` is a complete policy: it must
//! parse, check without errors, be in the canonical layout of `procura fmt`, and pass its
//! own `test` blocks. A block tagged ```` ```procura,fail-P0201 ```` shows a mistake: it
//! must produce that code (from the parser for `P00xx`, from the checker otherwise, and
//! then it must parse). Every `examples/*.procura`, including the ten scenarios of the
//! design, must do the same as a clean block. The diagnostics table must list every code
//! of `src/syntax/problem.rs`.
//!
//! Checker-based assertions apply once `procura::check` reports anything at all; until
//! then they are skipped with a note, and the parse assertions still run.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use procura::Diagnostic;

const LANGUAGE_MD: &str = "docs/language.md";

/// One fenced ```` ```procura ```` block of the reference.
struct Block {
    /// 1-based line of the opening fence in the markdown file.
    line: usize,
    /// `Some("P0201")` for a block tagged `procura,fail-P0201`.
    expect: Option<String>,
    source: String,
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// Every fenced block whose info string is `procura` or `procura,fail-CODE`.
fn procura_blocks(markdown: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut open: Option<(usize, Option<Option<String>>, String)> = None;
    for (index, line) in markdown.lines().enumerate() {
        let number = index + 1;
        match open.take() {
            None => {
                if let Some(info) = line.strip_prefix("```") {
                    let info = info.trim();
                    let kind = if info == "procura" {
                        Some(None)
                    } else if let Some(code) = info.strip_prefix("procura,fail-") {
                        Some(Some(code.to_owned()))
                    } else {
                        assert!(
                            !info.starts_with("procura"),
                            "{LANGUAGE_MD}:{number}: unknown info string `{info}`; use `procura` or `procura,fail-P0201`"
                        );
                        None
                    };
                    open = Some((number, kind, String::new()));
                }
            }
            Some((start, kind, mut source)) => {
                if line.trim_end() == "```" {
                    if let Some(expect) = kind {
                        blocks.push(Block {
                            line: start,
                            expect,
                            source,
                        });
                    }
                } else {
                    source.push_str(line);
                    source.push('\n');
                    open = Some((start, kind, source));
                }
            }
        }
    }
    assert!(
        open.is_none(),
        "{LANGUAGE_MD}: a fenced block is not closed"
    );
    blocks
}

/// Whether the checker is wired up yet: a policy without a header must be reported.
fn checker_active() -> bool {
    !procura::check("rule r {\n  block lines\n}\n")
        .diagnostics
        .is_empty()
}

fn render(diagnostics: &[Diagnostic]) -> String {
    let mut out = String::new();
    for d in diagnostics {
        let severity = if d.is_error() { "error" } else { "warning" };
        let _ = writeln!(
            out,
            "    {}:{} {severity}[{}] {}",
            d.span.line, d.span.column, d.code, d.message
        );
    }
    out
}

/// The parse errors of `source`: formatting fails exactly when parsing does, with them.
fn parse_errors(source: &str) -> Vec<Diagnostic> {
    procura::format(source).err().unwrap_or_default()
}

/// What is wrong with a policy that should be clean, or `None`.
fn problems_of_clean(source: &str, checker: bool) -> Option<String> {
    let parse = parse_errors(source);
    if !parse.is_empty() {
        return Some(format!("does not parse:\n{}", render(&parse)));
    }
    if checker {
        let output = procura::check(source);
        if output.has_errors() {
            return Some(format!(
                "has check errors:\n{}",
                render(&output.diagnostics)
            ));
        }
    }
    None
}

/// What is wrong with a block that should show `code`, or `None`.
fn problems_of_failing(source: &str, code: &str, checker: bool) -> Option<String> {
    let parse = parse_errors(source);
    if code.starts_with("P00") && code != "P0001" {
        if !parse.iter().any(|d| d.code == code) {
            return Some(format!(
                "parsing does not report {code}:\n{}",
                render(&parse)
            ));
        }
    } else if !parse.is_empty() {
        return Some(format!(
            "should parse (it shows {code}) but does not:\n{}",
            render(&parse)
        ));
    }
    if checker {
        let output = procura::check(source);
        if !output.diagnostics.iter().any(|d| d.code == code) {
            return Some(format!(
                "check does not report {code}:\n{}",
                render(&output.diagnostics)
            ));
        }
    }
    None
}

fn note_checker(checker: bool) {
    if !checker {
        println!("note: procura::check reports nothing yet; checker assertions skipped");
    }
}

#[test]
fn doc_blocks_parse_and_check() {
    let markdown = read(&root().join(LANGUAGE_MD));
    let blocks = procura_blocks(&markdown);
    assert!(
        blocks.len() >= 40,
        "expected the reference to have many examples, found {}",
        blocks.len()
    );
    let checker = checker_active();
    note_checker(checker);
    let mut failures = String::new();
    for block in &blocks {
        let problem = match &block.expect {
            None => problems_of_clean(&block.source, checker),
            Some(code) => problems_of_failing(&block.source, code, checker),
        };
        if let Some(problem) = problem {
            let _ = writeln!(failures, "{LANGUAGE_MD}:{}: block {problem}", block.line);
        }
    }
    let clean = blocks.iter().filter(|b| b.expect.is_none()).count();
    println!(
        "{} blocks: {clean} clean, {} showing a diagnostic",
        blocks.len(),
        blocks.len() - clean
    );
    assert!(failures.is_empty(), "{failures}");
}

#[test]
fn doc_blocks_are_formatted() {
    let markdown = read(&root().join(LANGUAGE_MD));
    let mut failures = String::new();
    for block in procura_blocks(&markdown)
        .iter()
        .filter(|b| b.expect.is_none())
    {
        match procura::format(&block.source) {
            Ok(formatted) if formatted == block.source => {}
            Ok(formatted) => {
                let _ = writeln!(
                    failures,
                    "{LANGUAGE_MD}:{}: block is not in the canonical layout; formatted:\n{formatted}",
                    block.line
                );
            }
            Err(diagnostics) => {
                let _ = writeln!(
                    failures,
                    "{LANGUAGE_MD}:{}: block cannot be formatted:\n{}",
                    block.line,
                    render(&diagnostics)
                );
            }
        }
    }
    assert!(failures.is_empty(), "{failures}");
}

/// Every code the catalogue defines, read from `src/syntax/problem.rs`: `=> "P0201",`.
fn catalogue_codes() -> Vec<String> {
    let source = read(&root().join("src/syntax/problem.rs"));
    let mut codes: Vec<String> = source
        .split("=> \"")
        .skip(1)
        .filter_map(|rest| rest.get(..5))
        .filter(|code| code.starts_with('P') && code[1..].bytes().all(|b| b.is_ascii_digit()))
        .map(str::to_owned)
        .collect();
    codes.sort();
    codes.dedup();
    assert!(
        codes.len() > 50,
        "could not read the codes of src/syntax/problem.rs"
    );
    codes
}

#[test]
fn diagnostics_table_lists_every_code() {
    let markdown = read(&root().join(LANGUAGE_MD));
    let missing: Vec<String> = catalogue_codes()
        .into_iter()
        .filter(|code| !markdown.contains(&format!("| `{code}` |")))
        .collect();
    assert!(
        missing.is_empty(),
        "{LANGUAGE_MD} has no table row `| `CODE` |` for: {missing:?}"
    );
    for block in procura_blocks(&markdown) {
        if let Some(code) = block.expect {
            assert!(
                catalogue_codes().contains(&code),
                "{LANGUAGE_MD}:{}: `fail-{code}` is not a code of src/syntax/problem.rs",
                block.line
            );
        }
    }
}

const SCENARIOS: [&str; 10] = [
    "01-engineering-approvals.procura",
    "02-alcohol-events.procura",
    "03-copier-paper.procura",
    "04-it-hardware-sum.procura",
    "05-self-approval.procura",
    "06-cost-centre-chain.procura",
    "07-marketing-budget.procura",
    "08-split-detection.procura",
    "09-plant-munich-invoicing.procura",
    "10-japan-subsidiary.procura",
];

fn examples() -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(root().join("examples"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "procura"))
        .collect();
    paths.sort();
    paths
}

#[test]
fn examples_parse_and_check() {
    let paths = examples();
    for scenario in SCENARIOS {
        assert!(
            paths
                .iter()
                .any(|p| p.file_name().is_some_and(|n| n == scenario)),
            "examples/{scenario} is missing"
        );
    }
    let checker = checker_active();
    note_checker(checker);
    let mut failures = String::new();
    for path in &paths {
        let source = read(path);
        if let Some(problem) = problems_of_clean(&source, checker) {
            let _ = writeln!(failures, "{}: {problem}", path.display());
        }
        if checker {
            for warning in procura::check(&source)
                .diagnostics
                .iter()
                .filter(|d| !d.is_error())
            {
                println!(
                    "{}: {}",
                    path.display(),
                    render(std::slice::from_ref(warning)).trim()
                );
            }
        }
    }
    println!("{} examples", paths.len());
    assert!(failures.is_empty(), "{failures}");
}

#[test]
fn examples_are_formatted() {
    let mut failures = String::new();
    for path in examples() {
        let source = read(&path);
        match procura::format(&source) {
            Ok(formatted) if formatted == source => {}
            Ok(_) => {
                let _ = writeln!(failures, "{}: not in the canonical layout", path.display());
            }
            Err(diagnostics) => {
                let _ = writeln!(
                    failures,
                    "{}: cannot be formatted:\n{}",
                    path.display(),
                    render(&diagnostics)
                );
            }
        }
    }
    assert!(failures.is_empty(), "{failures}");
}

/// The `test` blocks of a policy, run by the engine: `None` when they all pass.
fn failing_policy_tests(source: &str) -> Option<String> {
    let engine = match procura::Engine::from_json(source, None) {
        Ok(engine) => engine,
        Err(errors) => return Some(format!("does not compile: {errors:?}")),
    };
    let report = engine.run_tests();
    if report.failed == 0 {
        return None;
    }
    let mut out = format!(
        "{} of {} policy tests fail:\n",
        report.failed,
        report.tests.len()
    );
    for test in report.tests.iter().filter(|t| !t.passed) {
        let _ = writeln!(out, "    test {:?}", test.name);
        for failure in &test.failures {
            let _ = writeln!(
                out,
                "      expected {}, got {}",
                failure.expected, failure.actual
            );
        }
    }
    Some(out)
}

#[test]
fn policy_tests_of_examples_and_doc_blocks_pass() {
    let mut failures = String::new();
    for path in examples() {
        if let Some(problem) = failing_policy_tests(&read(&path)) {
            let _ = writeln!(failures, "{}: {problem}", path.display());
        }
    }
    let markdown = read(&root().join(LANGUAGE_MD));
    for block in procura_blocks(&markdown)
        .iter()
        .filter(|b| b.expect.is_none())
    {
        if let Some(problem) = failing_policy_tests(&block.source) {
            let _ = writeln!(failures, "{LANGUAGE_MD}:{}: block {problem}", block.line);
        }
    }
    assert!(failures.is_empty(), "{failures}");
}

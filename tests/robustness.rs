//! Bad input never panics, hangs or aborts: random and mutated policies and requests get
//! diagnostics or structured failures, and every limit is enforced with its code.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use proptest::prelude::*;

fn maple() -> String {
    std::fs::read_to_string("examples/maple.procura").unwrap()
}

fn codes(source: &str) -> Vec<&'static str> {
    procura::check(source)
        .diagnostics
        .iter()
        .map(|d| d.code)
        .collect()
}

/// Every diagnostic points inside the source, with 1-based positions.
fn assert_well_located(source: &str, output: &procura::CheckOutput) {
    for d in &output.diagnostics {
        assert!(d.span.start <= d.span.end, "{d:?}");
        assert!(d.span.end <= source.len() + 1, "span past the end: {d:?}");
        assert!(d.span.line >= 1 && d.span.column >= 1, "{d:?}");
        assert!(!d.message.is_empty() && !d.message.ends_with('.'), "{d:?}");
    }
}

#[derive(Debug, Clone)]
enum Edit {
    Delete(usize, usize),
    Insert(usize, String),
    Replace(usize, u8),
}

fn edit() -> impl Strategy<Value = Edit> {
    let tokens = prop::sample::select(vec![
        "{",
        "}",
        "(",
        ")",
        "[",
        "]",
        "\"",
        ":",
        ",",
        "//",
        "\\",
        "rule",
        "for",
        "level",
        "%",
        "CAD",
        "1e9",
        "99999999999999999999999999999999",
        "not",
        "and",
        "é",
        "«",
        "🙂",
        "\n",
        " ",
    ]);
    prop_oneof![
        (any::<prop::sample::Index>(), 1usize..20)
            .prop_map(|(i, n)| Edit::Delete(i.index(4000), n)),
        (any::<prop::sample::Index>(), tokens)
            .prop_map(|(i, t)| Edit::Insert(i.index(4000), t.to_owned())),
        (any::<prop::sample::Index>(), any::<u8>())
            .prop_map(|(i, b)| Edit::Replace(i.index(4000), b)),
    ]
}

fn apply(source: &str, edits: &[Edit]) -> Vec<u8> {
    let mut bytes = source.as_bytes().to_vec();
    for edit in edits {
        let len = bytes.len().max(1);
        match edit {
            Edit::Delete(at, n) => {
                let at = at % len;
                let end = (at + n).min(bytes.len());
                if at < end {
                    bytes.drain(at..end);
                }
            }
            Edit::Insert(at, text) => {
                let at = at % (bytes.len() + 1);
                bytes.splice(at..at, text.bytes());
            }
            Edit::Replace(at, b) => {
                if !bytes.is_empty() {
                    let at = at % bytes.len();
                    bytes[at] = *b;
                }
            }
        }
    }
    bytes
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_get_diagnostics(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let output = procura::check_bytes(&bytes);
        match std::str::from_utf8(&bytes) {
            Ok(text) => assert_well_located(text, &output),
            Err(_) => prop_assert_eq!(output.diagnostics.iter().map(|d| d.code).collect::<Vec<_>>(), vec!["P0001"]),
        }
        // Nothing but a policy header can be valid, and random bytes are not one.
        prop_assert!(output.has_errors());
    }

    #[test]
    fn mutated_policies_get_diagnostics(edits in prop::collection::vec(edit(), 1..6)) {
        let bytes = apply(&maple(), &edits);
        let output = procura::check_bytes(&bytes);
        if let Ok(text) = std::str::from_utf8(&bytes) {
            assert_well_located(text, &output);
            // A policy that does not format has an error; one that does formats to a
            // fixpoint.
            match procura::format(text) {
                Ok(formatted) => {
                    prop_assert_eq!(procura::format(&formatted).ok(), Some(formatted));
                }
                Err(_) => prop_assert!(output.has_errors()),
            }
            // A policy that checks cleanly compiles into an engine.
            if !output.has_errors() {
                prop_assert!(procura::Engine::new(text, &Default::default()).is_ok());
            }
        }
    }

    #[test]
    fn mutated_requests_get_tagged_answers(edits in prop::collection::vec(edit(), 1..6)) {
        let engine = procura::Engine::from_json(
            &maple(),
            Some(&std::fs::read_to_string("examples/maple.directory.json").unwrap()),
        )
        .unwrap();
        let request = std::fs::read_to_string("examples/maple.request.json").unwrap();
        let bytes = apply(&request, &edits);
        let text = String::from_utf8_lossy(&bytes);
        let answer: serde_json::Value = serde_json::from_str(&engine.evaluate_json(&text)).unwrap();
        let kind = answer["type"].as_str().unwrap();
        prop_assert!(kind == "success" || kind == "failure");
        if kind == "failure" {
            for error in answer["errors"].as_array().unwrap() {
                prop_assert!(error["code"].as_str().unwrap().starts_with('E'));
            }
        }
    }
}

#[test]
fn deep_brackets_are_refused_before_parsing() {
    let source = format!(
        "policy \"x\" {{ currency CAD }}\nrule r {{ block order when {}true{} }}",
        "(".repeat(200_000),
        ")".repeat(200_000)
    );
    assert_eq!(codes(&source), ["P0003"]);
}

#[test]
fn long_operator_chains_are_refused() {
    let chain = vec!["order.subtotal > 1.00 CAD"; 5_000].join(" and ");
    let source = format!("policy \"x\" {{ currency CAD }}\nrule r {{ block order when {chain} }}");
    assert_eq!(codes(&source), ["P0009"]);
    let nots = "not ".repeat(10_000);
    let source =
        format!("policy \"x\" {{ currency CAD }}\nrule r {{ block order when {nots}true }}");
    assert_eq!(codes(&source), ["P0009"]);
}

#[test]
fn oversized_sources_are_refused() {
    let source = format!(
        "policy \"x\" {{ currency CAD }}\n{}",
        "// filler\n".repeat(500_000)
    );
    assert_eq!(codes(&source), ["P0002"]);
}

#[test]
fn a_policy_with_three_mistakes_gets_three_diagnostics() {
    let source = r#"policy "x" { currency CAD }
group district { group north }
rule a { block lines in category "office" for nort }
rule b { warn order when order.subtotal > "ten" }
invoice c { for north template "t" bill to "b" send to "x" every month terms net 60 }
"#;
    let output = procura::check(source);
    let found: Vec<(&str, u32, u32)> = output
        .diagnostics
        .iter()
        .map(|d| (d.code, d.span.line, d.span.column))
        .collect();
    assert_eq!(
        found,
        [("P0201", 3, 47), ("P0302", 4, 26), ("P0401", 5, 82)]
    );
}

#[test]
fn deeply_nested_json_is_a_failure_not_a_crash() {
    let engine = procura::Engine::new(&maple(), &Default::default()).unwrap();
    let nested = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let answer: serde_json::Value = serde_json::from_str(&engine.evaluate_json(&nested)).unwrap();
    assert_eq!(answer["type"], "failure");
    assert_eq!(answer["errors"][0]["code"], "E0101");
    let huge = format!("{{\"buyer\": \"{}\"}}", "x".repeat(20 * 1024 * 1024));
    let answer: serde_json::Value = serde_json::from_str(&engine.evaluate_json(&huge)).unwrap();
    assert_eq!(answer["errors"][0]["code"], "E0102");
}

#[test]
fn engines_are_shared_across_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<procura::Engine>();
    let engine = procura::Engine::from_json(
        &maple(),
        Some(&std::fs::read_to_string("examples/maple.directory.json").unwrap()),
    )
    .unwrap();
    let request = std::fs::read_to_string("examples/maple.request.json").unwrap();
    let here = engine.evaluate_json(&request);
    let there = std::thread::scope(|s| {
        let a = s.spawn(|| engine.evaluate_json(&request));
        let b = s.spawn(|| engine.evaluate_json(&request));
        (a.join().unwrap(), b.join().unwrap())
    });
    assert_eq!(here, there.0);
    assert_eq!(here, there.1);
    assert_eq!(here, engine.evaluate_json(&request));
}

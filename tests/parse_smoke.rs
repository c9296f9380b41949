#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
#[test]
fn maple_parses() {
    let src = std::fs::read_to_string("examples/maple.procura").unwrap();
    let output = procura::check(&src);
    assert!(!output.has_errors(), "{:#?}", output.diagnostics);
    let engine = procura::Engine::new(&src, &Default::default()).unwrap();
    assert!(engine.outline().groups.len() > 3);
}

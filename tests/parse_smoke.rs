#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
#[test]
fn maple_parses() {
    let src = std::fs::read_to_string("examples/maple.procura").unwrap();
    match procura::syntax::parse(&src) {
        Ok(p) => assert!(p.declarations.len() > 10),
        Err(e) => panic!("{e:#?}"),
    }
}

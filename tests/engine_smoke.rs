#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
#[test]
fn maple_evaluates() {
    let src = std::fs::read_to_string("examples/maple.procura").unwrap();
    let dir = std::fs::read_to_string("examples/maple.directory.json").unwrap();
    let req = std::fs::read_to_string("examples/maple.request.json").unwrap();
    let engine = procura::Engine::from_json(&src, Some(&dir)).unwrap();
    let out = engine.evaluate_json(&req);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    println!("{}", serde_json::to_string_pretty(&v).unwrap());
    println!(
        "{}",
        serde_json::to_string_pretty(&engine.run_tests()).unwrap()
    );
}

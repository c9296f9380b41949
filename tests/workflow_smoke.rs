#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
fn run(events: &str) -> serde_json::Value {
    let src = std::fs::read_to_string("examples/maple.procura").unwrap();
    let dir = std::fs::read_to_string("examples/maple.directory.json").unwrap();
    let engine = procura::Engine::from_json(&src, Some(&dir)).unwrap();
    let checkout: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string("examples/maple.large-order.json").unwrap())
            .unwrap();
    let mut req: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(events).unwrap()).unwrap();
    req["checkout"] = checkout;
    req["now"] = "2026-11-25T12:00:00-05:00".into();
    serde_json::from_str(&engine.progress_json(&req.to_string())).unwrap()
}
#[test]
fn smoke() {
    for f in [
        "examples/maple.approvals.json",
        "examples/maple.approvals-delegated.json",
    ] {
        let v = run(f);
        println!(
            "{}",
            serde_json::to_string_pretty(&v["result"]["steps"]).unwrap()
        );
        println!(
            "{} {} {:?}",
            v["type"], v["result"]["status"], v["result"]["rejectedLines"]
        );
        println!(
            "{}",
            serde_json::to_string_pretty(&v["result"]["plan"]).unwrap()
        );
    }
}

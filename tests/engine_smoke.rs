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

#[test]
fn maple_invoice_run() {
    let src = std::fs::read_to_string("examples/maple.procura").unwrap();
    let engine = procura::Engine::new(&src, &Default::default()).unwrap();
    let req = std::fs::read_to_string("examples/maple.orders-2026-11.json").unwrap();
    let out: serde_json::Value = serde_json::from_str(&engine.invoice_run_json(&req)).unwrap();
    println!("{}", serde_json::to_string_pretty(&out).unwrap());
    let run: procura::contract::InvoiceRunRequest = serde_json::from_str(&req).unwrap();
    if let procura::contract::Answer::Success { result } = engine.invoice_run(&run) {
        for rows in [
            procura::contract::ReportRows::Orders,
            procura::contract::ReportRows::Invoices,
        ] {
            let def = procura::reports::default_report(rows);
            if let procura::contract::Answer::Success { result } =
                procura::reports::csv(&result, &def)
            {
                println!("{result}");
            }
        }
    }
}

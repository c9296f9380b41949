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

/// The declared custom fields, as a request form reads them: titles with translations,
/// level, type, list values, pattern and the groups where each is required.
#[test]
fn declared_fields_for_a_form() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let source =
        std::fs::read_to_string(root.join("tests/conformance/policies/fields.procura")).unwrap();
    let engine = procura::Engine::from_json(&source, None).unwrap();
    let fields = serde_json::to_value(engine.fields()).unwrap();
    let names: Vec<&str> = fields
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "project",
            "budget_owner",
            "spend_type",
            "headcount",
            "estimate",
            "needed_by",
            "gl_code"
        ]
    );
    assert_eq!(
        fields[0],
        serde_json::json!({
            "name": "project", "title": "Project", "titles": {"fr": "Projet"},
            "help": "The project the order is charged to",
            "helps": {"fr": "Le projet auquel la commande est imputée"},
            "on": "order", "type": "text", "values": [], "pattern": "P-##",
            "requiredIn": ["district", "north", "south", "east"]
        })
    );
    assert_eq!(fields[1]["requiredIn"], serde_json::json!(["north"]));
    assert_eq!(fields[2]["type"], "oneOf");
    assert_eq!(fields[2]["values"], serde_json::json!(["capex", "opex"]));
    assert_eq!(fields[2]["requiredIn"], serde_json::json!([]));
    assert_eq!(fields[6]["on"], "lines");
}

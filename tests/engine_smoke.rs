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

/// The outline a storefront lists (groups with titles, roles, categories, fields, named
/// rules) and every permission of a user in a group, on Maple.
#[test]
fn maple_outline_and_permissions() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let read = |name: &str| std::fs::read_to_string(root.join("examples").join(name)).unwrap();
    let engine =
        procura::Engine::from_json(&read("maple.procura"), Some(&read("maple.directory.json")))
            .unwrap();
    let outline = serde_json::to_value(engine.outline()).unwrap();
    assert_eq!(outline["currency"], "CAD");
    assert_eq!(outline["defaultLocale"], "en-CA");
    assert_eq!(
        outline["groups"][0],
        serde_json::json!({"id": "district", "title": "Maple School District", "parent": null})
    );
    let north = outline["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["id"] == "north")
        .unwrap();
    assert_eq!(north["title"], "North Campus");
    assert_eq!(north["parent"], "schools");
    assert!(outline["categories"]
        .as_array()
        .unwrap()
        .contains(&serde_json::json!({"alias": "laptops", "id": "electronics/computers/laptops", "title": "Laptops"})));
    let rule = &outline["rules"][0];
    assert_eq!(rule["id"], "laptops_it_only");
    assert_eq!(rule["kind"], "rule");
    assert_eq!(rule["title"], "Laptops are bought by IT");
    assert_eq!(rule["span"]["line"], 29);
    assert_eq!(outline["fields"][0]["name"], "cost_centre");
    let principal = outline["roles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "principal")
        .unwrap();
    assert!(principal["actions"]
        .as_array()
        .unwrap()
        .contains(&serde_json::json!("place_orders")));

    let answer: serde_json::Value = serde_json::from_str(
        &engine.permissions_json(r#"{"user": "paul@maple.example", "group": "north"}"#),
    )
    .unwrap();
    let allowed = answer["result"]["allowed"].as_array().unwrap();
    let actions: Vec<&str> = allowed
        .iter()
        .map(|a| a["action"].as_str().unwrap())
        .collect();
    assert!(actions.contains(&"place_orders") && actions.contains(&"approve_capex"));
    assert!(!actions.contains(&"manage_groups"));
    assert_eq!(
        allowed[0]["assignment"],
        serde_json::json!({"role": "principal", "group": "north"})
    );
    // The same answer as `authorize`, one action at a time.
    for action in ["place_orders", "manage_groups", "view_reports"] {
        let one: serde_json::Value = serde_json::from_str(&engine.authorize_json(&format!(
            r#"{{"user": "paul@maple.example", "action": "{action}", "resource": {{"group": "north"}}}}"#
        )))
        .unwrap();
        assert_eq!(
            one["result"]["decision"] == "allow",
            actions.contains(&action),
            "{action}"
        );
    }
    let unknown: serde_json::Value = serde_json::from_str(
        &engine.permissions_json(r#"{"user": "paul@maple.example", "group": "nowhere"}"#),
    )
    .unwrap();
    assert_eq!(unknown["errors"][0]["code"], "E0202");
}

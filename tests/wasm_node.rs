#![cfg(all(target_arch = "wasm32", feature = "wasm"))]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! The JS API of the npm package (src/bind/wasm.rs) driven through `JsValue`s and the generated
//! JS glue, under Node. tests/wasm_browser.rs runs these same tests in headless Chromium.
//!
//! Run: `cargo test --target wasm32-unknown-unknown --features wasm --test wasm_node
//! --test wasm_browser` (the runner is set in .cargo/config.toml; never with `-q`).
//!
//! Every call goes through `call`, which fails the test if the JS function throws, so each
//! bad-input test also proves "a failure, never a trap or an exception". Answers are
//! compared with the engine's own JSON text (`Engine::*_json`, the native code path, here
//! compiled to wasm); byte-for-byte parity with the native build is js/corpus.mjs's job.

use js_sys::{Array, Function, Object, Reflect, JSON};
#[cfg(feature = "wasm-back-office")]
use procura::wasm::report_csv;
use procura::wasm::{check, compile, format, version};
use procura::Engine;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::wasm_bindgen_test;

const MAPLE: &str = include_str!("../examples/maple.procura");
const MAPLE_DIRECTORY: &str = include_str!("../examples/maple.directory.json");
const MAPLE_REQUEST: &str = include_str!("../examples/maple.request.json");
#[cfg(feature = "wasm-back-office")]
const MAPLE_APPROVALS: &str = include_str!("../examples/maple.approvals.json");
#[cfg(feature = "wasm-back-office")]
const MAPLE_ORDERS: &str = include_str!("../examples/maple.orders-2026-11.json");
const TEN_MB: usize = 10 * 1024 * 1024;

fn parse(json: &str) -> JsValue {
    JSON::parse(json).unwrap()
}

fn get(value: &JsValue, key: &str) -> JsValue {
    Reflect::get(value, &key.into()).unwrap()
}

fn stringify(value: &JsValue) -> String {
    JSON::stringify(value).unwrap().as_string().unwrap()
}

/// Calls a method of a JS object (e.g. a compiled `Policy`); panics if it throws.
fn call(object: &JsValue, method: &str, args: &[JsValue]) -> JsValue {
    let function: Function = get(object, method)
        .dyn_into()
        .unwrap_or_else(|_| panic!("`{method}` is not a function"));
    let args: Array = args.iter().collect();
    function
        .apply(object, &args)
        .unwrap_or_else(|error| panic!("`{method}` threw {error:?}"))
}

/// Maple compiled with its directory, as the JS `Policy` object.
fn maple() -> JsValue {
    let compiled = compile(MAPLE.into(), parse(MAPLE_DIRECTORY));
    assert_eq!(
        get(&compiled, "type"),
        "success",
        "{}",
        stringify(&compiled)
    );
    get(&compiled, "policy")
}

fn maple_engine() -> Engine {
    Engine::from_json(MAPLE, Some(MAPLE_DIRECTORY)).unwrap()
}

fn the_request() -> JsValue {
    parse(MAPLE_REQUEST)
}

/// Asserts a `{type: "failure", errors}` answer whose first error has `code` (and `path`,
/// when given); every error must carry a code and a message.
fn assert_failure(answer: &JsValue, code: &str, path: Option<&str>) {
    let text = stringify(answer);
    let shown: String = text.chars().take(400).collect();
    assert_eq!(get(answer, "type"), "failure", "{shown}");
    let errors: Array = get(answer, "errors").dyn_into().unwrap();
    assert!(errors.length() > 0, "{shown}");
    for error in errors.iter() {
        assert!(get(&error, "code").is_string(), "{shown}");
        assert!(get(&error, "message").is_string(), "{shown}");
    }
    let first = errors.get(0);
    assert_eq!(get(&first, "code"), code, "{shown}");
    if let Some(path) = path {
        assert_eq!(get(&first, "path"), path, "{shown}");
    }
}

/// A JS string of `len` copies of `c`, built in JS.
fn long_string(c: &str, len: usize) -> JsValue {
    js_sys::JsString::from(c).repeat(len as i32).into()
}

/// `{"a": {"a": … {} … }}`, `depth` objects deep.
fn nested(depth: usize) -> JsValue {
    let mut value: JsValue = Object::new().into();
    for _ in 0..depth {
        let outer = Object::new();
        Reflect::set(&outer, &"a".into(), &value).unwrap();
        value = outer.into();
    }
    value
}

#[wasm_bindgen_test]
fn version_is_the_crate_version() {
    assert_eq!(version(), env!("CARGO_PKG_VERSION"));
}

#[wasm_bindgen_test]
fn maple_compiles_and_evaluates_the_example_cart_like_the_engine() {
    let policy = maple();
    let engine = maple_engine();
    assert_eq!(get(&policy, "name"), engine.policy().name.as_str());
    assert_eq!(get(&policy, "hash"), engine.policy().hash.as_str());

    let answer = call(&policy, "evaluate", &[the_request()]);
    assert_eq!(get(&answer, "type"), "success");
    let decision = get(&answer, "result");
    // Money is a decimal string, not a number.
    assert!(get(&get(&decision, "totals"), "total").is_string());
    let compact = stringify(&the_request());
    assert_eq!(stringify(&answer), engine.evaluate_json(&compact));
    assert_eq!(
        call(&policy, "evaluateJson", &[compact.clone().into()]),
        engine.evaluate_json(&compact)
    );
    call(&policy, "free", &[]);
}

#[wasm_bindgen_test]
fn warnings_are_the_checkers() {
    let compiled = compile(MAPLE.into(), parse(MAPLE_DIRECTORY));
    let warnings = get(&compiled, "warnings");
    assert!(Array::is_array(&warnings));
    assert_eq!(
        stringify(&warnings),
        serde_json::to_string(maple_engine().warnings()).unwrap()
    );
    call(&get(&compiled, "policy"), "free", &[]);
}

#[wasm_bindgen_test]
fn authorize_and_badges_answer_like_the_engine() {
    let policy = maple();
    let engine = maple_engine();
    let authorize = r#"{"user":"paul@maple.example","action":"approve_capex","resource":{"group":"north","kind":"order"}}"#;
    let answer = call(&policy, "authorize", &[parse(authorize)]);
    assert_eq!(get(&answer, "type"), "success", "{}", stringify(&answer));
    assert_eq!(stringify(&answer), engine.authorize_json(authorize));
    assert_eq!(
        call(&policy, "authorizeJson", &[authorize.into()]),
        engine.authorize_json(authorize)
    );

    let badges = r#"{"buyer":"ana@maple.example","group":"north","currency":"CAD","products":[{"id":"B00PAPER09","category":"office/paper/copier","supplier":"Paper Depot","unitPrice":"49.90"},{"id":"B0LAPTOP","category":"electronics/computers/laptops","unitPrice":"1299.00"}]}"#;
    let answer = call(&policy, "badges", &[parse(badges)]);
    assert_eq!(get(&answer, "type"), "success", "{}", stringify(&answer));
    assert_eq!(stringify(&answer), engine.badges_json(badges));
    assert_eq!(
        call(&policy, "badgesJson", &[badges.into()]),
        engine.badges_json(badges)
    );
    call(&policy, "free", &[]);
}

#[cfg(feature = "wasm-back-office")]
#[wasm_bindgen_test]
fn progress_and_invoice_runs_answer_like_the_engine() {
    let policy = maple();
    let engine = maple_engine();
    // The example cart under approval, with the example's events.
    let progress = parse(MAPLE_APPROVALS);
    Reflect::set(&progress, &"checkout".into(), &the_request()).unwrap();
    Reflect::set(
        &progress,
        &"now".into(),
        &"2026-11-30T09:00:00-05:00".into(),
    )
    .unwrap();
    let text = stringify(&progress);
    let answer = call(&policy, "progress", &[progress]);
    assert_eq!(get(&answer, "type"), "success", "{}", stringify(&answer));
    assert_eq!(stringify(&answer), engine.progress_json(&text));
    assert_eq!(
        call(&policy, "progressJson", &[text.clone().into()]),
        engine.progress_json(&text)
    );
    assert_failure(&call(&policy, "progress", &[the_request()]), "E0101", None);

    let orders = parse(MAPLE_ORDERS);
    let text = stringify(&orders);
    let run = call(&policy, "invoiceRun", &[orders]);
    assert_eq!(get(&run, "type"), "success", "{}", stringify(&run));
    assert_eq!(stringify(&run), engine.invoice_run_json(&text));
    assert_eq!(
        call(&policy, "invoiceRunJson", &[text.clone().into()]),
        engine.invoice_run_json(&text)
    );

    // Its CSV reports: the default orders report, a saved one, and bad arguments.
    let result = get(&run, "result");
    let native_run = match engine.invoice_run(&procura::contract::json::parse_json(&text).unwrap())
    {
        procura::contract::Answer::Success { result } => result,
        procura::contract::Answer::Failure { errors } => panic!("{errors:?}"),
    };
    let default = procura::reports::default_report(procura::contract::ReportRows::Orders);
    let csv = report_csv(result.clone(), JsValue::UNDEFINED);
    assert_eq!(get(&csv, "type"), "success", "{}", stringify(&csv));
    assert_eq!(
        stringify(&csv),
        serde_json::to_string(&procura::reports::csv(&native_run, &default)).unwrap()
    );
    let saved = r#"{"name":"due","rows":"invoices","columns":["invoiceId","amountDue","dueDate"]}"#;
    let csv = report_csv(result.clone(), parse(saved));
    assert_eq!(get(&csv, "type"), "success", "{}", stringify(&csv));
    let unknown = r#"{"name":"x","rows":"orders","columns":["orderId","colour"]}"#;
    assert_failure(
        &report_csv(result.clone(), parse(unknown)),
        "E0605",
        Some("columns[1]"),
    );
    assert_failure(&report_csv(42.into(), JsValue::NULL), "E0101", Some("run"));
    assert_failure(&report_csv(result, 42.into()), "E0101", Some("report"));
    call(&policy, "free", &[]);
}

#[wasm_bindgen_test]
fn run_tests_reports_like_the_engine() {
    let policy = maple();
    let report = call(&policy, "runTests", &[]);
    assert!(get(&report, "passed").as_f64().is_some());
    assert_eq!(
        stringify(&report),
        serde_json::to_string(&maple_engine().run_tests()).unwrap()
    );
    call(&policy, "free", &[]);
}

#[wasm_bindgen_test]
fn requests_of_the_wrong_type_are_failures() {
    let policy = maple();
    let function = Function::new_no_args("return 1");
    let symbol: JsValue = js_sys::Symbol::for_("procura").into();
    let cases: Vec<(JsValue, &str)> = vec![
        (JsValue::UNDEFINED, "undefined"),
        (JsValue::NULL, "null"),
        (42.into(), "a number"),
        (f64::NAN.into(), "NaN"),
        (true.into(), "a boolean"),
        ("ana@maple.example".into(), "a string"),
        (Array::new().into(), "an array"),
        (function.into(), "a function"),
        (symbol, "a symbol"),
        (js_sys::BigInt::from(10).into(), "a BigInt"),
    ];
    let methods: &[&str] = if cfg!(feature = "wasm-back-office") {
        &["evaluate", "authorize", "badges", "progress", "invoiceRun"]
    } else {
        &["evaluate", "authorize", "badges"]
    };
    for method in methods {
        for (value, what) in &cases {
            let answer = call(&policy, method, std::slice::from_ref(value));
            assert_eq!(get(&answer, "type"), "failure", "{method}({what})");
            assert_failure(&answer, "E0101", Some(""));
        }
    }
    // A missing field is named by its path.
    let answer = call(&policy, "evaluate", &[Object::new().into()]);
    assert_failure(&answer, "E0101", Some("buyer"));
    // The text API takes only strings.
    let methods: &[&str] = if cfg!(feature = "wasm-back-office") {
        &[
            "evaluateJson",
            "authorizeJson",
            "badgesJson",
            "progressJson",
            "invoiceRunJson",
        ]
    } else {
        &["evaluateJson", "authorizeJson", "badgesJson"]
    };
    for method in methods {
        for value in [JsValue::UNDEFINED, 42.into(), Object::new().into()] {
            let answer = parse(&call(&policy, method, &[value]).as_string().unwrap());
            assert_failure(&answer, "E0101", Some(""));
        }
        let answer = parse(
            &call(&policy, method, &["{not json".into()])
                .as_string()
                .unwrap(),
        );
        assert_failure(&answer, "E0101", None);
    }
    call(&policy, "free", &[]);
}

#[wasm_bindgen_test]
fn wrong_and_missing_fields_are_failures_with_paths() {
    let policy = maple();
    let with = |edit: &str| {
        let request = the_request();
        Function::new_with_args("r", edit)
            .call1(&JsValue::NULL, &request)
            .unwrap();
        call(&policy, "evaluate", &[request])
    };
    assert_failure(&with("delete r.order"), "E0101", Some("order"));
    assert_failure(
        &with("r.order.lines[2].quantity = 'many'"),
        "E0101",
        Some("order.lines[2].quantity"),
    );
    assert_failure(
        &with("r.order.lines[0].unitPrice = 1299"),
        "E0101",
        Some("order.lines[0].unitPrice"),
    );
    assert_failure(
        &with("r.order.lines[1].colour = 'red'"),
        "E0101",
        Some("order.lines[1].colour"),
    );
    assert_failure(
        &with("r.buyer = 'nobody@maple.example'"),
        "E0201",
        Some("buyer"),
    );
    // Instants are RFC 3339 strings: a JS `Date` serialises to one (`toJSON`, UTC `Z`).
    let answer = with("r.context.now = new Date(0)");
    assert_eq!(get(&answer, "type"), "success", "{}", stringify(&answer));
    assert_failure(
        &with("r.context.now = 'yesterday'"),
        "E0306",
        Some("context.now"),
    );
    call(&policy, "free", &[]);
}

#[wasm_bindgen_test]
fn cyclic_and_deeply_nested_requests_are_failures() {
    let policy = maple();
    let cyclic = the_request();
    Reflect::set(&cyclic, &"self".into(), &cyclic).unwrap();
    assert_failure(&call(&policy, "evaluate", &[cyclic]), "E0101", Some(""));

    // 10,000 levels: depending on the runtime's stack, `JSON.stringify` runs out of stack
    // (caught; Node: path "") or the JSON reader refuses it (Chromium: unknown field `a`).
    assert_failure(&call(&policy, "evaluate", &[nested(10_000)]), "E0101", None);
    let request = the_request();
    Reflect::set(&get(&request, "order"), &"poNumber".into(), &nested(10_000)).unwrap();
    assert_failure(&call(&policy, "evaluate", &[request]), "E0101", None);

    // 200 levels under a real field: refused by the JSON reader, at a path.
    let request = the_request();
    Reflect::set(&get(&request, "order"), &"poNumber".into(), &nested(200)).unwrap();
    assert_failure(
        &call(&policy, "evaluate", &[request]),
        "E0101",
        Some("order.poNumber"),
    );
    call(&policy, "free", &[]);
}

#[wasm_bindgen_test]
fn huge_strings_are_failures() {
    let policy = maple();
    // A 10 MB string as the whole request, and as a field.
    let answer = call(&policy, "evaluate", &[long_string("x", TEN_MB)]);
    assert_failure(&answer, "E0101", Some(""));
    let request = the_request();
    Reflect::set(&request, &"buyer".into(), &long_string("x", TEN_MB)).unwrap();
    assert_failure(
        &call(&policy, "evaluate", &[request]),
        "E0201",
        Some("buyer"),
    );
    // Over the 16 MiB input limit: refused before it is copied into wasm memory.
    let request = the_request();
    Reflect::set(
        &request,
        &"buyer".into(),
        &long_string("x", 17 * 1024 * 1024),
    )
    .unwrap();
    assert_failure(&call(&policy, "evaluate", &[request]), "E0102", Some(""));
    let answer = call(
        &policy,
        "evaluateJson",
        &[long_string(" ", 17 * 1024 * 1024)],
    );
    assert_failure(&parse(&answer.as_string().unwrap()), "E0102", Some(""));
    // The policy still answers as before.
    let answer = call(&policy, "evaluate", &[the_request()]);
    assert_eq!(
        stringify(&answer),
        maple_engine().evaluate_json(&stringify(&the_request()))
    );
    call(&policy, "free", &[]);
}

#[wasm_bindgen_test]
fn bad_sources_and_directories_are_failures() {
    for source in [
        JsValue::UNDEFINED,
        JsValue::NULL,
        42.into(),
        Object::new().into(),
    ] {
        assert_failure(
            &compile(source, JsValue::UNDEFINED),
            "E0101",
            Some("source"),
        );
    }
    // Over the 4 MiB source limit, and a 10 MB string: the parser's P0002.
    assert_failure(
        &compile(long_string("x", TEN_MB), JsValue::UNDEFINED),
        "P0002",
        None,
    );
    // Errors carry their place in the source.
    let answer = compile(
        "policy \"x\" {\n  currency CAD\n  nonsense\n}\n".into(),
        JsValue::UNDEFINED,
    );
    assert_eq!(get(&answer, "type"), "failure");
    let span = get(&Array::from(&get(&answer, "errors")).get(0), "span");
    assert_eq!(get(&span, "line"), 3);
    assert_eq!(get(&span, "column"), 3);

    let directory_failures: Vec<(JsValue, Option<&str>)> = vec![
        (42.into(), Some("directory")),
        ("users".into(), Some("directory")),
        (
            parse(r#"{"users":[{"name":"no id"}]}"#),
            Some("directory.users[0].id"),
        ),
        (
            parse(r#"{"users":[],"groups":[]}"#),
            Some("directory.groups"),
        ),
        (js_sys::BigInt::from(1).into(), Some("directory")),
    ];
    for (directory, path) in directory_failures {
        assert_failure(&compile(MAPLE.into(), directory), "E0101", path);
    }
    let cyclic = parse(MAPLE_DIRECTORY);
    Reflect::set(&cyclic, &"self".into(), &cyclic).unwrap();
    assert_failure(&compile(MAPLE.into(), cyclic), "E0101", Some("directory"));
    // `undefined` and `null` mean no users.
    for none in [JsValue::UNDEFINED, JsValue::NULL] {
        let compiled = compile(MAPLE.into(), none);
        assert_eq!(
            get(&compiled, "type"),
            "success",
            "{}",
            stringify(&compiled)
        );
        call(&get(&compiled, "policy"), "free", &[]);
    }
}

#[wasm_bindgen_test]
fn format_answers_like_the_core() {
    let answer = format(MAPLE.into());
    assert_eq!(get(&answer, "type"), "success");
    let formatted = get(&answer, "result").as_string().unwrap();
    assert_eq!(formatted, procura::format(MAPLE).unwrap());
    let again = format(formatted.clone().into());
    assert_eq!(get(&again, "result").as_string().unwrap(), formatted);

    let answer = format("policy \"x\" {".into());
    assert_failure(&answer, "P0005", None);
    let span = get(&Array::from(&get(&answer, "errors")).get(0), "span");
    assert_eq!(get(&span, "line"), 1);
    for source in [JsValue::UNDEFINED, 7.into()] {
        assert_failure(&format(source), "E0101", Some("source"));
    }
}

#[wasm_bindgen_test]
fn check_places_diagnostics_like_the_core() {
    let source = "policy \"x\" {\n  currency CAD\n}\n\ngroup north\nrule r for nort { block }\n";
    let diagnostics = check(source.into());
    assert!(Array::is_array(&diagnostics));
    assert_eq!(
        stringify(&diagnostics),
        serde_json::to_string(&procura::check(source).diagnostics).unwrap()
    );
    assert_eq!(
        stringify(&check(MAPLE.into())),
        serde_json::to_string(&procura::check(MAPLE).diagnostics).unwrap()
    );
    // Not a string: one error diagnostic at 1:1.
    for source in [JsValue::UNDEFINED, 3.into()] {
        let diagnostics = Array::from(&check(source));
        assert_eq!(diagnostics.length(), 1);
        let first = diagnostics.get(0);
        assert_eq!(get(&first, "severity"), "error");
        assert_eq!(get(&get(&first, "span"), "line"), 1);
        assert_eq!(get(&get(&first, "span"), "column"), 1);
    }
    let too_large = Array::from(&check(long_string("x", TEN_MB)));
    assert_eq!(get(&too_large.get(0), "code"), "P0002");
}

#[wasm_bindgen_test]
fn non_ascii_offsets_are_bytes_and_columns_are_characters() {
    // `é` and `ö` are 2 bytes and 1 column each: the syntax error at `örth` spans bytes
    // 36..41 and columns 8..12 of line 2.
    let source = "policy \"é\" { currency CAD }\ngroup nörth\nrule r for nowhere { block }\n";
    let diagnostics = check(source.into());
    assert_eq!(
        stringify(&diagnostics),
        serde_json::to_string(&procura::check(source).diagnostics).unwrap()
    );
    let span = get(&Array::from(&diagnostics).get(0), "span");
    let at = |key: &str| get(&span, key).as_f64().unwrap();
    assert_eq!(
        [
            at("start"),
            at("end"),
            at("line"),
            at("column"),
            at("endLine"),
            at("endColumn")
        ],
        [36.0, 41.0, 2.0, 8.0, 2.0, 12.0]
    );
}

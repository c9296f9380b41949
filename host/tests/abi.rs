#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! The core module through the wasmtime host: no imports, the ABI's exports, the whole
//! conformance corpus byte-identical to the native engine, budgets and memory caps.

mod common;

use std::time::Instant;

use procura::contract::Answer;
use procura_host::errors::{
    BUDGET_EXCEEDED, BUFFER_OUTSIDE_MEMORY, INLINE_PROFILE_NOT_TRUSTED, MEMORY_EXCEEDED,
    UNKNOWN_HANDLE,
};
use procura_host::{HostError, Limits, Pool, PoolError, Query};
use serde_json::Value;

use common::{
    big_maple_request, cases, core, has_inline_profile, maple_inline_requests, maple_native,
    maple_progress_request, read, runtime_core, HostCase,
};

const EXPORTS: [&str; 15] = [
    "memory",
    "procura_alloc",
    "procura_free",
    "procura_compile",
    "procura_load",
    "procura_evaluate",
    "procura_authorize",
    "procura_badges",
    "procura_progress",
    "procura_invoice_run",
    "procura_report_csv",
    "procura_release",
    "procura_set_trust_inline_profiles",
    "procura_abi_version",
    "procura_engine_version",
];

#[test]
fn the_module_imports_nothing_and_exports_the_abi() {
    let Some(core) = core() else { return };
    assert_eq!(core.imports(), Vec::<String>::new());
    let exports = core.exports();
    for name in EXPORTS {
        assert!(
            exports.iter().any(|e| e == name),
            "no export `{name}` in {exports:?}"
        );
    }
    let mut instance = core.instance(Limits::default()).unwrap();
    assert_eq!(instance.abi_version().unwrap(), procura_host::ABI_VERSION);
    let manifest = read("Cargo.toml");
    let version = manifest
        .lines()
        .find_map(|line| line.strip_prefix("version = \""))
        .and_then(|rest| rest.strip_suffix('"'))
        .unwrap();
    assert_eq!(instance.engine_version().unwrap(), version);
}

fn compiled(answer: &str) -> Value {
    let value: Value = serde_json::from_str(answer).unwrap();
    assert_eq!(value["type"], "success", "{answer}");
    value["result"].clone()
}

#[test]
fn maple_through_the_abi_is_the_native_answer() {
    let Some(core) = core() else { return };
    let (source, directory) = (
        read("examples/maple.procura"),
        read("examples/maple.directory.json"),
    );
    let native = procura::Engine::from_json(&source, Some(&directory)).unwrap();
    let mut instance = core.instance(Limits::default()).unwrap();
    let result = compiled(
        &instance
            .compile(source.as_bytes(), Some(directory.as_bytes()))
            .unwrap(),
    );
    assert_eq!(
        result["policy"],
        serde_json::to_value(native.policy()).unwrap()
    );
    assert_eq!(
        result["warnings"],
        serde_json::to_value(native.warnings()).unwrap()
    );
    let handle = u32::try_from(result["handle"].as_u64().unwrap()).unwrap();
    for (query, file) in [
        (Query::Evaluate, "examples/maple.request.json"),
        (Query::Evaluate, "examples/maple.large-order.json"),
        (Query::Progress, "progress"),
    ] {
        let request = if file == "progress" {
            maple_progress_request()
        } else {
            read(file)
        };
        let wasm = instance.query(handle, query, request.as_bytes()).unwrap();
        let expected = match query {
            Query::Evaluate => native.evaluate_json(&request),
            _ => native.progress_json(&request),
        };
        assert_eq!(wasm, expected, "{file}");
        assert!(wasm.starts_with(r#"{"type":"success""#), "{file}: {wasm}");
    }
    // Release: the handle is gone, and says so with its code.
    assert!(instance.release(handle).unwrap());
    assert!(!instance.release(handle).unwrap());
    let gone = instance
        .query(
            handle,
            Query::Evaluate,
            read("examples/maple.request.json").as_bytes(),
        )
        .unwrap();
    assert!(gone.contains(UNKNOWN_HANDLE), "{gone}");
    assert!(!instance.is_broken());
}

/// The native compile answer of the ABI for a policy that does not compile.
fn native_compile_failure(errors: Vec<procura::contract::EvalError>) -> String {
    procura::contract::json::to_json(&Answer::<()>::Failure { errors })
}

#[test]
fn the_conformance_corpus_through_the_abi_is_byte_identical() {
    let Some(core) = core() else { return };
    let mut instance = core.instance(Limits::default()).unwrap();
    let all = cases();
    assert!(all.len() >= 100, "only {} cases", all.len());
    let mut failures = Vec::new();
    let (mut compared, mut refused_inline, mut loaded_artifacts) = (0, 0, 0);
    for case in &all {
        let native = procura::Engine::from_json(&case.source, case.directory.as_deref());
        let answer = instance
            .compile(
                case.source.as_bytes(),
                case.directory.as_deref().map(str::as_bytes),
            )
            .unwrap();
        let handle = match &native {
            Err(errors) => {
                let expected = native_compile_failure(errors.clone());
                if answer != expected {
                    failures.push(format!(
                        "{}: compile\n  wasm:   {answer}\n  native: {expected}",
                        case.name
                    ));
                }
                compared += 1;
                continue;
            }
            Ok(engine) => {
                let result = compiled(&answer);
                if result["policy"] != serde_json::to_value(engine.policy()).unwrap()
                    || result["warnings"] != serde_json::to_value(engine.warnings()).unwrap()
                {
                    failures.push(format!("{}: compile result {result}", case.name));
                }
                u32::try_from(result["handle"].as_u64().unwrap()).unwrap()
            }
        };
        if let (Some(query), Some(request)) = (case.query(), &case.request) {
            // Inline profiles are refused by default; the corpus compares trusted answers.
            if has_inline_profile(request) {
                let refused = instance.query(handle, query, request.as_bytes()).unwrap();
                if !refused.contains(&format!(r#""code":"{INLINE_PROFILE_NOT_TRUSTED}""#)) {
                    failures.push(format!("{}: not refused untrusted: {refused}", case.name));
                }
                refused_inline += 1;
            }
            assert!(instance.set_trust_inline_profiles(handle, true).unwrap());
            let wasm = instance.query(handle, query, request.as_bytes()).unwrap();
            let expected = case.native_answer();
            if wasm != expected {
                failures.push(format!(
                    "{}\n  wasm:   {wasm}\n  native: {expected}",
                    case.name
                ));
            }
            // The same policy as an artifact, loaded through `procura_load`: the same bytes.
            let engine = native.as_ref().unwrap();
            let loaded = compiled(
                &instance
                    .load(
                        &engine.artifact(false),
                        case.directory.as_deref().map(str::as_bytes),
                    )
                    .unwrap(),
            );
            if loaded["policy"] != serde_json::to_value(engine.policy()).unwrap() {
                failures.push(format!("{}: load result {loaded}", case.name));
            }
            let artifact_handle = u32::try_from(loaded["handle"].as_u64().unwrap()).unwrap();
            assert!(instance
                .set_trust_inline_profiles(artifact_handle, true)
                .unwrap());
            let from_artifact = instance
                .query(artifact_handle, query, request.as_bytes())
                .unwrap();
            if from_artifact != expected {
                failures.push(format!(
                    "{} (artifact)\n  wasm:   {from_artifact}\n  native: {expected}",
                    case.name
                ));
            }
            assert!(instance.release(artifact_handle).unwrap());
            loaded_artifacts += 1;
        }
        compared += 1;
        assert!(instance.release(handle).unwrap());
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ:\n{}",
        failures.len(),
        all.len(),
        failures.join("\n") + &common::stale_hint()
    );
    assert_eq!(compared, all.len());
    assert!(
        refused_inline >= 4,
        "only {refused_inline} inline-profile cases"
    );
    assert!(loaded_artifacts >= 100, "only {loaded_artifacts} artifacts");
    println!("{compared} conformance cases byte-identical through the ABI ({refused_inline} with inline profiles, refused until trusted; {loaded_artifacts} also as artifacts)");
}

#[test]
fn bad_input_is_an_answer_not_a_trap() {
    let Some(core) = core() else { return };
    let mut instance = core.instance(Limits::default()).unwrap();
    // A policy that is not UTF-8, a directory that is not UTF-8 or not JSON.
    for (source, directory) in [
        (&b"policy \"x\" \xff"[..], None),
        (
            read("examples/maple.procura").as_bytes(),
            Some(&b"\xff\xfe"[..]),
        ),
        (read("examples/maple.procura").as_bytes(), Some(&b"{"[..])),
        (&b""[..], None),
    ] {
        let answer = instance.compile(source, directory).unwrap();
        assert!(
            answer.starts_with(r#"{"type":"failure","errors":[{"code":""#),
            "{answer}"
        );
    }
    let result = compiled(
        &instance
            .compile(read("examples/maple.procura").as_bytes(), None)
            .unwrap(),
    );
    let handle = u32::try_from(result["handle"].as_u64().unwrap()).unwrap();
    for request in [&b""[..], b"\xff", b"[]", b"{\"buyer\": 1}", b"null"] {
        for query in Query::ALL {
            let answer = instance.query(handle, query, request).unwrap();
            assert!(
                answer.contains(r#""code":"E0101""#),
                "{query:?} {request:?}: {answer}"
            );
        }
    }
    assert!(!instance.is_broken());
}

#[test]
fn a_request_over_budget_is_cut_off_and_the_pool_recovers() {
    let Some(core) = core() else { return };
    let (source, directory) = (
        read("examples/maple.procura"),
        read("examples/maple.directory.json"),
    );
    let small = read("examples/maple.request.json");
    let big = big_maple_request(2_000);

    // What each costs, in fuel.
    let mut probe = core.instance(Limits::default()).unwrap();
    let handle = compiled(
        &probe
            .compile(source.as_bytes(), Some(directory.as_bytes()))
            .unwrap(),
    )["handle"]
        .as_u64()
        .unwrap() as u32;
    let fuel = Limits::default().fuel_per_call;
    probe
        .query(handle, Query::Evaluate, small.as_bytes())
        .unwrap();
    let small_cost = fuel - probe.fuel_left();
    probe
        .query(handle, Query::Evaluate, big.as_bytes())
        .unwrap();
    let big_cost = fuel - probe.fuel_left();
    println!("fuel: maple request {small_cost}, 2,000 lines {big_cost}");
    assert!(big_cost > 4 * small_cost);

    // A budget between the two: the small request passes, the big one is cut off.
    let limits = Limits {
        fuel_per_call: 2 * small_cost,
        ..Limits::default()
    };
    let pool = Pool::new(
        &core,
        limits,
        1,
        source.as_bytes(),
        Some(directory.as_bytes()),
    )
    .unwrap();
    let native = procura::Engine::from_json(&source, Some(&directory)).unwrap();
    assert_eq!(
        pool.call(Query::Evaluate, small.as_bytes()),
        native.evaluate_json(&small)
    );
    assert_eq!(
        pool.try_call(Query::Evaluate, big.as_bytes()),
        Err(HostError::BudgetExceeded)
    );
    assert_eq!(
        pool.call(Query::Evaluate, big.as_bytes()),
        format!(
            r#"{{"type":"failure","errors":[{{"code":"{BUDGET_EXCEEDED}","message":"evaluation exceeded its budget"}}]}}"#
        )
    );
    assert_eq!(pool.live(), 0, "the broken instance is dropped");
    // The next request gets a fresh instance and the right answer.
    assert_eq!(
        pool.call(Query::Evaluate, small.as_bytes()),
        native.evaluate_json(&small)
    );
    assert_eq!(pool.live(), 1);
}

#[test]
fn an_instance_never_grows_past_its_memory_cap() {
    let Some(core) = core() else { return };
    let (source, directory) = (
        read("examples/maple.procura"),
        read("examples/maple.directory.json"),
    );
    let mut probe = core.instance(Limits::default()).unwrap();
    compiled(
        &probe
            .compile(source.as_bytes(), Some(directory.as_bytes()))
            .unwrap(),
    );
    let base = probe.memory_bytes();
    let cap = base + 4 * 1024 * 1024;
    let limits = Limits {
        memory_bytes: cap,
        ..Limits::default()
    };
    let pool = Pool::new(
        &core,
        limits,
        1,
        source.as_bytes(),
        Some(directory.as_bytes()),
    )
    .unwrap();
    let small = read("examples/maple.request.json");
    let native = procura::Engine::from_json(&source, Some(&directory)).unwrap();
    assert_eq!(
        pool.call(Query::Evaluate, small.as_bytes()),
        native.evaluate_json(&small)
    );
    // Larger than the cap: it cannot even be copied in.
    let huge = vec![b' '; cap];
    assert_eq!(
        pool.try_call(Query::Evaluate, &huge),
        Err(HostError::MemoryExceeded)
    );
    // Fits, but the engine's copy of its 3 MiB string does not: the module aborts on the
    // failed allocation, and the host names the cap.
    let mut request: Value = serde_json::from_str(&small).unwrap();
    request["order"]["shipTo"] = Value::String("x".repeat(3 * 1024 * 1024));
    let request = request.to_string();
    assert_eq!(
        pool.call(Query::Evaluate, request.as_bytes()),
        format!(
            r#"{{"type":"failure","errors":[{{"code":"{MEMORY_EXCEEDED}","message":"evaluation exceeded its memory limit"}}]}}"#
        )
    );
    // The pool replaced the instance and still answers.
    assert_eq!(
        pool.call(Query::Evaluate, small.as_bytes()),
        native.evaluate_json(&small)
    );
    println!("memory: {base} bytes after compiling Maple; cap {cap}");
}

#[test]
fn a_policy_that_does_not_compile_is_rejected_with_every_error() {
    let Some(core) = core() else { return };
    let rejected = Pool::new(
        &core,
        Limits::default(),
        2,
        b"policy \"x\" { currency XXX }\nnonsense",
        None,
    );
    let Err(PoolError::Rejected(answer)) = rejected else {
        panic!("{rejected:?}")
    };
    let native =
        procura::Engine::from_json("policy \"x\" { currency XXX }\nnonsense", None).unwrap_err();
    assert_eq!(answer, native_compile_failure(native));
}

#[test]
fn a_pool_answers_many_threads_with_the_native_bytes() {
    let Some(core) = core() else { return };
    let (source, directory) = (
        read("examples/maple.procura"),
        read("examples/maple.directory.json"),
    );
    let native = procura::Engine::from_json(&source, Some(&directory)).unwrap();
    let requests = [
        read("examples/maple.request.json"),
        read("examples/maple.large-order.json"),
    ];
    let expected: Vec<String> = requests.iter().map(|r| native.evaluate_json(r)).collect();
    let pool = Pool::new(
        &core,
        Limits::default(),
        3,
        source.as_bytes(),
        Some(directory.as_bytes()),
    )
    .unwrap();
    let started = Instant::now();
    std::thread::scope(|s| {
        for t in 0..8 {
            let (pool, requests, expected) = (&pool, &requests, &expected);
            s.spawn(move || {
                for i in 0..25 {
                    let k = (t + i) % 2;
                    assert_eq!(
                        pool.call(Query::Evaluate, requests[k].as_bytes()),
                        expected[k]
                    );
                }
            });
        }
    });
    assert!(pool.live() <= 3);
    println!(
        "200 calls on 8 threads, 3 instances: {:?}",
        started.elapsed()
    );
}

#[test]
fn inline_profiles_are_refused_by_default_and_taken_when_trusted() {
    let Some(core) = core() else { return };
    let (source, directory) = (
        read("examples/maple.procura"),
        read("examples/maple.directory.json"),
    );
    // Through an instance: refused with E0515 for every question, until trusted.
    let mut instance = core.instance(Limits::default()).unwrap();
    let result = compiled(
        &instance
            .compile(source.as_bytes(), Some(directory.as_bytes()))
            .unwrap(),
    );
    let handle = u32::try_from(result["handle"].as_u64().unwrap()).unwrap();
    let requests = maple_inline_requests();
    for (query, request) in &requests {
        let answer = instance.query(handle, *query, request.as_bytes()).unwrap();
        let value: Value = serde_json::from_str(&answer).unwrap();
        assert_eq!(value["type"], "failure", "{query:?}: {answer}");
        assert_eq!(
            value["errors"][0]["code"], INLINE_PROFILE_NOT_TRUSTED,
            "{query:?}: {answer}"
        );
        let path = value["errors"][0]["path"].as_str().unwrap();
        assert!(path.ends_with("Profile"), "{query:?}: {answer}");
    }
    // `null` is no profile.
    let null = r#"{"buyer":"ana@maple.example","buyerProfile":null,"group":"north","currency":"CAD","products":[]}"#;
    assert_eq!(
        instance
            .query(handle, Query::Badges, null.as_bytes())
            .unwrap(),
        maple_native(Query::Badges, null)
    );
    assert!(instance.set_trust_inline_profiles(handle, true).unwrap());
    for (query, request) in &requests {
        let answer = instance.query(handle, *query, request.as_bytes()).unwrap();
        assert_eq!(answer, maple_native(*query, request), "{query:?}");
    }
    assert!(instance.set_trust_inline_profiles(handle, false).unwrap());
    let (query, request) = &requests[0];
    let answer = instance.query(handle, *query, request.as_bytes()).unwrap();
    assert!(answer.contains(INLINE_PROFILE_NOT_TRUSTED), "{answer}");
    assert!(instance.release(handle).unwrap());
    assert!(!instance.set_trust_inline_profiles(handle, true).unwrap());

    // Through a pool: the same, per pool.
    let pool = Pool::new(
        &core,
        Limits::default(),
        2,
        source.as_bytes(),
        Some(directory.as_bytes()),
    )
    .unwrap();
    assert!(!pool.trusts_inline_profiles());
    let trusting = Pool::with_trust(
        &core,
        Limits::default(),
        2,
        source.as_bytes(),
        Some(directory.as_bytes()),
        true,
    )
    .unwrap();
    // An instance broken by a trap is replaced by a fresh one that trusts as well.
    let tight = Pool::with_trust(
        &core,
        Limits {
            fuel_per_call: 50_000_000,
            ..Limits::default()
        },
        1,
        source.as_bytes(),
        Some(directory.as_bytes()),
        true,
    )
    .unwrap();
    let cut_off = tight.call(Query::Evaluate, big_maple_request(10_000).as_bytes());
    assert!(cut_off.contains(BUDGET_EXCEEDED), "{cut_off}");
    assert_eq!(tight.live(), 0, "the broken instance was not dropped");
    let (query, request) = &requests[0];
    assert_eq!(
        tight.call(*query, request.as_bytes()),
        maple_native(*query, request)
    );
    for (query, request) in &requests {
        let refused = pool.call(*query, request.as_bytes());
        assert!(
            refused.contains(INLINE_PROFILE_NOT_TRUSTED),
            "{query:?}: {refused}"
        );
        assert_eq!(
            trusting.call(*query, request.as_bytes()),
            maple_native(*query, request),
            "{query:?}"
        );
    }
}

/// The code of an answer's first error.
fn first_code(answer: &str) -> String {
    let value: Value = serde_json::from_str(answer).unwrap();
    value["errors"][0]["code"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[test]
fn every_export_answers_a_buffer_outside_memory_with_a_coded_error() {
    let Some(core) = core() else { return };
    let mut instance = core.instance(Limits::default()).unwrap();
    let result = compiled(
        &instance
            .compile(
                read("examples/maple.procura").as_bytes(),
                Some(read("examples/maple.directory.json").as_bytes()),
            )
            .unwrap(),
    );
    let handle = u32::try_from(result["handle"].as_u64().unwrap()).unwrap();
    let size = u32::try_from(instance.memory_bytes()).unwrap();
    let outside = [
        (size, 1),
        (size - 1, 2),
        (0, 1),
        (0, size),
        (u32::MAX, 1),
        (u32::MAX - 3, 8), // ptr + len overflows 32 bits
        (8, u32::MAX),
        (size / 2, size),
    ];
    for query in Query::ALL {
        for (ptr, len) in outside {
            for handle in [handle, 0, 999] {
                let answer = instance.query_raw(handle, query, ptr, len).unwrap();
                assert_eq!(
                    first_code(&answer),
                    BUFFER_OUTSIDE_MEMORY,
                    "{query:?} ({ptr}, {len}): {answer}"
                );
            }
        }
        // `(anything, 0)` is the empty input: not JSON.
        for ptr in [0, size, u32::MAX] {
            let answer = instance.query_raw(handle, query, ptr, 0).unwrap();
            assert_eq!(first_code(&answer), "E0101", "{query:?} {ptr}: {answer}");
        }
    }
    for (ptr, len) in outside {
        let answer = instance.compile_raw((ptr, len), (0, 0)).unwrap();
        assert_eq!(first_code(&answer), BUFFER_OUTSIDE_MEMORY, "{answer}");
        assert!(answer.contains("the source buffer"), "{answer}");
        let answer = instance.compile_raw((0, 0), (ptr, len)).unwrap();
        assert_eq!(first_code(&answer), BUFFER_OUTSIDE_MEMORY, "{answer}");
        assert!(answer.contains("the directory buffer"), "{answer}");
        let answer = instance.load_raw((ptr, len), (0, 0)).unwrap();
        assert_eq!(first_code(&answer), BUFFER_OUTSIDE_MEMORY, "{answer}");
        assert!(answer.contains("the artifact buffer"), "{answer}");
        let answer = instance.load_raw((0, 0), (ptr, len)).unwrap();
        assert_eq!(first_code(&answer), BUFFER_OUTSIDE_MEMORY, "{answer}");
        assert!(answer.contains("the directory buffer"), "{answer}");
    }
    assert!(!instance.is_broken());
    // The instance still answers like the native engine.
    let request = read("examples/maple.request.json");
    assert_eq!(
        instance
            .query(handle, Query::Evaluate, request.as_bytes())
            .unwrap(),
        maple_native(Query::Evaluate, &request)
    );
}

#[test]
fn an_order_over_the_line_limit_is_refused_before_it_costs_the_budget() {
    let Some(core) = core() else { return };
    let (source, directory) = (
        read("examples/maple.procura"),
        read("examples/maple.directory.json"),
    );
    let big = big_maple_request(72_000);
    println!("72,000 lines: {} bytes", big.len());
    let mut instance = core.instance(Limits::default()).unwrap();
    let handle = compiled(
        &instance
            .compile(source.as_bytes(), Some(directory.as_bytes()))
            .unwrap(),
    )["handle"]
        .as_u64()
        .unwrap() as u32;
    let answer = instance
        .query(handle, Query::Evaluate, big.as_bytes())
        .unwrap();
    let used = Limits::default().fuel_per_call - instance.fuel_left();
    println!("fuel to refuse 72,000 lines: {used}");
    let value: Value = serde_json::from_str(&answer).unwrap();
    assert_eq!(value["errors"][0]["code"], "E0102", "{answer}");
    assert_eq!(value["errors"][0]["path"], "order.lines", "{answer}");
    assert_eq!(
        value["errors"][0]["message"],
        "the order has more than 10000 lines"
    );
    assert!(!instance.is_broken());
    // The same inside a progress request, at its own path.
    let progress: Value = serde_json::from_str(&maple_progress_request()).unwrap();
    let mut progress = progress;
    progress["checkout"] = serde_json::from_str(&big).unwrap();
    let answer = instance
        .query(handle, Query::Progress, progress.to_string().as_bytes())
        .unwrap();
    let value: Value = serde_json::from_str(&answer).unwrap();
    assert_eq!(value["errors"][0]["code"], "E0102", "{answer}");
    assert_eq!(
        value["errors"][0]["path"], "checkout.order.lines",
        "{answer}"
    );
    // Through a pool with the default budget, and one tenth of it: E0102, not E0501.
    for fuel_per_call in [
        Limits::default().fuel_per_call,
        Limits::default().fuel_per_call / 10,
    ] {
        let pool = Pool::new(
            &core,
            Limits {
                fuel_per_call,
                ..Limits::default()
            },
            1,
            source.as_bytes(),
            Some(directory.as_bytes()),
        )
        .unwrap();
        let answer = pool.call(Query::Evaluate, big.as_bytes());
        assert_eq!(first_code(&answer), "E0102", "{fuel_per_call}: {answer}");
        assert_eq!(pool.live(), 1, "the instance survives");
    }
}

#[test]
fn invoice_runs_and_csv_reports_through_the_host_are_the_native_answer() {
    let Some(core) = core() else { return };
    let all = cases();
    let reports: Vec<_> = all
        .iter()
        .filter(|case| matches!(case.query(), Some(Query::InvoiceRun | Query::ReportCsv)))
        .collect();
    assert!(reports.len() >= 10, "only {} cases", reports.len());
    for case in reports {
        let pool = Pool::new(
            &core,
            Limits::default(),
            1,
            case.source.as_bytes(),
            case.directory.as_deref().map(str::as_bytes),
        )
        .unwrap();
        let request = case.request.as_deref().unwrap().as_bytes();
        let answer = match case.query() {
            Some(Query::InvoiceRun) => pool.invoice_run(request),
            _ => pool.report_csv(request),
        };
        assert_eq!(answer, case.native_answer(), "{}", case.name);
    }
}

#[test]
fn the_runtime_module_loads_artifacts_only_and_answers_the_same_bytes() {
    let Some(runtime) = runtime_core() else {
        return;
    };
    assert_eq!(runtime.imports(), Vec::<String>::new());
    let exports = runtime.exports();
    for name in EXPORTS.iter().filter(|name| **name != "procura_compile") {
        assert!(
            exports.iter().any(|e| e == name),
            "no export `{name}` in {exports:?}"
        );
    }
    assert!(
        !exports.iter().any(|e| e == "procura_compile"),
        "{exports:?}"
    );
    assert!(!runtime.can_compile());
    let mut instance = runtime.instance(Limits::default()).unwrap();
    assert_eq!(instance.abi_version().unwrap(), procura_host::ABI_VERSION);
    let source = read("examples/maple.procura");
    assert_eq!(
        instance.compile(source.as_bytes(), None),
        Err(HostError::NoCompiler)
    );
    // Source handed to the runtime's `procura_load` is not an artifact: E0701.
    let refused = instance.load(source.as_bytes(), None).unwrap();
    assert_eq!(first_code(&refused), "E0701", "{refused}");
    let mut compared = 0;
    for case in cases() {
        let (Some(query), Some(request)) = (case.query(), &case.request) else {
            continue;
        };
        let engine = procura::Engine::from_json(&case.source, case.directory.as_deref()).unwrap();
        let loaded = compiled(
            &instance
                .load(
                    &engine.artifact(false),
                    case.directory.as_deref().map(str::as_bytes),
                )
                .unwrap(),
        );
        let handle = u32::try_from(loaded["handle"].as_u64().unwrap()).unwrap();
        assert!(instance.set_trust_inline_profiles(handle, true).unwrap());
        let answer = instance.query(handle, query, request.as_bytes()).unwrap();
        assert_eq!(answer, case.native_answer(), "{}", case.name);
        assert!(instance.release(handle).unwrap());
        compared += 1;
    }
    assert!(compared >= 100, "only {compared} cases");
}

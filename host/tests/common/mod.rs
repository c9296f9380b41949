//! Shared by the host's tests: the core module, the conformance corpus, the examples.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use procura_host::{CoreModule, Query};
use serde_json::Value;

pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

pub fn read(path: impl AsRef<Path>) -> String {
    let path = repo().join(path);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// The core module, compiled once per test binary; `None` (the test is skipped, loudly)
/// when `pkg/core/procura.wasm` is not built or is older than the sources, unless
/// `PROCURA_REQUIRE_CORE=1`, as in `scripts/test.sh` after `scripts/build-core.sh`, where that
/// fails the test.
pub fn core() -> Option<CoreModule> {
    static CORE: OnceLock<Option<CoreModule>> = OnceLock::new();
    CORE.get_or_init(|| built_module("pkg/core/procura.wasm"))
        .clone()
}

/// The runtime-only module `pkg/core/procura-runtime.wasm` (artifacts only), like [`core`].
pub fn runtime_core() -> Option<CoreModule> {
    static CORE: OnceLock<Option<CoreModule>> = OnceLock::new();
    CORE.get_or_init(|| built_module("pkg/core/procura-runtime.wasm"))
        .clone()
}

fn built_module(relative: &str) -> Option<CoreModule> {
    let path = repo().join(relative);
    if let Some(why) = procura_host::stale_module(&repo(), Path::new(relative)) {
        assert!(
            std::env::var_os("PROCURA_REQUIRE_CORE").is_none_or(|v| v != "1"),
            "{why}: run scripts/build-core.sh"
        );
        eprintln!("SKIPPED: {why} (scripts/build-core.sh); scripts/test.sh builds it and runs these tests");
        return None;
    }
    let started = std::time::Instant::now();
    let core = CoreModule::load_cached(&path, Path::new(env!("CARGO_TARGET_TMPDIR")))
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    eprintln!("compiled {} in {:?}", path.display(), started.elapsed());
    Some(core)
}

/// A case of the conformance corpus (procura-conformance: the one reader every suite uses).
pub use procura_conformance::Case;

/// What the host asks of a corpus case.
pub trait HostCase {
    /// The ABI query of the case's kind; `None` for `compile` cases.
    fn query(&self) -> Option<Query>;
    /// The native engine's answer JSON for this case (a query case).
    fn native_answer(&self) -> String;
}

impl HostCase for Case {
    fn query(&self) -> Option<Query> {
        match self.kind.as_str() {
            "checkout" => Some(Query::Evaluate),
            "authorize" => Some(Query::Authorize),
            "badges" => Some(Query::Badges),
            "progress" => Some(Query::Progress),
            "invoiceRun" => Some(Query::InvoiceRun),
            "reportCsv" => Some(Query::ReportCsv),
            _ => None,
        }
    }

    fn native_answer(&self) -> String {
        let engine = self
            .compile()
            .unwrap_or_else(|e| panic!("{}: the policy does not compile: {e:?}", self.name));
        self.answer(&engine)
    }
}

/// Every case of the conformance corpus (format: `tests/conformance/README.md`).
pub fn cases() -> Vec<Case> {
    procura_conformance::cases()
}

/// A Maple checkout request with `lines` lines (the example request's lines, repeated with
/// fresh ids): as expensive as a request can be made for the Maple policy.
pub fn big_maple_request(lines: usize) -> String {
    let mut request: Value = serde_json::from_str(&read("examples/maple.request.json")).unwrap();
    let template = request["order"]["lines"].as_array().unwrap().clone();
    let many: Vec<Value> = (0..lines)
        .map(|i| {
            let mut line = template[i % template.len()].clone();
            line["id"] = Value::String(format!("L{i}"));
            line
        })
        .collect();
    request["order"]["lines"] = Value::Array(many);
    request.to_string()
}

/// A Maple approval-workflow request: the large order, submitted, with the approvals of
/// `examples/maple.approvals.json`.
pub fn maple_progress_request() -> String {
    let approvals: Value = serde_json::from_str(&read("examples/maple.approvals.json")).unwrap();
    let checkout: Value = serde_json::from_str(&read("examples/maple.large-order.json")).unwrap();
    serde_json::json!({
        "checkout": checkout,
        "submittedAt": approvals["submittedAt"],
        "now": "2026-11-25T09:00:00-05:00",
        "events": approvals["events"],
    })
    .to_string()
}

/// Whether a request carries the user inline (`buyerProfile`, `userProfile`, or one under
/// `checkout`): the requests a host refuses unless it trusts inline profiles.
pub fn has_inline_profile(request: &str) -> bool {
    let Ok(value) = serde_json::from_str::<Value>(request) else {
        return false;
    };
    let carries = |object: &Value| {
        ["buyerProfile", "userProfile"]
            .iter()
            .any(|key| object.get(key).is_some_and(|v| !v.is_null()))
    };
    carries(&value) || value.get("checkout").is_some_and(carries)
}

/// A copy of a request (JSON) with `profile` set at `key` (e.g. `buyerProfile`), or under
/// `checkout` for a progress request.
pub fn with_profile(request: &str, key: &str, profile: &Value) -> String {
    let mut value: Value = serde_json::from_str(request).unwrap();
    let target = if value.get("checkout").is_some() {
        &mut value["checkout"]
    } else {
        &mut value
    };
    target[key] = profile.clone();
    value.to_string()
}

/// Ana of the Maple directory, as a storefront would send her inline.
pub fn ana_profile() -> Value {
    serde_json::json!({
        "id": "ana@maple.example",
        "name": "Ana Tremblay",
        "manager": "paul@maple.example",
        "roles": [{ "role": "requester", "group": "north" }]
    })
}

/// Maple requests of each kind that carry Ana inline: `(query, request)`.
pub fn maple_inline_requests() -> Vec<(Query, String)> {
    let profile = ana_profile();
    let checkout = read("examples/maple.request.json");
    let authorize = serde_json::json!({
        "user": "ana@maple.example",
        "action": "place_orders",
        "resource": { "group": "north", "kind": "order" }
    })
    .to_string();
    let badges = serde_json::json!({
        "buyer": "ana@maple.example",
        "group": "north",
        "currency": "CAD",
        "products": [{ "id": "P1", "category": "office/paper", "unitPrice": "12.00" }]
    })
    .to_string();
    vec![
        (
            Query::Evaluate,
            with_profile(&checkout, "buyerProfile", &profile),
        ),
        (
            Query::Authorize,
            with_profile(&authorize, "userProfile", &profile),
        ),
        (
            Query::Badges,
            with_profile(&badges, "buyerProfile", &profile),
        ),
        (
            Query::Progress,
            with_profile(&maple_progress_request(), "buyerProfile", &profile),
        ),
    ]
}

/// The native answer of the Maple policy to `request`.
pub fn maple_native(query: Query, request: &str) -> String {
    let engine = procura::Engine::from_json(
        &read("examples/maple.procura"),
        Some(&read("examples/maple.directory.json")),
    )
    .unwrap();
    match query {
        Query::Evaluate => engine.evaluate_json(request),
        Query::Authorize => engine.authorize_json(request),
        Query::Badges => engine.badges_json(request),
        Query::Progress => engine.progress_json(request),
        Query::InvoiceRun => engine.invoice_run_json(request),
        Query::ReportCsv => engine.report_csv_json(request),
    }
}

/// A note for a parity failure when the sources changed since the module was built.
pub fn stale_hint() -> String {
    match procura_host::stale_core(&repo()) {
        Some(why) => format!("\nNOTE: {why}: rebuild it with scripts/build-core.sh"),
        None => String::new(),
    }
}

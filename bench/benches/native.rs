//! Native criterion benches of the core library on the generated workloads: compile,
//! checkout (cart size × policy size), permission checks, badges, the approval plan and
//! the approval workflow. `scripts/bench.sh` runs them; `cargo bench -p procura-bench
//! --bench native -- --test` (or `cargo test --benches`) runs each once on the smallest
//! size.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_main, BenchmarkId, Criterion, Throughput};
use procura::contract::{Answer, Directory};
use procura::Engine;
use procura_bench::stages::{cart_sizes, quick, sizes, PlanStage};
use procura_bench::workload::{self, Org, PolicySpec};

fn engine(spec: &PolicySpec, org: &Org) -> Engine {
    Engine::new(&spec.source, &org.directory).expect("the generated policy compiles")
}

fn configure<'a>(
    c: &'a mut Criterion,
    name: &str,
) -> criterion::BenchmarkGroup<'a, criterion::measurement::WallTime> {
    let mut group = c.benchmark_group(name);
    group
        .sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    group
}

fn benches(c: &mut Criterion) {
    let org = workload::org();
    let specs: Vec<PolicySpec> = sizes().iter().map(|&n| workload::policy(&org, n)).collect();
    let engines: Vec<Engine> = specs.iter().map(|s| engine(s, &org)).collect();

    // Compile: source → compiled policy (no users), and with the 10,000-user directory.
    let mut group = configure(c, "compile");
    group.sample_size(10);
    for spec in &specs {
        group.bench_with_input(BenchmarkId::new("policy", spec.rules), spec, |b, spec| {
            b.iter(|| Engine::new(black_box(&spec.source), &Directory::default()).unwrap())
        });
        group.bench_with_input(
            BenchmarkId::new("policy+directory", spec.rules),
            spec,
            |b, spec| b.iter(|| Engine::new(black_box(&spec.source), &org.directory).unwrap()),
        );
    }
    group.finish();

    // Load: a policy artifact (`procura build`) → an engine, as a storefront or server does
    // instead of compiling (no users: the directory is indexed as for compile).
    let mut group = configure(c, "load");
    for (spec, engine) in specs.iter().zip(&engines) {
        let artifact = engine.artifact(false);
        group.bench_with_input(
            BenchmarkId::new("artifact", spec.rules),
            &artifact,
            |b, bytes| b.iter(|| Engine::load(black_box(bytes), &Directory::default()).unwrap()),
        );
    }
    group.finish();

    // Checkout: every cart size against every policy size (typed request, no JSON).
    let mut group = configure(c, "checkout");
    for (spec, engine) in specs.iter().zip(&engines) {
        for lines in cart_sizes() {
            let request = workload::checkout_request(&org, spec, lines);
            group.throughput(Throughput::Elements(lines as u64));
            group.bench_with_input(
                BenchmarkId::new(spec.rules.to_string(), lines),
                &request,
                |b, request| {
                    b.iter(|| match engine.evaluate(black_box(request)) {
                        Answer::Success { result } => result,
                        Answer::Failure { errors } => panic!("{errors:?}"),
                    })
                },
            );
        }
    }
    group.finish();

    // Indexing, not scanning: 10,000 rules of which about 10% can apply to the buyer's
    // group (as many in play as in the 1,000-rule policy), against the 50-line cart.
    if !quick() {
        let mut group = configure(c, "checkout_beside");
        let spec = workload::policy_beside(&org, 10_000, 10);
        let engine = engine(&spec, &org);
        let request = workload::checkout_request(&org, &spec, 50);
        group.throughput(Throughput::Elements(50));
        group.bench_with_input(BenchmarkId::new("10000", 50), &request, |b, request| {
            b.iter(|| match engine.evaluate(black_box(request)) {
                Answer::Success { result } => result,
                Answer::Failure { errors } => panic!("{errors:?}"),
            })
        });
        group.finish();
    }

    // The same through the JSON entry point (parse the request, serialise the decision).
    let mut group = configure(c, "checkout_json");
    for (spec, engine) in specs.iter().zip(&engines) {
        let lines = if cart_sizes().contains(&50) { 50 } else { 1 };
        let request =
            serde_json::to_string(&workload::checkout_request(&org, spec, lines)).unwrap();
        group.bench_with_input(
            BenchmarkId::new(spec.rules.to_string(), lines),
            &request,
            |b, request| b.iter(|| engine.evaluate_json(black_box(request))),
        );
    }
    group.finish();

    // Permission checks: 1,000 checks per iteration (against the 1,000-rule policy when
    // present; roles and groups are the same in every policy).
    let mut group = configure(c, "authorize");
    let checks = workload::authorize_requests(&org);
    let engine_for_checks = engines.get(1).unwrap_or(&engines[0]);
    group.throughput(Throughput::Elements(checks.len() as u64));
    group.bench_function(BenchmarkId::new("checks", checks.len()), |b| {
        b.iter(|| {
            let mut allowed = 0usize;
            for check in &checks {
                if let Answer::Success { result } = engine_for_checks.authorize(black_box(check)) {
                    allowed += usize::from(result.decision == procura::contract::Permission::Allow);
                }
            }
            allowed
        })
    });
    group.finish();

    // Badges for a page of 1,000 products.
    let mut group = configure(c, "badges");
    let page = workload::badge_request(&org);
    group.throughput(Throughput::Elements(page.products.len() as u64));
    for (spec, engine) in specs.iter().zip(&engines) {
        group.bench_with_input(
            BenchmarkId::new(spec.rules.to_string(), page.products.len()),
            &page,
            |b, page| b.iter(|| engine.badges(black_box(page))),
        );
    }
    group.finish();

    // The approval plan: the stage alone (every level in scope merged), and the
    // approval-heavy checkout it dominates.
    let mut group = configure(c, "approval");
    for (spec, engine) in specs.iter().zip(&engines) {
        let request = workload::approval_request(&org, spec);
        let stage = PlanStage::new(engine, &org.directory, &request).expect("plan stage");
        let asks = stage.asks(engine);
        group.bench_function(
            BenchmarkId::new(format!("plan/{}", spec.rules), asks),
            |b| b.iter(|| stage.run(black_box(engine))),
        );
        group.bench_function(BenchmarkId::new("checkout", spec.rules), |b| {
            b.iter(|| engine.evaluate(black_box(&request)))
        });
    }
    group.finish();

    // The approval workflow: the approval-heavy order with 10 events.
    let mut group = configure(c, "progress");
    for (spec, engine) in specs.iter().zip(&engines) {
        let plan = procura_bench::files::plan(engine, &org, spec);
        let request = workload::progress_request(&org, spec, &plan);
        group.bench_with_input(
            BenchmarkId::new(spec.rules.to_string(), workload::PROGRESS_EVENTS),
            &request,
            |b, request| b.iter(|| engine.progress(black_box(request))),
        );
    }
    group.finish();
}

fn native() {
    let mut criterion = Criterion::default().configure_from_args();
    benches(&mut criterion);
    criterion.final_summary();
}

criterion_main!(native);

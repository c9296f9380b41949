//! The peer comparison: the same permission checks and category-restriction pages through
//! Procura, cedar-policy (default: one policy set; `cedar_sliced`: per action / per
//! category), regorus (default: the interpreter; `regorus_rvm`: its register VM) and the
//! hand-indexed plain-Rust `reference`, in one run (`--features peers`). The inputs are the
//! ones bench/tests/agreement.rs shows every configuration decides identically.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_main, BenchmarkId, Criterion, Throughput};
use procura::contract::Answer;
use procura::Engine;
use procura_bench::peers::{check_actions, page_categories, Cedar, CedarSliced, Rego, RegoRvm};
use procura_bench::reference::Reference;
use procura_bench::stages::{quick, sizes};
use procura_bench::workload;

fn benches(c: &mut Criterion) {
    let org = workload::org();
    let checks = workload::authorize_requests(&org);
    let pages = workload::category_requests(&org);
    let products: usize = pages.iter().map(|p| p.products.len()).sum();

    // Permission checks: roles and groups only, the same in every policy size; the
    // 1,000-rule policy as in the native bench (the 100-rule one in a quick run).
    let rules = if quick() { 100 } else { 1_000 };
    let spec = workload::policy(&org, rules);
    let engine = Engine::new(&spec.source, &org.directory).unwrap();
    let cedar = Cedar::new(&org, &spec.blocks).unwrap();
    let sliced = CedarSliced::new(&cedar, &org, &spec.blocks).unwrap();
    let mut rego = Rego::new(&org, &spec.blocks).unwrap();
    let mut rvm = RegoRvm::new(&org, &spec.blocks).unwrap();
    let reference = Reference::new(&org, &spec.blocks);
    let cedar_requests = cedar.permission_requests(&checks).unwrap();
    let actions = check_actions(&checks);
    let rego_inputs = Rego::permission_inputs(&checks).unwrap();
    let mut group = c.benchmark_group("peers_permission");
    group
        .sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3))
        .throughput(Throughput::Elements(checks.len() as u64));
    group.bench_function(BenchmarkId::new("procura", checks.len()), |b| {
        b.iter(|| {
            checks
                .iter()
                .filter(|check| {
                    matches!(engine.authorize(black_box(check)), Answer::Success { result }
                        if result.decision == procura::contract::Permission::Allow)
                })
                .count()
        })
    });
    group.bench_function(BenchmarkId::new("cedar", checks.len()), |b| {
        b.iter(|| {
            cedar_requests
                .iter()
                .filter(|r| cedar.allowed(black_box(r)))
                .count()
        })
    });
    group.bench_function(BenchmarkId::new("cedar_sliced", checks.len()), |b| {
        b.iter(|| {
            actions
                .iter()
                .zip(&cedar_requests)
                .filter(|(action, r)| sliced.allowed(black_box(action), black_box(r)))
                .count()
        })
    });
    group.bench_function(BenchmarkId::new("regorus", checks.len()), |b| {
        b.iter(|| {
            rego_inputs
                .iter()
                .filter(|input| rego.allowed(black_box(input)).unwrap())
                .count()
        })
    });
    group.bench_function(BenchmarkId::new("regorus_rvm", checks.len()), |b| {
        b.iter(|| {
            rego_inputs
                .iter()
                .filter(|input| rvm.allowed(black_box(input)).unwrap())
                .count()
        })
    });
    group.bench_function(BenchmarkId::new("reference", checks.len()), |b| {
        b.iter(|| {
            checks
                .iter()
                .filter(|c| {
                    let c = black_box(c);
                    reference.allowed(&c.user, &c.action, &c.resource.group)
                })
                .count()
        })
    });
    group.finish();

    // Category restriction: 20 pages of 25 products against each policy's block rules.
    let mut group = c.benchmark_group("peers_category");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3))
        .throughput(Throughput::Elements(products as u64));
    for rules in sizes() {
        let spec = workload::policy(&org, rules);
        let engine = Engine::new(&spec.source, &org.directory).unwrap();
        let cedar = Cedar::new(&org, &spec.blocks).unwrap();
        let sliced = CedarSliced::new(&cedar, &org, &spec.blocks).unwrap();
        let mut rego = Rego::new(&org, &spec.blocks).unwrap();
        let mut rvm = RegoRvm::new(&org, &spec.blocks).unwrap();
        let reference = Reference::new(&org, &spec.blocks);
        let cedar_requests = cedar.category_requests(&pages).unwrap();
        let categories = page_categories(&pages);
        let rego_inputs = Rego::category_inputs(&pages).unwrap();
        group.bench_function(
            BenchmarkId::new(format!("procura/{rules}"), products),
            |b| {
                b.iter(|| {
                    pages
                        .iter()
                        .map(|page| match engine.badges(black_box(page)) {
                            Answer::Success { result } => result
                                .badges
                                .iter()
                                .filter(|b| b.verdict == procura::contract::Verdict::Blocked)
                                .count(),
                            Answer::Failure { errors } => panic!("{errors:?}"),
                        })
                        .sum::<usize>()
                })
            },
        );
        group.bench_function(BenchmarkId::new(format!("cedar/{rules}"), products), |b| {
            b.iter(|| {
                cedar_requests
                    .iter()
                    .filter(|r| cedar.blocked(black_box(r)))
                    .count()
            })
        });
        group.bench_function(
            BenchmarkId::new(format!("regorus/{rules}"), products),
            |b| {
                b.iter(|| {
                    rego_inputs
                        .iter()
                        .map(|input| rego.blocked_count(black_box(input)).unwrap())
                        .sum::<usize>()
                })
            },
        );
        group.bench_function(
            BenchmarkId::new(format!("cedar_sliced/{rules}"), products),
            |b| {
                b.iter(|| {
                    categories
                        .iter()
                        .zip(&cedar_requests)
                        .filter(|(category, r)| sliced.blocked(black_box(category), black_box(r)))
                        .count()
                })
            },
        );
        group.bench_function(
            BenchmarkId::new(format!("regorus_rvm/{rules}"), products),
            |b| {
                b.iter(|| {
                    rego_inputs
                        .iter()
                        .map(|input| rvm.blocked_count(black_box(input)).unwrap())
                        .sum::<usize>()
                })
            },
        );
        group.bench_function(
            BenchmarkId::new(format!("reference/{rules}"), products),
            |b| {
                b.iter(|| {
                    pages
                        .iter()
                        .map(|page| {
                            let page = black_box(page);
                            page.products
                                .iter()
                                .filter(|p| reference.blocked(&page.group, &p.category))
                                .count()
                        })
                        .sum::<usize>()
                })
            },
        );
    }
    group.finish();
}

fn peers() {
    let mut criterion = Criterion::default().configure_from_args();
    benches(&mut criterion);
    criterion.final_summary();
}

criterion_main!(peers);

//! The generated workloads are valid: every policy checks without errors or warnings, the
//! directory compiles with it, and every request gets a success answer.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use procura::contract::Answer;
use procura_bench::workload::{self, CART_SIZES, SIZES};

fn success<T>(answer: Answer<T>, what: &str) -> T {
    match answer {
        Answer::Success { result } => result,
        Answer::Failure { errors } => panic!("{what}: {errors:?}"),
    }
}

/// The sizes this run checks: the 10,000-rule policy only with `PROCURA_BENCH_FULL=1`
/// (it is slow to check in a debug build).
fn sizes() -> Vec<usize> {
    if std::env::var_os("PROCURA_BENCH_FULL").is_some() {
        SIZES.to_vec()
    } else {
        SIZES[..2].to_vec()
    }
}

#[test]
fn the_organisation_has_the_documented_shape() {
    let org = workload::org();
    assert_eq!(org.groups.len(), 201);
    assert_eq!(org.leaves.len() + org.mid.len() + org.top.len(), 5_120);
    assert_eq!(org.directory.users.len(), workload::USERS);
}

#[test]
fn generated_policies_check_cleanly() {
    let org = workload::org();
    for rules in sizes() {
        let spec = workload::policy(&org, rules);
        assert_eq!(spec.mix.values().sum::<usize>(), rules);
        let diagnostics = procura::check(&spec.source).diagnostics;
        assert!(
            diagnostics.is_empty(),
            "the {rules}-rule policy has diagnostics: {:#?}",
            &diagnostics[..diagnostics.len().min(5)]
        );
    }
}

#[test]
fn generation_is_deterministic() {
    let org = workload::org();
    let again = workload::org();
    assert_eq!(org.directory, again.directory);
    let a = workload::policy(&org, 100);
    let b = workload::policy(&again, 100);
    assert_eq!(a.source, b.source);
    assert_eq!(workload::cart(&org, 50), workload::cart(&again, 50));
    assert_eq!(
        workload::authorize_requests(&org),
        workload::authorize_requests(&again)
    );
}

#[test]
fn every_request_is_answered() {
    let org = workload::org();
    for rules in sizes() {
        let spec = workload::policy(&org, rules);
        let engine = procura::Engine::new(&spec.source, &org.directory).unwrap();
        for lines in CART_SIZES {
            let decision = success(
                engine.evaluate(&workload::checkout_request(&org, &spec, lines)),
                "checkout",
            );
            assert_eq!(decision.lines.len(), lines);
        }
        let approval = success(
            engine.evaluate(&workload::approval_request(&org, &spec)),
            "approval",
        );
        assert!(
            approval.approval.required,
            "the approval-heavy order needs approval"
        );
        let progress = workload::progress_request(&org, &spec, &approval.approval);
        let state = success(engine.progress(&progress), "progress");
        assert_eq!(state.steps.len(), workload::PROGRESS_EVENTS);
        let badges = success(engine.badges(&workload::badge_request(&org)), "badges");
        assert_eq!(badges.badges.len(), workload::BADGE_PRODUCTS);
        for request in workload::authorize_requests(&org).iter().take(50) {
            success(engine.authorize(request), "authorize");
        }
    }
}

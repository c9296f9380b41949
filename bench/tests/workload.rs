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

/// The policy beside the buyer: as many rules as asked, of which about a tenth can apply
/// to the benchmark buyer's group (the rest are scoped elsewhere), and it still checks
/// cleanly. 1,000 rules here, so that a debug build checks it quickly.
#[test]
fn the_policy_beside_the_buyer_keeps_a_tenth_in_scope() {
    let org = workload::org();
    let (_, group) = workload::buyer(&org);
    let group_name = org.groups[group].name.clone();
    let in_scope = |spec: &workload::PolicySpec| {
        let engine = procura::Engine::new(&spec.source, &Default::default()).unwrap();
        let policy = procura::internals::compiled(&engine);
        let id = policy.group_ids[&group_name];
        let rules = policy.rules_for(id);
        rules.approvals.len() + rules.order_rules.len() + rules.budgets.len()
    };
    let beside = workload::policy_beside(&org, 1_000, 10);
    let diagnostics = procura::check(&beside.source).diagnostics;
    assert!(diagnostics.iter().all(|d| !d.is_error()), "{diagnostics:?}");
    let all = in_scope(&workload::policy(&org, 1_000));
    let few = in_scope(&beside);
    assert!(
        all >= 20,
        "the standard policy has {all} order-level rules in scope"
    );
    assert!(
        few * 4 <= all,
        "{few} of the beside policy's order-level rules apply, against {all}"
    );
}

//! Procura, cedar-policy and regorus, each peer at its default and at its fastest
//! configuration (Cedar with policy sets sliced per action and per category, regorus on its
//! register VM), and the hand-indexed plain-Rust reference reach the same decisions on the
//! benchmark's inputs: the 1,000 permission checks, and the category-restriction pages (20
//! buyers × 25 products) against the block rules of each policy size. So the peer
//! comparison in BENCHMARKS.md compares like with like.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use procura_bench::peers::{
    check_actions, page_categories, procura_allowed, procura_blocked, Cedar, CedarSliced, Rego,
    RegoRvm,
};
use procura_bench::reference::Reference;
use procura_bench::workload::{self, SIZES};

#[test]
fn permission_checks_agree() {
    let org = workload::org();
    let spec = workload::policy(&org, 100);
    let engine = procura::Engine::new(&spec.source, &org.directory).unwrap();
    let cedar = Cedar::new(&org, &spec.blocks).unwrap();
    assert_eq!(
        cedar.validate(),
        Vec::<String>::new(),
        "Cedar policies validate"
    );
    let sliced = CedarSliced::new(&cedar, &org, &spec.blocks).unwrap();
    // Slicing leaves each action only the permits of the roles that grant it.
    let (largest, _) = sliced.largest_slices();
    assert!(
        largest < cedar.permissions.policies().count(),
        "{largest} policies in the largest action slice"
    );
    let mut rego = Rego::new(&org, &spec.blocks).unwrap();
    let mut rvm = RegoRvm::new(&org, &spec.blocks).unwrap();
    let reference = Reference::new(&org, &spec.blocks);
    let checks = workload::authorize_requests(&org);
    let cedar_requests = cedar.permission_requests(&checks).unwrap();
    let actions = check_actions(&checks);
    let rego_inputs = Rego::permission_inputs(&checks).unwrap();
    let mut allowed = 0;
    for (((check, request), action), input) in checks
        .iter()
        .zip(&cedar_requests)
        .zip(&actions)
        .zip(&rego_inputs)
    {
        let procura = procura_allowed(&engine, check).unwrap();
        assert_eq!(
            procura,
            cedar.allowed(request),
            "cedar disagrees on {check:?}"
        );
        assert_eq!(
            procura,
            sliced.allowed(action, request),
            "cedar (sliced) disagrees on {check:?}"
        );
        assert_eq!(
            procura,
            rego.allowed(input).unwrap(),
            "rego disagrees on {check:?}"
        );
        assert_eq!(
            procura,
            rvm.allowed(input).unwrap(),
            "rego (RVM) disagrees on {check:?}"
        );
        assert_eq!(
            procura,
            reference.allowed(&check.user, &check.action, &check.resource.group),
            "the reference disagrees on {check:?}"
        );
        allowed += usize::from(procura);
    }
    // Both answers are common, so agreement means something.
    assert!(
        (200..=800).contains(&allowed),
        "{allowed} of {} checks allowed",
        checks.len()
    );
}

#[test]
fn category_restrictions_agree() {
    let org = workload::org();
    let pages = workload::category_requests(&org);
    // The 10,000-rule policy is slow to compile in a debug build: with PROCURA_BENCH_FULL.
    let sizes = if std::env::var_os("PROCURA_BENCH_FULL").is_some() {
        &SIZES[..]
    } else {
        &SIZES[..2]
    };
    for &rules in sizes {
        let spec = workload::policy(&org, rules);
        let engine = procura::Engine::new(&spec.source, &org.directory).unwrap();
        let cedar = Cedar::new(&org, &spec.blocks).unwrap();
        assert_eq!(
            cedar.validate(),
            Vec::<String>::new(),
            "Cedar policies validate"
        );
        let sliced = CedarSliced::new(&cedar, &org, &spec.blocks).unwrap();
        let (_, largest) = sliced.largest_slices();
        assert!(
            largest < cedar.categories.policies().count() || spec.blocks.is_empty(),
            "{largest} policies in the largest category slice"
        );
        let mut rego = Rego::new(&org, &spec.blocks).unwrap();
        let mut rvm = RegoRvm::new(&org, &spec.blocks).unwrap();
        let reference = Reference::new(&org, &spec.blocks);
        let cedar_requests = cedar.category_requests(&pages).unwrap();
        let categories = page_categories(&pages);
        let rego_inputs = Rego::category_inputs(&pages).unwrap();
        let mut requests = cedar_requests.iter().zip(&categories);
        let mut blocked = 0;
        for (page, input) in pages.iter().zip(&rego_inputs) {
            let procura = procura_blocked(&engine, page).unwrap();
            let rego_blocked = rego.blocked(input).unwrap();
            let rvm_blocked = rvm.blocked(input).unwrap();
            assert_eq!(
                rvm.blocked_count(input).unwrap(),
                rvm_blocked.len(),
                "rego (RVM) counts what it lists"
            );
            assert_eq!(
                rego.blocked_count(input).unwrap(),
                rego_blocked.len(),
                "rego counts what it lists"
            );
            for product in &page.products {
                let by_procura = procura.contains(&product.id);
                let (request, category) = requests.next().unwrap();
                let what = format!(
                    "{} ({}) for {} with {rules} rules",
                    product.id, product.category, page.group
                );
                assert_eq!(
                    by_procura,
                    cedar.blocked(request),
                    "cedar disagrees on {what}"
                );
                assert_eq!(
                    by_procura,
                    sliced.blocked(category, request),
                    "cedar (sliced) disagrees on {what}"
                );
                assert_eq!(
                    by_procura,
                    rego_blocked.contains(&product.id),
                    "rego disagrees on {what}"
                );
                assert_eq!(
                    by_procura,
                    rvm_blocked.contains(&product.id),
                    "rego (RVM) disagrees on {what}"
                );
                assert_eq!(
                    by_procura,
                    reference.blocked(&page.group, &product.category),
                    "the reference disagrees on {what}"
                );
                blocked += usize::from(by_procura);
            }
        }
        if rules >= 1_000 {
            assert!(blocked > 0, "some products are blocked with {rules} rules");
        }
        eprintln!("{rules} rules: {blocked} of 500 products blocked");
    }
}

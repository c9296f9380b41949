//! Procura, cedar-policy and regorus reach the same decisions on the benchmark's inputs:
//! the 1,000 permission checks, and the category-restriction pages (20 buyers × 25
//! products) against the block rules of each policy size. So the peer comparison in
//! BENCHMARKS.md compares like with like.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use procura_bench::peers::{procura_allowed, procura_blocked, Cedar, Rego};
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
    let mut rego = Rego::new(&org, &spec.blocks).unwrap();
    let checks = workload::authorize_requests(&org);
    let cedar_requests = cedar.permission_requests(&checks).unwrap();
    let rego_inputs = Rego::permission_inputs(&checks).unwrap();
    let mut allowed = 0;
    for ((check, request), input) in checks.iter().zip(&cedar_requests).zip(&rego_inputs) {
        let procura = procura_allowed(&engine, check).unwrap();
        assert_eq!(
            procura,
            cedar.allowed(request),
            "cedar disagrees on {check:?}"
        );
        assert_eq!(
            procura,
            rego.allowed(input).unwrap(),
            "rego disagrees on {check:?}"
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
        let mut rego = Rego::new(&org, &spec.blocks).unwrap();
        let cedar_requests = cedar.category_requests(&pages).unwrap();
        let rego_inputs = Rego::category_inputs(&pages).unwrap();
        let mut requests = cedar_requests.iter();
        let mut blocked = 0;
        for (page, input) in pages.iter().zip(&rego_inputs) {
            let procura = procura_blocked(&engine, page).unwrap();
            let rego_blocked = rego.blocked(input).unwrap();
            for product in &page.products {
                let by_procura = procura.contains(&product.id);
                let request = requests.next().unwrap();
                assert_eq!(
                    by_procura,
                    cedar.blocked(request),
                    "cedar disagrees on {} ({}) for {} with {rules} rules",
                    product.id,
                    product.category,
                    page.group
                );
                assert_eq!(
                    by_procura,
                    rego_blocked.contains(&product.id),
                    "rego disagrees on {} ({}) for {} with {rules} rules",
                    product.id,
                    product.category,
                    page.group
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

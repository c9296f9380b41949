//! Helpers the benches and the profiling binary share: which sizes a run covers, and the
//! approval-plan stage on its own.

use procura::contract::CheckoutRequest;
use procura::internals::Currency;
use procura::internals::People;
use procura::internals::{approvals, Ask, Plan};
use procura::internals::{LineFacts, OrderFacts, Scope};
use procura::Engine;
use rust_decimal::Decimal;

use crate::workload::{CART_SIZES, SIZES};

/// A quick run: `cargo bench -- --test`, `cargo test --benches` (no `--bench` argument),
/// or `PROCURA_BENCH_QUICK=1`. It covers the smallest size only, once.
pub fn quick() -> bool {
    let args: Vec<String> = std::env::args().collect();
    std::env::var_os("PROCURA_BENCH_QUICK").is_some()
        || args.iter().any(|a| a == "--test")
        || !args.iter().any(|a| a == "--bench")
}

/// The policy sizes of this run.
pub fn sizes() -> Vec<usize> {
    if quick() {
        SIZES[..1].to_vec()
    } else {
        SIZES.to_vec()
    }
}

/// The cart sizes of this run.
pub fn cart_sizes() -> Vec<usize> {
    if quick() {
        CART_SIZES[..1].to_vec()
    } else {
        CART_SIZES.to_vec()
    }
}

/// The approval-plan stage alone: every level of every approval workflow in scope of the
/// order's group (conditions taken as met) merged into a plan, approvers resolved from the
/// 10,000-user directory.
pub struct PlanStage {
    people: People,
    facts: OrderFacts,
}

impl PlanStage {
    pub fn new(
        engine: &Engine,
        directory: &procura::contract::Directory,
        request: &CheckoutRequest,
    ) -> Option<PlanStage> {
        let policy = procura::internals::compiled(engine);
        let people = People::new(directory, policy).ok()?;
        let buyer = people.get(&request.buyer)?.user.clone();
        let currency = Currency::of(&request.order.currency)?;
        let lines: Vec<LineFacts> = request
            .order
            .lines
            .iter()
            .map(|l| LineFacts {
                id: l.id.clone(),
                product: l.product.clone(),
                category: l.category.clone(),
                supplier: l.supplier.clone(),
                unit_price: l.unit_price.0,
                quantity: Decimal::from(l.quantity),
                amount: l.unit_price.0 * Decimal::from(l.quantity),
                fields: Vec::new(),
                kept: true,
            })
            .collect();
        let subtotal = lines.iter().map(|l| l.amount).sum();
        let facts = OrderFacts {
            id: request.order.id.clone(),
            currency,
            group: *policy.group_ids.get(&request.group)?,
            subtotal,
            tax: Default::default(),
            shipping: Default::default(),
            total: subtotal,
            payment_method: request.order.payment_method.clone(),
            po_number: request.order.po_number.clone(),
            ship_to: None,
            cost_centre: None,
            fields: Vec::new(),
            buyer_id: buyer.id.clone(),
            buyer_manager: buyer.manager.clone(),
            buyer_approval_limit: None,
            buyer_self_approval_limit: None,
            lines,
            rates: Vec::new(),
            category_totals: Default::default(),
        };
        Some(PlanStage { people, facts })
    }

    /// How many levels the stage merges.
    pub fn asks(&self, engine: &Engine) -> usize {
        let policy = procura::internals::compiled(engine);
        policy
            .approvals
            .iter()
            .filter(|a| a.scope.contains(self.facts.group))
            .map(|a| a.levels.len())
            .sum()
    }

    pub fn run(&self, engine: &Engine) -> Plan {
        let policy = procura::internals::compiled(engine);
        let asks: Vec<Ask<'_>> = policy
            .approvals
            .iter()
            .filter(|a| a.scope.contains(self.facts.group))
            .flat_map(|a| {
                a.levels.iter().map(move |level| Ask {
                    rule: &a.info,
                    requirement: level,
                    self_allowed: false,
                })
            })
            .collect();
        let scope = Scope {
            policy,
            order: &self.facts,
            line: None,
        };
        approvals::plan(&asks, policy, &self.people, &scope)
    }
}

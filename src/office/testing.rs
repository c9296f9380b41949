//! Policy tests: each `test` block becomes a checkout request, and its expectations are
//! compared with the decision. Failures show expected against actual, with the line.

use crate::base::diagnostic::LineIndex;
use crate::compile::CompiledPolicy;
use crate::contract::*;
use crate::eval::authorize::PLACE_ORDERS;
use crate::eval::checkout;
use crate::eval::people::People;
use crate::syntax::ast::{Expectation, OrderField, OutcomeWord, TestDecl, VerdictWord};

/// The instant policy tests run at, so that invoice dates are reproducible.
pub const TEST_NOW: &str = "2026-01-15T12:00:00Z";

/// Runs every test of the policy against the directory.
pub fn run_tests(policy: &CompiledPolicy, directory: &Directory) -> TestReport {
    let index = LineIndex::new(&policy.source);
    let tests: Vec<TestResult> = policy
        .tests
        .iter()
        .map(|test| run_one(policy, directory, test, &index))
        .collect();
    let passed = tests.iter().filter(|t| t.passed).count();
    TestReport {
        passed,
        failed: tests.len() - passed,
        tests,
    }
}

/// The directory's users with the test's own `user` lines in place of any of the same id.
fn test_users(directory: &Directory, test: &TestDecl) -> Vec<User> {
    let mut users = directory.users.clone();
    for user in &test.users {
        users.retain(|u| u.id != user.id.value);
        users.push(User {
            id: user.id.value.clone(),
            name: None,
            manager: user.manager.as_ref().map(|m| m.value.clone()),
            approval_limit: user.limit.as_ref().map(|m| MoneyValue {
                amount: Amount(m.amount),
                currency: m.currency.name.clone(),
            }),
            self_approval_limit: None,
            roles: user
                .roles
                .iter()
                .map(|(role, group)| RoleAssignment {
                    role: role.name.clone(),
                    group: group.name.clone(),
                })
                .collect(),
            locale: None,
        });
    }
    users
}

fn run_one(
    policy: &CompiledPolicy,
    directory: &Directory,
    test: &TestDecl,
    index: &LineIndex<'_>,
) -> TestResult {
    let mut failures = Vec::new();
    let mut fail = |expected: String, actual: String, span| {
        failures.push(TestFailure {
            expected,
            actual,
            span: index.span(span),
        });
    };
    let users = test_users(directory, test);
    let known = users.iter().any(|u| u.id == test.buyer.id.value);
    let people = match People::new(&Directory { users }, policy) {
        Ok(people) => people,
        Err(errors) => {
            let actual = errors
                .iter()
                .map(|e| e.message.clone())
                .collect::<Vec<_>>()
                .join("; ");
            fail("a valid directory".into(), actual, test.span);
            return finish(test, index, failures);
        }
    };
    let request = request_for(policy, test, known);
    let decision = match checkout(policy, &people, &request) {
        Answer::Success { result } => result,
        Answer::Failure { errors } => {
            let actual = errors
                .iter()
                .map(|e| e.message.clone())
                .collect::<Vec<_>>()
                .join("; ");
            fail("a decision".into(), format!("errors: {actual}"), test.span);
            return finish(test, index, failures);
        }
    };
    for expectation in &test.expectations {
        match expectation {
            Expectation::Outcome(word, span) => {
                let expected = match word {
                    OutcomeWord::Allowed => Outcome::Allowed,
                    OutcomeWord::ApprovalRequired => Outcome::ApprovalRequired,
                    OutcomeWord::Blocked => Outcome::Blocked,
                };
                if decision.outcome != expected {
                    fail(
                        outcome_word(expected),
                        outcome_word(decision.outcome),
                        *span,
                    );
                }
            }
            Expectation::Line {
                line,
                verdict,
                span,
            } => {
                let expected = match verdict {
                    VerdictWord::Allowed => Verdict::Allowed,
                    VerdictWord::Preferred => Verdict::Preferred,
                    VerdictWord::Warned => Verdict::Warned,
                    VerdictWord::Restricted => Verdict::Restricted,
                    VerdictWord::Blocked => Verdict::Blocked,
                };
                let actual = decision
                    .lines
                    .iter()
                    .find(|l| l.id == line.value)
                    .map(|l| l.verdict);
                if actual != Some(expected) {
                    let actual = actual.map_or("no such line".to_owned(), |v| {
                        format!("line `{}` {}", line.value, Verdict::as_str(v))
                    });
                    fail(
                        format!("line `{}` {}", line.value, Verdict::as_str(expected)),
                        actual,
                        *span,
                    );
                }
            }
            Expectation::Levels(count) => {
                let actual = decision.approval.levels.len() as u64;
                if actual != count.value {
                    fail(
                        format!("{} approval level(s)", count.value),
                        format!("{actual} approval level(s)"),
                        count.span,
                    );
                }
            }
            Expectation::Approver(id) => {
                let found = decision
                    .approval
                    .levels
                    .iter()
                    .any(|l| l.approvers.contains(&id.value));
                if !found {
                    let everyone: Vec<String> = decision
                        .approval
                        .levels
                        .iter()
                        .flat_map(|l| l.approvers.iter().cloned())
                        .collect();
                    fail(
                        format!("approver `{}`", id.value),
                        format!("approvers [{}]", everyone.join(", ")),
                        id.span,
                    );
                }
            }
            Expectation::Total(money) => {
                let actual = format!("{} {}", decision.totals.total, decision.totals.currency);
                let expected = format!("{} {}", money.amount, money.currency.name);
                let same = decision.totals.total.0 == money.amount
                    && decision.totals.currency == money.currency.name;
                if !same {
                    fail(
                        format!("total {expected}"),
                        format!("total {actual}"),
                        money.span,
                    );
                }
            }
            Expectation::Invoice(template) => {
                let actual = decision.invoice.as_ref().map(|i| i.template.clone());
                if actual.as_deref() != Some(template.value.as_str()) {
                    let actual =
                        actual.map_or("no invoice rule".to_owned(), |t| format!("invoice `{t}`"));
                    fail(
                        format!("invoice `{}`", template.value),
                        actual,
                        template.span,
                    );
                }
            }
        }
    }
    finish(test, index, failures)
}

fn finish(test: &TestDecl, index: &LineIndex<'_>, failures: Vec<TestFailure>) -> TestResult {
    TestResult {
        name: test.name.value.clone(),
        span: index.span(test.name.span),
        passed: failures.is_empty(),
        failures,
    }
}

fn request_for(policy: &CompiledPolicy, test: &TestDecl, known_buyer: bool) -> CheckoutRequest {
    let mut order = Order {
        id: "test".into(),
        currency: policy.currency.code.clone(),
        payment_method: None,
        po_number: None,
        cost_centre: None,
        ship_to: None,
        fields: Default::default(),
        lines: Vec::new(),
        tax: None,
        shipping: None,
    };
    for field in &test.order {
        match field {
            OrderField::Po(po) => order.po_number = Some(po.value.clone()),
            OrderField::Payment(method) => order.payment_method = Some(method.name.clone()),
            OrderField::ShipTo(ship_to) => order.ship_to = Some(ship_to.value.clone()),
            OrderField::CostCentre(centre) => order.cost_centre = Some(centre.value.clone()),
            OrderField::Tax(tax) => order.tax = Some(Amount(tax.amount)),
            OrderField::Shipping(shipping) => order.shipping = Some(Amount(shipping.amount)),
            OrderField::Currency(code) => order.currency = code.name.clone(),
            OrderField::Custom(name, value) => {
                order.fields.insert(name.name.clone(), value.value.clone());
            }
        }
    }
    if !test
        .order
        .iter()
        .any(|f| matches!(f, OrderField::Currency(_)))
    {
        if let Some(first) = test.lines.first() {
            order.currency = first.price.currency.name.clone();
        }
    }
    order.lines = test
        .lines
        .iter()
        .map(|line| OrderLine {
            id: line.id.value.clone(),
            product: line.product.value.clone(),
            category: line.category.value.clone(),
            supplier: line.supplier.as_ref().map(|s| s.value.clone()),
            description: None,
            unit_price: Amount(line.price.amount),
            quantity: line.quantity.as_ref().map_or(1, |q| q.value),
            fields: line
                .fields
                .iter()
                .map(|(name, value)| (name.name.clone(), value.value.clone()))
                .collect(),
        })
        .collect();
    let buyer = test.buyer.id.value.clone();
    let budgets = test
        .spent
        .iter()
        .map(|(budget, money)| BudgetSpend {
            budget: budget.name.clone(),
            user: Some(buyer.clone()),
            spent: MoneyValue {
                amount: Amount(money.amount),
                currency: money.currency.name.clone(),
            },
        })
        .collect();
    CheckoutRequest {
        buyer: buyer.clone(),
        // A buyer the test does not declare orders for the group the test names: they get
        // a role granting `place_orders` there (`requester` where it does), so a test that
        // is not about authority need not set it up. Declared buyers keep their roles.
        buyer_profile: (!known_buyer).then(|| User {
            id: buyer,
            name: None,
            manager: None,
            approval_limit: None,
            self_approval_limit: None,
            roles: ordering_role(policy)
                .map(|role| RoleAssignment {
                    role: role.to_owned(),
                    group: test.buyer.group.name.clone(),
                })
                .into_iter()
                .collect(),
            locale: None,
        }),
        group: test.buyer.group.name.clone(),
        locale: test.buyer.locale.as_ref().map(|l| l.name.clone()),
        order,
        context: Context {
            now: Some(
                test.now
                    .as_ref()
                    .map_or_else(|| TEST_NOW.to_owned(), |n| n.value.clone()),
            ),
            budgets,
            rates: test
                .rates
                .iter()
                .map(|r| Rate {
                    from: r.from.name.clone(),
                    to: r.to.name.clone(),
                    rate: Amount(r.rate),
                })
                .collect(),
            recent_orders: test
                .recent
                .iter()
                .map(|r| RecentOrder {
                    id: r.id.value.clone(),
                    buyer: test.buyer.id.value.clone(),
                    placed_at: r.at.value.clone(),
                    supplier: r.supplier.as_ref().map(|s| s.value.clone()),
                    category: r.category.as_ref().map(|c| c.value.clone()),
                    currency: r.subtotal.currency.name.clone(),
                    subtotal: Amount(r.subtotal.amount),
                    tax: None,
                    shipping: None,
                })
                .collect(),
        },
    }
}

/// The role an undeclared test buyer holds: `requester`, else the first role (by name)
/// that grants `place_orders`.
fn ordering_role(policy: &CompiledPolicy) -> Option<&str> {
    let grants = |actions: &std::collections::BTreeSet<String>| actions.contains(PLACE_ORDERS);
    if policy.roles.get("requester").is_some_and(grants) {
        return Some("requester");
    }
    policy
        .roles
        .iter()
        .find(|(_, actions)| grants(actions))
        .map(|(role, _)| role.as_str())
}

fn outcome_word(outcome: Outcome) -> String {
    match outcome {
        Outcome::Allowed => "allowed",
        Outcome::ApprovalRequired => "approval_required",
        Outcome::Blocked => "blocked",
    }
    .into()
}

//! Evaluation of one request against a compiled policy: people and their roles, condition
//! expressions, custom order fields, checkout (line rules, order checks, budgets, approval
//! plans), badges and authorization.

pub mod approvals;
pub mod authorize;
mod checkout;
pub mod expr;
pub mod fields;
pub mod people;

pub use checkout::*;

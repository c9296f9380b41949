//! The back office over evaluation: approval workflow progress, invoice runs and their
//! CSV reports, and the policy's own tests.

pub mod invoicing;
pub mod reports;
#[cfg(feature = "authoring")]
pub mod testing;
pub mod workflow;

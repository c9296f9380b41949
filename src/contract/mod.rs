//! The contract with callers: the request and answer types (serde, JSON Schema), the
//! error codes, and reading JSON strictly with a path on every error.

pub mod abi;
pub mod errors;
pub mod json;
pub mod raw;
pub mod strict;
mod types;

pub use types::*;

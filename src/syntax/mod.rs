//! The front end: pest grammar → typed AST with a byte span on every node, the problems a
//! parse can report, and the canonical formatter. pest's `Pairs` never leave [`lower`].

pub mod ast;
pub mod fmt;
mod lower;
pub mod problem;

pub use lower::{parse, MAX_SOURCE_BYTES};

//! The compiled policy: the immutable, indexed form evaluation runs on ([`ir`]) and, with
//! the `authoring` feature, its construction from a checked AST ([`lower`]).

pub mod artifact;
mod ir;
#[cfg(feature = "authoring")]
mod lower;

pub use ir::*;
#[cfg(feature = "authoring")]
pub use lower::compile;

//! Procura: a policy and approval rules engine for business purchasing.
//!
//! The crate is a one-way pipeline, one folder per stage, each importing only from the
//! stages before it (scripts/check-layers.py enforces the order):
//!
//! `base` (spans, money, time, categories, the language's vocabulary) ← `contract`
//! (request and answer types, error codes, JSON) ← `syntax` (pest → typed AST, formatter)
//! ← `check` (names, types, every error at once) ← `compile` (indexed IR) ← `eval`
//! (checkout, badges, authorize, approval plans) ← `office` (workflow, invoicing, reports,
//! policy tests) ← [`Engine`] and [`impact`] ← `bind` (wasm-bindgen, plain ABI).
//!
//! `syntax`, `check` and the construction half of `compile` are the `authoring` feature
//! (on by default); without it the crate is the runtime alone, with no parser inside. The
//! core is pure: no I/O, no clock, no platform bindings. Public: the facade below.

#[cfg(feature = "authoring")]
mod authoring;
mod base;
mod bind;
#[cfg(feature = "authoring")]
mod check;
mod compile;
pub mod contract;
mod engine;
mod eval;
pub mod impact;
#[cfg(feature = "internals")]
#[doc(hidden)]
pub mod internals;
mod office;
#[cfg(feature = "authoring")]
mod syntax;

#[cfg(feature = "authoring")]
pub use authoring::{check, check_bytes, format, CheckOutput};
pub use base::calendar::instant;
pub use base::diagnostic::{Diagnostic, Label, LineIndex, Severity, SourceSpan, Span};
pub use base::vocabulary::BUILTIN_ACTIONS;
#[cfg(feature = "abi")]
pub use bind::abi;
#[cfg(feature = "wasm")]
pub use bind::wasm;
pub use compile::artifact::{
    artifact_hash, is_artifact, FORMAT_VERSION as ARTIFACT_FORMAT_VERSION,
};
pub use engine::Engine;
pub use office::reports;
#[cfg(feature = "authoring")]
pub use syntax::MAX_SOURCE_BYTES;

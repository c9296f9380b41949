//! Stage-level entry points for the benchmarks (`procura-bench` measures the approval
//! plan and expression stages alone). Not a supported API: the `internals` feature is for
//! the workspace's own benchmarks and may change with any commit.

pub use crate::base::money::Currency;
pub use crate::compile::{CompiledPolicy, Expr};
pub use crate::eval::approvals::{self, Ask, Plan};
pub use crate::eval::expr::{LineFacts, OrderFacts, Scope, Value};
pub use crate::eval::people::People;

/// The compiled policy behind an engine.
pub fn compiled(engine: &crate::Engine) -> &CompiledPolicy {
    engine.compiled()
}

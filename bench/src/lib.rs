//! `procura-bench`: Procura's benchmarks (see BENCHMARKS.md and scripts/bench.sh).
//!
//! - [`workload`]: the deterministic workload generator;
//! - [`files`]: the workload files the Node and wasmtime runners read
//!   (`target/bench-workloads/`);
//! - [`peers`] (feature `peers`): the permission and category-restriction workload in
//!   cedar-policy and regorus.

pub mod files;
#[cfg(feature = "peers")]
pub mod peers;
pub mod stages;
pub mod workload;

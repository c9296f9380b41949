//! `procura-bench`: Procura's benchmarks (see BENCHMARKS.md and scripts/bench.sh).
//!
//! - [`workload`]: the deterministic workload generator;
//! - [`files`]: the workload files the Node and wasmtime runners read
//!   (`target/bench-workloads/`);
//! - [`peers`] (feature `peers`): the permission and category-restriction workload in
//!   cedar-policy and regorus, each at its default configuration and at its fastest
//!   (Cedar with sliced policy sets, regorus on its register VM);
//! - [`reference`]: the same two questions hand-indexed in plain Rust, the floor.

pub mod files;
#[cfg(feature = "peers")]
pub mod peers;
pub mod reference;
pub mod stages;
pub mod workload;

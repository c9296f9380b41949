//! Shared code of the fuzz targets; see `oracle.rs` and docs/fuzzing.md.

pub mod oracle;
pub mod abi_oracle;

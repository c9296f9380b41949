//! Thin bindings over [`crate::Engine`]: the wasm-bindgen JS API and the plain C-like ABI
//! of the core module that WebAssembly hosts (wasmtime, Node, Python) call.

#[cfg(feature = "abi")]
pub mod abi;
#[cfg(feature = "wasm")]
pub mod wasm;

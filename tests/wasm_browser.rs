#![cfg(all(target_arch = "wasm32", feature = "wasm"))]
//! The tests of tests/wasm_node.rs, run in headless Chromium (Debian's `chromium` and
//! `chromium-driver`, which scripts/setup.sh installs; wasm-bindgen-test-runner drives
//! them). `WASM_BINDGEN_TEST_ONLY_NODE=1` skips this suite.

wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

#[path = "wasm_node.rs"]
mod suite;

#!/usr/bin/env bash
# Sets up this machine to build and test Procura. Idempotent: run it as often as you like.
#
# Each step is one function, called from main at the bottom; to add a step, write a
# function and add one line there.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

step() { printf '==> %s\n' "$*"; }
die() {
  printf 'setup: %s\n' "$*" >&2
  exit 1
}
need() { command -v "$1" >/dev/null 2>&1 || die "\`$1\` is not on PATH${2:+: $2}"; }

# The toolchain pinned in rust-toolchain.toml, with its components and the wasm target.
setup_rust() {
  step "Rust toolchain (rust-toolchain.toml)"
  need rustup "install rustup, then run this script again"
  local channel
  channel="$(sed -n 's/^channel *= *"\(.*\)"/\1/p' rust-toolchain.toml)"
  [[ -n "$channel" ]] || die "no channel in rust-toolchain.toml"
  if ! rustup toolchain list | grep -q "^${channel}-"; then
    rustup toolchain install # no argument: the toolchain, components and targets of rust-toolchain.toml
  fi
  rustup show active-toolchain >/dev/null
  if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    rustup target add wasm32-unknown-unknown
  fi
  need cargo
  step "$(cargo --version)"
}

# Node.js and npm, used by the WebAssembly package and the browser tests.
check_node() {
  step "Node.js and npm"
  need node
  need npm
  step "node $(node --version), npm $(npm --version)"
}

# Debian's Chromium and its WebDriver, for the browser suites (wasm-bindgen-test, corpus
# parity, www). Installed only when missing; the package lists are refreshed only then.
setup_chromium() {
  step "Chromium and chromedriver"
  if [[ ! -x /usr/bin/chromium || ! -x /usr/bin/chromedriver ]]; then
    local sudo=""
    if ((EUID != 0)); then
      need sudo "installing Chromium needs root"
      sudo=sudo
    fi
    $sudo apt-get update
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends chromium chromium-driver
  fi
  step "$(/usr/bin/chromedriver --version 2>/dev/null | head -n 1)"
}

# The wasm-bindgen CLI (wasm-bindgen, wasm-bindgen-test-runner) at exactly the version of
# the `wasm-bindgen` crate in Cargo.lock: a mismatch fails at bind time. No `--locked`:
# the CLI's own lockfile wants a crate version the registry here does not have.
setup_wasm_bindgen() {
  step "wasm-bindgen CLI (the version in Cargo.lock)"
  local version
  version="$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)"
  [[ -n "$version" ]] || die "no wasm-bindgen in Cargo.lock"
  if [[ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $version" ]] ||
    ! command -v wasm-bindgen-test-runner >/dev/null 2>&1; then
    cargo install wasm-bindgen-cli --version "$version"
  fi
  step "$(wasm-bindgen --version)"
}

# The JS dev tools in js/ (binaryen's wasm-opt, TypeScript, json-schema-to-typescript),
# reinstalled when js/node_modules is missing or older than js/package-lock.json.
setup_js() {
  step "npm ci in js/"
  if [[ ! -f js/node_modules/.package-lock.json || js/package-lock.json -nt js/node_modules/.package-lock.json ]]; then
    (cd js && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

main() {
  setup_rust
  check_node
  setup_chromium
  setup_wasm_bindgen
  setup_js
  step "setup done"
}

main "$@"

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

main() {
  setup_rust
  check_node
  step "setup done"
}

main "$@"

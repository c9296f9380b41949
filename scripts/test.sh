#!/usr/bin/env bash
# Every test: set up, then formatting, lints, the test suites, and the example policies
# through the CLI. Stops at the first failure and says which step it was.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

current="setup"
step() {
  current="$*"
  printf '==> %s\n' "$*"
}
trap 'status=$?; ((status == 0)) || printf "test.sh: FAILED at step: %s (exit %d)\n" "$current" "$status" >&2' EXIT

scripts/setup.sh

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "cargo test"
cargo test --workspace --locked

shopt -s nullglob
examples=(examples/*.procura)
shopt -u nullglob
if ((${#examples[@]} == 0)); then
  current="examples"
  printf 'test.sh: no examples/*.procura to check\n' >&2
  exit 1
fi

step "procura check examples/*.procura"
cargo run -q --locked -p procura-cli -- check --color never "${examples[@]}"

step "procura fmt --check examples/*.procura"
cargo run -q --locked -p procura-cli -- fmt --check --color never "${examples[@]}"

printf 'test.sh: all passed: fmt, clippy, cargo test, check and fmt --check of %d example(s)\n' "${#examples[@]}"

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

# Property tests run from a fixed seed so a run is reproducible; explore further with
# another seed, e.g. PROPTEST_RNG_SEED=7 PROPTEST_CASES=5000 cargo test --test fmt.
export PROPTEST_RNG_SEED="${PROPTEST_RNG_SEED:-20261128}"

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings

# The architecture: every import of the core follows the pipeline order, and the runtime
# (no `authoring` feature) builds, lints and passes its tests with no parser in its tree.
step "layers: scripts/check-layers.py, the runtime without pest"
python3 scripts/check-layers.py
cargo clippy --locked -p procura --no-default-features --lib -- -D warnings
cargo clippy --locked -p procura --no-default-features --lib --profile test -- -D warnings
cargo test --locked -p procura --no-default-features --lib
if cargo tree --locked -p procura --no-default-features --edges normal | grep -q '\bpest'; then
  printf 'the runtime build depends on pest\n' >&2
  exit 1
fi

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

# The npm package pkg/ (WebAssembly, scripts/build-pkg.sh): lints for wasm32, the
# wasm-bindgen-test suites in Node and headless Chromium, corpus parity with the native
# engine in both runtimes, memory and the TypeScript consumer, on the build with every
# entry point (--back-office); then the default build, the lean runtime that is the
# published package: its size budget, artifacts in Node and the README example. pkg/ is
# left as the runtime build.
step "wasm: build pkg/ with the back-office API"
scripts/build-pkg.sh --back-office

step "wasm: cargo clippy --target wasm32-unknown-unknown"
cargo clippy --locked --target wasm32-unknown-unknown --features wasm --lib \
  -- -D warnings
cargo clippy --locked --target wasm32-unknown-unknown --features wasm-back-office --lib --test wasm_node --test wasm_browser \
  -- -D warnings

# Never with -q: cargo passes it on to wasm-bindgen-test-runner, which rejects it.
step "wasm: wasm-bindgen-test in Node and headless Chromium"
cargo test --locked --target wasm32-unknown-unknown --features wasm-back-office --test wasm_node --test wasm_browser

step "wasm: corpus parity with the native engine (Node, pkg/node)"
cargo test --locked --test native_answers
node js/corpus.mjs

# The JSON Schemas and the engine agree on every corpus request and on generated
# mutations of each (objects as arrays, repeated keys, out-of-range numbers, …).
step "schema agreement: schema/ (ajv) and the engine (pkg/node) on the corpus and mutations"
node js/schema-agreement.mjs

step "wasm: corpus parity with the native engine (headless Chromium, pkg/web)"
node js/corpus-browser.mjs

step "wasm: memory after compiling and freeing Maple 10,000 times"
node js/memory.mjs

step "wasm: tsc --strict --noEmit (js/consumer.ts against pkg/)"
ln -sfn ../../pkg js/node_modules/procura
js/node_modules/.bin/tsc --strict --noEmit -p js

# The playground and the checkout demo in a real browser (Debian's Chromium through
# playwright-core): www/scripts/build.sh builds each page's engine into www/engine/ (the
# playground's back-office build, the checkout demo's runtime) and the Maple artifact the
# checkout loads, then the pages; run www/tests.
step "www: build the playground and the checkout demo, run the browser tests"
www/scripts/build.sh
(cd www && npm test)

# The lean runtime (docs/artifacts.md), the default build and the published package: the
# evaluator without the compiler, loading artifacts of `procura build`. Target 200,000
# bytes gzipped, not met: 292,152 measured. It was 275,482 before the session's last
# changes (the hot-path work, the CRC-32 artifact check, the shared claim checks); how the
# 16.7 KB splits between them is not measured yet. BENCHMARKS.md says where the bytes go;
# the budget holds the line until the target is met.
step "wasm: build pkg/ (the runtime: load, no compiler) within its size budget; artifacts in Node"
scripts/build-pkg.sh
gzipped=$(gzip -9 -c pkg/web/procura_bg.wasm | wc -c)
budget=295000
printf 'pkg/web/procura_bg.wasm (runtime): %d bytes gzipped, budget %d (target 200000)\n' "$gzipped" "$budget"
if ((gzipped > budget)); then
  printf 'test.sh: the runtime pkg/web/procura_bg.wasm is over its size budget\n' >&2
  exit 1
fi
if grep -q 'export function compile' pkg/web/procura.d.ts; then
  printf 'test.sh: the runtime package exports compile\n' >&2
  exit 1
fi
node js/runtime-load.mjs

step "wasm: the README example (procura build, then load in pkg/node) answers like procura eval"
node js/readme-example.mjs

# Servers (docs/abi.md): the zero-import core module pkg/core/procura.wasm, the wasmtime
# host and `procura serve` (ABI and HTTP parity with the native engine over the whole
# conformance corpus, coded errors, hot reload, budgets and memory caps, 10,000 requests at
# 32 concurrent with a reload in the middle; the decision log — a SIGKILL mid-load loses no
# decision a client saw, rotation, redaction, replay of a cut log — and /metrics adding up
# to the requests of a load run), and the Node backend example.
# PROCURA_REQUIRE_CORE=1: a missing or stale module fails these tests instead of skipping.
step "servers: build pkg/core/procura.wasm and pkg/core/procura-runtime.wasm (scripts/build-core.sh)"
scripts/build-core.sh

# The runtime-only module loads artifacts and cannot compile: no `procura_compile` export,
# and nothing of the parser inside (pest's source paths survive in panic locations when it
# is linked in; the function names do not survive wasm-opt).
step "servers: pkg/core/procura-runtime.wasm has no compiler"
node -e '
  const m = new WebAssembly.Module(require("fs").readFileSync(process.argv[1]));
  const names = WebAssembly.Module.exports(m).map((e) => e.name);
  if (names.includes("procura_compile") || !names.includes("procura_load")) {
    console.error(`test.sh: the runtime module exports ${names.join(", ")}`);
    process.exit(1);
  }
' pkg/core/procura-runtime.wasm
if grep -aq 'pest-[0-9]\|pest_derive' pkg/core/procura-runtime.wasm; then
  printf 'test.sh: pkg/core/procura-runtime.wasm links pest\n' >&2
  exit 1
fi

step "servers: src/bind/abi.rs (cargo clippy, cargo test --features abi)"
cargo clippy --locked -p procura --features abi --lib --tests -- -D warnings
cargo clippy --locked -p procura --target wasm32-unknown-unknown --no-default-features --features abi --lib -- -D warnings
cargo test --locked -p procura --features abi --lib abi::

step "servers: wasmtime host and procura serve: parity, errors, reload, load, budgets"
PROCURA_REQUIRE_CORE=1 cargo test --locked -p procura-host
PROCURA_REQUIRE_CORE=1 cargo test --locked -p procura-cli --test serve --test decision_log

step "servers: the Node backend example (node --test examples/node-backend/)"
PROCURA_BIN="${CARGO_TARGET_DIR:-target}/debug/procura" node --test examples/node-backend/

# The Python package python/ (issue 21): the same core module on wasmtime-py. A virtual
# environment under the target folder (made once), the pinned tools, the package built
# with pkg/core/procura.wasm bundled; its types regenerated and compared, mypy --strict on
# the package and its examples, then pytest: the conformance corpus byte for byte against
# the native answers written above (cargo test --test native_answers), the coded failures,
# limits and the WSGI example. pytest's exit code 5 (no tests ran) is a failure too.
step "python: venv, pip install, mypy --strict, pytest (corpus parity, errors, WSGI)"
venv="${CARGO_TARGET_DIR:-target}/venv-python"
[[ "$venv" == /* ]] || venv="$PWD/$venv"
[[ -x "$venv/bin/python" ]] || python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check -r python/requirements-dev.txt
"$venv/bin/pip" install --quiet --disable-pip-version-check --no-deps --no-build-isolation --force-reinstall ./python
"$venv/bin/python" python/gen_types.py --check
(cd python && "$venv/bin/mypy" --strict src/procura examples)
status=0
PROCURA_BIN="${CARGO_TARGET_DIR:-target}/debug/procura" "$venv/bin/python" -m pytest -q python/tests || status=$?
if ((status == 5)); then
  printf 'test.sh: pytest collected no tests in python/tests\n' >&2
fi
((status == 0))

# Benchmarks (BENCHMARKS.md, bench/): build every benchmark and run each once on the
# smallest size (criterion's test mode; the workload files, the Node runner over pkg/node and
# the wasmtime runner over pkg/core/procura.wasm with --quick), lint the peer code, and
# check that Procura, cedar-policy and regorus (each at its default and at its fastest
# configuration) and the hand-indexed reference reach the same decisions on the benchmark's
# inputs. No test asserts a time: scripts/bench.sh measures. (The Node runner compiles
# source: it runs on the back-office package that www/scripts/build.sh built.)
step "bench: every benchmark once on the smallest size, and the peer-agreement test"
cargo clippy --locked -p procura-bench --all-targets --features peers -- -D warnings
cargo test --locked -p procura-bench --features peers --benches --test agreement
cargo run --locked -q -p procura-bench --bin gen-workloads -- --quick target/bench-workloads-quick
node bench/node/run.mjs --quick --workloads target/bench-workloads-quick --pkg www/engine/back-office/node --out /dev/null
cargo run --locked -q -p procura-host --bin procura-bench-wasmtime -- --quick \
  --workloads target/bench-workloads-quick --module pkg/core/procura.wasm --out /dev/null

printf 'test.sh: all passed: fmt, clippy, cargo test, check and fmt --check of %d example(s), browser tests, wasm package, servers, benchmark smoke\n' "${#examples[@]}"

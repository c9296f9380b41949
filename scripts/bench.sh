#!/usr/bin/env bash
# Reproduces every number in BENCHMARKS.md and regenerates its tables (issue 8):
#   1. set-up (scripts/setup.sh), the npm package (scripts/build-pkg.sh) and the core
#      module (scripts/build-core.sh);
#   2. the workloads (procura-bench's gen-workloads → target/bench-workloads/);
#   3. the native criterion benches, then the peers (cedar-policy, regorus) in one run;
#   4. the same workloads through the Node package and through wasmtime;
#   5. callgrind profiles of the workloads that the targets are about;
#   6. BENCHMARKS.md's tables (procura-bench's report), between its GENERATED markers.
# Results land in target/bench-results/ and target/criterion/. Takes about 35–45 minutes on
# 2 cores from a cold target/ (most of it compiling: release builds with fat LTO of the
# peers, criterion and wasmtime); about 15 minutes when built.
#
#   scripts/bench.sh            # everything
#   PROCURA_BENCH_SKIP_BUILD=1  # skip set-up and the package builds (pkg/ must exist)
#   PROCURA_BENCH_SKIP_PROFILES=1
#
# Benchmarks are noisy on a busy machine: run it on an otherwise idle one. The load
# average at the start is recorded next to the results.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

step() { printf '==> %s\n' "$*"; }
started=$(date +%s)
results=target/bench-results
workloads=target/bench-workloads
mkdir -p "$results"

if [[ -z "${PROCURA_BENCH_SKIP_BUILD:-}" ]]; then
  scripts/setup.sh
  step "scripts/build-core.sh (pkg/core/procura.wasm)"
  scripts/build-core.sh
fi

step "machine"
{
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
  echo "cores (nproc): $(nproc)"
  echo "memory: $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
  echo "rustc: $(rustc --version)"
  echo "node: $(node --version)"
  echo "date: $(date -u +%Y-%m-%dT%H:%MZ)"
  echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$results/machine.txt"

step "gen-workloads → $workloads"
cargo run --release --locked -q -p procura-bench --bin gen-workloads -- "$workloads"

step "native criterion benches (cargo bench -p procura-bench --bench native)"
cargo bench --locked -p procura-bench --bench native

step "peers in the same run (cargo bench -p procura-bench --features peers --bench peers)"
cargo bench --locked -p procura-bench --features peers --bench peers

# The workflow (`progress`) is in the back-office build of the package only; everything
# else, and the sizes, on the checkout build that is the published package (and that
# scripts/test.sh leaves in pkg/).
if [[ -z "${PROCURA_BENCH_SKIP_BUILD:-}" ]]; then
  step "scripts/build-pkg.sh --back-office"
  scripts/build-pkg.sh --back-office
fi
step "Node, back-office package: the workflow (bench/node/run.mjs --only progress)"
node bench/node/run.mjs --only progress --workloads "$workloads" --pkg pkg/node \
  --out "$results/node-back-office.json"
if [[ -z "${PROCURA_BENCH_SKIP_BUILD:-}" ]]; then
  step "scripts/build-pkg.sh (the checkout package)"
  scripts/build-pkg.sh
fi
step "Node package (bench/node/run.mjs over pkg/node)"
node bench/node/run.mjs --workloads "$workloads" --pkg pkg/node --out "$results/node.json"

step "wasmtime (procura-host's procura-bench-wasmtime over pkg/core/procura.wasm)"
cargo run --release --locked -q -p procura-host --bin procura-bench-wasmtime -- \
  --workloads "$workloads" --module pkg/core/procura.wasm --out "$results/wasmtime.json"

if [[ -z "${PROCURA_BENCH_SKIP_PROFILES:-}" ]]; then
  step "callgrind profiles (valgrind --tool=callgrind on procura-bench's profile)"
  if ! command -v valgrind >/dev/null; then
    sudo=""
    ((EUID == 0)) || sudo=sudo
    $sudo apt-get update
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends valgrind
  fi
  # A release build with debug info, so that callgrind names functions and lines.
  cargo build --locked -q -p procura-bench --bin profile --profile profiling \
    --config 'profile.profiling.inherits="release"' --config 'profile.profiling.debug="line-tables-only"'
  profile_bin="${CARGO_TARGET_DIR:-target}/profiling/profile"
  rm -f "$results"/profile-*.txt
  # name, workload, rules, lines or -, iterations
  while read -r name workload rules lines iterations; do
    out="$results/callgrind.$name.out"
    valgrind --tool=callgrind --callgrind-out-file="$out" --collect-atstart=no \
      --toggle-collect=procura_bench_profile_loop \
      "$profile_bin" "$workload" "$rules" "$lines" "$iterations" 2>/dev/null
    {
      echo "# valgrind --tool=callgrind: $workload, $rules rules, ${lines/-/} ${lines/-/}${lines:+ lines,} $iterations iterations"
      callgrind_annotate --inclusive=no "$out" 2>/dev/null | grep -E '^ *[0-9,]+ \(' | head -n 16 |
        sed -E 's/ \[[^]]*\]$//' | cut -c1-160
      echo "# inclusive"
      callgrind_annotate --inclusive=yes "$out" 2>/dev/null | grep -E '^ *[0-9,]+ \(' | head -n 14 |
        sed -E 's/ \[[^]]*\]$//' | cut -c1-160
    } >"$results/profile-$name.txt"
    step "profile-$name: $(grep -m1 -E '^ *[0-9,]+ \(' "$results/profile-$name.txt" | tr -s ' ')"
  done <<'EOF'
checkout-1000-50 checkout 1000 50 200
checkout-10000-50 checkout 10000 50 200
compile-1000 compile 1000 - 3
badges-1000 badges 1000 - 5
authorize authorize 1000 - 5
EOF
fi

step "npm pack --dry-run (the package's download size)"
(cd pkg && npm pack --dry-run --json --loglevel=error) >"$results/npm-pack.json" || true

step "BENCHMARKS.md tables (procura-bench's report)"
cargo run --release --locked -q -p procura-bench --bin report -- \
  --results "$results" --criterion "${CARGO_TARGET_DIR:-target}/criterion" --out BENCHMARKS.md

elapsed=$(($(date +%s) - started))
printf 'bench.sh: done in %dm%02ds; results in %s, tables in BENCHMARKS.md\n' \
  $((elapsed / 60)) $((elapsed % 60)) "$results"

#!/usr/bin/env bash
# Reproduces every number in BENCHMARKS.md and regenerates its tables (issue 8):
#   1. set-up (scripts/setup.sh), the npm package (scripts/build-pkg.sh) and the core
#      module (scripts/build-core.sh);
#   2. the workloads (procura-bench's gen-workloads → target/bench-workloads/);
#   3. the native criterion benches, then the peers in one run: cedar-policy and regorus at
#      their defaults and at their best (Cedar sliced per action / category, regorus on its
#      RVM) and the hand-indexed plain-Rust reference (bench/benches/peers.rs);
#   4. the same workloads through the Node package and through wasmtime;
#   5. callgrind profiles of the workloads that the targets are about;
#   6. BENCHMARKS.md's tables (procura-bench's report), between its GENERATED markers.
# Results land in target/bench-results/ and target/criterion/. Takes about an hour on 2
# cores from a cold target/ (most of it compiling: the packages, and release builds with fat
# LTO of the peers, criterion and wasmtime); about 35 minutes once built (measuring: native
# 7, peers 7, Node 8, wasmtime 4, profiles 3).
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
# Everything in the `bench` profile (release settings, fat LTO) with panic=unwind: benches
# need unwinding, and the core crate is a cdylib, whose output file has no hash, so one
# build with `abort` (the release default) and one with `unwind` would overwrite each other.
# (cargo warns that `panic` is ignored for the bench profile: it still applies to the bins.)
bench=(--config 'profile.bench.panic="unwind"')
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
cargo run --profile bench "${bench[@]}" --locked -q -p procura-bench --bin gen-workloads -- "$workloads"

step "native criterion benches (cargo bench -p procura-bench --bench native)"
cargo bench "${bench[@]}" --locked -p procura-bench --bench native

step "peers and the reference in one run (cargo bench -p procura-bench --features peers --bench peers)"
cargo bench "${bench[@]}" --locked -p procura-bench --features peers --bench peers

# The Node runner compiles policy source, so it runs on the back-office build of the
# package (the default build, the published runtime, only loads artifacts and has no
# `compile`): the workflow (`progress`) first, then everything.
if [[ -z "${PROCURA_BENCH_SKIP_BUILD:-}" ]]; then
  step "scripts/build-pkg.sh --back-office"
  scripts/build-pkg.sh --back-office
fi
step "Node, back-office package: the workflow (bench/node/run.mjs --only progress)"
node bench/node/run.mjs --only progress --workloads "$workloads" --pkg pkg/node \
  --out "$results/node-back-office.json"
# A copy, so that a rebuild of pkg/ during the run cannot change what is measured.
snapshot=target/bench-pkg
rm -rf "$snapshot"
mkdir -p "$snapshot"
cp -r pkg/. "$snapshot/"
step "Node package (bench/node/run.mjs over $snapshot/node)"
node bench/node/run.mjs --workloads "$workloads" --pkg "$snapshot/node" --out "$results/node.json"

step "wasmtime (procura-host's procura-bench-wasmtime over pkg/core/procura.wasm)"
cargo run --profile bench "${bench[@]}" --locked -q -p procura-host --bin procura-bench-wasmtime -- \
  --workloads "$workloads" --module "$snapshot/core/procura.wasm" --out "$results/wasmtime.json"

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
  # callgrind_annotate's lines as `count (share) function`, without file paths. (`sed -n`
  # rather than `head`, which would end the pipe early: SIGPIPE under pipefail.)
  tidy() {
    grep -E '^ *[0-9,]+ \(' | sed -E 's/ \[[^]]*\]$//; s/^( *[0-9,]+ \([ 0-9.%]+\)) +[^:]*:/\1 /' | cut -c1-150
  }
  rm -f "$results"/profile-*.txt
  # name, workload, rules, lines or -, iterations
  while read -r name workload rules lines iterations; do
    out="$results/callgrind.$name.out"
    valgrind --tool=callgrind --callgrind-out-file="$out" --collect-atstart=no \
      --toggle-collect=procura_bench_profile_loop \
      "$profile_bin" "$workload" "$rules" "$lines" "$iterations" 2>/dev/null
    {
      echo "valgrind --tool=callgrind on: profile $workload $rules $lines $iterations"
      echo "(workload, rules, cart lines or -, iterations; instructions of all iterations)"
      echo "-- self (exclusive) instructions, top entries"
      callgrind_annotate --inclusive=no "$out" 2>/dev/null | tidy | sed -n '1,16p'
      echo "-- inclusive instructions, top entries below the loop"
      callgrind_annotate --inclusive=yes "$out" 2>/dev/null | tidy |
        grep -vE '\) (\?\?\?|main|profile::|procura_bench|\(below|0x0|std::|__libc|core::ops::function)' |
        sed -n '1,18p'
    } >"$results/profile-$name.txt"
    step "profile-$name: $(grep -m1 -E '^ *[0-9,]+ \(' "$results/profile-$name.txt" | tr -s ' ')"
  done <<'EOF'
checkout-1000-50 checkout 1000 50 200
checkout-10000-50 checkout 10000 50 200
beside-10000-50 beside 10000 50 200
compile-1000 compile 1000 - 3
badges-1000 badges 1000 - 5
authorize authorize 1000 - 5
EOF
fi

step "npm pack --dry-run (the package's download size)"
(cd "$snapshot" && npm pack --dry-run --json --loglevel=error) >"$results/npm-pack.json" || true

step "BENCHMARKS.md tables (procura-bench's report)"
cargo run --profile bench "${bench[@]}" --locked -q -p procura-bench --bin report -- \
  --results "$results" --criterion "${CARGO_TARGET_DIR:-target}/criterion" --pkg "$snapshot" \
  --out BENCHMARKS.md

elapsed=$(($(date +%s) - started))
printf 'bench.sh: done in %dm%02ds; results in %s, tables in BENCHMARKS.md\n' \
  $((elapsed / 60)) $((elapsed % 60)) "$results"

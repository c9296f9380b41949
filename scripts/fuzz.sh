#!/usr/bin/env bash
# Runs the cargo-fuzz targets of fuzz/ one after another (docs/fuzzing.md).
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]
#
# SECONDS per target (default 600); TARGETs default to all of them. Installs cargo-fuzz
# when missing, seeds the corpora (fuzz/seed.py), runs each target with its own -max_len,
# prints per target the executions, the corpus size and whether it crashed, and exits 1 if
# any target crashed (or failed an oracle, or timed out). Logs: fuzz/logs/<target>.log;
# crashing inputs: fuzz/artifacts/<target>/. Not part of CI.
#
# It runs at nice 19 and one fuzzer process at a time, so it only takes idle CPU.
# FUZZ_SANITIZER (default `none`: the fuzzed code is safe Rust) is passed to
# `cargo fuzz --sanitizer`; use `address` once targets reach unsafe code (the ABI).
set -euo pipefail

cd "$(dirname "$0")/.."
root=$PWD

# Only idle CPU: raise our own niceness to 19 unless the caller already did.
if [ "$(nice)" -lt 19 ]; then
  exec nice -n $((19 - $(nice))) "$0" "$@"
fi

duration=600
if [ $# -gt 0 ] && [[ $1 =~ ^[0-9]+$ ]]; then
  duration=$1
  shift
fi
all_targets=(parse_check_format policy_compile evaluate_json workflow invoice_run abi_entry artifact_load)
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${all_targets[@]}")
sanitizer=${FUZZ_SANITIZER:-none}

# The largest input per target: policies are a few KiB, JSON requests up to 64 KiB.
max_len() {
  case $1 in
    parse_check_format | policy_compile) echo 16384 ;;
    abi_entry) echo 8192 ;;
    *) echo 65536 ;;
  esac
}

for target in "${targets[@]}"; do
  if [[ ! " ${all_targets[*]} " =~ " $target " ]]; then
    echo "unknown target: $target (targets: ${all_targets[*]})" >&2
    exit 2
  fi
done

if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
  echo "installing cargo-fuzz"
  cargo install cargo-fuzz --locked
fi

python3 fuzz/seed.py "${targets[@]}"
mkdir -p fuzz/logs

# The ABI target reaches unsafe code (slices made from host pointers): always under
# AddressSanitizer, which turns a read outside the lent memory into a crash.
sanitizer_of() {
  case $1 in
    abi_entry) echo address ;;
    *) echo "$sanitizer" ;;
  esac
}

echo "building the fuzz targets (sanitizer: $sanitizer; abi_entry: address)"
(cd fuzz && cargo +nightly fuzz build --sanitizer "$sanitizer")
if [[ " ${targets[*]} " =~ " abi_entry " ]]; then
  (cd fuzz && cargo +nightly fuzz build --sanitizer address abi_entry)
fi

# The policy targets mutate with the language's keywords (fuzz/policy.dict).
dict_args() {
  case $1 in
    parse_check_format | policy_compile) echo "-dict=policy.dict" ;;
  esac
}

failed=0
summary=()
for target in "${targets[@]}"; do
  log=fuzz/logs/$target.log
  echo "fuzzing $target for ${duration}s (max_len $(max_len "$target")), log $log"
  start=$(date +%s)
  status=0
  # One process, no -jobs/-fork: libFuzzer then fuzzes in this process only.
  (cd fuzz && cargo +nightly fuzz run --sanitizer "$(sanitizer_of "$target")" "$target" -- \
    -max_total_time="$duration" -max_len="$(max_len "$target")" -timeout=60 \
    -rss_limit_mb=2048 -print_final_stats=1 $(dict_args "$target")) >"$log" 2>&1 || status=$?
  elapsed=$(($(date +%s) - start))
  execs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*$' || true)
  [ -n "$execs" ] || execs=$(grep -oE '^Done [0-9]+ runs' "$log" | tail -1 | grep -oE '[0-9]+' || true)
  [ -n "$execs" ] || execs='?'
  corpus_files=$(find "fuzz/corpus/$target" -type f | wc -l)
  corpus_bytes=$(du -sb "fuzz/corpus/$target" | cut -f1)
  if [ $status -eq 0 ]; then
    result=ok
  else
    result="CRASH (exit $status; see $log and fuzz/artifacts/$target/)"
    failed=1
  fi
  line="$target: ${elapsed}s, $execs execs, corpus $corpus_files files / $corpus_bytes bytes, $result"
  echo "$line"
  summary+=("$line")
done

echo
echo "summary ($(date -u +%Y-%m-%dT%H:%MZ), ${duration}s per target):"
printf '  %s\n' "${summary[@]}" | tee "$root/fuzz/logs/summary.txt"
exit $failed

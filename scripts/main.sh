#!/usr/bin/env bash
# The main job: set up, build the `procura` CLI in release mode, then check and
# format-check the example policy (or the policy file given as the only argument) and
# summarise the result.
#
# Exit status: 0 when the policy has no errors, 1 when it has errors, 2 on a problem
# running the tool. Whether it is formatted is reported, not fatal.
set -euo pipefail
policy=""
if (($# > 0)); then
  policy="$(realpath -- "$1")"
fi
cd "$(dirname "${BASH_SOURCE[0]}")/.."
policy="${policy:-examples/maple.procura}"
step() { printf '==> %s\n' "$*"; }

scripts/setup.sh

step "build procura (release)"
cargo build --release --locked -p procura-cli
procura="${CARGO_TARGET_DIR:-target}/release/procura"

if [[ ! -f "$policy" ]]; then
  printf 'main: policy file %s is missing\n' "$policy" >&2
  exit 2
fi

step "procura check $policy"
check_status=0
report="$("$procura" check --color never "$policy")" || check_status=$?
[[ -z "$report" ]] || printf '%s\n' "$report"
if ((check_status > 1)); then
  printf 'main: procura check failed to run (exit %d)\n' "$check_status" >&2
  exit 2
fi
located='^[^ ]*:[0-9]+:[0-9]+: '
errors="$(grep -cE "${located}error\[" <<<"$report" || true)"
warnings="$(grep -cE "${located}warning\[" <<<"$report" || true)"

step "procura fmt --check $policy"
fmt_status=0
"$procura" fmt --check --color never "$policy" || fmt_status=$?
case "$fmt_status" in
  0) formatted=yes ;;
  1) formatted=no ;;
  *)
    printf 'main: procura fmt --check failed to run (exit %d)\n' "$fmt_status" >&2
    exit 2
    ;;
esac

step "summary"
printf 'policy:    %s\n' "$policy"
printf 'errors:    %s\n' "$errors"
printf 'warnings:  %s\n' "$warnings"
printf 'formatted: %s\n' "$formatted"
exit "$check_status"

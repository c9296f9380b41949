#!/usr/bin/env bash
# The main job: set up, build the `procura` CLI in release mode, then for the example policy
# (or the policy file given as the only argument):
#   1. `procura check` and `procura fmt --check`;
#   2. `procura eval --explain` of its example request: the decision as JSON, then in words
#      (uses POLICY's siblings `<name>.directory.json` and `<name>.request.json`; skipped
#      when there is no request file);
#   3. `procura approvals --steps` of each `<name>.approvals*.json` event file against the
#      order in `<name>.large-order.json`: every event and the state after it;
#   4. `procura invoices` of each `<name>.orders-YYYY-MM.json` for its month: the invoices,
#      the orders left out, and both CSV reports written to `target/<name>-invoices/`;
#   5. `procura test`: the policy's own `test` blocks;
# and summarise the result; then build and serve the playground and the checkout demo
# (www/) on 127.0.0.1 until Ctrl-C (SERVE=0 skips that).
#
# Exit status: 0 when the policy has no errors, its request evaluates and its tests pass;
# 1 when the policy has errors, a request, event file or orders file is rejected or a test
# fails; 2 on a problem running the tool. Whether the policy is formatted is reported, not
# fatal. Idempotent: it only builds, reads and rewrites the CSVs under target/.
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
cargo build --release --locked --quiet -p procura-cli
procura="${CARGO_TARGET_DIR:-target}/release/procura"

if [[ ! -f "$policy" ]]; then
  printf 'main: policy file %s is missing\n' "$policy" >&2
  exit 2
fi

# Runs the tool; exit codes above 1 mean it could not do its job.
ran() {
  local name="$1" status="$2"
  if ((status > 1)); then
    printf 'main: procura %s failed to run (exit %d)\n' "$name" "$status" >&2
    exit 2
  fi
}

step "procura check $policy"
check_status=0
report="$("$procura" check --color never "$policy")" || check_status=$?
[[ -z "$report" ]] || printf '%s\n' "$report"
ran check "$check_status"
located='^[^ ]*:[0-9]+:[0-9]+: '
errors="$(grep -cE "${located}error\[" <<<"$report" || true)"
warnings="$(grep -cE "${located}warning\[" <<<"$report" || true)"

step "procura fmt --check $policy"
fmt_status=0
"$procura" fmt --check --color never "$policy" || fmt_status=$?
ran "fmt --check" "$fmt_status"
formatted=yes
((fmt_status == 0)) || formatted=no

status="$check_status"
outcome="skipped"
tests="skipped"
if ((check_status == 0)); then
  stem="${policy%.procura}"
  directory="$stem.directory.json"
  request="$stem.request.json"
  if [[ -f "$request" ]]; then
    eval_args=(--policy "$policy")
    [[ ! -f "$directory" ]] || eval_args+=(--directory "$directory")
    eval_args+=(--request "$request" --explain)
    step "procura eval ${eval_args[*]}"
    eval_status=0
    answer="$("$procura" eval --color never "${eval_args[@]}")" || eval_status=$?
    printf '%s\n' "$answer"
    ran eval "$eval_status"
    if ((eval_status == 0)); then
      outcome="$(sed -n 's/^outcome: //p' <<<"$answer" | head -n 1)"
    else
      outcome="request rejected"
      status=1
    fi
  fi

  order="$stem.large-order.json"
  for events in "$stem".approvals.json "$stem".approvals-*.json; do
    [[ -f "$events" && -f "$order" ]] || continue
    approvals_args=(--policy "$policy")
    [[ ! -f "$directory" ]] || approvals_args+=(--directory "$directory")
    approvals_args+=(--request "$order" --events "$events" --steps --format text)
    step "procura approvals ${approvals_args[*]}"
    approvals_status=0
    "$procura" approvals --color never "${approvals_args[@]}" || approvals_status=$?
    ran approvals "$approvals_status"
    ((approvals_status == 0)) || status=1
  done

  for orders in "$stem".orders-*.json; do
    [[ -f "$orders" ]] || continue
    period="${orders##*.orders-}"
    period="${period%.json}"
    out="target/$(basename -- "$stem")-invoices"
    step "procura invoices --policy $policy --orders $orders --period $period --out $out"
    invoices_status=0
    "$procura" invoices --color never --policy "$policy" --orders "$orders" --period "$period" \
      --out "$out" || invoices_status=$?
    ran invoices "$invoices_status"
    ((invoices_status == 0)) || status=1
  done

  step "procura test $policy"
  test_status=0
  test_report="$("$procura" test --color never "$policy")" || test_status=$?
  printf '%s\n' "$test_report"
  ran test "$test_status"
  tests="$(tail -n 1 <<<"$test_report")"
  ((test_status == 0)) || status=1
fi

step "summary"
printf 'policy:    %s\n' "$policy"
printf 'errors:    %s\n' "$errors"
printf 'warnings:  %s\n' "$warnings"
printf 'formatted: %s\n' "$formatted"
printf 'outcome:   %s\n' "$outcome"
printf 'tests:     %s\n' "$tests"

# The playground and the checkout demo (www/): build each page's engine (the playground's
# back-office build, the checkout demo's runtime), the artifact of examples/maple.procura
# the checkout demo loads (`procura build`, with this release CLI; its hashes are printed)
# and the pages, then serve them on 127.0.0.1 and print the addresses; Ctrl-C stops the server and
# the script exits with the status above. SERVE=0 skips this, PORT=N picks the port.
if [[ "${SERVE:-1}" != 0 ]]; then
  step "build www/ (engines, the Maple artifact, the pages), then serve the playground and the checkout demo"
  PROCURA="$procura" www/scripts/build.sh || exit 2
  serve_args=()
  if [[ "$policy" != examples/maple.procura ]]; then
    # A link that opens POLICY (with its directory and request) in the playground.
    serve_args=(--policy "$policy")
    [[ ! -f "${policy%.procura}.directory.json" ]] || serve_args+=(--directory "${policy%.procura}.directory.json")
    [[ ! -f "${policy%.procura}.request.json" ]] || serve_args+=(--request "${policy%.procura}.request.json")
  fi
  trap 'true' INT
  node www/serve.mjs "${serve_args[@]}" || true
fi
exit "$status"

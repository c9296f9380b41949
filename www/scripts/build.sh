#!/usr/bin/env bash
# Builds the playground and the checkout demo into www/dist:
#   1. `npm ci` in www/, only when package-lock.json changed since the last install;
#   2. `vite build`, bundling the engine from pkg/web (`scripts/build-pkg.sh --back-office`),
#      examples/, schema/ and grammar/procura.pest.
# Idempotent. Prints the size of each built file.
set -euo pipefail
www="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$www"
step() { printf '==> %s\n' "$*"; }

# The pages need the engine with the approval workflow and invoicing (`progress`,
# `invoiceRun`, `reportCsv`): the package built by `scripts/build-pkg.sh --back-office`.
if [[ ! -f ../pkg/web/procura.js || ! -f ../pkg/web/procura_bg.wasm ]]; then
  printf 'www: ../pkg/web is missing: run scripts/build-pkg.sh --back-office first\n' >&2
  exit 2
fi
if [[ "$(cat ../pkg/.features 2>/dev/null)" != wasm-back-office ]]; then
  printf 'www: ../pkg was built without the back-office API (progress, invoiceRun, reportCsv):\n' >&2
  printf 'www: run scripts/build-pkg.sh --back-office first\n' >&2
  exit 2
fi

stamp=node_modules/.procura-lock.sha256
want="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$want" ]]; then
  step "npm ci (www)"
  npm ci --no-audit --no-fund --loglevel=error
  printf '%s\n' "$want" >"$stamp"
fi

step "vite build (www/dist)"
node_modules/.bin/vite build --logLevel warn
(cd dist && find . -type f -printf '%P\n' | sort | while read -r f; do
  printf '  %-42s %9s bytes  %8s gzipped\n' "$f" "$(wc -c <"$f")" "$(gzip -9c "$f" | wc -c)"
done)

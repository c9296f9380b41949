#!/usr/bin/env bash
# Builds the playground and the checkout demo into www/dist:
#   1. the two engine packages, side by side under www/engine/ (build output, ignored by
#      git; scripts/build-pkg.sh skips a package already made from the same module):
#      - www/engine/back-office: `scripts/build-pkg.sh --back-office`, the playground's
#        (compile, check, format, tests, approvals, invoices, artifact, impact);
#      - www/engine/runtime: `scripts/build-pkg.sh`, the checkout demo's (load and evaluate
#        an artifact; no compiler);
#   2. the artifact of examples/maple.procura that the checkout demo loads:
#      `procura build` → www/engine/maple.pcy, with the hashes it printed in
#      www/engine/maple.pcy.json (the page checks the file's SHA-256 before loading it).
#      PROCURA=path/to/procura picks the CLI (scripts/main.sh passes its release build);
#      by default `cargo run -p procura-cli`;
#   3. `npm ci` in www/, only when package-lock.json changed since the last install;
#   4. `vite build`, bundling the engines, the artifact, examples/, schema/ and
#      grammar/procura.pest.
# Idempotent. Prints the size of each built file.
set -euo pipefail
www="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
root="$(dirname "$www")"
step() { printf '==> %s\n' "$*"; }
die() {
  printf 'www: %s\n' "$*" >&2
  exit 2
}

step "the engines: www/engine/back-office (playground), www/engine/runtime (checkout demo)"
"$root/scripts/build-pkg.sh" --back-office --out "$www/engine/back-office" || die "scripts/build-pkg.sh --back-office failed"
"$root/scripts/build-pkg.sh" --out "$www/engine/runtime" || die "scripts/build-pkg.sh failed"
grep -q 'export function load' "$www/engine/runtime/web/procura.d.ts" || die "www/engine/runtime has no load()"
! grep -q 'export function compile' "$www/engine/runtime/web/procura.d.ts" || die "www/engine/runtime has the compiler"

step "procura build examples/maple.procura → www/engine/maple.pcy"
if [[ -n "${PROCURA:-}" ]]; then
  procura=("$PROCURA")
else
  procura=(cargo run -q --locked --manifest-path "$root/Cargo.toml" -p procura-cli --)
fi
built="$(cd "$root" && "${procura[@]}" build examples/maple.procura --out "$www/engine/maple.pcy")" ||
  die "procura build examples/maple.procura failed"
printf '%s\n' "$built"
# "wrote FILE (N bytes, format V): policy NAME sha256:…, artifact sha256:…"
node -e '
  const [line, file] = process.argv.slice(1);
  const m = /: policy (.*) (sha256:[0-9a-f]{64}), artifact (sha256:[0-9a-f]{64})$/.exec(line.trim());
  if (!m) { console.error(`www: cannot read the hashes in: ${line}`); process.exit(2); }
  const record = { file: "maple.pcy", policy: m[1], policyHash: m[2], artifactHash: m[3] };
  require("fs").writeFileSync(file, JSON.stringify(record, null, 2) + "\n");
' "$built" "$www/engine/maple.pcy.json"
cd "$www"
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

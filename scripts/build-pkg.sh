#!/usr/bin/env bash
# Builds the npm package `pkg/` (build output, ignored by git): the engine compiled to
# WebAssembly with the size-tuned profile `wasm-release`, bound for browsers and bundlers
# (`pkg/web`, ES module, `await init()` first) and for Node.js (`pkg/node`, CommonJS),
# shrunk with wasm-opt from the npm package binaryen, with TypeScript types generated from
# schema/*.json. Needs what scripts/setup.sh installs.
#
#   scripts/build-pkg.sh                 the checkout API (the package within its size budget)
#   scripts/build-pkg.sh --back-office   plus the approval workflow and invoicing
#                                        (`progress`, `invoiceRun`, `reportCsv`): the playground
#   scripts/build-pkg.sh --runtime       the evaluator alone: `load` of a built artifact, no
#                                        parser, checker or formatter inside
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

step() { printf '==> %s\n' "$*"; }
die() {
  printf 'build-pkg: %s\n' "$*" >&2
  exit 1
}
features=wasm
cargo_features=(--features wasm)
case "${1:-}" in
  "") ;;
  --back-office) features=wasm-back-office cargo_features=(--features wasm-back-office) ;;
  --runtime) features=wasm-runtime cargo_features=(--no-default-features --features wasm) ;;
  *) die "usage: scripts/build-pkg.sh [--back-office | --runtime]" ;;
esac
command -v wasm-bindgen >/dev/null || die "wasm-bindgen is not on PATH: run scripts/setup.sh"
[[ -x js/node_modules/.bin/wasm-opt ]] || die "js/node_modules is missing: run scripts/setup.sh"

# Where cargo puts its output and the crate's version, as cargo itself sees them.
read -r target_dir version < <(cargo metadata --format-version 1 --no-deps --offline |
  node -e 'const m = JSON.parse(require("fs").readFileSync(0, "utf8"));
    const p = m.packages.find((p) => p.name === "procura");
    console.log(m.target_directory, p.version)')

step "cargo build --target wasm32-unknown-unknown ${cargo_features[*]} --profile wasm-release"
cargo build --locked --target wasm32-unknown-unknown "${cargo_features[@]}" --profile wasm-release --lib
wasm="$target_dir/wasm32-unknown-unknown/wasm-release/procura.wasm"
[[ -f "$wasm" ]] || die "$wasm was not built"

report_size() {
  local raw gzipped
  raw=$(wc -c <pkg/web/procura_bg.wasm)
  gzipped=$(gzip -9 -c pkg/web/procura_bg.wasm | wc -c)
  step "pkg/web/procura_bg.wasm: $raw bytes raw, $gzipped bytes gzipped (gzip -9)"
}

# Nothing to do when pkg/ is newer than everything it is made from.
inputs=("$wasm" "$(command -v wasm-bindgen)" scripts/build-pkg.sh js/gen-types.mjs js/pkg-template/* schema/*.json js/package-lock.json)
if [[ -f pkg/package.json && -f pkg/web/procura_bg.wasm && -f pkg/node/procura_bg.wasm &&
  "$(cat pkg/.features 2>/dev/null)" == "$features" &&
  -z "$(find "${inputs[@]}" -newer pkg/package.json -print -quit)" ]]; then
  step "pkg/ is up to date (features: $features)"
  report_size
  exit 0
fi

rm -rf pkg/web pkg/node pkg/package.json pkg/README.md pkg/.features # pkg/core is build-core.sh's
for target in web nodejs; do
  dir="pkg/${target%js}"
  step "wasm-bindgen --target $target → $dir"
  wasm-bindgen --target "$target" --out-dir "$dir" "$wasm"
  node js/gen-types.mjs schema "$dir/types.d.ts" >/dev/null
done
# Both targets bind the same module; optimise it once (binaryen's npm build runs in Node:
# about a minute) and use it for both.
cmp -s pkg/web/procura_bg.wasm pkg/node/procura_bg.wasm || die "the web and node modules differ"
step "wasm-opt -Oz --converge (binaryen from npm)"
js/node_modules/.bin/wasm-opt -Oz --converge pkg/web/procura_bg.wasm -o pkg/web/procura_bg.wasm
cp pkg/web/procura_bg.wasm pkg/node/procura_bg.wasm
# pkg/web is an ES module, pkg/node CommonJS; `require("./pkg/node")` finds its entry.
printf '{ "type": "module" }\n' >pkg/web/package.json
printf '{ "type": "commonjs", "main": "procura.js", "types": "procura.d.ts" }\n' >pkg/node/package.json

step "pkg/package.json (procura $version)"
node -e 'const fs = require("fs");
  const p = JSON.parse(fs.readFileSync("js/pkg-template/package.json", "utf8"));
  p.version = process.argv[1];
  fs.writeFileSync("pkg/package.json", JSON.stringify(p, null, 2) + "\n");' "$version"
cp js/pkg-template/README.md pkg/README.md
printf '%s\n' "$features" >pkg/.features

report_size

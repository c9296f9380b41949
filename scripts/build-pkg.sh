#!/usr/bin/env bash
# Builds the npm package `pkg/` (build output, ignored by git; `--out DIR` writes it to DIR
# instead, so that the two builds can live side by side): the engine compiled to
# WebAssembly with the size-tuned profile `wasm-release`, bound for browsers and bundlers
# (`pkg/web`, ES module, `await init()` first) and for Node.js (`pkg/node`, CommonJS),
# shrunk with wasm-opt from the npm package binaryen, with TypeScript types generated from
# schema/*.json. Needs what scripts/setup.sh installs.
#
#   scripts/build-pkg.sh                 the runtime (the published package, within its size
#                                        budget): `load` of an artifact of `procura build` and
#                                        the evaluator; no parser, checker or formatter inside
#   scripts/build-pkg.sh --back-office   the authoring build (the playground): `compile`,
#                                        `check`, `format`, `policy.artifact()`, `impact`,
#                                        `runTests`, the approval workflow and invoicing
#   ... [--out DIR]                      write the package to DIR instead of pkg/
#
# `--runtime` is accepted as another name for the default.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

step() { printf '==> %s\n' "$*"; }
die() {
  printf 'build-pkg: %s\n' "$*" >&2
  exit 1
}
usage="usage: scripts/build-pkg.sh [--back-office | --runtime] [--out DIR]"
features=wasm-runtime
cargo_features=(--no-default-features --features wasm)
out=pkg
while (($# > 0)); do
  case "$1" in
    --runtime) features=wasm-runtime cargo_features=(--no-default-features --features wasm) ;;
    --back-office) features=wasm-back-office cargo_features=(--features wasm-back-office) ;;
    --out)
      (($# > 1)) || die "$usage"
      out="${2%/}"
      shift
      ;;
    *) die "$usage" ;;
  esac
  shift
done
[[ -n "$out" && "$out" != / ]] || die "$usage"
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
  raw=$(wc -c <"$out/web/procura_bg.wasm")
  gzipped=$(gzip -9 -c "$out/web/procura_bg.wasm" | wc -c)
  step "$out/web/procura_bg.wasm ($features): $raw bytes raw, $gzipped bytes gzipped (gzip -9)"
}

# Nothing to do when $out was made from this very module (by content: cargo rewrites the
# file whenever the other build ran in between) and is newer than the other inputs.
stamp="$features $(sha256sum "$wasm" | cut -d' ' -f1)"
inputs=("$(command -v wasm-bindgen)" scripts/build-pkg.sh js/gen-types.mjs js/pkg-template/* schema/*.json js/package-lock.json)
if [[ -f "$out/package.json" && -f "$out/web/procura_bg.wasm" && -f "$out/node/procura_bg.wasm" &&
  "$(cat "$out/.features" 2>/dev/null)" == "$stamp" &&
  -z "$(find "${inputs[@]}" -newer "$out/package.json" -print -quit)" ]]; then
  step "$out/ is up to date (features: $features)"
  report_size
  exit 0
fi

mkdir -p "$out"
rm -rf "$out/web" "$out/node" "$out/package.json" "$out/README.md" "$out/.features" # pkg/core is build-core.sh's
for target in web nodejs; do
  dir="$out/${target%js}"
  step "wasm-bindgen --target $target → $dir"
  wasm-bindgen --target "$target" --out-dir "$dir" "$wasm"
  node js/gen-types.mjs schema "$dir/types.d.ts" >/dev/null
done
# Both targets bind the same module; optimise it once (binaryen's npm build runs in Node:
# about a minute) and use it for both.
cmp -s "$out/web/procura_bg.wasm" "$out/node/procura_bg.wasm" || die "the web and node modules differ"
step "wasm-opt -Oz --converge (binaryen from npm)"
js/node_modules/.bin/wasm-opt -Oz --converge "$out/web/procura_bg.wasm" -o "$out/web/procura_bg.wasm"
cp "$out/web/procura_bg.wasm" "$out/node/procura_bg.wasm"
# web/ is an ES module, node/ CommonJS; `require("./pkg/node")` finds its entry.
printf '{ "type": "module" }\n' >"$out/web/package.json"
printf '{ "type": "commonjs", "main": "procura.js", "types": "procura.d.ts" }\n' >"$out/node/package.json"

step "$out/package.json (procura $version, $features)"
node -e 'const fs = require("fs");
  const p = JSON.parse(fs.readFileSync("js/pkg-template/package.json", "utf8"));
  p.version = process.argv[1];
  fs.writeFileSync(process.argv[2] + "/package.json", JSON.stringify(p, null, 2) + "\n");' "$version" "$out"
cp js/pkg-template/README.md "$out/README.md"
printf '%s\n' "$stamp" >"$out/.features"

report_size

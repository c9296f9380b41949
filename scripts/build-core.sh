#!/usr/bin/env bash
# Builds the zero-import core WebAssembly modules (plain ABI, no wasm-bindgen; the ABI is
# specified in docs/abi.md), two of them:
#   pkg/core/procura.wasm          the full module: compiles policy source (procura_compile)
#                                  and loads artifacts (procura_load); features abi,authoring
#   pkg/core/procura-runtime.wasm  the runtime-only module: loads artifacts only, no parser
#                                  inside; feature abi
# For each:
#   1. cargo build of the core crate for wasm32-unknown-unknown with only those features,
#      in a size profile of its own (`procura-core`, defined here with --config so it gets
#      its own target folder and never rebuilds over the wasm-bindgen build);
#   2. wasm-opt -Oz from the npm package binaryen (never Debian's binaryen: see
#      ../shared/design/toolchain.md): $WASM_OPT if set, else js/node_modules' (installed by
#      scripts/setup.sh), else scripts/wasm-opt/'s, installed here by `npm ci`;
#   3. a check that the module imports nothing, and `$out.stamp`: a digest of the sources
#      it was built from.
# Idempotent; prints the sizes. Needs the wasm32 target (scripts/setup.sh adds it) and npm.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
step() { printf '==> %s\n' "$*"; }

profile=procura-core
target_dir="${CARGO_TARGET_DIR:-target}"
built="$target_dir/wasm32-unknown-unknown/$profile/procura.wasm"

wasm_opt="${WASM_OPT:-}"
if [[ -z "$wasm_opt" && -x js/node_modules/.bin/wasm-opt ]]; then
  wasm_opt=js/node_modules/.bin/wasm-opt # the npm package's own binaryen (scripts/setup.sh)
fi
if [[ -z "$wasm_opt" ]]; then
  if [[ ! -x scripts/wasm-opt/node_modules/.bin/wasm-opt ]]; then
    step "npm ci (scripts/wasm-opt: binaryen)"
    (cd scripts/wasm-opt && npm ci --no-audit --no-fund --loglevel=error)
  fi
  wasm_opt=scripts/wasm-opt/node_modules/.bin/wasm-opt
fi

# What the modules are built from: the host's tests compare it with the sources
# (procura_host::source_stamp) to tell a stale module from a wrong one.
stamp="$(find src grammar Cargo.toml Cargo.lock -type f | LC_ALL=C sort | xargs sha256sum |
  sha256sum | cut -d' ' -f1)"

# build FEATURES OUT: one module. Both builds share the profile's folder (cargo keeps their
# dependencies apart by features; only the crate itself is linked again), so each is copied
# out before the next.
build() {
  local features="$1" out="$2" imports
  step "cargo build --target wasm32-unknown-unknown --no-default-features --features $features --profile $profile --lib"
  cargo build --locked --quiet --lib \
    --target wasm32-unknown-unknown --no-default-features --features "$features" \
    --profile "$profile" \
    --config "profile.$profile.inherits=\"release\"" \
    --config "profile.$profile.opt-level=\"z\"" \
    --config "profile.$profile.lto=true" \
    --config "profile.$profile.codegen-units=1" \
    --config "profile.$profile.panic=\"abort\"" \
    --config "profile.$profile.debug=false"

  step "wasm-opt -Oz -> $out"
  mkdir -p "$(dirname "$out")"
  "$wasm_opt" -Oz --enable-bulk-memory --enable-sign-ext --enable-nontrapping-float-to-int \
    --enable-mutable-globals "$built" -o "$out.tmp"
  mv "$out.tmp" "$out"

  imports="$(node -e '
    const m = new WebAssembly.Module(require("fs").readFileSync(process.argv[1]));
    console.log(WebAssembly.Module.imports(m).length);
  ' "$out")"
  if [[ "$imports" != 0 ]]; then
    printf 'build-core: %s imports %s functions; the core module must import nothing\n' "$out" "$imports" >&2
    exit 1
  fi
  printf '%s\n' "$stamp" >"$out.stamp"
  printf 'build-core: %s: %s bytes (%s gzipped), 0 imports\n' "$out" \
    "$(wc -c <"$out")" "$(gzip -9c "$out" | wc -c)"
}

build abi,authoring pkg/core/procura.wasm
build abi pkg/core/procura-runtime.wasm

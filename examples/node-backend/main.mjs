// Evaluates the Maple example cart with the core module on plain Node:
//
//   node examples/node-backend/main.mjs [POLICY DIRECTORY REQUEST]
//
// (paths default to the repository's examples/maple.*) and prints the answer JSON. POLICY
// is source or an artifact (`procura build examples/maple.procura` writes
// examples/maple.pcy), told apart by its magic; the runtime-only module
// (PROCURA_CORE_WASM=pkg/core/procura-runtime.wasm) takes artifacts only. Build the modules
// first: scripts/build-core.sh.

import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";

import { ProcuraCore } from "./procura-core.mjs";

const repo = (path) => fileURLToPath(new URL(`../../${path}`, import.meta.url));

export async function evaluateMaple({
  module = process.env.PROCURA_CORE_WASM ?? repo("pkg/core/procura.wasm"),
  policy = repo("examples/maple.procura"),
  directory = repo("examples/maple.directory.json"),
  request = repo("examples/maple.request.json"),
} = {}) {
  const core = await ProcuraCore.load(module);
  const { handle } = core.open(await readFile(policy), await readFile(directory, "utf8"));
  const answer = core.evaluate(handle, await readFile(request, "utf8"));
  core.release(handle);
  return answer;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [policy, directory, request] = process.argv.slice(2);
  const answer = await evaluateMaple(
    policy ? { policy, directory, request } : {},
  );
  process.stdout.write(answer + "\n");
}

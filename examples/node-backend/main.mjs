// Evaluates the Maple example cart with the core module on plain Node:
//
//   node examples/node-backend/main.mjs [POLICY DIRECTORY REQUEST]
//
// (paths default to the repository's examples/maple.*) and prints the answer JSON. Build
// the module first: scripts/build-core.sh.

import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";

import { ProcuraCore } from "./procura-core.mjs";

const repo = (path) => fileURLToPath(new URL(`../../${path}`, import.meta.url));

export async function evaluateMaple({
  module = repo("pkg/core/procura.wasm"),
  policy = repo("examples/maple.procura"),
  directory = repo("examples/maple.directory.json"),
  request = repo("examples/maple.request.json"),
} = {}) {
  const core = await ProcuraCore.load(module);
  const { handle } = core.compile(
    await readFile(policy, "utf8"),
    await readFile(directory, "utf8"),
  );
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

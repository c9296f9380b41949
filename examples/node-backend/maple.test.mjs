// node --test examples/node-backend/maple.test.mjs
//
// The Maple cart through the core module on plain Node must be byte for byte the native
// engine's answer. The native side is `procura eval` (the CLI, the Rust engine itself):
// its pretty-printed JSON, parsed and re-serialised with JSON.stringify, is the engine's
// compact JSON (same key order, same escaping), compared as a string. Set PROCURA_BIN to a
// built `procura` binary to skip `cargo run`.

import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";

import { evaluateMaple } from "./main.mjs";
import { ProcuraCore } from "./procura-core.mjs";

const repo = fileURLToPath(new URL("../../", import.meta.url));
const path = (p) => `${repo}${p}`;

function nativeEval(args) {
  const [command, prefix] = process.env.PROCURA_BIN
    ? [process.env.PROCURA_BIN, []]
    : ["cargo", ["run", "-q", "--locked", "-p", "procura-cli", "--"]];
  const out = execFileSync(command, [...prefix, "eval", "--color", "never", ...args], {
    cwd: repo,
    encoding: "utf8",
  });
  return JSON.stringify(JSON.parse(out));
}

test("the Maple cart on Node equals `procura eval`, byte for byte", async () => {
  const answer = await evaluateMaple();
  const native = nativeEval([
    "--policy", "examples/maple.procura",
    "--directory", "examples/maple.directory.json",
    "--request", "examples/maple.request.json",
  ]);
  assert.equal(answer, native);
  assert.equal(JSON.parse(answer).type, "success");
});

test("the module imports nothing and speaks ABI 2", async () => {
  const module = await WebAssembly.compile(await readFile(path("pkg/core/procura.wasm")));
  assert.deepEqual(WebAssembly.Module.imports(module), []);
  const core = await ProcuraCore.load(path("pkg/core/procura.wasm"));
  assert.match(core.engineVersion(), /^\d+\.\d+\.\d+/);
});

test("inline profiles are refused until trusted", async () => {
  const core = await ProcuraCore.load(path("pkg/core/procura.wasm"));
  const { handle } = core.compile(
    await readFile(path("examples/maple.procura"), "utf8"),
    await readFile(path("examples/maple.directory.json"), "utf8"),
  );
  const request = JSON.parse(await readFile(path("examples/maple.request.json"), "utf8"));
  request.buyerProfile = { id: request.buyer, roles: [{ role: "requester", group: "north" }] };
  const refused = JSON.parse(core.evaluate(handle, JSON.stringify(request)));
  assert.equal(refused.errors[0].code, "E0515");
  assert.ok(core.trustInlineProfiles(handle));
  assert.equal(JSON.parse(core.evaluate(handle, JSON.stringify(request))).type, "success");
});

test("bad input is a coded failure, and a released handle is unknown", async () => {
  const core = await ProcuraCore.load(path("pkg/core/procura.wasm"));
  const broken = JSON.parse(core.compileJson('policy "x" {', null));
  assert.equal(broken.type, "failure");
  assert.ok(broken.errors.length > 0);
  const { handle, policy } = core.compile(
    await readFile(path("examples/maple.procura"), "utf8"),
    await readFile(path("examples/maple.directory.json"), "utf8"),
  );
  assert.match(policy.hash, /^sha256:/);
  const malformed = JSON.parse(core.evaluate(handle, "{ not json"));
  assert.equal(malformed.errors[0].code, "E0101");
  // Many calls in one instance: memory is freed and reused, answers stay the same.
  const request = await readFile(path("examples/maple.request.json"), "utf8");
  const first = core.evaluate(handle, request);
  for (let i = 0; i < 200; i++) assert.equal(core.evaluate(handle, request), first);
  assert.equal(core.release(handle), true);
  assert.equal(core.release(handle), false);
  assert.equal(JSON.parse(core.evaluate(handle, request)).errors[0].code, "E0502");
});

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
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

import { evaluateMaple } from "./main.mjs";
import { ABI_VERSION, ProcuraCore } from "./procura-core.mjs";

const repo = fileURLToPath(new URL("../../", import.meta.url));
const path = (p) => `${repo}${p}`;

function procura(args) {
  const [command, prefix] = process.env.PROCURA_BIN
    ? [process.env.PROCURA_BIN, []]
    : ["cargo", ["run", "-q", "--locked", "-p", "procura-cli", "--"]];
  return execFileSync(command, [...prefix, ...args], { cwd: repo, encoding: "utf8" });
}

function nativeEval(args) {
  return JSON.stringify(JSON.parse(procura(["eval", "--color", "never", ...args])));
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

test("an artifact from `procura build` answers like `procura eval` on the source, on both modules", async () => {
  const dir = await mkdtemp(join(tmpdir(), "procura-node-"));
  try {
    const artifact = join(dir, "maple.pcy");
    procura(["build", "examples/maple.procura", "--out", artifact]);
    const native = nativeEval([
      "--policy", "examples/maple.procura",
      "--directory", "examples/maple.directory.json",
      "--request", "examples/maple.request.json",
    ]);
    for (const module of ["pkg/core/procura.wasm", "pkg/core/procura-runtime.wasm"]) {
      assert.equal(await evaluateMaple({ module: path(module), policy: artifact }), native, module);
    }
    const runtime = await ProcuraCore.load(path("pkg/core/procura-runtime.wasm"));
    assert.equal(typeof runtime.exports.procura_compile, "undefined");
    const source = await readFile(path("examples/maple.procura"), "utf8");
    assert.equal(code(runtime.compileJson(source, null)), "E0504");
    // Refused, coded: not an artifact, cut short, another format version.
    const bytes = await readFile(artifact);
    assert.equal(code(runtime.loadJson(new TextEncoder().encode(source), null)), "E0701");
    assert.equal(code(runtime.loadJson(bytes.subarray(0, bytes.length - 1), null)), "E0701");
    const newer = Uint8Array.from(bytes);
    newer[8] = 99;
    assert.equal(code(runtime.loadJson(newer, null)), "E0702");
    const { policy } = runtime.load(bytes, null);
    assert.equal(policy.hash, JSON.parse(native).result.policy.hash);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("the module imports nothing and speaks ABI 4", async () => {
  const module = await WebAssembly.compile(await readFile(path("pkg/core/procura.wasm")));
  assert.deepEqual(WebAssembly.Module.imports(module), []);
  const core = await ProcuraCore.load(path("pkg/core/procura.wasm"));
  assert.equal(ABI_VERSION, 4);
  assert.equal(core.exports.procura_abi_version(), 4);
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

const maple = async () => {
  const core = await ProcuraCore.load(path("pkg/core/procura.wasm"));
  const { handle } = core.compile(
    await readFile(path("examples/maple.procura"), "utf8"),
    await readFile(path("examples/maple.directory.json"), "utf8"),
  );
  const request = await readFile(path("examples/maple.request.json"), "utf8");
  return { core, handle, request };
};

const code = (answer) => JSON.parse(answer).errors[0].code;

/** Reads and frees a packed result of a raw export. */
function takeRaw(exports, packed) {
  const bits = BigInt.asUintN(64, packed);
  const ptr = Number(bits >> 32n);
  const len = Number(bits & 0xffffffffn);
  const text = new TextDecoder().decode(new Uint8Array(exports.memory.buffer, ptr, len));
  exports.procura_free(ptr, len);
  return text;
}

test("every export answers a buffer outside memory with E0518, never a trap", async () => {
  const { core, handle, request } = await maple();
  const exports = core.exports;
  const size = exports.memory.buffer.byteLength;
  const outside = [
    [size, 1],
    [size - 1, 2],
    [0, 1],
    [0, size],
    [0xffffffff, 1],
    [0xfffffffc, 8], // ptr + len overflows 32 bits
    [8, 0xffffffff],
    [size / 2, size],
  ];
  const queries = [
    "procura_evaluate",
    "procura_authorize",
    "procura_badges",
    "procura_progress",
    "procura_invoice_run",
    "procura_report_csv",
  ];
  for (const name of queries) {
    for (const [ptr, len] of outside) {
      // Any handle: the buffer is checked first.
      for (const inner of [1, 0, 999]) {
        const answer = takeRaw(exports, exports[name](inner, ptr, len));
        assert.equal(code(answer), "E0518", `${name} (${ptr}, ${len}): ${answer}`);
      }
    }
    // (anything, 0) is the empty input: not JSON.
    for (const ptr of [0, size, 0xffffffff]) {
      assert.equal(code(takeRaw(exports, exports[name](1, ptr, 0))), "E0101", name);
    }
  }
  for (const [ptr, len] of outside) {
    const source = takeRaw(exports, exports.procura_compile(ptr, len, 0, 0));
    assert.equal(code(source), "E0518", source);
    assert.match(source, /the source buffer/);
    const directory = takeRaw(exports, exports.procura_compile(0, 0, ptr, len));
    assert.equal(code(directory), "E0518", directory);
    assert.match(directory, /the directory buffer/);
    exports.procura_free(ptr, len); // ignored: not inside memory
  }
  // The instance is alive and answers as before.
  assert.equal(core.isDropped, false);
  assert.equal(JSON.parse(core.evaluate(handle, request)).type, "success");
});

test("bad input is a coded failure: a policy not UTF-8, a huge request, too many lines", async () => {
  const { core, handle, request } = await maple();
  const notUtf8 = JSON.parse(core.compileJson(new Uint8Array([0x70, 0x6f, 0xff, 0xfe]), null));
  assert.equal(notUtf8.type, "failure");
  assert.equal(notUtf8.errors[0].code, "P0001");
  const directory = JSON.parse(
    core.compileJson('policy "x" { currency CAD }', new Uint8Array([0xff])),
  );
  assert.equal(directory.errors[0].code, "E0101");
  assert.equal(directory.errors[0].path, "directory");
  // Over 16 MiB: E0102 at the root, before parsing.
  const huge = JSON.parse(core.evaluate(handle, " ".repeat(16 * 1024 * 1024 + 1)));
  assert.equal(huge.errors[0].code, "E0102");
  assert.equal(huge.errors[0].path, "");
  // More than 10,000 lines: E0102 at order.lines, counted before parsing.
  const order = JSON.parse(request);
  const line = order.order.lines[0];
  order.order.lines = Array.from({ length: 10_001 }, (_, i) => ({ ...line, id: `L${i}` }));
  const lines = JSON.parse(core.evaluate(handle, JSON.stringify(order)));
  assert.equal(lines.errors[0].code, "E0102");
  assert.equal(lines.errors[0].path, "order.lines");
  assert.equal(lines.errors[0].message, "the order has more than 10000 lines");
  // Memory is freed on these paths too: the same calls again leave it as it was.
  const size = core.exports.memory.buffer.byteLength;
  for (let i = 0; i < 20; i++) {
    assert.equal(code(core.evaluate(handle, JSON.stringify(order))), "E0102");
    assert.equal(code(core.evaluate(handle, "{ not json")), "E0101");
  }
  assert.equal(core.exports.memory.buffer.byteLength, size);
  assert.equal(JSON.parse(core.evaluate(handle, request)).type, "success");
});

test("invoice runs and CSV reports", async () => {
  const corpus = path("tests/conformance/");
  const kase = JSON.parse(
    await readFile(`${corpus}cases/reports/001-default-orders-report.json`, "utf8"),
  );
  const core = await ProcuraCore.load(path("pkg/core/procura.wasm"));
  const { handle } = core.compile(await readFile(`${corpus}${kase.policy}`, "utf8"), null);
  const report = JSON.parse(core.reportCsv(handle, JSON.stringify(kase.request)));
  assert.equal(report.type, "success");
  assert.equal(report.result, kase.expect.result);
  const run = JSON.parse(core.invoiceRun(handle, JSON.stringify(kase.request.run)));
  assert.equal(run.type, "success");
  assert.ok(run.result.invoices.length > 0);
  const unknown = JSON.parse(core.reportCsv(handle, '{"run":{},"x":1}'));
  assert.equal(unknown.errors[0].code, "E0101");
});

test("a trap drops the instance: E0504, then a new instance with the policies compiled in", async () => {
  const module = await WebAssembly.compile(await readFile(path("pkg/core/procura.wasm")));
  const real = new WebAssembly.Instance(module, {});
  let trapped = 0;
  // The first instance traps in procura_evaluate, as on a failed allocation.
  const exports = {
    ...real.exports,
    procura_evaluate: () => {
      trapped += 1;
      throw new WebAssembly.RuntimeError("unreachable");
    },
  };
  const core = new ProcuraCore(module, { exports });
  const { handle } = core.compile(
    await readFile(path("examples/maple.procura"), "utf8"),
    await readFile(path("examples/maple.directory.json"), "utf8"),
  );
  assert.ok(core.trustInlineProfiles(handle));
  const request = await readFile(path("examples/maple.request.json"), "utf8");
  const dead = JSON.parse(core.evaluate(handle, request));
  assert.equal(dead.errors[0].code, "E0504");
  assert.equal(trapped, 1);
  assert.equal(core.isDropped, true);
  // Next use: a fresh instance, the same handle, the trust setting kept.
  const answer = core.evaluate(handle, request);
  assert.equal(JSON.parse(answer).type, "success");
  assert.equal(core.isDropped, false);
  const withProfile = JSON.parse(request);
  withProfile.buyerProfile = { id: withProfile.buyer, roles: [{ role: "requester", group: "north" }] };
  assert.equal(JSON.parse(core.evaluate(handle, JSON.stringify(withProfile))).type, "success");
  assert.equal(core.release(handle), true);
  assert.equal(code(core.evaluate(handle, request)), "E0502");
});

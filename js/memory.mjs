// Memory: compiles the Maple policy, evaluates the example cart and frees the policy
// 10,000 times through pkg/node, and checks that the wasm memory stops growing: its size
// after 10,000 rounds must equal its size after 1,000.
// Usage: node js/memory.mjs [ROUNDS]   (after scripts/build-pkg.sh --back-office)
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { root } from "./native.mjs";

// pkg/node instantiates its module on load; keep a handle on the instance to read its memory.
const Instance = WebAssembly.Instance;
let instance;
WebAssembly.Instance = function (module, imports) {
  instance = new Instance(module, imports);
  return instance;
};
const procura = createRequire(import.meta.url)(`${root}/pkg/node`);
WebAssembly.Instance = Instance;
const memory = instance.exports.memory;

const read = (file) => readFileSync(`${root}/examples/${file}`, "utf8");
const source = read("maple.procura");
const directory = JSON.parse(read("maple.directory.json"));
const request = JSON.parse(read("maple.request.json"));
const rounds = Number(process.argv[2] ?? 10_000);
const mib = (bytes) => `${(bytes / 1024 / 1024).toFixed(2)} MiB`;

function round() {
  const compiled = procura.compile(source, directory);
  if (compiled.type !== "success") throw new Error(JSON.stringify(compiled));
  const answer = compiled.policy.evaluate(request);
  if (answer.type !== "success") throw new Error(JSON.stringify(answer));
  compiled.policy.free();
}

const start = memory.buffer.byteLength;
const began = performance.now();
const sizes = new Map();
for (let i = 1; i <= rounds; i++) {
  round();
  if (i === 1 || i === 1_000 || i === rounds) sizes.set(i, memory.buffer.byteLength);
}
const seconds = (performance.now() - began) / 1000;
const [afterOne, afterThousand, afterAll] = [sizes.get(1), sizes.get(1_000), sizes.get(rounds)];
console.log(
  `memory: at start ${mib(start)}, after 1 round ${mib(afterOne)}, after 1,000 ${mib(afterThousand)}, ` +
    `after ${rounds.toLocaleString("en")} ${mib(afterAll)} (${seconds.toFixed(1)} s, ${((seconds / rounds) * 1000).toFixed(2)} ms a round)`,
);

// For scale: the same rounds without free() leak every compiled policy (the finaliser
// would only run once this synchronous loop ends).
const leakRounds = 1_000;
const beforeLeak = memory.buffer.byteLength;
for (let i = 0; i < leakRounds; i++) procura.compile(source, directory);
console.log(`memory: without free(), ${leakRounds.toLocaleString("en")} more compiles grow it by ${mib(memory.buffer.byteLength - beforeLeak)}`);

const stable = afterAll === afterThousand;
console.log(stable ? "memory: 1 passed, 0 failed" : `memory: grew from ${afterThousand} to ${afterAll} bytes between round 1,000 and ${rounds}\nmemory: 0 passed, 1 failed`);
process.exit(stable ? 0 : 1);

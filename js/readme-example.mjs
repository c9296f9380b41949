// The README's WebAssembly example (the ```sh block after `<!-- wasm-example -->` in
// README.md) must print exactly what `procura eval` prints for the same policy, directory
// and request. The example runs `procura build` (the CLI is built and put on PATH first) and
// loads the artifact with the runtime package. Usage: node js/readme-example.mjs
// (after scripts/build-pkg.sh)
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { root } from "./native.mjs";

const readme = readFileSync(`${root}/README.md`, "utf8");
const block = readme.match(/<!-- wasm-example -->\s*```sh\n([\s\S]*?)```/);
if (!block) {
  console.log("readme-example: no ```sh block after <!-- wasm-example --> in README.md\nreadme-example: 0 passed, 1 failed");
  process.exit(1);
}
const run = (file, args, env = process.env) => execFileSync(file, args, { cwd: root, env, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
run("cargo", ["build", "-q", "--locked", "-p", "procura-cli"]);
const target = JSON.parse(run("cargo", ["metadata", "--format-version", "1", "--no-deps", "--offline"])).target_directory;
const example = run("bash", ["-c", block[1]], { ...process.env, PATH: `${target}/debug:${process.env.PATH}` });
const cli = run("cargo", [
  "run", "-q", "--locked", "-p", "procura-cli", "--", "eval", "--color", "never",
  "--policy", "examples/maple.procura", "--directory", "examples/maple.directory.json", "--request", "examples/maple.request.json",
]);
if (example !== cli) {
  console.log(`readme-example: the README example printed\n${example}\nbut procura eval printed\n${cli}`);
  console.log("readme-example: 0 passed, 1 failed");
  process.exit(1);
}
console.log(`readme-example: the README example prints what procura eval prints (${cli.length} bytes)`);
console.log("readme-example: 1 passed, 0 failed");

// The lean runtime package (scripts/build-pkg.sh, the default build): it has `load` and no
// compiler, and an artifact of `procura build` evaluates to exactly what `procura eval`
// answers on the source, for every example with a request; damaged bytes are a coded
// failure. Usage: node js/runtime-load.mjs   (after scripts/build-pkg.sh)
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { root } from "./native.mjs";

const require = createRequire(import.meta.url);
const procura = require(`${root}/pkg/node/procura.js`);
let passed = 0;
let failed = 0;
const check = (ok, what) => {
  if (ok) passed++;
  else {
    failed++;
    console.log(`runtime-load: FAILED ${what}`);
  }
};

check(typeof procura.load === "function", "the package exports load");
check(procura.compile === undefined, "the runtime package has no compile");
check(procura.format === undefined && procura.check === undefined, "the runtime package has no format or check");

const cli = (args) =>
  execFileSync("cargo", ["run", "-q", "--locked", "-p", "procura-cli", "--", ...args], {
    cwd: root,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
const scratch = mkdtempSync(join(tmpdir(), "procura-runtime-"));
try {
  const examples = readdirSync(`${root}/examples`).filter((f) => f.endsWith(".procura"));
  for (const file of examples) {
    const stem = `${root}/examples/${file.replace(/\.procura$/, "")}`;
    const request = `${stem}.request.json`;
    if (!existsSync(request)) continue;
    const directory = existsSync(`${stem}.directory.json`) ? `${stem}.directory.json` : undefined;
    const artifact = join(scratch, file.replace(/\.procura$/, ".pcy"));
    cli(["build", `examples/${file}`, "--out", artifact]);
    const expected = cli([
      "eval", "--color", "never", "--policy", `examples/${file}`,
      ...(directory ? ["--directory", directory] : []), "--request", request,
    ]);
    const loaded = procura.load(
      readFileSync(artifact),
      directory ? JSON.parse(readFileSync(directory, "utf8")) : undefined,
    );
    check(loaded.type === "success", `${file}: load ${JSON.stringify(loaded.errors ?? [])}`);
    if (loaded.type !== "success") continue;
    const answer = loaded.policy.evaluateJson(readFileSync(request, "utf8"));
    check(answer === JSON.stringify(JSON.parse(expected)), `${file}: the loaded artifact answers like procura eval`);
    const damaged = readFileSync(artifact);
    damaged[damaged.length - 1] ^= 1;
    const refused = procura.load(damaged);
    check(refused.type === "failure" && refused.errors[0].code === "E0701", `${file}: a damaged artifact is E0701`);
    loaded.policy.free();
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
console.log(`runtime-load: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 3 ? 0 : 1);

#!/usr/bin/env node
// The Node runner: the benchmark workloads through the npm package's Node build
// (`pkg/node`, wasm-bindgen). Reads the files `gen-workloads` writes
// (target/bench-workloads/manifest.json), times each case and prints JSON: the median of
// N timed calls after a warm-up, per case and API.
//
//   node bench/node/run.mjs [--quick] [--only OP] [--workloads DIR] [--pkg DIR] [--out FILE]
//
// --quick runs only the smallest size, a few calls each (the smoke test in scripts/test.sh);
// --only runs the cases of one operation (`compile`, `evaluate`, `badges`, `authorize`,
// `progress`): `progress` needs the back-office build (scripts/build-pkg.sh --back-office).
// Every case checks its first answer is a success, so a broken package fails loudly.
import { createRequire } from "node:module";
import { readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { performance } from "node:perf_hooks";

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const at = args.indexOf(name);
  return at >= 0 && at + 1 < args.length ? args[at + 1] : fallback;
};
const quick = args.includes("--quick");
const workloads = resolve(option("--workloads", "target/bench-workloads"));
const pkg = resolve(option("--pkg", "pkg/node"));
const out = option("--out", null);
const only = option("--only", null);

const require = createRequire(import.meta.url);
const procura = require(join(pkg, "procura.js"));
const manifest = JSON.parse(readFileSync(join(workloads, "manifest.json"), "utf8"));
const text = (file) => readFileSync(join(workloads, file), "utf8");
const sources = new Map(manifest.policies.map(([rules, file]) => [rules, text(file)]));
const directory = JSON.parse(text(manifest.directory));

/** Times `fn`: warm-up, then individually timed calls; the median in nanoseconds. */
function measure(fn) {
  const budgetMs = quick ? 0 : 1500;
  let warm = 0;
  const warmStart = performance.now();
  while (warm < (quick ? 1 : 5) || (performance.now() - warmStart < budgetMs / 5 && warm < 2000)) {
    fn();
    warm += 1;
  }
  const estimate = (performance.now() - warmStart) / warm;
  const iterations = quick ? 3 : Math.max(10, Math.min(5000, Math.floor(budgetMs / Math.max(estimate, 0.001))));
  const times = new Float64Array(iterations);
  for (let i = 0; i < iterations; i += 1) {
    const start = process.hrtime.bigint();
    fn();
    times[i] = Number(process.hrtime.bigint() - start);
  }
  times.sort();
  const median = iterations % 2 ? times[(iterations - 1) / 2] : (times[iterations / 2 - 1] + times[iterations / 2]) / 2;
  return { medianNs: median, iterations, minNs: times[0] };
}

function success(answer, what) {
  const parsed = typeof answer === "string" ? JSON.parse(answer) : answer;
  if (!parsed || parsed.type !== "success") {
    throw new Error(`${what}: ${JSON.stringify(parsed).slice(0, 500)}`);
  }
  return parsed;
}

function compiled(rules, withDirectory = true) {
  const result = procura.compile(sources.get(rules), withDirectory ? directory : null);
  if (result.type !== "success") {
    throw new Error(`compile of the ${rules}-rule policy: ${JSON.stringify(result.errors).slice(0, 500)}`);
  }
  return result.policy;
}

const results = [];
const record = (name, api, items, timing, extra = {}) => {
  results.push({ case: name, api, items, ...timing, perItemNs: timing.medianNs / items, ...extra });
  process.stderr.write(`${name} [${api}]: ${(timing.medianNs / 1000).toFixed(1)} µs median (${timing.iterations} calls)\n`);
};

const policies = new Map();
const policyFor = (rules) => {
  if (!policies.has(rules)) policies.set(rules, compiled(rules));
  return policies.get(rules);
};

for (const c of manifest.cases) {
  if (quick && !c.quick) continue;
  if (only && c.op !== only) continue;
  if (c.op === "compile") {
    const source = sources.get(c.policy);
    record(c.name, "compile(source)", 1, measure(() => {
      const r = procura.compile(source, null);
      if (r.type !== "success") throw new Error("compile failed");
      r.policy.free();
    }));
    record(`${c.name}+directory`, "compile(source, directory)", 1, measure(() => {
      const r = procura.compile(source, directory);
      if (r.type !== "success") throw new Error("compile failed");
      r.policy.free();
    }));
    continue;
  }
  const policy = policyFor(c.policy);
  const requestText = text(c.request);
  const request = JSON.parse(requestText);
  switch (c.op) {
    case "evaluate":
      success(policy.evaluate(request), c.name);
      record(c.name, "evaluate(object)", c.items, measure(() => policy.evaluate(request)));
      success(policy.evaluateJson(requestText), c.name);
      record(c.name, "evaluateJson(text)", c.items, measure(() => policy.evaluateJson(requestText)));
      break;
    case "badges":
      success(policy.badges(request), c.name);
      record(c.name, "badges(object)", c.items, measure(() => policy.badges(request)));
      record(c.name, "badgesJson(text)", c.items, measure(() => policy.badgesJson(requestText)));
      break;
    case "authorize": {
      for (const r of request) success(policy.authorize(r), c.name);
      record(c.name, "authorize(object)", c.items, measure(() => {
        for (const r of request) policy.authorize(r);
      }));
      const texts = request.map((r) => JSON.stringify(r));
      record(c.name, "authorizeJson(text)", c.items, measure(() => {
        for (const t of texts) policy.authorizeJson(t);
      }));
      break;
    }
    case "progress":
      if (typeof policy.progress === "function") {
        success(policy.progress(request), c.name);
        record(c.name, "progress(object)", c.items, measure(() => policy.progress(request)));
      } else {
        results.push({ case: c.name, api: "progress", skipped: "the npm package has no progress()" });
        process.stderr.write(`${c.name}: skipped, the npm package has no progress()\n`);
      }
      break;
    default:
      throw new Error(`unknown op ${c.op}`);
  }
}
for (const policy of policies.values()) policy.free();

const report = {
  runtime: "node",
  node: process.version,
  package: pkg,
  quick,
  results,
};
const json = JSON.stringify(report, null, 2);
if (out) writeFileSync(out, json + "\n");
else process.stdout.write(json + "\n");

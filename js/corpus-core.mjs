// Replays one entry of the native answers (tests/native_answers.rs) through the npm
// package and returns the answer as JSON text. Runtime-neutral: js/corpus.mjs runs it in
// Node against pkg/node, js/corpus-page.html in Chromium against pkg/web.
//
// `procura` is the package's module; `entry` is {name, kind, source, directory, request,
// raw} with the directory and request as the JSON text the native engine was given.
// Requests go through the object API (`evaluate(object)`, the answer object then
// `JSON.stringify`-ed) and through the text API (`evaluateJson(text)`), which must agree.
// A raw request (may not be JSON) and a request whose JS object does not serialise back
// to the same text (e.g. `1.0`, which JS reads as `1`) go through the text API only.
const METHODS = {
  checkout: "evaluate",
  authorize: "authorize",
  badges: "badges",
  progress: "progress",
  invoiceRun: "invoiceRun",
};
const NOT_BUILT = "not in this build (scripts/build-pkg.sh --back-office has it)";
const isObject = (v) => v !== null && typeof v === "object" && !Array.isArray(v);

export function replay(procura, entry) {
  const directory = entry.directory === null ? undefined : JSON.parse(entry.directory);
  const compiled = procura.compile(entry.source, directory);
  if (compiled.type !== "success") return { answer: JSON.stringify(compiled), via: "object" };
  const { policy, warnings } = compiled;
  try {
    if (entry.kind === "compile") {
      if (typeof policy.runTests !== "function") return { skipped: NOT_BUILT };
      const answer = { type: "success", policy: { name: policy.name, hash: policy.hash }, warnings, tests: policy.runTests() };
      return { answer: JSON.stringify(answer), via: "object" };
    }
    if (entry.kind === "reportCsv") return reportCsv(procura, policy, entry);
    const method = METHODS[entry.kind];
    if (!method) throw new Error(`unknown kind ${entry.kind}`);
    if (typeof policy[method] !== "function") return { skipped: NOT_BUILT };
    const viaText = policy[`${method}Json`](entry.request);
    const artifact = viaArtifact(procura, policy, directory, method, entry.request, viaText);
    if (artifact.problem) return { answer: viaText, via: "text", artifact: true, problem: artifact.problem };
    if (entry.raw) return { answer: viaText, via: "text", artifact: artifact.compared };
    const request = JSON.parse(entry.request);
    if (JSON.stringify(request) !== entry.request) return { answer: viaText, via: "text", artifact: artifact.compared };
    const viaObject = JSON.stringify(policy[method](request));
    if (viaObject !== viaText) {
      return { answer: viaObject, via: "object", problem: `the text API answered differently:\n      text:   ${viaText}` };
    }
    return { answer: viaObject, via: "object", artifact: artifact.compared };
  } finally {
    policy.free();
  }
}

// The same question to the policy's artifact (`policy.artifact()`, then `load`), where the
// build has both (the back-office build): it must answer with the same bytes as the policy
// compiled from source.
function viaArtifact(procura, policy, directory, method, request, viaText) {
  if (typeof policy.artifact !== "function" || typeof procura.load !== "function") return { compared: false };
  const loaded = procura.load(policy.artifact(), directory);
  if (loaded.type !== "success") return { problem: `the policy's artifact does not load: ${JSON.stringify(loaded)}` };
  try {
    const answer = loaded.policy[`${method}Json`](request);
    if (answer !== viaText) return { problem: `the loaded artifact answered differently:\n      artifact: ${answer}` };
    return { compared: true };
  } finally {
    loaded.policy.free();
  }
}

// A `reportCsv` case: the invoice run `request.run`, then `reportCsv(run, request.report)`.
// Requests the corpus harness itself refuses (not an object, unknown keys, no `run`) are
// harness logic, not the engine's: skipped.
function reportCsv(procura, policy, entry) {
  if (typeof procura.reportCsv !== "function") return { skipped: NOT_BUILT };
  const request = entry.raw ? undefined : JSON.parse(entry.request);
  if (!isObject(request) || !("run" in request) || Object.keys(request).some((k) => k !== "run" && k !== "report")) {
    return { skipped: "a reportCsv request the corpus harness refuses" };
  }
  const run = policy.invoiceRun(request.run);
  if (run.type !== "success") return { answer: JSON.stringify(run), via: "object" };
  return { answer: JSON.stringify(procura.reportCsv(run.result, request.report)), via: "object" };
}

// Compares replayed answers with the native ones; prints failures and a summary line.
export function report(runtime, entries, results) {
  let failed = 0;
  let skipped = 0;
  const reasons = new Map();
  const via = { object: 0, text: 0 };
  let artifacts = 0;
  entries.forEach((entry, i) => {
    const result = results[i];
    if (result.skipped) {
      skipped += 1;
      reasons.set(result.skipped, (reasons.get(result.skipped) ?? 0) + 1);
      return;
    }
    via[result.via] = (via[result.via] ?? 0) + 1;
    if (result.artifact) artifacts += 1;
    const problem =
      result.error ??
      result.problem ??
      (result.answer === entry.answer ? null : `differs from native\n      native: ${entry.answer}\n      ${runtime}: ${result.answer}`);
    if (problem) {
      failed += 1;
      console.log(`  ✗ ${entry.name}: ${problem}`);
    }
  });
  for (const [reason, n] of reasons) console.log(`${runtime}: ${n} skipped: ${reason}`);
  console.log(
    `${runtime}: ${entries.length - skipped} answers compared byte for byte with native ` +
      `(${via.object} through JS objects, ${via.text} through JSON text only); ` +
      `${artifacts} of them also from the policy's artifact, loaded`,
  );
  console.log(`${runtime}: ${entries.length - failed - skipped} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
  return failed === 0;
}

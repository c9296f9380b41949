// The playground's engine Web Worker: loads the back-office build of the engine
// (engine/back-office, `scripts/build-pkg.sh --back-office`) once and answers the page's
// messages, so that typing in the editor never waits for an evaluation.
//
// Message in:  {id, op, args}; message out: {id, result} (every result is plain data).
// A compiled policy is kept between messages and reused while its source and directory
// stay the same.
import init, * as engine from "procura-engine/back-office/procura.js";
import wasmUrl from "procura-engine/back-office/procura_bg.wasm?url";

const ready = init({ module_or_path: wasmUrl });

/** The last compiled policy: {key, answer}, where answer is compile()'s result. */
let cached = null;

function failure(code, message) {
  return { type: "failure", errors: [{ code, message }] };
}

/** compile(source, directory), reusing the last policy when nothing changed. */
function compiled(source, directory) {
  const key = JSON.stringify([source, directory ?? null]);
  if (cached && cached.key === key) return cached.answer;
  if (cached && cached.answer.type === "success") cached.answer.policy.free();
  const answer = engine.compile(source, directory ?? undefined);
  cached = { key, answer };
  return answer;
}

/** The last compiled baseline of the Impact tab, kept apart from the draft's. */
let baseline = null;

function compiledBaseline(source, directory) {
  const key = JSON.stringify([source, directory ?? null]);
  if (baseline && baseline.key === key) return baseline.answer;
  if (baseline && baseline.answer.type === "success") baseline.answer.policy.free();
  const answer = engine.compile(source, directory ?? undefined);
  baseline = { key, answer };
  return answer;
}

/** `sha256:<hex>` of bytes (WebCrypto), as `procura build` prints an artifact's hash. */
async function sha256(bytes) {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return `sha256:${[...digest].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
}

/** The titles people read instead of ids (groups, rules, budgets), from the policy's outline. */
function titlesOf(answer) {
  if (answer.type !== "success" || typeof answer.policy.outline !== "function") return null;
  const outline = answer.policy.outline();
  const pairs = (items) => items.map((item) => [item.id, item.title]);
  return {
    group: pairs(outline.groups),
    rule: pairs(outline.rules.filter((r) => r.kind !== "budget")),
    budget: pairs(outline.rules.filter((r) => r.kind === "budget")),
  };
}

/** Runs `ask(policy)` on the compiled policy, or answers the compile failure. */
function withPolicy({ source, directory }, ask) {
  const answer = compiled(source, directory);
  if (answer.type !== "success") return answer;
  return ask(answer.policy);
}

/** A method the engine build may lack: a structured failure instead of a crash. */
function method(policy, name) {
  if (typeof policy[name] !== "function") {
    return () => failure("UNAVAILABLE", `this engine build has no Policy.${name}()`);
  }
  return (...args) => policy[name](...args);
}

/** A top-level function of the engine that older builds may lack, or undefined. */
function exported(name) {
  return Reflect.get(engine, name);
}

/** The compile answer as plain data: what the page shows about the policy. */
function summary(answer) {
  if (answer.type !== "success") return { type: "failure", errors: answer.errors };
  return {
    type: "success",
    name: answer.policy.name,
    hash: answer.policy.hash,
    warnings: answer.warnings,
  };
}

/** The custom fields the policy declares (`policy.fields()`), or [] when the build has none. */
function declaredFields(policy) {
  return typeof policy.fields === "function" ? policy.fields() : [];
}

/** A request sent as a parsed value, or as text (a large document, parsed here). */
function requestOf(args) {
  return typeof args.requestText === "string" ? JSON.parse(args.requestText) : args.request;
}

const handlers = {
  version: () => engine.version(),
  /** A large JSON document, parsed and validated here rather than in the page. */
  // (The validators are loaded on first use: the checkout page never needs them.)
  async validate({ schema, text }) {
    const { checkJson } = await import("./json-validate.js");
    const checked = checkJson(text, schema);
    delete checked.value; // the page does not need the value back
    return checked;
  },
  check: ({ source }) => engine.check(source),
  format: ({ source }) => engine.format(source),
  /** Everything the playground shows after an edit: diagnostics, compile, decision. */
  analyze(args) {
    const diagnostics = engine.check(args.source);
    const answer = compiled(args.source, args.directory);
    const fields = answer.type === "success" ? declaredFields(answer.policy) : null;
    let decision = null;
    if (answer.type === "success" && (args.request !== undefined || args.requestText !== undefined)) {
      let request;
      try {
        request = requestOf(args);
      } catch (error) {
        return { diagnostics, compile: summary(answer), decision: failure("E0101", String(error.message)), fields, titles: titlesOf(answer) };
      }
      decision = answer.policy.evaluate(request);
    }
    return { diagnostics, compile: summary(answer), decision, fields, titles: titlesOf(answer) };
  },
  /** The custom fields the policy declares, for a form. */
  fields: (args) => withPolicy(args, (p) => ({ type: "success", result: declaredFields(p) })),
  evaluate: (args) => withPolicy(args, (p) => p.evaluate(args.request)),
  badges: (args) => withPolicy(args, (p) => p.badges(args.request)),
  authorize: (args) => withPolicy(args, (p) => p.authorize(args.request)),
  tests: (args) => withPolicy(args, (p) => ({ type: "success", result: p.runTests() })),
  progress: (args) => withPolicy(args, (p) => method(p, "progress")(args.request)),
  /** The workflow state after each prefix of the events, in the order they apply. */
  replay: (args) =>
    withPolicy(args, (p) => {
      const progress = method(p, "progress");
      const full = progress(args.request);
      if (full.type !== "success") return full;
      const { events } = args.request;
      const applied = full.result.steps.map((s) => s.event);
      const states = [];
      for (let k = 0; k <= applied.length; k++) {
        if (k === applied.length) {
          states.push(full.result);
          break;
        }
        const prefix = applied.slice(0, k).map((i) => events[i]);
        // The state right after the k-th event: computed at that event's time.
        const now = k === 0 ? args.request.submittedAt : events[applied[k - 1]].at;
        const state = progress({ ...args.request, events: prefix, now });
        states.push(state.type === "success" ? state.result : null);
      }
      return { type: "success", result: { full: full.result, states } };
    }),
  /** The draft as an artifact (`policy.artifact()`), with its SHA-256 and the policy's hash. */
  async artifact(args) {
    const answer = compiled(args.source, args.directory);
    if (answer.type !== "success") return answer;
    const make = method(answer.policy, "artifact");
    const bytes = make();
    if (!(bytes instanceof Uint8Array)) return bytes;
    return { type: "success", result: { name: answer.policy.name, hash: answer.policy.hash, artifactHash: await sha256(bytes), bytes } };
  },
  /** What the draft changes against the baseline over `requests` (`impact`). */
  impact({ baseSource, source, directory, requests }) {
    const impact = exported("impact");
    if (typeof impact !== "function") return failure("UNAVAILABLE", "this engine build has no impact()");
    const base = compiledBaseline(baseSource, directory);
    if (base.type !== "success") return { type: "failure", side: "base", errors: base.errors };
    const draft = compiled(source, directory);
    if (draft.type !== "success") return { type: "failure", side: "draft", errors: draft.errors };
    return impact(base.policy, draft.policy, requests);
  },
  invoiceRun: (args) => withPolicy(args, (p) => method(p, "invoiceRun")(args.request)),
  reportCsv({ run, definition }) {
    const reportCsv = exported("reportCsv");
    if (typeof reportCsv !== "function") return failure("UNAVAILABLE", "this engine build has no reportCsv()");
    return reportCsv(run, definition);
  },
};

self.onmessage = async (event) => {
  const { id, op, args } = event.data;
  let result;
  try {
    await ready;
    const handler = handlers[op];
    result = handler ? await handler(args ?? {}) : failure("UNKNOWN_OP", `unknown operation ${op}`);
  } catch (error) {
    // The engine never throws for bad input; this is a bug or a failed load.
    result = failure("INTERNAL", String(error && error.message ? error.message : error));
  }
  self.postMessage({ id, result });
};

// The checkout demo's engine worker: the runtime build of the engine (scripts/build-pkg.sh
// with no flag: `load` of an artifact of `procura build`, the evaluator, no parser, checker
// or formatter). The page fetches the artifact and checks its SHA-256; `load` hands the
// bytes over and keeps the loaded policy for every later request.
//
// Message in:  {id, op, args}; message out: {id, result} (every result is plain data).
import init, * as engine from "procura-engine/runtime/procura.js";
import wasmUrl from "procura-engine/runtime/procura_bg.wasm?url";

const ready = init({ module_or_path: wasmUrl });

/** The loaded policy, or null before `load` succeeded. */
let policy = null;

function failure(code, message) {
  return { type: "failure", errors: [{ code, message }] };
}

function withPolicy(ask) {
  return policy ? ask(policy) : failure("NOT_LOADED", "no policy is loaded");
}

const handlers = {
  version: () => engine.version(),
  /** Loads an artifact: {bytes, directory} → what the page shows about the policy. */
  load({ bytes, directory }) {
    const answer = engine.load(new Uint8Array(bytes), directory ?? undefined);
    if (answer.type !== "success") return { type: "failure", errors: answer.errors };
    policy?.free();
    policy = answer.policy;
    return {
      type: "success",
      name: policy.name,
      hash: policy.hash,
      warnings: answer.warnings,
      outline: policy.outline(),
      fields: policy.fields(),
    };
  },
  evaluate: ({ request }) => withPolicy((p) => p.evaluate(request)),
  badges: ({ request }) => withPolicy((p) => p.badges(request)),
  authorize: ({ request }) => withPolicy((p) => p.authorize(request)),
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

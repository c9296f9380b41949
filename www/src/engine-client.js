// The page's side of the engine worker: `engine.call(op, args)` returns a promise of the
// worker's answer.
export function createEngine() {
  const worker = new Worker(new URL("./worker.js", import.meta.url), { type: "module" });
  let next = 0;
  const pending = new Map();
  worker.onmessage = (event) => {
    const { id, result } = event.data;
    const resolve = pending.get(id);
    pending.delete(id);
    if (resolve) resolve(result);
  };
  worker.onerror = (event) => {
    const result = { type: "failure", errors: [{ code: "WORKER", message: event.message || "the engine worker failed to start" }] };
    for (const resolve of pending.values()) resolve(result);
    pending.clear();
  };
  return {
    call(op, args) {
      const id = ++next;
      return new Promise((resolve) => {
        pending.set(id, resolve);
        worker.postMessage({ id, op, args });
      });
    },
  };
}

/** Calls that supersede each other: only the answer to the latest call is delivered. */
export function latest(engine) {
  let seq = 0;
  return async (op, args) => {
    const mine = ++seq;
    const result = await engine.call(op, args);
    return mine === seq ? result : undefined;
  };
}

// The page's side of an engine worker: `connect(worker).call(op, args, transfer?)` returns a
// promise of the worker's answer. Each page makes its own worker in its own module, so that
// neither page's bundle (nor its service worker's precache) reaches the other's engine: the
// playground's (playground.js: worker.js, the back-office build: compile, check, format,
// artifact, impact…) and the checkout demo's (checkout.js: runtime-worker.js, the runtime
// alone, which loads a built artifact).
export function connect(worker) {
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
    call(op, args, transfer = []) {
      const id = ++next;
      return new Promise((resolve) => {
        pending.set(id, resolve);
        worker.postMessage({ id, op, args }, transfer);
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

// A host for Procura's zero-import core module (pkg/core/procura.wasm) on Node's own
// WebAssembly: no dependencies, no wasm-bindgen glue. The ABI is docs/abi.md.

import { readFile } from "node:fs/promises";

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

export const ABI_VERSION = 2;

export class ProcuraCore {
  /** Loads and instantiates the module at `path` (a file path or URL). */
  static async load(path) {
    const bytes = await readFile(path);
    const { instance } = await WebAssembly.instantiate(bytes, {}); // it imports nothing
    return new ProcuraCore(instance);
  }

  constructor(instance) {
    this.exports = instance.exports;
    const version = this.exports.procura_abi_version();
    if (version !== ABI_VERSION) {
      throw new Error(`the module speaks ABI ${version}; this host speaks ${ABI_VERSION}`);
    }
  }

  /** Copies `text` into a module buffer: [ptr, len]; free it with #free. */
  #put(text) {
    const bytes = encoder.encode(text);
    const ptr = this.exports.procura_alloc(bytes.length) >>> 0;
    if (ptr === 0) throw new Error("the module is out of memory");
    // A fresh view: any call may have grown (and so detached) the memory.
    new Uint8Array(this.exports.memory.buffer, ptr, bytes.length).set(bytes);
    return [ptr, bytes.length];
  }

  #free([ptr, len]) {
    this.exports.procura_free(ptr, len);
  }

  /** Reads and frees a packed (ptr << 32) | len result. */
  #take(packed) {
    const bits = BigInt.asUintN(64, packed);
    const ptr = Number(bits >> 32n);
    const len = Number(bits & 0xffffffffn);
    const text = decoder.decode(new Uint8Array(this.exports.memory.buffer, ptr, len));
    this.exports.procura_free(ptr, len);
    return text;
  }

  /** The engine's version, e.g. "0.1.0". */
  engineVersion() {
    return this.#take(this.exports.procura_engine_version());
  }

  /**
   * Compiles a policy (source text) with a directory (JSON text, or null): the compile
   * answer JSON text, `{"type":"success","result":{"handle":…,"policy":…,"warnings":[…]}}`
   * or a failure listing every error.
   */
  compileJson(source, directory) {
    const src = this.#put(source);
    const dir = directory == null ? [0, 0] : this.#put(directory);
    try {
      return this.#take(this.exports.procura_compile(src[0], src[1], dir[0], dir[1]));
    } finally {
      this.#free(src);
      if (dir[0] !== 0) this.#free(dir);
    }
  }

  /** Compiles a policy: `{ handle, policy, warnings }`, or throws with the errors. */
  compile(source, directory) {
    const answer = JSON.parse(this.compileJson(source, directory));
    if (answer.type !== "success") {
      const error = new Error(`the policy does not compile: ${JSON.stringify(answer.errors)}`);
      error.errors = answer.errors;
      throw error;
    }
    return answer.result;
  }

  #ask(exportName, handle, request) {
    const req = this.#put(request);
    try {
      return this.#take(this.exports[exportName](handle, req[0], req[1]));
    } finally {
      this.#free(req);
    }
  }

  /** A checkout decision: the answer JSON text, byte for byte the native engine's. */
  evaluate(handle, request) {
    return this.#ask("procura_evaluate", handle, request);
  }

  authorize(handle, request) {
    return this.#ask("procura_authorize", handle, request);
  }

  badges(handle, request) {
    return this.#ask("procura_badges", handle, request);
  }

  progress(handle, request) {
    return this.#ask("procura_progress", handle, request);
  }

  /**
   * Lets requests to the policy of `handle` carry the user inline (`buyerProfile`,
   * `userProfile`); refused with E0515 unless set. Only for profiles this backend built
   * itself, never ones a browser sent. Whether the handle named a policy.
   */
  trustInlineProfiles(handle, trust = true) {
    return this.exports.procura_set_trust_inline_profiles(handle, trust ? 1 : 0) === 1;
  }

  /** Frees a compiled policy: whether the handle named one. */
  release(handle) {
    return this.exports.procura_release(handle) === 1;
  }
}

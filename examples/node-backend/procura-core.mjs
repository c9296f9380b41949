// A host for Procura's zero-import core module (pkg/core/procura.wasm, or the runtime-only
// pkg/core/procura-runtime.wasm, which loads artifacts only) on Node's own WebAssembly: no
// dependencies, no wasm-bindgen glue. The ABI is docs/abi.md.
//
// Every buffer the host allocates is freed on every path: after the call, when reading the
// answer fails, when writing the input throws. A trap (`WebAssembly.RuntimeError`: the
// module ran out of memory, or a bug) kills the instance: the call answers the coded
// failure E0504, the instance is dropped, and the next call makes a new one, compiling the
// policies of this host into it again (compiling source, loading artifacts). Handles are this class's own, so they stay valid
// across such a restart.

import { readFile } from "node:fs/promises";

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

export const ABI_VERSION = 4;

/** The code of the failure answered when the module trapped or broke the ABI. */
export const ENGINE_FAILED = "E0504";

/** The failure answer JSON text for one coded error, in the engine's shape. */
export function failureJson(code, message, help) {
  const error = help === undefined ? { code, message } : { code, message, help };
  return JSON.stringify({ type: "failure", errors: [error] });
}

/** The first bytes of every policy artifact (`procura build`, docs/artifacts.md). */
export const ARTIFACT_MAGIC = Uint8Array.of(0x89, 0x50, 0x43, 0x59, 0x0d, 0x0a, 0x1a, 0x0a);

/** Whether `bytes` (a Uint8Array; text never is) start like a policy artifact. */
export function isArtifact(bytes) {
  return (
    bytes instanceof Uint8Array &&
    bytes.length >= ARTIFACT_MAGIC.length &&
    ARTIFACT_MAGIC.every((byte, i) => bytes[i] === byte)
  );
}

/** Thrown inside a call when the module broke the ABI; answered as E0504. */
class AbiError extends Error {}

export class ProcuraCore {
  #module;
  #instance = null; // null: dropped after a trap, made again on next use
  #policies = new Map(); // handle -> { entry, source, directory, trusted, inner }
  #nextHandle = 1;

  /** Loads and compiles the module at `path` (a file path or URL), and instantiates it. */
  static async load(path) {
    const module = await WebAssembly.compile(await readFile(path));
    return new ProcuraCore(module);
  }

  /**
   * `module`: the compiled `WebAssembly.Module`; `instance`: a first instance of it (made
   * here when not given). Later instances, after a trap, are made from `module`.
   */
  constructor(module, instance = undefined) {
    this.#module = module;
    this.#instance = instance ?? this.#instantiate();
    const version = this.#instance.exports.procura_abi_version();
    if (version !== ABI_VERSION) {
      throw new Error(`the module speaks ABI ${version}; this host speaks ${ABI_VERSION}`);
    }
  }

  #instantiate() {
    return new WebAssembly.Instance(this.#module, {}); // it imports nothing
  }

  /**
   * The live instance's raw exports (made again if a trap dropped it), for calling the ABI
   * directly, e.g. in tests. Handles there are the module's own, not this class's.
   */
  get exports() {
    return this.#live().exports;
  }

  /** Whether the current instance was dropped after a trap (a new one comes on next use). */
  get isDropped() {
    return this.#instance === null;
  }

  /** The live instance: after a trap, a new one with every policy compiled in again. */
  #live() {
    if (this.#instance !== null) return this.#instance;
    const instance = this.#instantiate();
    this.#instance = instance;
    for (const policy of this.#policies.values()) {
      policy.inner = null;
      const answer = JSON.parse(
        this.#storeIn(instance.exports, policy.entry, policy.source, policy.directory),
      );
      if (answer.type !== "success") continue; // compiled before: cannot happen
      policy.inner = answer.result.handle;
      if (policy.trusted) instance.exports.procura_set_trust_inline_profiles(policy.inner, 1);
    }
    return instance;
  }

  /**
   * Runs `work(exports)` on the live instance. A trap drops the instance and answers E0504;
   * an ABI break (a result that is not UTF-8, a bad buffer) drops it as well.
   */
  #guard(work) {
    const instance = this.#live();
    try {
      return work(instance.exports);
    } catch (error) {
      if (error instanceof WebAssembly.RuntimeError || error instanceof AbiError) {
        this.#instance = null;
        return failureJson(
          ENGINE_FAILED,
          `the engine trapped or broke the ABI: ${error.message}`,
          "the instance was dropped; the next call makes a new one",
        );
      }
      throw error;
    }
  }

  /**
   * Copies `input` (text, or bytes as a Uint8Array) into a module buffer, runs
   * `use([ptr, len])`, and frees the buffer on every path but a trap (the instance is then
   * dropped whole).
   */
  #withInput(exports, input, use) {
    const bytes = typeof input === "string" ? encoder.encode(input) : input;
    const ptr = exports.procura_alloc(bytes.length) >>> 0; // an unsigned pointer
    if (ptr === 0) throw new WebAssembly.RuntimeError("the module is out of memory");
    let trapped = false;
    try {
      try {
        // A fresh view: any call may have grown (and so detached) the memory.
        new Uint8Array(exports.memory.buffer, ptr, bytes.length).set(bytes);
      } catch (error) {
        throw new AbiError(`procura_alloc gave a buffer outside memory: ${error.message}`);
      }
      return use([ptr, bytes.length]);
    } catch (error) {
      trapped = error instanceof WebAssembly.RuntimeError;
      throw error;
    } finally {
      if (!trapped) exports.procura_free(ptr, bytes.length);
    }
  }

  /** Reads and frees a packed (ptr << 32) | len result, also when decoding fails. */
  #take(exports, packed) {
    const bits = BigInt.asUintN(64, packed);
    if (bits === 0n) throw new AbiError("the module handed over no result");
    const ptr = Number(bits >> 32n);
    const len = Number(bits & 0xffffffffn);
    try {
      return decoder.decode(new Uint8Array(exports.memory.buffer, ptr, len));
    } catch (error) {
      throw new AbiError(`a result is not readable UTF-8: ${error.message}`);
    } finally {
      exports.procura_free(ptr, len);
    }
  }

  /**
   * `entry` (`procura_compile` for source, `procura_load` for an artifact) on `exports`: its
   * answer JSON text, inputs freed.
   */
  #storeIn(exports, entry, policy, directory) {
    return this.#withInput(exports, policy, ([pp, pl]) => {
      if (directory == null) return this.#take(exports, exports[entry](pp, pl, 0, 0));
      return this.#withInput(exports, directory, ([dp, dl]) =>
        this.#take(exports, exports[entry](pp, pl, dp, dl)),
      );
    });
  }

  /** Stores a policy through `entry`: the answer JSON text with this host's handle. */
  #storeJson(entry, policy, directory) {
    return this.#guard((exports) => {
      if (typeof exports[entry] !== "function") {
        return failureJson(
          ENGINE_FAILED,
          `this module has no \`${entry}\`: the runtime-only module loads artifacts only`,
          "build the policy with `procura build` and load it, or use pkg/core/procura.wasm",
        );
      }
      const text = this.#storeIn(exports, entry, policy, directory);
      const answer = JSON.parse(text);
      if (answer.type !== "success") return text;
      const handle = this.#nextHandle++;
      this.#policies.set(handle, {
        entry,
        source: policy,
        directory,
        trusted: false,
        inner: answer.result.handle,
      });
      answer.result.handle = handle;
      return JSON.stringify(answer);
    });
  }

  /** The engine's version, e.g. "0.1.0". */
  engineVersion() {
    const exports = this.#live().exports;
    return this.#take(exports, exports.procura_engine_version());
  }

  /**
   * Compiles a policy (source text, or bytes) with a directory (JSON text, or null): the
   * compile answer JSON text, `{"type":"success","result":{"handle":…,"policy":…,
   * "warnings":[…]}}` (the handle is this host's) or a failure listing every error.
   */
  compileJson(source, directory) {
    return this.#storeJson("procura_compile", source, directory);
  }

  /** Compiles a policy: `{ handle, policy, warnings }`, or throws with the errors. */
  compile(source, directory) {
    return this.#result(this.compileJson(source, directory), "the policy does not compile");
  }

  /**
   * Loads a policy artifact (bytes from `procura build`) with a directory (JSON text, or
   * null): the same answer as `compileJson` (no warnings), or a failure coded E0701–E0703
   * for bytes that are not a whole, intact artifact of this engine's format.
   */
  loadJson(artifact, directory) {
    return this.#storeJson("procura_load", artifact, directory);
  }

  /** Loads a policy artifact: `{ handle, policy, warnings }`, or throws with the errors. */
  load(artifact, directory) {
    return this.#result(this.loadJson(artifact, directory), "the artifact does not load");
  }

  /**
   * A policy file's bytes, artifact (by its magic) or source: `load` or `compile`, with the
   * same result.
   */
  open(policy, directory) {
    return isArtifact(policy)
      ? this.load(policy, directory)
      : this.compile(decoder.decode(policy), directory);
  }

  #result(text, what) {
    const answer = JSON.parse(text);
    if (answer.type !== "success") {
      const error = new Error(`${what}: ${JSON.stringify(answer.errors)}`);
      error.errors = answer.errors;
      throw error;
    }
    return answer.result;
  }

  #ask(exportName, handle, request) {
    const policy = this.#policies.get(handle);
    if (policy === undefined) {
      return failureJson(
        "E0502",
        `no compiled policy has the handle ${handle}`,
        "compile the policy first; handles die with `procura_release`",
      );
    }
    return this.#guard((exports) => {
      if (policy.inner === null) throw new AbiError("the policy no longer compiles or loads");
      return this.#withInput(exports, request, ([ptr, len]) =>
        this.#take(exports, exports[exportName](policy.inner, ptr, len)),
      );
    });
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

  /** An invoice run (`InvoiceRunRequest` JSON): the `InvoiceRun` answer JSON text. */
  invoiceRun(handle, request) {
    return this.#ask("procura_invoice_run", handle, request);
  }

  /**
   * An invoice run's CSV report: `{"run": <InvoiceRunRequest>, "report": <ReportDefinition
   * or null>}` in, `{"type":"success","result":"<csv text>"}` or a failure out.
   */
  reportCsv(handle, request) {
    return this.#ask("procura_report_csv", handle, request);
  }

  /**
   * Lets requests to the policy of `handle` carry the user inline (`buyerProfile`,
   * `userProfile`); refused with E0515 unless set. Only for profiles this backend built
   * itself, never ones a browser sent. Whether the handle named a policy.
   */
  trustInlineProfiles(handle, trust = true) {
    const policy = this.#policies.get(handle);
    if (policy === undefined) return false;
    policy.trusted = trust;
    const exports = this.#live().exports;
    if (policy.inner !== null) exports.procura_set_trust_inline_profiles(policy.inner, trust ? 1 : 0);
    return true;
  }

  /** Frees a compiled policy: whether the handle named one. */
  release(handle) {
    const policy = this.#policies.get(handle);
    if (policy === undefined) return false;
    this.#policies.delete(handle);
    const exports = this.#live().exports;
    if (policy.inner !== null) exports.procura_release(policy.inner);
    return true;
  }
}

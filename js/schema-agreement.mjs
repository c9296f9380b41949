// The JSON Schemas in schema/ and the engine must agree on what is a well-formed request:
// a document the schema accepts never gets E0101 (malformed) from the engine, and one it
// refuses always does. Replays every request of the conformance corpus, then mutations of
// each (fixed seed): objects written as arrays, repeated keys, amounts of 29 digits, whole
// numbers written `2.0` / `1e0`, fractions and out-of-range quantities, lone surrogates,
// wrong types, missing and unknown keys. A document that is not I-JSON (RFC 7493: no
// repeated keys, valid Unicode) is refused on the schema side too: JSON Schema validates a
// parsed value and cannot see either.
// Usage: node js/schema-agreement.mjs   (after scripts/build-pkg.sh --back-office and `cargo test --test native_answers`)
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import Ajv2020 from "ajv/dist/2020.js";
import { nativeAnswers, root } from "./native.mjs";

const procura = createRequire(import.meta.url)(`${root}/pkg/node`);
const SCHEMAS = {
  checkout: "checkout-request",
  authorize: "authorize-request",
  badges: "badge-request",
  progress: "progress-request",
};
const METHODS = { checkout: "evaluateJson", authorize: "authorizeJson", badges: "badgesJson", progress: "progressJson" };

const ajv = new Ajv2020({ allErrors: false, strict: false, unicodeRegExp: false });
const validators = Object.fromEntries(
  Object.entries(SCHEMAS).map(([kind, name]) => [
    kind,
    ajv.compile(JSON.parse(readFileSync(join(root, "schema", `${name}.schema.json`), "utf8"))),
  ]),
);

// ─── I-JSON: a small parser that refuses repeated keys; lone surrogates by isWellFormed ───

function repeatsAKey(text) {
  let i = 0;
  const ws = () => {
    while (i < text.length && " \t\n\r".includes(text[i])) i++;
  };
  const string = () => {
    const start = i;
    i++;
    while (text[i] !== '"') i += text[i] === "\\" ? 2 : 1;
    i++;
    return JSON.parse(text.slice(start, i));
  };
  const value = () => {
    ws();
    if (text[i] === "{") {
      i++;
      const keys = new Set();
      ws();
      if (text[i] === "}") return void i++;
      for (;;) {
        ws();
        const key = string();
        if (keys.has(key)) throw new Error("repeated key");
        keys.add(key);
        ws();
        i++; // :
        value();
        ws();
        if (text[i++] === "}") return;
      }
    }
    if (text[i] === "[") {
      i++;
      ws();
      if (text[i] === "]") return void i++;
      for (;;) {
        value();
        ws();
        if (text[i++] === "]") return;
      }
    }
    if (text[i] === '"') return void string();
    while (i < text.length && !",]} \t\n\r".includes(text[i])) i++;
  };
  try {
    value();
    return false;
  } catch (error) {
    return error.message === "repeated key";
  }
}

function wellFormed(value) {
  if (typeof value === "string") return value.isWellFormed();
  if (Array.isArray(value)) return value.every(wellFormed);
  if (value !== null && typeof value === "object") {
    return Object.entries(value).every(([k, v]) => k.isWellFormed() && wellFormed(v));
  }
  return true;
}

/** The schema side's verdict on a document: `valid`, or why not. */
function schemaVerdict(kind, text) {
  let value;
  try {
    value = JSON.parse(text);
  } catch {
    return "not JSON";
  }
  if (repeatsAKey(text)) return "repeated key";
  if (!wellFormed(value)) return "lone surrogate";
  return validators[kind](value) ? "valid" : `schema: ${ajv.errorsText(validators[kind].errors)}`;
}

/** The engine's verdict: `valid` unless it answers E0101 (or E0102) for the document. */
function engineVerdict(policy, kind, text) {
  const answer = JSON.parse(policy[METHODS[kind]](text));
  const malformed = answer.type === "failure" && answer.errors.find((e) => e.code === "E0101" || e.code === "E0102");
  return malformed ? `${malformed.code} at \`${malformed.path}\`: ${malformed.message}` : "valid";
}

// ─── mutations, from a fixed seed ───────────────────────────────────────────────────

let seed = 20261128;
const random = (n) => {
  seed = (Math.imul(seed ^ (seed >>> 15), 2246822507) + 0x9e3779b9) >>> 0;
  return seed % n;
};

/** Every [parent, key] in a parsed document, depth first. */
function places(value, out = [], parent = null, key = null) {
  if (parent !== null) out.push([parent, key]);
  if (Array.isArray(value)) value.forEach((v, i) => places(v, out, value, i));
  else if (value !== null && typeof value === "object") for (const k of Object.keys(value)) places(value[k], out, value, k);
  return out;
}

const isObject = (v) => v !== null && typeof v === "object" && !Array.isArray(v);

function mutations(text) {
  const out = [];
  const fresh = () => JSON.parse(text);
  const pick = (document, test) => {
    const found = places(document).filter(([p, k]) => test(p[k], k));
    return found.length ? found[random(found.length)] : null;
  };
  const mutate = (name, test, change) => {
    const document = fresh();
    const place = pick(document, test);
    if (place) {
      change(place);
      out.push([name, JSON.stringify(document)]);
    }
  };
  mutate("object as array", isObject, ([p, k]) => (p[k] = Object.values(p[k])));
  mutate("amount of 29 digits", (v, k) => typeof v === "string" && /^-?[0-9]+(\.[0-9]+)?$/.test(v) && /price|amount|rate|spent|tax|shipping|subtotal/i.test(k), ([p, k]) => (p[k] = "79228162514264337593543950336"));
  mutate("amount of 30 decimals", (v, k) => k === "unitPrice", ([p, k]) => (p[k] = "0.00000000000000000000000000001"));
  mutate("string as number", (v) => typeof v === "string", ([p, k]) => (p[k] = 7));
  mutate("missing key", isObject, ([p, k]) => {
    const keys = Object.keys(p[k]);
    if (keys.length) delete p[k][keys[random(keys.length)]];
  });
  mutate("unknown key", isObject, ([p, k]) => (p[k].unexpectedKey = "x"));
  mutate("fractional quantity", (v, k) => k === "quantity", ([p, k]) => (p[k] = 1.5));
  mutate("quantity above 2^53", (v, k) => k === "quantity", ([p, k]) => (p[k] = 9007199254740992));
  mutate("negative quantity", (v, k) => k === "quantity", ([p, k]) => (p[k] = -1));
  // Text-level mutations, which JSON.stringify cannot write.
  const quantity = text.match(/"quantity":\s*(\d+)/);
  if (quantity) {
    out.push(["quantity written 2.0", text.replace(quantity[0], `"quantity": ${quantity[1]}.0`)]);
    out.push(["quantity written 1e0", text.replace(quantity[0], `"quantity": ${quantity[1]}e0`)]);
  }
  const key = text.match(/\{\s*("[a-zA-Z]+":\s*("[^"\\]*"|\d+|true|false|null))/);
  if (key) out.push(["repeated key", text.replace(key[0], `{${key[1]}, ${key[1]}`)]);
  const string = text.match(/:\s*"([^"\\]+)"/);
  if (string) out.push(["lone surrogate", text.replace(string[0], `: "${string[1]}\\ud800"`)]);
  return out;
}

// ─── replay ─────────────────────────────────────────────────────────────────────────

const { entries } = nativeAnswers();
let compared = 0;
const disagreements = [];
const kinds = {};
for (const entry of entries) {
  if (!SCHEMAS[entry.kind]) continue;
  const compiled = procura.compile(entry.source, entry.directory === null ? undefined : JSON.parse(entry.directory));
  if (compiled.type !== "success") continue;
  const { policy } = compiled;
  try {
    const documents = [["corpus request", entry.request]];
    if (schemaVerdict(entry.kind, entry.request) === "valid") documents.push(...mutations(entry.request));
    for (const [what, text] of documents) {
      const schema = schemaVerdict(entry.kind, text);
      const engine = engineVerdict(policy, entry.kind, text);
      compared += 1;
      kinds[what] = (kinds[what] ?? 0) + 1;
      if ((schema === "valid") !== (engine === "valid")) {
        disagreements.push(`${entry.name} (${what}):\n    schema: ${schema}\n    engine: ${engine}\n    document: ${text.slice(0, 300)}`);
      }
    }
  } finally {
    policy.free();
  }
}
console.log(`schema agreement: ${compared} documents (${Object.entries(kinds).map(([k, n]) => `${n} ${k}`).join(", ")})`);
for (const d of disagreements.slice(0, 20)) console.log(`  ✗ ${d}`);
console.log(`${compared - disagreements.length} passed, ${disagreements.length} failed`);
process.exit(disagreements.length ? 1 : 0);

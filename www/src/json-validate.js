// JSON validation against the schemas of ../schema (ajv validators compiled at build time by
// vite.config.js), with no DOM and no editor: used by the page for small documents and by
// the engine's worker for large ones.
import validators from "virtual:schema-validators";

/** The validator of `schema/<name>.schema.json`, or null when there is no such schema. */
export function validatorFor(name) {
  return validators[name] ?? null;
}

/** `order.lines[0].unitPrice` → ["order", "lines", 0, "unitPrice"]. */
export function parsePath(path) {
  const segments = [];
  if (!path) return segments;
  for (const part of path.match(/[^.[\]]+|\[\d+\]/g) ?? []) {
    segments.push(part.startsWith("[") ? Number(part.slice(1, -1)) : part);
  }
  return segments;
}

/** ["order", "lines", 0] → `order.lines[0]`. */
export function formatPath(segments) {
  let out = "";
  for (const s of segments) out += typeof s === "number" ? `[${s}]` : out ? `.${s}` : s;
  return out;
}

/**
 * Validates the JSON `text` against `schemaName`: `{ok, errors: [{segments, message, key}],
 * parseError: {pos, message}}`, with no positions (pathRange finds them); runs anywhere
 * (the page or the engine's worker).
 */
export function checkJson(text, schemaName) {
  let value;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const m = /position (\d+)/.exec(error.message);
    return { ok: false, value: undefined, parseError: { pos: m ? Math.min(Number(m[1]), text.length) : 0, message: error.message }, errors: [] };
  }
  const validate = schemaName ? validatorFor(schemaName) : null;
  if (!validate || validate(value)) return { ok: true, value, errors: [] };
  const errors = [];
  const seen = new Set();
  for (const e of validate.errors) {
    // anyOf branches repeat themselves; keep the first error per path and keyword.
    const segments = e.instancePath.split("/").slice(1).map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~")).map((s) => (/^\d+$/.test(s) ? Number(s) : s));
    let message = e.message;
    let key = false;
    if (e.keyword === "additionalProperties") {
      segments.push(e.params.additionalProperty);
      message = { key: "json.unknownKey", params: { key: e.params.additionalProperty } };
      key = true;
    } else if (e.keyword === "required") {
      message = { key: "json.required", params: { key: e.params.missingProperty } };
    } else if (e.keyword === "type") {
      message = { key: "json.type", params: { type: e.params.type } };
    } else if (["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "minLength", "maxLength", "minItems", "maxItems"].includes(e.keyword)) {
      message = { key: `json.${e.keyword}`, params: { limit: e.params.limit } };
    } else if (e.keyword === "enum") {
      message = { key: "json.enum", params: { values: e.params.allowedValues.map((v) => JSON.stringify(v)).join(", ").slice(0, 200) } };
    } else if (e.keyword === "const") {
      message = { key: "json.const", params: { value: JSON.stringify(e.params.allowedValue).slice(0, 80) } };
    } else if (e.keyword === "pattern" || e.keyword === "format") {
      message = { key: "json.pattern" };
    } else {
      // Any other keyword: plain words in the page's language rather than ajv's English.
      message = { key: "json.schema" };
    }
    if (e.keyword === "anyOf") continue;
    const id = `${formatPath(segments)}|${e.keyword}`;
    if (seen.has(id)) continue;
    seen.add(id);
    errors.push({ segments, message, key });
    if (errors.length >= 200) break;
  }
  if (errors.length === 0) errors.push({ segments: [], message: { key: "json.schema" }, key: false });
  return { ok: true, value, errors };
}


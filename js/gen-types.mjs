// Generates the TypeScript types of the JSON contract from the checked-in JSON Schemas:
// node js/gen-types.mjs SCHEMA_DIR OUT_FILE   (scripts/build-pkg.sh writes pkg/*/types.d.ts)
//
// Every schema/*.json is one top-level type (its `title`, e.g. `CheckoutRequest`,
// `DecisionAnswer`) with its own copy of the shared `$defs` (`Amount`, `EvalError`, …).
// They are merged into one schema so that each type is declared once; two different
// definitions under one name are an error.
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { compile } from "json-schema-to-typescript";

const [schemaDir, outFile] = process.argv.slice(2);
if (!schemaDir || !outFile) {
  console.error("usage: node gen-types.mjs SCHEMA_DIR OUT_FILE");
  process.exit(2);
}

const defs = {};
const roots = [];
// A schema as text with sorted keys and without `title` (a type used both as a file's
// top-level type and inside another file's `$defs` has a title only in the first).
const canonical = (value) =>
  JSON.stringify(value, (key, v) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.keys(v).filter((k) => k !== "title").sort().map((k) => [k, v[k]]))
      : v,
  );
const define = (name, schema, file) => {
  if (name in defs && canonical(defs[name]) !== canonical(schema)) {
    throw new Error(`${file}: \`${name}\` differs from its definition in another schema`);
  }
  if (!(name in defs) || schema.title) defs[name] = schema;
};
const files = readdirSync(schemaDir).filter((f) => f.endsWith(".json")).sort();
if (files.length === 0) throw new Error(`no JSON Schemas in ${schemaDir}`);
for (const file of files) {
  const schema = JSON.parse(readFileSync(join(schemaDir, file), "utf8"));
  const { $schema, $defs = {}, title, ...root } = schema;
  if (!title) throw new Error(`${file}: no \`title\``);
  for (const [name, def] of Object.entries($defs)) define(name, def, file);
  define(title, { title, ...root }, file);
  roots.push(title);
}

const merged = {
  $schema: "https://json-schema.org/draft/2020-12/schema",
  title: "ProcuraContract",
  type: "object",
  properties: Object.fromEntries(roots.map((name) => [name, { $ref: `#/$defs/${name}` }])),
  additionalProperties: false,
  $defs: defs,
};
let ts = await compile(merged, "ProcuraContract", {
  additionalProperties: false,
  unreachableDefinitions: true,
  strictIndexSignatures: true,
  bannerComment:
    "/* The JSON contract of the Procura engine: generated from schema/*.json by js/gen-types.mjs. Do not edit. */",
  style: { singleQuote: false },
});
// The merged root only exists to reach every type; drop it, and the generator's notes
// about it.
ts = ts
  .replace(/export interface ProcuraContract \{[^}]*\}\n*/s, "")
  .replace(/( \*\n)? \* This interface was referenced by `ProcuraContract`'s JSON-Schema\n \* via the `definition` "\w+"\.\n/g, "")
  .replace(/\/\*\*\n \*\/\n/g, "");
writeFileSync(outFile, ts);
console.log(`${outFile}: ${roots.length} top-level types (${roots.join(", ")}), ${Object.keys(defs).length} in all`);

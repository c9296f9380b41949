// Builds the playground (index.html) and the checkout demo (checkout.html) into dist/,
// each with its own engine (www/scripts/build.sh builds both packages into engine/: the
// playground's back-office build, `procura-engine/back-office`, and the checkout demo's
// runtime, `procura-engine/runtime`, with the artifact of examples/maple.procura,
// `procura-engine/maple.pcy`), the examples from ../examples and the schemas from ../schema
// bundled in; plus a service worker per page that precaches what that page needs so that it
// works offline once loaded.
import { defineConfig } from "vite";
import { readFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { fileURLToPath } from "node:url";
import { existsSync } from "node:fs";
import Ajv2020 from "ajv/dist/2020.js";
import standaloneCode from "ajv/dist/standalone/index.js";

const here = (p) => fileURLToPath(new URL(p, import.meta.url));

/** `virtual:procura-keywords`: every keyword literal of grammar/procura.pest. */
function grammarKeywords() {
  const id = "virtual:procura-keywords";
  const grammar = here("../grammar/procura.pest");
  return {
    name: "procura-keywords",
    resolveId: (source) => (source === id ? "\0" + id : null),
    load(source) {
      if (source !== "\0" + id) return null;
      this.addWatchFile(grammar);
      const text = readFileSync(grammar, "utf8").replace(/\/\/.*$/gm, "");
      const words = new Set();
      for (const [, word] of text.matchAll(/"([a-z][a-z_]*)"/g)) words.add(word);
      return `export default ${JSON.stringify([...words].sort())};`;
    },
  };
}

// The JSON Schemas the input panels are validated against (those that exist in ../schema):
// the directory, the checkout request (also the Approvals tab's order) and the invoice run.
const VALIDATED = ["directory", "checkout-request", "invoice-run-request"];

/**
 * `virtual:schema-validators`: ajv validators of ../schema/*.schema.json, compiled at build
 * time (ajv's standalone code), so the pages ship no schema compiler and never eval code.
 * Exports `{[schema name]: validate}`.
 */
function schemaValidators() {
  const id = "virtual:schema-validators";
  return {
    name: "procura-schema-validators",
    resolveId: (source) => (source === id ? "\0" + id : null),
    load(source) {
      if (source !== "\0" + id) return null;
      // schemars' integer formats (uint64…) repeat `minimum: 0`; they are not validated.
      const ajv = new Ajv2020({ allErrors: true, strict: false, validateFormats: false, code: { source: true, esm: true } });
      const exports = {};
      for (const name of VALIDATED) {
        const file = here(`../schema/${name}.schema.json`);
        if (!existsSync(file)) continue;
        this.addWatchFile(file);
        ajv.addSchema(JSON.parse(readFileSync(file, "utf8")), name);
        exports[name.replace(/-(.)/g, (_, c) => c.toUpperCase())] = name;
      }
      let code = standaloneCode(ajv, exports);
      // The one runtime helper these schemas need (maxLength counts code points).
      code = code.replace(/require\("ajv\/dist\/runtime\/ucs2length"\)/g, "{ default: (s) => [...s].length }");
      if (/require\(/.test(code)) throw new Error("schema validators: unexpected runtime dependency in ajv's standalone code");
      const table = Object.entries(exports).map(([ident, name]) => `${JSON.stringify(name)}: ${ident}`).join(", ");
      return `${code}\nexport default { ${table} };\n`;
    },
  };
}

// Each page's service worker and what it precaches: the page itself and the files it
// loads, found by following references from the page (the checkout demo never downloads
// the playground's editor, and neither worker downloads the engine a second time: the
// assets are served `immutable`, so precaching reads them from the HTTP cache).
const PAGES = [
  { html: "index.html", sw: "sw.js", urls: ["./", "./index.html"], engine: "back-office" },
  { html: "checkout.html", sw: "sw-checkout.js", urls: ["./checkout.html"], engine: "runtime" },
];

/**
 * Throws unless a page reaches exactly one engine module, its own: the playground the
 * back-office build, the checkout demo the runtime (never the compiler).
 */
function checkEngines(page, files, bundle) {
  const engines = files.filter((f) => f.endsWith(".wasm"));
  if (engines.length !== 1) throw new Error(`${page.html}: ${engines.length} engine modules reachable (${engines.join(", ")}), want 1`);
  const want = readFileSync(here(`engine/${page.engine}/web/procura_bg.wasm`));
  if (!Buffer.from(bundle[engines[0]].source).equals(want)) throw new Error(`${page.html}: its engine is not the ${page.engine} build`);
}

/** The files of `bundle` that `start` needs, following references by file name. */
export function reachable(bundle, start) {
  const text = (f) => {
    const item = bundle[f];
    if (!item) return "";
    const body = item.type === "chunk" ? item.code : item.source;
    return typeof body === "string" ? body : Buffer.from(body).toString("latin1");
  };
  // Links to the other pages are not followed: each page has its own worker.
  const files = Object.keys(bundle).filter((f) => !f.endsWith(".map") && !f.endsWith(".html") && f !== start);
  const seen = new Set([start]);
  const queue = [start];
  while (queue.length) {
    const body = text(queue.shift());
    for (const f of files) {
      if (seen.has(f)) continue;
      const base = f.split("/").pop();
      if (body.includes(base)) {
        seen.add(f);
        if (/\.(js|css|html)$/.test(f)) queue.push(f);
      }
    }
  }
  return [...seen].filter((f) => f !== start).sort();
}

/** Writes each page's service worker, listing what that page needs under a content hash. */
function serviceWorker() {
  return {
    name: "procura-service-worker",
    apply: "build",
    // After Vite has emitted the HTML pages, so that they are precached too.
    enforce: "post",
    generateBundle(_, bundle) {
      const template = readFileSync(here("src/sw-template.js"), "utf8");
      for (const page of PAGES) {
        const files = reachable(bundle, page.html);
        checkEngines(page, files, bundle);
        const hash = createHash("sha256");
        for (const f of [page.html, ...files]) {
          const item = bundle[f];
          hash.update(f);
          hash.update(item.type === "chunk" ? item.code : item.source);
        }
        const version = hash.digest("hex").slice(0, 16);
        const precache = [...page.urls, ...files.map((f) => `./${f}`)];
        this.emitFile({
          type: "asset",
          fileName: page.sw,
          source: template
            .replace('"__VERSION__"', JSON.stringify(version))
            .replace('"__NAME__"', JSON.stringify(page.sw.replace(/\.js$/, "")))
            .replace("[] /* __PRECACHE__ */", JSON.stringify(precache, null, 2)),
        });
      }
    },
  };
}

export default defineConfig({
  root: here("."),
  base: "./",
  resolve: {
    alias: [
      { find: /^procura-engine\/back-office\//, replacement: here("engine/back-office/web/") },
      { find: /^procura-engine\/runtime\//, replacement: here("engine/runtime/web/") },
      { find: /^procura-engine\//, replacement: here("engine/") },
    ],
  },
  plugins: [grammarKeywords(), schemaValidators(), serviceWorker()],
  // The worker validates large JSON documents with the same compiled schemas.
  worker: { format: "es", plugins: () => [schemaValidators()] },
  server: { host: "127.0.0.1", fs: { allow: [here("..")] } },
  preview: { host: "127.0.0.1" },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 1500,
    rollupOptions: {
      input: { index: here("index.html"), checkout: here("checkout.html") },
      // The code both pages share (examples, DOM helpers, the engine client).
      output: {
        chunkFileNames: "assets/shared-[hash].js",
        assetFileNames: (asset) => (asset.names?.[0]?.endsWith(".css") ? "assets/style-[hash][extname]" : "assets/[name]-[hash][extname]"),
      },
    },
  },
});

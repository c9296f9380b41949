#!/usr/bin/env node
// Serves the built pages (www/dist) on 127.0.0.1, `.wasm` as application/wasm, and prints
// the address. Used by scripts/main.sh and by the browser tests. Responses are compressed
// (brotli or gzip, as the browser accepts), hashed assets (`assets/`) are cached for a year
// (`immutable`), everything else is revalidated (no-cache, with an ETag); every response
// carries a strict Content-Security-Policy, `frame-ancestors 'none'` and nosniff.
//
//   node www/serve.mjs [--port N] [--policy FILE [--directory FILE] [--request FILE]]
//
// --port: the port to try first (default $PORT or 8080; the next free one is used when it
// is taken). --policy: also print a playground link that opens that policy (and its
// directory and request, or for an example its samples in www/samples/) through a share
// link. Ctrl-C stops the server.
import { createServer } from "node:http";
import { createHash } from "node:crypto";
import { brotliCompressSync, gzipSync, constants as zlib } from "node:zlib";
import { readFile, stat } from "node:fs/promises";
import { existsSync, readFileSync } from "node:fs";
import { join, extname, normalize, resolve, sep, basename } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

export const DIST = fileURLToPath(new URL("./dist/", import.meta.url));

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".wasm": "application/wasm",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  // A policy artifact of `procura build` (the checkout demo's maple.pcy).
  ".pcy": "application/octet-stream",
};

/** The Content-Security-Policy of every response (the pages also carry it in a meta tag). */
export const CSP = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self'",
  // CodeMirror injects its styles in <style> elements.
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "frame-ancestors 'none'",
  "base-uri 'self'",
  "form-action 'self'",
].join("; ");

const SECURITY = {
  "content-security-policy": CSP,
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
};

const COMPRESSIBLE = new Set([".html", ".js", ".mjs", ".css", ".json", ".wasm", ".svg", ".pcy"]);

/** `immutable` for content-hashed assets, revalidation for pages and service workers. */
export function cacheControl(path) {
  return /\/assets\/[^/]+-[A-Za-z0-9_-]{6,}\.[a-z0-9]+$/.test(path) ? "public, max-age=31536000, immutable" : "no-cache";
}

/** The encoding to send for an Accept-Encoding header: "br", "gzip" or null. */
export function pickEncoding(accept) {
  const offered = new Map();
  for (const part of String(accept ?? "").split(",")) {
    const [name, ...params] = part.trim().toLowerCase().split(";");
    const q = params.map((p) => /^\s*q=([\d.]+)/.exec(p)).find(Boolean);
    offered.set(name, q ? Number(q[1]) : 1);
  }
  const ok = (name) => (offered.get(name) ?? offered.get("*") ?? 0) > 0;
  if (ok("br")) return "br";
  if (ok("gzip")) return "gzip";
  return null;
}

/**
 * Serves `root` on 127.0.0.1:`port` (0: an ephemeral port); resolves to
 * `{url, port, requests, bytes(), close()}` where `requests` lists the paths asked for and
 * `bytes()` counts the response body bytes sent (as sent: compressed).
 */
export async function serve({ root = DIST, port = 0 } = {}) {
  root = resolve(root) + sep;
  if (!existsSync(join(root, "index.html"))) throw new Error(`${root} has no index.html: build the site first (www/scripts/build.sh)`);
  const requests = [];
  let sent = 0;
  // Files and their compressed forms, by path and modification time.
  const cache = new Map();
  async function load(file) {
    const info = await stat(file);
    const key = `${file}|${info.mtimeMs}|${info.size}`;
    let entry = cache.get(file);
    if (!entry || entry.key !== key) {
      const body = await readFile(file);
      entry = { key, body, etag: `"${createHash("sha256").update(body).digest("base64url").slice(0, 22)}"`, encoded: {} };
      cache.set(file, entry);
    }
    return entry;
  }
  function encoded(entry, encoding) {
    if (!entry.encoded[encoding]) {
      entry.encoded[encoding] =
        encoding === "br"
          ? brotliCompressSync(entry.body, { params: { [zlib.BROTLI_PARAM_QUALITY]: 9, [zlib.BROTLI_PARAM_SIZE_HINT]: entry.body.length } })
          : gzipSync(entry.body, { level: 9 });
    }
    return entry.encoded[encoding];
  }
  const server = createServer(async (req, res) => {
    let path;
    try {
      path = decodeURIComponent(new URL(req.url, "http://localhost").pathname);
    } catch {
      res.writeHead(400).end();
      return;
    }
    requests.push(path);
    let file = normalize(join(root, path));
    if (!(file + sep).startsWith(root) && !file.startsWith(root)) {
      res.writeHead(403, SECURITY).end();
      return;
    }
    try {
      if ((await stat(file)).isDirectory()) file = join(file, "index.html");
      const entry = await load(file);
      const ext = extname(file);
      const headers = {
        ...SECURITY,
        "content-type": TYPES[ext] ?? "application/octet-stream",
        "cache-control": cacheControl(path),
        etag: entry.etag,
        vary: "Accept-Encoding",
      };
      if (req.headers["if-none-match"] === entry.etag) {
        res.writeHead(304, headers).end();
        return;
      }
      const encoding = COMPRESSIBLE.has(ext) && entry.body.length > 512 ? pickEncoding(req.headers["accept-encoding"]) : null;
      const body = encoding ? encoded(entry, encoding) : entry.body;
      if (encoding) headers["content-encoding"] = encoding;
      headers["content-length"] = String(body.length);
      res.writeHead(200, headers);
      if (req.method !== "HEAD") sent += body.length;
      res.end(req.method === "HEAD" ? undefined : body);
    } catch {
      res.writeHead(404, { ...SECURITY, "content-type": "text/plain; charset=utf-8" }).end("not found\n");
    }
  });
  await new Promise((done, fail) => {
    server.once("error", fail);
    server.listen(port, "127.0.0.1", done);
  });
  const actual = server.address().port;
  return {
    url: `http://127.0.0.1:${actual}/`,
    port: actual,
    requests,
    bytes: () => sent,
    close: () =>
      new Promise((done) => {
        server.closeAllConnections?.();
        server.close(() => done());
      }),
  };
}

function option(args, name) {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

async function main(args) {
  const first = Number(option(args, "--port") ?? process.env.PORT ?? 8080);
  let server;
  for (let port = first; !server; port = port === 0 ? 0 : port + 1) {
    try {
      server = await serve({ port });
    } catch (error) {
      if (error.code !== "EADDRINUSE" || port >= first + 20) throw error;
    }
  }
  console.log(`Procura playground:    ${server.url}`);
  console.log(`Procura checkout demo: ${server.url}checkout.html`);
  const policy = option(args, "--policy");
  if (policy) {
    const { shareHash } = await import("./src/share.js");
    const read = (file) => (file && existsSync(file) ? readFileSync(file, "utf8") : "");
    // An example's samples (www/samples/<stem>.*.json) stand in for missing files.
    const stem = basename(policy, ".procura");
    const sample = (kind) => read(fileURLToPath(new URL(`./samples/${stem}.${kind}.json`, import.meta.url)));
    const isExample = existsSync(fileURLToPath(new URL(`../examples/${stem}.procura`, import.meta.url)));
    const hash = shareHash({
      example: isExample ? stem : null,
      policy: read(policy),
      directory: read(option(args, "--directory")) || sample("directory") || '{\n  "users": []\n}\n',
      request: read(option(args, "--request")) || sample("request") || "{}",
    });
    console.log(`${policy} in the playground: ${server.url}${hash}`);
  }
  console.log("Press Ctrl-C to stop.");
  const stop = async () => {
    await server.close();
    process.exit(0);
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  main(process.argv.slice(2)).catch((error) => {
    console.error(`serve: ${error.message}`);
    process.exit(2);
  });
}

#!/usr/bin/env node
// Serves the built pages (www/dist) on 127.0.0.1, `.wasm` as application/wasm, and prints
// the address. Used by scripts/main.sh and by the browser tests.
//
//   node www/serve.mjs [--port N] [--policy FILE [--directory FILE] [--request FILE]]
//
// --port: the port to try first (default $PORT or 8080; the next free one is used when it
// is taken). --policy: also print a playground link that opens that policy (and its
// directory and request, or for an example its samples in www/samples/) through a share
// link. Ctrl-C stops the server.
import { createServer } from "node:http";
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
};

/**
 * Serves `root` on 127.0.0.1:`port` (0: an ephemeral port); resolves to
 * `{url, port, requests, close()}` where `requests` lists the paths asked for.
 */
export async function serve({ root = DIST, port = 0 } = {}) {
  root = resolve(root) + sep;
  if (!existsSync(join(root, "index.html"))) throw new Error(`${root} has no index.html: build the site first (www/scripts/build.sh)`);
  const requests = [];
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
      res.writeHead(403).end();
      return;
    }
    try {
      if ((await stat(file)).isDirectory()) file = join(file, "index.html");
      const body = await readFile(file);
      res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream", "cache-control": "no-cache" });
      res.end(req.method === "HEAD" ? undefined : body);
    } catch {
      res.writeHead(404, { "content-type": "text/plain; charset=utf-8" }).end("not found\n");
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

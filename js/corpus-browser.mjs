// Corpus parity in headless Chromium (Debian's /usr/bin/chromium, no Playwright): serves
// js/corpus-page.html, pkg/web and the entries on 127.0.0.1, lets the page replay every
// conformance case and example through pkg/web, and compares each answer byte for byte
// with the native engine's (tests/native_answers.rs).
// Usage: node js/corpus-browser.mjs   (after scripts/build-pkg.sh --back-office and `cargo test --test native_answers`)
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join, normalize } from "node:path";
import { nativeAnswers, root } from "./native.mjs";
import { report } from "./corpus-core.mjs";

const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const TIMEOUT_MS = 180_000;
const { entries, cases } = nativeAnswers();
const replayed = entries.map(({ answer, ...entry }) => entry);
const types = { ".html": "text/html", ".js": "text/javascript", ".mjs": "text/javascript", ".wasm": "application/wasm", ".json": "application/json" };

let finish;
const outcome = new Promise((resolve) => (finish = resolve));
const server = createServer((req, res) => {
  const url = new URL(req.url, "http://127.0.0.1");
  if (req.method === "POST" && url.pathname === "/result") {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      res.end("ok");
      finish(JSON.parse(body));
    });
    return;
  }
  const send = (status, type, data) => {
    res.writeHead(status, { "content-type": type, "cache-control": "no-store" });
    res.end(data);
  };
  if (url.pathname === "/") return send(200, types[".html"], readFileSync(join(root, "js/corpus-page.html")));
  if (url.pathname === "/entries.json") return send(200, types[".json"], JSON.stringify(replayed));
  const path = normalize(url.pathname);
  if (path.startsWith("/pkg/web/") || path === "/js/corpus-core.mjs") {
    try {
      return send(200, types[path.slice(path.lastIndexOf("."))] ?? "application/octet-stream", readFileSync(join(root, path)));
    } catch {
      /* fall through to 404 */
    }
  }
  send(404, "text/plain", "not found");
});
await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
const url = `http://127.0.0.1:${server.address().port}/`;

const profile = mkdtempSync(join(tmpdir(), "procura-chromium-"));
const args = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
  "--disable-quic", `--user-data-dir=${profile}`, url,
];
// Its own process group, so that the wrapper script and every Chromium process end together.
const chromium = spawn(CHROMIUM, args, { detached: true, stdio: ["ignore", "ignore", "pipe"] });
let stderr = "";
chromium.stderr.on("data", (chunk) => (stderr = (stderr + chunk).slice(-4000)));
chromium.on("exit", (code) => finish({ fatal: `chromium exited early (${code}):\n${stderr}` }));
const timer = setTimeout(() => finish({ fatal: `no answer from the page within ${TIMEOUT_MS / 1000} s:\n${stderr}` }), TIMEOUT_MS);

const result = await outcome;
clearTimeout(timer);
chromium.removeAllListeners("exit");
try {
  process.kill(-chromium.pid, "SIGKILL");
} catch {
  /* already gone */
}
server.close();
rmSync(profile, { recursive: true, force: true });

if (result.fatal) {
  console.log(`chromium: ${result.fatal}`);
  console.log("chromium: 0 passed, 1 failed");
  process.exit(1);
}
console.log(`chromium: ${cases} conformance cases and ${entries.length - cases} example answers, procura ${result.version}, ${result.userAgent}`);
process.exit(report("chromium", entries, result.results) ? 0 : 1);

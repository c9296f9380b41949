// Safe sharing and serving: a share link opens as a separate draft and never overwrites
// saved work without asking; a link that inflates past the cap (a small "zip bomb") or is
// too long shows a clear message and the page keeps working; the server compresses,
// caches hashed assets for a year and pages not at all, and sends a strict CSP,
// frame-ancestors 'none' and nosniff; the built pages carry the CSP in a meta tag.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { request as httpRequest } from "node:http";
import { readFileSync, readdirSync } from "node:fs";
import { deflateSync, strToU8 } from "fflate";
import { serve, launch, newContext, open, replaceEditorText } from "./harness.mjs";
import { shareHash } from "../src/share.js";

const DIST = new URL("../dist/", import.meta.url);
const MAPLE = readFileSync(new URL("../../examples/maple.procura", import.meta.url), "utf8");
const SAVED = "procura.playground.v1";

let server;
let browser;
before(async () => {
  server = await serve();
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await server?.close();
});

function get(path, headers = {}) {
  return new Promise((resolve, reject) => {
    const req = httpRequest(new URL(path, server.url), { headers }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on("error", reject);
    req.end();
  });
}

test("the server compresses, caches hashed assets for a year, and sends a strict CSP", async () => {
  const wasm = readdirSync(new URL("assets/", DIST)).find((f) => f.endsWith(".wasm"));
  const raw = readFileSync(new URL(`assets/${wasm}`, DIST));
  const br = await get(`assets/${wasm}`, { "accept-encoding": "gzip, deflate, br" });
  assert.equal(br.status, 200);
  assert.equal(br.headers["content-encoding"], "br");
  assert.equal(br.headers["content-type"], "application/wasm");
  assert.equal(br.headers["cache-control"], "public, max-age=31536000, immutable");
  assert.ok(br.body.length < raw.length / 2, `brotli: ${br.body.length} of ${raw.length} bytes`);
  const gz = await get(`assets/${wasm}`, { "accept-encoding": "gzip" });
  assert.equal(gz.headers["content-encoding"], "gzip");
  const plain = await get(`assets/${wasm}`);
  assert.equal(plain.headers["content-encoding"], undefined);
  assert.equal(plain.body.length, raw.length);
  for (const page of ["", "checkout.html", "sw.js", "sw-checkout.js"]) {
    const res = await get(page, { "accept-encoding": "br" });
    assert.equal(res.status, 200, page);
    assert.equal(res.headers["cache-control"], "no-cache", `${page || "/"} is revalidated`);
    const csp = res.headers["content-security-policy"];
    for (const directive of ["default-src 'self'", "script-src 'self' 'wasm-unsafe-eval'", "worker-src 'self'", "object-src 'none'", "frame-ancestors 'none'", "base-uri 'self'"]) {
      assert.ok(csp.includes(directive), `${page}: ${directive} in ${csp}`);
    }
    assert.equal(res.headers["x-content-type-options"], "nosniff");
    // Revalidation: the same ETag gets a 304 and no body.
    const again = await get(page, { "if-none-match": res.headers.etag });
    assert.equal(again.status, 304);
  }
  assert.equal((await get("nope.js")).headers["x-content-type-options"], "nosniff");
});

test("the built pages carry the CSP in a meta tag and no inline script", () => {
  for (const page of ["index.html", "checkout.html"]) {
    const html = readFileSync(new URL(page, DIST), "utf8");
    const meta = /<meta http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html);
    assert.ok(meta, `${page} has a CSP meta tag`);
    assert.match(meta[1], /script-src 'self' 'wasm-unsafe-eval'/);
    assert.match(meta[1], /object-src 'none'/);
    assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/, `${page} has no inline script`);
  }
});

test("the CSP holds in the browser: no inline script, while the engine runs", async () => {
  const context = await newContext(browser);
  const page = await open(context, server.url);
  await page.locator("#decision .outcome").waitFor();
  const header = await page.evaluate(async () => (await fetch("./")).headers.get("content-security-policy"));
  assert.match(header, /frame-ancestors 'none'/);
  // An injected inline script does not run, and the browser reports the violation.
  const outcome = await page.evaluate(
    () =>
      new Promise((resolve) => {
        document.addEventListener("securitypolicyviolation", (e) => resolve({ ran: Boolean(window.__injected), directive: e.effectiveDirective }), { once: true });
        const script = document.createElement("script");
        script.textContent = "window.__injected = true";
        document.head.append(script);
      }),
  );
  assert.deepEqual(outcome, { ran: false, directive: "script-src-elem" });
  await context.close();
});

async function savedPolicy(page) {
  return page.evaluate((key) => JSON.parse(localStorage.getItem(key) ?? "null")?.policy, SAVED);
}

test("a share link opens as a draft and never overwrites saved work without asking", async () => {
  const context = await newContext(browser);
  const page = await open(context, server.url);
  await page.locator("#decision .outcome").waitFor();
  const mine = `// my own work\n${MAPLE}`;
  await replaceEditorText(page, ".policy-pane", mine);
  await page.waitForFunction(([key, p]) => JSON.parse(localStorage.getItem(key) ?? "{}").policy === p, [SAVED, mine]);

  const shared = `// from a colleague\n${MAPLE}`;
  const hash = shareHash({ example: "maple", policy: shared, directory: readFileSync(new URL("../../examples/maple.directory.json", import.meta.url), "utf8"), request: "{}" });
  await page.goto(server.url + hash);
  await page.locator("#draft-banner").waitFor();
  await page.locator("#decision .outcome").waitFor();
  assert.equal(await page.evaluate(() => window.procuraPlayground.policy()), shared);
  // Editing the draft keeps the saved work as it was.
  await page.locator(".policy-pane .cm-content").click();
  await page.keyboard.press("Control+Home");
  await page.keyboard.type("// edited draft\n");
  await page.waitForFunction(() => JSON.parse(localStorage.getItem("procura.playground.draft.v1") ?? "{}").policy?.startsWith("// edited draft"));
  assert.equal(await savedPolicy(page), mine);
  // Reloaded (the edited draft no longer matches the link, which is dropped), the draft
  // comes back as a draft.
  await page.waitForFunction(() => location.hash === "");
  await page.reload();
  await page.locator("#draft-banner").waitFor();
  await page.waitForFunction(() => window.procuraPlayground.policy().startsWith("// edited draft"));
  assert.equal(await savedPolicy(page), mine);
  // Restore: the saved work is back, the draft closed.
  await page.locator("#draft-restore").click();
  await page.waitForFunction((p) => window.procuraPlayground.policy() === p, mine);
  assert.ok(await page.locator("#draft-banner").isHidden());
  assert.equal(new URL(page.url()).hash, "");

  // Opened again, the draft replaces the saved work only once that is confirmed.
  await page.goto(server.url + hash);
  await page.locator("#draft-banner").waitFor();
  await page.locator("#draft-keep").click();
  await page.locator("#draft-cancel").click();
  assert.equal(await savedPolicy(page), mine);
  await page.locator("#draft-keep").click();
  await page.locator("#draft-replace").click();
  await page.waitForFunction(([key, p]) => JSON.parse(localStorage.getItem(key) ?? "{}").policy === p, [SAVED, shared]);
  assert.ok(await page.locator("#draft-banner").isHidden());
  assert.deepEqual(page.problems(), []);
  await context.close();
});

test("a link that inflates past 4 MB, or is too long, is refused clearly; the page keeps working", async () => {
  const context = await newContext(browser);
  // 8 MB of spaces in the policy: a few kilobytes of link.
  const bomb = Buffer.from(deflateSync(strToU8(JSON.stringify({ v: 1, e: "maple", p: " ".repeat(8 * 1024 * 1024), d: "", r: "" })), { level: 9 })).toString("base64url");
  assert.ok(bomb.length < 20_000, `the bomb link is ${bomb.length} characters`);
  const page = await open(context, `${server.url}#s=${bomb}`);
  await page.locator("#share-error").waitFor();
  assert.match(await page.locator("#share-error").textContent(), /more than 4 MB once unpacked: it was not opened/);
  // The page works: Maple is loaded and a keystroke is checked.
  await page.locator('#decision .outcome[data-outcome="blocked"]').waitFor();
  await page.locator(".policy-pane .cm-content").click();
  await page.keyboard.press("Control+Home");
  await page.keyboard.type("rule ");
  await page.locator("#problems .problem").first().waitFor();
  assert.equal(new URL(page.url()).hash, "", "the bad link is dropped from the address bar");

  await page.goto(`${server.url}#s=${"A".repeat(1_000_001)}`);
  await page.locator("#share-error", { hasText: "too long" }).waitFor();
  await page.goto(`${server.url}#s=not-a-real-link`);
  await page.locator("#share-error", { hasText: "damaged" }).waitFor();
  assert.deepEqual(page.problems(), []);
  await context.close();
});

// Artifacts in the pages: the checkout demo runs on the runtime package and the Maple
// artifact of `procura build` (its SHA-256 checked; a tampered file is refused with a clear
// message), the playground's Publish downloads an artifact that the runtime's `load`
// accepts, and the Impact tab compares the draft with its baseline, rule links included.
// The Impact tab screenshot is taken.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { serve, launch, newContext, open, replaceEditorText, analyzed, lineOf, missingKeys, SCREENSHOTS } from "./harness.mjs";

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const runtime = createRequire(import.meta.url)(here("../engine/runtime/node/procura.js"));
const mapleSource = readFileSync(here("../../examples/maple.procura"), "utf8");
const mapleDirectory = JSON.parse(readFileSync(here("../../examples/maple.directory.json"), "utf8"));

/** The hashed name in dist/assets/ of the wasm file equal to engine/<build>/web/procura_bg.wasm. */
function engineAsset(build) {
  const want = readFileSync(here(`../engine/${build}/web/procura_bg.wasm`));
  const dir = here("../dist/assets/");
  const name = readdirSync(dir).find((f) => f.endsWith(".wasm") && readFileSync(dir + f).equals(want));
  assert.ok(name, `dist/assets has the ${build} engine`);
  return name;
}

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

const OUTLINE_TITLES = ["North Campus", "South Campus"];

for (const locale of ["en-CA", "fr-CA"]) {
  for (const width of [390, 1440]) {
    test(`checkout on the runtime package and the Maple artifact (${locale}, ${width} px)`, async () => {
      const context = await newContext(browser, { viewport: { width, height: 900 }, locale });
      await context.addInitScript((l) => localStorage.setItem("procura.locale", l), locale);
      const before = server.requests.length;
      const page = await open(context, `${server.url}checkout.html`);
      await page.waitForFunction((l) => document.body.dataset.badges === `ana@maple.example|north|${l}`, locale);
      assert.equal(await page.evaluate(() => document.body.dataset.loaded), "success");
      // The runtime engine and the artifact were fetched; the back-office engine never.
      const asked = server.requests.slice(before);
      assert.ok(asked.some((p) => p.endsWith(engineAsset("runtime"))), `the runtime engine was loaded (${asked.join(", ")})`);
      assert.ok(!asked.some((p) => p.endsWith(engineAsset("back-office"))), "the back-office engine was not loaded");
      assert.ok(asked.some((p) => /\/assets\/maple-[\w-]+\.pcy$/.test(p)), "the artifact was loaded");
      // Group titles come from the loaded policy's outline.
      const titles = await page.evaluate(() => window.procuraCheckout.groupTitles());
      assert.deepEqual(titles, ["North Campus"]);
      // A blocked laptop, in the page's language.
      const laptop = page.locator('.product[data-product="B0LAPTOP"]');
      assert.equal(await laptop.getAttribute("data-verdict"), "blocked");
      assert.match(await laptop.textContent(), locale === "fr-CA" ? /service informatique/ : /IT department/);
      await page.locator("#buyer").selectOption("tom@maple.example");
      await page.waitForFunction(() => window.procuraCheckout.groups().length > 0 && document.body.dataset.badges.startsWith("tom@"));
      for (const title of await page.evaluate(() => window.procuraCheckout.groupTitles())) {
        assert.ok(["Maple School District", "Schools", ...OUTLINE_TITLES, "IT Department"].includes(title), `${title} is an outline title`);
      }
      // The published hashes are those of `procura build`, and the page shows the policy hash.
      const published = await page.evaluate(() => window.procuraCheckout.artifact());
      const bytes = readFileSync(here("../engine/maple.pcy"));
      assert.equal(published.artifactHash, `sha256:${createHash("sha256").update(bytes).digest("hex")}`);
      assert.match(await page.locator("#policy-hash").getAttribute("title"), new RegExp(published.policyHash));
      assert.deepEqual(await missingKeys(page), []);
      assert.deepEqual(page.problems(), []);
      await context.close();
    });
  }
}

test("checkout: the page's code no longer reads group names from policy source", () => {
  const code = readFileSync(here("../src/checkout.js"), "utf8");
  assert.doesNotMatch(code, /matchAll\(/);
  assert.doesNotMatch(code, /examples\.js/);
});

test("checkout: a tampered artifact is refused with a clear message", async () => {
  const context = await newContext(browser, { serviceWorkers: "block" });
  await context.route(/\/assets\/maple-[\w-]+\.pcy$/, async (route) => {
    const response = await route.fetch();
    const body = Buffer.from(await response.body());
    body[body.length - 1] ^= 1;
    await route.fulfill({ response, body });
  });
  const page = await open(context, `${server.url}checkout.html`);
  const banner = page.locator("#load-problem");
  await banner.waitFor();
  assert.equal(await banner.getAttribute("data-reason"), "integrity");
  assert.match(await banner.textContent(), /failed its integrity check: its SHA-256 is sha256:[0-9a-f]{12}…, the published one is sha256:[0-9a-f]{12}…\. It was not loaded\./);
  assert.equal(await page.evaluate(() => document.body.dataset.loaded), "integrity");
  assert.equal(await page.locator(".product").count(), 0, "no product is badged from an unchecked policy");
  // In French too.
  await page.locator("#locale").selectOption("fr-CA");
  assert.match(await banner.textContent(), /contrôle d'intégrité/);
  // (Playwright's own note that it blocked the service worker, as this test asked.)
  assert.deepEqual(page.problems().filter((p) => !/Service Worker registration blocked by Playwright/.test(p)), []);
  await context.close();
});

test("Publish downloads an artifact that load() accepts, with its hashes; disabled while the draft has errors", async () => {
  const context = await newContext(browser);
  const page = await open(context, server.url);
  await page.locator("#decision .outcome").waitFor();
  await page.waitForFunction(() => !document.querySelector("#publish").disabled);
  const [download] = await Promise.all([page.waitForEvent("download"), page.locator("#publish").click()]);
  assert.equal(download.suggestedFilename(), "Maple School District.pcy");
  const bytes = readFileSync(await download.path());
  assert.deepEqual([...bytes.subarray(0, 8)], [0x89, 0x50, 0x43, 0x59, 0x0d, 0x0a, 0x1a, 0x0a], "the magic \\x89PCY\\r\\n\\x1a\\n");
  const loaded = runtime.load(bytes, mapleDirectory);
  assert.equal(loaded.type, "success", JSON.stringify(loaded.errors ?? []));
  await page.locator("#artifact-hash").waitFor();
  assert.equal(await page.locator("#artifact-hash").textContent(), `sha256:${createHash("sha256").update(bytes).digest("hex")}`);
  assert.equal(await page.locator("#published-policy-hash").textContent(), loaded.policy.hash);
  loaded.policy.free();

  // A mistake: Publish is disabled and says why (in both languages).
  const n = await page.evaluate(() => Number(document.body.dataset.analyzed));
  await replaceEditorText(page, "#editor", mapleSource.replace("rule large_quantities", "rule large_quantities oops"));
  await analyzed(page, n);
  await page.waitForFunction(() => document.querySelector("#publish").disabled);
  assert.match(await page.locator("#publish-reason").textContent(), /^Fix \d+ errors? to publish$/);
  await page.locator("#locale").selectOption("fr-CA");
  assert.match(await page.locator("#publish-reason").textContent(), /^Corrigez \d+ erreurs? pour publier$/);
  assert.deepEqual(await missingKeys(page), []);
  assert.deepEqual(page.problems(), []);
  await context.close();
});

/** Maple without its laptop rule (the comment above it and the rule). */
function withoutLaptopRule(source) {
  const start = source.indexOf("// Only IT buys laptops");
  const end = source.indexOf("}\n", source.indexOf("rule laptops_it_only")) + 2;
  return source.slice(0, start) + source.slice(end);
}

test("Impact: no change for an identical draft; removing the laptop rule changes Maple's order; the rule link moves the cursor", async () => {
  const context = await newContext(browser);
  const page = await open(context, server.url);
  await page.locator("#decision .outcome").waitFor();
  await page.locator("#tab-impact").click();
  await page.waitForFunction(() => document.querySelector("#panel-impact").dataset.state === "unchanged");
  assert.match(await page.locator("#impact-summary").textContent(), /^No change: the draft decides all \d+ orders as the baseline does\./);
  assert.match(await page.locator("#impact-baseline").textContent(), /the policy as loaded/);
  assert.ok(Number(await page.locator("#impact-summary").getAttribute("data-orders")) > 1, "the request panel's and the samples' requests");

  const n = await page.evaluate(() => Number(document.body.dataset.analyzed));
  await replaceEditorText(page, "#editor", withoutLaptopRule(mapleSource));
  await analyzed(page, n);
  await page.waitForFunction(() => document.querySelector("#panel-impact").dataset.state === "changed");
  const order = page.locator('.impact-order[data-order="ORD-2026-1128"]');
  await order.waitFor();
  assert.equal(await order.getAttribute("data-before"), "blocked");
  assert.notEqual(await order.getAttribute("data-after"), "blocked");
  assert.match(await order.textContent(), /Blocked → /);
  assert.match(await order.textContent(), /outcome/);
  const rule = order.locator('.impact-rule[data-rule="laptops_it_only"]');
  assert.equal(await rule.getAttribute("data-line"), String(lineOf(mapleSource, "rule laptops_it_only")));
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: `${SCREENSHOTS}impact.png` });

  // The link puts the cursor at the rule's line and column.
  const line = Number(await rule.getAttribute("data-line"));
  const column = Number(await rule.getAttribute("data-column"));
  await rule.click();
  assert.deepEqual(await page.evaluate(() => window.procuraPlayground.cursor()), { line, column });

  // Use as baseline: nothing changes any more.
  await page.locator("#impact-use-baseline").click();
  await page.waitForFunction(() => document.querySelector("#panel-impact").dataset.state === "unchanged");
  assert.match(await page.locator("#impact-baseline").textContent(), /identical to the draft/);

  // An uploaded decision log adds its requests; French strings.
  const request = JSON.parse(readFileSync(here("../../examples/maple.request.json"), "utf8"));
  const log = [
    { decisionId: "a-1", endpoint: "evaluate", status: 200, request, answer: {} },
    { decisionId: "a-2", endpoint: "authorize", status: 200, request: { user: "x" }, answer: {} },
  ].map((e) => JSON.stringify(e)).join("\n");
  await page.locator("#impact-file").setInputFiles({ name: "decisions.jsonl", mimeType: "application/x-ndjson", buffer: Buffer.from(log) });
  await page.locator("#impact-file-state", { hasText: "decisions.jsonl: 1 request" }).waitFor();
  await page.locator("#locale").selectOption("fr-CA");
  await page.locator("#impact-summary", { hasText: "Aucun changement" }).waitFor();
  assert.deepEqual(await missingKeys(page), []);
  assert.deepEqual(page.problems(), []);
  await context.close();
});

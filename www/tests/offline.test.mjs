// Offline: after a first visit each page's service worker has precached what that page
// needs (and only that), so both pages reload and evaluate with the network cut off.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { serve, launch, newContext, open } from "./harness.mjs";

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

test("nothing is fetched from anywhere but the page's own origin", async () => {
  const context = await newContext(browser);
  const origins = new Set();
  context.on("request", (request) => {
    const url = new URL(request.url());
    if (url.protocol.startsWith("http")) origins.add(url.origin);
  });
  const page = await open(context, server.url);
  await page.locator("#decision .outcome").waitFor();
  const store = await open(context, `${server.url}checkout.html`);
  await store.locator(".product .badge").first().waitFor();
  assert.deepEqual([...origins], [new URL(server.url).origin]);
  await context.close();
});

test("both pages work offline once loaded", async () => {
  const context = await newContext(browser);
  const page = await open(context, server.url);
  await page.locator("#decision .outcome").waitFor();
  // The service worker is installed, has precached the build and controls the page.
  await page.evaluate(() => navigator.serviceWorker.ready);
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null);

  // The checkout demo has its own service worker, with its own (smaller) precache.
  const first = await context.newPage();
  await first.goto(`${server.url}checkout.html`);
  await first.locator(".product .badge").first().waitFor();
  await first.waitForFunction(() => navigator.serviceWorker.controller?.scriptURL.endsWith("/sw-checkout.js"));
  await first.close();

  await context.setOffline(true);
  const before = server.requests.length;
  await page.reload();
  await page.locator('#decision .outcome[data-outcome="blocked"]').waitFor();
  await page.locator("#tab-tests").click();
  await page.waitForFunction(() => / passed, 0 failed$/.test(document.querySelector("#test-summary")?.textContent ?? ""));

  const store = await context.newPage();
  await store.goto(`${server.url}checkout.html`);
  await store.locator('.product[data-verdict="preferred"]').first().waitFor();
  assert.equal(server.requests.length, before, "no request reached the server while offline");
  await context.close();
});

#!/usr/bin/env node
// Measures both pages as a browser loads them from www/serve.mjs (compressed, cached):
// the bytes transferred and the time to the first decision (the playground's decision,
// the checkout's product badges), the median of 3 runs, cold (a new browser profile: no
// HTTP cache, no service worker) and warm (the same profile reloading: HTTP cache and
// service worker). Bytes are counted by the server, as sent (compressed), so that what
// a service worker fetches counts too. Prints a table; asserts nothing.
//
//   node www/scripts/measure.mjs [--dist DIR]   (after www/scripts/build.sh; DIR: another
//                                               build of the pages, default www/dist)
import { launch, newContext } from "../tests/harness.mjs";
import { serve } from "../serve.mjs";
import { resolve } from "node:path";

const at = process.argv.indexOf("--dist");
const root = at > 0 ? resolve(process.argv[at + 1]) + "/" : undefined;

const PAGES = [
  { name: "playground", path: "", ready: () => document.querySelector("#decision .outcome") !== null },
  { name: "checkout demo", path: "checkout.html", ready: () => Boolean(document.body.dataset.badges) },
];
const RUNS = 3;

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** Loads (or reloads) the page; returns {ms, bytes} up to its first decision. */
async function load(page, server, url, ready, reload = false) {
  const before = server.bytes();
  if (reload) await page.reload({ waitUntil: "commit" });
  else await page.goto(url, { waitUntil: "commit" });
  await page.waitForFunction(ready, null, { timeout: 60_000 });
  const ms = await page.evaluate(() => performance.now());
  return { ms, bytes: server.bytes() - before };
}

const server = await serve({ port: 0, ...(root ? { root } : {}) });
const browser = await launch();
const rows = [];
try {
  for (const { name, path, ready } of PAGES) {
    const url = server.url + path;
    const cold = [];
    const installed = [];
    const warm = [];
    for (let run = 0; run < RUNS; run++) {
      const context = await newContext(browser);
      const page = await context.newPage();
      const before = server.bytes();
      cold.push(await load(page, server, url, ready));
      // Everything the first visit fetches, the service worker's precache included.
      await page.evaluate(() => navigator.serviceWorker.ready);
      await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
      await page.waitForTimeout(300);
      installed.push(server.bytes() - before);
      warm.push(await load(page, server, url, ready, true));
      await context.close();
    }
    rows.push({
      page: name,
      coldKB: median(cold.map((r) => r.bytes)) / 1024,
      firstVisitKB: median(installed) / 1024,
      coldMs: median(cold.map((r) => r.ms)),
      warmKB: median(warm.map((r) => r.bytes)) / 1024,
      warmMs: median(warm.map((r) => r.ms)),
    });
  }
} finally {
  await browser.close();
  await server.close();
}

console.log(`median of ${RUNS} runs; bytes as sent (compressed); time from navigation to the first decision`);
console.log("| page | cold: transferred | cold: first visit incl. service worker | cold: first decision | warm: transferred | warm: first decision |");
console.log("| --- | --- | --- | --- | --- | --- |");
for (const r of rows) {
  console.log(`| ${r.page} | ${r.coldKB.toFixed(0)} KB | ${r.firstVisitKB.toFixed(0)} KB | ${r.coldMs.toFixed(0)} ms | ${r.warmKB.toFixed(1)} KB | ${r.warmMs.toFixed(0)} ms |`);
}

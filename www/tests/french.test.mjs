// Both pages in French (fr-CA), walked through: every string comes from the catalogue (no
// `⟦missing:…⟧` marker anywhere), money and dates are French, the engine answers in
// French, and the language switch is remembered. The French checkout screenshot is taken.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { serve, launch, newContext, open, missingKeys, plain, replaceEditorText, SCREENSHOTS } from "./harness.mjs";

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

async function noMissing(page, where) {
  assert.deepEqual(await missingKeys(page), [], `untranslated keys ${where}`);
}

test("the playground in French: every tab, errors included, from the catalogue", async () => {
  const context = await newContext(browser, { locale: "fr-CA" });
  const page = await open(context, server.url);
  await page.locator('#decision .outcome[data-outcome="blocked"]').waitFor();
  assert.equal(await page.evaluate(() => document.documentElement.lang), "fr-CA");
  assert.equal(await page.locator("#locale").inputValue(), "fr-CA");
  assert.match(await page.locator("#tab-decision").textContent(), /Décision/);
  assert.match(await page.locator("#decision .outcome").textContent(), /Bloquée/);
  assert.match(plain(await page.locator("#decision .totals").textContent()), /15 550,24 \$/);
  assert.match(await page.locator("#decision .due-date").textContent(), /^\d{1,2} [a-zéû]+\.? \d{4}$/);
  // The request's locale follows the switch: the policy's own messages are French too.
  assert.match(await page.evaluate(() => window.procuraPlayground.request()), /"locale": "fr-CA"/);
  await page.locator('#decision .line[data-line="L1"]', { hasText: "Les ordinateurs portables sont achetés" }).waitFor();
  await noMissing(page, "on the decision");
  await page.locator("#decision .raw-toggle").click();
  await page.locator("#tab-tests").click();
  await page.waitForFunction(() => /réussis?, 0 échoué$/.test(document.querySelector("#test-summary")?.textContent ?? ""));
  await noMissing(page, "on the tests");
  await page.locator("#tab-approvals").click();
  await page.locator("#approval-state .outcome").waitFor();
  await page.locator("#add-comment").click();
  await page.locator("#events .event.invalid .event-problem").waitFor();
  await page.locator("#replay-prev").click();
  await noMissing(page, "on the approvals");
  await page.locator("#tab-invoices").click();
  await page.locator("#invoice-run .invoice").first().waitFor();
  assert.match(await page.locator("#invoice-run").textContent(), /Date d'échéance/);
  await noMissing(page, "on the invoices");
  // Errors: a policy mistake, a schema error, an engine error.
  await page.locator("#tab-decision").click();
  await replaceEditorText(page, "#request-editor", '{"buyer": 5}');
  await page.locator("#request-errors li").first().waitFor();
  assert.match(await page.locator("#request-errors").textContent(), /doit être une chaîne/);
  await page.locator(".policy-pane .cm-line").first().click();
  await page.keyboard.press("Control+Home");
  await page.keyboard.type("rule ");
  await page.locator("#problems .problem").first().waitFor();
  await noMissing(page, "with errors shown");
  // The language switch: back to English, and remembered on reload.
  await page.locator("#locale").selectOption("en-CA");
  await page.waitForFunction(() => document.documentElement.lang === "en-CA" && document.querySelector("#tab-decision").textContent === "Decision");
  await page.reload();
  await page.locator("#decision .outcome").waitFor();
  assert.equal(await page.evaluate(() => document.documentElement.lang), "en-CA");
  assert.deepEqual(page.problems(), []);
  await context.close();
});

test("the checkout demo in French: badges, summary and the engine's messages", async () => {
  const context = await newContext(browser, { locale: "fr-CA", viewport: { width: 1280, height: 900 } });
  const page = await open(context, `${server.url}checkout.html`);
  await page.waitForFunction(() => document.body.dataset.badges === "ana@maple.example|north|fr-CA");
  assert.equal(await page.evaluate(() => document.documentElement.lang), "fr-CA");
  const laptop = page.locator('.product[data-product="B0LAPTOP"]');
  assert.match(await laptop.textContent(), /Les ordinateurs portables sont achetés par le service informatique/);
  assert.match(plain(await page.locator('.product[data-product="B00PAPER01"] .price').textContent()), /^42,00 \$$/);
  for (const [id, qty] of [["B0LAPTOP", 1], ["B00PAPER09", 10], ["B0PROJECTOR", 2]]) {
    const card = page.locator(`.product[data-product="${id}"]`);
    await card.locator("input.qty").fill(String(qty));
    await card.getByRole("button", { name: /^Ajouter .* au panier$/ }).click();
  }
  await page.waitForFunction(() => document.body.dataset.outcome === "blocked");
  await page.locator('.summary-line[data-line="L3"]').waitFor();
  assert.match(await page.locator("#outcome").textContent(), /Ne peut pas être commandée/);
  assert.match(await page.locator("#summary-body").textContent(), /Ce papier coûte beaucoup plus cher/);
  assert.match(plain(await page.locator("#summary-body .totals").textContent()), /\d,\d\d \$/);
  await noMissing(page, "on the checkout");
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: `${SCREENSHOTS}checkout-fr.png` });
  // Another buyer, then English: the status is reset, nothing untranslated.
  await page.locator("#buyer").selectOption("tom@maple.example");
  await page.waitForFunction(() => document.body.dataset.badges === "tom@maple.example|it|fr-CA");
  await noMissing(page, "after switching the buyer");
  await page.locator("#locale").selectOption("en-CA");
  await page.waitForFunction(() => document.body.dataset.badges === "tom@maple.example|it|en-CA");
  assert.match(await page.locator('.product[data-product="B0LAPTOP"] .product-name').textContent(), /Laptop/);
  assert.deepEqual(page.problems(), []);
  await context.close();
});

// Custom fields in a real browser: the playground's request form (from `policy.fields()`,
// kept in sync both ways with the request JSON) and the checkout's order fields (Maple's
// cost centre), in English and in French.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { serve, launch, newContext, open, replaceEditorText, missingKeys, plain } from "./harness.mjs";

const MAPLE = readFileSync(new URL("../../examples/maple.procura", import.meta.url), "utf8");

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

function noProblems(page) {
  assert.deepEqual(page.problems(), [], "no console errors, page errors or failed requests");
}

/** A Maple request with one preferred line: nothing blocks it but the fields. */
function smallRequest(fields, locale = "en-CA") {
  return JSON.stringify(
    {
      buyer: "ana@maple.example",
      group: "north",
      locale,
      order: {
        id: "ORD-1",
        currency: "CAD",
        paymentMethod: "invoice",
        poNumber: "PO-1",
        ...(fields ? { fields } : {}),
        lines: [{ id: "L1", product: "B00PAPER01", category: "office/paper/copier", supplier: "Grand & Toy", unitPrice: "42.00", quantity: 1 }],
      },
      context: { now: "2026-11-28T10:30:00-05:00", budgets: [{ budget: "north_supplies", spent: { amount: "0.00", currency: "CAD" } }] },
    },
    null,
    2,
  );
}

const requestText = (page) => page.evaluate(() => window.procuraPlayground.request());
const outcomeIs = (page, value) => page.locator(`#decision .outcome[data-outcome="${value}"]`).waitFor();

test("the playground's request form: Maple's cost centre, both ways with the JSON, in English and French", async () => {
  const context = await newContext(browser);
  const page = await open(context, server.url);
  await page.locator("#decision .outcome").waitFor();
  await replaceEditorText(page, "#request-editor", smallRequest(null));
  await page.waitForFunction(() => !/"lines": \[\s*\{\s*"id": "L2"/.test(window.procuraPlayground.request()));
  const input = page.locator("#rf-order-cost_centre");
  await input.waitFor();
  assert.ok(await page.locator("#request-fields").isVisible());
  const row = page.locator('#request-fields .field-row[data-field="cost_centre"]');
  assert.equal(await row.locator("label").textContent(), "Cost centre");
  assert.equal(await row.locator("label").getAttribute("title"), "cost_centre");
  assert.match(await row.locator(".field-hint").textContent(), /Format: CC-### \(# a digit\)/);
  assert.match(await row.locator(".field-help").textContent(), /The cost centre the order is charged to/);
  assert.equal(await row.getAttribute("data-required"), "false", "Maple's cost centre is optional");
  await page.locator('#decision .outcome:not([data-outcome="blocked"])').waitFor();

  // Typing in the form writes order.fields into the JSON; a pattern mismatch blocks.
  await input.fill("CC-1");
  await page.waitForFunction(() => /"fields": \{ "cost_centre": "CC-1" \}/.test(window.procuraPlayground.request()));
  JSON.parse(await requestText(page));
  await outcomeIs(page, "blocked");
  assert.match(await page.locator("#decision").textContent(), /Cost centre must look like CC-###/);
  await row.locator(".field-error", { hasText: "Cost centre must look like CC-###" }).waitFor();
  assert.equal(await input.getAttribute("aria-invalid"), "true");
  assert.match(await page.locator("#request-errors").textContent(), /order\.fields\.cost_centre/);

  await input.fill("CC-100");
  await page.waitForFunction(() => /"cost_centre": "CC-100"/.test(window.procuraPlayground.request()));
  await page.locator('#decision .outcome:not([data-outcome="blocked"])').waitFor();
  await row.locator(".field-error").waitFor({ state: "detached" });

  // Clearing the input removes the property: the JSON is as it was.
  await input.fill("");
  await page.waitForFunction(() => !/"fields"/.test(window.procuraPlayground.request()));
  JSON.parse(await requestText(page));

  // Editing the JSON updates the form.
  await replaceEditorText(page, "#request-editor", smallRequest({ cost_centre: "CC-2X" }));
  await page.waitForFunction(() => document.querySelector("#rf-order-cost_centre")?.value === "CC-2X");
  await outcomeIs(page, "blocked");

  // In French: labels, hints and help from the policy and the catalogue; the engine's message in French.
  await page.locator("#locale").selectOption("fr-CA");
  await page.waitForFunction(() => /"locale": "fr-CA"/.test(window.procuraPlayground.request()));
  await row.locator("label", { hasText: "Centre de coûts" }).waitFor();
  assert.match(plain(await row.locator(".field-hint").textContent()), /Format : CC-### \(# un chiffre\)/);
  assert.match(await row.locator(".field-help").textContent(), /Le centre de coûts imputé à la commande/);
  await page.locator("#decision", { hasText: "le champ « Centre de coûts » doit avoir la forme" }).waitFor();
  assert.equal(await page.locator("#rf-order-cost_centre").inputValue(), "CC-2X");
  assert.deepEqual(await missingKeys(page), []);
  noProblems(page);
  await context.close();
});

test("the form follows the policy: line fields per line, lists, dates and required markers", async () => {
  const context = await newContext(browser);
  const page = await open(context, server.url);
  await page.locator("#decision .outcome").waitFor();
  const policy = MAPLE.replace(
    /\ntest "/,
    `\nfield gl_code "GL code" fr "Compte GL" {\n  on lines\n  type text\n  required\n  pattern "####"\n}\n\nfield spend_type "Spend type" {\n  type one of "capex", "opex"\n}\n\nfield needed_by "Needed by" {\n  type date\n}\n\ntest "`,
  );
  await replaceEditorText(page, "#editor", policy);
  // The Maple request has four lines: a GL code for each, required in north.
  const gl = page.locator('#request-fields .field-group[data-scope="line"] .field-row[data-field="gl_code"]');
  await page.waitForFunction(() => document.querySelectorAll('#request-fields .field-group[data-scope="line"]').length === 4);
  assert.equal(await gl.count(), 4);
  assert.equal(await gl.first().getAttribute("data-required"), "true");
  assert.equal(await gl.first().locator(".required-mark").count(), 1);
  assert.equal(await page.locator("#rf-order-spend_type").evaluate((el) => el.tagName), "SELECT");
  assert.equal(await page.locator("#rf-order-needed_by").getAttribute("type"), "date");
  // The missing GL codes block the order, with an error at each line's path.
  await page.locator("#decision", { hasText: "GL code" }).waitFor();
  await page.locator("#rf-line0-gl_code").fill("6100");
  await page.waitForFunction(() => {
    const r = JSON.parse(window.procuraPlayground.request());
    return r.order.lines[0].fields?.gl_code === "6100" && r.order.lines[1].fields === undefined;
  });
  await page.locator("#rf-order-spend_type").selectOption("opex");
  await page.waitForFunction(() => JSON.parse(window.procuraPlayground.request()).order.fields?.spend_type === "opex");
  noProblems(page);
  await context.close();
});

/** The checkout with one preferred product in the cart, for Ana in north. */
async function store(locale) {
  const context = await newContext(browser, locale ? { locale } : {});
  const page = await open(context, `${server.url}checkout.html`);
  await page.waitForFunction(() => /\|north\|/.test(document.body.dataset.badges ?? ""));
  await page.locator('.product[data-product="B00PAPER01"] button.primary').click();
  await page.waitForFunction(() => document.body.dataset.outcome && document.body.dataset.outcome !== "empty");
  return { context, page };
}

const outcome = (page) => page.evaluate(() => document.body.dataset.outcome);

for (const [locale, labels] of [
  ["en-CA", { heading: "Order information", label: "Cost centre", hint: /Format: CC-###/, help: /e\.g\. CC-100/, message: "Cost centre must look like CC-###" }],
  ["fr-CA", { heading: "Renseignements sur la commande", label: "Centre de coûts", hint: /Format : CC-###/, help: /par exemple CC-100/, message: "le champ « Centre de coûts » doit avoir la forme CC-###" }],
]) {
  test(`the checkout asks for Maple's cost centre and sends it (${locale})`, async () => {
    const { context, page } = await store(locale);
    assert.notEqual(await outcome(page), "blocked");
    const box = page.locator("#order-fields");
    assert.ok(await box.isVisible());
    assert.equal(await box.locator("h3").textContent(), labels.heading);
    assert.equal(await box.locator('label[for="field-cost_centre"]').textContent(), labels.label);
    assert.match(plain(await box.locator(".field-hint").textContent()), labels.hint);
    assert.match(await box.locator(".field-help").textContent(), labels.help);
    const input = page.locator("#field-cost_centre");
    // A bad value is sent and blocks the order with Maple's message, shown at the input too.
    await input.fill("CC-12");
    await page.waitForFunction(() => document.body.dataset.outcome === "blocked");
    assert.deepEqual(await page.evaluate(() => window.procuraCheckout.request().order.fields), { cost_centre: "CC-12" });
    await box.locator(".field-error", { hasText: labels.message }).waitFor();
    assert.match(await page.locator("#summary-body .messages").first().textContent(), new RegExp(labels.message));
    assert.equal(await input.getAttribute("aria-invalid"), "true");
    assert.ok(await page.locator("button.place").isDisabled());
    // A good one does not.
    await input.fill("CC-120");
    await page.waitForFunction(() => document.body.dataset.outcome && document.body.dataset.outcome !== "blocked");
    assert.deepEqual(await page.evaluate(() => window.procuraCheckout.request().order.fields), { cost_centre: "CC-120" });
    await box.locator(".field-error").waitFor({ state: "detached" });
    assert.equal(await input.getAttribute("aria-invalid"), null);
    // Empty: nothing is sent (the field is optional in Maple).
    await input.fill("");
    await page.waitForFunction(() => window.procuraCheckout.request().order.fields === undefined);
    assert.deepEqual(await missingKeys(page), []);
    noProblems(page);
    await context.close();
  });
}

test("the policy editor highlights the custom-field keywords", async () => {
  const context = await newContext(browser);
  const page = await open(context, server.url);
  await page.locator("#decision .outcome").waitFor();
  await replaceEditorText(page, "#editor", 'policy "X" {\n  currency CAD\n}\nfield cc "Cost" {\n  on lines\n  type one of "a", "b"\n  optional\n  pattern "CC-###"\n  help "x"\n}\nfield d {\n  type date\n}\n');
  await page.locator(".policy-pane .cm-line", { hasText: "type date" }).waitFor();
  const colours = await page.evaluate(() => {
    const out = {};
    for (const span of document.querySelectorAll(".policy-pane .cm-line span")) out[span.textContent] ??= getComputedStyle(span).color;
    return out;
  });
  assert.equal(colours.field, colours.policy, "`field` is a declaration, as `policy`");
  for (const word of ["on", "type", "one", "optional", "pattern", "help", "lines"]) assert.equal(colours[word], colours.currency, `${word} is a clause keyword`);
  assert.notEqual(colours.date, undefined, "`date` is highlighted");
  assert.notEqual(colours.cc, colours.field, "the field's name is a definition");
  noProblems(page);
  await context.close();
});

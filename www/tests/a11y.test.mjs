// Accessibility: every control has a label, the main controls are reachable with Tab in a
// sensible order, buttons work with Enter and Space, the result tabs with the arrow keys,
// and focus is visible.
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

/** Controls without an accessible name: none expected. */
function unlabelled(page) {
  return page.evaluate(() => {
    const controls = document.querySelectorAll("button, select, input, textarea, [contenteditable=true], [role=tab], a[href]");
    const missing = [];
    for (const el of controls) {
      if (el.closest("[hidden]") || el.type === "hidden") continue;
      const named =
        el.getAttribute("aria-label") ||
        el.getAttribute("aria-labelledby") ||
        (el.id && document.querySelector(`label[for="${CSS.escape(el.id)}"]`)) ||
        el.closest("label") ||
        (["BUTTON", "A"].includes(el.tagName) || el.getAttribute("role") === "tab" ? el.textContent.trim() : "");
      if (!named) missing.push(el.outerHTML.slice(0, 120));
    }
    return missing;
  });
}

/** What Tab visits from the top of the page, as short descriptions. */
async function tabOrder(page, steps) {
  const seen = [];
  await page.locator("body").click({ position: { x: 1, y: 1 } });
  for (let i = 0; i < steps; i++) {
    await page.keyboard.press("Tab");
    seen.push(
      await page.evaluate(() => {
        const el = document.activeElement;
        return el.id || el.getAttribute("aria-label") || el.textContent.trim().slice(0, 40);
      }),
    );
  }
  return seen;
}

test("playground: labels, tab order, keyboard use of buttons and tabs, visible focus", async () => {
  const context = await newContext(browser);
  const page = await open(context, server.url);
  await page.locator("#decision .outcome").waitFor();
  await page.locator("#decision .trace-entry").first().waitFor();
  assert.deepEqual(await unlabelled(page), []);

  const order = await tabOrder(page, 60);
  const at = (name) => order.indexOf(name);
  for (const name of ["example", "format", "share", "Policy source", "Directory (JSON)", "Checkout request (JSON)", "tab-decision"]) {
    assert.ok(at(name) >= 0, `${name} is reachable with Tab (${order.join(" | ")})`);
  }
  assert.ok(at("example") < at("Policy source") && at("Policy source") < at("Directory (JSON)") && at("Directory (JSON)") < at("tab-decision"), "tab order follows the layout");
  assert.ok(order.some((name) => /laptops_it_only/.test(name)), "trace entries are reachable");

  // Visible focus: the focused tab has an outline.
  await page.locator("#tab-decision").focus();
  const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
  assert.notEqual(outline, "none");

  // Arrow keys move between the result tabs; the panel follows.
  await page.keyboard.press("ArrowRight");
  await page.waitForFunction(() => document.activeElement?.id === "tab-tests" && !document.querySelector("#panel-tests").hidden);
  await page.keyboard.press("End");
  await page.waitForFunction(() => document.activeElement?.id === "tab-impact");
  await page.keyboard.press("Home");
  await page.waitForFunction(() => document.activeElement?.id === "tab-decision" && !document.querySelector("#panel-decision").hidden);

  // Enter and Space press buttons: Space on "Show raw JSON", Enter on a trace entry.
  await page.locator("#decision .raw-toggle").focus();
  await page.keyboard.press("Space");
  await page.locator("#decision pre.raw").waitFor();
  await page.locator('#decision .trace-entry[data-rule="laptops_it_only"]').focus();
  await page.keyboard.press("Enter");
  await page.locator(".cm-rule-highlight").first().waitFor();

  // The examples menu works from the keyboard.
  await page.locator("#example").focus();
  await page.keyboard.press("ArrowDown");
  await page.waitForFunction(() => document.querySelector("#example").value !== "maple");
  assert.deepEqual(page.problems(), []);
  await context.close();
});

test("checkout: labels, tab order and keyboard use", async () => {
  const context = await newContext(browser);
  const page = await open(context, `${server.url}checkout.html`);
  await page.locator(".product .badge").first().waitFor();
  assert.deepEqual(await unlabelled(page), []);
  const order = await tabOrder(page, 12);
  for (const name of ["buyer", "group", "locale"]) assert.ok(order.includes(name), `${name} is reachable (${order.join(" | ")})`);
  assert.ok(order.some((name) => /^Add .* to the cart$/.test(name)), "add-to-cart buttons are reachable");
  // Enter on an "Add to cart" button adds it.
  await page.getByRole("button", { name: "Add Classroom projector to the cart" }).focus();
  await page.keyboard.press("Enter");
  await page.waitForFunction(() => document.body.dataset.outcome === "allowed");
  assert.deepEqual(page.problems(), []);
  await context.close();
});

// Both pages from a phone to a desktop (390, 768, 1,024 and 1,440 px wide): every editor
// is at least 12 lines tall, typing in each changes the decision, the result tabs are all
// in view, long names are cut with a tooltip, nothing overflows sideways, and adding to
// the cart is visible where the person looks. The 390 px playground screenshot is taken.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { serve, launch, newContext, open, replaceEditorText, SCREENSHOTS } from "./harness.mjs";

const WIDTHS = [
  [390, 844],
  [768, 1024],
  [1024, 768],
  [1440, 900],
];

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

/** Places the cursor at the end of the editor line containing `text`, in view. */
async function endOfLine(page, host, text) {
  const line = page.locator(`${host} .cm-line`, { hasText: text }).first();
  // The editor draws only the lines in view: scroll it down until the line is drawn.
  // (It draws what is in the window's view too: bring the editor into view first.)
  await page.evaluate((sel) => {
    document.querySelector(`${sel} .cm-editor`).scrollIntoView({ block: "start" });
    document.querySelector(`${sel} .cm-scroller`).scrollTop = 0;
  }, host);
  await page.waitForTimeout(50);
  for (let i = 0; i < 60 && (await line.count()) === 0; i++) {
    await page.evaluate((sel) => (document.querySelector(`${sel} .cm-scroller`).scrollTop += 150), host);
    await page.waitForTimeout(30);
  }
  await line.scrollIntoViewIfNeeded();
  await line.click();
  // With wrapped lines, End stops at each wrap point before the end of the line.
  for (let i = 0; i < 8; i++) await page.keyboard.press("End");
}

function noSidewaysScroll(page) {
  return page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1);
}

for (const [width, height] of WIDTHS) {
  test(`playground at ${width} px: 12-line editors, typing in each, tabs in view`, async () => {
    const context = await newContext(browser, { viewport: { width, height } });
    const page = await open(context, server.url);
    await page.locator('#decision .outcome[data-outcome="blocked"]').waitFor();
    if (width === 390) {
      mkdirSync(SCREENSHOTS, { recursive: true });
      await page.screenshot({ path: `${SCREENSHOTS}playground-390.png` });
    }
    // Every editor is at least 12 lines tall.
    for (const host of ["#editor", "#directory-editor", "#request-editor"]) {
      const { box, line } = await page.evaluate((sel) => {
        const el = document.querySelector(sel);
        return { box: el.getBoundingClientRect().height, line: parseFloat(getComputedStyle(el.querySelector(".cm-content")).lineHeight) };
      }, host);
      assert.ok(box >= 12 * line, `${host} is ${box} px tall, less than 12 lines of ${line} px`);
    }
    assert.ok(await noSidewaysScroll(page), "no sideways scrolling");
    // Every result tab is fully in view.
    for (const id of ["tab-decision", "tab-tests", "tab-approvals", "tab-invoices"]) {
      const box = await page.locator(`#${id}`).boundingBox();
      assert.ok(box.x >= 0 && box.x + box.width <= width + 0.5, `#${id} is in view (${box.x}+${box.width} of ${width})`);
    }

    // Type in the request: three laptops instead of two.
    await endOfLine(page, "#request-editor", '"B0LAPTOP"');
    for (let i = 0; i < 3; i++) await page.keyboard.press("ArrowLeft");
    await page.keyboard.press("Backspace");
    await page.keyboard.type("3");
    await page.waitForFunction(() => /\$3,897\.00/.test(document.querySelector('#decision .line[data-line="L1"] .amount')?.textContent ?? ""));
    // Type in the directory: the North principal's name changes in the approval plan.
    await endOfLine(page, "#directory-editor", "Paul Okafor");
    await page.keyboard.press("ArrowLeft");
    await page.keyboard.press("ArrowLeft");
    await page.keyboard.type(" Jr");
    await page.locator("#decision .levels .person", { hasText: "Paul Okafor Jr" }).first().waitFor();
    // Type in the policy: North may buy laptops too, so the order is no longer blocked.
    await endOfLine(page, ".policy-pane", "for district and subgroups except it");
    await page.keyboard.type(", north");
    await page.locator('#decision .outcome[data-outcome="approvalRequired"]').waitFor();

    // A very long policy name is cut, not spilled over the other panes; the tooltip has it.
    const long = `policy "${"A very long policy name ".repeat(12).trim()}"`;
    const text = await page.evaluate(() => window.procuraPlayground.policy());
    await replaceEditorText(page, ".policy-pane", text.replace('policy "Maple School District"', long));
    await page.waitForFunction(() => /A very long/.test(document.querySelector("#policy-meta").title));
    const fits = await page.evaluate(() => {
      const meta = document.querySelector("#policy-meta").getBoundingClientRect();
      const pane = document.querySelector(".policy-pane").getBoundingClientRect();
      return meta.right <= pane.right + 0.5;
    });
    assert.ok(fits, "the policy name stays inside its pane");
    assert.ok(await noSidewaysScroll(page), "no sideways scrolling with a long name");

    // The Invoices tab opens and its controls are in view.
    await page.locator("#tab-invoices").click();
    await page.locator("#invoice-run .invoice").first().waitFor();
    const run = await page.locator("#run-invoices").boundingBox();
    assert.ok(run.x + run.width <= width + 0.5, "Run invoices is in view");
    assert.deepEqual(page.problems(), []);
    await context.close();
  });

  test(`checkout at ${width} px: products, the cart in view when adding, no overflow`, async () => {
    const context = await newContext(browser, { viewport: { width, height } });
    const page = await open(context, `${server.url}checkout.html`);
    await page.waitForFunction(() => document.body.dataset.badges === "ana@maple.example|north|en-CA");
    assert.ok(await noSidewaysScroll(page), "no sideways scrolling");
    // Each product tile has its category icon.
    assert.equal(await page.locator(".product .tile svg").count(), await page.locator(".product").count());
    const card = page.locator('.product[data-product="B0CHAIR"]');
    await card.scrollIntoViewIfNeeded();
    await card.getByRole("button", { name: /^Add .* to the cart$/ }).click();
    await page.waitForFunction(() => document.body.dataset.outcome === "allowed");
    // Where the cart is out of sight, a toast and the cart count are in view.
    const inView = (box) => box && box.y >= 0 && box.y + box.height <= height + 0.5 && box.x >= 0 && box.x + box.width <= width + 0.5;
    const cartBox = await page.locator("#cart").boundingBox();
    if (!inView(cartBox)) {
      await page.locator("#toast").waitFor();
      assert.ok(inView(await page.locator("#toast").boundingBox()), "the toast is in view");
      assert.ok(inView(await page.locator("#cart-link").boundingBox()), "the cart count is in view");
      assert.equal(await page.locator("#cart-count").textContent(), "1");
      await page.locator("#cart-link").click();
      await page.waitForFunction(() => document.querySelector("#cart-heading").getBoundingClientRect().top < innerHeight);
    } else {
      assert.match(await page.locator("#cart").textContent(), /Stackable student chair/);
    }
    assert.ok(await noSidewaysScroll(page), "no sideways scrolling with a cart");
    assert.deepEqual(page.problems(), []);
    await context.close();
  });
}

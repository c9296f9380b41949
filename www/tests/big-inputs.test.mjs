// Big inputs: a 5,000-line order and a 5 MB request. Typing stays responsive (the latency
// of each keystroke, from the key to the next frame, is measured and printed — not
// asserted, timings vary by machine), the decision shows lines a page at a time and a
// message repeated for every line once with its count, and autosave says when the
// browser's storage is full.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { serve, launch, newContext, open, pasteEditorText } from "./harness.mjs";

const REQUEST = JSON.parse(readFileSync(new URL("../../examples/maple.request.json", import.meta.url), "utf8"));

/** Maple's request with `count` lines (its four lines over and over), `pad` characters of description each. */
function bigRequest(count, pad = 0) {
  const lines = [];
  for (let i = 0; i < count; i++) {
    const line = { ...REQUEST.order.lines[i % REQUEST.order.lines.length], id: `L${i + 1}`, quantity: 1 };
    if (pad) line.description = `Item ${i + 1} `.padEnd(pad, "x");
    lines.push(`      ${JSON.stringify(line)}`);
  }
  const text = JSON.stringify({ ...REQUEST, order: { ...REQUEST.order, lines: ["__LINES__"] } }, null, 2);
  return text.replace('"__LINES__"', `\n${lines.join(",\n")}\n      `);
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

/** Starts recording, for each key pressed, the time from the key event to the next frame. */
async function recordLatency(page) {
  await page.waitForTimeout(150); // the keys that placed the cursor are not counted
  return page.evaluate(() => {
    window.__latencies = [];
    if (window.__recording) return;
    window.__recording = true;
    document.addEventListener(
      "keydown",
      (event) => {
        const start = event.timeStamp;
        requestAnimationFrame(() => setTimeout(() => window.__latencies.push(performance.now() - start), 0));
      },
      true,
    );
  });
}

async function latencies(page) {
  await page.waitForTimeout(200);
  const values = await page.evaluate(() => window.__latencies.splice(0));
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  if (process.env.LATENCY_DEBUG) console.log(values.map(Math.round).join(" "));
  return { keys: values.length, median: Math.round(at(0.5)), p95: Math.round(at(0.95)), max: Math.round(sorted.at(-1)) };
}

/** Puts the cursor at the end of the line of `host`'s editor containing `text` (in view). */
async function endOfLine(page, host, text) {
  await page.locator(`${host} .cm-content`).focus();
  await page.keyboard.press("Control+Home");
  await page.locator(`${host} .cm-line`, { hasText: text }).first().click();
  for (let i = 0; i < 8; i++) await page.keyboard.press("End");
}

async function typing(page, label, host, lineText, { fast = 20, slow = 6 } = {}) {
  await endOfLine(page, host, lineText);
  await page.keyboard.press("ArrowLeft");
  await page.keyboard.press("ArrowLeft");
  await recordLatency(page);
  // Quick typing (60 ms a key), then keys spaced out so that validation and evaluation
  // run between them (450 ms: past every debounce).
  await page.keyboard.type("1234567890123456789012345".slice(0, fast), { delay: 60 });
  for (let i = 0; i < slow; i++) {
    await page.keyboard.type(String(i));
    await page.waitForTimeout(450);
  }
  const result = await latencies(page);
  console.log(`keystroke latency, ${label}: ${JSON.stringify(result)} (ms, key event to next frame)`);
  return result;
}

for (const [name, count, pad] of [
  ["5,000-line order", 5000, 0],
  ["5 MB request", 5000, 1050],
]) {
  test(`a ${name}: typing stays responsive, lines are paged, repeats collapse`, async () => {
    const text = bigRequest(count, pad);
    console.log(`${name}: ${(text.length / 1e6).toFixed(2)} million characters, ${count} lines`);
    const context = await newContext(browser);
    const page = await open(context, server.url);
    await page.locator("#decision .outcome").waitFor();
    await pasteEditorText(page, "#request-editor", text);
    await page.waitForFunction((n) => document.querySelector("#decision .decision .card h3")?.textContent.includes(n), count.toLocaleString("en-CA"), { timeout: 60_000 });
    // One page of lines, and a button for the next.
    assert.equal(await page.locator("#decision .lines > li").count(), 50);
    assert.match(await page.locator("#decision .show-more").textContent(), /Show 50 more \(50 of 5,000 shown\)/);
    await page.locator("#decision .show-more").click();
    assert.equal(await page.locator("#decision .lines > li").count(), 100);
    // The laptops' block, repeated at order level for each laptop line, is shown once.
    const repeated = page.locator("#decision .decision > .messages li", { hasText: "Laptops" });
    assert.equal(await repeated.count(), 1);
    assert.equal(await repeated.getAttribute("data-count"), "1250");
    assert.match(await repeated.textContent(), /Laptops are purchased by the IT department 1,250 lines/);
    await typing(page, `${name}, request editor`, "#request-editor", '"poNumber"');
    await typing(page, `${name}, policy editor`, ".policy-pane", "currency CAD", { fast: 10, slow: 4 });
    // The page still decides: the edited request is evaluated.
    await page.waitForFunction(() => /^\d+ errors?, /.test(document.querySelector("#status").textContent));
    if (pad) {
      // 5 MB does not fit in the browser's storage: autosave says so, visibly.
      await page.locator("#storage-warning").waitFor();
      assert.match(await page.locator("#storage-warning").textContent(), /storage is full/);
      // Once the inputs fit again, autosave resumes and the message goes.
      await pasteEditorText(page, "#request-editor", JSON.stringify(REQUEST, null, 2));
      await page.locator("#storage-warning").waitFor({ state: "hidden" });
    } else {
      assert.equal(await page.locator("#storage-warning").isHidden(), true);
    }
    assert.deepEqual(page.problems(), []);
    await context.close();
  });
}

// The playground in a real browser: diagnostics as you type, the decision, the trace, the
// policy tests, formatting, approvals, invoices, share links and autosave.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, mkdirSync } from "node:fs";
import { serve, launch, newContext, open, replaceEditorText, lineOf, SCREENSHOTS } from "./harness.mjs";

const MAPLE = readFileSync(new URL("../../examples/maple.procura", import.meta.url), "utf8");
const MAPLE_TESTS = MAPLE.match(/^test "/gm).length;

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

/** A fresh context (no saved state) with the playground loaded and evaluated. */
async function playground(hash = "") {
  const context = await newContext(browser);
  const page = await open(context, server.url + hash);
  await page.locator("#decision .outcome").waitFor();
  return { context, page };
}

function noProblems(page) {
  assert.deepEqual(page.problems(), [], "no console errors, page errors or failed requests");
}

test("the playground opens on Maple with its decision, and a screenshot is taken", async () => {
  const { context, page } = await playground();
  await page.locator('#decision .outcome[data-outcome="blocked"]').waitFor();
  assert.equal(await page.locator("#example").inputValue(), "maple");
  assert.match(await page.locator("#policy-meta").textContent(), /Maple School District · sha256:/);
  // Per-line verdicts, with messages and suggestions.
  assert.equal(await page.locator('#decision .line[data-line="L1"]').getAttribute("data-verdict"), "blocked");
  assert.match(await page.locator('#decision .line[data-line="L1"]').textContent(), /Laptops are purchased by the IT department/);
  assert.match(await page.locator('#decision .line[data-line="L2"] .suggestions').textContent(), /B00PAPER01 at \$42\.00/);
  // The approval plan: levels, quorum and approvers with their names from the directory.
  const levels = page.locator("#decision .levels .level");
  assert.ok((await levels.count()) >= 2);
  assert.match(await page.locator("#decision .levels").textContent(), /Level 1 — any of/);
  // People by name; the id is in the tooltip.
  assert.match(await page.locator("#decision .levels").textContent(), /Paul Okafor/);
  assert.doesNotMatch(await page.locator("#decision .levels").textContent(), /paul@maple\.example/);
  assert.equal(await page.locator('#decision .levels .person[data-user="paul@maple.example"]').first().getAttribute("title"), "paul@maple.example");
  // Budgets, invoice routing with its due date, totals.
  assert.match(await page.locator('#decision .budget[data-budget="north_supplies"]').textContent(), /\$4,200\.00 spent \+ \$13,893\.99 this order of \$20,000\.00/);
  assert.match(await page.locator("#decision .due-date").getAttribute("datetime"), /^\d{4}-\d{2}-\d{2}$/);
  assert.match(await page.locator("#decision .due-date").textContent(), /^[A-Z][a-z]{2}\.? \d{1,2}, \d{4}$/);
  assert.match(await page.locator("#decision .totals").textContent(), /\$15,550\.24/);
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: `${SCREENSHOTS}playground.png` });
  // The raw JSON is one click away.
  await page.locator("#decision .raw-toggle").click();
  const raw = JSON.parse(await page.locator("#decision pre.raw").textContent());
  assert.equal(raw.type, "success");
  assert.equal(raw.result.outcome, "blocked");
  await page.locator("#decision .raw-toggle").click();
  noProblems(page);
  await context.close();
});

test("a mistake shows its diagnostic at the right line; the fix updates the decision", async () => {
  const { context, page } = await playground();
  await page.locator('#decision .outcome[data-outcome="blocked"]').waitFor();
  const line = lineOf(MAPLE, "for district and subgroups except it");
  // Type a mistake: `except itx` names no group.
  await page.locator(".policy-pane .cm-line", { hasText: "for district and subgroups except it" }).click();
  await page.keyboard.press("End");
  await page.keyboard.type("x");
  const problem = page.locator(`.problem-button[data-line="${line}"]`);
  await problem.waitFor();
  assert.match(await problem.textContent(), new RegExp(`^${line}:\\d+ error P\\d{4} .*itx`));
  await page.locator(".policy-pane .cm-lintRange-error").first().waitFor();
  assert.match(await page.locator(".policy-pane .cm-lintRange-error").first().textContent(), /itx/);
  await page.locator("#decision .outcome-failure").waitFor();
  // Hovering the squiggle shows the message and help.
  await page.locator(".policy-pane .cm-lintRange-error").first().hover();
  await page.locator(".cm-tooltip .diag").waitFor();
  assert.match(await page.locator(".cm-tooltip .diag").textContent(), /itx/);
  // Clicking the problem selects its span in the editor.
  await problem.click();
  await page.waitForFunction(() => document.activeElement?.classList.contains("cm-content"));
  // Fix it differently: laptops are now blocked everywhere except north, so the order's
  // laptop line is allowed and the decision changes from blocked to approval required.
  await page.keyboard.press("End");
  await page.keyboard.press("Backspace");
  await page.keyboard.press("Backspace");
  await page.keyboard.press("Backspace");
  await page.keyboard.type("north");
  await page.locator("#problems .none").waitFor();
  await page.locator('#decision .outcome[data-outcome="approvalRequired"]').waitFor();
  assert.equal(await page.locator('#decision .line[data-line="L1"]').getAttribute("data-verdict"), "allowed");
  noProblems(page);
  await context.close();
});

test("clicking a trace entry highlights the rule in the editor", async () => {
  const { context, page } = await playground();
  const entry = page.locator('#decision .trace-entry[data-rule="laptops_it_only"]');
  await entry.waitFor();
  assert.match(await entry.textContent(), /laptops_it_only \(\d+:\d+\) block → L1/);
  await entry.click();
  const mark = page.locator(".policy-pane .cm-rule-highlight").first();
  await mark.waitFor();
  assert.match(await mark.textContent(), /laptops_it_only/);
  // The next edit clears the highlight.
  await page.keyboard.type(" ");
  await page.locator(".policy-pane .cm-rule-highlight").waitFor({ state: "detached" });
  noProblems(page);
  await context.close();
});

test("the Tests tab runs the policy's tests, shows expected vs actual and jumps to a test", async () => {
  const { context, page } = await playground();
  await page.locator("#tab-tests").click();
  await page.waitForFunction((n) => document.querySelector("#test-summary")?.textContent === `${n} passed, 0 failed`, MAPLE_TESTS);
  assert.equal(await page.locator(".test-list .test.pass").count(), MAPLE_TESTS);
  // Break one expectation: the test fails with what it expected and what it got.
  const broken = MAPLE.replace("expect total 420.00 CAD", "expect total 421.00 CAD");
  await replaceEditorText(page, ".policy-pane", broken);
  await page.waitForFunction((n) => document.querySelector("#test-summary")?.textContent === `${n - 1} passed, 1 failed`, MAPLE_TESTS);
  const failed = page.locator(".test-list .test.fail");
  assert.match(await failed.locator(".expected").textContent(), /421\.00 CAD/);
  assert.match(await failed.locator(".actual").textContent(), /420\.00 CAD/);
  await failed.locator(".test-name").click();
  await page.locator(".policy-pane .cm-rule-highlight").first().waitFor();
  assert.match(await page.locator(".policy-pane .cm-rule-highlight").first().textContent(), /preferred paper is preferred/);
  noProblems(page);
  await context.close();
});

test("Format rewrites the policy in the canonical layout", async () => {
  const { context, page } = await playground();
  const messy = MAPLE.replace("actions approve_capex", "actions     approve_capex").replace("  currency CAD", "currency    CAD");
  await replaceEditorText(page, ".policy-pane", messy);
  await page.waitForFunction(() => window.procuraPlayground.policy().includes("actions     approve_capex"));
  await page.locator("#format").click();
  await page.waitForFunction((expected) => window.procuraPlayground.policy() === expected, MAPLE);
  noProblems(page);
  await context.close();
});

test("the directory and request panels show schema errors at their JSON path", async () => {
  const { context, page } = await playground();
  const request = JSON.parse(readFileSync(new URL("../../examples/maple.request.json", import.meta.url), "utf8"));
  request.order.lines[1].quantity = "40";
  request.order.colour = "blue";
  await replaceEditorText(page, "#request-editor", JSON.stringify(request, null, 2));
  await page.locator("#request-errors li", { hasText: "order.lines[1].quantity must be a whole number" }).waitFor();
  await page.locator("#request-errors li", { hasText: "order.colour unknown key" }).waitFor();
  assert.ok(await page.locator("#request-editor .cm-lintRange-error").count() >= 2);
  // The engine reports the same request by path, so there is no decision.
  await page.locator("#decision .outcome-failure").waitFor();
  assert.match(await page.locator("#decision .engine-errors").textContent(), /order\./);
  await replaceEditorText(page, "#directory-editor", '{ "users": [ { "name": "No id" } ] }');
  await page.locator("#directory-errors li", { hasText: "users[0] the key id is missing" }).waitFor();
  // The engine says the same, by its path and code.
  await page.locator("#directory-errors li", { hasText: /^directory\.users\[0\]\S* .*\(E\d{4}\)$/ }).first().waitFor();
  noProblems(page);
  await context.close();
});

test("the Approvals tab replays the events and shows the state after each", async () => {
  const { context, page } = await playground();
  await page.locator("#tab-approvals").click();
  // Maple's sample: a comment, then the principal and the CFO approve the large order.
  const status = page.locator("#approval-state .outcome");
  await page.locator("#approval-state .outcome, #approval-state .warn-text").first().waitFor();
  assert.equal(await page.locator("#approval-state .warn-text").count(), 0, await page.locator("#approval-state").textContent());
  await page.locator('#approval-state .outcome[data-status="approved"]').waitFor();
  assert.equal(await page.locator("#replay").getAttribute("max"), "3");
  assert.equal(await page.locator("#events .event").count(), 3);
  await page.locator('.step-result.ok >> nth=2').waitFor();
  // Step back: before the CFO's approval the order waits at level 2.
  await page.locator("#replay-prev").click();
  await page.waitForFunction(() => document.querySelector("#approval-state .outcome")?.dataset.status === "pending");
  assert.match(await status.textContent(), /level 2/);
  assert.match(await page.locator("#approval-state").textContent(), /Dana Cohen/);
  // All the way back: only submitted, pending at level 1.
  await page.locator("#replay").fill("0");
  await page.waitForFunction(() => /level 1/.test(document.querySelector("#approval-state .outcome")?.textContent ?? ""));
  // Add a rejection by someone who may not act: the engine refuses it with a reason.
  await page.locator("#add-rejected").click();
  const last = page.locator("#events .event").last();
  await last.locator('input[data-field="by"]').fill("ana@maple.example");
  await last.locator(".step-result.refused").waitFor();
  assert.match(await last.locator(".step-result").textContent(), /refused/);
  noProblems(page);
  await context.close();
});

test("the Invoices tab runs invoices and downloads both CSV reports", async () => {
  const { context, page } = await playground();
  await page.locator("#tab-invoices").click();
  await page.locator("#invoice-run .invoice, #invoice-run .warn-text").first().waitFor();
  assert.equal(await page.locator("#invoice-run .warn-text").count(), 0, await page.locator("#invoice-run").textContent());
  assert.match(await page.locator("#invoice-run .run-summary").textContent(), /Period 2026-11/);
  assert.match(await page.locator("#invoice-run").textContent(), /North campus/);
  assert.match(await page.locator("#invoice-run").textContent(), /Due date/);
  for (const rows of ["orders", "invoices"]) {
    const [download] = await Promise.all([page.waitForEvent("download"), page.locator(`#download-${rows}`).click()]);
    assert.equal(download.suggestedFilename(), `${rows}-2026-11.csv`);
    const text = readFileSync(await download.path(), "utf8");
    const header = text.split("\r\n")[0];
    assert.equal(header, rows === "orders" ? "poNumber,orderId,orderStatus,invoiceId,amountDue,currency,dueDate,reason" : "invoiceId,kind,template,group,poNumber,currency,invoiceDate,dueDate,amountDue");
    assert.ok(text.split("\r\n").filter(Boolean).length > 1, `${rows} report has rows`);
  }
  noProblems(page);
  await context.close();
});

test("a share link restores the policy, directory and request; edits are autosaved", async () => {
  const { context, page } = await playground();
  const policy = `// shared from a test\n${MAPLE}`;
  const directory = readFileSync(new URL("../../examples/maple.directory.json", import.meta.url), "utf8").replace("Ana Tremblay", "Ana T.");
  const request = readFileSync(new URL("../../examples/maple.request.json", import.meta.url), "utf8").replace('"quantity": 2', '"quantity": 1');
  await replaceEditorText(page, ".policy-pane", policy);
  await replaceEditorText(page, "#directory-editor", directory);
  await replaceEditorText(page, "#request-editor", request);
  await page.waitForFunction(([p, d, r]) => window.procuraPlayground.policy() === p && window.procuraPlayground.directory() === d && window.procuraPlayground.request() === r, [policy, directory, request]);
  await page.locator("#share").click();
  const field = page.locator("#share-url");
  await field.waitFor();
  const url = await field.inputValue();
  assert.match(url, /#s=[A-Za-z0-9_-]+$/);
  assert.ok(url.length < 4000, `the link is short (${url.length} characters)`);

  // A new browser profile opening the link gets all three back.
  const other = await newContext(browser);
  const shared = await open(other, url);
  await shared.locator("#decision .outcome").waitFor();
  assert.equal(await shared.evaluate(() => window.procuraPlayground.policy()), policy);
  assert.equal(await shared.evaluate(() => window.procuraPlayground.directory()), directory);
  assert.equal(await shared.evaluate(() => window.procuraPlayground.request()), request);
  noProblems(shared);
  await other.close();

  // Autosave: the first profile reopens the playground (without the link) as it was left.
  await page.waitForFunction((p) => JSON.parse(localStorage.getItem("procura.playground.v1") ?? "{}").policy === p, policy);
  await page.goto(server.url);
  await page.locator("#decision .outcome").waitFor();
  assert.equal(await page.evaluate(() => window.procuraPlayground.policy()), policy);
  assert.equal(await page.evaluate(() => window.procuraPlayground.request()), request);
  noProblems(page);
  await context.close();
});

test("the examples menu loads each scenario with its directory and request", async () => {
  const { context, page } = await playground();
  const ids = await page.locator("#example option").evaluateAll((options) => options.map((o) => o.value));
  assert.equal(ids.length, 11, "Maple and the ten scenarios");
  for (const id of ids.slice(1)) {
    await page.locator("#example").selectOption(id);
    await page.waitForFunction((stem) => document.querySelector("#example").value === stem && /^\d+ errors?, /.test(document.querySelector("#status").textContent), id);
    await page.locator("#decision .outcome").waitFor();
    const outcome = await page.locator("#decision .outcome").getAttribute("class");
    assert.doesNotMatch(outcome, /outcome-failure/, `${id}: the sample request is decided`);
    assert.equal(await page.locator("#problems .sev-error").count(), 0, `${id}: no errors`);
  }
  noProblems(page);
  await context.close();
});

test("engine errors read in plain words: quoted input as code, the JSON path shown", async () => {
  const { context, page } = await playground();
  const request = JSON.parse(readFileSync(new URL("../../examples/maple.request.json", import.meta.url), "utf8"));
  // Ana may not order for IT (E0207).
  await replaceEditorText(page, "#request-editor", JSON.stringify({ ...request, group: "it" }, null, 2));
  const error = page.locator('#decision .engine-errors li[data-code="E0207"]');
  await error.waitFor();
  const text = await error.textContent();
  assert.doesNotMatch(text, /`/, "no literal backticks");
  assert.match(text, /^at group — ana@maple\.example may not place_orders in it/);
  assert.deepEqual(await error.locator("code.quoted").allTextContents(), ["ana@maple.example", "place_orders", "it", "place_orders"]);
  // The JSON reader's words: no Rust type names.
  await replaceEditorText(page, "#request-editor", "[]");
  await page.locator("#decision .engine-errors li", { hasText: "expected an object, found an array" }).waitFor();
  assert.doesNotMatch(await page.locator("#decision").textContent(), /CheckoutRequest|struct|invalid length/);
  // A long bad value is quoted as a short excerpt.
  request.order.lines[0].quantity = "9".repeat(5000);
  await replaceEditorText(page, "#request-editor", JSON.stringify(request));
  const excerpt = page.locator('#decision .engine-errors li[data-code="E0101"]').first();
  await excerpt.waitFor();
  assert.ok((await excerpt.textContent()).length < 400, "the value is cut");
  noProblems(page);
  await context.close();
});

test("approvals: an empty comment is invalid, and no approval needed is never 'waiting'", async () => {
  const { context, page } = await playground();
  await page.locator("#tab-approvals").click();
  await page.locator('#approval-state .outcome[data-status="approved"]').waitFor();
  await page.locator("#add-comment").click();
  const comment = page.locator("#events .event").last();
  await comment.locator(".event-problem").waitFor();
  assert.match(await comment.locator(".event-problem").textContent(), /A comment needs text/);
  await page.waitForFunction(() => /invalid/.test(document.querySelector("#events .event:last-child .step-result")?.textContent ?? ""));
  assert.doesNotMatch(await comment.locator(".step-result").textContent(), /✓|Approved/);
  assert.equal(await comment.locator('input[data-field="text"]').getAttribute("aria-invalid"), "true");
  await comment.locator('input[data-field="text"]').fill("Looks fine");
  await comment.locator(".step-result.ok", { hasText: "Recorded" }).waitFor();
  assert.ok(await comment.locator(".event-problem").isHidden());

  // A small order needs no approval: no events, no levels, no "waits at its first level".
  const request = JSON.parse(readFileSync(new URL("../../examples/maple.request.json", import.meta.url), "utf8"));
  request.order.lines = [{ id: "L1", product: "B0MARKERS", category: "office/supplies/markers", supplier: "Staples", unitPrice: "14.50", quantity: 1 }];
  await page.locator("#panel-approvals .order-box summary").click();
  await replaceEditorText(page, "#panel-approvals .order-box", JSON.stringify(request, null, 2));
  while ((await page.locator("#events .event").count()) > 0) await page.locator("#events .event button.link").first().click();
  await page.locator("#approval-state .no-approval").waitFor();
  const state = await page.locator("#panel-approvals").textContent();
  assert.match(state, /No approval is required for this order/);
  assert.doesNotMatch(state, /waits at its first level/);
  assert.equal(await page.locator("#approval-state .levels-table").count(), 0);
  noProblems(page);
  await context.close();
});

test("a person named at several levels acts once: shown in the plan and the replay", async () => {
  const { context, page } = await playground();
  await replaceEditorText(page, ".policy-pane", MAPLE.replace('any of user "cfo@maple.example"', 'any of user "paul@maple.example"'));
  const shared = page.locator("#decision .shared-approvers li").first();
  await shared.waitFor();
  assert.match(await shared.textContent(), /^Paul Okafor is named at levels \d, \d: one approval counts at each\.$/);
  await page.locator("#tab-approvals").click();
  const carried = page.locator("#approval-state .levels-table .carried").first();
  await carried.waitFor();
  assert.match(await carried.textContent(), /counted from level 1/);
  assert.match(await page.locator("#approval-state .levels-table").textContent(), /Paul Okafor/);
  noProblems(page);
  await context.close();
});

// The checkout demo in a real browser: badges, blocked lines, switching to a preferred
// product, the approval the order needs and from whom, the invoice it lands on, and the
// buyer and buying-group switches.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { serve, launch, newContext, open, SCREENSHOTS } from "./harness.mjs";

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

/** A fresh context with the checkout page loaded and its badges shown for `shopper`. */
async function store(shopper = "ana@maple.example|north|en-CA") {
  const context = await newContext(browser);
  const page = await open(context, `${server.url}checkout.html`);
  await badgesFor(page, shopper);
  return { context, page };
}

function badgesFor(page, shopper) {
  return page.waitForFunction((s) => document.body.dataset.badges === s, shopper);
}

function outcome(page, value) {
  return page.waitForFunction((v) => document.body.dataset.outcome === v, value);
}

function product(page, id) {
  return page.locator(`.product[data-product="${id}"]`);
}

async function addToCart(page, id, quantity = 1) {
  const card = product(page, id);
  await card.locator("input.qty").fill(String(quantity));
  await card.getByRole("button", { name: /^Add .* to the cart$/ }).click();
}

function noProblems(page) {
  assert.deepEqual(page.problems(), [], "no console errors, page errors or failed requests");
}

test("products carry the policy's badges and messages for the buyer", async () => {
  const { context, page } = await store();
  assert.equal(await product(page, "B00PAPER01").getAttribute("data-verdict"), "preferred");
  assert.match(await product(page, "B00PAPER01").textContent(), /Preferred by the district/);
  assert.equal(await product(page, "B0LAPTOP").getAttribute("data-verdict"), "blocked");
  assert.match(await product(page, "B0LAPTOP").textContent(), /Laptops are purchased by the IT department/);
  assert.equal(await product(page, "B00PAPER09").getAttribute("data-verdict"), "restricted");
  assert.match(await product(page, "B00PAPER09").locator(".badge").textContent(), /Needs approval/);
  // The buyer's language: the same badge in French.
  await page.locator("#locale").selectOption("fr-CA");
  await badgesFor(page, "ana@maple.example|north|fr-CA");
  assert.match(await product(page, "B0LAPTOP").textContent(), /Les ordinateurs portables sont achetés par le service informatique/);
  noProblems(page);
  await context.close();
});

test("a blocked line is shown as blocked with its message, and can be removed", async () => {
  const { context, page } = await store();
  await addToCart(page, "B0LAPTOP");
  await addToCart(page, "B0MARKERS", 3);
  await outcome(page, "blocked");
  const line = page.locator('.summary-line[data-line="L1"]');
  assert.equal(await line.getAttribute("data-verdict"), "blocked");
  assert.match(await line.textContent(), /Laptops are purchased by the IT department/);
  assert.ok(await page.locator("button.place").isDisabled(), "a blocked order cannot be placed");
  await line.getByRole("button", { name: "Remove this line" }).click();
  await outcome(page, "allowed");
  assert.equal(await page.locator(".cart-line").count(), 1);
  noProblems(page);
  await context.close();
});

test("a suggestion switches the line to the preferred product in one click", async () => {
  const { context, page } = await store();
  await addToCart(page, "B00PAPER09", 5);
  await outcome(page, "approvalRequired");
  const line = page.locator('.summary-line[data-line="L1"]');
  assert.equal(await line.getAttribute("data-verdict"), "restricted");
  const suggestion = line.locator('button.switch[data-suggestion="B00PAPER01"]');
  assert.match(await suggestion.textContent(), /Switch to Copier paper, letter, 10 reams at \$42\.00/);
  await suggestion.click();
  await outcome(page, "allowed");
  assert.equal(await page.locator('.cart-line[data-line="L1"]').getAttribute("data-product"), "B00PAPER01");
  assert.equal(await page.locator('.summary-line[data-line="L1"]').getAttribute("data-verdict"), "preferred");
  assert.equal(await page.locator("#cart-qty-0").inputValue(), "5", "the quantity is kept");
  noProblems(page);
  await context.close();
});

test("a large order needs approval from named people and lands on the group's invoice", async () => {
  const { context, page } = await store();
  await addToCart(page, "B0PROJECTOR", 2);
  await outcome(page, "approvalRequired");
  const approval = page.locator("#approval");
  assert.match(await approval.textContent(), /Level 1: any of Paul Okafor/);
  // The rule by its title from the policy's outline, not its id.
  assert.match(await approval.textContent(), /because of Large orders/);
  assert.doesNotMatch(await approval.textContent(), /large_orders/);
  const invoice = page.locator("#invoice");
  assert.match(await invoice.textContent(), /North campus/);
  assert.match(await invoice.textContent(), /terms net 30 days/);
  assert.match(await invoice.locator(".due-date").getAttribute("datetime"), /^\d{4}-\d{2}-\d{2}$/);
  assert.match(await invoice.textContent(), /ap-north@maple\.example/);
  assert.equal(await page.locator("button.place").textContent(), "Submit for approval");
  await page.locator("button.place").click();
  await page.waitForFunction(() => /Demo only/.test(document.querySelector("#status").textContent));
  noProblems(page);
  await context.close();
});

test("switching the buyer or the buying group changes the outcome live", async () => {
  const { context, page } = await store();
  await addToCart(page, "B0LAPTOP");
  await outcome(page, "blocked");
  // Tom buys for IT: the laptop is allowed and needs IT's principal.
  await page.locator("#buyer").selectOption("tom@maple.example");
  await badgesFor(page, "tom@maple.example|it|en-CA");
  assert.equal(await page.locator("#group").inputValue(), "it");
  await outcome(page, "approvalRequired");
  assert.match(await page.locator("#approval").textContent(), /Inès Roy/);
  assert.match(await page.locator("#invoice").textContent(), /District office/);
  assert.notEqual(await product(page, "B0LAPTOP").getAttribute("data-verdict"), "blocked");
  // Sam buys for South: blocked again, and the South campus invoice.
  await page.locator("#buyer").selectOption("sam@maple.example");
  await badgesFor(page, "sam@maple.example|south|en-CA");
  await outcome(page, "blocked");
  // Only the groups the engine lets the buyer order for are offered.
  assert.deepEqual(await page.evaluate(() => window.procuraCheckout.groups()), ["south"]);
  assert.deepEqual(await page.locator("#group option").allTextContents(), ["South Campus"]);
  noProblems(page);
  await context.close();
});

test("checkout screenshot", async () => {
  const { context, page } = await store();
  await addToCart(page, "B0LAPTOP");
  await addToCart(page, "B00PAPER09", 10);
  await addToCart(page, "B0PROJECTOR", 2);
  await outcome(page, "blocked");
  await page.locator('.summary-line[data-line="L3"]').waitFor();
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: `${SCREENSHOTS}checkout.png`, fullPage: true });
  noProblems(page);
  await context.close();
});

test("the status clears when the buyer, group or language changes", async () => {
  const { context, page } = await store();
  await addToCart(page, "B0MARKERS");
  await page.waitForFunction(() => /^Added Whiteboard markers/.test(document.querySelector("#status").textContent));
  await page.locator("#locale").selectOption("fr-CA");
  await badgesFor(page, "ana@maple.example|north|fr-CA");
  assert.match(await page.locator("#status").textContent(), /^Prix en dollars canadiens/);
  await page.locator("#locale").selectOption("en-CA");
  await badgesFor(page, "ana@maple.example|north|en-CA");
  await addToCart(page, "B0MARKERS");
  await page.waitForFunction(() => /^Added/.test(document.querySelector("#status").textContent));
  await page.locator("#buyer").selectOption("tom@maple.example");
  await badgesFor(page, "tom@maple.example|it|en-CA");
  assert.match(await page.locator("#status").textContent(), /^Prices in CAD/);
  // The cart keeps its count in the page's language.
  assert.equal(await page.locator("#cart-count").textContent(), "2");
  noProblems(page);
  await context.close();
});

test("a buyer ordering for a group they may not order for reads why, in plain words", async () => {
  const { context, page } = await store();
  assert.deepEqual(await page.evaluate(() => window.procuraCheckout.groups()), ["north"]);
  await addToCart(page, "B0MARKERS");
  await outcome(page, "allowed");
  // Force IT into the menu (the page never offers it to Ana): the engine refuses (E0207).
  await page.evaluate(() => {
    const select = document.querySelector("#group");
    select.add(new Option("IT Department", "it"));
    select.value = "it";
    select.dispatchEvent(new Event("change"));
  });
  await outcome(page, "failure");
  const message = page.locator('#summary-body li[data-code="E0207"]');
  assert.match(await message.textContent(), /^Ana Tremblay may not place orders for IT Department: choose another buying group\. \(E0207\)$/);
  await page.locator('#badge-problems li[data-code="E0207"]').waitFor();
  noProblems(page);
  await context.close();
});

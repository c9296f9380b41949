// Test harness of the browser tests: the static server of www/serve.mjs on 127.0.0.1 (an
// ephemeral port; .wasm served as application/wasm) and Debian's Chromium driven by
// playwright-core (never a downloaded browser).
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { serve as serveDist } from "../serve.mjs";

export const SCREENSHOTS = fileURLToPath(new URL("../screenshots/", import.meta.url));
export const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";

/** Serves www/dist on 127.0.0.1:<ephemeral>; resolves to {url, requests, close()}. */
export function serve() {
  return serveDist({ port: 0 });
}

/**
 * Launches Debian's Chromium headless. Playwright gives each launch a fresh temporary
 * user-data-dir, removed on close; each test makes its own context (own storage, own
 * service workers) with `newContext(browser)`.
 */
export async function launch() {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

export function newContext(browser, options = {}) {
  return browser.newContext({ viewport: { width: 1440, height: 900 }, acceptDownloads: true, ...options });
}

/**
 * Opens a page that records console errors and page errors; `page.problems()` lists them.
 */
export async function open(context, url) {
  const page = await context.newPage();
  const problems = [];
  page.on("console", (msg) => {
    if (msg.type() === "error" || msg.type() === "warning") problems.push(`console.${msg.type()}: ${msg.text()}`);
  });
  page.on("pageerror", (error) => problems.push(`pageerror: ${error.message}`));
  page.on("requestfailed", (request) => {
    // Downloads made from blob: URLs report as aborted; they are not network failures.
    if (!request.url().startsWith("blob:")) problems.push(`requestfailed: ${request.url()} ${request.failure()?.errorText}`);
  });
  page.problems = () => problems;
  if (url) await page.goto(url);
  return page;
}

/** Replaces the text of the CodeMirror editor inside `host` as a user would: select all, paste. */
export async function replaceEditorText(page, host, text) {
  const content = page.locator(`${host} .cm-content`);
  await content.click();
  await page.keyboard.press("Control+A");
  await page.keyboard.insertText(text);
}

/** Waits until the playground has analysed the current text (the status says so). */
export async function analyzed(page, after = 0) {
  await page.waitForFunction((n) => Number(document.body.dataset.analyzed ?? 0) > n, after);
  return page.evaluate(() => Number(document.body.dataset.analyzed));
}

/** The number of the first line of `text` containing `needle` (1-based). */
export function lineOf(text, needle) {
  const i = text.split("\n").findIndex((l) => l.includes(needle));
  if (i < 0) throw new Error(`no line contains ${needle}`);
  return i + 1;
}

/**
 * Untranslated catalogue keys on the page: the `⟦missing:key⟧` markers in its text (shown
 * or hidden), its title and the attributes people hear or see (title, aria-*, placeholder).
 */
export function missingKeys(page) {
  return page.evaluate(() => {
    const found = new Set();
    const scan = (text) => {
      for (const m of String(text ?? "").matchAll(/⟦missing:([^⟧]*)⟧/g)) found.add(m[1]);
    };
    scan(document.title);
    scan(document.body.textContent);
    for (const el of document.querySelectorAll("*")) {
      for (const attr of ["title", "aria-label", "aria-valuetext", "placeholder", "alt"]) scan(el.getAttribute(attr));
    }
    return [...found];
  });
}

/** Text with the narrow and non-breaking spaces Intl uses (fr-CA) made plain. */
export function plain(text) {
  return String(text ?? "").replace(/[\u00a0\u202f]/g, " ");
}

/** Replaces the text of the editor inside `host` by pasting (one edit, as a big paste is). */
export async function pasteEditorText(page, host, text) {
  const content = page.locator(`${host} .cm-content`);
  await content.click();
  await page.keyboard.press("Control+A");
  await content.evaluate((el, value) => {
    const data = new DataTransfer();
    data.setData("text/plain", value);
    el.dispatchEvent(new ClipboardEvent("paste", { clipboardData: data, bubbles: true, cancelable: true }));
  }, text);
}

// The message catalogue: both languages have the same keys, every key the pages use exists,
// and money, numbers and dates follow the language. (Plain Node: no browser.)
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { en, fr, t, setLocale, formatMoney, formatDate, catalogueKeys, MISSING_MARK } from "../src/i18n.js";

const SRC = new URL("../src/", import.meta.url);
const sources = readdirSync(SRC)
  .filter((f) => f.endsWith(".js"))
  .map((f) => readFileSync(new URL(f, SRC), "utf8"));
const pages = ["../index.html", "../checkout.html"].map((f) => readFileSync(new URL(f, import.meta.url), "utf8"));

test("English and French have the same keys", () => {
  const { en: enKeys, fr: frKeys } = catalogueKeys();
  assert.deepEqual(enKeys.filter((k) => !frKeys.includes(k)), [], "keys only in English");
  assert.deepEqual(frKeys.filter((k) => !enKeys.includes(k)), [], "keys only in French");
  for (const key of enKeys) {
    if (typeof en[key] === "string" && typeof fr[key] === "string") {
      const params = (s) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
      assert.deepEqual(params(fr[key]), params(en[key]), `${key}: same parameters`);
    }
  }
});

test("every message key the pages use is in the catalogue", () => {
  const prefixes = new Set(Object.keys(en).map((k) => k.split(".")[0]));
  const used = new Set();
  for (const text of [...sources, ...pages]) {
    // t("key"), tOr("key"), setStatus("key"), data-i18n="key", "aria-label=key", ternaries…
    for (const m of text.matchAll(/["'`=]([a-z][A-Za-z]*(?:\.[A-Za-z0-9]+)+)["'`;]/g)) {
      if (prefixes.has(m[1].split(".")[0]) && !/\.(js|css|json|html|procura|example)$/.test(m[1])) used.add(m[1]);
    }
  }
  // Keys built at run time from engine values are covered by their families below.
  // (`line.quantity` is a policy expression in the editor's completion, not a message.)
  const missing = [...used].filter((k) => k !== "line.quantity" && !(k in en) && !Object.keys(en).some((e) => e.startsWith(`${k}.`)));
  assert.deepEqual(missing, []);
  for (const family of ["word", "severity", "event.type", "event.field", "co.badge", "co.outcome", "json.type"]) {
    assert.ok(Object.keys(en).some((k) => k.startsWith(`${family}.`)), family);
  }
  assert.ok(used.size > 150, `found ${used.size} keys in use`);
});

test("a missing key shows a marker the browser tests look for", () => {
  assert.ok(t("no.such.key").startsWith(MISSING_MARK));
});

test("money, numbers and dates follow the language", () => {
  const norm = (s) => s.replace(/[\u00a0\u202f]/g, " ");
  setLocale("en-CA");
  assert.equal(formatMoney("42.00", "CAD"), "$42.00");
  assert.equal(formatMoney("13893.99", "CAD"), "$13,893.99");
  assert.equal(t("tests.summary", { passed: 3, failed: 0 }), "3 passed, 0 failed");
  setLocale("fr-CA");
  assert.equal(norm(formatMoney("42.00", "CAD")), "42,00 $");
  assert.equal(norm(formatMoney("13893.99", "CAD")), "13 893,99 $");
  assert.equal(norm(formatMoney("1299.5", "USD")), "1 299,50 $ US");
  assert.match(formatDate("2026-12-31"), /31 déc\. 2026/);
  assert.equal(t("tests.summary", { passed: 1, failed: 2 }), "1 réussi, 2 échoués");
  setLocale("en-CA");
  // An amount keeps every digit (formatted from the decimal string, not a float).
  assert.equal(formatMoney("12345678901234.57", "CAD"), "$12,345,678,901,234.57");
});

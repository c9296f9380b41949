// Unit tests of the byte-offset to UTF-16 mapping the editor uses for the engine's spans.
import { test } from "node:test";
import assert from "node:assert/strict";
import { byteMapper, spanRange } from "../src/spans.js";

test("ASCII text maps byte offsets to the same indexes", () => {
  const map = byteMapper("rule x {}");
  assert.equal(map(0), 0);
  assert.equal(map(5), 5);
  assert.equal(map(99), 9);
});

test("multi-byte characters and surrogate pairs map to UTF-16 indexes", () => {
  const text = 'a "é" 🙂 z';
  const bytes = new TextEncoder().encode(text);
  const map = byteMapper(text);
  // Every character boundary in bytes maps to the matching UTF-16 index.
  let byte = 0;
  let index = 0;
  for (const ch of text) {
    assert.equal(map(byte), index, `at byte ${byte}`);
    byte += new TextEncoder().encode(ch).length;
    index += ch.length;
  }
  assert.equal(map(bytes.length), text.length);
  const z = bytes.length - 1;
  assert.deepEqual(spanRange(text, { start: z, end: z + 1 }), { from: text.length - 1, to: text.length });
});

test("Japanese text in a policy message", () => {
  const text = 'message "このサプライヤー" ja';
  const start = new TextEncoder().encode('message "このサプライヤー" ').length;
  assert.equal(byteMapper(text)(start), text.indexOf("ja"));
});

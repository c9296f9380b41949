// Share links in plain Node: round trip, and the caps — a link too long is refused before
// anything is decoded, and a "zip bomb" (500 MB of zeros in half a megabyte) is stopped
// after a few kilobytes of input, as soon as the output passes 4 MB.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createDeflateRaw } from "node:zlib";
import { shareHash, readShareHash, inflateCapped, ShareError, MAX_INFLATED, MAX_LINK_CHARS } from "../src/share.js";

function bomb(megabytes) {
  return new Promise((resolve) => {
    const z = createDeflateRaw({ level: 9 });
    const parts = [];
    z.on("data", (c) => parts.push(c));
    z.on("end", () => resolve(new Uint8Array(Buffer.concat(parts))));
    const zeros = Buffer.alloc(1 << 20);
    (async () => {
      for (let i = 0; i < megabytes; i++) if (!z.write(zeros)) await new Promise((r) => z.once("drain", r));
      z.end();
    })();
  });
}

test("a share link round-trips the policy, directory and request", () => {
  const state = { example: "maple", policy: "policy \"é\" {}", directory: '{"users": []}', request: "{}" };
  assert.deepEqual(readShareHash(shareHash(state)), state);
  assert.equal(readShareHash("#nothing"), null);
});

test("a 500 MB bomb is stopped early, after a few kilobytes of input", async () => {
  const bytes = await bomb(500);
  assert.ok(bytes.length < 1_000_000, `the bomb is ${bytes.length} bytes`);
  assert.throws(
    () => inflateCapped(bytes),
    (error) => error instanceof ShareError && error.reason === "tooBig" && error.detail.consumed < 64 * 1024 && error.detail.limit === MAX_INFLATED,
  );
});

test("too long and damaged links are refused with a reason", () => {
  assert.throws(() => readShareHash(`#s=${"A".repeat(MAX_LINK_CHARS + 1)}`), (e) => e instanceof ShareError && e.reason === "tooLong");
  assert.throws(() => readShareHash("#s=!!not-base64!!"), (e) => e instanceof ShareError && e.reason === "damaged");
  assert.throws(() => readShareHash("#s=AAAA"), (e) => e instanceof ShareError && e.reason === "damaged");
});

// Share links and autosave. A share link carries the policy, the directory and the request
// in the URL's hash, `#s=<base64url of DEFLATE (fflate) of the JSON>`; nothing is sent to a
// server. A link is capped in length (MAX_LINK_CHARS) and in inflated size (MAX_INFLATED
// bytes, enforced while inflating, so a small "zip bomb" link stops early). Autosave keeps
// the whole playground in localStorage; a shared link opens as a separate draft, kept
// under its own key, so it never overwrites saved work.
import { deflateSync, Inflate, strToU8, strFromU8 } from "fflate";

/** The longest share link hash accepted or made, in characters. */
export const MAX_LINK_CHARS = 1_000_000;
/** The most a share link may inflate to, in bytes. */
export const MAX_INFLATED = 4 * 1024 * 1024;
/** How much compressed input is inflated at a time (bounds what one step can output). */
const CHUNK = 1024;

export class ShareError extends Error {
  constructor(reason, detail = {}) {
    super(reason);
    this.reason = reason; // "tooLong" | "tooBig" | "damaged"
    this.detail = detail;
  }
}

function toBase64Url(bytes) {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64Url(text) {
  const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** JSON → compressed URL-safe text. */
export function pack(value) {
  return toBase64Url(deflateSync(strToU8(JSON.stringify(value)), { level: 9 }));
}

/**
 * Inflates `bytes` with fflate's streaming API, `CHUNK` bytes of input at a time, and stops
 * as soon as the output passes `limit` (throws ShareError "tooBig").
 */
export function inflateCapped(bytes, limit = MAX_INFLATED) {
  const parts = [];
  let size = 0;
  let over = false;
  let consumed = 0;
  const inflater = new Inflate((chunk) => {
    size += chunk.length;
    if (size > limit) over = true;
    else parts.push(chunk);
  });
  for (let i = 0; i < bytes.length && !over; i += CHUNK) {
    inflater.push(bytes.subarray(i, i + CHUNK), i + CHUNK >= bytes.length);
    consumed = Math.min(bytes.length, i + CHUNK);
  }
  // `consumed`: how much of the input was read before stopping.
  if (over) throw new ShareError("tooBig", { limit, consumed, total: bytes.length });
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Compressed URL-safe text → JSON, within the caps. */
export function unpack(text) {
  if (text.length > MAX_LINK_CHARS) throw new ShareError("tooLong", { length: text.length, limit: MAX_LINK_CHARS });
  let bytes;
  try {
    bytes = fromBase64Url(text);
  } catch {
    throw new ShareError("damaged");
  }
  let inflated;
  try {
    inflated = inflateCapped(bytes);
  } catch (error) {
    if (error instanceof ShareError) throw error;
    throw new ShareError("damaged");
  }
  try {
    return JSON.parse(strFromU8(inflated));
  } catch {
    throw new ShareError("damaged");
  }
}

const KEY = "procura.playground.v1";
const DRAFT_KEY = "procura.playground.draft.v1";

/** The hash part of a share link for `state` ({example, policy, directory, request}). */
export function shareHash({ example, policy, directory, request }) {
  return `#s=${pack({ v: 1, e: example, p: policy, d: directory, r: request })}`;
}

/** Whether `hash` is a share link at all (`#s=…`). */
export function isShareHash(hash) {
  return /^#s=./.test(hash ?? "");
}

/**
 * The state in a share link's hash, or null when the hash is not a share link; throws a
 * ShareError when the link is too long, inflates past the cap, or is damaged.
 */
export function readShareHash(hash) {
  const m = /^#s=(.+)$/s.exec(hash ?? "");
  if (!m) return null;
  const data = unpack(m[1]);
  if (!data || data.v !== 1 || typeof data.p !== "string") throw new ShareError("damaged");
  return {
    example: typeof data.e === "string" ? data.e : null,
    policy: data.p,
    directory: typeof data.d === "string" ? data.d : "",
    request: typeof data.r === "string" ? data.r : "",
  };
}

/**
 * Saves `state` (saved work, or with `draft` the shared draft). Returns `{ok: true}` or
 * `{ok: false, full: true}` when the browser's storage is full (QuotaExceededError), or
 * `{ok: false}` when storage is disabled.
 */
export function saveLocal(state, { draft = false } = {}) {
  try {
    localStorage.setItem(draft ? DRAFT_KEY : KEY, JSON.stringify(state));
    return { ok: true };
  } catch (error) {
    const full = error?.name === "QuotaExceededError" || error?.code === 22 || error?.code === 1014;
    return { ok: false, full };
  }
}

export function loadLocal({ draft = false } = {}) {
  try {
    const data = JSON.parse(localStorage.getItem(draft ? DRAFT_KEY : KEY) ?? "null");
    return data && typeof data.policy === "string" ? data : null;
  } catch {
    return null;
  }
}

export function clearDraft() {
  try {
    localStorage.removeItem(DRAFT_KEY);
  } catch {
    /* nothing to clear */
  }
}

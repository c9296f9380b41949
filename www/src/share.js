// Share links and autosave. A share link carries the policy, the directory and the request
// in the URL's hash, `#s=<base64url of DEFLATE (fflate) of the JSON>`; nothing is sent to a
// server. Autosave keeps the whole playground in localStorage.
import { deflateSync, inflateSync, strToU8, strFromU8 } from "fflate";

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

/** JSON → compressed URL-safe text, and back. */
export function pack(value) {
  return toBase64Url(deflateSync(strToU8(JSON.stringify(value)), { level: 9 }));
}

export function unpack(text) {
  return JSON.parse(strFromU8(inflateSync(fromBase64Url(text))));
}

const KEY = "procura.playground.v1";

/** The hash part of a share link for `state` ({example, policy, directory, request}). */
export function shareHash({ example, policy, directory, request }) {
  return `#s=${pack({ v: 1, e: example, p: policy, d: directory, r: request })}`;
}

/** The state in a share link's hash, or null. */
export function readShareHash(hash) {
  const m = /^#s=(.+)$/.exec(hash ?? "");
  if (!m) return null;
  try {
    const data = unpack(m[1]);
    if (!data || data.v !== 1 || typeof data.p !== "string") return null;
    return {
      example: typeof data.e === "string" ? data.e : null,
      policy: data.p,
      directory: typeof data.d === "string" ? data.d : "",
      request: typeof data.r === "string" ? data.r : "",
    };
  } catch {
    return null;
  }
}

export function saveLocal(state) {
  try {
    localStorage.setItem(KEY, JSON.stringify(state));
  } catch {
    /* storage full or disabled: autosave is best effort */
  }
}

export function loadLocal() {
  try {
    const data = JSON.parse(localStorage.getItem(KEY) ?? "null");
    return data && typeof data.policy === "string" ? data : null;
  } catch {
    return null;
  }
}

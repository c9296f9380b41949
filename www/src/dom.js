// A small DOM builder: `h("button", {class: "x", onclick}, "text", child)`. Text is always
// set as text (never parsed as HTML): shared URLs and policies are untrusted input.
import { t, isMissing, formatMoney } from "./i18n.js";

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2), value);
    else if (key === "class") el.className = value;
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (key in el && typeof value !== "string") el[key] = value;
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces the children of `el`. */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** Money for display, formatted for the page's language: `$42.00` or `42,00 $`. */
export function money(amount, currency) {
  return formatMoney(amount, currency);
}

/** Word forms of the engine's enumerations, in the page's language. */
export function word(value) {
  const text = t(`word.${value}`);
  return isMissing(text) ? value : text;
}

/** At most `max` characters of `text`, with `…` when cut. */
export function excerpt(text, max = 80) {
  const s = String(text ?? "");
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

/**
 * An engine message as nodes: text in backticks (user input, ids) becomes `<code>`, each
 * shortened to a short excerpt (the whole value in its tooltip), never literal backticks.
 */
export function richText(message, max = 80) {
  const parts = String(message ?? "").split("`");
  // An unmatched backtick stays as text.
  if (parts.length % 2 === 0) return excerpt(message, 400);
  return parts.map((part, i) => {
    if (i % 2 === 0) return excerpt(part, 400);
    return h("code", { class: "quoted", title: part.length > max ? part : undefined }, excerpt(part, max));
  });
}

/** A `<button type=button>`. */
export function button(label, onclick, attrs = {}) {
  return h("button", { type: "button", onclick, ...attrs }, label);
}

/** Starts a download of `text` as `filename`. */
export function download(filename, text, type = "text/csv") {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = h("a", { href: url, download: filename, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

// A small DOM builder: `h("button", {class: "x", onclick}, "text", child)`. Text is always
// set as text (never parsed as HTML): shared URLs and policies are untrusted input.
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

/** Money for display: `1299.00 CAD`. */
export function money(amount, currency) {
  return currency ? `${amount} ${currency}` : String(amount);
}

/** Word forms of the engine's enumerations. */
export const WORDS = {
  allowed: "Allowed",
  approvalRequired: "Approval required",
  blocked: "Blocked",
  preferred: "Preferred",
  warned: "Warned",
  restricted: "Needs approval",
  pending: "Pending",
  escalated: "Escalated",
  approved: "Approved",
  rejected: "Rejected",
  partiallyRejected: "Partly rejected",
  expired: "Expired",
  waiting: "Waiting",
};

export function word(value) {
  return WORDS[value] ?? value;
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

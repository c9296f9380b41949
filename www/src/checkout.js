// The checkout demo: a storefront for the Maple example. The engine (in a Web Worker) badges
// each product for the chosen buyer and buying group, and checks the cart as it changes:
// blocked lines, preferred alternatives (one click switches the line), the approval the
// order needs and from whom, and the invoice it will land on. No server round trip.
// The buying groups offered are those the engine authorizes the buyer to order for
// (`authorize` with `place_orders`, group by group).
//
// The engine is the runtime build (no compiler): the page downloads the artifact that
// `procura build` made of examples/maple.procura at build time, checks its SHA-256 against
// the hash the build printed (WebCrypto) and only then hands it to `load`. Group titles
// come from the loaded policy's `outline()`.
import { connect, latest } from "./engine-client.js";
import artifactUrl from "procura-engine/maple.pcy?url";
import published from "procura-engine/maple.pcy.json";
import directoryText from "../../examples/maple.directory.json?raw";
import { CATALOG, SPENT, product } from "./catalog.js";
import { h, fill, button, money, word, richText } from "./dom.js";
import { person, personName, quorumText, splitWords, dateEl, collapseMessages, sharedNote, errorItem } from "./decision-view.js";
import { registerServiceWorker } from "./offline.js";
import { t, tOr, locale, languageSwitch, onLocaleChange, formatNumber } from "./i18n.js";
import { titleOf, setTitles } from "./titles.js";
import { categoryIcon } from "./icons.js";
import { fieldRow, isRequired } from "./fields-form.js";

const $ = (id) => document.getElementById(id);
const directory = JSON.parse(directoryText);
const names = new Map(directory.users.filter((u) => u.name).map((u) => [u.id, u.name]));
// The runtime build of the engine (`load` of an artifact, no compiler).
const engine = connect(new Worker(new URL("./runtime-worker.js", import.meta.url), { type: "module" }));
const badgesLatest = latest(engine);
const evaluateLatest = latest(engine);

// Buying groups, with their titles, from the loaded policy's outline (parents first).
let groups = [];
// Buyers: the directory's requesters.
const buyers = directory.users.filter((u) => u.roles?.some((r) => r.role === "requester"));

const cart = []; // [{product, quantity}]
const orderNumber = 1128;

languageSwitch($("locale"));

/** The status line: a message key and parameters, so that it follows the language. */
let status = null;
function setStatus(key, params = {}) {
  status = key ? { key, params } : null;
  $("status").textContent = key ? t(key, params) : "";
}
/** The default status, shown when nothing has happened in the current context. */
function idleStatus() {
  setStatus("co.status.ready");
}

// ─── buyer and buying group ──────────────────────────────────────────────────────────

/** The groups each buyer may order for, as the engine decides: buyer id → [group id]. */
const allowedGroups = new Map();

async function groupsFor(buyer) {
  if (allowedGroups.has(buyer)) return allowedGroups.get(buyer);
  const answers = await Promise.all(
    groups.map((g) => engine.call("authorize", { request: { user: buyer, action: "place_orders", resource: { group: g.id } } })),
  );
  const allowed = groups.filter((g, i) => answers[i]?.type === "success" && answers[i].result.decision === "allow").map((g) => g.id);
  allowedGroups.set(buyer, allowed);
  return allowed;
}

function renderBuyers() {
  const value = $("buyer").value;
  fill($("buyer"), buyers.map((u) => h("option", { value: u.id, title: u.id }, u.name ?? u.id)));
  if (value) $("buyer").value = value;
}

/** Offers only the groups the buyer may order for; keeps the choice when still allowed. */
async function renderGroups(preferred) {
  const buyer = $("buyer").value;
  const allowed = await groupsFor(buyer);
  if ($("buyer").value !== buyer) return false;
  const select = $("group");
  fill(select, groups.filter((g) => allowed.includes(g.id)).map((g) => h("option", { value: g.id }, g.name)));
  select.disabled = allowed.length === 0;
  $("no-group").hidden = allowed.length > 0;
  if (allowed.length === 0) $("no-group").textContent = t("co.noGroup", { buyer: personName(names, buyer) });
  const home = buyers.find((u) => u.id === buyer)?.roles.find((r) => r.role === "requester")?.group;
  select.value = [preferred, home, allowed[0]].find((g) => g && allowed.includes(g)) ?? "";
  return true;
}

function shopper() {
  return { buyer: $("buyer").value, group: $("group").value, locale: locale() };
}

/** RFC 3339 for the current time with the page's offset, e.g. 2026-11-28T10:30:00-05:00. */
function nowRfc3339() {
  const d = new Date();
  const offset = -d.getTimezoneOffset();
  const sign = offset < 0 ? "-" : "+";
  const abs = Math.abs(offset);
  const local = new Date(d.getTime() + offset * 60_000).toISOString().slice(0, 19);
  return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, "0")}:${String(abs % 60).padStart(2, "0")}`;
}

/** An engine error in plain words (E0207: who may not order for which group). */
function problem(e) {
  if (e.code === "E0207") {
    const s = shopper();
    return h("li", { "data-code": e.code }, t("co.notAuthorized", { buyer: personName(names, s.buyer), group: titleOf("group", s.group) }), " ", h("span", { class: "muted" }, `(${e.code})`));
  }
  return errorItem(e);
}

function problems(errors) {
  return h("ul", { class: "errors engine-errors" }, errors.map(problem));
}

// ─── products and their badges ───────────────────────────────────────────────────────

function badgeWord(verdict) {
  return verdict === "allowed" ? "" : t(`co.badge.${verdict}`);
}

function renderProducts(badges) {
  const byProduct = new Map((badges ?? []).map((b) => [b.product, b]));
  fill(
    $("products"),
    CATALOG.map((p) => {
      const badge = byProduct.get(p.id);
      const verdict = badge?.verdict ?? "allowed";
      const name = productName(p);
      const qty = h("input", { type: "number", min: "1", max: "999", value: "1", id: `qty-${p.id}`, class: "qty", inputmode: "numeric" });
      return h(
        "li",
        { class: `product verdict-${verdict}`, "data-product": p.id, "data-verdict": verdict },
        h("div", { class: `tile tile-${p.category.split("/")[0]}`, "aria-hidden": "true" }, categoryIcon(p.category)),
        h(
          "div",
          { class: "product-body" },
          h("h3", { class: "product-name" }, name),
          h("div", { class: "muted" }, `${p.supplier} · `, h("code", {}, p.id)),
          h("div", { class: "price" }, money(p.unitPrice, "CAD")),
          badgeWord(verdict) ? h("span", { class: `badge badge-${verdict}` }, badgeWord(verdict)) : null,
          badge?.message ? h("p", { class: `policy-message sev-${badge.message.severity}` }, richText(badge.message.text)) : null,
          badge?.suggestions?.length ? h("p", { class: "muted small" }, t("co.preferredInstead", { names: badge.suggestions.map((s) => (product(s.product) ? productName(product(s.product)) : s.product)).join(", ") })) : null,
        ),
        h(
          "div",
          { class: "add" },
          h("label", { for: `qty-${p.id}`, class: "visually-hidden" }, t("co.quantityOf", { name })),
          qty,
          button(t("co.add"), () => {
            add(p.id, Math.max(1, Math.floor(Number(qty.value)) || 1));
            qty.value = "1";
          }, { class: "primary", "aria-label": t("co.addAria", { name }) }),
        ),
      );
    }),
  );
}

/** A product's name in the page's language. */
function productName(p) {
  return tOr(`product.${p.id}`, p.name);
}

let lastBadges = null;
async function refreshBadges() {
  const s = shopper();
  if (!s.group) {
    lastBadges = [];
    renderProducts([]);
    document.body.dataset.badges = `${s.buyer}||${s.locale}`;
    return;
  }
  const answer = await badgesLatest("badges", {
    request: {
      ...s,
      currency: "CAD",
      products: CATALOG.map((p) => ({ id: p.id, category: p.category, supplier: p.supplier, unitPrice: p.unitPrice })),
    },
  });
  if (!answer) return;
  if (answer.type !== "success") {
    fill($("badge-problems"), problems(answer.errors));
    $("badge-problems").hidden = false;
    lastBadges = [];
    renderProducts([]);
  } else {
    $("badge-problems").hidden = true;
    lastBadges = answer.result.badges;
    renderProducts(lastBadges);
  }
  document.body.dataset.badges = `${s.buyer}|${s.group}|${s.locale}`;
}

// ─── the cart ────────────────────────────────────────────────────────────────────────

let toastTimer = 0;
/** A short note that stays in view on a phone (the cart may be far below). */
function toast(text) {
  const el = $("toast");
  el.textContent = text;
  el.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => {
    el.hidden = true;
  }, 4000);
}

function add(id, quantity) {
  const line = cart.find((l) => l.product === id);
  if (line) line.quantity += quantity;
  else cart.push({ product: id, quantity });
  changed();
  setStatus("co.status.added", { name: productName(product(id)) });
  // Where the cart is out of sight (a phone), a toast says so where the person looks.
  const box = $("cart").getBoundingClientRect();
  if (box.bottom < 0 || box.top > innerHeight) toast(t("co.status.added", { name: productName(product(id)) }));
}

function lineId(i) {
  return `L${i + 1}`;
}

function renderCart() {
  const count = cart.reduce((n, l) => n + l.quantity, 0);
  $("cart-count").textContent = formatNumber(count);
  $("cart-link").setAttribute("aria-label", t("co.cartLink", { count }));
  $("cart-link").dataset.count = String(count);
  if (cart.length === 0) {
    fill($("cart"), h("li", { class: "muted" }, t("co.cartEmpty")));
    return;
  }
  fill(
    $("cart"),
    cart.map((line, i) => {
      const p = product(line.product);
      const name = productName(p);
      const qty = h("input", {
        type: "number",
        min: "1",
        max: "999",
        value: String(line.quantity),
        id: `cart-qty-${i}`,
        class: "qty",
        inputmode: "numeric",
        onchange: () => {
          line.quantity = Math.max(1, Number(qty.value) || 1);
          changed();
        },
      });
      return h(
        "li",
        { class: "cart-line", "data-line": lineId(i), "data-product": p.id },
        h("span", { class: "cart-name" }, name),
        h("label", { for: `cart-qty-${i}`, class: "visually-hidden" }, t("co.quantityOf", { name })),
        qty,
        button(t("co.remove"), () => {
          cart.splice(i, 1);
          changed();
        }, { class: "link", "aria-label": t("co.removeAria", { name }) }),
      );
    }),
  );
}

function request() {
  const po = $("po").value.trim();
  return {
    ...shopper(),
    order: {
      id: `CART-${orderNumber}`,
      currency: "CAD",
      paymentMethod: "invoice",
      ...(po ? { poNumber: po } : {}),
      ...(orderFields() ? { fields: orderFields() } : {}),
      lines: cart.map((line, i) => {
        const p = product(line.product);
        return { id: lineId(i), product: p.id, category: p.category, supplier: p.supplier, description: p.name, unitPrice: p.unitPrice, quantity: line.quantity };
      }),
    },
    context: { now: nowRfc3339(), budgets: SPENT },
  };
}

// ─── the order fields the policy declares (Maple: the cost centre) ────────────────────

let declared = []; // the policy's order fields (`policy.fields()`)
const fieldValues = new Map(); // field name → what the buyer typed
let fieldsShape = "";
let fieldInputs = []; // [{field, input}]

/** The values to send: the fields filled in, or null when none is. */
function orderFields() {
  const out = {};
  for (const f of declared) {
    const v = (fieldValues.get(f.name) ?? "").trim();
    if (v) out[f.name] = v;
  }
  return Object.keys(out).length ? out : null;
}

/** The engine's word on a field: the order message of its rule (in the buyer's language), else the error. */
function fieldProblem(name) {
  const answer = lastAnswer;
  if (!answer) return null;
  const path = `order.fields.${name}`;
  const errors = answer.type === "success" ? answer.result.errors : answer.errors;
  const error = (errors ?? []).find((e) => e.path === path);
  if (!error) return null;
  const message = answer.type === "success" ? answer.result.messages.find((m) => m.rule === name && m.severity === "block") : null;
  return (message?.text ?? error.message).replace(/`/g, "");
}

function renderFields() {
  const box = $("order-fields");
  box.hidden = declared.length === 0;
  const group = shopper().group;
  const shape = JSON.stringify([declared, locale(), group]);
  if (shape !== fieldsShape) {
    fieldsShape = shape;
    const focused = document.activeElement?.closest?.("#order-fields") ? document.activeElement.id : null;
    fieldInputs = [];
    fill(
      box.querySelector(".fields-body"),
      declared.map((field) => {
        const row = fieldRow(field, {
          id: `field-${field.name}`,
          value: fieldValues.get(field.name) ?? "",
          required: isRequired(field, group),
          onInput: (v) => {
            fieldValues.set(field.name, v);
            refreshSummary();
          },
        });
        fieldInputs.push({ field, input: row.input });
        return row;
      }),
    );
    if (focused) document.getElementById(focused)?.focus();
  }
  for (const { field, input } of fieldInputs) {
    const problem = fieldProblem(field.name);
    const row = input.closest(".field-row");
    let p = row.querySelector(".field-error");
    const errorId = `${input.id}-error`;
    const others = (input.getAttribute("aria-describedby") ?? "").split(" ").filter((x) => x && x !== errorId);
    if (problem) {
      if (!p) {
        p = h("p", { class: "field-error warn-text", id: errorId, "data-field": field.name });
        input.after(p);
      }
      p.textContent = problem;
      input.setAttribute("aria-invalid", "true");
      input.setAttribute("aria-describedby", [errorId, ...others].join(" "));
    } else {
      p?.remove();
      input.removeAttribute("aria-invalid");
      if (others.length) input.setAttribute("aria-describedby", others.join(" "));
      else input.removeAttribute("aria-describedby");
    }
  }
}

function loadFields(fields) {
  declared = (fields ?? []).filter((f) => f.on !== "lines");
  renderFields();
}

// ─── the checkout summary ────────────────────────────────────────────────────────────

let lastAnswer = null;
async function refreshSummary() {
  if (cart.length === 0 || !shopper().group) {
    lastAnswer = null;
    renderFields();
  }
  if (cart.length === 0) {
    lastAnswer = null;
    fill($("summary-body"), h("p", { class: "muted" }, t("co.addProducts")));
    document.body.dataset.outcome = "empty";
    return;
  }
  if (!shopper().group) {
    lastAnswer = null;
    fill($("summary-body"), h("p", { class: "warn-text" }, t("co.noGroup", { buyer: personName(names, shopper().buyer) })));
    document.body.dataset.outcome = "failure";
    return;
  }
  const answer = await evaluateLatest("evaluate", { request: request() });
  if (!answer) return;
  lastAnswer = answer;
  renderSummary();
}

function renderSummary() {
  renderFields();
  const answer = lastAnswer;
  if (!answer) {
    if (cart.length === 0) fill($("summary-body"), h("p", { class: "muted" }, t("co.addProducts")));
    return;
  }
  if (answer.type !== "success") {
    fill($("summary-body"), h("p", { class: "warn-text" }, t("co.cannotCheck")), problems(answer.errors));
    document.body.dataset.outcome = "failure";
    return;
  }
  const d = answer.result;
  const currency = d.totals.currency;
  const linesById = new Map(d.lines.map((l) => [l.id, l]));
  fill(
    $("summary-body"),
    h("div", { class: `outcome outcome-${d.outcome}`, id: "outcome", "data-outcome": d.outcome }, h("span", { class: "outcome-word" }, t(`co.outcome.${d.outcome}`))),
    // Order-level messages; those repeating a line's message are shown on the line.
    orderMessages(d.messages),
    h(
      "ul",
      { class: "summary-lines" },
      cart.map((line, i) => {
        const ld = linesById.get(lineId(i));
        const p = product(line.product);
        if (!ld) return null;
        return h(
          "li",
          { class: `summary-line verdict-${ld.verdict}`, "data-line": ld.id, "data-verdict": ld.verdict },
          h("div", { class: "summary-line-head" }, h("span", {}, `${formatNumber(line.quantity)} × ${productName(p)}`), h("span", { class: "num" }, money(ld.amount, currency))),
          ld.verdict !== "allowed" ? h("span", { class: `badge badge-${ld.verdict}` }, badgeWord(ld.verdict) || word(ld.verdict)) : null,
          ld.messages.length ? h("ul", { class: "messages" }, collapseMessages(ld.messages).map((m) => h("li", { class: `sev-${m.severity}` }, richText(m.text)))) : null,
          ld.suggestions.length
            ? h(
                "div",
                { class: "switches" },
                ld.suggestions.map((s) => {
                  const alt = product(s.product);
                  const label = s.price ? t("co.switchAt", { name: alt ? productName(alt) : s.product, price: money(s.price.amount, s.price.currency) }) : t("co.switch", { name: alt ? productName(alt) : s.product });
                  return button(label, () => switchLine(i, s.product), { class: "switch", "data-suggestion": s.product });
                }),
              )
            : null,
          ld.verdict === "blocked" ? button(t("co.removeLine"), () => { cart.splice(i, 1); changed(); }, { class: "link" }) : null,
        );
      }),
    ),
    h(
      "section",
      { class: "card", id: "approval" },
      h("h3", {}, t("decision.approval")),
      d.approval.levels.length
        ? [
            h("p", {}, d.approval.required ? t("co.needsApproval") : t("co.wouldNeedApproval")),
            h(
              "ol",
              { class: "levels" },
              d.approval.levels.map((l) =>
                h(
                  "li",
                  { class: "level" },
                  h("strong", {}, t("co.levelLabel", { level: l.level })),
                  `${quorumText(l.quorum)} `,
                  l.approvers.map((id, j) => [j ? ", " : "", h("span", { class: "approver" }, person(names, id))]),
                  h("div", { class: "muted small" }, t("co.because"), " ", l.rules.map((r, j) => [j ? ", " : "", h("code", {}, titleOf("rule", r))]), l.fallback ? `; ${t("plan.fellBack", { fallback: l.fallback })}` : ""),
                ),
              ),
            ),
            sharedNote(d.approval, names),
          ]
        : h("p", { class: "muted" }, d.approval.autoApproved ? t("plan.autoApproved") : t("plan.none")),
    ),
    h(
      "section",
      { class: "card", id: "invoice" },
      h("h3", {}, t("decision.invoice")),
      d.invoice
        ? [
            h("p", {}, t("co.invoiceLands", { template: d.invoice.template, cadence: tOr(`cadence.${d.invoice.cadence}`, d.invoice.cadence), split: d.invoice.splitBy.length ? t("invoice.splitBy", { keys: splitWords(d.invoice.splitBy) }) : "", days: d.invoice.termsDays })),
            h(
              "dl",
              { class: "facts" },
              d.invoice.invoiceDate ? [h("dt", {}, t("invoice.invoiceDate")), h("dd", {}, dateEl(d.invoice.invoiceDate))] : null,
              d.invoice.dueDate ? [h("dt", {}, t("invoice.dueDate")), h("dd", {}, dateEl(d.invoice.dueDate, { class: "due-date" }))] : null,
              h("dt", {}, t("invoice.billTo")),
              h("dd", {}, d.invoice.billTo),
              h("dt", {}, t("co.sentTo")),
              h("dd", {}, d.invoice.recipients.join(", ")),
            ),
          ]
        : h("p", { class: "muted" }, t("co.noInvoice")),
    ),
    d.budgets.length
      ? h(
          "section",
          { class: "card" },
          h("h3", {}, t("co.budget")),
          d.budgets.map((b) => h("p", { class: b.over ? "warn-text" : "" }, t(b.over ? "co.budgetOver" : "co.budgetLeft", { budget: titleOf("budget", b.budget), remaining: money(String(b.remaining).replace("-", ""), b.currency), amount: money(b.amount, b.currency) }))),
        )
      : null,
    h(
      "dl",
      { class: "facts totals" },
      h("dt", {}, t("totals.subtotal")),
      h("dd", { class: "num" }, money(d.totals.subtotal, currency)),
      h("dt", {}, t("totals.total")),
      h("dd", { class: "num" }, h("strong", {}, money(d.totals.total, currency))),
    ),
    button(d.outcome === "approvalRequired" ? t("co.submit") : t("co.place"), () => {
      setStatus("co.status.demo", { order: d.order });
    }, { class: "primary place", disabled: d.outcome === "blocked" }),
  );
  document.body.dataset.outcome = d.outcome;
}

function orderMessages(messages) {
  // Those repeating a line's message (`line \`L1\`: …`) are shown on the line.
  const own = collapseMessages(messages.filter((m) => !/^line `[^`]*`: /.test(m.text)));
  return own.length ? h("ul", { class: "messages" }, own.map((m) => h("li", { class: `sev-${m.severity}` }, richText(m.text), m.count > 1 ? h("span", { class: "count-badge" }, ` ${t("times", { count: m.count })}`) : null))) : null;
}

function switchLine(i, productId) {
  const line = cart[i];
  const existing = cart.findIndex((l, j) => j !== i && l.product === productId);
  if (existing >= 0) {
    cart[existing].quantity += line.quantity;
    cart.splice(i, 1);
  } else {
    line.product = productId;
  }
  changed();
  setStatus("co.status.switched", { name: product(productId) ? productName(product(productId)) : productId });
}

function changed() {
  renderCart();
  refreshSummary();
}

/** The buyer, group or language changed: what the status said no longer applies. */
function contextChanged() {
  idleStatus();
  $("toast").hidden = true;
  refreshBadges();
  refreshSummary();
}

$("buyer").addEventListener("change", async () => {
  if (await renderGroups(null)) contextChanged();
});
$("group").addEventListener("change", () => contextChanged());
onLocaleChange(() => {
  if (loadProblem) {
    showLoadProblem();
    return;
  }
  renderBuyers();
  renderCart();
  if (lastBadges) renderProducts(lastBadges);
  renderSummary();
  if (!$("no-group").hidden) $("no-group").textContent = t("co.noGroup", { buyer: personName(names, $("buyer").value) });
  contextChanged();
});
$("po").addEventListener("input", () => refreshSummary());

// ─── the policy: the artifact, checked, then loaded ──────────────────────────────────

/** `sha256:<hex>` of bytes, as `procura build` prints an artifact's hash. */
async function sha256(bytes) {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return `sha256:${[...digest].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
}

/** Why the policy could not be used: a message key and parameters (follows the language). */
let loadProblem = null;
function showLoadProblem() {
  const el = $("load-problem");
  el.hidden = !loadProblem;
  if (loadProblem) {
    el.textContent = t(loadProblem.key, loadProblem.params);
    el.dataset.reason = loadProblem.reason;
    setStatus("co.status.noPolicy");
  }
}

function refuse(reason, key, params = {}) {
  loadProblem = { reason, key, params };
  showLoadProblem();
  document.body.dataset.loaded = reason;
  fill($("products"));
  fill($("summary-body"), h("p", { class: "warn-text" }, t("co.status.noPolicy")));
  $("buyer").disabled = true;
  $("group").disabled = true;
}

/** Downloads the artifact, checks its SHA-256, loads it; null (and a banner) when refused. */
async function loadPolicy() {
  let bytes;
  try {
    const response = await fetch(artifactUrl);
    if (!response.ok) return refuse("download", "co.load.download", { status: response.status });
    bytes = await response.arrayBuffer();
  } catch {
    return refuse("download", "co.load.offline");
  }
  const actual = await sha256(bytes);
  if (actual !== published.artifactHash) {
    return refuse("integrity", "co.load.integrity", { expected: published.artifactHash.slice(0, 19), actual: actual.slice(0, 19) });
  }
  const answer = await engine.call("load", { bytes, directory }, [bytes]);
  if (answer?.type !== "success") {
    const first = answer?.errors?.[0];
    return refuse("load", "co.load.refused", { code: first?.code ?? "?", message: (first?.message ?? "").replace(/`/g, "") });
  }
  if (answer.hash !== published.policyHash) {
    return refuse("policyHash", "co.load.policyHash", { expected: published.policyHash.slice(0, 19), actual: String(answer.hash).slice(0, 19) });
  }
  return answer;
}

async function start() {
  renderBuyers();
  $("buyer").value = buyers[0].id;
  renderCart();
  const loaded = await loadPolicy();
  if (!loaded) return;
  const { outline } = loaded;
  groups = outline.groups.map((g) => ({ id: g.id, name: g.title }));
  setTitles("group", outline.groups.map((g) => [g.id, g.title]));
  // Rules and budgets by their titles wherever the buyer reads them; ids stay in the JSON.
  setTitles("rule", outline.rules.filter((r) => r.kind !== "budget").map((r) => [r.id, r.title]));
  setTitles("budget", outline.rules.filter((r) => r.kind === "budget").map((r) => [r.id, r.title]));
  $("policy-hash").title = `${loaded.name} · ${loaded.hash} · ${published.artifactHash}`;
  document.body.dataset.loaded = "success";
  loadFields(loaded.fields);
  await renderGroups(null);
  refreshSummary();
  await refreshBadges();
  if (!status) idleStatus();
}

start();
registerServiceWorker("./sw-checkout.js", "./checkout.html");

// A read-only handle for tests and the browser console.
window.procuraCheckout = Object.freeze({
  groups: () => [...$("group").options].map((o) => o.value),
  groupTitles: () => [...$("group").options].map((o) => o.textContent),
  request: () => request(),
  artifact: () => ({ ...published, url: artifactUrl }),
});

// The checkout demo: a storefront for the Maple example. The engine (in a Web Worker) badges
// each product for the chosen buyer and buying group, and checks the cart as it changes:
// blocked lines, preferred alternatives (one click switches the line), the approval the
// order needs and from whom, and the invoice it will land on. No server round trip.
import { createEngine, latest } from "./engine-client.js";
import { example } from "./examples.js";
import { CATALOG, SPENT, product } from "./catalog.js";
import { h, fill, button, money, word } from "./dom.js";
import { person, quorumText, splitWords } from "./decision-view.js";
import { registerServiceWorker } from "./offline.js";

const $ = (id) => document.getElementById(id);
const maple = example("maple");
const source = maple.policy;
const directory = JSON.parse(maple.directory);
const names = new Map(directory.users.filter((u) => u.name).map((u) => [u.id, u.name]));
const engine = createEngine();
const badgesLatest = latest(engine);
const evaluateLatest = latest(engine);

// Buying groups, with their display names, as the policy declares them.
const groups = [...source.matchAll(/^\s*group\s+([A-Za-z_]\w*)\s+"([^"]*)"/gm)].map((m) => ({ id: m[1], name: m[2] }));
// Buyers: the directory's requesters.
const buyers = directory.users.filter((u) => u.roles?.some((r) => r.role === "requester"));

const cart = []; // [{product, quantity}]
let orderNumber = 1128;

function groupName(id) {
  return groups.find((g) => g.id === id)?.name ?? id;
}

fill($("buyer"), buyers.map((u) => h("option", { value: u.id }, `${u.name ?? u.id} — ${groupName(u.roles[0].group)}`)));
fill($("group"), groups.map((g) => h("option", { value: g.id }, g.name)));

function setBuyer(id) {
  const user = buyers.find((u) => u.id === id) ?? buyers[0];
  $("buyer").value = user.id;
  $("group").value = user.roles.find((r) => r.role === "requester")?.group ?? groups[0].id;
}

function shopper() {
  return { buyer: $("buyer").value, group: $("group").value, locale: $("locale").value };
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

// ─── products and their badges ───────────────────────────────────────────────────────

const BADGE_WORDS = { preferred: "Preferred", warned: "Not preferred", restricted: "Needs approval", blocked: "Blocked", allowed: "" };

function tile(p) {
  const initials = p.category.split("/")[1]?.slice(0, 2).toUpperCase() ?? "";
  return h("div", { class: `tile tile-${p.category.split("/")[0]}`, "aria-hidden": "true" }, initials);
}

function renderProducts(badges) {
  const byProduct = new Map((badges ?? []).map((b) => [b.product, b]));
  fill(
    $("products"),
    CATALOG.map((p) => {
      const badge = byProduct.get(p.id);
      const verdict = badge?.verdict ?? "allowed";
      const qty = h("input", { type: "number", min: "1", max: "999", value: "1", id: `qty-${p.id}`, class: "qty" });
      return h(
        "li",
        { class: `product verdict-${verdict}`, "data-product": p.id, "data-verdict": verdict },
        tile(p),
        h(
          "div",
          { class: "product-body" },
          h("h3", { class: "product-name" }, p.name),
          h("div", { class: "muted" }, `${p.supplier} · `, h("code", {}, p.id)),
          h("div", { class: "price" }, money(p.unitPrice, "CAD")),
          BADGE_WORDS[verdict] ? h("span", { class: `badge badge-${verdict}` }, BADGE_WORDS[verdict]) : null,
          badge?.message ? h("p", { class: `policy-message sev-${badge.message.severity}` }, badge.message.text) : null,
          badge?.suggestions?.length ? h("p", { class: "muted small" }, `Preferred instead: ${badge.suggestions.map((s) => product(s.product)?.name ?? s.product).join(", ")}`) : null,
        ),
        h(
          "div",
          { class: "add" },
          h("label", { for: `qty-${p.id}`, class: "visually-hidden" }, `Quantity of ${p.name}`),
          qty,
          button("Add to cart", () => {
            add(p.id, Math.max(1, Math.floor(Number(qty.value)) || 1));
            qty.value = "1";
          }, { class: "primary", "aria-label": `Add ${p.name} to the cart` }),
        ),
      );
    }),
  );
}

async function refreshBadges() {
  const answer = await badgesLatest("badges", {
    source,
    directory,
    request: {
      ...shopper(),
      currency: "CAD",
      products: CATALOG.map((p) => ({ id: p.id, category: p.category, supplier: p.supplier, unitPrice: p.unitPrice })),
    },
  });
  if (!answer) return;
  if (answer.type !== "success") {
    $("status").textContent = `Badges unavailable: ${answer.errors.map((e) => e.message).join("; ")}`;
    renderProducts([]);
    return;
  }
  renderProducts(answer.result.badges);
  document.body.dataset.badges = `${shopper().buyer}|${shopper().group}|${shopper().locale}`;
}

// ─── the cart ────────────────────────────────────────────────────────────────────────

function add(id, quantity) {
  const line = cart.find((l) => l.product === id);
  if (line) line.quantity += quantity;
  else cart.push({ product: id, quantity });
  changed();
  $("status").textContent = `Added ${product(id).name} to the cart.`;
}

function lineId(i) {
  return `L${i + 1}`;
}

function renderCart() {
  if (cart.length === 0) {
    fill($("cart"), h("li", { class: "muted" }, "The cart is empty."));
    return;
  }
  fill(
    $("cart"),
    cart.map((line, i) => {
      const p = product(line.product);
      const qty = h("input", {
        type: "number",
        min: "1",
        max: "999",
        value: String(line.quantity),
        id: `cart-qty-${i}`,
        class: "qty",
        onchange: () => {
          line.quantity = Math.max(1, Number(qty.value) || 1);
          changed();
        },
      });
      return h(
        "li",
        { class: "cart-line", "data-line": lineId(i), "data-product": p.id },
        h("span", { class: "cart-name" }, p.name),
        h("label", { for: `cart-qty-${i}`, class: "visually-hidden" }, `Quantity of ${p.name}`),
        qty,
        button("Remove", () => {
          cart.splice(i, 1);
          changed();
        }, { class: "link", "aria-label": `Remove ${p.name} from the cart` }),
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
      lines: cart.map((line, i) => {
        const p = product(line.product);
        return { id: lineId(i), product: p.id, category: p.category, supplier: p.supplier, description: p.name, unitPrice: p.unitPrice, quantity: line.quantity };
      }),
    },
    context: { now: nowRfc3339(), budgets: SPENT },
  };
}

// ─── the checkout summary ────────────────────────────────────────────────────────────

const OUTCOME_WORDS = {
  allowed: "Ready to order",
  approvalRequired: "Needs approval before it is placed",
  blocked: "Cannot be ordered as it is",
};

async function refreshSummary() {
  if (cart.length === 0) {
    fill($("summary-body"), h("p", { class: "muted" }, "Add products to the cart."));
    document.body.dataset.outcome = "empty";
    return;
  }
  const answer = await evaluateLatest("evaluate", { source, directory, request: request() });
  if (!answer) return;
  if (answer.type !== "success") {
    fill($("summary-body"), h("p", { class: "warn-text" }, answer.errors.map((e) => `${e.path ? `${e.path}: ` : ""}${e.message}`).join("; ")));
    return;
  }
  const d = answer.result;
  const currency = d.totals.currency;
  const linesById = new Map(d.lines.map((l) => [l.id, l]));
  fill(
    $("summary-body"),
    h("div", { class: `outcome outcome-${d.outcome}`, id: "outcome", "data-outcome": d.outcome }, h("span", { class: "outcome-word" }, OUTCOME_WORDS[d.outcome] ?? word(d.outcome))),
    // Order-level messages; those repeating a line's block (`line \`L1\`: …`) are shown on the line.
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
          h("div", { class: "summary-line-head" }, h("span", {}, `${line.quantity} × ${p.name}`), h("span", { class: "num" }, money(ld.amount, currency))),
          ld.verdict !== "allowed" ? h("span", { class: `badge badge-${ld.verdict}` }, BADGE_WORDS[ld.verdict] || word(ld.verdict)) : null,
          ld.messages.length ? h("ul", { class: "messages" }, ld.messages.map((m) => h("li", { class: `sev-${m.severity}` }, m.text))) : null,
          ld.suggestions.length
            ? h(
                "div",
                { class: "switches" },
                ld.suggestions.map((s) => {
                  const alt = product(s.product);
                  const label = `Switch to ${alt?.name ?? s.product}${s.price ? ` at ${money(s.price.amount, s.price.currency)}` : ""}`;
                  return button(label, () => switchLine(i, s.product), { class: "switch", "data-suggestion": s.product });
                }),
              )
            : null,
          ld.verdict === "blocked" ? button("Remove this line", () => { cart.splice(i, 1); changed(); }, { class: "link" }) : null,
        );
      }),
    ),
    h(
      "section",
      { class: "card", id: "approval" },
      h("h3", {}, "Approval"),
      d.approval.levels.length
        ? [
            h("p", {}, d.approval.required ? "This order needs approval:" : "Once nothing blocks it, this order will need approval:"),
            h(
              "ol",
              { class: "levels" },
              d.approval.levels.map((l) =>
                h(
                  "li",
                  { class: "level" },
                  h("strong", {}, `Level ${l.level}: `),
                  `${quorumText(l.quorum)} `,
                  l.approvers.map((id, j) => [j ? ", " : "", h("span", { class: "approver" }, person(names, id))]),
                  h("div", { class: "muted small" }, `because of ${l.rules.join(", ")}${l.fallback ? `; fell back to ${l.fallback}` : ""}`),
                ),
              ),
            ),
          ]
        : h("p", { class: "muted" }, d.approval.autoApproved ? "Approved automatically." : "No approval needed."),
    ),
    h(
      "section",
      { class: "card", id: "invoice" },
      h("h3", {}, "Invoice"),
      d.invoice
        ? [
            h("p", {}, "Lands on the ", h("strong", {}, d.invoice.template), ` invoice (${d.invoice.cadence}${d.invoice.splitBy.length ? `, one per ${splitWords(d.invoice.splitBy)}` : ""}), terms net ${d.invoice.termsDays} days.`),
            h(
              "dl",
              { class: "facts" },
              d.invoice.invoiceDate ? [h("dt", {}, "Invoice date"), h("dd", {}, d.invoice.invoiceDate)] : null,
              d.invoice.dueDate ? [h("dt", {}, "Due date"), h("dd", { class: "due-date" }, d.invoice.dueDate)] : null,
              h("dt", {}, "Bill to"),
              h("dd", {}, d.invoice.billTo),
              h("dt", {}, "Sent to"),
              h("dd", {}, d.invoice.recipients.join(", ")),
            ),
          ]
        : h("p", { class: "muted" }, "No invoice rule applies to this group."),
    ),
    d.budgets.length
      ? h(
          "section",
          { class: "card" },
          h("h3", {}, "Budget"),
          d.budgets.map((b) => h("p", { class: b.over ? "warn-text" : "" }, `${b.budget}: ${b.over ? `over by ${b.remaining.replace("-", "")}` : `${b.remaining} left`} of ${money(b.amount, b.currency)} this month after this order`)),
        )
      : null,
    h(
      "dl",
      { class: "facts totals" },
      h("dt", {}, "Subtotal"),
      h("dd", { class: "num" }, money(d.totals.subtotal, currency)),
      h("dt", {}, "Total"),
      h("dd", { class: "num" }, h("strong", {}, money(d.totals.total, currency))),
    ),
    button(d.outcome === "approvalRequired" ? "Submit for approval" : "Place order", () => {
      $("status").textContent = `Demo only: order ${d.order} was not sent anywhere.`;
    }, { class: "primary place", disabled: d.outcome === "blocked" }),
  );
  document.body.dataset.outcome = d.outcome;
}

function orderMessages(messages) {
  const own = messages.filter((m) => !/^line `[^`]*`: /.test(m.text));
  return own.length ? h("ul", { class: "messages" }, own.map((m) => h("li", { class: `sev-${m.severity}` }, m.text))) : null;
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
  $("status").textContent = `Switched to ${product(productId)?.name ?? productId}.`;
}

function changed() {
  renderCart();
  refreshSummary();
}

$("buyer").addEventListener("change", () => {
  setBuyer($("buyer").value);
  refreshBadges();
  refreshSummary();
});
for (const id of ["group", "locale"]) {
  $(id).addEventListener("change", () => {
    refreshBadges();
    refreshSummary();
  });
}
$("po").addEventListener("input", () => refreshSummary());

setBuyer(buyers[0].id);
renderCart();
refreshBadges().then(() => {
  $("status").textContent = "Prices in CAD. The policy is checked in this page.";
});
refreshSummary();
registerServiceWorker();

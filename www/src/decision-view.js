// Renders the engine's answer to a checkout request: outcome, lines with verdicts,
// messages and suggestions, the approval plan, budgets, invoice routing, payment, totals,
// the trace ("why": each entry reveals its rule in the editor), and the raw JSON.
import { h, money, word, button } from "./dom.js";

/** `ana@maple.example` → `Ana Tremblay (ana@maple.example)` when the directory names them. */
export function person(names, id) {
  const name = names.get(id);
  return name ? `${name} (${id})` : id;
}

export function quorumText(quorum) {
  if (!quorum) return "";
  if (quorum.type === "any") return "any of";
  if (quorum.type === "all") return "all of";
  return `${quorum.count} of`;
}

function errorList(errors, onReveal) {
  return h(
    "ul",
    { class: "errors engine-errors" },
    errors.map((e) =>
      h(
        "li",
        {},
        h("code", {}, e.code),
        " ",
        e.path ? h("code", { class: "path" }, e.path) : null,
        e.path ? ": " : "",
        e.message,
        e.help ? h("div", { class: "help" }, `help: ${e.help}`) : null,
        e.span && onReveal ? button(`line ${e.span.line}:${e.span.column}`, () => onReveal(e.span), { class: "link" }) : null,
      ),
    ),
  );
}

function section(title, ...content) {
  return h("section", { class: "card" }, h("h3", {}, title), ...content);
}

function messages(list) {
  if (!list?.length) return null;
  return h(
    "ul",
    { class: "messages" },
    list.map((m) => h("li", { class: `sev-${m.severity}` }, h("span", { class: "sev" }, m.severity), " ", m.text, h("span", { class: "muted" }, ` [${m.rule}]`))),
  );
}

/** The approval plan as levels with their approvers and quorum. */
export function approvalPlan(plan, names) {
  if (!plan.required && plan.levels.length === 0) {
    return h("p", { class: "muted" }, plan.autoApproved ? "Approved automatically: under the requester's self-approval limit." : "No approval needed.");
  }
  // A blocked order still lists the levels it would need once unblocked.
  const note = plan.required ? null : h("p", { class: "muted" }, "No approval can release a blocked order; once unblocked, it would need:");
  return [note, levelList(plan, names)];
}

function levelList(plan, names) {
  return h(
    "ol",
    { class: "levels" },
    plan.levels.map((level) =>
      h(
        "li",
        { class: "level" },
        h("div", {}, h("strong", {}, `Level ${level.level}`), ` — ${quorumText(level.quorum)}`),
        h("ul", { class: "approvers" }, level.approvers.map((id) => h("li", { class: "chip" }, person(names, id)))),
        level.approvers.length === 0 ? h("p", { class: "warn-text" }, "No eligible approver") : null,
        h("div", { class: "muted" }, `required by ${level.rules.join(", ")}`),
        level.fallback ? h("div", { class: "muted" }, `fell back to ${level.fallback}`) : null,
        level.escalation ? h("div", { class: "muted" }, `escalates after ${level.escalation.afterHours} h to ${level.escalation.to.map((id) => person(names, id)).join(", ")}`) : null,
      ),
    ),
  );
}

/** Split keys in words: `poNumber` → `PO number`. */
export function splitWords(keys) {
  return keys.map((k) => ({ poNumber: "PO number", group: "group" })[k] ?? k).join(" and ");
}

/** A budget as a bar: spent so far, this order's draw, and what is left (or the overrun). */
function budgetBar(b) {
  const amount = Number(b.amount);
  const spent = Number(b.spent);
  const order = Number(b.order);
  const scale = Math.max(amount, spent + order) || 1;
  const pct = (x) => `${Math.max(0, Math.min(100, (x / scale) * 100)).toFixed(2)}%`;
  const over = b.over;
  return h(
    "li",
    { class: `budget${over ? " over" : ""}`, "data-budget": b.budget },
    h("div", { class: "budget-head" }, h("code", {}, b.budget), h("span", { class: "muted" }, ` ${b.group}${b.user ? `, ${b.user}` : ""} · ${b.period}`), over ? h("span", { class: `badge badge-${b.effect === "block" ? "blocked" : "restricted"}` }, `over: ${b.effect}`) : null),
    h(
      "div",
      { class: "bar-track", role: "img", "aria-label": `${b.spent} spent and ${b.order} for this order, of ${b.amount} ${b.currency}` },
      h("span", { class: "bar-spent", style: `width: ${pct(spent)}` }),
      h("span", { class: "bar-order", style: `width: ${pct(order)}` }),
      h("span", { class: "bar-limit", style: `left: ${pct(amount)}` }),
    ),
    h("div", { class: "muted small" }, `${b.spent} spent + ${b.order} this order of ${money(b.amount, b.currency)} → ${over ? `over by ${b.remaining.replace(/^-/, "")}` : `${b.remaining} left`}`),
  );
}

/** The invoice an order lands on. */
export function invoiceRouting(invoice) {
  if (!invoice) return h("p", { class: "muted" }, "No invoice rule applies.");
  return h(
    "dl",
    { class: "facts" },
    h("dt", {}, "Template"),
    h("dd", {}, invoice.template, h("span", { class: "muted" }, ` [${invoice.rule}]`)),
    h("dt", {}, "Bill to"),
    h("dd", {}, invoice.billTo),
    h("dt", {}, "Send to"),
    h("dd", {}, invoice.recipients.join(", ")),
    h("dt", {}, "Cadence"),
    h("dd", {}, invoice.cadence, invoice.splitBy?.length ? `, one invoice per ${splitWords(invoice.splitBy)}` : ""),
    h("dt", {}, "Terms"),
    h("dd", {}, `net ${invoice.termsDays} days`),
    invoice.invoiceDate ? [h("dt", {}, "Invoice date"), h("dd", {}, invoice.invoiceDate)] : null,
    invoice.dueDate ? [h("dt", {}, "Due date"), h("dd", { class: "due-date" }, invoice.dueDate)] : null,
  );
}

export function totals(t) {
  return h(
    "dl",
    { class: "facts totals" },
    h("dt", {}, "Subtotal"),
    h("dd", {}, money(t.subtotal, t.currency)),
    h("dt", {}, "Tax"),
    h("dd", {}, money(t.tax, t.currency)),
    h("dt", {}, "Shipping"),
    h("dd", {}, money(t.shipping, t.currency)),
    h("dt", {}, "Total"),
    h("dd", {}, h("strong", {}, money(t.total, t.currency))),
  );
}

function rawJson(value) {
  const pre = h("pre", { class: "raw", hidden: true, tabindex: "0", "aria-label": "Raw JSON of the answer" }, JSON.stringify(value, null, 2));
  const toggle = button("Show raw JSON", () => {
    pre.hidden = !pre.hidden;
    toggle.textContent = pre.hidden ? "Show raw JSON" : "Hide raw JSON";
    toggle.setAttribute("aria-expanded", String(!pre.hidden));
  }, { class: "raw-toggle", "aria-expanded": "false" });
  return h("div", { class: "raw-box" }, toggle, pre);
}

/**
 * The decision view. `answer` is evaluate()'s result; `names` maps user ids to names;
 * `onReveal(span)` highlights a rule in the editor.
 */
export function renderDecision(answer, { names = new Map(), onReveal } = {}) {
  if (answer.type !== "success") {
    return h("div", { class: "decision" }, h("div", { class: "outcome outcome-failure" }, "The request was not evaluated"), errorList(answer.errors, onReveal), rawJson(answer));
  }
  const d = answer.result;
  const currency = d.totals.currency;
  return h(
    "div",
    { class: "decision" },
    h(
      "div",
      { class: `outcome outcome-${d.outcome}`, "data-outcome": d.outcome },
      h("span", { class: "outcome-word" }, word(d.outcome)),
      h("span", { class: "muted" }, ` order ${d.order} in ${d.group} · total ${money(d.totals.total, currency)}`),
    ),
    messages(d.messages),
    d.errors?.length ? section("Evaluation problems", errorList(d.errors, onReveal)) : null,
    section(
      "Lines",
      h(
        "ul",
        { class: "lines" },
        d.lines.map((line) =>
          h(
            "li",
            { class: `line verdict-${line.verdict}`, "data-line": line.id, "data-verdict": line.verdict },
            h(
              "div",
              { class: "line-head" },
              h("strong", {}, line.id),
              h("code", {}, line.product),
              h("span", { class: `badge badge-${line.verdict}` }, word(line.verdict)),
              line.dropped ? h("span", { class: "muted" }, "dropped") : null,
              h("span", { class: "num amount" }, money(line.amount, currency)),
            ),
            messages(line.messages),
            line.suggestions.length
              ? h("div", { class: "suggestions" }, "Instead: ", line.suggestions.map((s, i) => [i ? ", " : "", h("code", {}, s.product), s.price ? ` at ${money(s.price.amount, s.price.currency)}` : ""]))
              : null,
          ),
        ),
      ),
    ),
    section("Approval", approvalPlan(d.approval, names)),
    d.budgets.length ? section("Budgets", h("ul", { class: "budgets" }, d.budgets.map(budgetBar))) : null,
    section("Invoice", invoiceRouting(d.invoice)),
    d.payment
      ? section("Payment", h("p", {}, `Method: ${d.payment.method ?? "none"} · allowed: ${d.payment.allowed.join(", ")}${d.payment.default ? ` · default: ${d.payment.default}` : ""}`, h("span", { class: "muted" }, ` [${d.payment.rule}]`)))
      : null,
    d.split ? section("Split detection", h("p", {}, `Orders ${d.split.orders.join(", ")} together come to ${money(d.split.combined, d.split.currency)}`, h("span", { class: "muted" }, ` [${d.split.rule}]`))) : null,
    section("Totals", totals(d.totals)),
    section(
      "Why",
      d.trace.length === 0
        ? h("p", { class: "muted" }, "No rule applied.")
        : h(
            "ol",
            { class: "trace" },
            d.trace.map((entry) =>
              h(
                "li",
                {},
                button(
                  [h("code", {}, entry.rule), ` (${entry.span.line}:${entry.span.column}) `, h("span", { class: "effect" }, entry.effect), ` → ${entry.lines.length ? entry.lines.join(", ") : "order"}: ${entry.detail}`],
                  () => onReveal?.(entry.span, { highlight: true }),
                  { class: "trace-entry", "data-rule": entry.rule, title: "Show this rule in the editor" },
                ),
              ),
            ),
          ),
    ),
    h("p", { class: "muted hash" }, `Policy ${d.policy.name} · ${d.policy.hash.slice(0, 19)}…`),
    rawJson(answer),
  );
}

export { errorList, rawJson };

// Renders the engine's answer to a checkout request: outcome, lines with verdicts,
// messages and suggestions, the approval plan, budgets, invoice routing, payment, totals,
// the trace ("why": each entry reveals its rule in the editor), and the raw JSON.
// Long lists (lines, trace) are shown a page at a time; a message repeated for many lines
// is shown once with a count.
import { h, money, word, button, excerpt, richText } from "./dom.js";
import { t, tOr, formatDate, formatNumber } from "./i18n.js";
import { titleOf } from "./titles.js";

/** How many lines or trace entries are shown before "Show more". */
export const PAGE_SIZE = 50;

/**
 * A person as people read them: the directory's name, the id in the tooltip (ids only in
 * raw JSON and tooltips); an id without a name stays an id.
 */
export function person(names, id) {
  const name = names?.get(id);
  return name ? h("span", { class: "person", title: id, "data-user": id }, name) : h("span", { class: "person person-id", "data-user": id }, id);
}

/** A person's name as plain text (for labels and aria text). */
export function personName(names, id) {
  return names?.get(id) ?? id;
}

export function quorumText(quorum) {
  if (!quorum) return "";
  if (quorum.type === "any") return t("quorum.any");
  if (quorum.type === "all") return t("quorum.all");
  return t("quorum.count", { count: quorum.count });
}

/** A rule, budget or group by its title when one is known, its id in the tooltip. */
function named(kind, id) {
  const title = titleOf(kind, id);
  return title === id ? h("code", { class: "id" }, id) : h("span", { title: id }, title);
}

/** An engine error in plain words: the code, the JSON path, the message with quoted input. */
export function errorItem(e, onReveal) {
  return h(
    "li",
    { "data-code": e.code },
    e.path ? [h("span", { class: "path-label" }, t("error.at")), " ", h("code", { class: "path", title: e.path }, excerpt(e.path, 80)), " — "] : null,
    richText(e.message),
    " ",
    h("span", { class: "muted code" }, `(${e.code})`),
    e.help ? h("div", { class: "help" }, t("help"), " ", richText(e.help)) : null,
    e.span && onReveal ? [" ", button(t("error.line", { line: e.span.line, column: e.span.column }), () => onReveal(e.span), { class: "link" })] : null,
  );
}

function errorList(errors, onReveal) {
  return h("ul", { class: "errors engine-errors" }, collapseErrors(errors).map(({ error, count }) => {
    const li = errorItem(error, onReveal);
    if (count > 1) li.append(" ", h("span", { class: "count-badge" }, t("times", { count })));
    return li;
  }));
}

/** The same error repeated (same code and message) is listed once with its count. */
function collapseErrors(errors) {
  const out = new Map();
  for (const e of errors ?? []) {
    const key = `${e.code}|${e.message}|${e.path ?? ""}`;
    const seen = out.get(key);
    if (seen) seen.count++;
    else out.set(key, { error: e, count: 1 });
  }
  return [...out.values()];
}

function section(title, ...content) {
  return h("section", { class: "card" }, h("h3", {}, title), ...content);
}

const LINE_PREFIX = /^line `([^`]*)`: /;

/**
 * Messages with those repeated per line collapsed: the order-level `line \`L1\`: …`
 * messages with the same text and rule become one entry with the count of lines.
 */
export function collapseMessages(list) {
  const groups = new Map();
  for (const m of list ?? []) {
    const match = LINE_PREFIX.exec(m.text);
    const text = match ? m.text.slice(match[0].length) : m.text;
    const key = `${m.severity}|${m.rule}|${text}`;
    let g = groups.get(key);
    if (!g) {
      g = { ...m, text, lines: [], count: 0 };
      groups.set(key, g);
    }
    g.count++;
    if (match) g.lines.push(match[1]);
  }
  return [...groups.values()];
}

function messages(list) {
  if (!list?.length) return null;
  return h(
    "ul",
    { class: "messages" },
    collapseMessages(list).map((m) =>
      h(
        "li",
        { class: `sev-${m.severity}`, "data-count": String(m.count) },
        h("span", { class: "sev" }, t(`severity.${m.severity}`)),
        " ",
        richText(m.text),
        m.lines.length ? [" ", h("span", { class: "count-badge", title: excerpt(m.lines.join(", "), 400) }, m.lines.length === 1 ? t("message.line", { line: m.lines[0] }) : t("message.lines", { count: formatNumber(m.lines.length) }))] : m.count > 1 ? [" ", h("span", { class: "count-badge" }, t("times", { count: m.count }))] : null,
        h("span", { class: "muted" }, " [", named("rule", m.rule), "]"),
      ),
    ),
  );
}

/** `items` rendered `PAGE_SIZE` at a time, with a button for the next page. */
export function paged(tag, attrs, items, render, pageSize = PAGE_SIZE) {
  const list = h(tag, attrs);
  let shown = 0;
  const more = button("", () => showMore(), { class: "show-more" });
  function showMore() {
    const next = items.slice(shown, shown + pageSize);
    list.append(...next.map((item, i) => render(item, shown + i)));
    shown += next.length;
    more.hidden = shown >= items.length;
    more.textContent = t("showMore", { count: formatNumber(Math.min(pageSize, items.length - shown)), total: formatNumber(items.length), shown: formatNumber(shown) });
  }
  showMore();
  return items.length > pageSize ? h("div", { class: "paged" }, list, more) : list;
}

/** The approval plan as levels with their approvers and quorum. */
export function approvalPlan(plan, names) {
  if (!plan.required && plan.levels.length === 0) {
    return h("p", { class: "muted plan-none" }, plan.autoApproved ? t("plan.autoApproved") : t("plan.none"));
  }
  // A blocked order still lists the levels it would need once unblocked.
  const note = plan.required ? null : h("p", { class: "muted" }, t("plan.blockedNote"));
  return [note, levelList(plan, names), sharedNote(plan, names)];
}

/** People named at several levels act once; their approval counts at each. */
export function sharedNote(plan, names) {
  if (!plan.sharedApprovers?.length) return null;
  return h(
    "ul",
    { class: "shared-approvers muted" },
    plan.sharedApprovers.map((s) => h("li", {}, person(names, s.user), " ", t("plan.shared", { levels: s.levels.join(", ") }))),
  );
}

function levelList(plan, names) {
  return h(
    "ol",
    { class: "levels" },
    plan.levels.map((level) =>
      h(
        "li",
        { class: "level" },
        h("div", {}, h("strong", {}, t("level", { level: level.level })), ` — ${quorumText(level.quorum)}`),
        h("ul", { class: "approvers" }, level.approvers.map((id) => h("li", { class: "chip" }, person(names, id)))),
        level.approvers.length === 0 ? h("p", { class: "warn-text" }, t("plan.noApprover")) : null,
        h("div", { class: "muted" }, t("plan.requiredBy"), " ", level.rules.map((r, i) => [i ? ", " : "", named("rule", r)])),
        level.fallback ? h("div", { class: "muted" }, t("plan.fellBack", { fallback: level.fallback })) : null,
        level.escalation ? h("div", { class: "muted" }, t("plan.escalates", { hours: level.escalation.afterHours }), " ", level.escalation.to.map((id, i) => [i ? ", " : "", person(names, id)])) : null,
      ),
    ),
  );
}

/** Split keys in words: `poNumber` → `PO number`. */
export function splitWords(keys) {
  return keys.map((k) => (k === "poNumber" ? t("split.poNumber") : k === "group" ? t("split.group") : k)).join(t("split.and"));
}

/** A budget as a bar: spent so far, this order's draw, and what is left (or the overrun). */
function budgetBar(b) {
  const amount = Number(b.amount);
  const spent = Number(b.spent);
  const order = Number(b.order);
  const scale = Math.max(amount, spent + order) || 1;
  const pct = (x) => `${Math.max(0, Math.min(100, (x / scale) * 100)).toFixed(2)}%`;
  const over = b.over;
  const m = (x) => money(x, b.currency);
  return h(
    "li",
    { class: `budget${over ? " over" : ""}`, "data-budget": b.budget },
    h("div", { class: "budget-head" }, named("budget", b.budget), h("span", { class: "muted" }, " ", named("group", b.group), b.user ? ", " : "", b.user ? b.user : "", ` · ${tOr(`period.${b.period}`, b.period)}`), over ? h("span", { class: `badge badge-${b.effect === "block" ? "blocked" : "restricted"}` }, t(b.effect === "block" ? "budget.overBlock" : "budget.overRestrict")) : null),
    h(
      "div",
      { class: "bar-track", role: "img", "aria-label": t("budget.aria", { spent: m(b.spent), order: m(b.order), amount: m(b.amount) }) },
      h("span", { class: "bar-spent", style: `width: ${pct(spent)}` }),
      h("span", { class: "bar-order", style: `width: ${pct(order)}` }),
      h("span", { class: "bar-limit", style: `left: ${pct(amount)}` }),
    ),
    h("div", { class: "muted small budget-text" }, t(over ? "budget.over" : "budget.left", { spent: m(b.spent), order: m(b.order), amount: m(b.amount), remaining: m(String(b.remaining).replace(/^-/, "")) })),
  );
}

/** A date as people read it, the ISO date in `datetime`. */
export function dateEl(date, attrs = {}) {
  return h("time", { datetime: date, ...attrs }, formatDate(date));
}

/** The invoice an order lands on. */
export function invoiceRouting(invoice) {
  if (!invoice) return h("p", { class: "muted" }, t("invoice.none"));
  return h(
    "dl",
    { class: "facts" },
    h("dt", {}, t("invoice.template")),
    h("dd", {}, invoice.template, h("span", { class: "muted" }, " [", named("rule", invoice.rule), "]")),
    h("dt", {}, t("invoice.billTo")),
    h("dd", {}, invoice.billTo),
    h("dt", {}, t("invoice.sendTo")),
    h("dd", {}, invoice.recipients.join(", ")),
    h("dt", {}, t("invoice.cadence")),
    h("dd", {}, tOr(`cadence.${invoice.cadence}`, invoice.cadence), invoice.splitBy?.length ? t("invoice.splitBy", { keys: splitWords(invoice.splitBy) }) : ""),
    h("dt", {}, t("invoice.terms")),
    h("dd", {}, t("invoice.net", { days: invoice.termsDays })),
    invoice.invoiceDate ? [h("dt", {}, t("invoice.invoiceDate")), h("dd", {}, dateEl(invoice.invoiceDate))] : null,
    invoice.dueDate ? [h("dt", {}, t("invoice.dueDate")), h("dd", {}, dateEl(invoice.dueDate, { class: "due-date" }))] : null,
  );
}

export function totals(tt) {
  return h(
    "dl",
    { class: "facts totals" },
    h("dt", {}, t("totals.subtotal")),
    h("dd", {}, money(tt.subtotal, tt.currency)),
    h("dt", {}, t("totals.tax")),
    h("dd", {}, money(tt.tax, tt.currency)),
    h("dt", {}, t("totals.shipping")),
    h("dd", {}, money(tt.shipping, tt.currency)),
    h("dt", {}, t("totals.total")),
    h("dd", {}, h("strong", {}, money(tt.total, tt.currency))),
  );
}

/** The raw JSON, rendered only when asked for (a big answer is not stringified per edit). */
function rawJson(value) {
  const pre = h("pre", { class: "raw", hidden: true, tabindex: "0", "aria-label": t("raw.aria") });
  let filled = false;
  const toggle = button(t("raw.show"), () => {
    if (!filled) {
      const text = JSON.stringify(value, null, 2);
      // A huge answer is cut: the page stays responsive.
      pre.textContent = text.length > 200_000 ? `${text.slice(0, 200_000)}\n… ${t("raw.cut", { count: formatNumber(text.length - 200_000) })}` : text;
      filled = true;
    }
    pre.hidden = !pre.hidden;
    toggle.textContent = pre.hidden ? t("raw.show") : t("raw.hide");
    toggle.setAttribute("aria-expanded", String(!pre.hidden));
  }, { class: "raw-toggle", "aria-expanded": "false" });
  return h("div", { class: "raw-box" }, toggle, pre);
}

function lineItem(line, currency) {
  return h(
    "li",
    { class: `line verdict-${line.verdict}`, "data-line": line.id, "data-verdict": line.verdict },
    h(
      "div",
      { class: "line-head" },
      h("strong", { class: "truncate", title: line.id }, excerpt(line.id, 40)),
      h("code", { class: "truncate", title: line.product }, excerpt(line.product, 40)),
      h("span", { class: `badge badge-${line.verdict}` }, word(line.verdict)),
      line.dropped ? h("span", { class: "muted" }, t("line.dropped")) : null,
      h("span", { class: "num amount" }, money(line.amount, currency)),
    ),
    messages(line.messages),
    line.suggestions.length
      ? h("div", { class: "suggestions" }, t("line.instead"), " ", line.suggestions.map((s, i) => [i ? ", " : "", h("code", {}, s.product), s.price ? ` ${t("line.at", { price: money(s.price.amount, s.price.currency) })}` : ""]))
      : null,
  );
}

function traceItem(entry, onReveal) {
  const target = entry.lines.length ? excerpt(entry.lines.join(", "), 80) : t("trace.order");
  return h(
    "li",
    {},
    button(
      [h("code", {}, entry.rule), ` (${entry.span.line}:${entry.span.column}) `, h("span", { class: "effect" }, entry.effect), ` → ${target}: `, richText(entry.detail)],
      () => onReveal?.(entry.span, { highlight: true }),
      { class: "trace-entry", "data-rule": entry.rule, title: t("trace.title") },
    ),
  );
}

/**
 * The decision view. `answer` is evaluate()'s result; `names` maps user ids to names;
 * `onReveal(span)` highlights a rule in the editor.
 */
export function renderDecision(answer, { names = new Map(), onReveal } = {}) {
  if (answer.type !== "success") {
    return h("div", { class: "decision" }, h("div", { class: "outcome outcome-failure" }, t("decision.notEvaluated")), errorList(answer.errors, onReveal), rawJson(answer));
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
      h("span", { class: "muted" }, " ", t("decision.summary", { order: excerpt(d.order, 40), group: titleOf("group", d.group), total: money(d.totals.total, currency) })),
    ),
    messages(d.messages),
    d.errors?.length ? section(t("decision.problems"), errorList(d.errors, onReveal)) : null,
    section(t("decision.lines", { count: formatNumber(d.lines.length) }), paged("ul", { class: "lines" }, d.lines, (line) => lineItem(line, currency))),
    section(t("decision.approval"), approvalPlan(d.approval, names)),
    d.budgets.length ? section(t("decision.budgets"), h("ul", { class: "budgets" }, d.budgets.map(budgetBar))) : null,
    section(t("decision.invoice"), invoiceRouting(d.invoice)),
    d.payment
      ? section(t("decision.payment"), h("p", {}, t("payment.text", { method: d.payment.method ?? t("payment.none"), allowed: d.payment.allowed.join(", ") }), d.payment.default ? t("payment.default", { method: d.payment.default }) : "", h("span", { class: "muted" }, " [", named("rule", d.payment.rule), "]")))
      : null,
    d.split ? section(t("decision.split"), h("p", {}, t("split.text", { orders: excerpt(d.split.orders.join(", "), 200), combined: money(d.split.combined, d.split.currency) }), h("span", { class: "muted" }, " [", named("rule", d.split.rule), "]"))) : null,
    section(t("decision.totals"), totals(d.totals)),
    section(t("decision.why"), d.trace.length === 0 ? h("p", { class: "muted" }, t("trace.none")) : paged("ol", { class: "trace" }, d.trace, (entry) => traceItem(entry, onReveal))),
    h("p", { class: "muted hash truncate", title: `${d.policy.name} · ${d.policy.hash}` }, t("decision.policy", { name: excerpt(d.policy.name, 60), hash: `${d.policy.hash.slice(0, 19)}…` })),
    rawJson(answer),
  );
}

export { errorList, rawJson };

// The Invoices tab: an invoice run over a period's orders (the engine's `invoiceRun`), the
// invoices it forms with their lines, credits, terms and due dates, the orders it left out
// and why, and both CSV reports (`reportCsv`) to download, with their columns editable.
import { h, fill, button, money, download, richText } from "./dom.js";
import { jsonPanel } from "./json-panel.js";
import { errorList, dateEl, splitWords } from "./decision-view.js";
import { t, formatNumber } from "./i18n.js";
import { titleOf } from "./titles.js";

// The default columns of the two reports (src/office/reports.rs `default_report`).
export const DEFAULT_COLUMNS = {
  orders: ["poNumber", "orderId", "orderStatus", "invoiceId", "amountDue", "currency", "dueDate", "reason"],
  invoices: ["invoiceId", "kind", "template", "group", "poNumber", "currency", "invoiceDate", "dueDate", "amountDue"],
};

const EMPTY_RUN = '{\n  "period": "2026-11",\n  "orders": []\n}\n';

export function createInvoicesTab({ root, engine, context, onChange }) {
  let lastRun = null;
  let seq = 0;
  const host = h("div", { class: "editor json-editor" });
  const errors = h("ul", { class: "errors", hidden: true, "aria-label": t("invoices.problems"), "data-i18n-attr": "aria-label=invoices.problems" });
  const output = h("div", { id: "invoice-run" });
  const columns = {};
  const csvStatus = h("span", { class: "muted csv-status", role: "status" });
  const reportControls = ["orders", "invoices"].map((rows) => {
    columns[rows] = h("input", { id: `columns-${rows}`, type: "text", spellcheck: "false", value: DEFAULT_COLUMNS[rows].join(", ") });
    return h(
      "div",
      { class: "report" },
      h("label", { for: `columns-${rows}`, "data-i18n": `invoices.columns.${rows}` }, t(`invoices.columns.${rows}`)),
      columns[rows],
      button(t(`invoices.download.${rows}`), () => csv(rows), { id: `download-${rows}`, "data-i18n": `invoices.download.${rows}` }),
    );
  });

  fill(
    root,
    h("p", { class: "muted intro", "data-i18n": "invoices.intro" }, t("invoices.intro")),
    h("h3", { "data-i18n": "invoices.orders" }, t("invoices.orders")),
    host,
    errors,
    h("div", { class: "toolbar" }, button(t("invoices.run"), () => run(), { id: "run-invoices", class: "primary", "data-i18n": "invoices.run" })),
    h("div", { class: "card reports" }, h("h3", { "data-i18n": "invoices.reports" }, t("invoices.reports")), reportControls, csvStatus),
    output,
  );

  const panel = jsonPanel({ parent: host, errorList: errors, label: t("invoices.aria"), schema: "invoice-run-request", doc: EMPTY_RUN, onChange: () => { onChange?.(); run(); } });

  async function run() {
    // Only while the tab is shown (a download asks for a run too): showing it runs again.
    if (root.hidden) return;
    const mine = ++seq;
    const request = panel.value();
    if (request === undefined) {
      fill(output, h("p", { class: "warn-text" }, t("invoices.invalid")));
      return;
    }
    const ctx = context();
    const answer = await engine.call("invoiceRun", { source: ctx.source, directory: ctx.directory, request });
    if (mine !== seq) return;
    if (answer.type !== "success") {
      lastRun = null;
      panel.markEngineErrors(answer.errors);
      fill(output, h("p", { class: "warn-text" }, t("invoices.failed")), errorList(answer.errors));
      return;
    }
    lastRun = answer.result;
    render(lastRun);
  }

  function render(r) {
    fill(
      output,
      h(
        "p",
        { class: "run-summary" },
        t("invoices.summary", { period: r.period, count: r.invoices.length }),
        " ",
        dateEl(r.runDate),
        r.totals.length ? ` · ${t("invoices.due", { amounts: r.totals.map((x) => money(x.amountDue, x.currency)).join(", ") })}` : "",
      ),
      r.invoices.map((inv) =>
        h(
          "section",
          { class: `card invoice kind-${inv.kind}`, "data-invoice": inv.id },
          h("h4", { class: "truncate", title: `${inv.id} — ${inv.template}` }, inv.kind === "creditNote" ? t("invoices.creditNote") : t("invoices.invoice"), " ", h("code", {}, inv.id), ` — ${inv.template}`),
          h(
            "dl",
            { class: "facts" },
            h("dt", {}, t("invoice.invoiceDate")),
            h("dd", {}, dateEl(inv.invoiceDate)),
            h("dt", {}, t("invoice.terms")),
            h("dd", {}, t("invoice.net", { days: inv.termsDays })),
            h("dt", {}, t("invoice.dueDate")),
            h("dd", {}, dateEl(inv.dueDate)),
            h("dt", {}, t("invoices.split")),
            h("dd", {}, [inv.group ? `${splitWords(["group"])} ${titleOf("group", inv.group)}` : null, inv.poNumber !== undefined && inv.poNumber !== null ? `${t("invoices.po")} ${inv.poNumber}` : null].filter(Boolean).join(", ") || "—"),
            h("dt", {}, t("invoice.billTo")),
            h("dd", {}, inv.billTo),
            h("dt", {}, t("invoice.sendTo")),
            h("dd", {}, inv.recipients.join(", ")),
            h("dt", {}, t("invoices.amountDue")),
            h("dd", {}, h("strong", {}, money(inv.amountDue, inv.currency))),
          ),
          h(
            "div",
            { class: "table-scroll" },
            h(
              "table",
              { class: "invoice-lines" },
              h("thead", {}, h("tr", {}, h("th", {}, t("invoices.col.order")), h("th", {}, t("invoices.col.status")), h("th", {}, t("invoices.col.po")), h("th", {}, t("invoices.col.line")), h("th", {}, t("invoices.col.description")), h("th", { class: "num" }, t("invoices.col.amount")))),
              h(
                "tbody",
                {},
                [...inv.lines.map((l) => [l, false]), ...inv.credits.map((l) => [l, true])].slice(0, 500).map(([l, listed]) =>
                  h("tr", { class: listed ? "listed-credit" : "" }, h("td", {}, l.order), h("td", {}, l.orderStatus), h("td", {}, l.poNumber ?? ""), h("td", {}, l.line), h("td", {}, l.description ?? "", listed ? ` ${t("invoices.creditListed")}` : ""), h("td", { class: "num" }, money(l.amount, inv.currency))),
                ),
              ),
            ),
          ),
        ),
      ),
      r.rejected.length
        ? h(
            "section",
            { class: "card rejected" },
            h("h4", {}, t("invoices.leftOut")),
            h("ul", {}, r.rejected.map((x) => h("li", {}, h("code", {}, x.order ?? `orders[${x.index}]`), " ", h("code", { class: "path" }, x.path), " ", richText(x.message), h("span", { class: "muted" }, ` (${x.code})`)))),
          )
        : null,
    );
  }

  async function csv(rows) {
    if (!lastRun) await run();
    if (!lastRun) return;
    const definition = { name: rows, rows, columns: columns[rows].value.split(",").map((c) => c.trim()).filter(Boolean) };
    const answer = await engine.call("reportCsv", { run: lastRun, definition });
    if (answer.type !== "success") {
      fill(csvStatus, errorList(answer.errors));
      return;
    }
    csvStatus.textContent = t("invoices.csvRows", { file: `${rows}-${lastRun.period}.csv`, count: formatNumber(answer.result.split("\r\n").filter(Boolean).length - 1) });
    download(`${rows}-${lastRun.period}.csv`, answer.result);
  }

  return {
    load(text) {
      panel.setText(text ?? EMPTY_RUN);
    },
    run,
    relabel() {
      panel.relabel(t("invoices.aria"));
      if (lastRun) render(lastRun);
    },
    snapshot: () => panel.text(),
  };
}

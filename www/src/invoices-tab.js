// The Invoices tab: an invoice run over a period's orders (the engine's `invoiceRun`), the
// invoices it forms with their lines, credits, terms and due dates, the orders it left out
// and why, and both CSV reports (`reportCsv`) to download, with their columns editable.
import { h, fill, button, money, download } from "./dom.js";
import { jsonPanel } from "./json-panel.js";
import { errorList } from "./decision-view.js";

// The default columns of the two reports (src/reports.rs `default_report`).
export const DEFAULT_COLUMNS = {
  orders: ["poNumber", "orderId", "orderStatus", "invoiceId", "amountDue", "currency", "dueDate"],
  invoices: ["invoiceId", "kind", "template", "group", "poNumber", "currency", "invoiceDate", "dueDate", "amountDue"],
};

const EMPTY_RUN = '{\n  "period": "2026-11",\n  "orders": []\n}\n';

export function createInvoicesTab({ root, engine, context, onChange }) {
  let lastRun = null;
  let seq = 0;
  const host = h("div", { class: "editor json-editor" });
  const errors = h("ul", { class: "errors", hidden: true, "aria-label": "Invoice run problems" });
  const output = h("div", { id: "invoice-run" });
  const columns = {};
  const csvStatus = h("span", { class: "muted", role: "status" });
  const reportControls = ["orders", "invoices"].map((rows) => {
    columns[rows] = h("input", { id: `columns-${rows}`, type: "text", spellcheck: "false", value: DEFAULT_COLUMNS[rows].join(", ") });
    return h(
      "div",
      { class: "report" },
      h("label", { for: `columns-${rows}` }, `${rows === "orders" ? "Orders" : "Invoices"} report columns`),
      columns[rows],
      button(`Download ${rows} CSV`, () => csv(rows), { id: `download-${rows}` }),
    );
  });

  fill(
    root,
    h("p", { class: "muted intro" }, "A period's orders, with their status, consolidated into invoices by the policy's invoice rules."),
    h("h3", {}, "Orders (invoice run request JSON)"),
    host,
    errors,
    h("div", { class: "toolbar" }, button("Run invoices", () => run(), { id: "run-invoices", class: "primary" })),
    h("div", { class: "card reports" }, h("h3", {}, "CSV reports"), reportControls, csvStatus),
    output,
  );

  const panel = jsonPanel({ parent: host, errorList: errors, label: "Orders of the invoice run (JSON)", schema: "invoice-run-request", doc: EMPTY_RUN, onChange: () => { onChange?.(); run(); } });

  async function run() {
    // Only while the tab is shown (a download asks for a run too): showing it runs again.
    if (root.hidden) return;
    const mine = ++seq;
    const request = panel.value();
    if (request === undefined) {
      fill(output, h("p", { class: "warn-text" }, "The orders are not valid JSON."));
      return;
    }
    const ctx = context();
    const answer = await engine.call("invoiceRun", { source: ctx.source, directory: ctx.directory, request });
    if (mine !== seq) return;
    if (answer.type !== "success") {
      lastRun = null;
      panel.markEngineErrors(answer.errors);
      fill(output, h("p", { class: "warn-text" }, "The invoice run failed:"), errorList(answer.errors));
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
        `Period ${r.period}, run on ${r.runDate}: ${r.invoices.length} document${r.invoices.length === 1 ? "" : "s"}`,
        r.totals.length ? ` · due ${r.totals.map((t) => money(t.amountDue, t.currency)).join(", ")}` : "",
      ),
      r.invoices.map((inv) =>
        h(
          "section",
          { class: `card invoice kind-${inv.kind}`, "data-invoice": inv.id },
          h("h4", {}, inv.kind === "creditNote" ? "Credit note " : "Invoice ", h("code", {}, inv.id), ` — ${inv.template}`),
          h(
            "dl",
            { class: "facts" },
            h("dt", {}, "Invoice date"),
            h("dd", {}, inv.invoiceDate),
            h("dt", {}, "Terms"),
            h("dd", {}, `net ${inv.termsDays} days`),
            h("dt", {}, "Due date"),
            h("dd", {}, inv.dueDate),
            h("dt", {}, "Split"),
            h("dd", {}, [inv.group ? `group ${inv.group}` : null, inv.poNumber !== undefined && inv.poNumber !== null ? `PO ${inv.poNumber}` : null].filter(Boolean).join(", ") || "—"),
            h("dt", {}, "Bill to"),
            h("dd", {}, inv.billTo),
            h("dt", {}, "Send to"),
            h("dd", {}, inv.recipients.join(", ")),
            h("dt", {}, "Amount due"),
            h("dd", {}, h("strong", {}, money(inv.amountDue, inv.currency))),
          ),
          h(
            "table",
            { class: "invoice-lines" },
            h("thead", {}, h("tr", {}, h("th", {}, "Order"), h("th", {}, "Status"), h("th", {}, "PO"), h("th", {}, "Line"), h("th", {}, "Description"), h("th", { class: "num" }, "Amount"))),
            h(
              "tbody",
              {},
              [...inv.lines.map((l) => [l, false]), ...inv.credits.map((l) => [l, true])].map(([l, listed]) =>
                h("tr", { class: listed ? "listed-credit" : "" }, h("td", {}, l.order), h("td", {}, l.orderStatus), h("td", {}, l.poNumber ?? ""), h("td", {}, l.line), h("td", {}, l.description ?? "", listed ? " (credit, listed)" : ""), h("td", { class: "num" }, l.amount)),
              ),
            ),
          ),
        ),
      ),
      r.rejected.length
        ? h(
            "section",
            { class: "card rejected" },
            h("h4", {}, "Left out of the run"),
            h("ul", {}, r.rejected.map((x) => h("li", {}, h("code", {}, x.order ?? `orders[${x.index}]`), " ", h("code", { class: "path" }, x.path), ` ${x.code}: ${x.message}`))),
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
    csvStatus.textContent = `${rows}-${lastRun.period}.csv: ${answer.result.split("\r\n").filter(Boolean).length - 1} rows`;
    download(`${rows}-${lastRun.period}.csv`, answer.result);
  }

  return {
    load(text) {
      panel.setText(text ?? EMPTY_RUN);
    },
    run,
    snapshot: () => panel.text(),
  };
}

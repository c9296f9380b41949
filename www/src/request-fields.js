// The playground's request form: the custom fields the current policy declares (from
// `policy.fields()` through the worker), kept in sync both ways with the request JSON.
// Typing in the form writes `order.fields` / `order.lines[i].fields` into the JSON as an
// edit of its text; editing the JSON updates the form (except the input being typed in).
import { h, fill } from "./dom.js";
import { t, locale } from "./i18n.js";
import { fieldRow, isRequired, setInputValue } from "./fields-form.js";

const isObject = (v) => v !== null && typeof v === "object" && !Array.isArray(v);

/** `{root, requestPanel}` → `{update({fields, request, decision}), relabel()}`. */
export function createRequestFields({ root, requestPanel }) {
  let fields = []; // the last declared fields (kept while the policy does not compile)
  let request; // the parsed request, or undefined
  let decision = null;
  let shape = ""; // what the rendered form was built from
  let inputs = []; // [{input, path: ["order"] | ["order","lines",i], name}]

  /** The fields object at `path` in the request as it is now (the text, not the last validated value). */
  function currentFields(path) {
    let value;
    try {
      value = JSON.parse(requestPanel.text());
    } catch {
      return null;
    }
    let node = value;
    for (const s of path) node = node?.[s];
    if (!isObject(node)) return null;
    return isObject(node.fields) ? { ...node.fields } : {};
  }

  function write(path, name, value) {
    const next = currentFields(path);
    if (next === null) return;
    if (value === "") delete next[name];
    else next[name] = value;
    requestPanel.setObjectProperty(path, "fields", Object.keys(next).length ? next : null);
  }

  function valueAt(path, name) {
    let node = request;
    for (const s of path) node = node?.[s];
    const v = isObject(node) && isObject(node.fields) ? node.fields[name] : undefined;
    return typeof v === "string" ? v : "";
  }

  /** The engine's problem with a field: the order message of its rule, else the error. */
  function problemAt(path, name) {
    const d = decision?.type === "success" ? decision.result : null;
    const errors = d ? d.errors : decision?.type === "failure" ? decision.errors : [];
    const where = path.length === 1 ? `order.fields.${name}` : `order.lines[${path[2]}].fields.${name}`;
    const error = (errors ?? []).find((e) => e.path === where);
    if (!error) return null;
    const message = path.length === 1 ? d?.messages?.find((m) => m.rule === name && m.severity === "block") : null;
    return (message?.text ?? error.message).replace(/`/g, "");
  }

  function lines() {
    return Array.isArray(request?.order?.lines) ? request.order.lines : [];
  }

  function build() {
    inputs = [];
    root.hidden = fields.length === 0;
    const body = root.querySelector(".fields-body");
    if (fields.length === 0) {
      fill(body);
      return;
    }
    const usable = isObject(request) && isObject(request.order);
    const group = request?.group;
    const row = (field, path, key) => {
      const id = `rf-${key}-${field.name}`;
      const r = fieldRow(field, { id, value: valueAt(path, field.name), required: isRequired(field, group), error: problemAt(path, field.name), onInput: (v) => write(path, field.name, v) });
      inputs.push({ input: r.input, path, name: field.name });
      return r;
    };
    const orderFields = fields.filter((f) => f.on !== "lines");
    const lineFields = fields.filter((f) => f.on === "lines");
    fill(
      body,
      usable ? null : h("p", { class: "warn-text small" }, t(requestPanel.parsed() && request === undefined ? "fields.requestLarge" : "fields.requestInvalid")),
      h(
        "fieldset",
        { class: "fields-form", disabled: !usable },
        orderFields.length ? h("fieldset", { class: "field-group", "data-scope": "order" }, h("legend", {}, t("fields.order")), orderFields.map((f) => row(f, ["order"], "order"))) : null,
        lineFields.length
          ? lines().length
            ? lines().map((line, i) =>
                h(
                  "fieldset",
                  { class: "field-group", "data-scope": "line", "data-line": String(line?.id ?? i) },
                  h("legend", {}, t("fields.line", { line: String(line?.id ?? i + 1) }), line?.product ? h("span", { class: "muted" }, ` · ${line.product}`) : null),
                  lineFields.map((f) => row(f, ["order", "lines", i], `line${i}`)),
                ),
              )
            : h("p", { class: "muted small" }, t("fields.noLines"))
          : null,
      ),
    );
  }

  /** Values and problems from the request, in place (the input being typed in is left alone). */
  function sync() {
    for (const { input, path, name } of inputs) {
      if (document.activeElement !== input) setInputValue(input, valueAt(path, name));
      const problem = problemAt(path, name);
      const rowEl = input.closest(".field-row");
      let p = rowEl.querySelector(".field-error");
      if (problem) {
        input.setAttribute("aria-invalid", "true");
        if (!p) {
          p = h("p", { class: "field-error warn-text", id: `${input.id}-error` });
          input.after(p);
          input.setAttribute("aria-describedby", [p.id, input.getAttribute("aria-describedby")].filter(Boolean).join(" "));
        }
        p.textContent = problem;
      } else {
        input.removeAttribute("aria-invalid");
        if (p) {
          p.remove();
          const rest = (input.getAttribute("aria-describedby") ?? "").split(" ").filter((x) => x && x !== p.id).join(" ");
          if (rest) input.setAttribute("aria-describedby", rest);
          else input.removeAttribute("aria-describedby");
        }
      }
    }
  }

  function render() {
    const usable = isObject(request) && isObject(request.order);
    const next = JSON.stringify([fields, locale(), usable, requestPanel.parsed(), request?.group ?? null, lines().map((l) => [l?.id, l?.product])]);
    if (next !== shape) {
      // Rebuilt: the focus stays in the input it was in.
      const focused = document.activeElement?.closest?.(".fields-form") ? document.activeElement.id : null;
      const selection = focused && document.activeElement.selectionStart != null ? [document.activeElement.selectionStart, document.activeElement.selectionEnd] : null;
      shape = next;
      build();
      if (focused) {
        const el = document.getElementById(focused);
        if (el) {
          el.focus();
          if (selection && el.setSelectionRange) el.setSelectionRange(...selection);
        }
      }
    }
    sync();
  }

  return {
    /** After an analysis: `fields` null keeps the last ones (the policy does not compile). */
    update(next) {
      if (Array.isArray(next.fields)) fields = next.fields;
      request = next.request;
      decision = next.decision ?? null;
      render();
    },
    relabel() {
      shape = "";
      render();
    },
  };
}

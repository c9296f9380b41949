// JSON input panels: a CodeMirror JSON editor, validated as you type against a JSON Schema
// (ajv, draft 2020-12), with each error marked at its JSON path and listed below.
import { EditorView, keymap, lineNumbers, highlightActiveLine, drawSelection } from "@codemirror/view";
import { EditorState } from "@codemirror/state";
import { json } from "@codemirror/lang-json";
import { syntaxTree, ensureSyntaxTree, bracketMatching, foldGutter, syntaxHighlighting, defaultHighlightStyle } from "@codemirror/language";
import { defaultKeymap, history, historyKeymap } from "@codemirror/commands";
import { closeBrackets, closeBracketsKeymap } from "@codemirror/autocomplete";
import { lintGutter, setDiagnostics } from "@codemirror/lint";
// ajv validators of ../schema/*.schema.json, compiled at build time (vite.config.js).
import validators from "virtual:schema-validators";

/** The validator of `schema/<name>.schema.json`, or null when there is no such schema. */
export function validatorFor(name) {
  return validators[name] ?? null;
}

/** `order.lines[0].unitPrice` → ["order", "lines", 0, "unitPrice"]. */
export function parsePath(path) {
  const segments = [];
  if (!path) return segments;
  for (const part of path.match(/[^.[\]]+|\[\d+\]/g) ?? []) {
    segments.push(part.startsWith("[") ? Number(part.slice(1, -1)) : part);
  }
  return segments;
}

/** ["order", "lines", 0] → `order.lines[0]`. */
export function formatPath(segments) {
  let out = "";
  for (const s of segments) out += typeof s === "number" ? `[${s}]` : out ? `.${s}` : s;
  return out;
}

function valueChildren(node) {
  const out = [];
  for (let child = node.firstChild; child; child = child.nextSibling) {
    if (!["[", "]", "{", "}", ",", "⚠"].includes(child.name)) out.push(child);
  }
  return out;
}

/**
 * The text range of the value at `segments` in the JSON document of `state` (or, with
 * `key`, of the property name), found in the syntax tree; the nearest enclosing value
 * when the path goes further than the document.
 */
export function pathRange(state, segments, { key = false } = {}) {
  const tree = ensureSyntaxTree(state, state.doc.length, 500) ?? syntaxTree(state);
  let node = tree.topNode.firstChild;
  while (node && !["Object", "Array", "String", "Number", "True", "False", "Null"].includes(node.name)) {
    node = node.nextSibling;
  }
  if (!node) return { from: 0, to: Math.min(1, state.doc.length) };
  let keyNode = null;
  for (const segment of segments) {
    let found = null;
    if (typeof segment === "number" && node.name === "Array") {
      found = valueChildren(node)[segment] ?? null;
      keyNode = null;
    } else if (typeof segment === "string" && node.name === "Object") {
      for (const prop of valueChildren(node)) {
        if (prop.name !== "Property") continue;
        const name = prop.getChild("PropertyName");
        let text = name ? state.sliceDoc(name.from, name.to) : "";
        try {
          text = JSON.parse(text);
        } catch {
          /* keep the raw text */
        }
        if (text === segment) {
          keyNode = name;
          found = name;
          for (let c = name.nextSibling; c; c = c.nextSibling) if (c.name !== ":") found = c;
          break;
        }
      }
    }
    if (!found) break;
    node = found;
  }
  const target = key && keyNode ? keyNode : node;
  // Mark an object or array by its first line only, so a squiggle stays readable.
  let to = target.to;
  if (target.name === "Object" || target.name === "Array") to = Math.min(to, state.doc.lineAt(target.from).to);
  return { from: target.from, to: Math.max(to, target.from + 1) };
}

/** Parses `text` and validates it; errors are `{path, message, from, to}`. */
export function validateText(state, schemaName) {
  const text = state.doc.toString();
  let value;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const m = /position (\d+)/.exec(error.message);
    const pos = m ? Math.min(Number(m[1]), text.length) : 0;
    return {
      value: undefined,
      errors: [{ path: "", message: `not valid JSON: ${error.message}`, from: pos, to: Math.min(pos + 1, text.length) }],
    };
  }
  const validate = schemaName ? validatorFor(schemaName) : null;
  if (!validate || validate(value)) return { value, errors: [] };
  const errors = [];
  const seen = new Set();
  for (const e of validate.errors) {
    // anyOf branches repeat themselves; keep the first error per path and keyword.
    const segments = e.instancePath.split("/").slice(1).map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~")).map((s) => (/^\d+$/.test(s) ? Number(s) : s));
    let message = e.message;
    let key = false;
    if (e.keyword === "additionalProperties") {
      segments.push(e.params.additionalProperty);
      message = `unknown key \`${e.params.additionalProperty}\``;
      key = true;
    }
    if (e.keyword === "anyOf") continue;
    const path = formatPath(segments);
    const id = `${path}|${e.keyword}`;
    if (seen.has(id)) continue;
    seen.add(id);
    errors.push({ path, message, ...pathRange(state, segments, { key }) });
  }
  if (errors.length === 0) errors.push({ path: "", message: "does not match the schema", from: 0, to: 1 });
  return { value, errors };
}

/**
 * A JSON panel: `{view, value(), errors(), setText(text), markEngineErrors(errors, prefix)}`.
 * `onChange()` is called after each edit once the text is parsed and validated.
 */
export function jsonPanel({ parent, errorList, label, schema, doc, onChange }) {
  let result = { value: undefined, errors: [] };
  let engineErrors = [];

  function render(view) {
    const diagnostics = [...result.errors, ...engineErrors].map((e) => ({
      from: Math.min(e.from, view.state.doc.length),
      to: Math.min(e.to, view.state.doc.length),
      severity: "error",
      message: e.path ? `${e.path}: ${e.message}` : e.message,
    }));
    view.dispatch(setDiagnostics(view.state, diagnostics));
    errorList.replaceChildren();
    const all = [...result.errors, ...engineErrors];
    errorList.hidden = all.length === 0;
    for (const e of all) {
      const li = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.className = "link";
      button.textContent = e.path || "(document)";
      button.setAttribute("aria-label", `Go to ${e.path || "the document"}: ${e.message}`);
      button.addEventListener("click", () => {
        view.dispatch({ selection: { anchor: e.from, head: e.to }, scrollIntoView: true });
        view.focus();
      });
      li.append(button, document.createTextNode(` ${e.message}`));
      errorList.append(li);
    }
  }

  let timer = 0;
  const view = new EditorView({
    parent,
    state: EditorState.create({
      doc,
      extensions: [
        lineNumbers(),
        foldGutter(),
        history(),
        drawSelection(),
        highlightActiveLine(),
        bracketMatching(),
        closeBrackets(),
        json(),
        syntaxHighlighting(defaultHighlightStyle),
        lintGutter(),
        keymap.of([...closeBracketsKeymap, ...defaultKeymap, ...historyKeymap]),
        EditorView.lineWrapping,
        EditorView.contentAttributes.of({ "aria-label": label }),
        EditorView.updateListener.of((update) => {
          if (!update.docChanged) return;
          clearTimeout(timer);
          timer = setTimeout(() => {
            refresh();
            onChange?.();
          }, 200);
        }),
      ],
    }),
  });

  function refresh() {
    result = validateText(view.state, schema);
    engineErrors = [];
    render(view);
  }
  refresh();

  return {
    view,
    value: () => result.value,
    valid: () => result.value !== undefined && result.errors.length === 0,
    errors: () => result.errors,
    text: () => view.state.doc.toString(),
    setText(text) {
      clearTimeout(timer);
      view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } });
      clearTimeout(timer);
      refresh();
    },
    /** Marks the engine's errors whose path starts with `prefix` (e.g. `directory`). */
    markEngineErrors(errors, prefix = "") {
      engineErrors = [];
      for (const e of errors ?? []) {
        if (e.path === undefined || e.path === null) continue;
        let path = e.path;
        if (prefix) {
          if (path !== prefix && !path.startsWith(`${prefix}.`) && !path.startsWith(`${prefix}[`)) continue;
          path = path.slice(prefix.length).replace(/^\./, "");
        } else if (path.startsWith("directory")) continue;
        const segments = parsePath(path);
        engineErrors.push({ path: e.path, message: `${e.code}: ${e.message}`, ...pathRange(view.state, segments) });
      }
      render(view);
    },
  };
}

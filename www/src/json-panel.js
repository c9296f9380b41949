// JSON input panels: a CodeMirror JSON editor, validated as you type against a JSON Schema
// (ajv, draft 2020-12), with each error marked at its JSON path and listed below.
// A large document (more than LARGE characters) is parsed and validated in the engine's
// worker (`validateRemote`), never on the main thread, so that typing stays fast.
import { EditorView, keymap, lineNumbers, highlightActiveLine, drawSelection } from "@codemirror/view";
import { EditorState, Compartment } from "@codemirror/state";
import { json } from "@codemirror/lang-json";
import { syntaxTree, ensureSyntaxTree, bracketMatching, foldGutter, syntaxHighlighting, defaultHighlightStyle } from "@codemirror/language";
import { defaultKeymap, history, historyKeymap } from "@codemirror/commands";
import { closeBrackets, closeBracketsKeymap } from "@codemirror/autocomplete";
import { lintGutter, setDiagnostics } from "@codemirror/lint";
import { checkJson, formatPath, parsePath, validatorFor } from "./json-validate.js";
import { t } from "./i18n.js";
import { excerpt } from "./dom.js";

export { checkJson, formatPath, parsePath, validatorFor };

/** Documents longer than this (in characters) are validated off the main thread. */
export const LARGE = 200_000;

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

/** The first value node of the document, or null. */
function rootValue(state) {
  const tree = ensureSyntaxTree(state, state.doc.length, 500) ?? syntaxTree(state);
  let node = tree.topNode.firstChild;
  while (node && !["Object", "Array", "String", "Number", "True", "False", "Null"].includes(node.name)) node = node.nextSibling;
  return node;
}

/** The Property node named `name` in the Object node `object`, or null. */
function propertyOf(state, object, name) {
  for (const prop of valueChildren(object)) {
    if (prop.name !== "Property") continue;
    const key = prop.getChild("PropertyName");
    let text = key ? state.sliceDoc(key.from, key.to) : "";
    try {
      text = JSON.parse(text);
    } catch {
      /* keep the raw text */
    }
    if (text === name) return prop;
  }
  return null;
}

/** The value node of a Property node. */
function propertyValue(prop) {
  let value = null;
  for (let c = prop.getChild("PropertyName")?.nextSibling; c; c = c.nextSibling) if (c.name !== ":") value = c;
  return value;
}

/** The value node exactly at `segments`, or null when the document has none there. */
function nodeAt(state, segments) {
  let node = rootValue(state);
  for (const segment of segments) {
    if (!node) return null;
    if (typeof segment === "number" && node.name === "Array") node = valueChildren(node)[segment] ?? null;
    else if (typeof segment === "string" && node.name === "Object") {
      const prop = propertyOf(state, node, segment);
      node = prop ? propertyValue(prop) : null;
    } else return null;
  }
  return node;
}

/** `{ "a": "1", "b": "2" }`: a small object of strings on one line. */
function inlineObject(object) {
  const entries = Object.entries(object);
  return entries.length ? `{ ${entries.map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v)}`).join(", ")} }` : "{}";
}

/**
 * The edit that sets the property `name` of the object at `parent` to `object` (written on
 * one line), or removes the property when `object` is null: `{changes}`, or null when there
 * is no object at `parent`. The rest of the text is kept as it was.
 */
export function objectPropertyEdit(state, parent, name, object) {
  const owner = nodeAt(state, parent);
  if (!owner || owner.name !== "Object") return null;
  const prop = propertyOf(state, owner, name);
  if (prop) {
    if (object !== null) {
      const value = propertyValue(prop);
      return value ? { changes: { from: value.from, to: value.to, insert: inlineObject(object) } } : null;
    }
    // Remove the property with the comma before it (or after it, when it is the first).
    const text = state.doc.toString();
    let i = prop.from - 1;
    while (i >= 0 && /\s/.test(text[i])) i--;
    if (text[i] === ",") return { changes: { from: i, to: prop.to } };
    let j = prop.to;
    while (j < text.length && /\s/.test(text[j])) j++;
    if (text[j] === ",") {
      j++;
      while (j < text.length && /\s/.test(text[j])) j++;
      return { changes: { from: prop.from, to: j } };
    }
    // The only property: `{ "x": … }` becomes `{}`.
    return { changes: { from: owner.from, to: owner.to, insert: "{}" } };
  }
  if (object === null) return { changes: [] };
  const text = `${JSON.stringify(name)}: ${inlineObject(object)}`;
  const props = valueChildren(owner).filter((c) => c.name === "Property");
  if (props.length === 0) return { changes: { from: owner.from, to: owner.to, insert: `{ ${text} }` } };
  const last = props[props.length - 1];
  const lastLine = state.doc.lineAt(last.from);
  // One property a line: the new one goes on its own line with the same indent.
  if (lastLine.number !== state.doc.lineAt(owner.from).number) {
    const indent = /^\s*/.exec(lastLine.text)[0];
    return { changes: { from: last.to, insert: `,\n${indent}${text}` } };
  }
  return { changes: { from: last.to, insert: `, ${text}` } };
}

/** A checkJson message in the page's language. */
function messageText(message) {
  if (typeof message === "string") return message;
  if (message.key === "json.type") return t("json.type", { type: t(`json.type.${message.params.type}`) });
  return t(message.key, message.params);
}

/** Parses and validates the editor's text; errors are `{path, message, from, to}`. */
export function validateText(state, schemaName) {
  return placeErrors(state, checkJson(state.doc.toString(), schemaName));
}

/** Places checkJson's errors in the document (cheaply for a large one). */
function placeErrors(state, checked) {
  const length = state.doc.length;
  if (checked.parseError) {
    const pos = Math.min(checked.parseError.pos, length);
    return { value: undefined, errors: [{ path: "", message: t("json.invalid", { message: excerpt(checked.parseError.message, 120) }), from: pos, to: Math.min(pos + 1, length) }] };
  }
  const large = length > LARGE;
  const errors = checked.errors.map((e) => ({
    path: formatPath(e.segments),
    message: messageText(e.message),
    ...(large ? { from: 0, to: Math.min(1, length) } : pathRange(state, e.segments, { key: e.key })),
  }));
  return { value: checked.value, errors };
}

/**
 * A JSON panel: `{view, value(), parsed(), payload(), errors(), setText(text),
 * markEngineErrors(errors, prefix)}`. `onChange()` is called after each edit once the text
 * is parsed and validated. `validateRemote({schema, text})`, when given, validates a large
 * document off the main thread; its value then stays in the worker (`payload()` is
 * `{text}` instead of `{value}`).
 */
export function jsonPanel({ parent, errorList, label, schema, doc, onChange, validateRemote }) {
  // value: the parsed document (undefined when invalid, or large and validated remotely);
  // parsed: whether the text is JSON; large: validated remotely.
  let result = { value: undefined, errors: [], parsed: false, large: false };
  let engineErrors = [];
  let seq = 0;
  const labelling = new Compartment();

  function render(view) {
    const all = [...result.errors, ...engineErrors];
    const diagnostics = all.slice(0, 500).map((e) => ({
      from: Math.min(e.from, view.state.doc.length),
      to: Math.min(e.to, view.state.doc.length),
      severity: "error",
      message: e.path ? `${e.path}: ${e.message}` : e.message,
    }));
    view.dispatch(setDiagnostics(view.state, diagnostics));
    errorList.replaceChildren();
    errorList.hidden = all.length === 0;
    for (const e of all.slice(0, 50)) {
      const li = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.className = "link";
      button.textContent = e.path ? excerpt(e.path, 80) : t("json.document");
      button.title = e.path || "";
      button.setAttribute("aria-label", t("json.goTo", { path: e.path || t("json.theDocument"), message: e.message }));
      button.addEventListener("click", () => {
        view.dispatch({ selection: { anchor: e.from, head: e.to }, scrollIntoView: true });
        view.focus();
      });
      li.append(button, " ");
      for (const [i, part] of e.message.split("`").entries()) {
        if (i % 2) {
          const code = document.createElement("code");
          code.className = "quoted";
          code.textContent = excerpt(part, 80);
          li.append(code);
        } else li.append(part);
      }
      errorList.append(li);
    }
    if (all.length > 50) {
      const li = document.createElement("li");
      li.textContent = t("json.moreErrors", { count: all.length - 50 });
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
        labelling.of(EditorView.contentAttributes.of({ "aria-label": label })),
        EditorView.updateListener.of((update) => {
          if (!update.docChanged) return;
          clearTimeout(timer);
          // A large document waits longer for the typing to pause.
          timer = setTimeout(() => refresh().then((fresh) => fresh && onChange?.()), update.state.doc.length > LARGE ? 400 : 200);
        }),
      ],
    }),
  });

  /** Validates the text; resolves to false when a newer edit superseded it. */
  async function refresh() {
    const mine = ++seq;
    const state = view.state;
    if (state.doc.length > LARGE && validateRemote) {
      const checked = await validateRemote({ schema, text: state.doc.toString() });
      if (mine !== seq) return false;
      const placed = placeErrors(view.state, checked ?? { errors: [] });
      result = { value: undefined, errors: placed.errors, parsed: !checked?.parseError, large: true };
    } else {
      const checked = validateText(state, schema);
      result = { ...checked, parsed: checked.value !== undefined, large: false };
    }
    engineErrors = [];
    render(view);
    return true;
  }
  refresh();

  return {
    view,
    /** The parsed value; undefined when the text is not JSON or is large (see payload). */
    value: () => result.value,
    /** Whether the text is JSON. */
    parsed: () => result.parsed,
    /** What to send the engine's worker: `{value}`, or `{text}` for a large document. */
    payload: () => (result.large ? { text: view.state.doc.toString() } : { value: result.value }),
    valid: () => result.parsed && result.errors.length === 0,
    errors: () => result.errors,
    text: () => view.state.doc.toString(),
    setText(text) {
      clearTimeout(timer);
      view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } });
      clearTimeout(timer);
      return refresh();
    },
    /**
     * Replaces the string value at `segments` (e.g. ["locale"]) with `value`, as an edit of
     * the text (undoable, visible); false when there is no string there.
     */
    setStringAt(segments, value) {
      if (view.state.doc.length > LARGE) return false;
      const { from, to } = pathRange(view.state, segments);
      const current = view.state.sliceDoc(from, to);
      if (!/^"(?:[^"\\]|\\.)*"$/.test(current)) return false;
      view.dispatch({ changes: { from, to, insert: JSON.stringify(value) } });
      return true;
    },
    /**
     * Sets the object property `name` of the object at `parent` (e.g. ["order"], "fields")
     * to `object`, or removes it when `object` is null, as an edit of the text (undoable,
     * visible, the rest of the text as it was); false when there is no object at `parent`.
     */
    setObjectProperty(parent, name, object) {
      if (view.state.doc.length > LARGE) return false;
      const edit = objectPropertyEdit(view.state, parent, name, object);
      if (!edit) return false;
      view.dispatch(edit);
      return true;
    },
    /** Re-renders the messages (after a change of language). */
    relabel(newLabel) {
      if (newLabel) view.dispatch({ effects: labelling.reconfigure(EditorView.contentAttributes.of({ "aria-label": newLabel })) });
      return refresh();
    },
    /** Marks the engine's errors whose path starts with `prefix` (e.g. `directory`). */
    markEngineErrors(errors, prefix = "") {
      engineErrors = [];
      const large = view.state.doc.length > LARGE;
      for (const e of errors ?? []) {
        if (e.path === undefined || e.path === null) continue;
        let path = e.path;
        if (prefix) {
          if (path !== prefix && !path.startsWith(`${prefix}.`) && !path.startsWith(`${prefix}[`)) continue;
          path = path.slice(prefix.length).replace(/^\./, "");
        } else if (path.startsWith("directory")) continue;
        const segments = parsePath(path);
        const range = large ? { from: 0, to: Math.min(1, view.state.doc.length) } : pathRange(view.state, segments);
        engineErrors.push({ path: e.path, message: `${e.message} (${e.code})`, ...range });
      }
      render(view);
    },
  };
}

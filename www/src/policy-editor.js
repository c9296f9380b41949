// The policy editor: CodeMirror 6 with Procura highlighting, bracket matching, keyword
// completion, search, and the engine's diagnostics as squiggles (message and help on hover).
import { EditorView, keymap, lineNumbers, highlightActiveLine, highlightActiveLineGutter, drawSelection, Decoration } from "@codemirror/view";
import { EditorState, StateField, StateEffect, Compartment } from "@codemirror/state";
import { bracketMatching, indentOnInput } from "@codemirror/language";
// Tab is left to move focus (keyboard navigation); Mod-] and Mod-[ indent.
import { defaultKeymap, history, historyKeymap } from "@codemirror/commands";
import { searchKeymap, highlightSelectionMatches } from "@codemirror/search";
import { autocompletion, completionKeymap, closeBrackets, closeBracketsKeymap, completeFromList } from "@codemirror/autocomplete";
import { lintGutter, lintKeymap, setDiagnostics } from "@codemirror/lint";
import { procura, KEYWORDS } from "./procura-lang.js";
import { byteMapper, spanRange } from "./spans.js";
import { h, richText } from "./dom.js";
import { t } from "./i18n.js";

const setHighlight = StateEffect.define();

/** The rule highlighted after a click on a trace entry (cleared by the next edit). */
const ruleHighlight = StateField.define({
  create: () => Decoration.none,
  update(value, tr) {
    for (const effect of tr.effects) {
      if (effect.is(setHighlight)) {
        const { from, to } = effect.value ?? {};
        value = effect.value && to > from ? Decoration.set([Decoration.mark({ class: "cm-rule-highlight" }).range(from, to)]) : Decoration.none;
      }
    }
    return tr.docChanged ? Decoration.none : value;
  },
  provide: (field) => EditorView.decorations.from(field),
});

/** The diagnostic's hover text: message, code, help and secondary labels. */
function renderMessage(d) {
  return () =>
    h(
      "div",
      { class: "diag" },
      h("div", {}, h("strong", {}, `${t(`severity.${d.severity}`)} [${d.code}]`), " ", richText(d.message)),
      d.help ? h("div", { class: "diag-help" }, t("help"), " ", richText(d.help)) : null,
      (d.labels ?? []).map((l) => {
        return h("div", { class: "diag-label" }, `${l.span.line}:${l.span.column}: ${l.message}`);
      }),
    );
}

export function createPolicyEditor({ parent, doc, label = "Policy source", onChange, onFormat }) {
  const labelling = new Compartment();
  const view = new EditorView({
    parent,
    state: EditorState.create({
      doc,
      extensions: [
        lineNumbers(),
        highlightActiveLineGutter(),
        history(),
        drawSelection(),
        indentOnInput(),
        bracketMatching(),
        closeBrackets(),
        autocompletion({ override: [completeFromList(KEYWORDS.map((label) => ({ label, type: "keyword" })))] }),
        highlightActiveLine(),
        highlightSelectionMatches(),
        procura(),
        lintGutter(),
        ruleHighlight,
        keymap.of([
          { key: "Mod-Shift-f", run: () => (onFormat?.(), true) },
          ...closeBracketsKeymap,
          ...defaultKeymap,
          ...searchKeymap,
          ...historyKeymap,
          ...completionKeymap,
          ...lintKeymap,
        ]),
        EditorView.lineWrapping,
        labelling.of(EditorView.contentAttributes.of({ "aria-label": label })),
        EditorView.updateListener.of((update) => {
          if (update.docChanged) onChange?.();
        }),
      ],
    }),
  });

  return {
    view,
    text: () => view.state.doc.toString(),
    relabel(newLabel) {
      view.dispatch({ effects: labelling.reconfigure(EditorView.contentAttributes.of({ "aria-label": newLabel })) });
    },
    setText(text) {
      view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } });
    },
    /** Shows the engine's diagnostics of `source` if it is still the editor's text. */
    showDiagnostics(source, diagnostics) {
      if (view.state.doc.toString() !== source) return false;
      const mapper = byteMapper(source);
      const items = diagnostics.map((d) => {
        const { from, to } = spanRange(source, d.span, mapper);
        return {
          from,
          to,
          severity: d.severity === "warning" ? "warning" : "error",
          source: d.code,
          message: d.help ? `${d.message} (help: ${d.help})` : d.message,
          renderMessage: renderMessage(d),
        };
      });
      view.dispatch(setDiagnostics(view.state, items));
      return true;
    },
    /** Puts the cursor at `line`:`column` (1-based; columns in characters) and scrolls there. */
    goTo({ line, column }, { focus = true } = {}) {
      const doc = view.state.doc;
      const l = doc.line(Math.max(1, Math.min(Number(line) || 1, doc.lines)));
      let pos = l.from;
      let n = 1;
      for (const ch of l.text) {
        if (n >= column) break;
        pos += ch.length;
        n++;
      }
      view.dispatch({ selection: { anchor: pos }, effects: EditorView.scrollIntoView(pos, { y: "center" }) });
      if (focus) view.focus();
    },
    /** Selects an engine span and scrolls to it; `highlight` also marks it. */
    reveal(span, { highlight = false, focus = true } = {}) {
      const text = view.state.doc.toString();
      const { from, to } = spanRange(text, span);
      const effects = [EditorView.scrollIntoView(from, { y: "center" })];
      if (highlight) effects.push(setHighlight.of({ from, to }));
      view.dispatch({ selection: { anchor: from, head: highlight ? from : to }, effects });
      if (focus) view.focus();
    },
  };
}

// Procura syntax highlighting for CodeMirror 6: a StreamLanguage tokenizer whose word lists
// follow grammar/procura.pest (declarations, clauses, enumerated values, word operators).
import { StreamLanguage, HighlightStyle, syntaxHighlighting, indentUnit } from "@codemirror/language";
import { tags as t } from "@lezer/highlight";
// Every keyword literal of grammar/procura.pest, extracted at build time (vite.config.js).
import grammarWords from "virtual:procura-keywords";

// Words that start a declaration; the name after one is highlighted as a definition.
export const DECLARATIONS = [
  "policy", "actions", "role", "group", "category", "rule", "prefer", "approval", "budget",
  "split", "payment", "ship_to", "po_number", "field", "invoice", "test",
];

// Clause words of the grammar.
export const CLAUSES = [
  "extends", "can", "for", "only", "subgroups", "except", "lines", "where", "order", "when",
  "message", "products", "at", "suppliers", "otherwise", "price", "above", "approve", "level",
  "any", "user", "manager", "management", "chain", "until", "limit", "covers", "max",
  "fallback", "escalate", "after", "to", "self", "allowed", "under", "per", "over", "by",
  "most", "within", "same", "combined", "allow", "default", "required", "prefix", "template",
  "bill", "send", "every", "month", "weeks", "week", "from", "terms", "net", "credits", "as",
  "buyer", "line", "product", "supplier", "qty", "spent", "expect", "levels", "approver", "po",
  "currency", "rounding", "tier", "locale", "blocked_line", "approval_hold", "reapprove_on",
  "tax", "shipping", "sum", "count", "weekly", "monthly", "quarterly", "yearly",
  // custom fields: `field cost_centre "Cost centre" { on order type text optional pattern "CC-###" help "…" }`
  "on", "type", "one", "pattern", "help", "optional",
];

// Effects: what a rule does.
export const EFFECTS = ["block", "restrict", "warn"];

// Enumerated values: settings, verdicts, outcomes, credit modes, split keys, amount bases.
export const VALUES = [
  "half_even", "half_up", "half_down", "up", "down", "standard", "plus", "premium",
  "blocks_order", "drops_line", "any_increase", "threshold", "approval_required", "blocked",
  "preferred", "warned", "restricted", "credit_note", "adjustment", "listed", "subtotal",
  "total", "true", "false", "hours", "hour", "days", "day",
  // the types of custom fields
  "text", "number", "money", "date",
];

// Operators written as words.
export const WORD_OPERATORS = ["and", "or", "not", "in", "of", "starts_with", "ends_with"];

const declarations = new Set(DECLARATIONS);
// The grammar's words not classified above are clause keywords too.
const clauses = new Set([...CLAUSES, ...grammarWords]);
const effects = new Set(EFFECTS);
const values = new Set(VALUES);
const wordOperators = new Set(WORD_OPERATORS);
// Objects of field access: `order.subtotal`, `line.quantity`, `buyer.id`.
const objects = new Set(["order", "line", "buyer"]);

function tokenString(stream, state) {
  let escaped = false;
  let ch;
  while ((ch = stream.next()) != null) {
    if (ch === '"' && !escaped) {
      state.inString = false;
      return "string";
    }
    escaped = !escaped && ch === "\\";
  }
  // Strings do not span lines: an unterminated one ends at the end of the line.
  state.inString = false;
  return "string";
}

const procuraParser = {
  name: "procura",
  startState: () => ({ inString: false, expectName: false, depth: 0 }),
  copyState: (s) => ({ ...s }),
  token(stream, state) {
    if (state.inString) return tokenString(stream, state);
    if (stream.eatSpace()) return null;
    if (stream.match("//")) {
      stream.skipToEnd();
      return "lineComment";
    }
    if (stream.peek() === '"') {
      stream.next();
      state.inString = true;
      state.expectName = false;
      return tokenString(stream, state);
    }
    // Dates, money (`42.00 CAD` is a number then a currency), percentages, numbers.
    if (stream.match(/^\d{4}-\d{2}-\d{2}(?![\w])/)) return "literal";
    if (stream.match(/^-?\d[\d_]*(\.\d+)?%?/)) return "number";
    if (stream.match(/^[A-Z]{3}(?![\w])/)) return "unit";
    const word = stream.match(/^[A-Za-z_][A-Za-z0-9_]*/);
    if (word) {
      const w = word[0];
      if (state.expectName) {
        state.expectName = false;
        return "variableName.definition";
      }
      if (objects.has(w) && stream.peek() === ".") return "variableName.special";
      if (stream.string.charAt(stream.start - 1) === ".") return "propertyName";
      // `field` declares at the top level; inside a test or `split by` it names a field.
      if (declarations.has(w) && stream.start === stream.indentation() && (w !== "field" || state.depth === 0)) {
        // `policy "…"` and `test "…"` are followed by a string, the rest by a name.
        state.expectName = w !== "policy" && w !== "test";
        return "definitionKeyword";
      }
      if (effects.has(w)) return "controlKeyword";
      if (wordOperators.has(w)) return "operatorKeyword";
      if (values.has(w)) return "atom";
      if (clauses.has(w) || declarations.has(w)) return "keyword";
      return "variableName";
    }
    const ch = stream.next();
    if (ch === "{" || ch === "[" || ch === "(") {
      state.depth++;
      return ch === "{" ? "brace" : ch === "[" ? "squareBracket" : "paren";
    }
    if (ch === "}" || ch === "]" || ch === ")") {
      state.depth = Math.max(0, state.depth - 1);
      return ch === "}" ? "brace" : ch === "]" ? "squareBracket" : "paren";
    }
    if (/[=!<>+\-*:]/.test(ch)) {
      stream.eatWhile(/[=<>]/);
      return "operator";
    }
    if (ch === "," || ch === ".") return "punctuation";
    return null;
  },
  indent(state, textAfter, cx) {
    const closing = /^\s*[}\])]/.test(textAfter) ? 1 : 0;
    return Math.max(0, state.depth - closing) * cx.unit;
  },
  languageData: {
    commentTokens: { line: "//" },
    closeBrackets: { brackets: ["(", "[", "{", '"'] },
    indentOnInput: /^\s*[}\])]$/,
  },
};

export const procuraLanguage = StreamLanguage.define(procuraParser);

export const procuraHighlight = HighlightStyle.define([
  { tag: t.comment, color: "#6a737d", fontStyle: "italic" },
  { tag: t.string, color: "#0a7d32" },
  { tag: t.definitionKeyword, color: "#7c2bc4", fontWeight: "600" },
  { tag: t.controlKeyword, color: "#b3261e", fontWeight: "600" },
  { tag: t.keyword, color: "#6b3fa0" },
  { tag: t.operatorKeyword, color: "#005cc5" },
  { tag: t.operator, color: "#005cc5" },
  { tag: t.atom, color: "#a3410b" },
  { tag: t.number, color: "#005cc5" },
  { tag: t.literal, color: "#005cc5" },
  { tag: t.unit, color: "#0b6b75", fontWeight: "600" },
  { tag: t.definition(t.variableName), color: "#0550ae", fontWeight: "600" },
  { tag: t.special(t.variableName), color: "#8a4600" },
  { tag: t.propertyName, color: "#8a4600" },
  { tag: [t.brace, t.squareBracket, t.paren], color: "#444" },
]);

/** The Procura language with its highlighting, for an editor's extensions. */
export function procura() {
  return [procuraLanguage, syntaxHighlighting(procuraHighlight), indentUnit.of("  ")];
}

/** Keyword completions: every word of the grammar. */
export const KEYWORDS = [...new Set([...DECLARATIONS, ...clauses, ...EFFECTS, ...VALUES, ...WORD_OPERATORS])].sort();

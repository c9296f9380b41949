// The custom fields a policy declares (`policy.fields()`), as form inputs: shared by the
// playground's request form and the checkout. Labels and help in the page's language (the
// policy's translation for it, else its default text), the field name in the tooltip, a
// required marker where the buying group requires the field, an input by type and the
// pattern as a hint.
import { h } from "./dom.js";
import { t, locale } from "./i18n.js";

/** The translation of a policy text for the page's language: `fr-CA`, then `fr`, else the default. */
function translated(byLocale, fallback) {
  const loc = locale();
  const lang = loc.split(/[-_]/)[0];
  const map = byLocale ?? {};
  return map[loc] ?? map[loc.replace("-", "_")] ?? map[lang] ?? Object.entries(map).find(([k]) => k.split(/[-_]/)[0] === lang)?.[1] ?? fallback;
}

export function fieldTitle(field) {
  return translated(field.titles, field.title || field.name);
}

export function fieldHelp(field) {
  return field.help ? translated(field.helps, field.help) : null;
}

/** Whether the field is required for an order of `group`. */
export function isRequired(field, group) {
  return typeof group === "string" && Array.isArray(field.requiredIn) && field.requiredIn.includes(group);
}

/** The pattern as a hint: `Format: CC-### (# a digit)`. */
export function patternHint(pattern) {
  const symbols = [["#", "fields.mask.digit"], ["@", "fields.mask.letter"], ["?", "fields.mask.any"], ["*", "fields.mask.run"]]
    .filter(([c]) => pattern.includes(c))
    .map(([, key]) => t(key));
  return t("fields.pattern", { pattern, symbols: symbols.length ? ` (${symbols.join(", ")})` : "" });
}

/** The hint under an input: the pattern, or the form a value takes. */
export function typeHint(field) {
  if (field.type === "text") return field.pattern ? patternHint(field.pattern) : null;
  if (field.type === "number") return t("fields.hint.number");
  if (field.type === "money") return t("fields.hint.money");
  if (field.type === "date") return t("fields.hint.date");
  return null;
}

/**
 * A field's row: label (title, tooltip = name, required marker), input, hint and help.
 * `onInput(value)` is called as the person types; the input is `row.input`.
 */
export function fieldRow(field, { id, value = "", required = false, onInput, error = null }) {
  const hintId = `${id}-hint`;
  const helpId = `${id}-help`;
  const errorId = `${id}-error`;
  const hint = typeHint(field);
  const help = fieldHelp(field);
  const describedBy = [error ? errorId : null, hint ? hintId : null, help ? helpId : null].filter(Boolean).join(" ") || null;
  const common = {
    id,
    name: field.name,
    class: "field-input",
    "data-field": field.name,
    "data-type": field.type,
    "aria-describedby": describedBy,
    "aria-required": required ? "true" : null,
    "aria-invalid": error ? "true" : null,
  };
  let input;
  if (field.type === "oneOf") {
    const values = [...field.values];
    if (value && !values.includes(value)) values.push(value);
    input = h("select", common, h("option", { value: "" }, t("fields.choose")), values.map((v) => h("option", { value: v }, v)));
    input.value = value;
    input.addEventListener("change", () => onInput?.(input.value));
  } else {
    const type = field.type === "date" ? "date" : "text";
    input = h("input", {
      ...common,
      type,
      value,
      spellcheck: "false",
      autocomplete: "off",
      inputmode: field.type === "number" || field.type === "money" ? "decimal" : null,
      placeholder: field.type === "text" && field.pattern ? field.pattern : null,
    });
    input.addEventListener("input", () => onInput?.(input.value));
  }
  const row = h(
    "div",
    { class: "field-row", "data-field": field.name, "data-required": required ? "true" : "false" },
    h(
      "label",
      { for: id, title: field.name },
      fieldTitle(field),
      required ? [" ", h("span", { class: "required-mark", "aria-hidden": "true", title: t("fields.required") }, "*"), h("span", { class: "visually-hidden" }, ` (${t("fields.required")})`)] : null,
    ),
    input,
    error ? h("p", { class: "field-error warn-text", id: errorId }, error) : null,
    hint ? h("p", { class: "field-hint muted small", id: hintId }, hint) : null,
    help ? h("p", { class: "field-help muted small", id: helpId }, help) : null,
  );
  row.input = input;
  return row;
}

/** Sets an input's value from the request (a select gains an option for a value not listed). */
export function setInputValue(input, value) {
  const v = value ?? "";
  if (input.value === v) return;
  if (input.tagName === "SELECT" && v && ![...input.options].some((o) => o.value === v)) input.append(h("option", { value: v }, v));
  input.value = v;
}

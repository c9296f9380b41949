// Category icons of the storefront's product tiles: small inline SVGs (no external assets),
// drawn with strokes in the tile's text colour.
const SVG = "http://www.w3.org/2000/svg";

// A few shapes per category, as [element, attributes] pairs on a 24×24 grid.
const SHAPES = {
  paper: [
    ["path", { d: "M6 3h9l4 4v14H6z" }],
    ["path", { d: "M15 3v4h4" }],
    ["path", { d: "M9 12h7M9 15h7M9 18h5" }],
  ],
  laptop: [
    ["rect", { x: "5", y: "5", width: "14", height: "10", rx: "1" }],
    ["path", { d: "M2 19h20l-2-4H4z" }],
  ],
  projector: [
    ["rect", { x: "3", y: "8", width: "18", height: "9", rx: "2" }],
    ["circle", { cx: "15", cy: "12.5", r: "2.5" }],
    ["path", { d: "M6 11h4M7 17v2M17 17v2" }],
  ],
  marker: [
    ["path", { d: "M14 4l6 6-9 9H5v-6z" }],
    ["path", { d: "M12 6l6 6M5 19l-2 2" }],
  ],
  chair: [
    ["path", { d: "M7 3h10v8H7z" }],
    ["path", { d: "M5 11h14v3H5zM7 14l-1 7M17 14l1 7M9 14v4h6v-4" }],
  ],
  box: [
    ["path", { d: "M3 7l9-4 9 4v10l-9 4-9-4z" }],
    ["path", { d: "M3 7l9 4 9-4M12 11v10" }],
  ],
};

/** The shape for a category path such as `office/paper/copier`. */
export function iconName(category) {
  const c = String(category ?? "");
  if (/paper/.test(c)) return "paper";
  if (/laptop|computer/.test(c)) return "laptop";
  if (/projector|\/av\b/.test(c)) return "projector";
  if (/marker|pen|supplies/.test(c)) return "marker";
  if (/chair|furniture/.test(c)) return "chair";
  return "box";
}

/** An `<svg>` icon for `category` (decorative: hidden from assistive technology). */
export function categoryIcon(category) {
  const name = iconName(category);
  const svg = document.createElementNS(SVG, "svg");
  for (const [k, v] of Object.entries({ viewBox: "0 0 24 24", width: "28", height: "28", fill: "none", stroke: "currentColor", "stroke-width": "1.6", "stroke-linecap": "round", "stroke-linejoin": "round", "aria-hidden": "true", focusable: "false", class: `icon icon-${name}` })) {
    svg.setAttribute(k, v);
  }
  for (const [tag, attrs] of SHAPES[name]) {
    const el = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
    svg.append(el);
  }
  svg.dataset.icon = name;
  return svg;
}

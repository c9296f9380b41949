// The examples menu: Maple (examples/maple.*) and the ten scenarios (examples/NN-*.procura),
// read from the repository at build time, each with a sample directory and request (the
// scenarios' samples live in www/samples/), the order and events of the Approvals tab and
// the orders of the Invoices tab.
const policies = import.meta.glob("../../examples/*.procura", { query: "?raw", import: "default", eager: true });
const exampleJson = import.meta.glob("../../examples/*.json", { query: "?raw", import: "default", eager: true });
const sampleJson = import.meta.glob("../samples/*.json", { query: "?raw", import: "default", eager: true });

function file(stem, kind) {
  return exampleJson[`../../examples/${stem}.${kind}.json`] ?? sampleJson[`../samples/${stem}.${kind}.json`];
}

/** The policy's title: the comment line naming the scenario, else the `policy "…"` name. */
function title(stem, source) {
  const scenario = /^\/\/\s*Scenario\s+(\d+):\s*(.+?)\.?\s*$/m.exec(source);
  if (scenario) return `${scenario[1]}. ${scenario[2].replace(/^./, (c) => c.toUpperCase())}`;
  const policy = /policy\s+"([^"]+)"/.exec(source);
  return policy ? policy[1] : stem;
}

/** The Approvals tab's starting point: order, submission, events. */
function approvals(stem, request) {
  const order = file(stem, "large-order") ?? request;
  const samples = [];
  for (const [key, text] of Object.entries({ ...exampleJson, ...sampleJson })) {
    const m = new RegExp(`/${stem.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\.(approvals[\\w-]*)\\.json$`).exec(key);
    if (m) samples.push({ name: m[1], ...JSON.parse(text) });
  }
  samples.sort((a, b) => a.name.localeCompare(b.name));
  return { order, samples };
}

export const EXAMPLES = Object.keys(policies)
  .map((key) => /([^/]+)\.procura$/.exec(key)[1])
  // Maple first, then the scenarios in their order.
  .sort((a, b) => (a === "maple" ? -1 : b === "maple" ? 1 : a.localeCompare(b)))
  .map((stem) => {
    const source = policies[`../../examples/${stem}.procura`];
    const request = file(stem, "request") ?? null;
    const orders = Object.entries(exampleJson).find(([k]) => k.startsWith(`../../examples/${stem}.orders`))?.[1] ?? file(stem, "orders") ?? null;
    return {
      id: stem,
      title: title(stem, source),
      policy: source,
      directory: file(stem, "directory") ?? '{\n  "users": []\n}\n',
      request,
      approvals: approvals(stem, request),
      orders,
    };
  });

export function example(id) {
  return EXAMPLES.find((e) => e.id === id) ?? EXAMPLES[0];
}

// The playground: the policy editor with live diagnostics, directory and request panels,
// and the results (decision, tests, approvals, invoices), all computed by the engine in a
// Web Worker.
import { createEngine, latest } from "./engine-client.js";
import { createPolicyEditor } from "./policy-editor.js";
import { jsonPanel } from "./json-panel.js";
import { renderDecision } from "./decision-view.js";
import { createApprovalsTab } from "./approvals-tab.js";
import { createInvoicesTab } from "./invoices-tab.js";
import { EXAMPLES, example } from "./examples.js";
import { shareHash, readShareHash, saveLocal, loadLocal } from "./share.js";
import { h, fill, button } from "./dom.js";
import { registerServiceWorker } from "./offline.js";
import { setupTabs } from "./tabs.js";

const $ = (id) => document.getElementById(id);
const engine = createEngine();
const analyzeLatest = latest(engine);
const testsLatest = latest(engine);

const ANALYZE_DELAY = 250;
let currentExample = EXAMPLES[0].id;
let lastAnalysis = null;

// ─── the policy editor and the input panels ──────────────────────────────────────────

const editor = createPolicyEditor({
  parent: $("editor"),
  doc: "",
  onChange: () => schedule(),
  onFormat: () => formatPolicy(),
});

const directoryPanel = jsonPanel({
  parent: $("directory-editor"),
  errorList: $("directory-errors"),
  label: "Directory (JSON)",
  schema: "directory",
  doc: "",
  onChange: () => schedule(0),
});

const requestPanel = jsonPanel({
  parent: $("request-editor"),
  errorList: $("request-errors"),
  label: "Checkout request (JSON)",
  schema: "checkout-request",
  doc: "",
  onChange: () => schedule(0),
});

/** What the tabs need to call the engine. */
function context() {
  const directory = directoryPanel.value();
  const users = Array.isArray(directory?.users) ? directory.users.filter((u) => u && typeof u.id === "string") : [];
  return {
    source: editor.text(),
    directory: directory ?? null,
    directoryInvalid: directory === undefined,
    requestText: requestPanel.text(),
    users,
    names: new Map(users.filter((u) => u.name).map((u) => [u.id, u.name])),
  };
}

const approvals = createApprovalsTab({ root: $("panel-approvals"), engine, context, onChange: () => autosave() });
const invoices = createInvoicesTab({ root: $("panel-invoices"), engine, context, onChange: () => autosave() });

// ─── analysis: diagnostics, compile, decision ────────────────────────────────────────

let timer = 0;
function schedule(delay = ANALYZE_DELAY) {
  clearTimeout(timer);
  $("status").textContent = "Checking…";
  timer = setTimeout(analyze, delay);
  autosave();
}

async function analyze() {
  const ctx = context();
  const request = requestPanel.value();
  const started = performance.now();
  const answer = await analyzeLatest("analyze", {
    source: ctx.source,
    directory: ctx.directoryInvalid ? null : ctx.directory,
    request: ctx.directoryInvalid ? undefined : request,
  });
  if (!answer) return; // a newer analysis is on its way
  if (answer.type === "failure") {
    $("status").textContent = `Engine error: ${answer.errors.map((e) => e.message).join("; ")}`;
    return;
  }
  if (!editor.showDiagnostics(ctx.source, answer.diagnostics)) return; // the text changed meanwhile
  lastAnalysis = answer;
  renderProblems(ctx.source, answer.diagnostics);
  renderPolicyMeta(answer.compile);
  renderDecisionPane(answer, ctx, request);
  const errors = answer.diagnostics.filter((d) => d.severity === "error").length;
  const warnings = answer.diagnostics.length - errors;
  $("status").textContent = `${errors} error${errors === 1 ? "" : "s"}, ${warnings} warning${warnings === 1 ? "" : "s"}`;
  $("status").title = `Checked and evaluated in ${Math.round(performance.now() - started)} ms`;
  $("status").dataset.state = "ready";
  document.body.dataset.analyzed = String(Number(document.body.dataset.analyzed ?? 0) + 1);
  // The other tabs follow the policy while they are shown (and refresh when shown).
  if (!$("panel-tests").hidden) runTests();
  if (!$("panel-approvals").hidden) approvals.refresh();
  if (!$("panel-invoices").hidden) invoices.run();
}

function renderProblems(source, diagnostics) {
  $("problem-count").textContent = String(diagnostics.length);
  const list = $("problems");
  if (diagnostics.length === 0) {
    fill(list, h("li", { class: "muted none" }, "No problems."));
    return;
  }
  fill(
    list,
    diagnostics.map((d) =>
      h(
        "li",
        { class: `problem sev-${d.severity}` },
        button(
          [h("span", { class: "where" }, `${d.span.line}:${d.span.column}`), " ", h("span", { class: "sev" }, d.severity), " ", h("code", {}, d.code), " ", d.message],
          () => editor.reveal(d.span),
          { class: "problem-button", "data-line": String(d.span.line), "data-code": d.code },
        ),
        d.help ? h("div", { class: "help" }, `help: ${d.help}`) : null,
      ),
    ),
  );
}

function renderPolicyMeta(compile) {
  $("policy-meta").textContent = compile.type === "success" ? `${compile.name} · ${compile.hash.slice(0, 15)}…` : "does not compile";
}

function renderDecisionPane(answer, ctx, request) {
  const target = $("decision");
  const reveal = (span, opts) => editor.reveal(span, opts);
  if (ctx.directoryInvalid) {
    fill(target, h("p", { class: "warn-text" }, "The directory is not valid JSON: fix it to see the decision."));
    return;
  }
  if (answer.compile.type !== "success") {
    directoryPanel.markEngineErrors(answer.compile.errors, "directory");
    fill(
      target,
      h("div", { class: "outcome outcome-failure" }, "The policy does not compile"),
      h("p", { class: "muted" }, answer.compile.errors.some((e) => e.path) ? "See the directory's problems." : "Fix the problems listed under the editor to see the decision."),
    );
    return;
  }
  directoryPanel.markEngineErrors([], "directory");
  if (request === undefined) {
    fill(target, h("p", { class: "warn-text" }, "The request is not valid JSON: fix it to see the decision."));
    return;
  }
  requestPanel.markEngineErrors(answer.decision.type === "failure" ? answer.decision.errors : []);
  fill(target, renderDecision(answer.decision, { names: ctx.names, onReveal: reveal }));
}

// ─── format ──────────────────────────────────────────────────────────────────────────

async function formatPolicy() {
  const source = editor.text();
  const answer = await engine.call("format", { source });
  if (answer.type !== "success") {
    $("status").textContent = "Cannot format: the policy has syntax errors (see Problems).";
    return;
  }
  if (editor.text() !== source) return;
  if (answer.result === source) {
    $("status").textContent = "Already formatted.";
    return;
  }
  const view = editor.view;
  const head = Math.min(view.state.selection.main.head, answer.result.length);
  view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: answer.result }, selection: { anchor: head } });
  $("status").textContent = "Formatted.";
}

// ─── tests ───────────────────────────────────────────────────────────────────────────

async function runTests() {
  const ctx = context();
  $("test-summary").textContent = "Running…";
  const answer = await testsLatest("tests", { source: ctx.source, directory: ctx.directoryInvalid ? null : ctx.directory });
  if (!answer) return;
  if (answer.type !== "success") {
    $("test-summary").textContent = "The policy does not compile: fix its problems to run the tests.";
    fill($("tests"));
    return;
  }
  const report = answer.result;
  $("test-summary").textContent = `${report.passed} passed, ${report.failed} failed`;
  $("test-summary").dataset.failed = String(report.failed);
  fill(
    $("tests"),
    report.tests.length === 0
      ? h("p", { class: "muted" }, "This policy has no test blocks.")
      : h(
          "ul",
          { class: "test-list" },
          report.tests.map((t) =>
            h(
              "li",
              { class: `test ${t.passed ? "pass" : "fail"}`, "data-passed": String(t.passed) },
              button([h("span", { class: "mark", "aria-hidden": "true" }, t.passed ? "✓" : "✗"), " ", t.name, h("span", { class: "muted" }, ` (${t.span.line}:${t.span.column})`)], () => editor.reveal(t.span, { highlight: true }), {
                class: "test-name",
                "aria-label": `${t.passed ? "passed" : "failed"}: ${t.name}, line ${t.span.line}`,
              }),
              t.failures.length
                ? h(
                    "ul",
                    { class: "failures" },
                    t.failures.map((f) =>
                      h(
                        "li",
                        {},
                        button(`${f.span.line}:${f.span.column}`, () => editor.reveal(f.span, { highlight: true }), { class: "link" }),
                        " expected ",
                        h("code", { class: "expected" }, f.expected),
                        ", got ",
                        h("code", { class: "actual" }, f.actual),
                      ),
                    ),
                  )
                : null,
            ),
          ),
        ),
  );
}

$("run-tests").addEventListener("click", runTests);

// ─── examples, share, autosave ───────────────────────────────────────────────────────

const select = $("example");
fill(select, EXAMPLES.map((e) => h("option", { value: e.id }, e.title)));

function loadExample(id, { keepInputs = null } = {}) {
  const ex = example(id);
  currentExample = ex.id;
  select.value = ex.id;
  editor.setText(keepInputs?.policy ?? ex.policy);
  directoryPanel.setText(keepInputs?.directory ?? ex.directory);
  requestPanel.setText(keepInputs?.request ?? ex.request ?? "{}");
  approvals.load(ex.approvals);
  invoices.load(ex.orders);
  schedule(0);
}

select.addEventListener("change", () => {
  history.replaceState(null, "", location.pathname + location.search);
  loadExample(select.value);
});

let saveTimer = 0;
let opened = null; // the texts a share link opened, while the link is in the address bar
function autosave() {
  clearTimeout(saveTimer);
  saveTimer = setTimeout(() => {
    // Once the shared texts are edited, the link no longer describes the page: drop it.
    if (opened && (opened.policy !== editor.text() || opened.directory !== directoryPanel.text() || opened.request !== requestPanel.text())) {
      opened = null;
      history.replaceState(null, "", location.pathname + location.search);
    }
    saveLocal({
      example: currentExample,
      policy: editor.text(),
      directory: directoryPanel.text(),
      request: requestPanel.text(),
      approvals: approvals.snapshot(),
      orders: invoices.snapshot(),
    });
  }, 300);
}

$("share").addEventListener("click", async () => {
  const hash = shareHash({ example: currentExample, policy: editor.text(), directory: directoryPanel.text(), request: requestPanel.text() });
  history.replaceState(null, "", hash);
  opened = { policy: editor.text(), directory: directoryPanel.text(), request: requestPanel.text() };
  const url = location.href;
  const field = $("share-url");
  field.value = url;
  field.hidden = false;
  field.select();
  let copied = false;
  try {
    await navigator.clipboard.writeText(url);
    copied = true;
  } catch {
    /* no clipboard permission: the link is selected in the field */
  }
  $("status").textContent = copied ? `Link copied (${url.length} characters).` : `Share link ready (${url.length} characters): copy it from the field.`;
});

$("format").addEventListener("click", formatPolicy);

function start() {
  const shared = readShareHash(location.hash);
  if (shared) {
    loadExample(shared.example ?? EXAMPLES[0].id, { keepInputs: shared });
    opened = { policy: editor.text(), directory: directoryPanel.text(), request: requestPanel.text() };
    $("status").textContent = "Opened a shared policy.";
    return;
  }
  const saved = loadLocal();
  if (saved) {
    loadExample(saved.example ?? EXAMPLES[0].id, { keepInputs: saved });
    if (saved.approvals) approvals.restore(saved.approvals);
    if (typeof saved.orders === "string") invoices.load(saved.orders);
    return;
  }
  loadExample(EXAMPLES[0].id);
}

window.addEventListener("hashchange", () => {
  const shared = readShareHash(location.hash);
  if (!shared) return;
  loadExample(shared.example ?? currentExample, { keepInputs: shared });
  opened = { policy: editor.text(), directory: directoryPanel.text(), request: requestPanel.text() };
});

setupTabs($("panel-decision").parentElement.querySelector("[role=tablist]"), (panel) => {
  if (panel.id === "panel-tests") runTests();
  if (panel.id === "panel-approvals") approvals.refresh();
  if (panel.id === "panel-invoices") invoices.run();
});
engine.call("version").then((v) => {
  if (typeof v === "string") $("policy-heading").title = `Procura engine ${v}`;
});
start();
registerServiceWorker();

// A read-only handle for tests and the browser console.
window.procuraPlayground = Object.freeze({
  policy: () => editor.text(),
  directory: () => directoryPanel.text(),
  request: () => requestPanel.text(),
});

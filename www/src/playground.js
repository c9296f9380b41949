// The playground: the policy editor with live diagnostics, directory and request panels,
// and the results (decision, tests, approvals, invoices), all computed by the engine in a
// Web Worker; Publish downloads the draft as an artifact, and the Impact tab compares the
// draft with a baseline over sample and uploaded requests.
import { connect, latest } from "./engine-client.js";
import { createPolicyEditor } from "./policy-editor.js";
import { jsonPanel } from "./json-panel.js";
import { renderDecision } from "./decision-view.js";
import { setTitles } from "./titles.js";
import { createApprovalsTab } from "./approvals-tab.js";
import { createInvoicesTab } from "./invoices-tab.js";
import { createRequestFields } from "./request-fields.js";
import { createImpactTab } from "./impact-tab.js";
import { EXAMPLES, example } from "./examples.js";
import { shareHash, readShareHash, isShareHash, saveLocal, loadLocal, clearDraft, ShareError, MAX_LINK_CHARS, MAX_INFLATED } from "./share.js";
import { h, fill, button, richText, excerpt, download } from "./dom.js";
import { registerServiceWorker } from "./offline.js";
import { setupTabs } from "./tabs.js";
import { t, locale, languageSwitch, onLocaleChange, formatNumber } from "./i18n.js";

const $ = (id) => document.getElementById(id);
// The back-office build of the engine (compile, check, format, artifact, impact, …).
const engine = connect(new Worker(new URL("./worker.js", import.meta.url), { type: "module" }));
const analyzeLatest = latest(engine);
const testsLatest = latest(engine);
const validateLatest = { directory: latest(engine), request: latest(engine) };

const ANALYZE_DELAY = 250;
let currentExample = EXAMPLES[0].id;

languageSwitch($("locale"));

/** The status line: a message key and its parameters, so that it follows the language. */
let status = { key: "status.loading", params: {} };
function setStatus(key, params = {}, title = "") {
  status = { key, params };
  $("status").textContent = t(key, params);
  $("status").title = title;
}

// ─── the policy editor and the input panels ──────────────────────────────────────────

const editor = createPolicyEditor({
  parent: $("editor"),
  doc: "",
  label: t("policy.aria"),
  onChange: () => schedule(),
  onFormat: () => formatPolicy(),
});

const directoryPanel = jsonPanel({
  parent: $("directory-editor"),
  errorList: $("directory-errors"),
  label: t("directory.aria"),
  schema: "directory",
  doc: "",
  onChange: () => schedule(0),
  validateRemote: (args) => validateLatest.directory("validate", args),
});

const requestPanel = jsonPanel({
  parent: $("request-editor"),
  errorList: $("request-errors"),
  label: t("request.aria"),
  schema: "checkout-request",
  doc: "",
  onChange: () => schedule(0),
  validateRemote: (args) => validateLatest.request("validate", args),
});

const requestFields = createRequestFields({ root: $("request-fields"), requestPanel });

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
    names: new Map(users.filter((u) => typeof u.name === "string" && u.name).map((u) => [u.id, u.name])),
  };
}

const approvals = createApprovalsTab({ root: $("panel-approvals"), engine, context, onChange: () => autosave() });
const invoices = createInvoicesTab({ root: $("panel-invoices"), engine, context, onChange: () => autosave() });

// The sample requests the Impact tab compares over: every example's request.
const SAMPLE_REQUESTS = EXAMPLES.filter((e) => e.request).flatMap((e) => {
  try {
    return [{ id: e.id, request: JSON.parse(e.request) }];
  } catch {
    return [];
  }
});
const impact = createImpactTab({ root: $("panel-impact"), engine, context, samples: SAMPLE_REQUESTS, onReveal: (at) => editor.goTo(at) });

// ─── analysis: diagnostics, compile, decision ────────────────────────────────────────

let timer = 0;
function schedule(delay = ANALYZE_DELAY) {
  clearTimeout(timer);
  setStatus("status.checking");
  renderPublish();
  timer = setTimeout(analyze, delay);
  autosave();
}

let last = null; // the last analysis shown: {answer, ctx, requestParsed}

async function analyze() {
  const ctx = context();
  const requestParsed = requestPanel.parsed();
  const payload = requestPanel.payload();
  const started = performance.now();
  const answer = await analyzeLatest("analyze", {
    source: ctx.source,
    directory: ctx.directoryInvalid ? null : ctx.directory,
    ...(ctx.directoryInvalid || !requestParsed ? {} : payload.text !== undefined ? { requestText: payload.text } : { request: payload.value }),
  });
  if (!answer) return; // a newer analysis is on its way
  if (answer.type === "failure") {
    setStatus("status.engineError", { message: answer.errors.map((e) => e.message).join("; ") });
    return;
  }
  if (!editor.showDiagnostics(ctx.source, answer.diagnostics)) return; // the text changed meanwhile
  last = { answer, ctx, requestParsed };
  // Rules, budgets and groups by their titles (their ids in tooltips) in every view.
  if (answer.titles) for (const [kind, entries] of Object.entries(answer.titles)) setTitles(kind, entries);
  render();
  setStatus("status.counts", { errors: answer.diagnostics.filter((d) => d.severity === "error").length, warnings: answer.diagnostics.filter((d) => d.severity !== "error").length }, t("status.timing", { ms: Math.round(performance.now() - started) }));
  $("status").dataset.state = "ready";
  document.body.dataset.analyzed = String(Number(document.body.dataset.analyzed ?? 0) + 1);
  // The other tabs follow the policy while they are shown (and refresh when shown).
  if (!$("panel-tests").hidden) runTests();
  if (!$("panel-approvals").hidden) approvals.refresh();
  if (!$("panel-invoices").hidden) invoices.run();
  if (!$("panel-impact").hidden) impact.run();
}

/** Renders the last analysis (again, after a change of language). */
function render() {
  if (!last) return;
  const { answer, ctx, requestParsed } = last;
  renderProblems(answer.diagnostics);
  renderPolicyMeta(answer.compile);
  renderPublish();
  renderDecisionPane(answer, ctx, requestParsed);
  requestFields.update({ fields: answer.fields, request: requestPanel.value(), decision: answer.decision });
}

function renderProblems(diagnostics) {
  $("problem-count").textContent = formatNumber(diagnostics.length);
  const list = $("problems");
  if (diagnostics.length === 0) {
    fill(list, h("li", { class: "muted none" }, t("problems.none")));
    return;
  }
  fill(
    list,
    diagnostics.slice(0, 200).map((d) =>
      h(
        "li",
        { class: `problem sev-${d.severity}` },
        button(
          [h("span", { class: "where" }, `${d.span.line}:${d.span.column}`), " ", h("span", { class: "sev" }, t(`severity.${d.severity}`)), " ", h("code", {}, d.code), " ", richText(d.message)],
          () => editor.reveal(d.span),
          { class: "problem-button", "data-line": String(d.span.line), "data-code": d.code },
        ),
        d.help ? h("div", { class: "help" }, t("help"), " ", richText(d.help)) : null,
      ),
    ),
    diagnostics.length > 200 ? h("li", { class: "muted" }, t("problems.more", { count: diagnostics.length - 200 })) : null,
  );
}

function renderPolicyMeta(compile) {
  const meta = $("policy-meta");
  if (compile.type === "success") {
    meta.textContent = `${compile.name} · ${compile.hash.slice(0, 15)}…`;
    meta.title = `${compile.name} · ${compile.hash}`;
  } else {
    meta.textContent = t("policy.doesNotCompile");
    meta.title = "";
  }
}

function renderDecisionPane(answer, ctx, requestParsed) {
  const target = $("decision");
  const reveal = (span, opts) => editor.reveal(span, opts);
  if (ctx.directoryInvalid) {
    fill(target, h("p", { class: "warn-text" }, t("decision.directoryInvalid")));
    return;
  }
  if (answer.compile.type !== "success") {
    directoryPanel.markEngineErrors(answer.compile.errors, "directory");
    fill(
      target,
      h("div", { class: "outcome outcome-failure" }, t("decision.doesNotCompile")),
      h("p", { class: "muted" }, answer.compile.errors.some((e) => e.path) ? t("decision.seeDirectory") : t("decision.fixProblems")),
    );
    return;
  }
  directoryPanel.markEngineErrors([], "directory");
  if (!requestParsed || !answer.decision) {
    fill(target, h("p", { class: "warn-text" }, t("decision.requestInvalid")));
    return;
  }
  // A failure's errors, and the custom fields' problems of a decision (they block it).
  requestPanel.markEngineErrors(answer.decision.type === "failure" ? answer.decision.errors : (answer.decision.result?.errors ?? []).filter((e) => /^E031\d$/.test(e.code)));
  fill(target, renderDecision(answer.decision, { names: ctx.names, onReveal: reveal }));
}

// ─── publish: the draft as an artifact ───────────────────────────────────────────────

/** Why the draft cannot be published (a message key and parameters), or null. */
function publishBlocker() {
  if (!last) return { key: "publish.checking" };
  const { answer, ctx } = last;
  if (ctx.source !== editor.text()) return { key: "publish.checking" };
  const errors = answer.diagnostics.filter((d) => d.severity === "error").length;
  if (errors > 0) return { key: "publish.hasErrors", params: { count: errors } };
  if (ctx.directoryInvalid) return { key: "publish.directoryInvalid" };
  if (answer.compile.type !== "success") return { key: "publish.doesNotCompile" };
  return null;
}

function renderPublish() {
  const blocker = publishBlocker();
  const button = $("publish");
  button.disabled = Boolean(blocker);
  button.title = blocker ? t(blocker.key, blocker.params) : t("publish.title");
  $("publish-reason").textContent = blocker ? t(blocker.key, blocker.params) : "";
  $("publish-reason").hidden = !blocker;
  button.dataset.reason = blocker?.key ?? "";
  renderPublished();
}

/** A file name for the policy's name: `<name>.pcy`, without characters file systems refuse. */
function artifactName(name) {
  const safe = String(name || "policy").replace(/[\\/:*?"<>|\u0000-\u001f]+/g, "-").trim() || "policy";
  return `${safe}.pcy`;
}

let published = null; // {file, size, artifactHash, hash}
function renderPublished() {
  const box = $("publish-result");
  box.hidden = !published;
  if (!published) return;
  fill(
    box,
    h("span", {}, t("publish.done", { file: published.file, size: formatNumber(published.size) })),
    h("span", {}, t("publish.artifactHash"), " ", h("code", { id: "artifact-hash" }, published.artifactHash)),
    h("span", {}, t("publish.policyHash"), " ", h("code", { id: "published-policy-hash" }, published.hash)),
    button(t("publish.close"), () => {
      published = null;
      renderPublished();
    }, { class: "link" }),
  );
}

async function publish() {
  if (publishBlocker()) return renderPublish();
  const ctx = context();
  const answer = await engine.call("artifact", { source: ctx.source, directory: ctx.directoryInvalid ? null : ctx.directory });
  if (answer.type !== "success") {
    setStatus("publish.failed", { message: answer.errors.map((e) => e.message).join("; ") });
    return;
  }
  const { bytes, name, hash, artifactHash } = answer.result;
  const file = artifactName(name);
  download(file, bytes, "application/octet-stream");
  published = { file, size: bytes.length, artifactHash, hash };
  renderPublished();
  setStatus("publish.status", { file });
  // What was published is the baseline the Impact tab compares the next draft with.
  impact.setBaseline(ctx.source, "published", { hash });
}

$("publish").addEventListener("click", publish);

// ─── format ──────────────────────────────────────────────────────────────────────────

async function formatPolicy() {
  const source = editor.text();
  const answer = await engine.call("format", { source });
  if (answer.type !== "success") {
    setStatus("status.cannotFormat");
    return;
  }
  if (editor.text() !== source) return;
  if (answer.result === source) {
    setStatus("status.alreadyFormatted");
    return;
  }
  const view = editor.view;
  const head = Math.min(view.state.selection.main.head, answer.result.length);
  view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: answer.result }, selection: { anchor: head } });
  setStatus("status.formatted");
}

// ─── tests ───────────────────────────────────────────────────────────────────────────

let lastTests = null;
async function runTests() {
  const ctx = context();
  $("test-summary").textContent = t("tests.running");
  const answer = await testsLatest("tests", { source: ctx.source, directory: ctx.directoryInvalid ? null : ctx.directory });
  if (!answer) return;
  lastTests = answer;
  renderTests();
}

function renderTests() {
  const answer = lastTests;
  if (!answer) return;
  if (answer.type !== "success") {
    $("test-summary").textContent = t("tests.doesNotCompile");
    fill($("tests"));
    return;
  }
  const report = answer.result;
  $("test-summary").textContent = t("tests.summary", { passed: report.passed, failed: report.failed });
  $("test-summary").dataset.failed = String(report.failed);
  $("test-summary").dataset.passed = String(report.passed);
  fill(
    $("tests"),
    report.tests.length === 0
      ? h("p", { class: "muted" }, t("tests.none"))
      : h(
          "ul",
          { class: "test-list" },
          report.tests.map((test) =>
            h(
              "li",
              { class: `test ${test.passed ? "pass" : "fail"}`, "data-passed": String(test.passed) },
              button([h("span", { class: "mark", "aria-hidden": "true" }, test.passed ? "✓" : "✗"), " ", test.name, h("span", { class: "muted" }, ` (${test.span.line}:${test.span.column})`)], () => editor.reveal(test.span, { highlight: true }), {
                class: "test-name",
                "aria-label": t(test.passed ? "tests.passedAria" : "tests.failedAria", { name: test.name, line: test.span.line }),
              }),
              test.failures.length
                ? h(
                    "ul",
                    { class: "failures" },
                    test.failures.map((f) =>
                      h(
                        "li",
                        {},
                        button(`${f.span.line}:${f.span.column}`, () => editor.reveal(f.span, { highlight: true }), { class: "link" }),
                        ` ${t("tests.expected")} `,
                        h("code", { class: "expected" }, excerpt(f.expected, 200)),
                        `, ${t("tests.got")} `,
                        h("code", { class: "actual" }, excerpt(f.actual, 200)),
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

// ─── examples, share, drafts, autosave ───────────────────────────────────────────────

const select = $("example");
fill(select, EXAMPLES.map((e) => h("option", { value: e.id, title: e.title }, excerpt(e.title, 60))));

function loadExample(id, { keepInputs = null } = {}) {
  const ex = example(id);
  currentExample = ex.id;
  select.value = ex.id;
  editor.setText(keepInputs?.policy ?? ex.policy);
  directoryPanel.setText(keepInputs?.directory ?? ex.directory);
  requestPanel.setText(keepInputs?.request ?? ex.request ?? "{}");
  approvals.load(ex.approvals);
  invoices.load(ex.orders);
  // The policy as loaded is the Impact tab's baseline until another is chosen or published.
  impact.setBaseline(editor.text(), "loaded");
  schedule(0);
}

select.addEventListener("change", () => {
  history.replaceState(null, "", location.pathname + location.search);
  loadExample(select.value);
  followLocale();
});

/**
 * The request's `locale` follows the language switch (when it names English or French),
 * as a visible edit of the request, so that the policy's messages come in that language.
 */
function followLocale() {
  const request = requestPanel.value();
  if (!request || typeof request.locale !== "string" || !/^(en|fr)([-_]|$)/i.test(request.locale) || request.locale === locale()) return;
  requestPanel.setStringAt(["locale"], locale());
}

// A share link opens as a draft: it is autosaved under its own key, and the saved work
// stays as it was until the person chooses to keep the draft instead (or restores it).
let draft = false;
let opened = null; // the texts a share link opened, while the link is in the address bar

function showDraftBanner(show) {
  const banner = $("draft-banner");
  banner.hidden = !show;
  $("draft-confirm").hidden = true;
}

$("draft-restore").addEventListener("click", () => {
  const saved = loadLocal();
  draft = false;
  clearDraft();
  opened = null;
  history.replaceState(null, "", location.pathname + location.search);
  showDraftBanner(false);
  if (saved) restoreSaved(saved);
  setStatus("status.restored");
});
$("draft-keep").addEventListener("click", () => {
  $("draft-confirm").hidden = false;
  $("draft-replace").focus();
});
$("draft-replace").addEventListener("click", () => {
  draft = false;
  clearDraft();
  showDraftBanner(false);
  autosave(0);
  setStatus("status.draftKept");
});
$("draft-cancel").addEventListener("click", () => {
  $("draft-confirm").hidden = true;
});

function showStorageWarning(key) {
  const warning = $("storage-warning");
  warning.hidden = !key;
  warning.dataset.key = key ?? "";
  if (key) warning.textContent = t(key);
}

let saveTimer = 0;
let failedSize = Infinity; // the size that last did not fit in storage
function autosave(delay = 600) {
  clearTimeout(saveTimer);
  saveTimer = setTimeout(() => {
    const texts = { policy: editor.text(), directory: directoryPanel.text(), request: requestPanel.text() };
    // Once the shared texts are edited, the link no longer describes the page: drop it.
    if (opened && (opened.policy !== texts.policy || opened.directory !== texts.directory || opened.request !== texts.request)) {
      opened = null;
      history.replaceState(null, "", location.pathname + location.search);
    }
    const size = texts.policy.length + texts.directory.length + texts.request.length;
    // What did not fit before is not tried again on every key: only once it shrinks.
    if (size >= failedSize) {
      showStorageWarning("storage.full");
      return;
    }
    const result = saveLocal({ example: currentExample, ...texts, approvals: approvals.snapshot(), orders: invoices.snapshot() }, { draft });
    if (result.ok) {
      failedSize = Infinity;
      showStorageWarning(null);
    } else {
      if (result.full) failedSize = size;
      showStorageWarning(result.full ? "storage.full" : "storage.off");
    }
  }, delay);
}

$("share").addEventListener("click", async () => {
  const hash = shareHash({ example: currentExample, policy: editor.text(), directory: directoryPanel.text(), request: requestPanel.text() });
  const field = $("share-url");
  if (hash.length > MAX_LINK_CHARS) {
    field.hidden = true;
    setStatus("share.tooLongToMake", { length: formatNumber(hash.length), limit: formatNumber(MAX_LINK_CHARS) });
    return;
  }
  history.replaceState(null, "", hash);
  opened = { policy: editor.text(), directory: directoryPanel.text(), request: requestPanel.text() };
  const url = location.href;
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
  setStatus(copied ? "share.copied" : "share.ready", { length: formatNumber(url.length) });
});

$("format").addEventListener("click", formatPolicy);

function restoreSaved(saved) {
  loadExample(saved.example ?? EXAMPLES[0].id, { keepInputs: saved });
  if (saved.approvals) approvals.restore(saved.approvals);
  if (typeof saved.orders === "string") invoices.load(saved.orders);
}

/** Opens the share link in the hash as a draft; false when it could not be read. */
let shareProblem = null; // {key, params} of a link that could not be opened
function showShareProblem() {
  const el = $("share-error");
  el.hidden = !shareProblem;
  if (shareProblem) {
    el.textContent = t(shareProblem.key, shareProblem.params);
    el.dataset.reason = shareProblem.reason;
  }
}

function openShared(hash) {
  let shared;
  try {
    shared = readShareHash(hash);
  } catch (error) {
    const reason = error instanceof ShareError ? error.reason : "damaged";
    const params = { length: formatNumber(hash.length), limit: reason === "tooBig" ? formatNumber(MAX_INFLATED / 1024 / 1024) : formatNumber(MAX_LINK_CHARS) };
    shareProblem = { reason, key: `share.${reason}`, params };
    showShareProblem();
    setStatus(`share.${reason}`, params);
    history.replaceState(null, "", location.pathname + location.search);
    return false;
  }
  if (!shared) return false;
  shareProblem = null;
  showShareProblem();
  // With saved work to protect, the link is a draft; with none, it simply becomes the work.
  draft = loadLocal() !== null;
  loadExample(shared.example ?? EXAMPLES[0].id, { keepInputs: shared });
  opened = { policy: editor.text(), directory: directoryPanel.text(), request: requestPanel.text() };
  showDraftBanner(draft);
  setStatus(draft ? "status.openedDraft" : "status.openedShared");
  return true;
}

function start() {
  if (isShareHash(location.hash) && openShared(location.hash)) return;
  // A shared draft being edited when the page was left comes back as the draft it was.
  const pending = loadLocal({ draft: true });
  if (pending && loadLocal()) {
    draft = true;
    restoreSaved(pending);
    showDraftBanner(true);
    setStatus("status.openedDraft");
    return;
  }
  const saved = loadLocal();
  if (saved) {
    restoreSaved(saved);
    return;
  }
  loadExample(EXAMPLES[0].id);
  followLocale();
}

window.addEventListener("hashchange", () => {
  if (isShareHash(location.hash)) openShared(location.hash);
});

onLocaleChange(() => {
  followLocale();
  setStatus(status.key, status.params, $("status").title);
  render();
  renderTests();
  directoryPanel.relabel();
  requestPanel.relabel();
  editor.relabel(t("policy.aria"));
  approvals.relabel();
  invoices.relabel();
  impact.relabel();
  renderPublish();
  const warning = $("storage-warning");
  if (!warning.hidden && warning.dataset.key) warning.textContent = t(warning.dataset.key);
  showShareProblem();
});

setupTabs($("panel-decision").parentElement.querySelector("[role=tablist]"), (panel) => {
  if (panel.id === "panel-tests") runTests();
  if (panel.id === "panel-approvals") approvals.refresh();
  if (panel.id === "panel-invoices") invoices.run();
  if (panel.id === "panel-impact") impact.run();
});
engine.call("version").then((v) => {
  if (typeof v === "string") $("policy-heading").title = `Procura engine ${v}`;
});
start();
registerServiceWorker("./sw.js", "./");

// A read-only handle for tests and the browser console.
window.procuraPlayground = Object.freeze({
  policy: () => editor.text(),
  directory: () => directoryPanel.text(),
  request: () => requestPanel.text(),
  draft: () => draft,
  cursor: () => {
    const view = editor.view;
    const pos = view.state.selection.main.head;
    const line = view.state.doc.lineAt(pos);
    return { line: line.number, column: pos - line.from + 1 };
  },
});

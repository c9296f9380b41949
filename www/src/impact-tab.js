// The Impact tab: what the draft in the editor changes against a baseline (the policy as
// last loaded or published, or the one chosen with "Use as baseline"), over a set of
// checkout requests: the request panel's, the sample requests (examples/ and www/samples/)
// and any uploaded file, a JSON array of requests or a decision log of
// `procura serve --decision-log` (JSON Lines whose entries carry `request`). The engine's
// `impact` (back-office build, in the worker) lists each changed order with the outcome
// before and after, its total, the kinds of change and the rules responsible; each rule is
// a link to its line:column in the editor.
import { h, fill, button, money, word, excerpt } from "./dom.js";
import { errorList } from "./decision-view.js";
import { t, tOr, formatNumber } from "./i18n.js";

/** Largest uploaded file read, in characters (the engine refuses more than 16 MiB of JSON). */
const MAX_UPLOAD = 8 * 1024 * 1024;
const PAGE = 50;

/**
 * Requests from an uploaded file's text: a JSON array of checkout requests, one request,
 * or JSON Lines of decision-log entries (their `request`; entries of other endpoints and
 * `null` requests are skipped). Throws an Error whose message is a catalogue key.
 */
export function requestsFromText(text) {
  const trimmed = text.trim();
  if (!trimmed) throw Object.assign(new Error("impact.file.empty"), { params: {} });
  if (trimmed.startsWith("[")) {
    let value;
    try {
      value = JSON.parse(trimmed);
    } catch (error) {
      throw Object.assign(new Error("impact.file.badJson"), { params: { message: error.message } });
    }
    if (!value.every((r) => r && typeof r === "object" && !Array.isArray(r))) throw Object.assign(new Error("impact.file.notRequests"), { params: {} });
    return value;
  }
  const requests = [];
  const lines = trimmed.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (!line) continue;
    let entry;
    try {
      entry = JSON.parse(line);
    } catch (error) {
      throw Object.assign(new Error("impact.file.badLine"), { params: { line: i + 1, message: error.message } });
    }
    if (entry && typeof entry === "object" && "request" in entry) {
      if (entry.endpoint && entry.endpoint !== "evaluate") continue;
      if (entry.request && typeof entry.request === "object") requests.push(entry.request);
    } else if (entry && typeof entry === "object" && entry.order) {
      requests.push(entry); // a single request
    } else {
      throw Object.assign(new Error("impact.file.notRequests"), { params: {} });
    }
  }
  if (requests.length === 0) throw Object.assign(new Error("impact.file.noRequests"), { params: {} });
  return requests;
}

export function createImpactTab({ root, engine, context, samples, onReveal }) {
  let baseline = null; // {source, origin: "loaded" | "published" | "chosen", name, hash}
  let uploaded = null; // {name, requests}
  let uploadProblem = null; // {key, params}
  let last = null; // {answer, origins}
  let shown = PAGE;
  let seq = 0;

  const useCurrent = h("input", { type: "checkbox", id: "impact-current", checked: true, onchange: () => run() });
  const useSamples = h("input", { type: "checkbox", id: "impact-samples", checked: true, onchange: () => run() });
  const fileInput = h("input", { type: "file", id: "impact-file", accept: ".json,.jsonl,.ndjson,.log,application/json", onchange: () => upload() });
  const fileState = h("span", { class: "muted", id: "impact-file-state" });
  const baselineInfo = h("p", { id: "impact-baseline", class: "baseline" });
  const output = h("div", { id: "impact-result", "aria-live": "polite" });

  fill(
    root,
    h("p", { class: "muted intro", "data-i18n": "impact.intro" }, t("impact.intro")),
    h("div", { class: "toolbar" }, baselineInfo, button(t("impact.useBaseline"), () => useAsBaseline(), { id: "impact-use-baseline", "data-i18n": "impact.useBaseline" })),
    h(
      "fieldset",
      { class: "impact-requests" },
      h("legend", { "data-i18n": "impact.requests" }, t("impact.requests")),
      h("div", {}, useCurrent, " ", h("label", { for: "impact-current", "data-i18n": "impact.useCurrent" }, t("impact.useCurrent"))),
      h("div", {}, useSamples, " ", h("label", { for: "impact-samples", id: "impact-samples-label" }, t("impact.useSamples", { count: samples.length }))),
      h("div", { class: "upload" }, h("label", { for: "impact-file", "data-i18n": "impact.upload" }, t("impact.upload")), " ", fileInput, " ", fileState),
    ),
    h("div", { class: "toolbar" }, button(t("impact.run"), () => run(true), { id: "impact-run", class: "primary", "data-i18n": "impact.run" })),
    output,
  );

  function renderBaseline() {
    if (!baseline) {
      fill(baselineInfo, t("impact.noBaseline"));
      return;
    }
    const same = baseline.source === context().source;
    fill(
      baselineInfo,
      h("strong", {}, t("impact.baseline")),
      " ",
      t(`impact.origin.${baseline.origin}`),
      baseline.hash ? [" · ", h("code", { title: baseline.hash }, `${baseline.hash.slice(0, 15)}…`)] : null,
      same ? [" · ", h("span", { class: "muted", id: "impact-same" }, t("impact.sameAsDraft"))] : null,
    );
    baselineInfo.dataset.origin = baseline.origin;
  }

  /** The baseline becomes `source` (a policy loaded, published, or chosen by the person). */
  function setBaseline(source, origin, { hash = null } = {}) {
    baseline = { source, origin, hash };
    renderBaseline();
  }

  function useAsBaseline() {
    setBaseline(context().source, "chosen");
    run();
  }

  async function upload() {
    const file = fileInput.files?.[0];
    uploadProblem = null;
    if (!file) return;
    if (file.size > MAX_UPLOAD) {
      uploaded = null;
      uploadProblem = { key: "impact.file.tooBig", params: { name: file.name, limit: formatNumber(MAX_UPLOAD / 1024 / 1024) } };
    } else {
      try {
        uploaded = { name: file.name, requests: requestsFromText(await file.text()) };
      } catch (error) {
        uploaded = null;
        uploadProblem = { key: error.message, params: { name: file.name, ...(error.params ?? {}) } };
      }
    }
    renderFileState();
    run();
  }

  function renderFileState() {
    if (uploadProblem) {
      fill(fileState, h("span", { class: "warn-text", role: "alert" }, t(uploadProblem.key, uploadProblem.params)));
      return;
    }
    if (!uploaded) {
      fill(fileState);
      return;
    }
    fill(
      fileState,
      t("impact.fileLoaded", { name: excerpt(uploaded.name, 40), count: uploaded.requests.length }),
      " ",
      button(t("impact.removeFile"), () => {
        uploaded = null;
        fileInput.value = "";
        renderFileState();
        run();
      }, { class: "link", id: "impact-remove-file" }),
    );
  }

  /** The requests to compare over, each with where it came from. */
  function requests(ctx) {
    const list = [];
    const origins = [];
    let current = null;
    if (useCurrent.checked) {
      try {
        current = JSON.parse(ctx.requestText);
        list.push(current);
        origins.push({ key: "impact.from.current" });
      } catch {
        /* the request panel says what is wrong */
      }
    }
    if (useSamples.checked) {
      const same = current ? JSON.stringify(current) : null;
      for (const s of samples) {
        if (JSON.stringify(s.request) === same) continue;
        list.push(s.request);
        origins.push({ key: "impact.from.sample", params: { name: s.id } });
      }
    }
    if (uploaded) {
      uploaded.requests.forEach((r, i) => {
        list.push(r);
        origins.push({ key: "impact.from.file", params: { name: uploaded.name, n: i + 1 } });
      });
    }
    return { list, origins };
  }

  async function run(fromButton = false) {
    renderBaseline();
    if (root.hidden && !fromButton) return;
    const mine = ++seq;
    const ctx = context();
    if (!baseline) {
      fill(output, h("p", { class: "muted" }, t("impact.noBaseline")));
      return;
    }
    if (ctx.directoryInvalid) {
      fill(output, h("p", { class: "warn-text" }, t("decision.directoryInvalid")));
      return;
    }
    const { list, origins } = requests(ctx);
    if (list.length === 0) {
      last = null;
      fill(output, h("p", { class: "muted", id: "impact-none" }, t("impact.noRequests")));
      root.dataset.state = "empty";
      return;
    }
    fill(output, h("p", { class: "muted" }, t("impact.running", { count: list.length })));
    const answer = await engine.call("impact", { baseSource: baseline.source, source: ctx.source, directory: ctx.directory, requests: list });
    if (mine !== seq) return;
    last = { answer, origins };
    shown = PAGE;
    render();
  }

  function render() {
    renderBaseline();
    renderFileState();
    fill($samplesLabel(), t("impact.useSamples", { count: samples.length }));
    if (!last) return;
    const { answer, origins } = last;
    if (answer.type !== "success") {
      const key = answer.side === "base" ? "impact.baseFails" : answer.side === "draft" ? "impact.draftFails" : "impact.failed";
      fill(output, h("p", { class: "warn-text", id: "impact-failure" }, t(key)), errorList(answer.errors));
      root.dataset.state = "failure";
      return;
    }
    const report = answer.result;
    if (baseline && !baseline.hash && report.base?.hash) {
      baseline.hash = report.base.hash;
      renderBaseline();
    }
    const s = report.summary;
    const kinds = Object.entries(s.byKind ?? {}).filter(([, n]) => n > 0);
    const totals = (key, list) => (list.length ? h("li", {}, t(key, { amounts: list.map((m) => money(m.amount, m.currency)).join(", ") })) : null);
    fill(
      output,
      h(
        "div",
        { class: "card impact-summary", id: "impact-summary", "data-changed": String(s.changed), "data-orders": String(s.orders) },
        h("p", { class: s.changed ? "" : "ok-text" }, s.changed ? t("impact.summary", { orders: s.orders, changed: s.changed }) : t("impact.noChange", { orders: s.orders })),
        kinds.length ? h("p", { class: "muted" }, t("impact.byKind"), " ", kinds.map(([k, n], i) => [i ? ", " : "", `${kindWord(k)} ${formatNumber(n)}`])) : null,
        h("ul", { class: "impact-totals" }, totals("impact.newlyBlocked", s.newlyBlocked), totals("impact.newlyApproval", s.newlyApprovalRequired), totals("impact.newlyAllowed", s.newlyAllowed)),
      ),
      report.changes.length
        ? h(
            "ol",
            { class: "impact-changes", id: "impact-changes" },
            report.changes.slice(0, shown).map((c) => change(c, origins[c.request])),
          )
        : null,
      report.changes.length > shown ? button(t("showMore", { count: Math.min(PAGE, report.changes.length - shown), shown, total: report.changes.length }), () => { shown += PAGE; render(); }, { class: "link" }) : null,
    );
    root.dataset.state = s.changed ? "changed" : "unchanged";
  }

  function $samplesLabel() {
    return root.querySelector("#impact-samples-label");
  }

  function outcomeWord(outcome) {
    return outcome === "failure" ? t("impact.outcomeFailure") : word(outcome);
  }

  function kindWord(kind) {
    return tOr(`impact.kind.${kind}`, kind);
  }

  function ruleLinks(side, rules) {
    if (!rules?.length) return null;
    return h(
      "li",
      { class: `impact-rules side-${side}` },
      h("span", { class: "muted" }, t(`impact.rules.${side}`)),
      " ",
      rules.map((r, i) => [
        i ? ", " : "",
        button([h("code", {}, r.rule), ` (${tOr(`effect.${r.effect}`, r.effect)}) `, h("span", { class: "where" }, `${r.line}:${r.column}`)], () => onReveal({ line: r.line, column: r.column }), {
          class: "link impact-rule",
          "data-rule": r.rule,
          "data-line": String(r.line),
          "data-column": String(r.column),
          "aria-label": t("impact.ruleAria", { rule: r.rule, line: r.line, column: r.column }),
        }),
      ]),
    );
  }

  function change(c, origin) {
    const changedLines = c.lines ?? [];
    return h(
      "li",
      { class: "card impact-order", "data-order": c.order, "data-request": String(c.request), "data-before": c.baseOutcome, "data-after": c.draftOutcome },
      h(
        "div",
        { class: "impact-head" },
        h("strong", {}, c.order),
        " ",
        h("span", { class: `outcome-word outcome-${c.baseOutcome}` }, outcomeWord(c.baseOutcome)),
        " → ",
        h("span", { class: `outcome-word outcome-${c.draftOutcome}` }, outcomeWord(c.draftOutcome)),
        c.total ? h("span", { class: "num" }, " ", money(c.total.amount, c.total.currency)) : null,
      ),
      h("div", { class: "muted small" }, t("impact.who", { buyer: c.buyer, group: c.group }), origin ? ` · ${t(origin.key, origin.params)}` : ""),
      h("div", { class: "impact-kinds" }, c.kinds.map((k) => h("span", { class: "badge", "data-kind": k }, kindWord(k)))),
      h(
        "ul",
        { class: "impact-details" },
        changedLines.map((l) => h("li", {}, t("impact.line", { id: l.id, product: l.product, before: word(l.base), after: word(l.draft) }))),
        c.approvals && (c.approvals.added.length || c.approvals.removed.length || c.approvals.levels.base !== c.approvals.levels.draft)
          ? h("li", {}, t("impact.approvals", { before: c.approvals.levels.base, after: c.approvals.levels.draft, added: c.approvals.added.join(", ") || "—", removed: c.approvals.removed.join(", ") || "—" }))
          : null,
        (c.budgets ?? []).map((b) => h("li", {}, t("impact.budget", { budget: b.budget, before: b.effect.base, after: b.effect.draft }))),
        c.invoice ? h("li", {}, t("impact.invoice", { before: c.invoice.base ?? "—", after: c.invoice.draft ?? "—" })) : null,
        ruleLinks("base", c.rules?.base),
        ruleLinks("draft", c.rules?.draft),
      ),
    );
  }

  return {
    setBaseline,
    run,
    relabel: () => render(),
    baseline: () => baseline,
  };
}

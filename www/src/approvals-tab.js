// The Approvals tab: an order under approval, the events recorded on it (approve, reject,
// delegate, comment) as an editable list, and a replay: a slider (or Previous / Next) that
// shows the workflow state after each event, as the engine's `progress` computes it.
import { h, fill, button, word } from "./dom.js";
import { jsonPanel } from "./json-panel.js";
import { person, approvalPlan } from "./decision-view.js";
import { errorList, rawJson } from "./decision-view.js";

const FIELDS = {
  approved: [["by", "By"], ["at", "At"]],
  rejected: [["by", "By"], ["at", "At"], ["lines", "Lines (blank: whole order)"], ["reason", "Reason"]],
  delegated: [["from", "From"], ["to", "To"], ["at", "At"], ["validFrom", "Valid from"], ["validUntil", "Valid until"]],
  comment: [["by", "By"], ["at", "At"], ["text", "Text"]],
};

/** An RFC 3339 instant plus `hours`, keeping its offset: "2026-11-23T09:00:00-05:00" + 1. */
export function addHours(instant, hours) {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.\d+)?(Z|[+-]\d{2}:\d{2})$/.exec(instant ?? "");
  if (!m) return instant;
  const offset = m[2] === "Z" ? 0 : (m[2][0] === "-" ? -1 : 1) * (Number(m[2].slice(1, 3)) * 60 + Number(m[2].slice(4, 6)));
  const t = Date.parse(instant) + hours * 3600_000 + offset * 60_000;
  return new Date(t).toISOString().slice(0, 19) + m[2];
}

function blankEvent(type, state) {
  const last = state.events.at(-1)?.at ?? state.submittedAt;
  const at = addHours(last, 1);
  switch (type) {
    case "approved":
      return { type, by: "", at };
    case "rejected":
      return { type, by: "", at, lines: [], reason: "" };
    case "delegated":
      return { type, from: "", to: "", at, validFrom: at, validUntil: addHours(at, 24 * 7) };
    default:
      return { type: "comment", by: "", at, text: "" };
  }
}

export function createApprovalsTab({ root, engine, context, onChange }) {
  const state = { submittedAt: "", now: "", events: [], samples: [] };
  let position = null; // replay position; null = the latest
  let last = null; // the last replay answer
  let seq = 0;

  const sampleSelect = h("select", { id: "approval-sample", onchange: () => loadSample(Number(sampleSelect.value)) });
  const orderErrors = h("ul", { class: "errors", hidden: true, "aria-label": "Order problems" });
  const orderHost = h("div", { class: "editor json-editor small" });
  const submitted = h("input", { id: "approval-submitted", type: "text", spellcheck: "false", oninput: () => { state.submittedAt = submitted.value; changed(); } });
  const now = h("input", { id: "approval-now", type: "text", spellcheck: "false", oninput: () => { state.now = now.value; changed(); } });
  const eventList = h("ol", { id: "events", class: "events", "aria-label": "Events" });
  const slider = h("input", { id: "replay", type: "range", min: "0", max: "0", value: "0", step: "1", oninput: () => { position = Number(slider.value); renderState(); } });
  const prev = button("← Previous", () => move(-1), { id: "replay-prev" });
  const next = button("Next →", () => move(1), { id: "replay-next" });
  const replayLabel = h("span", { id: "replay-label", class: "muted", "aria-live": "polite" });
  const stateView = h("div", { id: "approval-state" });
  const people = h("datalist", { id: "people" });

  fill(
    root,
    h("p", { class: "muted intro" }, "Record approvals, rejections and delegations, then replay them to see the workflow state after each event."),
    h(
      "div",
      { class: "toolbar" },
      h("label", { for: "approval-sample" }, "Sample events"),
      sampleSelect,
    ),
    h(
      "details",
      { class: "order-box" },
      h("summary", {}, "Order under approval (checkout request JSON)"),
      orderHost,
      orderErrors,
      button("Use the request panel's order", () => {
        orderPanel.setText(context().requestText);
        changed();
      }),
    ),
    h(
      "div",
      { class: "times" },
      h("label", { for: "approval-submitted" }, "Submitted at"),
      submitted,
      h("label", { for: "approval-now" }, "Now"),
      now,
    ),
    h("h3", {}, "Events"),
    eventList,
    h(
      "div",
      { class: "toolbar add-events" },
      button("+ Approve", () => add("approved"), { id: "add-approved" }),
      button("+ Reject", () => add("rejected"), { id: "add-rejected" }),
      button("+ Delegate", () => add("delegated"), { id: "add-delegated" }),
      button("+ Comment", () => add("comment"), { id: "add-comment" }),
    ),
    h("h3", {}, "Replay"),
    h("div", { class: "replay" }, prev, h("label", { for: "replay", class: "visually-hidden" }, "Replay position"), slider, next, replayLabel),
    stateView,
    people,
  );

  const orderPanel = jsonPanel({ parent: orderHost, errorList: orderErrors, label: "Order under approval (JSON)", schema: "checkout-request", doc: "{}", onChange: () => changed() });

  let timer = 0;
  function changed() {
    clearTimeout(timer);
    timer = setTimeout(recompute, 150);
    onChange?.();
  }

  function add(type) {
    state.events.push(blankEvent(type, state));
    position = null;
    renderEvents();
    changed();
    // Focus the first field of the new event.
    eventList.lastElementChild?.querySelector("input")?.focus();
  }

  function move(delta) {
    if (!last) return;
    const max = last.states.length - 1;
    position = Math.max(0, Math.min(max, (position ?? max) + delta));
    renderState();
  }

  function loadSample(i) {
    const sample = state.samples[i];
    if (!sample) return;
    state.submittedAt = sample.submittedAt ?? state.submittedAt;
    state.events = structuredClone(sample.events ?? []);
    state.now = sample.now ?? addHours(state.events.at(-1)?.at ?? state.submittedAt, 1);
    submitted.value = state.submittedAt;
    now.value = state.now;
    position = null;
    renderEvents();
    changed();
  }

  function renderEvents() {
    const users = context().users;
    fill(people, users.map((u) => h("option", { value: u.id }, u.name ?? u.id)));
    fill(
      eventList,
      state.events.map((event, i) => {
        const n = i + 1;
        const typeSelect = h(
          "select",
          {
            "aria-label": `Event ${n} type`,
            onchange: () => {
              const fresh = blankEvent(typeSelect.value, { ...state, events: state.events.slice(0, i) });
              fresh.at = event.at;
              state.events[i] = fresh;
              renderEvents();
              changed();
            },
          },
          Object.keys(FIELDS).map((t) => h("option", { value: t, selected: t === event.type }, t)),
        );
        const inputs = FIELDS[event.type].map(([key, label]) => {
          const value = key === "lines" ? (event.lines ?? []).join(", ") : event[key] ?? "";
          const input = h("input", {
            type: "text",
            value,
            spellcheck: "false",
            list: ["by", "from", "to"].includes(key) ? "people" : undefined,
            "aria-label": `Event ${n} ${label.toLowerCase()}`,
            "data-field": key,
            oninput: () => {
              event[key] = key === "lines" ? input.value.split(",").map((s) => s.trim()).filter(Boolean) : input.value;
              changed();
            },
          });
          return h("label", { class: "field" }, h("span", {}, label), input);
        });
        return h(
          "li",
          { class: "event", "data-index": String(i) },
          h("div", { class: "event-head" }, typeSelect, h("span", { class: "step-result muted", "data-step": String(i) }), button("Remove", () => { state.events.splice(i, 1); position = null; renderEvents(); changed(); }, { class: "link", "aria-label": `Remove event ${n}` })),
          h("div", { class: "event-fields" }, inputs),
        );
      }),
    );
    if (state.events.length === 0) eventList.append(h("li", { class: "muted" }, "No events yet: the order waits at its first level."));
  }

  async function recompute() {
    // Only while the tab is shown: showing it calls refresh().
    if (root.hidden) return;
    const mine = ++seq;
    const checkout = orderPanel.value();
    if (checkout === undefined) {
      fill(stateView, h("p", { class: "warn-text" }, "The order under approval is not valid JSON."));
      return;
    }
    const request = { checkout, submittedAt: state.submittedAt, now: state.now, events: state.events };
    const ctx = context();
    if (ctx.directoryInvalid) {
      fill(stateView, h("p", { class: "warn-text" }, "Fix the directory JSON first."));
      return;
    }
    const answer = await engine.call("replay", { source: ctx.source, directory: ctx.directory, request });
    if (mine !== seq) return;
    if (answer.type !== "success") {
      last = null;
      orderPanel.markEngineErrors(answer.errors?.map((e) => ({ ...e, path: e.path?.replace(/^checkout\.?/, "") })) ?? []);
      fill(stateView, h("p", { class: "warn-text" }, "The workflow could not be computed:"), errorList(answer.errors));
      renderSteps(null);
      return;
    }
    last = answer.result;
    renderSteps(last.full.steps);
    renderState();
  }

  function renderSteps(steps) {
    for (const span of eventList.querySelectorAll(".step-result")) span.textContent = "";
    for (const step of steps ?? []) {
      const span = eventList.querySelector(`[data-step="${step.event}"]`);
      if (!span) continue;
      span.textContent = step.accepted ? `✓ ${word(step.status)}${step.level ? ` (level ${step.level})` : ""}` : `✗ refused: ${step.reason ?? ""}`;
      span.className = `step-result ${step.accepted ? "ok" : "refused"}`;
    }
  }

  function renderState() {
    if (!last) return;
    const max = last.states.length - 1;
    const k = position === null ? max : Math.min(position, max);
    slider.max = String(max);
    slider.value = String(k);
    slider.setAttribute("aria-valuetext", `after ${k} of ${max} events`);
    prev.disabled = k === 0;
    next.disabled = k === max;
    const step = k > 0 ? last.full.steps[k - 1] : null;
    const event = step ? state.events[step.event] : null;
    replayLabel.textContent = k === 0 ? `Submitted (0 of ${max} events)` : `After event ${step.event + 1} of ${max}: ${event?.type ?? ""} by ${event?.by ?? event?.from ?? ""}`;
    for (const li of eventList.querySelectorAll(".event")) li.classList.toggle("current", step !== null && Number(li.dataset.index) === step.event);
    const s = last.states[k];
    if (!s) {
      fill(stateView, h("p", { class: "warn-text" }, "No state for this step."));
      return;
    }
    const names = context().names;
    fill(
      stateView,
      h("div", { class: `outcome status-${s.status}`, "data-status": s.status }, h("span", { class: "outcome-word" }, word(s.status)), s.level ? h("span", { class: "muted" }, ` at level ${s.level}`) : null, h("span", { class: "muted" }, ` · expires ${s.expiresAt}`)),
      s.reason ? h("p", {}, s.reason) : null,
      s.mayAct.length
        ? h("div", { class: "card" }, h("h3", {}, "May act now"), h("ul", { class: "approvers" }, s.mayAct.map((a) => h("li", { class: "chip" }, person(names, a.user), a.onBehalfOf ? ` for ${person(names, a.onBehalfOf)}` : "", h("span", { class: "muted" }, ` — ${a.actions.join(", ")}`)))))
        : null,
      h(
        "div",
        { class: "card" },
        h("h3", {}, "Levels"),
        h(
          "table",
          { class: "levels-table" },
          h("thead", {}, h("tr", {}, h("th", {}, "Level"), h("th", {}, "Status"), h("th", {}, "Needed"), h("th", {}, "Approvals"))),
          h(
            "tbody",
            {},
            s.levels.map((l) =>
              h(
                "tr",
                { "data-level": String(l.level) },
                h("td", {}, String(l.level)),
                h("td", {}, h("span", { class: `badge badge-${l.status}` }, word(l.status))),
                h("td", {}, String(l.needed)),
                h("td", {}, l.approvals.map((a) => h("div", {}, person(names, a.by), a.onBehalfOf ? ` for ${a.onBehalfOf}` : "", h("span", { class: "muted" }, ` at ${a.at}`))), l.escalatedTo.length ? h("div", { class: "muted" }, `escalated to ${l.escalatedTo.join(", ")}`) : null),
              ),
            ),
          ),
        ),
      ),
      s.rejectedLines.length ? h("p", {}, `Rejected lines: ${s.rejectedLines.join(", ")}`) : null,
      s.comments.length ? h("div", { class: "card" }, h("h3", {}, "Comments"), h("ul", {}, s.comments.map((c) => h("li", {}, `${person(names, c.by)}: ${c.text}`, h("span", { class: "muted" }, ` (${c.at})`))))) : null,
      h("details", {}, h("summary", {}, "Approval plan"), approvalPlan(s.plan, names)),
      rawJson({ type: "success", result: s }),
    );
  }

  return {
    /** Loads an example's order and sample events. */
    load({ order, samples }) {
      orderPanel.setText(order ?? "{}");
      state.samples = samples.length ? samples : [{ name: "no events", submittedAt: orderPanel.value()?.context?.now ?? "2026-11-28T09:00:00-05:00", events: [] }];
      fill(sampleSelect, state.samples.map((s, i) => h("option", { value: String(i) }, s.name)));
      loadSample(0);
    },
    refresh: changed,
    /** What autosave keeps. */
    snapshot: () => ({ order: orderPanel.text(), submittedAt: state.submittedAt, now: state.now, events: state.events }),
    restore(saved) {
      orderPanel.setText(saved.order);
      state.submittedAt = saved.submittedAt;
      state.now = saved.now;
      state.events = saved.events ?? [];
      submitted.value = state.submittedAt;
      now.value = state.now;
      renderEvents();
      changed();
    },
  };
}

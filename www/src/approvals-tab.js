// The Approvals tab: an order under approval, the events recorded on it (approve, reject,
// delegate, comment) as an editable list, and a replay: a slider (or Previous / Next) that
// shows the workflow state after each event, as the engine's `progress` computes it.
import { h, fill, button, word, richText } from "./dom.js";
import { jsonPanel } from "./json-panel.js";
import { person, personName, approvalPlan } from "./decision-view.js";
import { errorList, rawJson } from "./decision-view.js";
import { t, tOr, formatDateTime } from "./i18n.js";

// Each event type's fields (the label is the message key `event.field.<key>`).
const FIELDS = {
  approved: ["by", "at"],
  rejected: ["by", "at", "lines", "reason"],
  delegated: ["from", "to", "at", "validFrom", "validUntil"],
  comment: ["by", "at", "text"],
};

/** What is wrong with an event before the engine sees it (a message key), or null. */
export function eventProblem(event) {
  if (event.type === "comment" && !String(event.text ?? "").trim()) return "event.emptyComment";
  return null;
}

/** An instant as people read it, the RFC 3339 text in `datetime` and the tooltip. */
function instant(value) {
  return h("time", { datetime: value, title: value }, formatDateTime(value));
}

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
  const orderErrors = h("ul", { class: "errors", hidden: true, "aria-label": t("approvals.orderProblems"), "data-i18n-attr": "aria-label=approvals.orderProblems" });
  const orderHost = h("div", { class: "editor json-editor small" });
  const submitted = h("input", { id: "approval-submitted", type: "text", spellcheck: "false", oninput: () => { state.submittedAt = submitted.value; changed(); } });
  const now = h("input", { id: "approval-now", type: "text", spellcheck: "false", oninput: () => { state.now = now.value; changed(); } });
  const eventList = h("ol", { id: "events", class: "events", "aria-label": t("approvals.events"), "data-i18n-attr": "aria-label=approvals.events" });
  const slider = h("input", { id: "replay", type: "range", min: "0", max: "0", value: "0", step: "1", oninput: () => { position = Number(slider.value); renderState(); } });
  const prev = button(t("approvals.prev"), () => move(-1), { id: "replay-prev", "data-i18n": "approvals.prev" });
  const next = button(t("approvals.next"), () => move(1), { id: "replay-next", "data-i18n": "approvals.next" });
  const replayLabel = h("span", { id: "replay-label", class: "muted", "aria-live": "polite" });
  const stateView = h("div", { id: "approval-state" });
  const people = h("datalist", { id: "people" });

  fill(
    root,
    h("p", { class: "muted intro", "data-i18n": "approvals.intro" }, t("approvals.intro")),
    h(
      "div",
      { class: "toolbar" },
      h("label", { for: "approval-sample", "data-i18n": "approvals.sample" }, t("approvals.sample")),
      sampleSelect,
    ),
    h(
      "details",
      { class: "order-box" },
      h("summary", { "data-i18n": "approvals.order" }, t("approvals.order")),
      orderHost,
      orderErrors,
      button(t("approvals.useRequest"), () => {
        orderPanel.setText(context().requestText);
        changed();
      }, { "data-i18n": "approvals.useRequest" }),
    ),
    h(
      "div",
      { class: "times" },
      h("label", { for: "approval-submitted", "data-i18n": "approvals.submittedAt" }, t("approvals.submittedAt")),
      submitted,
      h("label", { for: "approval-now", "data-i18n": "approvals.now" }, t("approvals.now")),
      now,
    ),
    h("h3", { "data-i18n": "approvals.events" }, t("approvals.events")),
    eventList,
    h(
      "div",
      { class: "toolbar add-events" },
      button(t("approvals.addApprove"), () => add("approved"), { id: "add-approved", "data-i18n": "approvals.addApprove" }),
      button(t("approvals.addReject"), () => add("rejected"), { id: "add-rejected", "data-i18n": "approvals.addReject" }),
      button(t("approvals.addDelegate"), () => add("delegated"), { id: "add-delegated", "data-i18n": "approvals.addDelegate" }),
      button(t("approvals.addComment"), () => add("comment"), { id: "add-comment", "data-i18n": "approvals.addComment" }),
    ),
    h("h3", { "data-i18n": "approvals.replay" }, t("approvals.replay")),
    h("div", { class: "replay" }, prev, h("label", { for: "replay", class: "visually-hidden", "data-i18n": "approvals.position" }, t("approvals.position")), slider, next, replayLabel),
    stateView,
    people,
  );

  const orderPanel = jsonPanel({ parent: orderHost, errorList: orderErrors, label: t("approvals.orderAria"), schema: "checkout-request", doc: "{}", onChange: () => changed() });

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
    const ctx = context();
    fill(people, ctx.users.map((u) => h("option", { value: u.id }, u.name ?? u.id)));
    fill(
      eventList,
      state.events.map((event, i) => {
        const n = i + 1;
        const typeSelect = h(
          "select",
          {
            "aria-label": t("event.typeAria", { n }),
            onchange: () => {
              const fresh = blankEvent(typeSelect.value, { ...state, events: state.events.slice(0, i) });
              fresh.at = event.at;
              state.events[i] = fresh;
              renderEvents();
              changed();
            },
          },
          Object.keys(FIELDS).map((type) => h("option", { value: type, selected: type === event.type }, t(`event.type.${type}`))),
        );
        const inputs = FIELDS[event.type].map((key) => {
          const value = key === "lines" ? (event.lines ?? []).join(", ") : event[key] ?? "";
          const label = t(`event.field.${key}`);
          const input = h("input", {
            type: "text",
            value,
            spellcheck: "false",
            list: ["by", "from", "to"].includes(key) ? "people" : undefined,
            "aria-label": t("event.fieldAria", { n, label }),
            "data-field": key,
            oninput: () => {
              event[key] = key === "lines" ? input.value.split(",").map((s) => s.trim()).filter(Boolean) : input.value;
              // A person's name shows beside an id typed in.
              if (["by", "from", "to"].includes(key)) who.textContent = ctx.names.get(input.value) ?? "";
              markProblem(li, event);
              changed();
            },
          });
          const who = h("span", { class: "who muted small" }, ["by", "from", "to"].includes(key) ? ctx.names.get(value) ?? "" : "");
          return h("label", { class: "field" }, h("span", {}, label), input, who);
        });
        const li = h(
          "li",
          { class: "event", "data-index": String(i) },
          h("div", { class: "event-head" }, typeSelect, h("span", { class: "step-result muted", "data-step": String(i) }), button(t("event.remove"), () => { state.events.splice(i, 1); position = null; renderEvents(); changed(); }, { class: "link", "aria-label": t("event.removeAria", { n }) })),
          h("div", { class: "event-fields" }, inputs),
          h("p", { class: "event-problem warn-text", hidden: true, role: "alert" }),
        );
        markProblem(li, event);
        return li;
      }),
    );
    if (state.events.length === 0) eventList.append(h("li", { class: "muted no-events" }, t("approvals.noEvents")));
  }

  /** Shows (or clears) what is wrong with an event before the engine sees it. */
  function markProblem(li, event) {
    const problem = eventProblem(event);
    const p = li.querySelector(".event-problem");
    p.hidden = !problem;
    p.textContent = problem ? t(problem) : "";
    li.classList.toggle("invalid", Boolean(problem));
    for (const input of li.querySelectorAll('input[data-field="text"]')) input.setAttribute("aria-invalid", String(Boolean(problem)));
  }

  async function recompute() {
    // Only while the tab is shown: showing it calls refresh().
    if (root.hidden) return;
    const mine = ++seq;
    const checkout = orderPanel.value();
    if (checkout === undefined) {
      fill(stateView, h("p", { class: "warn-text" }, t("approvals.orderInvalid")));
      return;
    }
    // Invalid events (an empty comment) are shown as such and not sent: `sent[k]` is the
    // position in state.events of the k-th event sent.
    const sent = state.events.map((e, i) => (eventProblem(e) ? -1 : i)).filter((i) => i >= 0);
    const request = { checkout, submittedAt: state.submittedAt, now: state.now, events: sent.map((i) => state.events[i]) };
    const ctx = context();
    if (ctx.directoryInvalid) {
      fill(stateView, h("p", { class: "warn-text" }, t("approvals.directoryInvalid")));
      return;
    }
    const answer = await engine.call("replay", { source: ctx.source, directory: ctx.directory, request });
    if (mine !== seq) return;
    if (answer.type !== "success") {
      last = null;
      orderPanel.markEngineErrors(answer.errors?.map((e) => ({ ...e, path: e.path?.replace(/^checkout\.?/, "") })) ?? []);
      fill(stateView, h("p", { class: "warn-text" }, t("approvals.failed")), errorList(answer.errors));
      renderSteps(null);
      return;
    }
    last = answer.result;
    // The steps name events by their position among those sent: back to the list's.
    for (const step of last.full.steps) step.event = sent[step.event];
    renderSteps(last.full.steps);
    renderState();
  }

  function renderSteps(steps) {
    for (const span of eventList.querySelectorAll(".step-result")) {
      span.replaceChildren();
      span.className = "step-result muted";
    }
    for (const step of steps ?? []) {
      const span = eventList.querySelector(`[data-step="${step.event}"]`);
      if (!span) continue;
      const event = state.events[step.event];
      // A comment changes nothing: it is recorded, not "approved".
      if (step.accepted) span.textContent = event?.type === "comment" ? `✓ ${t("step.recorded")}` : `✓ ${word(step.status)}${step.level ? ` ${t("step.level", { level: step.level })}` : ""}`;
      else fill(span, `✗ ${t("step.refused")} `, richText(step.reason ?? ""));
      span.className = `step-result ${step.accepted ? "ok" : "refused"}`;
    }
    state.events.forEach((event, i) => {
      if (!eventProblem(event)) return;
      const span = eventList.querySelector(`[data-step="${i}"]`);
      if (!span) return;
      span.textContent = `✗ ${t("step.invalid")}`;
      span.className = "step-result refused";
    });
  }

  function renderState() {
    if (!last) return;
    const max = last.states.length - 1;
    const k = position === null ? max : Math.min(position, max);
    slider.max = String(max);
    slider.value = String(k);
    slider.setAttribute("aria-valuetext", t("replay.valuetext", { k, max }));
    prev.disabled = k === 0;
    next.disabled = k === max;
    const step = k > 0 ? last.full.steps[k - 1] : null;
    const event = step ? state.events[step.event] : null;
    const names = context().names;
    replayLabel.textContent = k === 0 ? t("replay.submitted", { max }) : t("replay.after", { n: step.event + 1, max, type: t(`event.type.${event?.type}`), who: personName(names, event?.by ?? event?.from ?? "") });
    for (const li of eventList.querySelectorAll(".event")) li.classList.toggle("current", step !== null && Number(li.dataset.index) === step.event);
    const s = last.states[k];
    if (!s) {
      fill(stateView, h("p", { class: "warn-text" }, t("replay.noState")));
      return;
    }
    // With no level to pass, "no approval is required" is the whole story: no level table,
    // no "waits at its first level".
    const noApproval = s.levels.length === 0;
    fill(
      stateView,
      h(
        "div",
        { class: `outcome status-${s.status}`, "data-status": s.status },
        h("span", { class: "outcome-word" }, word(s.status)),
        s.level ? h("span", { class: "muted" }, ` ${t("state.atLevel", { level: s.level })}`) : null,
        s.expiresAt && !noApproval ? h("span", { class: "muted" }, ` · ${t("state.expires")} `, instant(s.expiresAt)) : null,
      ),
      noApproval ? h("p", { class: "muted no-approval" }, s.plan?.autoApproved ? t("plan.autoApproved") : t("state.noApproval")) : null,
      s.reason ? h("p", {}, richText(s.reason)) : null,
      s.mayAct.length
        ? h("div", { class: "card" }, h("h3", {}, t("state.mayAct")), h("ul", { class: "approvers" }, s.mayAct.map((a) => h("li", { class: "chip" }, person(names, a.user), a.onBehalfOf ? [` ${t("state.for")} `, person(names, a.onBehalfOf)] : "", h("span", { class: "muted" }, ` — ${a.actions.map((x) => tOr(`action.${x}`, x)).join(", ")}`)))))
        : null,
      noApproval
        ? null
        : h(
            "div",
            { class: "card" },
            h("h3", {}, t("state.levels")),
            h(
              "table",
              { class: "levels-table" },
              h("thead", {}, h("tr", {}, h("th", {}, t("state.level")), h("th", {}, t("state.status")), h("th", {}, t("state.needed")), h("th", {}, t("state.approvals")))),
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
                    h(
                      "td",
                      {},
                      l.approvals.map((a) =>
                        h(
                          "div",
                          { class: "approval-record" },
                          person(names, a.by),
                          a.onBehalfOf ? [` ${t("state.for")} `, person(names, a.onBehalfOf)] : "",
                          a.carriedFrom ? h("span", { class: "carried muted" }, ` ${t("state.carriedFrom", { level: a.carriedFrom })}`) : null,
                          h("span", { class: "muted" }, ` · `, instant(a.at)),
                        ),
                      ),
                      l.escalatedTo.length ? h("div", { class: "muted" }, t("state.escalatedTo"), " ", l.escalatedTo.map((id, i) => [i ? ", " : "", person(names, id)])) : null,
                    ),
                  ),
                ),
              ),
            ),
          ),
      s.rejectedLines.length ? h("p", {}, t("state.rejectedLines", { lines: s.rejectedLines.join(", ") })) : null,
      s.comments.length ? h("div", { class: "card" }, h("h3", {}, t("state.comments")), h("ul", {}, s.comments.map((c) => h("li", {}, person(names, c.by), `: ${c.text}`, h("span", { class: "muted" }, " (", instant(c.at), ")"))))) : null,
      noApproval ? null : h("details", {}, h("summary", {}, t("state.plan")), approvalPlan(s.plan, names)),
      rawJson({ type: "success", result: s }),
    );
  }

  return {
    /** Loads an example's order and sample events. */
    load({ order, samples }) {
      orderPanel.setText(order ?? "{}");
      state.samples = samples.length ? samples : [{ name: t("approvals.noEventsSample"), submittedAt: orderPanel.value()?.context?.now ?? "2026-11-28T09:00:00-05:00", events: [] }];
      fill(sampleSelect, state.samples.map((s, i) => h("option", { value: String(i) }, s.name)));
      loadSample(0);
    },
    refresh: changed,
    /** Re-renders in the page's language. */
    relabel() {
      orderPanel.relabel(t("approvals.orderAria"));
      renderEvents();
      if (last) {
        renderSteps(last.full.steps);
        renderState();
      }
    },
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

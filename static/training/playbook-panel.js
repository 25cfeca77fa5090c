/**
 * The playbook panel at the top of the side column. The instructor chooses one of the
 * scenario's playbooks and loads it, then Play / Pause / Continue (a wait step) / Skip /
 * Rewind (a fresh run from step 0); the steps are listed with the one in progress open
 * (what to say, what to watch). Play with no run going starts one with the toolbar's Run
 * button (speed and duration as set there). Participants see the step in progress only.
 * The steps fire on their own from the run's clock (playbook-driver.js).
 */

import { fill, formatRunTime, h, setText } from "./dom.js";
import { renderMarkdown } from "./markdown.js";

const GOING = new Set(["queued", "running", "draining"]);

/** "at 10 s" or "waits for you" */
function whenText(step) {
  if (step.wait) return "waits for Continue";
  return typeof step.at_s === "number" ? `at ${formatRunTime(step.at_s)}` : "";
}

function badges(step) {
  const list = [];
  if (step.faults?.length) list.push(h("span", { class: "step-badge badge-fault", title: step.faults.map((f) => `${f.action.replaceAll("_", " ")} → ${f.target}`).join("\n") }, step.faults.length === 1 ? "fault" : `${step.faults.length} faults`));
  if (step.restore) list.push(h("span", { class: "step-badge badge-restore" }, "restore"));
  if (step.has_question) list.push(h("span", { class: "step-badge badge-question" }, "question"));
  if (step.reveal) list.push(h("span", { class: "step-badge badge-reveal" }, "reveal"));
  return list;
}

/** What to say and what to watch, for the step in progress. */
export function stepDetail(step) {
  if (!step) return null;
  return h(
    "div",
    { class: "step-detail" },
    step.say ? h("div", { class: "step-say" }, renderMarkdown(step.say)) : null,
    step.watch ? h("p", { class: "step-watch" }, h("strong", {}, "Watch: "), step.watch) : null,
  );
}

/**
 * @param {object} args
 * @param {HTMLElement} args.element the panel (#playbook-panel)
 * @param {object} args.options {role, playbooks: the scenario's playbooks, post(body): Promise<{ok, message}>}
 * @param {object} args.callbacks {onStartRun(): void}
 * @returns {{update(state): void, destroy(): void}}
 */
export function createPlaybookPanel({ element, options, callbacks = {} }) {
  const { role, playbooks = [], post } = options;
  const leading = role === "instructor";
  let state = null;
  let busy = false;
  let message = "";
  let chosen = null; // the playbook picked in the chooser, kept across redraws

  const body = h("div", { class: "playbook-body" });
  const note = h("p", { class: "playbook-message", role: "status", "aria-live": "polite" });
  element.append(body, note);

  async function act(action, extra = {}) {
    if (busy) return;
    busy = true;
    render();
    const answer = await post({ action, ...extra });
    busy = false;
    message = answer.ok ? "" : answer.message;
    render();
    return answer.ok;
  }

  async function play() {
    const ok = await act("play");
    const run = state?.run;
    if (ok && !(run && GOING.has(run.status))) callbacks.onStartRun?.();
  }

  function chooser(loadedName) {
    if (!playbooks.length) return h("p", { class: "playbook-empty" }, "This scenario has no playbook. Run it and drive the class by hand, or add one to the document.");
    const picked = chosen ?? loadedName;
    const select = h(
      "select",
      { id: "playbook-select", "aria-label": "Playbook", onchange: (event) => { chosen = event.target.value; } },
      playbooks.map((playbook) => h("option", { value: playbook.name, selected: playbook.name === picked }, playbook.name)),
    );
    return h(
      "div",
      { class: "playbook-chooser" },
      select,
      h("button", { type: "button", class: "button small", id: "btn-playbook-load", disabled: busy, onclick: () => act("load", { name: select.value }) }, loadedName ? "Load again" : "Load"),
    );
  }

  function stepRow(step, index, playbook) {
    const fired = (playbook.fired || []).find((entry) => entry.index === index);
    const current = fired && index === playbook.index - 1;
    const next = index === playbook.index;
    const status = fired ? (fired.skipped ? "skipped" : "fired") : next ? "next" : "later";
    return h(
      "li",
      { class: `step step-${status}${current ? " step-current" : ""}`, dataset: { index: String(index), status }, "aria-current": current ? "step" : null },
      h("span", { class: "step-mark", "aria-hidden": "true" }, fired ? (fired.skipped ? "–" : "✓") : String(index + 1)),
      h(
        "div",
        { class: "step-main" },
        h("div", { class: "step-head" }, h("span", { class: "step-title" }, step.title), h("span", { class: "step-when" }, fired && !fired.skipped && typeof fired.t === "number" ? `fired at ${formatRunTime(fired.t)}` : whenText(step))),
        h("div", { class: "step-badges" }, badges(step)),
        current ? stepDetail(step) : null,
      ),
    );
  }

  function controls(playbook) {
    const next = playbook.steps[playbook.index];
    const done = !next;
    const buttons = [
      playbook.playing
        ? h("button", { type: "button", class: "button small", id: "btn-playbook-pause", disabled: busy, onclick: () => act("pause") }, "Pause")
        : h("button", { type: "button", class: "button small primary", id: "btn-playbook-play", disabled: busy || done, onclick: play }, "Play"),
      h("button", { type: "button", class: `button small${next?.wait ? " primary" : ""}`, id: "btn-playbook-continue", disabled: busy || !next?.wait, title: "Go on from a step that waits for you", onclick: () => act("fire", { index: playbook.index }) }, "Continue"),
      h("button", { type: "button", class: "button small", id: "btn-playbook-skip", disabled: busy || done, title: "Leave out the next step", onclick: () => act("skip", { index: playbook.index }) }, "Skip"),
      h("button", { type: "button", class: "button small", id: "btn-playbook-rewind", disabled: busy, title: "Stop the run, start a new one with the same settings, back to the first step", onclick: () => act("rewind") }, "Rewind"),
    ];
    return h("div", { class: "playbook-controls", role: "group", "aria-label": "Playbook controls" }, buttons);
  }

  function statusLine(playbook) {
    const next = playbook.steps[playbook.index];
    if (!next) return "All steps done.";
    if (next.wait) return `Waiting for you: “${next.title}” — press Continue.`;
    const run = state.run;
    if (!playbook.playing) return `Paused. Next: “${next.title}” ${whenText(next)}.`;
    if (!run || !GOING.has(run.status)) return `Next: “${next.title}” ${whenText(next)} once a run is going.`;
    return `Next: “${next.title}” ${whenText(next)}.`;
  }

  function renderLeading() {
    const playbook = state?.playbook;
    if (!playbook) {
      fill(body, h("p", { class: "playbook-intro" }, "A playbook runs the class for you: it fires faults on the run's clock, asks questions and reveals them."), chooser(null));
      return;
    }
    fill(
      body,
      h("div", { class: "playbook-title" }, h("strong", {}, playbook.name), playbook.playing ? h("span", { class: "playbook-state is-playing" }, "playing") : h("span", { class: "playbook-state" }, "paused")),
      playbook.summary ? h("p", { class: "playbook-summary" }, playbook.summary) : null,
      controls(playbook),
      h("p", { class: "playbook-next" }, statusLine(playbook)),
      h("ol", { class: "steps", id: "playbook-steps" }, playbook.steps.map((step, index) => stepRow(step, index, playbook))),
      playbooks.length > 1 ? h("details", { class: "playbook-switch" }, h("summary", {}, "Another playbook"), chooser(playbook.name)) : null,
    );
  }

  function renderFollowing() {
    const playbook = state?.playbook;
    const index = playbook ? playbook.index - 1 : -1;
    const step = index >= 0 ? playbook.steps[index] : null;
    element.hidden = !step;
    if (!step) return;
    fill(
      body,
      h("p", { class: "playbook-step-count" }, `Step ${index + 1} of ${playbook.steps.length}`),
      h("h3", { class: "playbook-now-title" }, step.title),
      stepDetail(step),
    );
  }

  function render() {
    if (leading) renderLeading();
    else renderFollowing();
    setText(note, message);
    note.hidden = !message;
  }

  render();
  return {
    update(next) {
      state = next;
      render();
    },
    destroy() {
      body.remove();
      note.remove();
    },
  };
}

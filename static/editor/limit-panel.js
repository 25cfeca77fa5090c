/**
 * "Find the limit" in the editor's side area (#limit-panel; docs/challenges.md, "Find the
 * limit"): the owner starts a search of the saved design (unsaved changes are saved first),
 * which ramps every client's rate on the engine until a goal fails; the section shows each step
 * as it is judged — a bar per step (its rate; green held, red failed) and a list with the goals
 * missed and links to the runs' reports — then the highest sustained rate and the bottleneck.
 *
 * The search runs on the server: the section polls its state (GET, once a second while it
 * runs) and, on load, shows the scenario's latest search, so a reload picks up where it was.
 * Read-only viewers see the latest search without the form. The section stays closed (its
 * badge shows the last result) until a search is under way: the side column is shared.
 *
 * Loaded as its own module after editor.js; it calls `window.playgroundEditor` (isDirty, save,
 * select, getDocument) and nothing else of the editor.
 */

import { sendJSON } from "./http.js";

const SVG_NS = "http://www.w3.org/2000/svg";
const POLL_MS = 1000;
const SECONDS = [3, 5, 10, 20, 30];
const SEEDS = [1, 2, 3];

/** "20", "37.5", "1,280" */
export function formatRate(rate) {
  if (typeof rate !== "number" || !Number.isFinite(rate)) return "—";
  return rate.toLocaleString("en", { maximumFractionDigits: rate < 10 ? 2 : 1 });
}

/** "×1", "×3.75" */
export function formatFactor(factor) {
  return `×${Number(factor.toFixed(3))}`;
}

/** The goals the form asks for: p95 and unsuccessful share when given, and one more as text. */
export function goalsFromForm({ p95, failures, extra }) {
  const goals = [];
  if (p95 !== "" && Number(p95) > 0) {
    goals.push({ name: `p95 within ${Number(p95)} ms`, metric: "p95_ms", at_most: Number(p95) });
  }
  if (failures !== "" && Number(failures) >= 0) {
    goals.push({ name: `at most ${Number(failures)} % unsuccessful`, metric: "unsuccessful_share", at_most: Number(failures) / 100 });
  }
  if (extra.trim()) goals.push(extra.trim());
  return goals;
}

/** The result in one sentence: "Sustains 600 req/s (×30)." and its variants. */
export function resultText(state) {
  const result = state.result;
  if (!result) return "";
  if (result.sustained_rate === null) return `Fails at its own traffic (${formatRate(result.base_rate)} req/s).`;
  const rate = `${formatRate(result.sustained_rate)} req/s (${formatFactor(result.sustained_factor)})`;
  return result.capped ? `Sustains at least ${rate}: the search stops there, it may hold more.` : `Sustains ${rate}.`;
}

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function svgElement(tag, attrs, parent) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, String(value));
  parent?.append(node);
  return node;
}

function runLinks(runs) {
  const span = element("span", "limit-runs");
  runs.forEach((run, index) => {
    const link = element("a", "", runs.length === 1 ? "report" : `run ${index + 1}`);
    link.href = run.report_url;
    link.target = "_blank";
    link.rel = "noopener";
    link.title = `The report of run ${run.run_id}`;
    span.append(link);
  });
  return span;
}

function stepVerdict(step) {
  return step.held ? "held" : `failed: ${step.failed_goals.join(", ")}`;
}

/** One row of the step list: factor, rate, verdict, the runs' reports. */
function stepRow(step) {
  const item = element("li", `limit-step ${step.held ? "is-held" : "is-failed"}`);
  item.dataset.factor = String(step.factor);
  item.append(
    element("span", "limit-step-factor", formatFactor(step.factor)),
    element("span", "limit-step-rate", `${formatRate(step.rate)} req/s`),
    element("span", "limit-step-verdict", step.held ? "held" : "failed"),
    runLinks(step.runs),
  );
  if (!step.held) item.append(element("span", "limit-step-missed", step.failed_goals.join(", ")));
  return item;
}

function currentRow(current) {
  const item = element("li", "limit-step is-current");
  const doing = current.waiting
    ? "waiting for room on the workers"
    : `running, seed ${Math.min(current.seeds.done + 1, current.seeds.of)} of ${current.seeds.of}`;
  item.append(
    element("span", "limit-step-factor", formatFactor(current.factor)),
    element("span", "limit-step-rate", `${formatRate(current.rate)} req/s`),
    element("span", "limit-step-verdict", doing),
    runLinks(current.runs),
  );
  return item;
}

/** Bars of the steps' rates in the order judged (the step under way faint), the sustained rate dashed. */
function drawChart(svg, state) {
  svg.replaceChildren();
  const bars = [...state.steps.map((step) => ({ ...step, kind: step.held ? "held" : "failed" }))];
  if (state.current) bars.push({ ...state.current, kind: "current" });
  if (!bars.length) return;
  const width = 280;
  const height = 96;
  const top = 8;
  const bottom = 18;
  const slots = Math.max(bars.length, 6);
  const slot = width / slots;
  const most = Math.max(...bars.map((bar) => bar.rate), 1);
  const y = (rate) => top + (height - top - bottom) * (1 - rate / most);
  svgElement("line", { x1: 0, x2: width, y1: height - bottom, y2: height - bottom, class: "limit-axis" }, svg);
  bars.forEach((bar, index) => {
    const x = index * slot + slot * 0.18;
    const group = svgElement("g", { class: `limit-bar limit-bar-${bar.kind}` }, svg);
    const title = bar.kind === "current" ? "under way" : stepVerdict(bar);
    svgElement("title", {}, group).textContent = `${formatFactor(bar.factor)} · ${formatRate(bar.rate)} req/s · ${title}`;
    svgElement("rect", { x, y: y(bar.rate), width: slot * 0.64, height: Math.max(height - bottom - y(bar.rate), 1), rx: 2 }, group);
    const label = svgElement("text", { x: x + slot * 0.32, y: height - 5, "text-anchor": "middle" }, group);
    label.textContent = formatFactor(bar.factor);
  });
  const sustained = state.result?.sustained_rate;
  if (typeof sustained === "number") {
    svgElement("line", { x1: 0, x2: width, y1: y(sustained), y2: y(sustained), class: "limit-sustained" }, svg);
  }
}

/** The bottleneck in words, its name a button that selects it on the canvas. */
function bottleneckLine(bottleneck, onPick) {
  const line = element("p", "limit-bottleneck");
  line.append("Bottleneck: ");
  const name = element("button", "limit-node", bottleneck.label || bottleneck.node);
  name.type = "button";
  name.dataset.node = bottleneck.node;
  name.title = "Select it on the canvas";
  name.addEventListener("click", () => onPick?.(bottleneck.node));
  line.append(name);
  const parts = [`its p95 ${formatRate(bottleneck.p95_ms.held)} → ${formatRate(bottleneck.p95_ms.failed)} ms`];
  if (typeof bottleneck.predicted_utilisation === "number") {
    parts.push(`predicted utilisation ${Math.round(bottleneck.predicted_utilisation * 100)}%`);
  }
  const waiting = bottleneck.longest_line;
  const more = waiting ? `; longest waiting line: ${waiting.label || waiting.node}, ${waiting.depth.toLocaleString("en")}` : "";
  line.append(` — ${parts.join(", ")}${more}.`);
  return line;
}

function badgeText(state) {
  if (state.status === "running") return state.current ? `${formatFactor(state.current.factor)}…` : "running";
  if (state.status === "done") return state.result?.sustained_rate === null ? "fails at ×1" : `${formatRate(state.result?.sustained_rate)} req/s`;
  return state.status;
}

function labelled(text, control, suffix) {
  const label = element("label", "limit-field");
  label.append(element("span", "limit-field-name", text), control);
  if (suffix) label.append(element("span", "limit-field-unit", suffix));
  return label;
}

function input(name, attrs) {
  const field = document.createElement("input");
  field.name = name;
  for (const [key, value] of Object.entries(attrs)) field.setAttribute(key, String(value));
  return field;
}

function select(name, values, chosen, format) {
  const field = document.createElement("select");
  field.name = name;
  for (const value of values) {
    const option = element("option", "", format(value));
    option.value = String(value);
    option.selected = value === chosen;
    field.append(option);
  }
  return field;
}

/**
 * @param {object} args
 * @param {HTMLElement} args.element the section
 * @param {object} args.options {url (the scenario's limit endpoint), owner, editor}
 * @param {object} [args.callbacks] {onPick(nodeId)}
 * @returns {{update(state): void, refresh(): Promise<void>, destroy(): void}}
 */
export function createLimitPanel({ element: root, options, callbacks = {} }) {
  const { url, owner, editor } = options;
  let state = null;
  let timer = null;
  let destroyed = false;

  const details = element("details", "limit");
  details.open = false; // opened by a search under way: the side column is shared
  const summary = element("summary", "limit-header");
  const title = element("h2", "", "Find the limit");
  title.id = "limit-title";
  const badge = element("span", "limit-badge");
  badge.hidden = true;
  summary.append(title, badge);
  const intro = element(
    "p",
    "limit-intro",
    "Ramps every client's rate on the engine (×1, ×2, ×4 … until a goal fails, then halves the gap) and names the bottleneck. The saved design runs at max speed.",
  );
  details.append(summary, intro);

  const form = element("form", "limit-form");
  const message = element("p", "limit-message");
  message.setAttribute("role", "status");
  const startButton = element("button", "button small primary limit-start", "Find the limit");
  startButton.type = "submit";
  const stopButton = element("button", "button small limit-stop", "Stop");
  stopButton.type = "button";
  stopButton.hidden = true;
  if (owner) {
    const fields = element("div", "limit-fields");
    fields.append(
      labelled("p95 ≤", input("p95", { type: "number", min: 1, step: 1, value: 1000, "aria-label": "p95 at most, ms" }), "ms"),
      labelled("Unsuccessful ≤", input("failures", { type: "number", min: 0, max: 100, step: 0.1, value: 1, "aria-label": "Unsuccessful at most, %" }), "%"),
      labelled("Another goal", input("extra", { type: "text", placeholder: "max_queue_depth:queue<=100", spellcheck: "false", "aria-label": "Another goal" })),
      labelled("Each step", select("seconds", SECONDS, 10, (s) => `${s} s`)),
      labelled("Seeds", select("seeds", SEEDS, 2, String)),
    );
    const actions = element("div", "limit-actions");
    actions.append(startButton, stopButton);
    form.append(fields, actions, message);
    details.append(form);
  }
  const chart = element("div", "limit-chart");
  const svg = svgElement("svg", { viewBox: "0 0 280 96", role: "img", "aria-label": "Each step's rate: green held, red failed" });
  chart.append(svg);
  chart.hidden = true;
  const steps = element("ol", "limit-steps");
  const result = element("div", "limit-result");
  result.setAttribute("aria-live", "polite");
  details.append(chart, steps, result);
  root.replaceChildren(details);
  root.setAttribute("aria-labelledby", title.id);
  root.hidden = !owner;

  function say(text, { error = false } = {}) {
    message.textContent = text;
    message.classList.toggle("is-error", error);
  }

  function render(next) {
    state = next;
    root.hidden = !owner && !state;
    if (!state) return;
    const running = state.status === "running";
    root.dataset.status = state.status;
    badge.hidden = false;
    badge.textContent = badgeText(state);
    badge.className = `limit-badge limit-badge-${state.status}`;
    startButton.disabled = running;
    stopButton.hidden = !running;
    chart.hidden = state.steps.length === 0 && !state.current;
    drawChart(svg, state);
    const rows = state.steps.map(stepRow);
    if (state.current) rows.push(currentRow(state.current));
    steps.replaceChildren(...rows);
    result.replaceChildren();
    if (state.status === "done") {
      result.append(element("p", "limit-sustains", resultText(state)));
      if (state.result?.bottleneck) result.append(bottleneckLine(state.result.bottleneck, callbacks.onPick));
    } else if (state.status === "error") {
      result.append(element("p", "limit-error", `The search could not go on: ${state.error}`));
    } else if (state.status === "stopped") {
      result.append(element("p", "limit-stopped", "Stopped before the limit was found."));
    }
    if (owner && !running && message.textContent.startsWith("Searching")) say("");
    if (running) {
      const done = state.steps.length;
      say(`Searching: ${done} step${done === 1 ? "" : "s"} judged, at most ${state.max_steps}.`);
      poll();
    }
  }

  function poll() {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      if (destroyed || !state || state.status !== "running") return;
      try {
        const response = await fetch(state.url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
        if (response.ok) render(await response.json());
        else poll();
      } catch {
        poll(); // the server is out of reach for a moment: ask again
      }
    }, POLL_MS);
  }

  function firstError(data, fallback) {
    const error = data?.errors?.[0];
    if (!error) return fallback;
    return error.path && error.path !== "$" ? `${error.path}: ${error.message}` : error.message;
  }

  async function start(event) {
    event.preventDefault();
    const values = Object.fromEntries(new FormData(form));
    const goals = goalsFromForm({ p95: values.p95 ?? "", failures: values.failures ?? "", extra: values.extra ?? "" });
    if (!goals.length) {
      say("Give at least one goal.", { error: true });
      return;
    }
    startButton.disabled = true;
    if (editor?.isDirty()) {
      say("Saving…");
      if (!(await editor.save())) {
        say("Not started: the scenario could not be saved.", { error: true });
        startButton.disabled = false;
        return;
      }
    }
    details.open = true;
    say("Starting…");
    const body = { goals, seconds: Number(values.seconds), seeds: Number(values.seeds) };
    const { status, data } = await sendJSON(url, body);
    if (status === 201 && data?.url) {
      state = { url: data.url, status: "running", steps: [], current: null, max_steps: 0 };
      const response = await fetch(data.url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      render(response.ok ? await response.json() : state);
      return;
    }
    startButton.disabled = false;
    const why = status === 0 ? "the server could not be reached" : firstError(data, `the server answered ${status}`);
    say(`Not started: ${why}`, { error: true });
  }

  async function stop() {
    if (!state?.url) return;
    stopButton.disabled = true;
    const { status, data } = await sendJSON(`${state.url}stop/`, {});
    stopButton.disabled = false;
    if (status !== 202) say(`Not stopped: ${firstError(data, `the server answered ${status}`)}`, { error: true });
    else say("");
    await refresh();
  }

  /** Show the scenario's latest search (on load), if there is one. */
  async function refresh() {
    try {
      const target = state?.url || url;
      const response = await fetch(target, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (!response.ok) return;
      const data = await response.json();
      const next = target === url ? data.latest : data;
      if (next?.status === "running") details.open = true;
      render(next);
    } catch {
      // Nothing shown yet; the form still works.
    }
  }

  form.addEventListener("submit", start);
  stopButton.addEventListener("click", stop);

  return {
    update: render,
    refresh,
    destroy() {
      destroyed = true;
      clearTimeout(timer);
      form.removeEventListener("submit", start);
      stopButton.removeEventListener("click", stop);
    },
  };
}

/** Mount on the editor page: the section carries the scenario's limit URL in `data-url`. */
function mount() {
  const root = document.getElementById("limit-panel");
  if (!root || !root.dataset.url) return null;
  const editor = window.playgroundEditor;
  const panel = createLimitPanel({
    element: root,
    options: { url: root.dataset.url, owner: root.dataset.owner === "true", editor },
    callbacks: { onPick: (id) => editor?.select([id]) },
  });
  panel.refresh();
  return panel;
}

mount();

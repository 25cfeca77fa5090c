/**
 * One order across services (GET /api/runs/<id>/trace/<corr>/) as a timeline: a row per step
 * (time since the order was created, node, what happened, a short detail) and, on a shared
 * time axis, a bar per call served or event handled — its waiting part lighter than its
 * service part — or a dot for an instant step. Used by the live view's event log (in a
 * dialog, createTraceDialog) and by the run report (inline, renderTrace).
 */

import { describeEntry } from "./audit-detail.js";

const OUTCOME_TEXT = { completed: "completed", failed: "failed", rejected: "rejected", timed_out: "timed out" };

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

const msText = (value) => `${value >= 100 ? Math.round(value).toLocaleString("en") : value.toFixed(1)} ms`;

/** Fetch an order's trace: {ok, data} or {ok: false, message}. */
export async function fetchTrace(url) {
  try {
    const response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
    const data = await response.json().catch(() => null);
    if (response.ok && data) return { ok: true, data };
    return { ok: false, message: data?.errors?.[0]?.message || `the server answered ${response.status}` };
  } catch {
    return { ok: false, message: "the server could not be reached" };
  }
}

function bar(step, span) {
  const track = el("span", "trace-track");
  const lane = el("span", "trace-lane");
  track.append(lane);
  const end = step.at_ms;
  if (typeof step.total_ms === "number" && step.total_ms > 0) {
    const start = Math.max(0, end - step.total_ms);
    const box = el("span", `trace-bar${step.ok === false ? " is-failed" : ""}`);
    box.style.left = `${(100 * start) / span}%`;
    box.style.width = `${Math.max(0.4, (100 * (end - start)) / span)}%`;
    const wait = Math.min(step.wait_ms || 0, step.total_ms);
    if (wait > 0) {
      const waiting = el("span", "trace-bar-wait");
      waiting.style.width = `${(100 * wait) / step.total_ms}%`;
      box.append(waiting);
    }
    box.title = `${msText(step.total_ms)} in all, ${msText(wait)} waiting`;
    lane.append(box);
  } else {
    const dot = el("span", "trace-dot");
    dot.style.left = `${(100 * end) / span}%`;
    lane.append(dot);
  }
  return track;
}

/**
 * Draw a trace into an element (its content is replaced).
 * @param {HTMLElement} element
 * @param {object} trace {corr, outcome, nodes, steps}
 * @param {function} labelOf node id → label
 */
export function renderTrace(element, trace, labelOf = (id) => id) {
  const steps = trace.steps || [];
  const span = Math.max(1, ...steps.map((s) => s.at_ms || 0));
  const head = el("div", "trace-head");
  const outcome = trace.outcome || "no outcome yet";
  head.append(
    el("span", "trace-order", `Order ${trace.corr}`),
    el("span", `trace-outcome trace-outcome-${trace.outcome || "none"}`, OUTCOME_TEXT[outcome] || outcome),
    el("span", "trace-summary", `${steps.length} step${steps.length === 1 ? "" : "s"} across ${trace.nodes.length} node${trace.nodes.length === 1 ? "" : "s"} in ${msText(span)}`),
  );
  const route = el("p", "trace-route", trace.nodes.map(labelOf).join(" → "));
  const table = el("div", "trace-steps");
  table.setAttribute("role", "table");
  table.setAttribute("aria-label", `Steps of order ${trace.corr}`);
  const header = el("div", "trace-row trace-row-head");
  header.setAttribute("role", "row");
  for (const text of ["at", "node", "step", "detail", "time line"]) {
    const th = el("span", "", text);
    th.setAttribute("role", "columnheader");
    header.append(th);
  }
  table.append(header);
  for (const step of steps) {
    const row = el("div", "trace-row");
    row.setAttribute("role", "row");
    row.dataset.kind = step.kind;
    row.append(
      el("span", "trace-at", msText(step.at_ms || 0)),
      el("span", "trace-node", labelOf(step.node)),
      el("span", "trace-kind", step.kind.replaceAll("_", " ")),
      el("span", "trace-detail", describeEntry(step)),
      bar(step, span),
    );
    for (const child of row.children) child.setAttribute("role", "cell");
    table.append(row);
  }
  const legend = el("p", "trace-legend");
  legend.append(
    el("span", "trace-key trace-key-wait", "waiting for a slot"),
    el("span", "trace-key trace-key-work", "in service (and its calls)"),
    el("span", "trace-key trace-key-dot", "instant step"),
  );
  element.replaceChildren(head, route, table, legend);
}

/**
 * The trace in a dialog over the page.
 * @param {object} args
 * @param {object} args.options {urlFor(corr): string, labelOf(nodeId): string}
 * @returns {{open(corr): Promise<void>, close(): void, destroy(): void}}
 */
export function createTraceDialog({ options }) {
  const { urlFor, labelOf } = options;
  const dialog = el("dialog", "trace-dialog");
  dialog.setAttribute("aria-labelledby", "trace-dialog-title");
  const bar = el("div", "trace-dialog-bar");
  const title = el("h2", "trace-dialog-title", "Order trace");
  title.id = "trace-dialog-title";
  const close = el("button", "button small", "Close");
  close.type = "button";
  bar.append(title, close);
  const body = el("div", "trace-body");
  dialog.append(bar, body);
  document.body.append(dialog);
  let asked = 0;

  close.addEventListener("click", () => dialog.close());
  dialog.addEventListener("click", (event) => {
    if (event.target === dialog) dialog.close(); // a click on the backdrop
  });

  async function open(corr) {
    const ticket = ++asked;
    title.textContent = `Order trace · ${corr}`;
    body.replaceChildren(el("p", "trace-loading", "Loading the order's steps…"));
    if (!dialog.open) dialog.showModal();
    const answer = await fetchTrace(urlFor(corr));
    if (ticket !== asked) return;
    if (answer.ok) renderTrace(body, answer.data, labelOf);
    else body.replaceChildren(el("p", "trace-error", `No trace: ${answer.message}.`));
  }

  return {
    open,
    close: () => dialog.close(),
    destroy: () => dialog.remove(),
  };
}

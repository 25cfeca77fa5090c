/**
 * The "Theory" section of the editor's side area (#theory-panel, docs/theory.md): before a run,
 * what queueing theory predicts each node will do with the traffic the drawing sends it.
 *
 * Each document the live validation finds valid is posted to the theory API (debounced), and
 * the section lists every node with a prediction (pass-through nodes such as clients and
 * queues are skipped): its utilisation as a bar (green below 70%, amber below 90%, red from
 * 90% or when unstable), the predicted mean wait and p95 response time, and, in words, why a
 * node is unstable or not predicted. Clicking a row selects the node on the canvas.
 *
 * At most one request is in flight; a document checked meanwhile is sent when it returns, and
 * an answer for an older document is dropped. The section hides while the document has errors
 * (the Problems panel says why, and nothing is posted) or the server cannot be reached.
 *
 * Loaded as its own module after editor.js; it only listens to the editor's public events
 * (static/editor/events.js) and calls `window.playgroundEditor.select`.
 */

import { createDocumentRequest } from "./document-request.js";

export const UNSTABLE_TEXT = "the waiting line grows without bound at this traffic.";

/** "green" below 0.7, "amber" below 0.9, "red" from 0.9 (and for an unstable node). */
export function utilisationLevel(prediction) {
  const utilisation = prediction.utilisation;
  if (prediction.status === "unstable") return "red";
  if (typeof utilisation !== "number") return "none";
  if (utilisation < 0.7) return "green";
  if (utilisation < 0.9) return "amber";
  return "red";
}

/** "0%", "<1%", "50%", "150%" */
export function formatUtilisation(utilisation) {
  if (typeof utilisation !== "number") return "—";
  if (utilisation > 0 && utilisation < 0.005) return "<1%";
  return `${Math.round(utilisation * 100)}%`;
}

/** "0 ms", "8.7 ms", "315 ms", "12.4 s" */
export function formatMs(ms) {
  if (typeof ms !== "number" || !Number.isFinite(ms)) return "—";
  if (ms < 0.05) return "0 ms";
  if (ms < 10) return `${ms.toFixed(1)} ms`;
  if (ms < 10000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(1)} s`;
}

/** The rows to show, in the document's order: every node with a prediction but pass-through. */
export function predictedRows(doc, answer) {
  const nodes = answer?.nodes || {};
  return (doc?.nodes || [])
    .map((node) => nodes[node.id] && { id: node.id, ...nodes[node.id], label: nodes[node.id].label || node.label || node.id })
    .filter((row) => row && row.status !== "pass_through");
}

/** The row's tooltip: the model, the arrival rate and theory's notes. */
function rowTitle(row) {
  const lines = [`${row.label} (${row.id})`];
  if (typeof row.arrival_rate === "number") {
    const rate = `${Number(row.arrival_rate.toFixed(2))}/s`;
    lines.push(row.status === "not_predicted" ? `Arrivals: at least ${rate}` : `Arrivals: ${rate} on ${row.servers} slots`);
  }
  if (row.model) lines.push(`Model: ${row.model}${row.approximate ? ", an approximation" : ", exact"}`);
  if (row.status === "stable") {
    lines.push(`Chance of waiting: ${formatUtilisation(row.p_wait)}; mean response ${formatMs(row.response_ms)}`);
  }
  for (const note of row.notes || []) lines.push(note);
  return lines.join("\n");
}

function span(className, text) {
  const element = document.createElement("span");
  element.className = className;
  if (text !== undefined) element.textContent = text;
  return element;
}

/** One row: name and utilisation, the bar, then the figures or the words. */
function rowElement(row) {
  const level = utilisationLevel(row);
  const button = document.createElement("button");
  button.type = "button";
  button.className = `theory-row theory-${level}`;
  button.dataset.node = row.id;
  button.dataset.status = row.status;
  button.title = rowTitle(row);

  const head = span("theory-row-head");
  head.append(span("theory-name", row.label), span("theory-util", formatUtilisation(row.utilisation)));

  const bar = span("theory-bar");
  bar.setAttribute("aria-hidden", "true");
  const fill = span("theory-bar-fill");
  const width = row.status === "unstable" ? 1 : Math.min(Math.max(row.utilisation || 0, 0), 1);
  fill.style.width = `${(width * 100).toFixed(1)}%`;
  bar.append(fill);

  let detail;
  if (row.status === "unstable") {
    detail = span("theory-words theory-words-unstable", `Unstable: ${UNSTABLE_TEXT}`);
  } else if (row.status === "not_predicted") {
    detail = span("theory-words", `Not predicted: ${row.reason || "theory cannot follow this node's load."}`);
  } else {
    detail = span("theory-figures");
    const wait = span("theory-figure");
    wait.append("wait ", span("theory-value", formatMs(row.wait_ms)));
    const p95 = span("theory-figure");
    p95.append("p95 ", span("theory-value", formatMs(row.p95_ms)));
    detail.append(wait, p95);
    if (typeof row.peak_utilisation === "number" && row.peak_utilisation - (row.utilisation || 0) >= 0.005) {
      detail.append(span("theory-figure theory-peak", `peak ${formatUtilisation(row.peak_utilisation)}`));
    }
  }

  button.append(head, bar, detail);
  const item = document.createElement("li");
  item.append(button);
  return item;
}

/**
 * @param {object} args
 * @param {HTMLElement} args.element the section (hidden until predictions are known)
 * @param {object} args.options {url, delay (ms, default 300)}
 * @param {object} [args.callbacks] {onPick(nodeId), onPredicted(answer | null)}
 * @returns {{update: Function, invalidate: Function, markSelected: Function, destroy: Function}}
 */
export function createTheoryPanel({ element, options, callbacks = {} }) {
  let selected = new Set();

  const details = document.createElement("details");
  details.className = "theory";
  details.open = true;
  const summary = document.createElement("summary");
  summary.className = "theory-header";
  const title = document.createElement("h2");
  title.id = "theory-title";
  title.textContent = "Theory";
  const count = span("theory-count");
  summary.append(title, count);
  const intro = document.createElement("p");
  intro.className = "theory-intro";
  intro.textContent = "Predicted before running: utilisation, mean wait and p95 at the mean rate, without faults.";
  const list = document.createElement("ul");
  list.className = "theory-list";
  details.append(summary, intro, list);
  element.replaceChildren(details);
  element.setAttribute("aria-labelledby", title.id);

  function onClick(event) {
    const button = event.target.closest("button[data-node]");
    if (button) callbacks.onPick?.(button.dataset.node);
  }
  list.addEventListener("click", onClick);

  function paintSelection() {
    for (const button of list.querySelectorAll("button[data-node]")) {
      button.classList.toggle("is-selected", selected.has(button.dataset.node));
    }
  }

  function show(doc, answer) {
    const rows = answer ? predictedRows(doc, answer) : [];
    element.hidden = rows.length === 0;
    list.replaceChildren(...rows.map(rowElement));
    const unstable = rows.filter((row) => row.status === "unstable").length;
    count.textContent = unstable ? `${unstable} unstable` : `${rows.length} predicted`;
    count.classList.toggle("is-unstable", unstable > 0);
    paintSelection();
    callbacks.onPredicted?.(answer);
  }

  const requests = createDocumentRequest({
    url: options.url,
    delay: options.delay,
    accept: (data) => typeof data.nodes === "object",
    onAnswer: show,
  });

  return {
    /** Predict for this document after a pause, unless it is the one predicted last. */
    update: requests.update,
    /** The document has errors: hide, and drop what is waiting or on its way. */
    invalidate: requests.invalidate,
    /** Highlight the rows of the nodes selected on the canvas. */
    markSelected(ids) {
      selected = new Set(ids);
      paintSelection();
    },
    destroy() {
      requests.destroy();
      list.removeEventListener("click", onClick);
    },
  };
}

/** Mount on the editor page: the section carries the API's URL in `data-url`. */
function mount() {
  const element = document.getElementById("theory-panel");
  if (!element || !element.dataset.url) return null;
  // The live validation already waits 400 ms after the last change: a short pause is enough.
  const panel = createTheoryPanel({
    element,
    options: { url: element.dataset.url, delay: 100 },
    callbacks: { onPick: (id) => window.playgroundEditor?.select([id]) },
  });
  document.addEventListener("editor:validated", (event) => {
    const { problems = [], document: checked } = event.detail;
    if (problems.some((problem) => problem.severity === "error")) panel.invalidate();
    else if (checked) panel.update(checked);
  });
  document.addEventListener("editor:selection", (event) => {
    panel.markSelected((event.detail.cells || []).map((cell) => cell.id));
  });
  // editor.js ran first; the document a page opens with was validated when it was stored.
  if (window.playgroundEditor) panel.update(window.playgroundEditor.getDocument());
  return panel;
}

mount();

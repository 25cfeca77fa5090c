/**
 * The design's hourly cost in the toolbar (#cost-badge, docs/cost-model.md): each document
 * the live validation finds valid is posted to the cost API (debounced), and the badge shows
 * "≈ $X.XX/h" with the priced lines in its tooltip. At most one request is in flight; a
 * document checked meanwhile is priced when it returns, and an answer for an older document
 * is dropped. The badge hides while the document has errors (the Problems panel says why,
 * and nothing is posted, so the API never answers 400 here) or the server cannot be reached.
 *
 * Loaded as its own module after editor.js; it only listens to the editor's public events
 * (static/editor/events.js), so the editor knows nothing of it.
 */

import { createDocumentRequest } from "./document-request.js";

/** "≈ $2.13/h", or "≈ $0.40–0.90/h" for a design that auto-scales between the two. */
export function formatCost(perHour, floorPerHour = perHour) {
  const peak = Number(perHour).toFixed(2);
  const floor = Number(floorPerHour).toFixed(2);
  return floor === peak ? `≈ $${peak}/h` : `≈ $${floor}–${peak}/h`;
}

/** The tooltip: one line per priced node, then the assumption behind the total. */
export function costTitle(answer) {
  const lines = (answer.lines || []).map(
    (line) => `${line.label}: ${line.quantity}, $${Number(line.per_hour).toFixed(3).replace(/0$/, "")}/h`,
  );
  const currency = answer.currency || "USD";
  const peak = Number(answer.per_hour).toFixed(2);
  const floor = Number(answer.floor_per_hour ?? answer.per_hour).toFixed(2);
  const head =
    floor === peak
      ? `Estimated cost: $${peak} ${currency} an hour`
      : `Estimated cost: $${floor}–${peak} ${currency} an hour, as auto-scaling runs fewer or more instances ` +
        "(a challenge bills what its runs used)";
  return [head, ...lines, "Default prices are assumptions; a challenge may set its own."].join("\n");
}

/**
 * @param {object} args
 * @param {HTMLElement} args.element the badge (hidden until a price is known)
 * @param {object} args.options {url, delay (ms, default 300)}
 * @param {object} [args.callbacks] {onPriced(answer | null)}
 * @returns {{update: Function, invalidate: Function, destroy: Function}}
 */
export function createCostBadge({ element, options, callbacks = {} }) {
  function show(answer) {
    if (answer) {
      element.textContent = formatCost(answer.per_hour, answer.floor_per_hour);
      element.title = costTitle(answer);
    }
    element.hidden = !answer;
    callbacks.onPriced?.(answer);
  }

  return createDocumentRequest({
    url: options.url,
    delay: options.delay,
    accept: (data) => typeof data.per_hour === "number",
    onAnswer: (_doc, answer) => show(answer),
  });
}

/** Mount on the editor page: the badge element carries the API's URL in `data-url`. */
function mount() {
  const element = document.getElementById("cost-badge");
  if (!element || !element.dataset.url) return null;
  // The live validation already waits 400 ms after the last change: a short pause is enough.
  const badge = createCostBadge({ element, options: { url: element.dataset.url, delay: 100 } });
  document.addEventListener("editor:validated", (event) => {
    const { problems = [], document: checked } = event.detail;
    if (problems.some((problem) => problem.severity === "error")) badge.invalidate();
    else if (checked) badge.update(checked);
  });
  // editor.js ran first; the document a page opens with was validated when it was stored.
  if (window.playgroundEditor) badge.update(window.playgroundEditor.getDocument());
  return badge;
}

mount();

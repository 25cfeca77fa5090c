/**
 * The dock's headline strip, shown in presentation mode instead of the tabs: the whole run's
 * requests per second, end-to-end p95, availability (completed ÷ finished requests, as the
 * Uptime tab's "End to end") and errors / timeouts, large enough to read across a room, and a
 * key to the compact badges on the canvas. It follows the frames the live canvas draws
 * (`live:drawn`, see static/live/live-canvas.js), replays included.
 */

import { formatCount, formatMs, formatPercent } from "../live/format.js";

const FIGURES = [
  { id: "rps", label: "requests/s" },
  { id: "p95", label: "p95 end to end" },
  { id: "availability", label: "availability" },
  { id: "errors", label: "errors / timeouts" },
];

/** The strip's figures from a frame (dashes before the first frame). */
export function headlineFigures(frame) {
  if (!frame) return { rps: "–", p95: "–", availability: "–", errors: "–", level: "none" };
  const requests = frame.requests || {};
  const errors = (requests.failed || 0) + (requests.rejected || 0);
  const timeouts = requests.timed_out || 0;
  const finished = (requests.completed || 0) + errors + timeouts;
  const availability = finished ? (requests.completed || 0) / finished : null;
  let level = "none";
  if (availability !== null) level = availability >= 0.999 ? "good" : availability >= 0.99 ? "fair" : "poor";
  return {
    rps: formatCount(requests.rps ?? 0),
    p95: formatMs(frame.latency_ms?.p95),
    availability: formatPercent(availability),
    errors: `${formatCount(errors)} / ${formatCount(timeouts)}`,
    level,
  };
}

/**
 * @param {object} args
 * @param {HTMLElement} args.element the dock (#live-dock): the strip is added to it
 * @returns {{update(frame): void, destroy(): void}}
 */
export function createHeadlineStrip({ element }) {
  const strip = document.createElement("div");
  strip.className = "dock-headline";
  strip.dataset.testid = "dock-headline";
  strip.setAttribute("role", "group");
  strip.setAttribute("aria-label", "The run at a glance");
  const values = {};
  for (const figure of FIGURES) {
    const box = document.createElement("div");
    box.className = "headline-figure";
    box.dataset.figure = figure.id;
    const value = document.createElement("span");
    value.className = "headline-value";
    const label = document.createElement("span");
    label.className = "headline-label";
    label.textContent = figure.label;
    box.append(value, label);
    strip.append(box);
    values[figure.id] = value;
  }
  const key = document.createElement("p");
  key.className = "headline-key";
  key.textContent = "On the diagram: requests/s · p95";
  strip.append(key);
  element.append(strip);

  function update(frame) {
    const figures = headlineFigures(frame);
    for (const figure of FIGURES) {
      if (values[figure.id].textContent !== figures[figure.id]) values[figure.id].textContent = figures[figure.id];
    }
    strip.dataset.level = figures.level;
    strip.dataset.errors = String(Boolean(frame) && figures.errors !== "0 / 0");
  }

  function onDrawn(event) {
    update(event.detail?.frame || null);
  }

  document.addEventListener("live:drawn", onDrawn);
  update(null);

  return {
    update,
    destroy() {
      document.removeEventListener("live:drawn", onDrawn);
      strip.remove();
    },
  };
}

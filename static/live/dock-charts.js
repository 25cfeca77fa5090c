/**
 * The dock's Charts tab: throughput, latency (p50/p95/p99), errors, queue depths, replicas
 * and the run's effective speed over the last minute of run time (rolling-chart.js, uPlot).
 */

import { createRollingChart } from "./rolling-chart.js";
import { isTrafficSource, showsWaiting } from "./kind-traits.js";

const WINDOW_POINTS = 300; // ~60 s at 5 frames a second
const MAX_NODE_SERIES = 6;

const CHARTS = [
  { id: "throughput", title: "Throughput (per second)" },
  { id: "latency", title: "End-to-end latency (ms)", unit: " ms" },
  { id: "errors", title: "Errors (per second)" },
  { id: "depths", title: "Waiting (queue depth)" },
  { id: "replicas", title: "Live replicas" },
  { id: "speed", title: "Speed (run seconds per wall second)", unit: "×" },
];

/**
 * @param {object} args
 * @param {HTMLElement} args.element the tab panel
 * @param {object} args.options {uPlot, labelOf(nodeId)}
 * @returns {{update(frame, {draw}?): void, draw(): void, reset(): void, show(): void, destroy(): void}}
 */
export function createChartsTab({ element, options }) {
  const { uPlot, labelOf } = options;
  element.classList.add("dock-charts");
  const charts = {};
  for (const spec of CHARTS) {
    const figure = document.createElement("figure");
    figure.className = "dock-chart";
    figure.dataset.chart = spec.id;
    const caption = document.createElement("figcaption");
    const title = document.createElement("span");
    title.className = "chart-title";
    title.textContent = spec.title;
    const legend = document.createElement("span");
    legend.className = "chart-legend";
    caption.append(title, legend);
    const body = document.createElement("div");
    body.className = "dock-chart-body";
    figure.append(caption, body);
    element.append(figure);
    charts[spec.id] = createRollingChart({
      element: body,
      options: { uPlot, maxPoints: WINDOW_POINTS, unit: spec.unit || "", legend },
    });
  }
  let previous = null;

  /** Per-second rate of a cumulative counter between two frames. */
  function rate(frame, group, name) {
    if (!previous) return null;
    const dt = frame.t - previous.t;
    if (!(dt > 0)) return null;
    return Math.max(0, ((frame[group]?.[name] ?? 0) - (previous[group]?.[name] ?? 0)) / dt);
  }

  function nodeValues(frame, field, pick) {
    const values = {};
    const names = {};
    const known = new Set(charts[field].seriesNames());
    for (const [id, node] of Object.entries(frame.nodes || {})) {
      if (!known.has(id) && (!pick(node) || known.size >= MAX_NODE_SERIES)) continue;
      known.add(id);
      values[id] = node[field === "depths" ? "depth" : "replicas"] ?? 0;
      names[id] = labelOf(id);
    }
    return [values, names];
  }

  /** Add a frame's point to every chart and draw them (or leave drawing to `draw()`, to push
   * many frames at once, as a replay does). */
  function update(frame, { draw = true } = {}) {
    const t = frame.t ?? 0;
    charts.throughput.push(
      t,
      { requests: frame.requests?.rps ?? 0, completed: rate(frame, "requests", "completed"), messages: frame.messages?.rps ?? 0 },
      { requests: "requests", completed: "completed", messages: "messages" },
    );
    const latency = frame.latency_ms || {};
    charts.latency.push(t, { p50: latency.p50 ?? null, p95: latency.p95 ?? null, p99: latency.p99 ?? null });
    charts.errors.push(
      t,
      {
        failed: rate(frame, "requests", "failed"),
        rejected: rate(frame, "requests", "rejected"),
        timed_out: rate(frame, "requests", "timed_out"),
      },
      { failed: "failed", rejected: "rejected", timed_out: "timed out" },
    );
    const [depths, depthNames] = nodeValues(frame, "depths", (node) => showsWaiting(node.kind) || (node.depth ?? 0) > 0);
    charts.depths.push(t, depths, depthNames);
    const [replicas, replicaNames] = nodeValues(frame, "replicas", (node) => typeof node.replicas === "number" && !isTrafficSource(node.kind));
    charts.replicas.push(t, replicas, replicaNames);
    const clock = frame.clock || {};
    const ceiling = typeof clock.speed === "string" && clock.speed !== "max" ? parseFloat(clock.speed) : null;
    charts.speed.push(t, { effective: clock.effective ?? null, ceiling }, { effective: "effective", ceiling: "ceiling" });
    previous = frame;
    if (draw) drawAll();
  }

  function drawAll() {
    for (const chart of Object.values(charts)) chart.draw();
  }

  const observer = new ResizeObserver(() => {
    for (const chart of Object.values(charts)) chart.resize();
  });
  observer.observe(element);

  return {
    update,
    draw: drawAll,
    reset() {
      previous = null;
      for (const chart of Object.values(charts)) chart.reset();
    },
    show() {
      for (const chart of Object.values(charts)) chart.resize();
    },
    pointCount: () => charts.throughput.pointCount(),
    destroy() {
      observer.disconnect();
      for (const chart of Object.values(charts)) chart.destroy();
    },
  };
}

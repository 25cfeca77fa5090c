/**
 * One uPlot time-series chart over a rolling window of run time. Series are named and added
 * the first time a value for them arrives (earlier points are gaps); every array holds at most
 * `maxPoints` points, the oldest dropped first. Drawing is left to the caller (`draw()`), so
 * several frames can be pushed and drawn once.
 */

/** Axis numbers: 950, 1.2k, 12k. */
function compact(value) {
  const abs = Math.abs(value);
  if (abs >= 1000) return `${Number((value / 1000).toFixed(abs >= 10000 ? 0 : 1))}k`;
  return String(Number(value.toFixed(2)));
}

const COLOURS = ["#4f46e5", "#0891b2", "#d97706", "#db2777", "#059669", "#7c3aed", "#64748b", "#dc2626"];

/**
 * @param {object} args
 * @param {HTMLElement} args.element the chart's box (its title is drawn by the caller)
 * @param {object} args.options {uPlot, maxPoints = 300, unit?: string, legend?: HTMLElement (gets one swatch per series)}
 * @returns {{push(t, values): void, draw(): void, reset(): void, resize(): void, destroy(): void, seriesNames(): string[]}}
 */
export function createRollingChart({ element, options }) {
  const { uPlot, maxPoints = 300, unit = "", legend = null } = options;
  const xs = [];
  const columns = new Map(); // series name -> values
  const labels = new Map(); // series name -> label
  let plot = null;
  let dirty = false;

  function size() {
    const box = element.getBoundingClientRect();
    return { width: Math.max(160, Math.floor(box.width)), height: Math.max(60, Math.floor(box.height)) };
  }

  function seriesOptions(name, index) {
    return {
      label: labels.get(name) || name,
      stroke: COLOURS[index % COLOURS.length],
      width: 1.6,
      spanGaps: false,
      points: { show: false },
      value: (u, value) => (value === null || value === undefined ? "–" : `${Number(value.toFixed(1))}${unit}`),
    };
  }

  function build() {
    const names = [...columns.keys()];
    plot = new uPlot(
      {
        ...size(),
        legend: { show: false },
        cursor: { show: false },
        padding: [8, 8, 0, 0],
        scales: { x: { time: false }, y: { range: (u, min, max) => [0, Math.max(1, max * 1.15)] } },
        axes: [
          { size: 22, font: "10px system-ui", stroke: "#64748b", grid: { stroke: "#eef2f7" }, ticks: { size: 3 }, values: (u, ticks) => ticks.map((t) => `${Math.round(t)}s`) },
          { size: 40, font: "10px system-ui", stroke: "#64748b", grid: { stroke: "#eef2f7" }, ticks: { size: 3 }, values: (u, ticks) => ticks.map(compact) },
        ],
        series: [{}, ...names.map((name, index) => seriesOptions(name, index))],
      },
      [xs, ...names.map((name) => columns.get(name))],
      element,
    );
  }

  function drawLegend() {
    if (!legend) return;
    legend.replaceChildren(
      ...[...columns.keys()].map((name, index) => {
        const item = document.createElement("span");
        item.className = "chart-legend-item";
        item.style.setProperty("--swatch", COLOURS[index % COLOURS.length]);
        item.textContent = labels.get(name) || name;
        return item;
      }),
    );
  }

  /** Add a point: t (run seconds) and {series name: value or null}. */
  function push(t, values, seriesLabels = {}) {
    if (xs.length && t <= xs[xs.length - 1]) return;
    for (const [name, label] of Object.entries(seriesLabels)) labels.set(name, label);
    for (const name of Object.keys(values)) {
      if (!columns.has(name) && values[name] !== null && values[name] !== undefined) {
        columns.set(name, new Array(xs.length).fill(null));
        if (plot) plot.addSeries(seriesOptions(name, columns.size - 1), columns.size);
        drawLegend();
      }
    }
    xs.push(t);
    for (const [name, column] of columns) column.push(values[name] ?? null);
    if (xs.length > maxPoints) {
      xs.shift();
      for (const column of columns.values()) column.shift();
    }
    dirty = true;
  }

  function draw() {
    if (!dirty || element.offsetParent === null) return; // hidden tab: drawn when shown
    dirty = false;
    if (!plot) build();
    else plot.setData([xs, ...[...columns.values()]]);
  }

  function reset() {
    xs.length = 0;
    columns.clear();
    plot?.destroy();
    plot = null;
    dirty = true;
    drawLegend();
  }

  function resize() {
    if (plot && element.offsetParent !== null) plot.setSize(size());
    dirty = true;
    draw();
  }

  return {
    push,
    draw,
    reset,
    resize,
    seriesNames: () => [...columns.keys()],
    pointCount: () => xs.length,
    destroy() {
      plot?.destroy();
    },
  };
}

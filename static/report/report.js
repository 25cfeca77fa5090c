// The run report's charts, drawn with uPlot (window.uPlot) from the run's stored series
// (the "run-report-data" JSON: see apps/engine/report.py `report_data` and the frame format
// in apps/engine/stream.py `series_point`). A chart is drawn only when its data exists.
//
// Self-contained on purpose: the offline export inlines this file as it is, so it imports
// nothing and reaches no server (only the page, not the export, polls a run still going).

const PALETTE = ["#4f46e5", "#0ea5e9", "#10b981", "#f59e0b", "#ef4444", "#8b5cf6", "#db2777", "#0d9488", "#64748b", "#84cc16"];
const OUTCOME_COLOURS = { failed: "#ef4444", rejected: "#f59e0b", timed_out: "#8b5cf6" };
const BREAKER_LEVELS = { closed: 0, half_open: 1, open: 2 };
const RATE_WINDOW_S = 1;
const CHART_HEIGHT = 220;
const POLL_MS = 3000;

function readData() {
  const element = document.getElementById("run-report-data");
  return element ? JSON.parse(element.textContent) : null;
}

// --- series helpers ---------------------------------------------------------------------

const get = (object, path) => path.reduce((value, key) => (value == null ? undefined : value[key]), object);

function column(points, path) {
  return points.map((point) => {
    const value = get(point, path);
    return typeof value === "number" ? value : null;
  });
}

/** Per-second rate of a cumulative counter, over the last RATE_WINDOW_S of run time. */
function rate(points, path) {
  const out = [];
  let start = 0;
  for (let i = 0; i < points.length; i += 1) {
    while (start < i - 1 && points[start + 1].t <= points[i].t - RATE_WINDOW_S) start += 1;
    const span = points[i].t - points[start].t;
    const now = get(points[i], path);
    const then = get(points[start], path);
    out.push(span > 0 && typeof now === "number" ? Math.max(0, (now - (then || 0)) / span) : null);
  }
  return out;
}

const hasData = (values) => values.some((value) => value !== null && value !== 0);

function nodeIds(points, field) {
  const ids = [];
  for (const point of points) {
    for (const [id, node] of Object.entries(point.nodes || {})) {
      if (field in node && !ids.includes(id)) ids.push(id);
    }
  }
  return ids;
}

// --- drawing ----------------------------------------------------------------------------

const AXIS = {
  stroke: "#64748b",
  grid: { stroke: "#eef2f7", width: 1 },
  ticks: { stroke: "#e2e8f0", width: 1, size: 4 },
  font: "11px system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif",
};

/** Shaded bands for the faults, behind the lines; a thin line where a fault fired. */
function faultBands(faults) {
  return {
    hooks: {
      drawClear: [
        (u) => {
          const { ctx, bbox } = u;
          const xMax = u.scales.x.max;
          ctx.save();
          ctx.font = `${11 * devicePixelRatio}px system-ui, sans-serif`;
          ctx.textBaseline = "top";
          faults.forEach((fault, index) => {
            if (typeof fault.fired_at_s !== "number") return;
            const end = typeof fault.undone_at_s === "number" ? fault.undone_at_s : xMax;
            const x0 = u.valToPos(fault.fired_at_s, "x", true);
            const x1 = u.valToPos(end, "x", true);
            ctx.fillStyle = "rgba(239, 68, 68, 0.07)";
            ctx.fillRect(x0, bbox.top, Math.max(1, x1 - x0), bbox.height);
            ctx.fillStyle = "rgba(239, 68, 68, 0.55)";
            ctx.fillRect(x0, bbox.top, Math.max(1, devicePixelRatio), bbox.height);
            const room = Math.min(x1, bbox.left + bbox.width) - x0 - 8 * devicePixelRatio;
            const name = fitText(ctx, `${String(fault.action || "").replaceAll("_", " ")} ${fault.target || ""}`.trim(), room);
            if (name) {
              ctx.fillStyle = "rgba(185, 28, 28, 0.85)";
              ctx.fillText(name, x0 + 4 * devicePixelRatio, bbox.top + (4 + 14 * index) * devicePixelRatio);
            }
          });
          ctx.restore();
        },
      ],
    },
  };
}

/** The text, shortened with an ellipsis to fit `width` canvas pixels ("" when nothing fits). */
function fitText(ctx, text, width) {
  if (ctx.measureText(text).width <= width) return text;
  let end = text.length;
  while (end > 1 && ctx.measureText(`${text.slice(0, end)}…`).width > width) end -= 1;
  return end > 3 ? `${text.slice(0, end)}…` : "";
}

function formatValue(unit, digits = 1) {
  return (u, value) => (value == null ? "" : `${value.toFixed(digits)}${unit}`);
}

function chartBox(container, title, note) {
  const box = document.createElement("figure");
  box.className = "chart";
  box.style.margin = "0";
  const heading = document.createElement("h3");
  heading.textContent = title;
  box.append(heading);
  if (note) {
    const text = document.createElement("p");
    text.className = "chart-note";
    text.textContent = note;
    box.append(text);
  }
  const plot = document.createElement("div");
  plot.className = "chart-plot";
  box.append(plot);
  container.append(box);
  return plot;
}

/**
 * One chart: lines [{label, values, colour?, dash?, stepped?}] over xs.
 * options: {unit, digits, yValues, yRange, faults}
 */
function drawChart(container, { title, note, xs, lines, unit = "", digits = 1, yValues, yRange, faults }) {
  const plot = chartBox(container, title, note);
  const uPlot = window.uPlot;
  const series = [
    { label: "at", value: (u, value) => (value == null ? "" : `${value.toFixed(1)} s`) },
    ...lines.map((line, index) => ({
      label: line.label,
      stroke: line.colour || PALETTE[index % PALETTE.length],
      width: 2,
      dash: line.dash,
      spanGaps: true,
      points: { show: false },
      paths: line.stepped ? uPlot.paths.stepped({ align: 1 }) : undefined,
      value: line.value || formatValue(unit, digits),
    })),
  ];
  const opts = {
    width: Math.max(280, plot.clientWidth || 460),
    height: CHART_HEIGHT,
    series,
    scales: { x: { time: false }, y: yRange ? { range: yRange } : { range: (u, min, max) => [0, max > 0 ? max * 1.08 : 1] } },
    axes: [
      { ...AXIS, size: 32, values: (u, splits) => splits.map((v) => `${v}s`) },
      { ...AXIS, size: 56, values: yValues || ((u, splits) => splits.map((v) => formatTick(v))) },
    ],
    legend: { live: true },
    cursor: { drag: { x: true, y: false } },
    plugins: faults && faults.length ? [faultBands(faults)] : [],
  };
  const chart = new uPlot(opts, [xs, ...lines.map((line) => line.values)], plot);
  if (typeof ResizeObserver === "function") {
    new ResizeObserver(() => {
      const width = Math.max(280, plot.clientWidth);
      if (Math.abs(width - chart.width) > 2) chart.setSize({ width, height: CHART_HEIGHT });
    }).observe(plot);
  }
  return chart;
}

function formatTick(value) {
  if (value == null) return "";
  if (Math.abs(value) >= 1000) return `${+(value / 1000).toFixed(1)}k`;
  return `${+value.toFixed(2)}`;
}

// --- the charts -------------------------------------------------------------------------

function buildCharts(container, data) {
  const points = (data.series || []).filter((point) => typeof point.t === "number").sort((a, b) => a.t - b.t);
  if (points.length < 2) return 0;
  const xs = points.map((point) => point.t);
  const labels = data.labels || {};
  const label = (id) => labels[id] || id;
  const faults = data.faults || [];
  let drawn = 0;
  const draw = (spec) => {
    drawChart(container, { xs, faults, ...spec });
    drawn += 1;
  };

  const offered = column(points, ["requests", "rps"]);
  const completed = rate(points, ["requests", "completed"]);
  const published = column(points, ["messages", "rps"]);
  const throughput = [
    { label: "requests/s", values: offered, colour: PALETTE[0] },
    { label: "completed/s", values: completed, colour: PALETTE[2] },
  ];
  if (hasData(published)) throughput.push({ label: "messages published/s", values: published, colour: PALETTE[1], dash: [6, 4] });
  if (hasData(offered) || hasData(completed)) draw({ title: "Throughput", note: "per run second", lines: throughput, unit: "/s" });

  const latency = ["p50", "p95", "p99"].map((p, index) => ({
    label: p,
    values: column(points, ["latency_ms", p]),
    colour: ["#10b981", "#f59e0b", "#ef4444"][index],
  }));
  if (latency.some((line) => hasData(line.values))) {
    draw({ title: "Latency", note: "end to end, over the last second (ms)", lines: latency, unit: " ms" });
  }

  const errors = ["failed", "rejected", "timed_out"].map((outcome) => ({
    label: `${outcome.replace("_", " ")}/s`,
    values: rate(points, ["requests", outcome]),
    colour: OUTCOME_COLOURS[outcome],
  }));
  if (errors.some((line) => hasData(line.values))) {
    draw({ title: "Errors", note: "unsuccessful requests per run second, by outcome", lines: errors, unit: "/s" });
  }

  const waiting = [
    { label: "requests in flight", values: column(points, ["requests", "in_flight"]), colour: PALETTE[1] },
    { label: "messages queued", values: column(points, ["messages", "queued"]), colour: PALETTE[5] },
  ].filter((line) => hasData(line.values));
  if (waiting.length) draw({ title: "In flight and queued", note: "requests without an outcome yet; messages waiting in mailboxes", lines: waiting, digits: 0 });

  const depths = nodeIds(points, "depth")
    .map((id, index) => ({ label: label(id), values: column(points, ["nodes", id, "depth"]), colour: PALETTE[index % PALETTE.length] }))
    .filter((line) => hasData(line.values));
  if (depths.length) draw({ title: "Waiting lines per node", note: "requests waiting for a slot plus messages in the node's mailboxes", lines: depths, digits: 0 });

  const replicas = nodeIds(points, "replicas").map((id, index) => ({
    label: label(id),
    values: column(points, ["nodes", id, "replicas"]),
    colour: PALETTE[index % PALETTE.length],
    stepped: true,
  }));
  if (replicas.length) draw({ title: "Replicas per node", note: "live active instances", lines: replicas, digits: 0 });

  const perNode = nodeIds(points, "rps")
    .map((id, index) => ({ label: label(id), values: column(points, ["nodes", id, "rps"]), colour: PALETTE[index % PALETTE.length] }))
    .filter((line) => hasData(line.values));
  if (perNode.length) draw({ title: "Processed per node", note: "work done per run second", lines: perNode, unit: "/s" });

  const clock = (data.clock || []).filter((point) => typeof point.t === "number" && typeof point.speed === "number");
  if (clock.length >= 2) {
    drawChart(container, {
      xs: clock.map((point) => point.t),
      faults,
      title: "Effective speed",
      note: "run seconds per wall second: how fast the workers carried the run (the figures above do not depend on it)",
      lines: [{ label: "speed", values: clock.map((point) => point.speed), colour: PALETTE[0] }],
      unit: "×",
    });
    drawn += 1;
  }

  const breakerEdges = [];
  for (const point of points) {
    for (const [id, edge] of Object.entries(point.edges || {})) {
      if ("breaker" in edge && !breakerEdges.includes(id)) breakerEdges.push(id);
    }
  }
  if (breakerEdges.length) {
    const names = Object.keys(BREAKER_LEVELS);
    draw({
      title: "Circuit breakers",
      note: "state of each breaker on a call edge",
      lines: breakerEdges.map((id, index) => ({
        label: label(id),
        values: points.map((point) => BREAKER_LEVELS[get(point, ["edges", id, "breaker"])] ?? null),
        colour: PALETTE[index % PALETTE.length],
        stepped: true,
        value: (u, value) => (value == null ? "" : names[value].replace("_", "-")),
      })),
      yRange: [-0.2, 2.2],
      yValues: (u, splits) => splits.map((v) => (Number.isInteger(v) && names[v] ? names[v].replace("_", "-") : "")),
    });
  }
  return drawn;
}

// --- a run still going ------------------------------------------------------------------

function pollUntilEnded(runId) {
  const timer = setInterval(async () => {
    try {
      const response = await fetch(`/api/runs/${encodeURIComponent(runId)}/`, { headers: { Accept: "application/json" } });
      if (!response.ok) return;
      const state = await response.json();
      if (["finished", "stopped", "failed"].includes(state.status)) {
        clearInterval(timer);
        window.location.reload();
      }
    } catch {
      // offline for a moment: try again at the next tick
    }
  }, POLL_MS);
}

// --- start ------------------------------------------------------------------------------

function start() {
  const data = readData();
  const container = document.getElementById("charts");
  if (!data || !container) return;
  const empty = document.getElementById("charts-empty");
  const isExport = document.body.classList.contains("report-export");
  if (!data.ended && !isExport) pollUntilEnded(data.run_id);
  if (typeof window.uPlot !== "function") {
    if (empty) empty.textContent = "The charting library did not load.";
    return;
  }
  const drawn = buildCharts(container, data);
  if (drawn && empty) empty.remove();
  else if (empty) empty.textContent = data.ended ? "No samples were stored for this run." : "The charts appear once the run has ended.";
  container.dataset.charts = String(drawn);
}

start();

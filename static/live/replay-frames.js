/**
 * Replay of a finished run from its stored series (GET /api/runs/<id>/series/): which stored
 * point stands for a moment of run time, and that point as a frame the live canvas and the
 * charts draw like a streamed one. Pure functions, no DOM.
 *
 * A stored point is a frame's main figures (apps/engine/stream.py `series_point`): counters,
 * rates, p95, waiting lines, replicas and each instance's alive/standby state. The error rate
 * per node, which the series does not keep, is worked out from the point before.
 */

/** Index of the last point at or before run time `t` (0 when `t` is before the first). */
export function pointIndexAt(points, t) {
  let low = 0;
  let high = points.length - 1;
  if (high < 0) return -1;
  if (t < points[0].t) return 0;
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (points[middle].t <= t) low = middle;
    else high = middle - 1;
  }
  return low;
}

/** Run time covered by the series: [first point's t, last point's t]. */
export function seriesSpan(points) {
  if (!points.length) return { start: 0, end: 0 };
  return { start: Math.min(0, points[0].t), end: points[points.length - 1].t };
}

/** Per-second rate of a cumulative counter between two points (0 without a previous one). */
function rateBetween(now, then, value) {
  if (!then) return 0;
  const dt = now.t - then.t;
  if (!(dt > 0)) return 0;
  return Math.max(0, (value(now) - value(then)) / dt);
}

/**
 * The point at `index` as a frame: `type: "replay"`, the run's id and duration, and per node
 * `errors_per_s` from the point before.
 * @param {object[]} points the run's series
 * @param {number} index
 * @param {{run: string, duration_s: number, status?: string}} run
 */
export function replayFrame(points, index, run) {
  const point = points[index];
  const previous = index > 0 ? points[index - 1] : null;
  const nodes = {};
  for (const [id, node] of Object.entries(point.nodes || {})) {
    const errorsPerSecond = rateBetween(point, previous, (p) => p.nodes?.[id]?.errors ?? 0);
    nodes[id] = { ...node, errors_per_s: Math.round(errorsPerSecond * 100) / 100 };
  }
  return {
    ...point,
    type: "replay",
    run: run.run,
    status: run.status || "replay",
    duration_s: run.duration_s,
    nodes,
    edges: point.edges || {},
  };
}

/** "12.5 s" */
export function formatRunTime(seconds) {
  return `${(Math.round(seconds * 10) / 10).toFixed(1)} s`;
}

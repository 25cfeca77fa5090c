/**
 * Dots travelling along edges in the flow direction while a run goes: their number follows
 * the edge's rate (one dot per DOTS_PER_RATE requests/s, sampled and capped at MAX_DOTS), so
 * a busy edge looks busy and a stopped consumer's edge goes still. Each edge owns a fixed pool
 * of circles; one requestAnimationFrame loop moves them.
 *
 * A call edge has its own rate in the frame (when the engine counts its calls); any other
 * edge takes the rate of the node at its far end (the callee or consumer), or of the
 * publisher for an edge into a queue or bus.
 */

import { svg } from "./svg.js";
import { isChannel } from "./kind-traits.js";

const MAX_DOTS = 5;
const DOTS_PER_RATE = 6; // requests/s per dot
const TRIP_S = 1.6; // seconds for a dot to cross an edge
const MIN_GAP_PX = 28; // a short edge shows fewer dots, never a dotted line
const MIN_STEP_MS = 30; // ~30 moves a second: smooth enough, half the work of every frame

/** The rate (per second) an edge carries in this frame. */
export function edgeRate(edge, frame) {
  const own = frame.edges?.[edge.id];
  if (own && own.calls > 0 && typeof own.rps === "number") return own.rps; // a call edge the engine counts
  const source = edge.getSourceCell();
  const target = edge.getTargetCell();
  if (!source || !target) return 0;
  const far = isChannel(target.getData()?.kind) ? source : target;
  const node = frame.nodes?.[far.id];
  if (!node || node.stopped || node.down) return 0;
  return node.rps || 0;
}

/** The stretch of an edge (as ratios) its label covers, where no dot is drawn over it. */
function labelSpan(edge, length) {
  const text = edge.getData()?.label;
  if (!text || !length) return [2, 2];
  const half = (text.length * 6.4 + 14) / 2 / length;
  return [0.5 - half, 0.5 + half];
}

/** How many dots an edge with this rate shows. */
export function dotCount(rate) {
  if (!(rate > 0)) return 0;
  return Math.min(MAX_DOTS, Math.max(1, Math.round(rate / DOTS_PER_RATE)));
}

/**
 * @param {object} args
 * @param {object} args.options {graph}
 * @returns {{update(frame): void, start(): void, stop(): void, clear(): void, destroy(): void}}
 */
export function createEdgeFlow({ options }) {
  const { graph } = options;
  const root = svg("g", { class: "live-flow", "pointer-events": "none" });
  /** edge id -> {group, count, role} */
  const pools = new Map();
  let raf = 0;
  let running = false;
  let movedAt = 0;

  function pool(edge) {
    if (pools.has(edge.id)) return pools.get(edge.id);
    const group = svg("g", { "data-edge": edge.id }, root);
    for (let i = 0; i < MAX_DOTS; i += 1) svg("circle", { r: 3.2, class: "live-flow-dot", display: "none" }, group);
    const entry = { group, count: 0 };
    pools.set(edge.id, entry);
    return entry;
  }

  function update(frame) {
    if (!root.isConnected) graph.view.overlay.prepend(root);
    const seen = new Set();
    for (const edge of graph.getEdges()) {
      seen.add(edge.id);
      const entry = pool(edge);
      const cut = frame.edges?.[edge.id]?.cut === true;
      entry.count = cut || !running ? 0 : dotCount(edgeRate(edge, frame));
      const counted = typeof frame.edges?.[edge.id]?.calls === "number"; // a call edge the engine counts
      entry.group.setAttribute("class", counted ? "live-flow-call" : "live-flow-message");
    }
    for (const [id, entry] of pools) {
      if (!seen.has(id)) {
        entry.group.remove();
        pools.delete(id);
      }
    }
    root.dataset.dots = String([...pools.values()].reduce((sum, entry) => sum + entry.count, 0));
  }

  function move(now) {
    raf = 0;
    if (!running) return;
    if (now - movedAt < MIN_STEP_MS) {
      raf = window.requestAnimationFrame(move);
      return;
    }
    movedAt = now;
    const phase = (now / 1000 / TRIP_S) % 1;
    for (const [id, entry] of pools) {
      const edge = graph.getCellById(id);
      const view = edge && graph.findViewByCell(edge);
      const length = view?.getConnectionLength?.() || 0;
      const label = labelSpan(edge, length);
      const count = Math.min(entry.count, Math.floor(length / MIN_GAP_PX));
      const circles = entry.group.children;
      for (let i = 0; i < MAX_DOTS; i += 1) {
        const circle = circles[i];
        const at = (phase + i / Math.max(1, count)) % 1;
        if (i >= count || !length || (at > label[0] && at < label[1])) {
          if (circle.getAttribute("display") !== "none") circle.setAttribute("display", "none");
          continue;
        }
        const point = view.getPointAtLength(length * at);
        circle.setAttribute("display", "inline");
        circle.setAttribute("cx", point.x.toFixed(1));
        circle.setAttribute("cy", point.y.toFixed(1));
      }
    }
    raf = window.requestAnimationFrame(move);
  }

  function start() {
    running = true;
    if (!raf) raf = window.requestAnimationFrame(move);
  }

  function stop() {
    running = false;
    if (raf) window.cancelAnimationFrame(raf);
    raf = 0;
    for (const entry of pools.values()) {
      entry.count = 0;
      for (const circle of entry.group.children) circle.setAttribute("display", "none");
    }
  }

  function clear() {
    stop();
    root.remove();
    for (const entry of pools.values()) entry.group.remove();
    pools.clear();
  }

  return { update, start, stop, clear, destroy: clear };
}

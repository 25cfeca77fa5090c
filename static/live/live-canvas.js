/**
 * The live canvas: run figures drawn over the X6 graph, in the graph's own coordinates (an
 * SVG layer inside its viewport, so panning and zooming move them with the cells).
 *
 * - per node a badge above it: requests/s, p95, errors, in flight and the waiting line
 *   (or "stopped" / "down");
 * - instance health dots inside the node (green alive, red dead, grey standby; a standby that
 *   serves traffic, put in rotation by a load balancer, is green with a dark ring);
 * - a back-pressure bar under nodes with a waiting line (green, amber, red by depth);
 * - the circuit breaker on edges that have one (closed, open, half-open) and cut edges;
 * - zones greyed while every instance in them is down.
 *
 * Each node or edge gets its elements once; a frame only changes attributes and text, so the
 * layer never grows with the run. `clear()` removes the whole layer.
 */

import { formatCount, formatMs } from "./format.js";
import { setAttrs, setText, svg } from "./svg.js";

const MAX_DOTS = 10; // health dots shown per node (then "+n")
const QUEUE_KINDS = new Set(["queue", "event_bus"]);
const BADGE_HEIGHT = 30;
const BADGE_CHAR_WIDTH = 6; // px per character of the badge's 10.5 px text, roughly
const BAR_HEIGHT = 6;

/** The colour level of a waiting line of this depth. */
export function depthLevel(depth) {
  if (depth >= 100) return "high";
  if (depth >= 20) return "medium";
  return "low";
}

/** Bar fill in [0, 1]: logarithmic, full at 1,000 waiting. */
function depthShare(depth) {
  return Math.min(1, Math.log10(1 + Math.max(0, depth)) / 3);
}

/** Whether every instance of a node is down (no instance alive), from its frame. */
export function allDown(nodeFrame) {
  if (!nodeFrame) return false;
  if (nodeFrame.down) return true;
  const instances = Object.values(nodeFrame.instances || {});
  return instances.length > 0 && instances.every((instance) => !instance.alive);
}

/**
 * @param {object} args
 * @param {object} args.options {graph, isZone(cell)}
 * @returns {{update(frame): void, clear(): void, destroy(): void}}
 */
export function createLiveCanvas({ options }) {
  const { graph, isZone } = options;
  const root = svg("g", { class: "live-layer", "pointer-events": "none" });
  const edgeLayer = svg("g", { class: "live-edges" }, root);
  const nodeLayer = svg("g", { class: "live-nodes" }, root);
  /** cell id -> {elements...} */
  const nodes = new Map();
  const edges = new Map();
  const marked = new Set(); // cell ids whose view has a live class

  function attach() {
    if (!root.isConnected) graph.view.overlay.append(root);
  }

  function nodeParts(id) {
    if (nodes.has(id)) return nodes.get(id);
    const group = svg("g", { class: "live-node", "data-node": id }, nodeLayer);
    const badge = svg("g", { class: "live-badge" }, group);
    const badgeBox = svg("rect", { class: "live-badge-box", rx: 6, ry: 6, height: BADGE_HEIGHT }, badge);
    const line1 = svg("text", { class: "live-badge-line live-badge-main" }, badge);
    const line2 = svg("text", { class: "live-badge-line live-badge-sub" }, badge);
    const dots = svg("g", { class: "live-health" }, group);
    const more = svg("text", { class: "live-health-more" }, group);
    const bar = svg("g", { class: "live-pressure" }, group);
    const track = svg("rect", { class: "live-pressure-track", height: BAR_HEIGHT, rx: 3, ry: 3 }, bar);
    const fill = svg("rect", { class: "live-pressure-fill", height: BAR_HEIGHT, rx: 3, ry: 3 }, bar);
    const depthText = svg("text", { class: "live-pressure-text" }, bar);
    const parts = { group, badge, badgeBox, line1, line2, dots, more, bar, track, fill, depthText, dotCount: 0 };
    nodes.set(id, parts);
    return parts;
  }

  function edgeParts(id) {
    if (edges.has(id)) return edges.get(id);
    const group = svg("g", { class: "live-edge", "data-edge": id }, edgeLayer);
    const pill = svg("rect", { class: "live-breaker-pill", rx: 8, ry: 8, height: 16 }, group);
    const text = svg("text", { class: "live-breaker-text" }, group);
    const parts = { group, pill, text };
    edges.set(id, parts);
    return parts;
  }

  function markView(cell, name, on) {
    const view = graph.findViewByCell(cell);
    if (!view) return;
    view.container.classList.toggle(name, on);
    if (on) marked.add(cell.id);
  }

  function drawHealth(parts, box, nodeFrame) {
    const instances = Object.entries(nodeFrame.instances || {});
    const shown = instances.slice(0, MAX_DOTS);
    while (parts.dots.childElementCount < shown.length) svg("circle", { r: 3.6 }, parts.dots);
    while (parts.dots.childElementCount > shown.length) parts.dots.lastChild.remove();
    const right = box.x + box.width - 10;
    const y = box.y + box.height - 8;
    shown.forEach(([name, instance], index) => {
      const state = !instance.alive ? "dead" : instance.standby ? "standby" : "alive";
      const serving = state === "standby" && (instance.rps || 0) > 0;
      setAttrs(parts.dots.children[index], {
        cx: right - (shown.length - 1 - index) * 10,
        cy: y,
        class: `live-dot live-dot-${state}${serving ? " live-dot-serving" : ""}`,
        "data-instance": name,
      });
    });
    const hidden = instances.length - shown.length;
    setText(parts.more, hidden > 0 ? `+${hidden}` : "");
    setAttrs(parts.more, { x: right - shown.length * 10 - 2, y: y + 3.5 });
  }

  function drawBadge(parts, box, nodeFrame) {
    let main;
    let state = "ok";
    if (nodeFrame.down || allDown(nodeFrame)) {
      main = "down";
      state = "down";
    } else if (nodeFrame.stopped) {
      main = "consumer stopped";
      state = "stopped";
    } else {
      const p95 = nodeFrame.p95 === undefined ? "p95 –" : `p95 ${formatMs(nodeFrame.p95)}`;
      main = `${formatCount(nodeFrame.rps ?? 0)}/s · ${p95}`;
    }
    if (state === "ok" && (nodeFrame.errors_per_s || 0) > 0) state = "errors";
    const errors = nodeFrame.errors_per_s ? `${formatCount(nodeFrame.errors_per_s)} err/s` : `${formatCount(nodeFrame.errors ?? 0)} err`;
    const sub = `${errors} · ${formatCount(nodeFrame.busy ?? 0)} in flight · ${formatCount(nodeFrame.depth ?? 0)} waiting`;
    setText(parts.line1, main);
    setText(parts.line2, sub);
    // As wide as the node or the longer line. The text is measured only when a line has more
    // characters than ever before (measuring forces a layout), so the badge only grows during
    // a run and does not twitch as the figures change length.
    const chars = Math.max(main.length, sub.length);
    if (chars > (parts.measuredChars || 0)) {
      parts.measuredChars = chars;
      const measured = Math.max(parts.line1.getComputedTextLength(), parts.line2.getComputedTextLength());
      parts.textWidth = Math.max(parts.textWidth || 0, measured || chars * BADGE_CHAR_WIDTH);
    }
    const width = Math.max(box.width, 150, parts.textWidth + 16);
    const x = box.x + (box.width - width) / 2;
    const y = box.y - BADGE_HEIGHT - 6;
    setAttrs(parts.badgeBox, { x, y, width });
    setAttrs(parts.line1, { x: x + width / 2, y: y + 11 });
    setAttrs(parts.line2, { x: x + width / 2, y: y + 23 });
    setAttrs(parts.badge, { class: `live-badge live-badge-${state}` });
  }

  function drawPressure(parts, box, nodeFrame, kind) {
    const depth = nodeFrame.depth ?? 0;
    const show = QUEUE_KINDS.has(kind) || depth > 0 || parts.bar.dataset.shown === "true";
    parts.bar.dataset.shown = String(show);
    setAttrs(parts.bar, { display: show ? "inline" : "none", class: `live-pressure live-pressure-${depthLevel(depth)}` });
    if (!show) return;
    const y = box.y + box.height + 5;
    const width = box.width;
    setAttrs(parts.track, { x: box.x, y, width });
    setAttrs(parts.fill, { x: box.x, y, width: Math.max(depth > 0 ? 4 : 0, width * depthShare(depth)) });
    setText(parts.depthText, `${formatCount(depth)} waiting`);
    setAttrs(parts.depthText, { x: box.x + width, y: y + BAR_HEIGHT + 11 });
  }

  function drawNode(cell, nodeFrame) {
    const parts = nodeParts(cell.id);
    const box = cell.getBBox();
    const kind = cell.getData()?.kind;
    setAttrs(parts.group, { display: "inline" });
    drawBadge(parts, box, nodeFrame);
    drawHealth(parts, box, nodeFrame);
    drawPressure(parts, box, nodeFrame, kind);
    markView(cell, "ap-live-down", nodeFrame.down === true || allDown(nodeFrame));
    markView(cell, "ap-live-stopped", nodeFrame.stopped === true);
  }

  function drawEdge(edge, edgeFrame) {
    const view = graph.findViewByCell(edge);
    const state = edgeFrame.cut ? "cut" : edgeFrame.breaker;
    markView(edge, "ap-live-cut", Boolean(edgeFrame.cut));
    for (const name of ["closed", "open", "half_open"]) markView(edge, `ap-live-breaker-${name}`, edgeFrame.breaker === name && !edgeFrame.cut);
    if (!state || !view) {
      if (edges.has(edge.id)) setAttrs(edges.get(edge.id).group, { display: "none" });
      return;
    }
    const parts = edgeParts(edge.id);
    const point = view.getPointAtRatio(0.3);
    if (!point) return;
    const label = state === "half_open" ? "half-open" : state;
    const width = label.length * 6.2 + 16;
    setAttrs(parts.group, { display: "inline", class: `live-edge live-breaker-${state}` });
    setAttrs(parts.pill, { x: point.x - width / 2, y: point.y - 8, width });
    setAttrs(parts.text, { x: point.x, y: point.y + 3.5 });
    setText(parts.text, label);
    parts.group.dataset.state = state;
  }

  function drawZones(frame) {
    for (const zone of graph.getNodes().filter(isZone)) {
      const members = graph
        .getNodes()
        .filter((node) => !isZone(node) && (node.getParent()?.id === zone.id || node.getData()?.props?.zone === zone.id));
      const framed = members.map((node) => frame.nodes?.[node.id]).filter((nodeFrame) => nodeFrame?.instances || nodeFrame?.down);
      const down = framed.length > 0 && framed.every(allDown);
      markView(zone, "ap-live-zone-down", down);
    }
  }

  /** Draw one frame (only the newest frame is given: see latest-frame.js). */
  function update(frame) {
    attach();
    const frameNodes = frame.nodes || {};
    for (const cell of graph.getNodes()) {
      if (isZone(cell)) continue;
      const nodeFrame = frameNodes[cell.id];
      if (nodeFrame) drawNode(cell, nodeFrame);
      else if (nodes.has(cell.id)) setAttrs(nodes.get(cell.id).group, { display: "none" });
    }
    const frameEdges = frame.edges || {};
    for (const edge of graph.getEdges()) drawEdge(edge, frameEdges[edge.id] || {});
    drawZones(frame);
    root.dataset.seq = String(frame.seq ?? "");
    root.dataset.status = frame.status || "";
  }

  function clear() {
    root.remove();
    for (const parts of [...nodes.values(), ...edges.values()]) parts.group.remove();
    nodes.clear();
    edges.clear();
    for (const id of marked) {
      const cell = graph.getCellById(id);
      const view = cell && graph.findViewByCell(cell);
      if (!view) continue;
      for (const name of [...view.container.classList]) if (name.startsWith("ap-live-")) view.container.classList.remove(name);
    }
    marked.clear();
  }

  return {
    update,
    clear,
    destroy: clear,
  };
}

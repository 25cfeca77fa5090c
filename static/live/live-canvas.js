/**
 * The live canvas: run figures drawn over the X6 graph, in the graph's own coordinates (an
 * SVG layer inside its viewport, so panning and zooming move them with the cells).
 *
 * - per node a badge above it: requests/s, p95, errors, in flight and the waiting line
 *   (or "consumer stopped" / "down");
 * - instance health dots inside the node (green alive, red dead, grey standby; a standby that
 *   serves traffic, put in rotation by a load balancer, is green with a dark ring);
 * - a back-pressure bar under nodes with a waiting line (green, amber, red by depth);
 * - the circuit breaker on edges that have one (closed, open, half-open) and cut edges;
 * - zones greyed while every instance in them is down.
 *
 * Each node or edge gets its elements once; a frame only changes attributes and text, so the
 * layer never grows with the run. `clear()` removes the whole layer.
 *
 * Semantic zoom (see static/editor/semantic-zoom.js): the figures keep a readable size on
 * screen (the editor's `--ap-min-text-px`) when the diagram is zoomed out. Each badge, depth
 * figure and breaker pill is scaled by about 1 / zoom around the point that ties it to its
 * cell (a badge: the middle of the node's top edge), with a cap; where the two-line badge
 * would then crowd its neighbours it turns compact: one line, "requests/s · p95" (a queue's:
 * "requests/s · n waiting"), errors added when there are some. Zooming
 * redraws the last frame. Every frame drawn is announced as `live:drawn` {frame} (null once
 * cleared), for the presentation mode's headline strip.
 */

import { emit } from "../editor/events.js";
import { minTextPx, nodeLook, textScale } from "../editor/semantic-zoom.js";
import { formatCount, formatMs } from "./format.js";
import { setAttrs, setText, svg } from "./svg.js";
import { showsWaiting } from "./kind-traits.js";

const MAX_DOTS = 10; // health dots shown per node (then "+n")
const BADGE_HEIGHT = 30;
const COMPACT_HEIGHT = 15;
const BADGE_PX = 11; // the badge's text size at 100 % (live.css)
const COMPACT_ABOVE = 1.3; // a two-line badge enlarged more than this would crowd its neighbours
const BADGE_CHAR_WIDTH = 6.3; // px per character of the badge's 11 px text, roughly
const BAR_HEIGHT = 6;
const DEPTH_PX = 10;
const BREAKER_PX = 9.5;
const DOT_RADIUS = 3.6;

/** An SVG transform scaling by `k` around the point (x, y). */
function scaleAround(k, x, y) {
  if (k === 1) return "";
  const round = (value) => Math.round(value * 100) / 100;
  return `matrix(${round(k)} 0 0 ${round(k)} ${round(x * (1 - k))} ${round(y * (1 - k))})`;
}

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
  let lastFrame = null;
  let redrawPending = 0;
  /** This frame's enlargements (see `measureScales`). */
  let scales = { badge: 1, compact: false, depth: 1, breaker: 1, dot: 1, far: false };

  /** How much each kind of figure is enlarged at the current zoom. */
  function measureScales() {
    const zoom = graph.zoom();
    const minPx = minTextPx(graph.container);
    const full = textScale(zoom, BADGE_PX, minPx);
    const compact = full > COMPACT_ABOVE;
    scales = {
      badge: full,
      compact,
      depth: textScale(zoom, DEPTH_PX, minPx),
      breaker: textScale(zoom, BREAKER_PX, minPx - 1),
      dot: textScale(zoom, DOT_RADIUS * 2, 6, 1.6),
      far: nodeLook(zoom, minPx).far, // the node's label fills it: the dots sit on its border
    };
    root.dataset.compact = String(compact);
  }

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
    while (parts.dots.childElementCount < shown.length) svg("circle", { r: DOT_RADIUS }, parts.dots);
    while (parts.dots.childElementCount > shown.length) parts.dots.lastChild.remove();
    const radius = DOT_RADIUS * scales.dot;
    const step = radius * 2 + 2.8;
    const right = box.x + box.width - 6 - radius;
    const y = scales.far ? box.y + box.height : box.y + box.height - 4.4 - radius;
    shown.forEach(([name, instance], index) => {
      const state = !instance.alive ? "dead" : instance.standby ? "standby" : "alive";
      const serving = state === "standby" && (instance.rps || 0) > 0;
      setAttrs(parts.dots.children[index], {
        cx: right - (shown.length - 1 - index) * step,
        cy: y,
        r: Math.round(radius * 100) / 100,
        class: `live-dot live-dot-${state}${serving ? " live-dot-serving" : ""}`,
        "data-instance": name,
      });
    });
    const hidden = instances.length - shown.length;
    setText(parts.more, hidden > 0 ? `+${hidden}` : "");
    setAttrs(parts.more, { x: right - shown.length * step - 2, y: y + 3.5 });
  }

  /**
   * The badge's text: two lines, or one in the compact badge: requests/s and p95, or for a
   * queue or bus (whose p95 is its consumers') requests/s and its waiting line.
   */
  function badgeText(nodeFrame, compact, kind) {
    const down = nodeFrame.down || allDown(nodeFrame);
    let state = down ? "down" : nodeFrame.stopped ? "stopped" : "ok";
    if (state === "ok" && (nodeFrame.errors_per_s || 0) > 0) state = "errors";
    const errors = nodeFrame.errors_per_s ? `${formatCount(nodeFrame.errors_per_s)} err/s` : `${formatCount(nodeFrame.errors ?? 0)} err`;
    if (compact) {
      const rps = nodeFrame.rps ?? 0;
      const second = showsWaiting(kind) ? `${formatCount(nodeFrame.depth ?? 0)} waiting` : formatMs(nodeFrame.p95);
      const figures = `${formatCount(rps >= 0.95 ? Math.round(rps) : rps)}/s · ${second}`; // whole rates: narrower
      const main = state === "down" ? "down" : state === "stopped" ? "consumer stopped" : state === "errors" ? `${figures} · ${errors}` : figures;
      return { state, main, sub: "" };
    }
    let main;
    if (state === "down") main = "down";
    else if (state === "stopped") main = "consumer stopped";
    else main = `${formatCount(nodeFrame.rps ?? 0)}/s · ${nodeFrame.p95 === undefined ? "p95 –" : `p95 ${formatMs(nodeFrame.p95)}`}`;
    const sub = `${errors} · ${formatCount(nodeFrame.busy ?? 0)} in flight · ${formatCount(nodeFrame.depth ?? 0)} waiting`;
    return { state, main, sub };
  }

  /**
   * The width of the badge's text. Measured only when a line has more characters than ever
   * before in this form and state (measuring forces a layout), so a badge only grows while its
   * state lasts and does not twitch as the figures change length.
   */
  function textWidth(parts, form, main, sub) {
    const seen = (parts.measured ||= {})[form] || { chars: 0, width: 0 };
    const chars = Math.max(main.length, sub.length);
    if (chars > seen.chars) {
      const measured = Math.max(parts.line1.getComputedTextLength(), sub ? parts.line2.getComputedTextLength() : 0);
      parts.measured[form] = { chars, width: Math.max(seen.width, measured || chars * BADGE_CHAR_WIDTH) };
    }
    return parts.measured[form].width;
  }

  function drawBadge(parts, box, nodeFrame, kind) {
    const { compact } = scales;
    const { state, main, sub } = badgeText(nodeFrame, compact, kind);
    setText(parts.line1, main);
    setText(parts.line2, sub);
    setAttrs(parts.line2, { display: compact ? "none" : "inline" });
    const measured = textWidth(parts, `${compact ? "compact" : "full"}-${state}`, main, sub);
    // The full badge is as wide as the node or its longer line; the compact one as its line.
    const width = compact ? measured + 8 : Math.max(box.width, 150, measured + 16);
    const height = compact ? COMPACT_HEIGHT : BADGE_HEIGHT;
    const centre = box.x + box.width / 2;
    const bottom = box.y - 3; // the badge stands on this point (and grows from it)
    const x = centre - width / 2;
    const y = bottom - height;
    setAttrs(parts.badgeBox, { x, y, width, height });
    setAttrs(parts.line1, { x: centre, y: y + (compact ? 11.2 : 12) });
    setAttrs(parts.line2, { x: centre, y: y + 24.5 });
    setAttrs(parts.badge, {
      class: `live-badge live-badge-${state}${compact ? " live-badge-compact" : ""}`,
      transform: scaleAround(scales.badge, centre, bottom),
    });
  }

  function drawPressure(parts, box, nodeFrame, kind) {
    const depth = nodeFrame.depth ?? 0;
    const show = showsWaiting(kind) || depth > 0 || parts.bar.dataset.shown === "true";
    parts.bar.dataset.shown = String(show);
    setAttrs(parts.bar, { display: show ? "inline" : "none", class: `live-pressure live-pressure-${depthLevel(depth)}` });
    if (!show) return;
    const y = box.y + box.height + 5;
    const width = box.width;
    const height = BAR_HEIGHT * Math.min(1.5, scales.depth);
    setAttrs(parts.track, { x: box.x, y, width, height });
    setAttrs(parts.fill, { x: box.x, y, width: Math.max(depth > 0 ? 4 : 0, width * depthShare(depth)), height });
    setText(parts.depthText, `${formatCount(depth)} waiting`);
    const right = box.x + width;
    const top = y + height + 1;
    // A compact queue badge tells the waiting line itself.
    const told = scales.compact && showsWaiting(kind);
    setAttrs(parts.depthText, { x: right, y: top + 10, transform: scaleAround(scales.depth, right, top), display: told ? "none" : "inline" });
  }

  function drawNode(cell, nodeFrame) {
    const parts = nodeParts(cell.id);
    const box = cell.getBBox();
    const kind = cell.getData()?.kind;
    setAttrs(parts.group, { display: "inline" });
    drawBadge(parts, box, nodeFrame, kind);
    drawHealth(parts, box, nodeFrame);
    drawPressure(parts, box, nodeFrame, kind);
    markView(cell, "ap-live-down", nodeFrame.down === true || allDown(nodeFrame));
    markView(cell, "ap-live-stopped", nodeFrame.stopped === true);
  }

  /** A slow link or packet loss on the edge, as its pill says it ("+300 ms · 20% loss"). */
  function impairment(edgeFrame) {
    const said = [];
    if (edgeFrame.delay_ms > 0) said.push(`+${formatMs(edgeFrame.delay_ms)}`);
    if (edgeFrame.loss > 0) said.push(`${Math.round(edgeFrame.loss * 100)}% loss`);
    return said.join(" · ");
  }

  function drawEdge(edge, edgeFrame) {
    const view = graph.findViewByCell(edge);
    const impaired = edgeFrame.cut ? "" : impairment(edgeFrame);
    // What the pill says, the most pressing first: cut, a breaker open or half-open, a slow or
    // lossy link, a closed breaker.
    const alarm = edgeFrame.breaker && edgeFrame.breaker !== "closed" ? edgeFrame.breaker : undefined;
    const state = edgeFrame.cut ? "cut" : alarm || (impaired ? "impaired" : edgeFrame.breaker);
    markView(edge, "ap-live-cut", Boolean(edgeFrame.cut));
    markView(edge, "ap-live-impaired", Boolean(impaired));
    for (const name of ["closed", "open", "half_open"]) markView(edge, `ap-live-breaker-${name}`, edgeFrame.breaker === name && !edgeFrame.cut);
    if (!state || !view) {
      if (edges.has(edge.id)) setAttrs(edges.get(edge.id).group, { display: "none" });
      return;
    }
    const parts = edgeParts(edge.id);
    const point = view.getPointAtRatio(0.3);
    if (!point) return;
    const label = state === "half_open" ? "half-open" : state === "impaired" ? impaired : state;
    const width = label.length * 6.2 + 16;
    setAttrs(parts.group, {
      display: "inline",
      class: `live-edge live-breaker-${state}`,
      transform: scaleAround(scales.breaker, point.x, point.y),
    });
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

  /** Draw a frame at the current zoom. */
  function draw(frame) {
    attach();
    measureScales();
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

  /** Draw one frame (only the newest frame is given: see latest-frame.js). */
  function update(frame) {
    lastFrame = frame;
    draw(frame);
    emit("live:drawn", { frame });
  }

  /** The zoom (or the minimum text size) changed: draw the last frame again, once. */
  function redraw() {
    if (redrawPending) return;
    redrawPending = requestAnimationFrame(() => {
      redrawPending = 0;
      if (lastFrame && root.isConnected) draw(lastFrame);
    });
  }

  graph.on("scale", redraw);
  document.addEventListener("editor:presenting", redraw);

  function clear() {
    lastFrame = null;
    emit("live:drawn", { frame: null });
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
    destroy() {
      clear();
      cancelAnimationFrame(redrawPending);
      graph.off("scale", redraw);
      document.removeEventListener("editor:presenting", redraw);
    },
  };
}

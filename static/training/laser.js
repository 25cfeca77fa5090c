/**
 * The instructor's laser pointer. With the laser on (the toolbar toggle, or while L is held),
 * moving the mouse over the canvas sends its position in graph coordinates (at most 30 a
 * second); leaving the canvas or turning the laser off sends `x: null`. Every page, the
 * instructor's included, draws a red dot with a short trail that fades within a second, on
 * an SVG layer over #canvas-stage. Points are kept in graph coordinates and placed again on
 * every animation frame, so the dot stays on the same component on a page zoomed or panned
 * differently from the instructor's.
 */

import { throttleLatest } from "./session-socket.js";

const SVG_NS = "http://www.w3.org/2000/svg";
const SEND_INTERVAL_MS = 34; // ≤ 30 laser messages a second
const TRAIL_MS = 900; // a point fades away within this time
const DOT_FADE_MS = 400; // the dot, once the laser is off

/**
 * @param {object} args
 * @param {HTMLElement} args.element the canvas stage (#canvas-stage)
 * @param {object} args.options {graph, role, send(message), holdKey: whether holding L turns it
 *   on (not in edit mode, where L is the auto-layout)}
 * @param {object} args.callbacks {onToggle(on)}
 * @returns {{receive(message): void, setOn(on): void, isOn(): boolean, destroy(): void}}
 */
export function createLaser({ element, options, callbacks = {} }) {
  const { graph, role, send, holdKey = true } = options;
  const leading = role === "instructor";
  const layer = document.createElementNS(SVG_NS, "svg");
  layer.setAttribute("class", "laser-layer");
  layer.setAttribute("aria-hidden", "true");
  const trail = document.createElementNS(SVG_NS, "g");
  const dot = document.createElementNS(SVG_NS, "circle");
  dot.setAttribute("class", "laser-dot");
  dot.setAttribute("r", "7");
  const halo = document.createElementNS(SVG_NS, "circle");
  halo.setAttribute("class", "laser-halo");
  halo.setAttribute("r", "15");
  dot.setAttribute("opacity", "0");
  halo.setAttribute("opacity", "0");
  layer.append(trail, halo, dot);
  element.append(layer);

  let points = []; // {x, y, at} in graph coordinates, oldest first
  let current = null; // the dot: {x, y} or null
  let offAt = 0; // when the laser went off (the dot fades)
  let frame = 0;
  let on = false; // the toggle
  let held = false; // L held down
  let inside = false;

  function place(x, y) {
    const client = graph.localToClient(x, y);
    const box = element.getBoundingClientRect();
    return { x: client.x - box.left, y: client.y - box.top };
  }

  function draw() {
    frame = 0;
    const now = performance.now();
    points = points.filter((point) => now - point.at < TRAIL_MS);
    const circles = trail.children;
    while (circles.length < points.length) {
      const circle = document.createElementNS(SVG_NS, "circle");
      circle.setAttribute("class", "laser-trail");
      trail.append(circle);
    }
    while (circles.length > points.length) circles[circles.length - 1].remove();
    points.forEach((point, index) => {
      const spot = place(point.x, point.y);
      const life = 1 - (now - point.at) / TRAIL_MS;
      const circle = circles[index];
      circle.setAttribute("cx", spot.x.toFixed(1));
      circle.setAttribute("cy", spot.y.toFixed(1));
      circle.setAttribute("r", (2 + 4 * life).toFixed(1));
      circle.setAttribute("opacity", (0.55 * life).toFixed(2));
    });
    let dotOpacity = 0;
    if (current) {
      const spot = place(current.x, current.y);
      for (const target of [dot, halo]) {
        target.setAttribute("cx", spot.x.toFixed(1));
        target.setAttribute("cy", spot.y.toFixed(1));
      }
      dotOpacity = offAt ? Math.max(0, 1 - (now - offAt) / DOT_FADE_MS) : 1;
      if (dotOpacity === 0) current = null;
    }
    dot.setAttribute("opacity", dotOpacity.toFixed(2));
    halo.setAttribute("opacity", (dotOpacity * 0.35).toFixed(2));
    layer.dataset.active = String(dotOpacity > 0);
    if (points.length || current) frame = window.requestAnimationFrame(draw);
  }

  function schedule() {
    if (!frame) frame = window.requestAnimationFrame(draw);
  }

  /** Show a laser position (graph coordinates), or the laser going off (x null). */
  function show(x, y) {
    if (typeof x === "number" && typeof y === "number") {
      current = { x, y };
      offAt = 0;
      points.push({ x, y, at: performance.now() });
    } else if (current && !offAt) {
      offAt = performance.now();
    }
    schedule();
  }

  // Keep the dot in place while this page pans or zooms.
  graph.on("translate", schedule);
  graph.on("scale", schedule);

  // --- the instructor's pointer -------------------------------------------------------------

  const sendPoint = throttleLatest((x, y) => send({ type: "laser", x, y }), SEND_INTERVAL_MS);
  const active = () => on || held;

  function off() {
    sendPoint.cancel();
    send({ type: "laser", x: null });
    show(null, null);
  }

  function onMove(event) {
    if (!active()) return;
    inside = true;
    const local = graph.clientToLocal(event.clientX, event.clientY);
    const x = Math.round(local.x * 10) / 10;
    const y = Math.round(local.y * 10) / 10;
    show(x, y);
    sendPoint(x, y);
  }

  function onLeave() {
    if (!inside) return;
    inside = false;
    if (active()) off();
  }

  function typing(event) {
    const target = event.target;
    return target && (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName));
  }

  function onKeyDown(event) {
    if (event.key.toLowerCase() !== "l" || event.repeat || typing(event) || event.ctrlKey || event.metaKey || event.altKey) return;
    held = true;
    element.dataset.laser = "on";
  }

  function onKeyUp(event) {
    if (event.key.toLowerCase() !== "l" || !held) return;
    held = false;
    if (!on) {
      element.dataset.laser = "off";
      off();
    }
  }

  if (leading) {
    element.addEventListener("pointermove", onMove);
    element.addEventListener("pointerleave", onLeave);
    if (holdKey) {
      document.addEventListener("keydown", onKeyDown);
      document.addEventListener("keyup", onKeyUp);
    }
  }

  return {
    /** A `laser` message (the instructor's own page draws its pointer itself). */
    receive(message) {
      if (leading) return;
      show(message.x, message.y);
    },
    setOn(value) {
      if (!leading) return;
      on = Boolean(value);
      element.dataset.laser = on ? "on" : "off";
      if (!on && !held) off();
      callbacks.onToggle?.(on);
    },
    isOn: () => on,
    destroy() {
      window.cancelAnimationFrame(frame);
      sendPoint.cancel();
      graph.off("translate", schedule);
      graph.off("scale", schedule);
      element.removeEventListener("pointermove", onMove);
      element.removeEventListener("pointerleave", onLeave);
      document.removeEventListener("keydown", onKeyDown);
      document.removeEventListener("keyup", onKeyUp);
      layer.remove();
    },
  };
}

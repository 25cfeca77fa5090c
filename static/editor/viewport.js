/**
 * Zoom, pan and fit. Space + drag pans (rubber-band selection is paused while space is
 * held), the wheel scrolls, Ctrl + wheel zooms at the pointer. Shows the zoom level in the
 * toolbar; clicking it goes back to 100%. Fit leaves every node clear of what floats over
 * the canvas (the minimap): see fit.js.
 */

import { fitPlacement } from "./fit.js";

const ZOOM_STEP = 0.2;
const FIT_PADDING = 48;

/**
 * @param {object} args
 * @param {HTMLElement} [args.element] the zoom level label (#zoom-level)
 * @param {object} args.options {graph, isZone(cell), floating(): HTMLElement[] (what floats over the canvas)}
 * @returns {{zoomIn: Function, zoomOut: Function, zoomReset: Function, fit: Function, centreOn: Function, update: Function, destroy: Function}}
 */
export function createViewport({ element, options }) {
  const { graph, isZone = () => false, floating = () => [] } = options;
  const selection = graph.getPlugin("selection");
  let spacePaused = false;

  function update() {
    if (element) element.textContent = `${Math.round(graph.zoom() * 100)}%`;
  }

  function zoomBy(delta) {
    const area = graph.getGraphArea();
    graph.zoom(delta, { center: area.getCenter(), minScale: 0.2, maxScale: 3 });
  }

  /** The floating elements' boxes, in the canvas's pixels (hidden ones are left out). */
  function obstacles() {
    const origin = graph.container.getBoundingClientRect();
    return floating()
      .filter(Boolean)
      .map((element) => element.getBoundingClientRect())
      .filter((rect) => rect.width > 0 && rect.height > 0)
      .map((rect) => ({ x: rect.left - origin.left, y: rect.top - origin.top, width: rect.width, height: rect.height }));
  }

  /**
   * The canvas's size now. X6 follows its parent's size a frame late (ResizeObserver): after
   * a layout change (presentation mode) the graph is brought up to date first.
   */
  function currentSize() {
    const parent = graph.container.parentElement;
    const width = parent?.clientWidth || graph.container.clientWidth;
    const height = parent?.clientHeight || graph.container.clientHeight;
    if (width !== graph.container.clientWidth || height !== graph.container.clientHeight) graph.resize(width, height);
    return { width, height };
  }

  function fit() {
    if (graph.getCellCount() === 0) {
      graph.zoomTo(1);
      graph.translate(0, 0);
      return;
    }
    const { scale, tx, ty } = fitPlacement({
      area: currentSize(),
      content: graph.getContentArea(),
      boxes: graph
        .getNodes()
        .filter((node) => !isZone(node))
        .map((node) => node.getBBox()),
      obstacles: obstacles(),
      padding: FIT_PADDING,
      minScale: 0.2,
      maxScale: 1.2,
    });
    graph.zoomTo(scale);
    graph.translate(tx, ty);
  }

  /** Bring a cell to the middle of the view, zooming in if it would be too small to see. */
  function centreOn(cell) {
    if (graph.zoom() < 0.6) graph.zoomTo(0.9);
    graph.centerCell(cell);
  }

  function onKeyDown(event) {
    if (event.code === "Space" && !event.repeat && !isTyping(event) && selection?.isRubberbandEnabled()) {
      selection.disableRubberband();
      spacePaused = true;
    }
  }

  function onKeyUp(event) {
    if (event.code === "Space" && spacePaused) {
      selection.enableRubberband();
      spacePaused = false;
    }
  }

  function zoomReset() {
    graph.zoomTo(1, { center: graph.getGraphArea().getCenter() });
  }

  graph.on("scale", update);
  document.addEventListener("keydown", onKeyDown);
  document.addEventListener("keyup", onKeyUp);
  element?.addEventListener("click", zoomReset);
  update();

  return {
    zoomIn: () => zoomBy(ZOOM_STEP),
    zoomOut: () => zoomBy(-ZOOM_STEP),
    zoomReset,
    fit,
    centreOn,
    update,
    destroy() {
      graph.off("scale", update);
      document.removeEventListener("keydown", onKeyDown);
      document.removeEventListener("keyup", onKeyUp);
      element?.removeEventListener("click", zoomReset);
    },
  };
}

/** Whether a key event is typing into a field. */
export function isTyping(event) {
  const target = event.target;
  return Boolean(
    target &&
      (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName)),
  );
}

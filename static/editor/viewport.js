/**
 * Zoom, pan and fit. Space + drag pans (rubber-band selection is paused while space is
 * held), the wheel scrolls, Ctrl + wheel zooms at the pointer. Shows the zoom level in the
 * toolbar; clicking it goes back to 100%.
 */

const ZOOM_STEP = 0.2;
const FIT_PADDING = 48;

/**
 * @param {object} args
 * @param {HTMLElement} [args.element] the zoom level label (#zoom-level)
 * @param {object} args.options {graph}
 * @returns {{zoomIn: Function, zoomOut: Function, zoomReset: Function, fit: Function, centreOn: Function, update: Function, destroy: Function}}
 */
export function createViewport({ element, options }) {
  const { graph } = options;
  const selection = graph.getPlugin("selection");
  let spacePaused = false;

  function update() {
    if (element) element.textContent = `${Math.round(graph.zoom() * 100)}%`;
  }

  function zoomBy(delta) {
    const area = graph.getGraphArea();
    graph.zoom(delta, { center: area.getCenter(), minScale: 0.2, maxScale: 3 });
  }

  function fit() {
    if (graph.getCellCount() === 0) {
      graph.zoomTo(1);
      graph.translate(0, 0);
      return;
    }
    graph.zoomToFit({ padding: FIT_PADDING, maxScale: 1.2, minScale: 0.2 });
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

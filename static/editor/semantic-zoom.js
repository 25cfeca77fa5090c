/**
 * Semantic zoom: text on the canvas keeps a readable size on screen however far the diagram
 * is zoomed out. Below the zoom at which a node's own label would shrink under the minimum,
 * nodes switch to a "far" look (a large, centred, wrapped label; no icon, no kind line) and
 * the live figures are counter-scaled (see static/live/live-canvas.js), both by about
 * 1 / zoom, capped so that they never grow without bound.
 *
 * The minimum on-screen text size is the CSS variable `--ap-min-text-px` on the editor
 * (presentation mode raises it), so the stylesheet decides and every layer reads the same
 * figure.
 */

export const DEFAULT_MIN_TEXT_PX = 12;
const NODE_LABEL_PX = 12.5; // the label's size in the node's own look (shapes.js)
const FAR_LABEL_MAX = 26; // graph units: two lines still fit a node 56 high
const MAX_TEXT_SCALE = 4;

/** The minimum on-screen text size, in CSS pixels, for text inside `element`. */
export function minTextPx(element) {
  if (!element) return DEFAULT_MIN_TEXT_PX;
  const value = parseFloat(getComputedStyle(element).getPropertyValue("--ap-min-text-px"));
  return Number.isFinite(value) && value > 0 ? value : DEFAULT_MIN_TEXT_PX;
}

/**
 * How much to enlarge text drawn at `basePx` (graph units) so that it shows at least
 * `minPx` on screen at this zoom: 1 when it already does, at most `maxScale`.
 */
export function textScale(zoom, basePx, minPx = DEFAULT_MIN_TEXT_PX, maxScale = MAX_TEXT_SCALE) {
  if (!(zoom > 0)) return 1;
  return Math.min(maxScale, Math.max(1, minPx / (basePx * zoom)));
}

/**
 * The nodes' look at this zoom: `{far: false}` while their labels read well as they are
 * (down to 3 px under `minPx`: the icon and kind line are worth keeping that long), else
 * `{far: true, labelSize}` with the label's size in graph units (whole units, so that small
 * zoom steps do not redraw every node). Far labels may be a pixel under `minPx`: a label has
 * a whole node to itself, a figure does not.
 */
export function nodeLook(zoom, minPx = DEFAULT_MIN_TEXT_PX) {
  const labelPx = minPx - 1;
  if (!(zoom > 0) || NODE_LABEL_PX * zoom >= minPx - 3) return { far: false };
  return { far: true, labelSize: Math.min(FAR_LABEL_MAX, Math.max(NODE_LABEL_PX, Math.round(labelPx / zoom))) };
}

/**
 * Follow the zoom and tell when the nodes' look changes.
 * @param {object} args
 * @param {HTMLElement} args.element the editor (#editor): carries `data-zoom-look` and the CSS variable
 * @param {object} args.options {graph}
 * @param {object} args.callbacks {onChange(look)}
 * @returns {{refresh(): void, look(): object, update(): void, destroy(): void}}
 */
export function createSemanticZoom({ element, options, callbacks }) {
  const { graph } = options;
  let current = { far: false };
  let pending = 0;

  function refresh() {
    pending = 0;
    const next = nodeLook(graph.zoom(), minTextPx(element));
    element.dataset.zoomLook = next.far ? "far" : "near";
    if (next.far === current.far && next.labelSize === current.labelSize) return;
    current = next;
    callbacks.onChange(next);
  }

  function onScale() {
    if (!pending) pending = requestAnimationFrame(refresh);
  }

  graph.on("scale", onScale);
  refresh();

  return {
    refresh,
    look: () => current,
    update: refresh,
    destroy() {
      cancelAnimationFrame(pending);
      graph.off("scale", onScale);
    },
  };
}

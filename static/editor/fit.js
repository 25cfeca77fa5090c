/**
 * Where "fit to screen" puts the diagram: the largest zoom at which the whole diagram fits the
 * canvas, with no node under anything floating over the canvas (the minimap in its corner).
 * Pure geometry, no DOM: viewport.js measures, this decides.
 *
 * The plain fit (centred, `padding` all round) wins when nothing lies under an obstacle.
 * Otherwise the diagram is slid towards the other corners of the free area and, when that is
 * not enough, shrunk step by step until one placement leaves every node clear.
 */

const SHRINK = 0.97; // each step tries a zoom 3 % smaller
const ALIGNMENTS = [
  [0.5, 0.5], // centred: the plain fit
  [0.5, 0],
  [0, 0.5],
  [0, 0],
  [1, 0],
  [0, 1],
];

/** Whether two rectangles {x, y, width, height} overlap (touching edges do not). */
export function intersects(a, b) {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

/** A rectangle in graph-local coordinates, on screen at zoom `scale` and translation (tx, ty). */
function onScreen(box, scale, tx, ty) {
  return { x: box.x * scale + tx, y: box.y * scale + ty, width: box.width * scale, height: box.height * scale };
}

/**
 * @param {object} args
 * @param {{width: number, height: number}} args.area the canvas, in screen pixels
 * @param {{x, y, width, height}} args.content every cell's bounding box, graph-local
 * @param {Array<{x, y, width, height}>} args.boxes the boxes that must stay clear (nodes), graph-local
 * @param {Array<{x, y, width, height}>} [args.obstacles] what floats over the canvas, in canvas pixels
 * @param {number} [args.padding] room left around the diagram, in pixels
 * @param {number} [args.margin] room left between a node and an obstacle, in pixels
 * @param {number} [args.minScale]
 * @param {number} [args.maxScale]
 * @returns {{scale: number, tx: number, ty: number, clear: boolean}} the zoom and translation;
 *   `clear` is false when even the smallest zoom leaves a node under an obstacle
 */
export function fitPlacement({ area, content, boxes, obstacles = [], padding = 48, margin = 8, minScale = 0.2, maxScale = 1.2 }) {
  const free = { width: Math.max(1, area.width - 2 * padding), height: Math.max(1, area.height - 2 * padding) };
  const best = Math.min(maxScale, free.width / Math.max(1, content.width), free.height / Math.max(1, content.height));
  const grown = obstacles
    .filter((rect) => rect.width > 0 && rect.height > 0)
    .map((rect) => ({ x: rect.x - margin, y: rect.y - margin, width: rect.width + 2 * margin, height: rect.height + 2 * margin }));

  function place(scale, [alignX, alignY]) {
    const tx = padding + (free.width - content.width * scale) * alignX - content.x * scale;
    const ty = padding + (free.height - content.height * scale) * alignY - content.y * scale;
    return { scale, tx, ty };
  }

  function isClear({ scale, tx, ty }) {
    return boxes.every((box) => {
      const rect = onScreen(box, scale, tx, ty);
      return grown.every((obstacle) => !intersects(rect, obstacle));
    });
  }

  let scale = Math.max(minScale, best);
  for (;;) {
    for (const alignment of ALIGNMENTS) {
      const placement = place(scale, alignment);
      if (isClear(placement)) return { ...placement, clear: true };
    }
    if (scale <= minScale) break;
    scale = Math.max(minScale, scale * SHRINK);
  }
  return { ...place(Math.max(minScale, best), ALIGNMENTS[0]), clear: false };
}

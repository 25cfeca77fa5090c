/**
 * requestAnimationFrame coalescing: frames may arrive faster than the page paints (or while
 * the tab is hidden); only the newest one waiting is drawn, once per animation frame.
 */

/**
 * @param {object} args
 * @param {object} args.callbacks {draw(frame)}
 * @returns {{update(frame): void, flush(): void, destroy(): void}}
 */
export function createLatestFrame({ callbacks }) {
  let waiting = null;
  let requested = 0;

  function paint() {
    requested = 0;
    const frame = waiting;
    waiting = null;
    if (frame) callbacks.draw(frame);
  }

  return {
    /** Keep this frame as the one to draw next (replacing any not drawn yet). */
    update(frame) {
      waiting = frame;
      if (!requested) requested = window.requestAnimationFrame(paint);
    },
    /** Draw the waiting frame now (e.g. the last one of a run). */
    flush() {
      if (requested) window.cancelAnimationFrame(requested);
      paint();
    },
    destroy() {
      if (requested) window.cancelAnimationFrame(requested);
      requested = 0;
      waiting = null;
    },
  };
}

/**
 * The dock's charts during a replay: drawn from the run's start up to the scrubbed moment.
 * Moving forward only adds the points in between; moving back starts the charts again from
 * the first point. Either way the charts are drawn once per call.
 */

import { replayFrame } from "./replay-frames.js";

/**
 * @param {object} args
 * @param {object} args.options {charts: the Charts tab (dock-charts.js)}
 * @returns {{show(points, index, run): void, reset(): void}}
 */
export function createReplayCharts({ options }) {
  const { charts } = options;
  let shown = -1; // index of the last point pushed to the charts

  return {
    /** Charts up to and including point `index` of `points`. */
    show(points, index, run) {
      if (index < shown) {
        charts.reset();
        shown = -1;
      }
      for (let i = shown + 1; i <= index; i += 1) charts.update(replayFrame(points, i, run), { draw: false });
      shown = Math.max(shown, index);
      charts.draw();
    },
    reset() {
      shown = -1;
      charts.reset();
    },
  };
}

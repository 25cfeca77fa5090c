/**
 * The run's timeline under the session bar (every role): a strip from 0 to the run's
 * duration with a marker per playbook step at its `at_s` (filled once fired, crossed out when
 * skipped; a wait step sits where it was fired, or after the step before it while it waits)
 * and a line at the run time the canvas shows. Hovering a marker names the step.
 */

import { fill, formatRunTime, h, setText } from "./dom.js";

const TICK_MS = 250;

/**
 * @param {object} args
 * @param {HTMLElement} args.element the timeline (#session-timeline)
 * @param {object} args.options {getFrame(): {run_id, t, duration_s, status}|null, defaultDuration: seconds}
 * @returns {{update(state): void, destroy(): void}}
 */
export function createTimeline({ element, options }) {
  const { getFrame, defaultDuration = 30 } = options;
  const label = h("div", { class: "timeline-label" });
  const track = h("div", { class: "timeline-track" });
  const progress = h("div", { class: "timeline-progress" });
  const now = h("div", { class: "timeline-now", "aria-hidden": "true" });
  const markers = h("div", { class: "timeline-markers" });
  const clock = h("div", { class: "timeline-clock", "data-testid": "timeline-clock" });
  track.append(progress, markers, now);
  fill(element, label, track, clock);

  let state = null;
  let duration = defaultDuration;
  let drawnKey = "";

  function frameOfRun() {
    const frame = getFrame();
    return frame && state?.run && frame.run_id === state.run.run_id ? frame : null;
  }

  /** Where each step sits on the strip, in run seconds. */
  function positions(playbook) {
    let previous = 0;
    return playbook.steps.map((step, index) => {
      const fired = (playbook.fired || []).find((entry) => entry.index === index);
      let at = typeof step.at_s === "number" ? step.at_s : null;
      if (at === null && fired && typeof fired.t === "number") at = fired.t;
      if (at === null) at = previous;
      previous = at;
      return { step, index, at, fired };
    });
  }

  const MARKER_PX = 22; // markers closer than this go on another lane (above, then below)

  function drawMarkers() {
    const playbook = state?.playbook;
    const width = track.clientWidth || 600;
    const key = JSON.stringify([duration, Math.round(width / 25), playbook?.name, playbook?.index, playbook?.fired, playbook?.steps?.length]);
    if (key === drawnKey) return;
    drawnKey = key;
    if (!playbook) {
      fill(markers);
      element.classList.remove("has-lanes");
      return;
    }
    const laneEnds = [-Infinity, -Infinity, -Infinity];
    let lanes = false;
    fill(
      markers,
      positions(playbook).map(({ step, index, at, fired }) => {
        const px = (Math.min(duration, at) / duration) * width;
        let lane = laneEnds.findIndex((end) => px - end >= MARKER_PX);
        if (lane < 0) lane = laneEnds.indexOf(Math.min(...laneEnds));
        laneEnds[lane] = px;
        lanes ||= lane > 0;
        const status = fired ? (fired.skipped ? "skipped" : "fired") : index === playbook.index ? "next" : "later";
        const when = step.wait && !fired ? "waits for Continue" : `${formatRunTime(at)}`;
        const text = `${index + 1}. ${step.title} — ${when}${fired ? (fired.skipped ? " (skipped)" : " (done)") : ""}`;
        return h(
          "span",
          {
            class: `timeline-marker marker-${status}${step.wait ? " marker-wait" : ""}`,
            style: `left: ${Math.min(100, (100 * at) / duration).toFixed(2)}%`,
            title: text,
            "aria-label": text,
            role: "img",
            tabindex: "0",
            dataset: { index: String(index), status, label: step.title, lane: String(lane) },
          },
          String(index + 1),
        );
      }),
    );
    element.classList.toggle("has-lanes", lanes);
  }

  function tick() {
    const frame = frameOfRun();
    if (frame && typeof frame.duration_s === "number" && frame.duration_s > 0) duration = frame.duration_s;
    const t = frame && typeof frame.t === "number" ? frame.t : null;
    const show = Boolean(state && state.status !== "ended" && (state.playbook || state.run));
    element.hidden = !show;
    if (!show) return;
    drawMarkers();
    const percent = t === null ? 0 : Math.min(100, (100 * t) / duration);
    now.style.left = `${percent}%`;
    now.hidden = t === null;
    progress.style.width = `${percent}%`;
    setText(clock, t === null ? `– / ${formatRunTime(duration)}` : `${formatRunTime(t)} / ${formatRunTime(duration)}`);
    const playbook = state.playbook;
    const next = playbook?.steps?.[playbook.index];
    setText(label, playbook ? (next ? `Next: ${next.title}` : `${playbook.name}: done`) : "Run");
  }

  const timer = window.setInterval(tick, TICK_MS);
  return {
    update(next) {
      state = next;
      tick();
    },
    destroy() {
      window.clearInterval(timer);
      element.replaceChildren();
    },
  };
}

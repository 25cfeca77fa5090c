/**
 * Replay of a finished run on the canvas: loads the run's stored series, shows the replay bar
 * (replay-controls.js) and turns a scrub or playback position into a frame for the same
 * renderers the live view uses. Positions are coalesced like live frames (latest-frame.js):
 * however fast the slider moves, one position is drawn per animation frame, the newest.
 *
 * The bar appears when a run has ended; the first scrub or Play enters the replay (the
 * caller makes the canvas read-only: `onEnter`), Close leaves it on the run's final state
 * (`onClose`) and the bar stays, to scrub again, until `hide()` (a new run, an edit).
 */

import { createLatestFrame } from "./latest-frame.js";
import { createReplayControls } from "./replay-controls.js";
import { pointIndexAt, replayFrame, seriesSpan } from "./replay-frames.js";

const LOAD_ATTEMPTS = 10; // the series is stored just after the run's last frame: retry a little
const RETRY_MS = 1000;
const ENDED = new Set(["finished", "stopped", "failed"]);

/**
 * @param {object} args
 * @param {HTMLElement} args.element the dock (the replay bar goes at its top)
 * @param {object} args.options {seriesUrl(runId): string}
 * @param {object} args.callbacks {onEnter(), onDraw(frame, {points, index, run}), onClose()}
 * @returns {{open(runId, {duration_s?, enter?}?): Promise<boolean>, seek(t): void, play(): void, pause(): void, close(): void, hide(): void, isActive(): boolean, state(): object, destroy(): void}}
 */
export function createReplay({ element, options, callbacks }) {
  let points = [];
  let run = null; // {run, duration_s, status}
  let span = { start: 0, end: 0 };
  let position = 0;
  let active = false;
  let playing = 0; // requestAnimationFrame id while playing
  let playedAt = 0;
  let generation = 0; // a newer open() makes an older load's answer stale
  let draws = 0;

  const painter = createLatestFrame({
    callbacks: {
      draw(t) {
        if (!points.length) return;
        const index = pointIndexAt(points, t);
        draws += 1;
        callbacks.onDraw(replayFrame(points, index, run), { points, index, run });
      },
    },
  });
  const controls = createReplayControls({
    element,
    callbacks: { onSeek: seek, onPlay: play, onPause: pause, onClose: close },
  });

  async function load(runId, attempt) {
    try {
      const response = await fetch(options.seriesUrl(runId), { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (response.ok) {
        const data = await response.json();
        if (ENDED.has(data.status) && Array.isArray(data.points) && data.points.length) return data;
      }
    } catch {
      // retried below
    }
    if (attempt + 1 >= LOAD_ATTEMPTS) return null;
    await new Promise((resolve) => window.setTimeout(resolve, RETRY_MS));
    return load(runId, attempt + 1);
  }

  /** Show the replay bar for a run that has ended; with `enter`, enter the replay at once (on
   * the run's final state). Resolves to whether the run's timeline could be loaded. */
  async function open(runId, { duration_s: duration, enter = false } = {}) {
    generation += 1;
    const mine = generation;
    pause();
    points = [];
    controls.show({ start: 0, end: 0 });
    controls.setMessage("Loading the run's timeline…");
    const data = await load(runId, 0);
    if (mine !== generation) return false;
    if (!data) {
      controls.setMessage("No timeline stored for this run");
      return false;
    }
    points = data.points;
    span = seriesSpan(points);
    run = { run: runId, status: data.status, duration_s: duration ?? span.end };
    controls.show(span);
    position = span.end;
    controls.setTime(position);
    if (enter) seek(position);
    return true;
  }

  function enter() {
    if (active) return;
    active = true;
    element.dataset.replay = "true";
    controls.setActive(true);
    callbacks.onEnter?.();
  }

  function seek(t) {
    if (!points.length) return;
    enter();
    position = Math.min(span.end, Math.max(span.start, t));
    controls.setTime(position);
    painter.update(position);
  }

  function tick(now) {
    const elapsed = (now - playedAt) / 1000;
    playedAt = now;
    const next = position + elapsed;
    if (next >= span.end) {
      seek(span.end);
      pause();
      return;
    }
    seek(next);
    playing = window.requestAnimationFrame(tick);
  }

  function play() {
    if (!points.length || playing) return;
    if (position >= span.end) seek(span.start);
    else seek(position);
    playedAt = performance.now();
    controls.setPlaying(true);
    playing = window.requestAnimationFrame(tick);
  }

  function pause() {
    if (playing) window.cancelAnimationFrame(playing);
    playing = 0;
    controls.setPlaying(false);
  }

  /** Leave the replay on the run's final state (the bar stays: the user may scrub again). */
  function close() {
    pause();
    if (!active) return;
    seek(span.end);
    painter.flush();
    active = false;
    delete element.dataset.replay;
    controls.setActive(false);
    callbacks.onClose?.();
  }

  /** Hide the bar without drawing (a new run starts, or the document was edited). */
  function hide() {
    generation += 1;
    pause();
    painter.destroy();
    points = [];
    active = false;
    delete element.dataset.replay;
    controls.setActive(false);
    controls.hide();
  }

  return {
    open,
    seek,
    play,
    pause,
    close,
    hide,
    isActive: () => active,
    state: () => ({ active, position, points: points.length, end: span.end, draws, playing: Boolean(playing) }),
    destroy() {
      hide();
      controls.destroy();
    },
  };
}

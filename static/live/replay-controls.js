/**
 * The replay bar at the top of the dock, for a run that has ended: play/pause, a range slider
 * over the run's time and the current time. It only reports what the user asks for
 * (`onSeek(t)` on every slider move, `onPlay`, `onPause`, `onClose`); the replay decides what
 * to draw (replay.js).
 */

import { formatRunTime } from "./replay-frames.js";

const PLAY_ICON = '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M7 5v14l11-7z"/></svg>';
const PAUSE_ICON = '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M7 5h3v14H7zM14 5h3v14h-3z"/></svg>';
const CLOSE_ICON = '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M6 6l12 12M18 6 6 18"/></svg>';

function button(className, label, html) {
  const element = document.createElement("button");
  element.type = "button";
  element.className = `tool ${className}`;
  element.setAttribute("aria-label", label);
  element.title = label;
  element.innerHTML = html;
  return element;
}

/**
 * @param {object} args
 * @param {HTMLElement} args.element where the bar goes (the dock: the bar becomes its first child)
 * @param {object} args.callbacks {onSeek(t), onPlay(), onPause(), onClose()}
 * @returns {{show(span): void, hide(): void, setTime(t): void, setPlaying(playing): void, setActive(on): void, setMessage(text): void, destroy(): void}}
 */
export function createReplayControls({ element, callbacks }) {
  const bar = document.createElement("div");
  bar.className = "replay-bar";
  bar.id = "replay-bar";
  bar.setAttribute("role", "group");
  bar.setAttribute("aria-label", "Replay of the run");
  bar.hidden = true;
  const title = document.createElement("span");
  title.className = "replay-title";
  title.textContent = "Replay";
  const play = button("replay-play", "Play", PLAY_ICON);
  const slider = document.createElement("input");
  slider.type = "range";
  slider.className = "replay-slider";
  slider.id = "replay-slider";
  slider.min = "0";
  slider.step = "0.1";
  slider.setAttribute("aria-label", "Run time (seconds)");
  const time = document.createElement("output");
  time.className = "replay-time";
  time.id = "replay-time";
  time.setAttribute("for", slider.id);
  const close = button("replay-close", "Leave the replay", CLOSE_ICON);
  close.hidden = true; // shown while the replay is entered
  bar.append(title, play, slider, time, close);
  element.prepend(bar);

  let end = 0;
  let playing = false;

  function setTime(t) {
    slider.value = String(t);
    slider.style.setProperty("--replay-progress", `${end > 0 ? (100 * t) / end : 0}%`);
    time.textContent = `${formatRunTime(t)} / ${formatRunTime(end)}`;
    bar.dataset.t = String(t);
  }

  function setPlaying(on) {
    playing = on;
    play.innerHTML = on ? PAUSE_ICON : PLAY_ICON;
    play.setAttribute("aria-label", on ? "Pause" : "Play");
    play.title = on ? "Pause" : "Play";
    bar.dataset.playing = String(on);
  }

  const onInput = () => callbacks.onSeek(Number(slider.value));
  const onPlay = () => (playing ? callbacks.onPause() : callbacks.onPlay());
  const onClose = () => callbacks.onClose();
  slider.addEventListener("input", onInput);
  play.addEventListener("click", onPlay);
  close.addEventListener("click", onClose);

  return {
    /** Show the bar for a run of this span ({start, end} in run seconds). */
    show(span) {
      end = span.end;
      slider.max = String(end);
      slider.disabled = end <= 0;
      play.disabled = end <= 0;
      bar.hidden = false;
    },
    hide() {
      bar.hidden = true;
    },
    setTime,
    setPlaying,
    /** While the replay is entered the bar offers to leave it. */
    setActive(on) {
      close.hidden = !on;
      bar.dataset.active = String(on);
    },
    /** A note in place of the time (e.g. while the timeline loads). */
    setMessage(text) {
      time.textContent = text;
    },
    destroy() {
      slider.removeEventListener("input", onInput);
      play.removeEventListener("click", onPlay);
      close.removeEventListener("click", onClose);
      bar.remove();
    },
  };
}

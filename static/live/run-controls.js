/**
 * The run controls on the editor toolbar (#run-controls): speed, duration, Run and Stop; and
 * the run's status with, once it has ended, a link to its report (shown on the dock's tab bar). Run and Stop are enabled only
 * for the scenario's owner; a viewer sees the status of the run they are watching.
 */

const STATUS_TEXT = {
  queued: "Starting…",
  running: "Running",
  draining: "Draining",
  finished: "Finished",
  stopped: "Stopped",
  failed: "Failed",
};

/**
 * @param {object} args
 * @param {HTMLElement} args.element the controls (#run-controls)
 * @param {object} args.options {owner, statusElement, reportElement}
 * @param {object} args.callbacks {onRun({speed, duration_s}), onStop()}
 * @returns {{update(state): void, destroy(): void}}
 */
export function createRunControls({ element, options, callbacks }) {
  const { owner } = options;
  const runButton = element.querySelector("#btn-run");
  const stopButton = element.querySelector("#btn-stop");
  const speed = element.querySelector("#run-speed");
  const duration = element.querySelector("#run-duration");
  const { statusElement: status, reportElement: report } = options;
  let busy = false;
  let active = false;

  function refresh() {
    runButton.disabled = !owner || busy || active;
    stopButton.disabled = !owner || busy || !active;
    if (speed) speed.disabled = !owner || active;
    if (duration) duration.disabled = !owner || active;
    if (!owner) {
      runButton.title = "Only the scenario's owner can start a run (fork it to run your own copy)";
      stopButton.title = "Only the scenario's owner can stop a run";
    }
  }

  async function onRun() {
    if (runButton.disabled) return;
    busy = true;
    refresh();
    const chosen = speed?.value || "1";
    const settings = { speed: chosen === "max" ? "max" : Number(chosen) };
    const seconds = Number(duration?.value);
    if (duration?.value && seconds > 0) settings.duration_s = seconds;
    try {
      await callbacks.onRun(settings);
    } finally {
      busy = false;
      refresh();
    }
  }

  async function onStop() {
    if (stopButton.disabled) return;
    busy = true;
    refresh();
    try {
      await callbacks.onStop();
    } finally {
      busy = false;
      refresh();
    }
  }

  runButton.addEventListener("click", onRun);
  stopButton.addEventListener("click", onStop);
  refresh();

  return {
    /**
     * @param {{active?: boolean, status?: string, t?: number, duration_s?: number, message?: string, title?: string, error?: boolean, reportUrl?: string|null}} state
     */
    update(state) {
      active = Boolean(state.active);
      let text = state.message ?? "";
      if (!text && state.status) {
        text = STATUS_TEXT[state.status] || state.status;
        if (state.status === "running" && typeof state.t === "number") {
          text += ` · ${state.t.toFixed(0)} / ${state.duration_s ?? "?"} s`;
        }
      }
      status.textContent = text;
      status.title = state.title || "";
      status.dataset.state = state.error ? "error" : state.status || "idle";
      if (report) {
        report.hidden = !state.reportUrl;
        if (state.reportUrl) report.href = state.reportUrl;
      }
      refresh();
    },
    destroy() {
      runButton.removeEventListener("click", onRun);
      stopButton.removeEventListener("click", onStop);
    },
  };
}

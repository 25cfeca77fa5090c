/**
 * The playbook's clock (the instructor's page only). While the loaded playbook is playing
 * and the session's run is streaming, each live frame's run time `t` is compared with the
 * next step's `at_s`; when it is reached the step is fired (POST {action: "fire", index}).
 * The run's frames come from the live view (window.playgroundLive.lastFrame(), the frame the
 * canvas shows), read a few times a second. A wait step is never fired here: it waits for
 * the instructor's "Continue". One request at a time; the server refuses a step that is not
 * the next one, so two instructor pages cannot fire a step twice.
 */

const TICK_MS = 150;
const RETRY_MS = 2000;

/**
 * @param {object} args
 * @param {object} args.options {getState(): session state, getFrame(): {run_id, t, status}|null}
 * @param {object} args.callbacks {fire(index): Promise<boolean>}
 * @returns {{update(state): void, destroy(): void}}
 */
export function createPlaybookDriver({ options, callbacks }) {
  const { getState, getFrame } = options;
  let busy = false;
  let refusedAt = 0;
  let refusedKey = "";

  async function tick() {
    if (busy) return;
    const state = getState();
    const playbook = state?.playbook;
    const run = state?.run;
    if (!playbook?.playing || !run || state.status !== "live") return;
    const step = playbook.steps?.[playbook.index];
    if (!step || step.wait || typeof step.at_s !== "number") return;
    const frame = getFrame();
    if (!frame || frame.run_id !== run.run_id || typeof frame.t !== "number") return;
    if (!["running", "draining"].includes(frame.status)) return;
    if (step.at_s > frame.t) return;
    const key = `${run.run_id}:${playbook.index}`;
    if (key === refusedKey && performance.now() - refusedAt < RETRY_MS) return;
    busy = true;
    try {
      const ok = await callbacks.fire(playbook.index);
      if (!ok) {
        refusedKey = key;
        refusedAt = performance.now();
      }
    } finally {
      busy = false;
    }
  }

  const timer = window.setInterval(tick, TICK_MS);
  return {
    update: () => tick(),
    destroy: () => window.clearInterval(timer),
  };
}

/**
 * Polls one of a run's record endpoints (GET /api/runs/<id>/cqrs/, /outbox/) for a dock tab:
 * once when the tab is shown, then every `intervalMs` while the tab is shown and the run goes,
 * and once more when the run ends (its final state). Never two requests at once.
 */

/**
 * @param {object} args
 * @param {object} args.options {intervalMs}
 * @param {object} args.callbacks {onData(data), onError(message)}
 * @returns {{setUrl(url): void, setVisible(visible): void, setGoing(going): void, refresh(): Promise<void>, destroy(): void}}
 */
export function createRecordPoller({ options = {}, callbacks }) {
  const intervalMs = options.intervalMs || 1000;
  let url = null;
  let visible = false;
  let going = false;
  let timer = null;
  let busy = false;
  let generation = 0; // answers for an earlier url are dropped

  async function refresh() {
    if (!url || busy) return;
    busy = true;
    const asked = generation;
    try {
      const response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      const data = await response.json().catch(() => null);
      if (asked !== generation) return;
      if (response.ok && data) callbacks.onData(data);
      else callbacks.onError?.(data?.errors?.[0]?.message || `the server answered ${response.status}`);
    } catch {
      if (asked === generation) callbacks.onError?.("the server could not be reached");
    } finally {
      busy = false;
    }
  }

  function schedule() {
    clearInterval(timer);
    timer = null;
    if (url && visible && going) timer = setInterval(refresh, intervalMs);
  }

  return {
    setUrl(next) {
      url = next;
      generation += 1;
      busy = false;
      schedule();
      if (url && visible) refresh();
    },
    setVisible(next) {
      if (next === visible) return;
      visible = next;
      schedule();
      if (visible) refresh();
    },
    setGoing(next) {
      if (next === going) return;
      const ended = going && !next;
      going = next;
      schedule();
      if (ended && visible) setTimeout(refresh, 300); // the final rows, once the last hops have committed
    },
    refresh,
    destroy() {
      clearInterval(timer);
      url = null;
    },
  };
}

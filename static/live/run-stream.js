/**
 * One run's websocket (/ws/runs/<id>/): a `snapshot` on connect, then frames whose `seq`
 * rises by one. Frames older than the newest one seen are dropped; on a gap in `seq` a fresh
 * snapshot is asked for (`{"type": "snapshot"}`), since the server may have skipped frames for
 * a slow viewer. Reconnects with backoff until the run has ended.
 */

const ENDED = new Set(["finished", "stopped", "failed"]);

/**
 * @param {object} args
 * @param {object} args.options {url: the stream path, e.g. "/ws/runs/<id>/"}
 * @param {object} args.callbacks {onFrame(frame), onEnd(frame), onConnection(connected)}
 * @returns {{update: Function, destroy: Function, stats: () => object}}
 */
export function createRunStream({ options, callbacks }) {
  let socket = null;
  let lastSeq = -1;
  let ended = false;
  let closed = false;
  let retryMs = 500;
  let timer = null;
  const stats = { frames: 0, gaps: 0, snapshots: 0 };

  function handle(frame) {
    const isSnapshot = frame.type === "snapshot";
    if (!isSnapshot && frame.seq <= lastSeq) return;
    if (!isSnapshot && lastSeq >= 0 && frame.seq > lastSeq + 1) {
      stats.gaps += 1;
      socket?.send(JSON.stringify({ type: "snapshot" }));
    }
    if (isSnapshot) stats.snapshots += 1;
    lastSeq = Math.max(lastSeq, frame.seq);
    stats.frames += 1;
    callbacks.onFrame?.(frame);
    if (ENDED.has(frame.status) && !ended) {
      ended = true;
      callbacks.onEnd?.(frame);
      socket?.close();
    }
  }

  function connect() {
    const scheme = window.location.protocol === "https:" ? "wss" : "ws";
    socket = new WebSocket(`${scheme}://${window.location.host}${options.url}`);
    socket.addEventListener("open", () => {
      retryMs = 500;
      callbacks.onConnection?.(true);
    });
    socket.addEventListener("message", (event) => {
      let frame;
      try {
        frame = JSON.parse(event.data);
      } catch {
        return;
      }
      if (frame && typeof frame.seq === "number") handle(frame);
    });
    socket.addEventListener("close", (event) => {
      callbacks.onConnection?.(false);
      if (closed || ended || event.code === 4404) return;
      timer = window.setTimeout(connect, retryMs);
      retryMs = Math.min(retryMs * 2, 10000);
    });
  }

  connect();
  return {
    update() {},
    stats: () => ({ ...stats, lastSeq }),
    destroy() {
      closed = true;
      window.clearTimeout(timer);
      socket?.close();
    },
  };
}

/** Whether a run status means the run is over. */
export function isEnded(status) {
  return ENDED.has(status);
}

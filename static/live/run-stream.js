/**
 * One run's websocket (/ws/runs/<id>/): a `snapshot` on connect, then frames whose `seq`
 * rises by one. Most are deltas (`"type": "delta"`, `base` = the previous seq): the small
 * fields, and only the `nodes` and `edges` entries that changed; merged into the picture held,
 * they give the whole frame the callbacks receive. After frames the server skipped for a slow
 * viewer it sends a whole `frame`. A delta whose base is not the picture held (a gap) is
 * dropped and a fresh snapshot asked for (`{"type": "snapshot"}`). Every ACK_EVERY-th message
 * is acknowledged once handled (`{"type": "ack", seq}`, which covers the ones before): the
 * server (apps/live/fanout.py, ACK_WINDOW 8) sends frames only to a page that keeps up, and a
 * busy page gets the newest frame instead of a backlog.
 * Reconnects with backoff until the run has ended.
 */

const ENDED = new Set(["finished", "stopped", "failed"]);
const ACK_EVERY = 4; // below the server's window of unacknowledged frames (8): never a stall

/**
 * @param {object} args
 * @param {object} args.options {url: the stream path, e.g. "/ws/runs/<id>/"}
 * @param {object} args.callbacks {onFrame(frame), onEnd(frame), onConnection(connected)}
 * @returns {{update: Function, refresh: Function, destroy: Function, stats: () => object}}
 */
export function createRunStream({ options, callbacks }) {
  let socket = null;
  let lastSeq = -1;
  let ended = false;
  let closed = false;
  let retryMs = 500;
  let timer = null;
  let unacknowledged = 0; // messages handled since the last ack
  const stats = { frames: 0, gaps: 0, snapshots: 0 };

  let picture = null; // the whole frame last handed on

  function merged(delta) {
    return {
      ...picture,
      ...delta,
      nodes: { ...picture.nodes, ...delta.nodes },
      edges: { ...picture.edges, ...delta.edges },
    };
  }

  function handle(message) {
    const isSnapshot = message.type === "snapshot";
    if (!isSnapshot && message.seq <= lastSeq) return;
    let frame = message;
    if (message.type === "delta" && typeof message.base === "number") {
      if (!picture || picture.seq !== message.base) {
        stats.gaps += 1;
        socket?.send(JSON.stringify({ type: "snapshot" }));
        return;
      }
      frame = merged(message);
    }
    if (isSnapshot) stats.snapshots += 1;
    picture = frame;
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
      unacknowledged = 0;
      callbacks.onConnection?.(true);
    });
    socket.addEventListener("message", (event) => {
      let frame;
      try {
        frame = JSON.parse(event.data);
      } catch {
        return;
      }
      if (!frame || typeof frame.seq !== "number") return;
      handle(frame);
      unacknowledged += 1;
      if (unacknowledged >= ACK_EVERY && socket?.readyState === WebSocket.OPEN) {
        socket.send(JSON.stringify({ type: "ack", seq: frame.seq }));
        unacknowledged = 0;
      }
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
    /** Ask for the run's current state again (a run waiting for the workers is not streamed). */
    refresh() {
      if (socket?.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ type: "snapshot" }));
    },
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

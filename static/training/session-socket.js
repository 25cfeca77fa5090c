/**
 * The session's websocket (/ws/sessions/<code>/, docs/api.md "Training sessions"): `hello`
 * on connect (role, state, the instructor's last view), then `state`, `view`, `laser` and
 * `error` messages, each handed to its callback. Reconnects with backoff (0.5 s doubling to
 * 10 s) unless the code is unknown (close 4404) or the socket was destroyed. What the page
 * sends (view, laser, bring) is dropped while the socket is down: each is a latest-wins
 * picture the next message replaces.
 */

/**
 * @param {object} args
 * @param {object} args.options {url: the stream path, e.g. "/ws/sessions/K7QH2M/"}
 * @param {object} args.callbacks {onHello(msg), onState(state), onView(msg), onLaser(msg),
 *   onError(message), onConnection(connected)}
 * @returns {{send(message): boolean, isOpen(): boolean, destroy(): void}}
 */
export function createSessionSocket({ options, callbacks }) {
  let socket = null;
  let closed = false;
  let retryMs = 500;
  let timer = null;

  const handlers = {
    hello: (message) => callbacks.onHello?.(message),
    state: (message) => callbacks.onState?.(message.state),
    view: (message) => callbacks.onView?.(message),
    laser: (message) => callbacks.onLaser?.(message),
    error: (message) => callbacks.onError?.(message.message || "error"),
  };

  function connect() {
    const scheme = window.location.protocol === "https:" ? "wss" : "ws";
    socket = new WebSocket(`${scheme}://${window.location.host}${options.url}`);
    socket.addEventListener("open", () => {
      retryMs = 500;
      callbacks.onConnection?.(true);
    });
    socket.addEventListener("message", (event) => {
      let message;
      try {
        message = JSON.parse(event.data);
      } catch {
        return;
      }
      handlers[message?.type]?.(message);
    });
    socket.addEventListener("close", (event) => {
      callbacks.onConnection?.(false);
      if (closed || event.code === 4404) return;
      timer = window.setTimeout(connect, retryMs);
      retryMs = Math.min(retryMs * 2, 10000);
    });
  }

  connect();
  return {
    /** Send a message now if connected; false when it was dropped. */
    send(message) {
      if (socket?.readyState !== WebSocket.OPEN) return false;
      socket.send(JSON.stringify(message));
      return true;
    },
    isOpen: () => socket?.readyState === WebSocket.OPEN,
    destroy() {
      closed = true;
      window.clearTimeout(timer);
      socket?.close();
    },
  };
}

/**
 * A throttle that keeps the newest call: `fn` runs at most once per `intervalMs`, and the
 * last call made during a pause runs at its end.
 */
export function throttleLatest(fn, intervalMs) {
  let lastRun = 0;
  let timer = null;
  let pending = null;
  function run() {
    timer = null;
    lastRun = performance.now();
    const args = pending;
    pending = null;
    fn(...args);
  }
  const throttled = (...args) => {
    pending = args;
    if (timer) return;
    const wait = intervalMs - (performance.now() - lastRun);
    if (wait <= 0) run();
    else timer = window.setTimeout(run, wait);
  };
  throttled.cancel = () => {
    window.clearTimeout(timer);
    timer = null;
    pending = null;
  };
  return throttled;
}

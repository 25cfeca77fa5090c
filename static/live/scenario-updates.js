/**
 * On a shared (read-only) scenario page: listen on /ws/scenarios/<slug>/ and, when the owner
 * saves a new revision, show a notice offering to reload; when the owner starts a run, tell the
 * page (`scenario:run-started` on document, which live-view.js listens to). Reconnects with backoff.
 *
 * @param {{element: HTMLElement, options: {slug: string}}} args
 * @returns {{update: () => void, destroy: () => void}}
 */
export function createScenarioUpdates({ element, options }) {
  let socket = null;
  let retryMs = 1000;
  let stopped = false;
  let timer = null;

  function show(revision, name) {
    element.hidden = false;
    element.replaceChildren();
    const text = document.createElement("span");
    text.textContent = `The owner saved a newer version of “${name}” (revision ${revision}).`;
    const reload = document.createElement("button");
    reload.type = "button";
    reload.className = "button small";
    reload.textContent = "Reload";
    reload.addEventListener("click", () => window.location.reload());
    element.append(text, reload);
  }

  function connect() {
    const scheme = window.location.protocol === "https:" ? "wss" : "ws";
    socket = new WebSocket(`${scheme}://${window.location.host}/ws/scenarios/${encodeURIComponent(options.slug)}/`);
    socket.addEventListener("open", () => {
      retryMs = 1000;
      element.dataset.connected = "true";
    });
    socket.addEventListener("message", (event) => {
      const data = JSON.parse(event.data);
      if (data.type === "scenario.saved") show(data.revision, data.name);
      if (data.type === "run.started") document.dispatchEvent(new CustomEvent("scenario:run-started", { detail: data }));
    });
    socket.addEventListener("close", () => {
      element.dataset.connected = "false";
      if (stopped) return;
      timer = window.setTimeout(connect, retryMs);
      retryMs = Math.min(retryMs * 2, 30000);
    });
  }

  connect();
  return {
    update() {},
    destroy() {
      stopped = true;
      window.clearTimeout(timer);
      socket?.close();
    },
  };
}

const config = JSON.parse(document.getElementById("editor-config").textContent);
const notice = document.getElementById("scenario-updated");
if (config.mode === "view" && notice) createScenarioUpdates({ element: notice, options: { slug: config.slug } });

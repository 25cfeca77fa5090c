/**
 * Live runs in the editor: wires the run controls, the run's websocket, the live canvas, the
 * edge flow, the dock's tabs and the fault menu to the editor (static/editor/editor.js).
 *
 * - The owner presses Run (unsaved changes are saved first); anyone on the page watches a run
 *   that is going: found on load through GET /api/scenarios/<slug>/runs/, or announced on the
 *   scenario's websocket (`scenario:run-started`, see scenario-updates.js).
 * - While a run streams the canvas is read-only; frames are drawn once per animation frame
 *   (latest-frame.js). When the run ends the canvas is editable again and the final figures
 *   stay until the document is edited; the run's report is linked.
 */

import { problemsOf, sendJSON } from "../editor/http.js";
import { createChaosTab } from "./dock-chaos.js";
import { createChartsTab } from "./dock-charts.js";
import { createTraceDialog } from "../trace/order-trace.js";
import { createCqrsTab } from "./dock-cqrs.js";
import { createEventsTab } from "./dock-events.js";
import { createOutboxTab } from "./dock-outbox.js";
import { createUptimeTab } from "./dock-uptime.js";
import { createDock } from "./dock.js";
import { createEdgeFlow } from "./edge-flow.js";
import { createFaultMenu } from "./fault-menu.js";
import { createLatestFrame } from "./latest-frame.js";
import { createLiveCanvas } from "./live-canvas.js";
import { createReplay } from "./replay.js";
import { createReplayCharts } from "./replay-charts.js";
import { createRunControls } from "./run-controls.js";
import { createRunStream, isEnded } from "./run-stream.js";
import { createSpeedBadge } from "./speed-badge.js";

const TABS = [
  { id: "charts", label: "Charts" },
  { id: "events", label: "Event log" },
  { id: "uptime", label: "Uptime" },
  { id: "chaos", label: "Chaos" },
  { id: "cqrs", label: "CQRS" },
  { id: "outbox", label: "Outbox" },
];

const urlFor = (template, runId) => template.replace("{id}", encodeURIComponent(runId));
const fill = (template, values) => Object.entries(values).reduce((url, [key, value]) => url.replace(`{${key}}`, encodeURIComponent(value)), template);

/** "Waiting for the workers · about 12 s", and the reason, for a run admission holds back. */
function waitingText(waiting) {
  const when = typeof waiting?.start_in_s === "number" ? ` · about ${Math.max(1, Math.round(waiting.start_in_s))} s` : "";
  return { message: `Waiting for the workers${when}`, title: waiting?.reason ? `Not started yet: ${waiting.reason}.` : "" };
}

const WAITING_REFRESH_MS = 2000;

function firstError(data, fallback) {
  return problemsOf(data)[0]?.message || fallback;
}

/**
 * @param {object} args
 * @param {object} args.options {editor (window.playgroundEditor), uPlot, dockElement, controlsElement, stageElement}
 * @returns {{watch(runId): void, destroy(): void}}
 */
export function createLiveView({ options }) {
  const { editor, uPlot, dockElement, controlsElement, stageElement } = options;
  const { graph, isZone } = editor;
  const live = editor.config.live;
  const owner = Boolean(live.owner);
  const labelOf = (id) => graph.getCellById(id)?.getData()?.label || id;

  let runId = null;
  let stream = null;
  let waitingTimer = null;
  let lastFrame = null;
  let active = false;
  let showingFinal = false;

  const controls = createRunControls({
    element: controlsElement,
    options: { owner, statusElement: dockElement.querySelector("#run-status"), reportElement: dockElement.querySelector("#run-report") },
    callbacks: { onRun: startRun, onStop: stopRun },
  });
  const pace = createSpeedBadge({ element: dockElement.querySelector("#run-pace") });
  let charts = null; // the dock shows its first tab before the tabs are built
  const polledTabs = new Map(); // tab id → a tab that polls the run's records while shown
  const dock = createDock({
    element: dockElement,
    options: { tabs: TABS },
    callbacks: {
      onShow(id) {
        if (id === "charts") charts?.show();
        for (const [tabId, tab] of polledTabs) tab.setVisible(id === tabId);
      },
    },
  });
  charts = createChartsTab({ element: dock.panel("charts"), options: { uPlot, labelOf } });
  const trace = createTraceDialog({ options: { urlFor: (corr) => fill(live.trace_url, { id: runId, corr }), labelOf } });
  const traceOrder = (corr) => runId && trace.open(corr);
  const events = createEventsTab({ element: dock.panel("events"), options: { labelOf }, callbacks: { onOrder: traceOrder } });
  const uptime = createUptimeTab({ element: dock.panel("uptime"), options: { labelOf } });
  const chaos = createChaosTab({
    element: dock.panel("chaos"),
    options: { faultTypes: live.fault_types, owner, targets },
    callbacks: { onFire: fireFault },
  });
  const cqrs = createCqrsTab({ element: dock.panel("cqrs"), options: { owner, labelOf }, callbacks: { onOrder: traceOrder } });
  const outbox = createOutboxTab({ element: dock.panel("outbox"), options: { labelOf }, callbacks: { onOrder: traceOrder } });
  polledTabs.set("cqrs", cqrs).set("outbox", outbox);
  const tabs = [charts, events, uptime, chaos, cqrs, outbox];
  const liveCanvas = createLiveCanvas({ options: { graph, isZone } });
  const flow = createEdgeFlow({ options: { graph } });
  const painter = createLatestFrame({ callbacks: { draw } });
  const replayCharts = createReplayCharts({ options: { charts } });
  const replay = createReplay({
    element: dockElement,
    options: { seriesUrl: (id) => urlFor(live.series_url, id) },
    callbacks: {
      onEnter() {
        showingFinal = false;
        flow.stop();
        menu.close();
        editor.setLiveMode(true);
        replayCharts.reset();
      },
      onDraw(frame, { points, index, run }) {
        liveCanvas.update(frame);
        replayCharts.show(points, index, run);
      },
      onClose() {
        editor.setLiveMode(false);
        showingFinal = true; // the final state stays until the document is edited
      },
    },
  });
  const menu = createFaultMenu({
    element: stageElement,
    options: {
      graph,
      faultTypes: live.fault_types,
      enabled: () => owner && active,
      instancesOf: (id) => Object.keys(lastFrame?.nodes?.[id]?.instances || {}),
    },
    callbacks: {
      onFire: (body) => fireFault(body),
      onChoose(action, target) {
        dock.show("chaos");
        chaos.prefill(action, target);
      },
    },
  });

  /** Nodes and edges the chaos tab can aim at. */
  function targets() {
    const nodes = graph.getNodes().map((cell) => ({ id: cell.id, label: labelOf(cell.id), type: "node", kind: cell.getData()?.kind }));
    const edges = graph.getEdges().map((cell) => ({ id: cell.id, label: cell.id, type: "edge" }));
    return [...nodes, ...edges];
  }

  function draw(frame) {
    if (frame.status === "queued" && frame.waiting) {
      controls.update({ active: true, ...waitingText(frame.waiting) });
      window.clearTimeout(waitingTimer);
      waitingTimer = window.setTimeout(() => stream?.refresh(), WAITING_REFRESH_MS);
      return;
    }
    liveCanvas.update(frame);
    pace.update(frame);
    flow.update(frame);
    for (const tab of tabs) tab.update(frame);
    dock.setTabNote("cqrs", cqrs.hasData() ? "" : "empty");
    dock.setTabNote("outbox", outbox.hasData() ? "" : "empty");
    controls.update({
      active: !isEnded(frame.status),
      status: frame.status,
      t: frame.t,
      duration_s: frame.duration_s,
      reportUrl: isEnded(frame.status) ? urlFor(live.report_url, runId) : null,
    });
  }

  /** Point the CQRS and Outbox tabs at a run's records; they poll while it goes. */
  function followRecords(id, going) {
    cqrs.watch({ cqrs: urlFor(live.cqrs_url, id), rebuild: (node) => fill(live.rebuild_url, { id, node }) });
    outbox.watch(urlFor(live.outbox_url, id));
    for (const tab of polledTabs.values()) tab.setGoing(going);
  }

  /** Start watching a run (the owner's own, or one announced to this page). */
  function watch(id) {
    if (id === runId && stream) return;
    stream?.destroy();
    replay.hide();
    runId = id;
    lastFrame = null;
    active = true;
    showingFinal = false;
    liveCanvas.clear();
    flow.clear();
    pace.reset();
    for (const tab of tabs) tab.reset();
    followRecords(id, true);
    editor.setLiveMode(true);
    flow.start();
    chaos.setLive(true);
    dockElement.dataset.run = id;
    controls.update({ active: true, status: "queued" });
    stream = createRunStream({
      options: { url: urlFor(live.stream_url, id) },
      callbacks: {
        onFrame(frame) {
          lastFrame = frame;
          events.receive(frame); // every frame's audit entries, drawn or not
          painter.update(frame);
        },
        onEnd: finish,
      },
    });
  }

  function finish(frame) {
    painter.flush();
    active = false;
    showingFinal = true;
    flow.stop();
    menu.close();
    chaos.setLive(false);
    for (const tab of polledTabs.values()) tab.setGoing(false);
    editor.setLiveMode(false);
    controls.update({ active: false, status: frame.status, reportUrl: urlFor(live.report_url, runId) });
    replay.open(runId, { duration_s: frame.duration_s });
  }

  /** Open a run that has ended in replay, on its final state (e.g. from its report's link). */
  function openReplay(id, run) {
    stream?.destroy();
    stream = null;
    runId = id;
    active = false;
    dockElement.dataset.run = id;
    followRecords(id, false);
    controls.update({ active: false, status: run.status, reportUrl: urlFor(live.report_url, id) });
    dock.show("charts");
    return replay.open(id, { duration_s: run.duration_s, enter: true });
  }

  /** `?run=<id>` in the page's address: watch that run if it is going, replay it if it ended,
   * at `&t=<run seconds>` if given, with `&order=<id>`'s trace open if given. */
  async function openRequestedRun() {
    const params = new URLSearchParams(window.location.search);
    const id = params.get("run");
    if (!id) return false;
    try {
      const response = await fetch(urlFor(live.run_url, id), { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (!response.ok) return false;
      const run = await response.json();
      if (run.scenario && run.scenario !== editor.config.slug) return false;
      if (isEnded(run.status)) {
        await openReplay(id, run);
        const t = Number.parseFloat(params.get("t") ?? "");
        if (Number.isFinite(t)) replay.seek(t);
        if (params.get("order")) traceOrder(params.get("order"));
      } else watch(id);
      return true;
    } catch {
      return false;
    }
  }

  async function startRun(settings) {
    if (editor.isDirty()) {
      controls.update({ active: false, message: "Saving…" });
      const saved = await editor.save();
      if (!saved) {
        controls.update({ active: false, message: "Not started: the scenario could not be saved", error: true });
        return;
      }
    }
    controls.update({ active: false, message: "Starting…" });
    const { status, data } = await sendJSON(live.runs_url, settings);
    if (status === 201 && data?.run_id) {
      watch(data.run_id);
      if (data.waiting) controls.update({ active: true, ...waitingText(data.waiting) });
      return;
    }
    const message = status === 0 ? "the server could not be reached" : firstError(data, `the server answered ${status}`);
    controls.update({ active: false, message: `Not started: ${message}`, error: true });
  }

  async function stopRun() {
    if (!runId) return;
    const { status, data } = await sendJSON(urlFor(live.stop_url, runId), {});
    if (status === 202) {
      controls.update({ active: true, message: "Stopping…" });
    } else {
      controls.update({ active, message: `Not stopped: ${firstError(data, `the server answered ${status}`)}`, error: true });
    }
  }

  async function fireFault(body) {
    if (!runId || !active) return { ok: false, message: "no run is going" };
    const { status, data } = await sendJSON(urlFor(live.faults_url, runId), body);
    const ok = status === 202;
    const text = `${body.action.replaceAll("_", " ")} → ${labelOf(body.target)}${body.instance !== undefined ? `/${body.instance}` : ""}`;
    events.add({ t: lastFrame?.t ?? 0, type: "fault", target: body.target, text: ok ? `fault fired: ${text}` : `fault refused: ${text}` });
    const answer = { ok, message: ok ? "" : firstError(data, `the server answered ${status}`) };
    chaos.record(body, answer);
    return answer;
  }

  /** A run going when the page opened (e.g. a viewer arriving mid-run). */
  async function findActiveRun() {
    try {
      const response = await fetch(live.runs_url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (!response.ok) return;
      const runs = await response.json();
      const going = runs.find((run) => ["queued", "running", "draining"].includes(run.status));
      if (going && !runId) watch(going.run_id);
    } catch {
      // the page works without it; the scenario's websocket announces new runs
    }
  }

  function onRunStarted(event) {
    if (event.detail?.run_id && !active) watch(event.detail.run_id);
  }

  /** The final figures stay until the document is edited. */
  function onDocumentChange() {
    if (!replay.isActive()) replay.hide();
    if (!showingFinal) return;
    showingFinal = false;
    liveCanvas.clear();
    flow.clear();
  }

  document.addEventListener("scenario:run-started", onRunStarted);
  document.addEventListener("editor:change", onDocumentChange);
  controls.update({ active: false, message: "" });
  openRequestedRun().then((opened) => opened || findActiveRun());

  const api = {
    watch,
    runId: () => runId,
    isActive: () => active,
    lastFrame: () => lastFrame,
    replay: () => replay.state(),
    seekReplay: (t) => replay.seek(t),
    traceOrder,
    stats: () => ({ ...(stream?.stats() || {}), chartPoints: charts.pointCount(), eventRows: events.rowCount() }),
    destroy() {
      window.clearTimeout(waitingTimer);
      stream?.destroy();
      replay.destroy();
      painter.destroy();
      liveCanvas.destroy();
      flow.destroy();
      menu.destroy();
      controls.destroy();
      pace.destroy();
      for (const tab of tabs) tab.destroy();
      trace.destroy();
      dock.destroy();
      document.removeEventListener("scenario:run-started", onRunStarted);
      document.removeEventListener("editor:change", onDocumentChange);
    },
  };
  return api;
}

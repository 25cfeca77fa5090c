/**
 * The dock's Uptime tab: availability per component and end to end, told in nines and the
 * downtime per year that level allows (99.9 % allows 8.76 h, 99.99 % 52.6 min).
 *
 * As in the run summary, availability is request-based: the share of a component's work that
 * succeeded ((processed − errors) / processed), and end to end the share of finished requests
 * that completed. "Time up" is measured from the frames: the share of run time the component
 * had an instance able to serve.
 *
 * Below it the incidents: each fault fired during the run (the frame's `incidents`, see
 * apps/engine/stream.py), when it fired and was undone, how long the load balancer took to
 * detect it (take the instance out of rotation) and to recover (put it back, or drain a
 * stopped consumer's backlog), and a bar placing it on the run's time line.
 */

import { allDown } from "./live-canvas.js";
import { downtimePerYear, formatPercent, nines } from "./format.js";
import { isTrafficSource } from "./kind-traits.js";

// What the run measures about each fault comes with it (`measured`, declared per fault type
// in apps/topology/faults.py): "health" detection and recovery, "backlog" or "refill"
// recovery, or "" (nothing: its effect shows in the figures).
const detectionMeasured = (incident) => incident.measured === "health";
const recoveryMeasured = (incident) => Boolean(incident.measured);

const seconds = (value) => `${Number(value).toFixed(1)} s`;
/** A detection or recovery time: hundredths below 10 s (a passive ejection takes milliseconds). */
const took = (value) => `${Number(value).toFixed(Math.abs(value) < 10 ? 2 : 1)} s`;

function incidentKey(incident) {
  return [incident.action, incident.target, incident.instance ?? "", incident.fired_at_s].join("|");
}

/** "instance 0 killed", "stop consumer", "add latency (instance 1)" */
function faultText(incident) {
  const hasInstance = incident.instance !== undefined && incident.instance !== null;
  if (incident.action === "kill_instance" && hasInstance) return `instance ${incident.instance} killed`;
  const action = String(incident.action).replaceAll("_", " ");
  return hasInstance ? `${action} (instance ${incident.instance})` : action;
}

/** "1.9 s", or why there is no figure: not measured for this fault, or not yet. */
function detectedText(incident, ended) {
  if (!detectionMeasured(incident)) return "–";
  if (incident.detected_after_s !== null && incident.detected_after_s !== undefined) return took(incident.detected_after_s);
  return ended ? "not detected" : "not yet";
}

function recoveredText(incident, ended) {
  if (!recoveryMeasured(incident)) return "–";
  if (incident.recovered_after_s !== null && incident.recovered_after_s !== undefined) return took(incident.recovered_after_s);
  const instant = incident.measured === "refill"; // a one-off event: recovery runs from when it fired
  if (!instant && (incident.undone_at_s === null || incident.undone_at_s === undefined)) return "still failed";
  return ended ? "did not recover" : "not yet";
}

function ninesText(availability) {
  if (availability === null) return "–";
  const value = nines(availability);
  return value === Infinity ? "∞" : value.toFixed(1);
}

/**
 * @param {object} args
 * @param {HTMLElement} args.element the tab panel
 * @param {object} args.options {labelOf(nodeId)}
 * @returns {{update(frame): void, reset(): void, destroy(): void}}
 */
export function createUptimeTab({ element, options }) {
  const { labelOf } = options;
  element.classList.add("dock-uptime");
  element.innerHTML = `
    <table class="dock-table">
      <thead><tr><th>Component</th><th>Availability</th><th>Nines</th><th>Downtime a year at this level</th><th>Time up</th></tr></thead>
      <tbody data-rows></tbody>
    </table>
    <h3 class="dock-subtitle">Incidents <small data-incident-count></small><span class="incident-legend" aria-hidden="true" data-incident-legend hidden><i class="incident-key-down"></i>failed <i class="incident-key-recovery"></i>recovering <i class="incident-key-detected"></i>detected <i class="incident-key-now"></i>now</span></h3>
    <p class="dock-empty" data-no-incidents>No fault fired yet: kill an instance from the Chaos tab or the node's right-click menu.</p>
    <table class="dock-table incident-table" data-incidents hidden>
      <thead><tr><th>What failed</th><th>When (run time)</th><th>Detected after</th><th>Recovered after</th><th>On the run's time line</th></tr></thead>
      <tbody data-incident-rows></tbody>
    </table>
    <p class="dock-note">Availability is the share of work that succeeded (end to end: of finished requests).
      For scale: 99.9 % allows 8.76 h of downtime a year, 99.99 % 52.6 min, 99.999 % 5.26 min.</p>`;
  const body = element.querySelector("[data-rows]");
  const incidentTable = element.querySelector("[data-incidents]");
  const incidentBody = element.querySelector("[data-incident-rows]");
  const noIncidents = element.querySelector("[data-no-incidents]");
  const incidentCount = element.querySelector("[data-incident-count]");
  const legend = element.querySelector("[data-incident-legend]");
  const incidentRows = new Map(); // key -> <tr>
  const rows = new Map(); // id -> <tr>
  const upTime = new Map(); // id -> {up, total}
  let previousT = null;

  function rowFor(id, label, kind) {
    if (rows.has(id)) return rows.get(id);
    const tr = document.createElement("tr");
    tr.dataset.component = id;
    tr.innerHTML = "<th scope='row'></th><td></td><td></td><td></td><td></td>";
    tr.children[0].textContent = label;
    if (kind) {
      const small = document.createElement("small");
      small.textContent = ` ${kind.replaceAll("_", " ")}`;
      tr.children[0].append(small);
    }
    body.append(tr);
    rows.set(id, tr);
    return tr;
  }

  function fill(tr, availability, timeShare) {
    const cells = tr.children;
    cells[1].textContent = availability === null ? "no traffic yet" : formatPercent(availability);
    cells[2].textContent = ninesText(availability);
    cells[3].textContent = availability === null ? "–" : downtimePerYear(availability).replace("/year", "");
    cells[4].textContent = timeShare === null ? "–" : formatPercent(timeShare);
    tr.dataset.level = availability === null ? "none" : availability >= 0.999 ? "good" : availability >= 0.99 ? "fair" : "poor";
  }

  function incidentRow(key, incident) {
    if (incidentRows.has(key)) return incidentRows.get(key);
    const tr = document.createElement("tr");
    tr.dataset.incident = key;
    tr.dataset.target = incident.target;
    tr.innerHTML = `<th scope="row"></th><td data-field="when"></td><td data-field="detected"></td><td data-field="recovered"></td>
      <td><div class="incident-bar" role="img"><span class="incident-down"></span><span class="incident-recovery"></span><span class="incident-detected"></span><span class="incident-now"></span></div></td>`;
    const what = tr.children[0];
    what.textContent = labelOf(incident.target);
    const small = document.createElement("small");
    small.textContent = ` ${faultText(incident)}${incident.live ? " · live" : ""}`;
    what.append(small);
    incidentBody.append(tr);
    incidentRows.set(key, tr);
    return tr;
  }

  function place(span, from, to, duration) {
    const left = Math.min(100, Math.max(0, (from / duration) * 100));
    const right = Math.min(100, Math.max(left, (to / duration) * 100));
    span.style.left = `${left}%`;
    span.style.width = `${right - left}%`;
    span.hidden = to <= from;
  }

  function drawIncidents(frame) {
    const incidents = frame.incidents || [];
    const ended = ["finished", "stopped", "failed"].includes(frame.status);
    const t = frame.t ?? 0;
    const duration = Math.max(frame.duration_s || 0, t, 1);
    const seen = new Set();
    for (const incident of incidents) {
      const key = incidentKey(incident);
      seen.add(key);
      const tr = incidentRow(key, incident);
      const fired = incident.fired_at_s ?? 0;
      const undone = incident.undone_at_s ?? null;
      const cells = tr.children;
      cells[1].textContent = `${seconds(fired)} → ${undone === null ? "now" : seconds(undone)}`;
      cells[2].textContent = detectedText(incident, ended);
      cells[3].textContent = recoveredText(incident, ended);
      tr.dataset.state = undone === null ? "failed" : incident.recovered_after_s === null || incident.recovered_after_s === undefined ? "recovering" : "recovered";
      const [down, recovery, detected, now] = tr.querySelector(".incident-bar").children;
      place(down, fired, undone ?? t, duration);
      const recoveredAt = incident.recovered_after_s ?? null;
      if (undone === null) place(recovery, 0, 0, duration);
      else place(recovery, undone, recoveredAt !== null ? undone + recoveredAt : ended ? undone : Math.max(undone, t), duration);
      const detectedAt = incident.detected_after_s ?? null;
      detected.hidden = detectedAt === null;
      if (detectedAt !== null) detected.style.left = `${Math.min(100, ((fired + detectedAt) / duration) * 100)}%`;
      now.hidden = ended;
      now.style.left = `${Math.min(100, (t / duration) * 100)}%`;
      tr.querySelector(".incident-bar").setAttribute(
        "aria-label",
        `failed at ${seconds(fired)}${detectedAt === null ? "" : `, detected ${seconds(detectedAt)} later`}${undone === null ? "" : `, undone at ${seconds(undone)}`} of ${seconds(duration)}`,
      );
    }
    for (const [key, tr] of incidentRows) {
      if (seen.has(key)) continue;
      tr.remove();
      incidentRows.delete(key);
    }
    incidentTable.hidden = incidents.length === 0;
    legend.hidden = incidents.length === 0;
    noIncidents.hidden = incidents.length > 0;
    incidentCount.textContent = incidents.length ? `(${incidents.length})` : "";
  }

  function update(frame) {
    const dt = previousT === null ? 0 : Math.max(0, (frame.t ?? 0) - previousT);
    previousT = frame.t ?? 0;
    const requests = frame.requests || {};
    const finished = ["completed", "failed", "rejected", "timed_out"].reduce((sum, name) => sum + (requests[name] || 0), 0);
    fill(rowFor("__e2e__", "End to end"), finished ? (requests.completed || 0) / finished : null, null);
    for (const [id, node] of Object.entries(frame.nodes || {})) {
      if (isTrafficSource(node.kind)) continue;
      const processed = node.processed || 0;
      const availability = processed ? Math.max(0, processed - (node.errors || 0)) / processed : null;
      const share = upTime.get(id) || { up: 0, total: 0 };
      share.total += dt;
      if (!(allDown(node) || node.stopped)) share.up += dt;
      upTime.set(id, share);
      fill(rowFor(id, labelOf(id), node.kind), availability, share.total > 0 ? share.up / share.total : null);
    }
    drawIncidents(frame);
  }

  return {
    update,
    reset() {
      body.replaceChildren();
      rows.clear();
      upTime.clear();
      previousT = null;
      incidentBody.replaceChildren();
      incidentRows.clear();
      incidentTable.hidden = true;
      legend.hidden = true;
      noIncidents.hidden = false;
      incidentCount.textContent = "";
    },
    destroy() {
      element.replaceChildren();
    },
  };
}

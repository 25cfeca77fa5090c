/**
 * Events of a run as the event log shows them: the frame's own `events` (the audit log entries
 * appended since the previous frame: requests, calls served, decisions, events published and
 * handled, outcomes, faults…), and what changed between two frames (status, instances dying
 * and coming back, consumers stopping and starting, cut edges; breakers and health checks are audit entries).
 *
 * The audit entries are taken from every frame received (auditEventsOf); the changes from the
 * frames drawn (changesBetween), which may skip some.
 *
 * An event is {t (run s), type, text, target?, order?}.
 */

import { logEvent } from "../trace/audit-detail.js";

function instanceEvents(t, id, before, after) {
  const events = [];
  for (const [name, instance] of Object.entries(after.instances || {})) {
    const was = before.instances?.[name];
    if (!was) continue;
    if (was.alive && !instance.alive) events.push({ t, type: "instance_down", target: id, text: `${id}/${name} went down` });
    if (!was.alive && instance.alive) events.push({ t, type: "instance_up", target: id, text: `${id}/${name} is back` });
  }
  const added = Object.keys(after.instances || {}).filter((name) => before.instances && !(name in before.instances));
  if (added.length) events.push({ t, type: "scaled", target: id, text: `${id} added instance ${added.join(", ")}` });
  return events;
}

function flagEvents(t, id, before, after) {
  const events = [];
  if (!before.stopped && after.stopped) events.push({ t, type: "consumer_stopped", target: id, text: `${id} stopped consuming` });
  if (before.stopped && !after.stopped) events.push({ t, type: "consumer_started", target: id, text: `${id} consumes again` });
  if (!before.down && after.down) events.push({ t, type: "node_down", target: id, text: `${id} is down` });
  if (before.down && !after.down) events.push({ t, type: "node_up", target: id, text: `${id} is back up` });
  return events;
}

function edgeEvents(t, id, before, after) {
  const events = [];
  if (!before.cut && after.cut) events.push({ t, type: "edge_cut", target: id, text: `${id} cut` });
  if (before.cut && !after.cut) events.push({ t, type: "edge_restored", target: id, text: `${id} restored` });
  return events;
}

/** The audit entries a frame carries, as event log events. */
export function auditEventsOf(frame) {
  return Array.isArray(frame.events) ? frame.events.map(logEvent) : [];
}

/** What changed between two drawn frames (none for the first). */
export function changesBetween(previous, frame) {
  if (!previous) return [];
  const t = frame.t ?? 0;
  const events = [];
  if (previous.status !== frame.status && frame.status) events.push({ t, type: "status", text: `run ${frame.status}` });
  for (const [id, after] of Object.entries(frame.nodes || {})) {
    const before = previous.nodes?.[id];
    if (!before) continue;
    events.push(...instanceEvents(t, id, before, after), ...flagEvents(t, id, before, after));
  }
  // A messaging edge is in a frame only while a fault is on it: absent, it has none.
  const edgeIds = new Set([...Object.keys(previous.edges || {}), ...Object.keys(frame.edges || {})]);
  for (const id of edgeIds) events.push(...edgeEvents(t, id, previous.edges?.[id] || {}, frame.edges?.[id] || {}));
  return events;
}

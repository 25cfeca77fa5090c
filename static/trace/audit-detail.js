/**
 * Audit log entries (apps/engine/audit.py) told in a few words: shared by the live event log
 * and the order trace. An entry is {t (run ms), node, kind, corr, ...details}.
 */

const ms = (value) => (typeof value === "number" ? `${value >= 100 ? Math.round(value) : value.toFixed(1)} ms` : "");

/** Details not worth a mention in one line. */
const QUIET = new Set(["t", "node", "kind", "corr", "at_ms", "arrived", "mid", "data", "instance", "ok"]);

function generic(entry) {
  return Object.entries(entry)
    .filter(([key, value]) => !QUIET.has(key) && value !== null && value !== undefined && typeof value !== "object")
    .map(([key, value]) => `${key.replaceAll("_", " ")} ${value}`)
    .join(", ");
}

function timing(entry) {
  const parts = [`in ${ms(entry.total_ms)}`];
  if (entry.wait_ms > 0) parts.push(`waited ${ms(entry.wait_ms)}`);
  return parts.join(", ");
}

const DESCRIBE = {
  request: (e) => `${e.op || "request"}${e.client ? ` from ${e.client}` : ""}`,
  served: (e) => `${e.op || "call"} ${e.ok === false ? `failed${e.why ? ` (${e.why})` : ""}` : "served"} ${timing(e)}`,
  handled: (e) => `${e.event || "message"} ${e.ok === false ? `failed${e.why ? ` (${e.why})` : ""}` : "handled"} ${timing(e)}`,
  decision: (e) => [e.decision || "decided", e.slot !== undefined ? `slot ${e.slot}` : "", e.product !== undefined ? `product ${e.product}` : "", e.subject || ""].filter(Boolean).join(" · "),
  publish: (e) => `${e.event || "event"} → ${e.to || "?"}`,
  published: (e) => `${e.event || "event"} accepted`,
  projected: (e) => `${e.event || "event"} applied, lag ${ms(e.lag_ms)}`,
  outcome: (e) => `${(e.outcome || "ended").replaceAll("_", " ")}${typeof e.latency_ms === "number" ? ` after ${ms(e.latency_ms)}` : ""}`,
  dead_letter: (e) => `${e.event || "message"} dead-lettered`,
  breaker: (e) => `breaker on ${e.edge}: ${String(e.frm || "").replace("_", "-")} → ${String(e.to || "").replace("_", "-")}`,
  health: (e) => `${e.target}: ${e.state}${e.passive ? " (seen by the traffic)" : ""}`,
  scale: (e) => `scaled ${e.direction || ""}${e.replicas !== undefined ? ` to ${e.replicas}` : ""}${e.instance !== undefined ? ` (instance ${e.instance}${e.reason ? `, ${e.reason}` : ""})` : ""}`,
  fault: (e) => String(e.action || "fault").replaceAll("_", " "),
};

/** "ReserveSlot served in 42 ms, waited 1.2 ms" */
export function describeEntry(entry) {
  const describe = DESCRIBE[entry.kind];
  return (describe ? describe(entry) : generic(entry)).trim();
}

/** The entry as the event log lists it: {t (s), type, target, order, text}. */
export function logEvent(entry) {
  return {
    t: typeof entry.t === "number" ? entry.t / 1000 : 0,
    type: entry.kind || "event",
    target: entry.node || "",
    order: entry.corr || "",
    text: describeEntry(entry),
  };
}

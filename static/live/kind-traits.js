/**
 * The run-time traits of each node kind, read from the kind catalogue the server puts on the
 * page (`kinds-data`, built from each kind's `Runtime` declaration in apps/topology/kinds/).
 * The live view asks these instead of naming kinds, so a new kind needs no change here.
 */

let traits = null;

function load() {
  const element = typeof document === "undefined" ? null : document.getElementById("kinds-data");
  const kinds = element ? JSON.parse(element.textContent || "[]") : [];
  return new Map(kinds.map((kind) => [kind.name, kind.runtime || {}]));
}

/** The declared traits of `kind` ({} for a kind the page does not list). */
export function kindTraits(kind) {
  traits ??= load();
  return traits.get(kind) || {};
}

/** Its badge counts messages waiting rather than latency (queues, buses, logs). */
export function showsWaiting(kind) {
  return kindTraits(kind).badge === "waiting";
}

/** It buffers messages between publishers and consumers. */
export function isChannel(kind) {
  return Boolean(kindTraits(kind).mailbox);
}

/** It sends traffic and serves none (clients, schedulers): no uptime row, no instances chart. */
export function isTrafficSource(kind) {
  return Boolean(kindTraits(kind).source);
}

/**
 * The dock's Event log tab: the run's events, newest first — the audit entries every frame
 * carries (requests, calls served, decisions, events published and handled, outcomes, faults)
 * and what changed between frames (frame-events.js), plus the faults fired from this page.
 * Filtered by event type and order id, with a pause button. The request traffic (requests,
 * calls, messages, outcomes) keeps its latest MAX_ROUTINE entries; what changed the run (faults,
 * state changes, breakers, health checks, scaling) keeps its latest MAX_NOTABLE apart, so a busy
 * run's traffic never pushes a fault out of the log. An order id opens the order's trace
 * (callbacks.onOrder).
 */

import { auditEventsOf, changesBetween } from "./frame-events.js";

const MAX_ROUTINE = 500;
const MAX_NOTABLE = 200;
/** Audit kinds that are traffic; every other event (faults, changes, breakers…) is notable. */
const ROUTINE = new Set(["request", "served", "handled", "decision", "publish", "published", "projected", "outcome", "dead_letter", "event"]);

const isNotable = (event) => !ROUTINE.has(event.type);

function cell(className, text) {
  const span = document.createElement("span");
  span.className = className;
  span.textContent = text;
  return span;
}

/**
 * @param {object} args
 * @param {HTMLElement} args.element the tab panel
 * @param {object} args.options {labelOf(nodeId): string}
 * @param {object} args.callbacks {onOrder(orderId)}
 * @returns {{receive(frame): void, update(frame): void, add(event): void, reset(): void, rowCount(): number, destroy(): void}}
 */
export function createEventsTab({ element, options = {}, callbacks = {} }) {
  const labelOf = options.labelOf || ((id) => id);
  element.classList.add("dock-events");
  element.innerHTML = `
    <div class="dock-events-tools">
      <label>Type <select data-filter-type><option value="">all</option></select></label>
      <label>Order id <input type="search" data-filter-order placeholder="e.g. r42" size="12"></label>
      <button type="button" class="button small" data-pause aria-pressed="false">Pause</button>
      <span class="dock-events-count" data-count>0 events</span>
    </div>
    <div class="dock-events-head" aria-hidden="true"><span>time</span><span>node</span><span>event</span><span>order</span><span>detail</span></div>
    <ol class="dock-events-list" data-list></ol>
    <p class="dock-empty" data-empty>No events yet. Requests, calls served, decisions, events published and handled, outcomes and faults show up here while a run goes.</p>`;
  const typeSelect = element.querySelector("[data-filter-type]");
  const orderInput = element.querySelector("[data-filter-order]");
  const pauseButton = element.querySelector("[data-pause]");
  const list = element.querySelector("[data-list]");
  const count = element.querySelector("[data-count]");
  const empty = element.querySelector("[data-empty]");
  let events = []; // newest last
  const rows = new WeakMap(); // event → its list item, while shown
  const types = new Set();
  let previous = null; // the last frame drawn
  let lastSeq = -1; // the last frame whose audit entries were taken
  let seen = 0;
  let skipped = 0;
  let paused = false;

  function matches(event) {
    const type = typeSelect.value;
    const order = orderInput.value.trim().toLowerCase();
    if (type && event.type !== type) return false;
    if (order && !String(event.order || "").toLowerCase().includes(order)) return false;
    return true;
  }

  function row(event) {
    const item = document.createElement("li");
    rows.set(event, item);
    if (isNotable(event)) item.classList.add("event-notable");
    item.dataset.type = event.type;
    const order = document.createElement("span");
    order.className = "event-order";
    if (event.order) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "order-link";
      button.dataset.order = event.order;
      button.title = `Trace order ${event.order} across services`;
      button.textContent = event.order;
      order.append(button);
    }
    item.append(
      cell("event-time", `${(event.t ?? 0).toFixed(2)} s`),
      cell("event-node", event.target ? labelOf(event.target) : ""),
      cell("event-type", event.type.replaceAll("_", " ")),
      order,
      cell("event-text", event.text),
    );
    return item;
  }

  function renderAll() {
    list.replaceChildren(...events.filter(matches).reverse().map(row));
    showCount();
  }

  function showCount() {
    let text = `${seen.toLocaleString("en")} event${seen === 1 ? "" : "s"}`;
    if (seen > events.length) text += `, latest ${events.length} kept`;
    if (skipped) text += ` · ${skipped.toLocaleString("en")} not shown (too many at once)`;
    if (paused) text += " · paused";
    count.textContent = text;
    empty.hidden = events.length > 0;
  }

  function addType(type) {
    if (types.has(type)) return;
    types.add(type);
    const option = document.createElement("option");
    option.value = type;
    option.textContent = type.replaceAll("_", " ");
    typeSelect.append(option);
  }

  function addAll(batch) {
    if (!batch.length) return;
    const shown = document.createDocumentFragment();
    for (const event of batch) {
      events.push(event);
      seen += 1;
      addType(event.type);
      if (!paused && matches(event)) shown.prepend(row(event));
    }
    if (!paused) list.prepend(shown);
    trim();
    showCount();
  }

  /** Drops the oldest events past each kind's limit, and their rows. */
  function trim() {
    let notable = events.filter(isNotable).length;
    let routine = events.length - notable;
    if (notable <= MAX_NOTABLE && routine <= MAX_ROUTINE) return;
    events = events.filter((event) => {
      const kept = isNotable(event) ? notable-- <= MAX_NOTABLE : routine-- <= MAX_ROUTINE;
      if (!kept) rows.get(event)?.remove();
      return kept;
    });
  }

  /** Every frame received: its audit entries (once per frame, however often it comes). */
  function receive(frame) {
    if (typeof frame.seq === "number") {
      if (frame.seq <= lastSeq) return;
      lastSeq = frame.seq;
    }
    skipped += Number(frame.events_skipped) || 0;
    addAll(auditEventsOf(frame));
  }

  /** Every frame drawn: what changed since the previous one. */
  function update(frame) {
    addAll(changesBetween(previous, frame));
    previous = frame;
  }

  typeSelect.addEventListener("change", renderAll);
  orderInput.addEventListener("input", renderAll);
  pauseButton.addEventListener("click", () => {
    paused = !paused;
    pauseButton.textContent = paused ? "Resume" : "Pause";
    pauseButton.setAttribute("aria-pressed", String(paused));
    if (!paused) renderAll();
    else showCount();
  });
  list.addEventListener("click", (event) => {
    const button = event.target.closest(".order-link");
    if (button) callbacks.onOrder?.(button.dataset.order);
  });

  return {
    receive,
    update,
    add: (event) => addAll([event]),
    reset() {
      events = [];
      previous = null;
      lastSeq = -1;
      seen = 0;
      skipped = 0;
      list.replaceChildren();
      showCount();
    },
    rowCount: () => list.childElementCount,
    destroy() {
      element.replaceChildren();
    },
  };
}

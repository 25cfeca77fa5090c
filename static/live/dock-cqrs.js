/**
 * The dock's CQRS tab: the write model and each read model side by side
 * (GET /api/runs/<id>/cqrs/, polled once a second while the tab is open and the run goes),
 * rows the read model does not show yet marked stale with their lag, and the frame's command
 * and query counts (`cqrs`). Once the run has ended the owner may rebuild a read model by
 * replaying the run's events (POST …/read-models/<node>/rebuild/) and see whether the rebuilt
 * model equals the live one.
 */

import { problemsOf, sendJSON } from "../editor/http.js";
import { formatCount } from "./format.js";
import { createRecordPoller } from "./record-poller.js";

const FIGURES = [
  ["writes", "commands accepted"],
  ["declined", "declined (slot taken)"],
  ["reads", "queries answered"],
  ["stale_reads", "stale answers"],
  ["projected", "events projected"],
];

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** A model's value in a cell: the order that booked a slot as a link to its trace, else short text. */
function valueCell(value) {
  const td = el("td", "cqrs-value");
  if (value === null || value === undefined) {
    td.textContent = "—";
    td.classList.add("is-missing");
  } else if (typeof value === "object" && typeof value.booked_by === "string") {
    td.append("booked by ");
    const link = el("button", "order-link", value.booked_by);
    link.type = "button";
    link.dataset.order = value.booked_by;
    link.title = `Trace order ${value.booked_by} across services`;
    td.append(link);
  } else if (typeof value === "object" && typeof value.event === "string") {
    td.textContent = value.event;
  } else {
    td.textContent = typeof value === "object" ? JSON.stringify(value) : String(value);
  }
  return td;
}

function lagText(row) {
  if (typeof row.lag_ms !== "number") return row.stale ? "not applied yet" : "—";
  return `${row.lag_ms >= 100 ? Math.round(row.lag_ms) : row.lag_ms.toFixed(1)} ms`;
}

/**
 * @param {object} args
 * @param {HTMLElement} args.element the tab panel
 * @param {object} args.options {owner: boolean, labelOf(nodeId): string}
 * @param {object} args.callbacks {onOrder(orderId)}
 * @returns {{update(frame): void, watch(urls): void, setVisible(visible): void, setGoing(going): void, reset(): void, hasData(): boolean, destroy(): void}}
 */
export function createCqrsTab({ element, options, callbacks = {} }) {
  const { owner, labelOf } = options;
  element.classList.add("dock-cqrs");
  const figures = el("dl", "cqrs-figures");
  const models = el("div", "cqrs-models");
  const empty = el(
    "p",
    "dock-empty",
    "No write model or read model in this run. Scenarios with a read model (e.g. the CQRS reservations template) show both models side by side here, with the stale rows and their lag.",
  );
  element.replaceChildren(figures, models, empty);
  let urls = null; // {cqrs, rebuild(node)}
  let going = false;
  let seen = false;
  let lastCounts = "";
  const results = new Map(); // read model → the last rebuild's answer text
  const poller = createRecordPoller({
    options: { intervalMs: 1000 },
    callbacks: { onData: render, onError: (message) => (models.dataset.error = message) },
  });

  function showFigures(counts) {
    const key = JSON.stringify(counts);
    if (key === lastCounts) return;
    lastCounts = key;
    const items = FIGURES.filter(([name]) => typeof counts[name] === "number").map(([name, label]) => {
      const box = el("div", `cqrs-figure cqrs-figure-${name}`);
      box.append(el("dt", "", label), el("dd", "", formatCount(counts[name])));
      return box;
    });
    if (counts.writes) {
      const box = el("div", "cqrs-figure");
      box.append(el("dt", "", "reads per write"), el("dd", "", formatCount(counts.reads / counts.writes)));
      items.push(box);
    }
    figures.replaceChildren(...items);
  }

  function rebuildControls(model) {
    const box = el("div", "cqrs-rebuild");
    if (!owner || going) return box;
    const button = el("button", "button small", "Rebuild by replay");
    button.type = "button";
    button.dataset.rebuild = model.node;
    button.title = "Throw the read model away and replay every event the run published into it";
    const result = el("span", "cqrs-rebuild-result", results.get(model.node) || "");
    result.setAttribute("role", "status");
    box.append(button, result);
    return box;
  }

  function modelSection(model) {
    const section = el("section", "cqrs-model");
    section.dataset.node = model.node;
    const rows = model.rows || [];
    const stale = rows.filter((row) => row.stale).length;
    const head = el("div", "cqrs-model-head");
    head.append(
      el("h3", "", `Write model ↔ ${labelOf(model.node)}`),
      el("span", `cqrs-state ${stale ? "is-behind" : "is-current"}`, stale ? `${stale} stale row${stale === 1 ? "" : "s"}` : rows.length ? "caught up" : "no rows yet"),
      rebuildControls(model),
    );
    const table = el("table", "dock-table cqrs-table");
    const thead = el("thead");
    const headRow = el("tr");
    for (const text of ["row", "write model", "read model", "lag", ""]) headRow.append(el("th", "", text));
    thead.append(headRow);
    const tbody = el("tbody");
    for (const row of rows) {
      const tr = el("tr");
      tr.dataset.key = row.key;
      if (row.stale) tr.classList.add("is-stale");
      tr.append(el("th", "", row.key), valueCell(row.write), valueCell(row.read), el("td", "cqrs-lag", lagText(row)));
      tr.append(el("td", "cqrs-flag", row.stale ? "stale" : "✓"));
      tbody.append(tr);
    }
    table.append(thead, tbody);
    section.append(head, table);
    return section;
  }

  function render(data) {
    const list = data.read_models || [];
    delete models.dataset.error;
    if (list.length) seen = true;
    models.replaceChildren(...list.map(modelSection));
    empty.hidden = seen || Boolean(lastCounts);
  }

  async function rebuild(node, button) {
    if (!urls) return;
    button.disabled = true;
    results.set(node, "Replaying…");
    button.nextElementSibling.textContent = "Replaying…";
    const { status, data } = await sendJSON(urls.rebuild(node), {});
    const text =
      status === 200
        ? `Rebuilt: ${data.rows_before} rows before, ${data.rows_after} after · equal: ${data.equal ? "yes" : "no"}`
        : `Not rebuilt: ${problemsOf(data)[0]?.message || `the server answered ${status}`}`;
    results.set(node, text);
    await poller.refresh();
    const result = element.querySelector(`.cqrs-model[data-node="${CSS.escape(node)}"] .cqrs-rebuild-result`);
    if (result) result.textContent = text;
  }

  element.addEventListener("click", (event) => {
    const order = event.target.closest(".order-link");
    if (order) return callbacks.onOrder?.(order.dataset.order);
    const button = event.target.closest("[data-rebuild]");
    if (button) rebuild(button.dataset.rebuild, button);
  });

  return {
    update(frame) {
      if (frame.cqrs && typeof frame.cqrs === "object") {
        showFigures(frame.cqrs);
        empty.hidden = true;
      }
    },
    /** Follow a run: {cqrs: url, rebuild(node): url}. */
    watch(next) {
      urls = next;
      results.clear();
      poller.setUrl(next.cqrs);
    },
    setVisible: (visible) => poller.setVisible(visible),
    setGoing(next) {
      going = next;
      poller.setGoing(next);
    },
    reset() {
      seen = false;
      lastCounts = "";
      figures.replaceChildren();
      models.replaceChildren();
      empty.hidden = false;
    },
    hasData: () => seen || Boolean(lastCounts),
    destroy() {
      poller.destroy();
      element.replaceChildren();
    },
  };
}

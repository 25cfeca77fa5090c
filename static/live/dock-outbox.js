/**
 * The dock's Outbox tab: the emails the notifications services wrote to their outbox
 * (GET /api/runs/<id>/outbox/, polled while the tab is open and the run goes), newest first.
 * Nothing is really sent; an email's order id opens the order's trace.
 */

import { createRecordPoller } from "./record-poller.js";

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/**
 * @param {object} args
 * @param {HTMLElement} args.element the tab panel
 * @param {object} args.options {labelOf(nodeId): string}
 * @param {object} args.callbacks {onOrder(orderId)}
 * @returns {{update(frame): void, watch(url): void, setVisible(visible): void, setGoing(going): void, reset(): void, hasData(): boolean, destroy(): void}}
 */
export function createOutboxTab({ element, options, callbacks = {} }) {
  const { labelOf } = options;
  element.classList.add("dock-outbox");
  const head = el("p", "outbox-count");
  const table = el("table", "dock-table outbox-table");
  const empty = el(
    "p",
    "dock-empty",
    "No email in the outbox. Runs whose services send notifications (e.g. the event bus and e-commerce templates) list the emails they wrote here, newest first.",
  );
  element.replaceChildren(head, table, empty);
  let seen = false;
  const poller = createRecordPoller({ options: { intervalMs: 1000 }, callbacks: { onData: render } });

  function render(data) {
    const emails = data.latest || [];
    seen = seen || data.sent > 0;
    head.textContent = data.sent ? `${data.sent.toLocaleString("en")} email${data.sent === 1 ? "" : "s"} written${data.sent > emails.length ? ` · the latest ${emails.length} listed` : ""}` : "";
    empty.hidden = emails.length > 0;
    const thead = el("thead");
    const headRow = el("tr");
    for (const text of ["at", "to", "subject", "order", "by"]) headRow.append(el("th", "", text));
    thead.append(headRow);
    const tbody = el("tbody");
    for (const email of emails) {
      const tr = el("tr");
      const order = el("td");
      if (email.corr) {
        const link = el("button", "order-link", email.corr);
        link.type = "button";
        link.dataset.order = email.corr;
        link.title = `Trace order ${email.corr} across services`;
        order.append(link);
      }
      tr.append(el("td", "outbox-at", `${Number(email.at_s).toFixed(2)} s`), el("td", "", email.to), el("td", "outbox-subject", email.subject), order, el("td", "", labelOf(email.node)));
      tbody.append(tr);
    }
    table.replaceChildren(...(emails.length ? [thead, tbody] : []));
  }

  element.addEventListener("click", (event) => {
    const order = event.target.closest(".order-link");
    if (order) callbacks.onOrder?.(order.dataset.order);
  });

  return {
    update() {},
    watch: (url) => poller.setUrl(url),
    setVisible: (visible) => poller.setVisible(visible),
    setGoing: (going) => poller.setGoing(going),
    reset() {
      seen = false;
      head.textContent = "";
      table.replaceChildren();
      empty.hidden = false;
    },
    hasData: () => seen,
    destroy() {
      poller.destroy();
      element.replaceChildren();
    },
  };
}

/**
 * The right-click menu on a node or an edge during a run: the faults that apply to it.
 * A fault without a number fires at once; kill/restore instance list the node's instances;
 * the others open the Chaos tab with the fault and target chosen, to set the number.
 */

import { faultsFor } from "./faults.js";

/**
 * @param {object} args
 * @param {HTMLElement} args.element where the menu lives (the canvas stage)
 * @param {object} args.options {graph, faultTypes, enabled(): boolean, instancesOf(nodeId): string[]}
 * @param {object} args.callbacks {onFire(body), onChoose(action, target)}
 * @returns {{close(): void, destroy(): void}}
 */
export function createFaultMenu({ element, options, callbacks }) {
  const { graph, faultTypes, enabled, instancesOf } = options;
  const menu = document.createElement("div");
  menu.className = "fault-menu";
  menu.setAttribute("role", "menu");
  menu.hidden = true;
  element.append(menu);

  function item(text, onPick) {
    const button = document.createElement("button");
    button.type = "button";
    button.setAttribute("role", "menuitem");
    button.textContent = text;
    button.addEventListener("click", () => {
      close();
      onPick();
    });
    return button;
  }

  function entries(cell) {
    const type = cell.isNode() ? "node" : "edge";
    const kind = cell.getData()?.kind;
    const out = [];
    for (const fault of faultsFor(faultTypes, { type, kind })) {
      if (fault.param === "instance") {
        for (const name of instancesOf(cell.id).slice(0, 8)) {
          out.push(item(`${fault.label} ${name}`, () => callbacks.onFire({ action: fault.name, target: cell.id, instance: Number(name) })));
        }
      } else if (fault.param) {
        out.push(item(`${fault.label}…`, () => callbacks.onChoose(fault.name, cell.id)));
      } else {
        out.push(item(fault.label, () => callbacks.onFire({ action: fault.name, target: cell.id })));
      }
    }
    return out;
  }

  function open({ cell, e }) {
    if (!enabled()) return;
    e.preventDefault?.();
    const items = entries(cell);
    const title = document.createElement("div");
    title.className = "fault-menu-title";
    title.textContent = items.length ? `Break ${cell.getData()?.label || cell.id}` : "No fault applies here";
    menu.replaceChildren(title, ...items);
    const box = element.getBoundingClientRect();
    menu.style.left = `${e.clientX - box.left}px`;
    menu.style.top = `${e.clientY - box.top}px`;
    menu.hidden = false;
    (items[0] || menu).focus?.();
  }

  function close() {
    menu.hidden = true;
  }

  function onDocumentDown(event) {
    if (!menu.hidden && !menu.contains(event.target)) close();
  }
  function onKey(event) {
    if (event.key === "Escape") close();
  }

  graph.on("cell:contextmenu", open);
  document.addEventListener("pointerdown", onDocumentDown, true);
  document.addEventListener("keydown", onKey);

  return {
    close,
    destroy() {
      graph.off("cell:contextmenu", open);
      document.removeEventListener("pointerdown", onDocumentDown, true);
      document.removeEventListener("keydown", onKey);
      menu.remove();
    },
  };
}

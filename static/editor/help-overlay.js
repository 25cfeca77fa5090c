/**
 * The keyboard-shortcut help overlay (a <dialog>), drawn from the same list the keys are
 * bound from. Opened with "?" or the toolbar's help button; Esc or the close button shut it.
 */

import { GESTURES, displayKey, shortcutsFor } from "./shortcuts.js";

/**
 * @param {object} args
 * @param {HTMLDialogElement} args.element the dialog (#help-dialog)
 * @param {object} args.options {mode}
 * @returns {{open: Function, close: Function, toggle: Function, isOpen: Function, update: Function, destroy: Function}}
 */
export function createHelpOverlay({ element, options }) {
  const { mode } = options;
  const applies = (item) => mode === "edit" || !item.edit;

  function table(title, rows) {
    const section = document.createElement("section");
    const heading = document.createElement("h3");
    heading.textContent = title;
    const list = document.createElement("dl");
    list.className = "shortcut-list";
    for (const row of rows) {
      const keys = document.createElement("dt");
      for (const key of row.display || row.keys) {
        const item = document.createElement(row.gesture ? "span" : "kbd");
        if (row.gesture) item.className = "gesture";
        item.textContent = row.gesture || row.display ? key : displayKey(key);
        keys.append(item);
      }
      const what = document.createElement("dd");
      what.textContent = row.label;
      list.append(keys, what);
    }
    section.append(heading, list);
    return section;
  }

  const body = element.querySelector("[data-help-body]");
  body.replaceChildren(
    table("Keyboard", shortcutsFor(mode)),
    table("Mouse", GESTURES.filter(applies).map((gesture) => ({ ...gesture, gesture: true }))),
  );

  function onClick(event) {
    // A click on the backdrop (the dialog element itself) or on a close button shuts it.
    if (event.target === element || event.target.closest("[data-help-close]")) element.close();
  }

  element.addEventListener("click", onClick);

  const isOpen = () => element.open;
  const open = () => {
    if (!element.open) element.showModal();
  };
  const close = () => {
    if (element.open) element.close();
  };

  return {
    open,
    close,
    isOpen,
    toggle: () => (isOpen() ? close() : open()),
    update() {},
    destroy() {
      element.removeEventListener("click", onClick);
    },
  };
}

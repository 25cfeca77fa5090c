/**
 * Presentation mode, for a projector: larger type and high contrast, no palette and no side
 * panel, the dock folded to a strip of headline figures (headline-strip.js), the diagram fitted
 * to the room this leaves. A toolbar button ("Presentation mode", key P) toggles it; training
 * sessions call `playgroundEditor.setPresenting(on)`. The look itself is CSS, keyed on
 * `#editor[data-presenting="true"]` (editor.css, live.css).
 *
 * Emits `editor:presenting` {presenting} after the layout has changed.
 */

import { emit } from "./events.js";

const ICON = '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M3 4h18v12H3zM12 16v4M8 20h8M7 12l3-3 2 2 4-4"/></svg>';

/**
 * @param {object} args
 * @param {HTMLElement} args.element the editor (#editor)
 * @param {object} args.options {toolbar: the toolbar element, before: the toolbar element the button goes before}
 * @param {object} args.callbacks {onChange(presenting): the layout changed (refit the diagram)}
 * @returns {{set(on): void, toggle(): void, isOn(): boolean, update(): void, destroy(): void}}
 */
export function createPresentation({ element, options, callbacks }) {
  const { toolbar, before = null } = options;
  const button = document.createElement("button");
  button.type = "button";
  button.id = "btn-present";
  button.className = "tool";
  button.dataset.action = "present";
  button.setAttribute("aria-label", "Presentation mode");
  button.setAttribute("aria-pressed", "false");
  button.title = "Presentation mode, for a projector (P)";
  button.innerHTML = ICON;
  toolbar?.insertBefore(button, before && toolbar.contains(before) ? before : null);

  let on = false;

  function set(next) {
    next = Boolean(next);
    if (next === on) return;
    on = next;
    element.dataset.presenting = String(on);
    button.setAttribute("aria-pressed", String(on));
    button.title = on ? "Leave presentation mode (P)" : "Presentation mode, for a projector (P)";
    callbacks.onChange?.(on); // reading the canvas's size lays the page out anew first
    emit("editor:presenting", { presenting: on });
  }

  element.dataset.presenting = "false";

  return {
    set,
    toggle: () => set(!on),
    isOn: () => on,
    update() {},
    destroy() {
      button.remove();
      delete element.dataset.presenting;
    },
  };
}

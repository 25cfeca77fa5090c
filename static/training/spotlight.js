/**
 * The spotlight (every page): while the instructor shows a participant's copy to the class
 * (state.spotlight), a panel over the canvas holds that copy's read-only page in an iframe —
 * its live run included — with the participant's name. The instructor closes it for
 * everyone; a participant can fold it away for themselves.
 */

import { setText } from "./dom.js";

/**
 * @param {object} args
 * @param {HTMLElement} args.element the panel (#spotlight)
 * @param {object} args.options {role}
 * @param {object} args.callbacks {onClose(): void} (instructor: end the spotlight for all)
 * @returns {{update(state): void, destroy(): void}}
 */
export function createSpotlight({ element, options, callbacks = {} }) {
  const leading = options.role === "instructor";
  const slot = element.querySelector("iframe");
  const name = element.querySelector("[data-spotlight-name]");
  const links = element.querySelectorAll("[data-spotlight-open]");
  const close = element.querySelector("[data-spotlight-close]");
  const fold = element.querySelector("[data-spotlight-fold]");
  const blocked = element.querySelector("[data-spotlight-blocked]");
  let shown = null;
  let spot = null;
  let frame = null;

  /**
   * The framed page lives only while it is on screen: a page left running in a hidden frame
   * would lay its canvas out at 0 × 0. So the frame is made when shown and removed (its page
   * gone at once) when hidden.
   */
  function mount() {
    unmount();
    frame = document.createElement("iframe");
    frame.title = `${spot.name}'s copy of the scenario`;
    frame.className = slot.className;
    /** A page that refuses to be framed loads as an error page: offer the tab instead. */
    frame.addEventListener("load", () => {
      let ok = false;
      try {
        ok = Boolean(frame?.contentDocument?.querySelector("body *"));
      } catch {
        ok = false;
      }
      blocked.hidden = ok;
      if (frame) frame.hidden = !ok;
    });
    frame.src = spot.view_url;
    slot.after(frame);
  }

  function unmount() {
    frame?.remove();
    frame = null;
  }

  slot.hidden = true; // the template's placeholder marks where the frame goes
  close.hidden = !leading;
  fold.hidden = leading;
  close.addEventListener("click", () => callbacks.onClose?.());
  fold.addEventListener("click", () => {
    const folded = element.dataset.folded !== "true";
    element.dataset.folded = String(folded);
    fold.textContent = folded ? "Show" : "Hide";
    fold.setAttribute("aria-expanded", String(!folded));
    if (folded) unmount();
    else if (spot) mount();
  });

  return {
    update(state) {
      spot = state.status === "ended" ? null : state.spotlight;
      const key = spot ? `${spot.participant_id}:${spot.view_url}` : null;
      if (key === shown) return;
      shown = key;
      if (!spot) {
        unmount();
        element.hidden = true;
        return;
      }
      setText(name, spot.name);
      for (const link of links) link.href = spot.view_url;
      blocked.hidden = true;
      element.dataset.folded = "false";
      fold.textContent = "Hide";
      element.hidden = false;
      mount();
    },
    destroy() {
      unmount();
    },
  };
}

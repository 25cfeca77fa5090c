/**
 * Follow the instructor. The instructor's page tells the class what it shows: the visible
 * rectangle of the canvas in graph coordinates, the selected cells and the open dock tab,
 * sent as a `view` message (at most 10 a second) whenever one of them changes. A following
 * participant's page zooms to fit that rectangle (centred, whatever the size of its own
 * window), selects the same cells and opens the same tab.
 *
 * A participant who pans or zooms (wheel, drag, the zoom buttons or keys) detaches; "Follow"
 * re-attaches, and so does the instructor's "Bring everyone to me" (a `bring` number higher
 * than the last one seen). A transform the participant did not ask for (the canvas reloaded,
 * the window resized) is put back to the instructor's view.
 */

import { throttleLatest } from "./session-socket.js";

const SEND_INTERVAL_MS = 100; // ≤ 10 view messages a second
const USER_INPUT_MS = 800; // a transform this soon after the user's own input is theirs
const MIN_SCALE = 0.1;
const MAX_SCALE = 4;

const round = (value) => Math.round(value * 10) / 10;

/** The canvas area shown, in graph coordinates. */
export function visibleArea(graph) {
  const area = graph.getGraphArea();
  return { x: round(area.x), y: round(area.y), width: round(area.width), height: round(area.height) };
}

/**
 * @param {object} args
 * @param {object} args.options {graph, editor, role: "instructor"|"participant"|"spectator",
 *   stage: #canvas-stage, dock: #live-dock, send(message)}
 * @param {object} args.callbacks {onFollowChange(following)}
 * @returns {{receive(view): void, hello(view): void, announce(): void, setFollowing(on): void,
 *   isFollowing(): boolean, lastView(): object|null, destroy(): void}}
 */
export function createFollow({ options, callbacks = {} }) {
  const { graph, editor, role, stage, dock, send } = options;
  const leading = role === "instructor";
  const cleanups = [];
  const listen = (target, type, handler, opts) => {
    target.addEventListener(type, handler, opts);
    cleanups.push(() => target.removeEventListener(type, handler, opts));
  };

  // --- the instructor: tell the class what is shown --------------------------------------

  function currentTab() {
    if (!dock || dock.dataset.open === "false") return null;
    return dock.querySelector('.dock-tab[aria-selected="true"]')?.dataset.tab || null;
  }

  function selectedIds() {
    const selection = graph.getPlugin("selection");
    return (selection?.getSelectedCells() || []).map((cell) => cell.id);
  }

  function picture() {
    return { type: "view", area: visibleArea(graph), selection: selectedIds(), tab: currentTab() };
  }

  let lastSent = "";
  const sendView = throttleLatest(() => {
    const message = picture();
    const text = JSON.stringify(message);
    if (text === lastSent) return;
    if (send(message)) lastSent = text;
  }, SEND_INTERVAL_MS);

  if (leading) {
    graph.on("scale", sendView);
    graph.on("translate", sendView);
    cleanups.push(() => graph.off("scale", sendView), () => graph.off("translate", sendView));
    listen(document, "editor:selection", sendView);
    if (dock) {
      const observer = new MutationObserver(sendView);
      observer.observe(dock, { subtree: true, attributes: true, attributeFilter: ["aria-selected", "data-open"] });
      cleanups.push(() => observer.disconnect());
    }
  }

  // --- a participant: follow it ----------------------------------------------------------

  let following = !leading;
  /** While following, the minimap is hidden (kept laid out: a canvas at 0 × 0 breaks X6): it
   * would cover nodes of the instructor's area, and it is for finding one's own way. */
  const markFollowing = () => {
    document.getElementById("editor")?.setAttribute("data-following", String(following));
  };
  markFollowing();
  let view = null; // the instructor's latest view
  let lastBring = null;
  let applying = false;
  let lastInput = -Infinity;
  let pointerHeld = false;
  let appliedSelection = "";

  function userInput() {
    lastInput = performance.now();
  }

  function byUser() {
    return pointerHeld || performance.now() - lastInput < USER_INPUT_MS;
  }

  /** Zoom and pan so the area fits the canvas, centred. */
  function showArea(area) {
    const width = graph.container.clientWidth;
    const height = graph.container.clientHeight;
    if (!area || !(area.width > 0) || !(area.height > 0) || !width || !height) return;
    const scale = Math.min(MAX_SCALE, Math.max(MIN_SCALE, Math.min(width / area.width, height / area.height)));
    const cx = area.x + area.width / 2;
    const cy = area.y + area.height / 2;
    applying = true;
    try {
      if (Math.abs(graph.zoom() - scale) > 1e-4) graph.zoomTo(scale);
      graph.translate(width / 2 - cx * scale, height / 2 - cy * scale);
    } finally {
      applying = false;
    }
  }

  function showSelection(ids) {
    const present = (ids || []).filter((id) => graph.getCellById(id));
    const text = present.join("\n");
    if (text === appliedSelection && text === selectedIds().join("\n")) return;
    appliedSelection = text;
    editor.select(present);
  }

  function showTab(tab) {
    if (!tab || !dock || currentTab() === tab) return;
    dock.querySelector(`.dock-tab[data-tab="${CSS.escape(tab)}"]`)?.click();
  }

  function apply() {
    if (!view || !following) return;
    showArea(view.area);
    showSelection(view.selection);
    showTab(view.tab);
  }

  function setFollowing(on) {
    const next = Boolean(on) && !leading;
    if (next === following) {
      if (next) apply();
      return;
    }
    following = next;
    markFollowing();
    callbacks.onFollowChange?.(following);
    if (following) {
      appliedSelection = "";
      apply();
    }
  }

  let reapply = 0;
  function onTransform() {
    if (leading || applying || !following) return;
    if (byUser()) {
      setFollowing(false);
    } else if (!reapply) {
      // not the participant's doing: put the instructor's view back
      reapply = window.requestAnimationFrame(() => {
        reapply = 0;
        if (view && following) showArea(view.area);
      });
    }
  }

  if (!leading) {
    graph.on("scale", onTransform);
    graph.on("translate", onTransform);
    cleanups.push(() => graph.off("scale", onTransform), () => graph.off("translate", onTransform));
    listen(stage, "wheel", userInput, { capture: true, passive: true });
    listen(stage, "pointerdown", () => {
      pointerHeld = true;
      userInput();
    }, { capture: true });
    listen(window, "pointerup", () => {
      if (pointerHeld) userInput();
      pointerHeld = false;
    }, { capture: true });
    listen(document, "keydown", (event) => {
      const target = event.target;
      if (target && (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName))) return;
      userInput();
    }, { capture: true });
    const viewTools = document.querySelector('#editor-toolbar [aria-label="View"]');
    if (viewTools) listen(viewTools, "click", userInput, { capture: true });
  }

  // Re-fit on a resized canvas (the instructor's area changes; a follower's fit changes).
  const resize = new ResizeObserver(() => {
    if (leading) sendView();
    else if (following && view) showArea(view.area);
  });
  resize.observe(stage);
  cleanups.push(() => resize.disconnect());

  return {
    /** A `view` message from the instructor. */
    receive(message) {
      if (leading || !message?.area) return;
      view = message;
      const bring = Number(message.bring) || 0;
      if (lastBring !== null && bring > lastBring && !following) {
        lastBring = bring;
        setFollowing(true);
        return;
      }
      lastBring = bring;
      apply();
    },
    /** The view in the `hello` message (null before the instructor has shown anything). */
    hello(message) {
      if (leading) {
        lastSent = "";
        sendView();
        return;
      }
      if (message?.area) {
        view = message;
        lastBring = Number(message.bring) || 0;
        apply();
      } else if (lastBring === null) {
        lastBring = 0;
      }
    },
    /** Instructor: send the current view now (e.g. before "Bring everyone to me"). */
    announce() {
      lastSent = "";
      sendView();
    },
    setFollowing,
    isFollowing: () => following,
    lastView: () => view,
    destroy() {
      sendView.cancel?.();
      window.cancelAnimationFrame(reapply);
      for (const cleanup of cleanups.splice(0)) cleanup();
    },
  };
}

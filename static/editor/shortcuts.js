/**
 * Keyboard shortcuts: one list, used both to bind the keys (X6 Keyboard, which wraps
 * Mousetrap) and to draw the help overlay, so the overlay always tells the truth.
 * Shortcuts do not fire while typing in a field, except Ctrl/Cmd+S (save).
 */

/**
 * Every shortcut. `keys` are Mousetrap combos (`mod` is Cmd on a Mac, Ctrl elsewhere);
 * `edit` ones exist only in edit mode; `display` replaces the keys in the help overlay.
 */
export const SHORTCUTS = [
  { keys: ["mod+s"], label: "Save", action: "save", edit: true },
  { keys: ["mod+z"], label: "Undo", action: "undo", edit: true },
  { keys: ["mod+shift+z", "mod+y"], label: "Redo", action: "redo", edit: true },
  { keys: ["mod+c"], label: "Copy", action: "copy", edit: true },
  { keys: ["mod+x"], label: "Cut", action: "cut", edit: true },
  { keys: ["mod+v"], label: "Paste", action: "paste", edit: true },
  { keys: ["mod+d"], label: "Duplicate", action: "duplicate", edit: true },
  { keys: ["del", "backspace"], label: "Delete the selection", action: "remove", edit: true },
  { keys: ["mod+a"], label: "Select everything", action: "selectAll" },
  { keys: ["escape"], label: "Clear the selection", action: "clearSelection" },
  { keys: ["up", "down", "left", "right"], label: "Move the selection a grid step", action: "nudge", edit: true },
  { keys: ["shift+up", "shift+down", "shift+left", "shift+right"], label: "Move it five steps", action: "nudge", edit: true, display: ["Shift+arrow"] },
  { keys: ["f"], label: "Fit the diagram to the screen", action: "fit" },
  { keys: ["=", "+"], label: "Zoom in", action: "zoomIn" },
  { keys: ["-"], label: "Zoom out", action: "zoomOut" },
  { keys: ["0"], label: "Zoom to 100%", action: "zoomReset" },
  { keys: ["p"], label: "Presentation mode (for a projector)", action: "present" },
  { keys: ["l"], label: "Auto-layout", action: "layout", edit: true },
  { keys: ["mod+o"], label: "Open a JSON file", action: "import", edit: true },
  { keys: ["?"], label: "Show or hide this help", action: "help" },
];

/** Pointer gestures, listed in the help overlay. */
export const GESTURES = [
  { keys: ["Drag from the palette"], label: "Place a component", edit: true },
  { keys: ["Drag from a port"], label: "Connect two components", edit: true },
  { keys: ["Drag on empty canvas"], label: "Select an area", edit: true },
  { keys: ["Shift/Ctrl + click"], label: "Add to or remove from the selection" },
  { keys: ["Drag a node into a zone"], label: "Place it in the zone (drag out to remove it)", edit: true },
  { keys: ["Space + drag"], label: "Pan" },
  { keys: ["Wheel"], label: "Scroll" },
  { keys: ["Ctrl + wheel"], label: "Zoom at the pointer" },
];

const ARROWS = { up: [0, -1], down: [0, 1], left: [-1, 0], right: [1, 0] };
const BIG_STEP = 5;

const isMac = /Mac|iPhone|iPad/.test(navigator.platform || navigator.userAgent);

/** How a combo reads for people: `mod+shift+z` -> `Ctrl+Shift+Z` (or `⌘+Shift+Z`). */
export function displayKey(combo) {
  const names = { mod: isMac ? "⌘" : "Ctrl", shift: "Shift", del: "Delete", backspace: "Backspace", escape: "Esc", up: "↑", down: "↓", left: "←", right: "→" };
  if (combo === "+") return "+";
  return combo
    .split("+")
    .map((part) => names[part] || part.toUpperCase())
    .join("+");
}

/** The shortcuts that apply in a mode. */
export function shortcutsFor(mode) {
  return SHORTCUTS.filter((shortcut) => mode === "edit" || !shortcut.edit);
}

/**
 * @param {object} args
 * @param {object} args.options {X6, graph, mode, actions: {name: function}, isBlocked(): boolean}
 * @returns {{update: Function, destroy: Function}}
 */
export function createShortcuts({ options }) {
  const { X6, graph, mode, actions, isBlocked } = options;
  const keyboard = new X6.Keyboard({ enabled: true, global: true });
  graph.use(keyboard);

  function run(shortcut, combo, event) {
    if (isBlocked() && shortcut.action !== "help") return;
    const action = actions[shortcut.action];
    if (!action) return;
    event.preventDefault();
    if (shortcut.action === "nudge") {
      const [dx, dy] = ARROWS[combo.replace("shift+", "")];
      const step = combo.startsWith("shift+") ? BIG_STEP : 1;
      action(dx * step, dy * step);
    } else {
      action();
    }
  }

  for (const shortcut of shortcutsFor(mode)) {
    if (shortcut.action === "save") continue; // bound below, so it also works inside fields
    for (const combo of shortcut.keys) {
      keyboard.bindKey(combo, (event) => run(shortcut, combo, event));
    }
  }

  function onSaveKey(event) {
    if ((event.ctrlKey || event.metaKey) && !event.altKey && event.key.toLowerCase() === "s") {
      event.preventDefault();
      if (!isBlocked()) actions.save?.();
    }
  }

  if (mode === "edit") document.addEventListener("keydown", onSaveKey);

  return {
    update() {},
    destroy() {
      document.removeEventListener("keydown", onSaveKey);
      for (const shortcut of shortcutsFor(mode)) keyboard.unbindKey(shortcut.keys);
    },
  };
}

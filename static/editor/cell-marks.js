/**
 * CSS classes on cell views (selected, has a problem, ...). X6 renders views lazily and may
 * mount them again, so the wanted classes are kept here and re-applied whenever a view mounts.
 * Marks never touch the model: they are not undoable and do not change the document.
 */

/**
 * @param {object} args
 * @param {object} args.options {graph}
 * @returns {{set: Function, clear: Function, has: Function, update: Function, destroy: Function}}
 */
export function createCellMarks({ options }) {
  const { graph } = options;
  /** cell id -> Map(slot -> class name) */
  const marks = new Map();

  function paint(cellId) {
    const cell = graph.getCellById(cellId);
    const view = cell && graph.findViewByCell(cell);
    if (!view) return;
    const wanted = new Set([...(marks.get(cellId) || new Map()).values()].map((name) => `ap-mark-${name}`));
    for (const name of [...view.container.classList]) {
      if (name.startsWith("ap-mark-") && !wanted.has(name)) view.container.classList.remove(name);
    }
    for (const name of wanted) view.container.classList.add(name);
  }

  /** Give a cell a class in a slot ("selected", "problem"); null removes it. */
  function set(cellId, slot, name) {
    const slots = marks.get(cellId) || new Map();
    if (name) slots.set(slot, name);
    else slots.delete(slot);
    if (slots.size) marks.set(cellId, slots);
    else marks.delete(cellId);
    paint(cellId);
  }

  /** Remove a slot from every cell. */
  function clear(slot) {
    for (const cellId of [...marks.keys()]) {
      if (marks.get(cellId).has(slot)) set(cellId, slot, null);
    }
  }

  function onViewMounted({ view }) {
    if (marks.has(view.cell.id)) paint(view.cell.id);
  }

  graph.on("view:mounted", onViewMounted);

  return {
    set,
    clear,
    get: (cellId, slot) => marks.get(cellId)?.get(slot) || null,
    update() {
      for (const cellId of marks.keys()) paint(cellId);
    },
    destroy() {
      graph.off("view:mounted", onViewMounted);
      marks.clear();
    },
  };
}

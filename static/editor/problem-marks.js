/**
 * Problems drawn on the canvas: a red (error) or amber (warning) outline on the node or
 * edge a problem is about, and its messages in a tooltip while the pointer is over it.
 */

/**
 * @param {object} args
 * @param {HTMLElement} args.element where the tooltip lives (the canvas stage)
 * @param {object} args.options {graph, marks (cell-marks)}
 * @returns {{update: Function, messagesFor: Function, destroy: Function}}
 */
export function createProblemMarks({ element, options }) {
  const { graph, marks } = options;
  /** cell id -> problems about it */
  let byTarget = new Map();

  const tooltip = document.createElement("div");
  tooltip.className = "problem-tooltip";
  tooltip.setAttribute("role", "tooltip");
  tooltip.hidden = true;
  element.append(tooltip);

  /** The cell under the pointer and where the pointer is, for the tooltip. */
  let hovered = null;

  function update(problems) {
    marks.clear("problem");
    byTarget = new Map();
    for (const problem of problems) {
      if (!problem.target) continue;
      if (!byTarget.has(problem.target)) byTarget.set(problem.target, []);
      byTarget.get(problem.target).push(problem);
    }
    for (const [cellId, list] of byTarget) {
      const worst = list.some((p) => p.severity === "error") ? "error" : "warning";
      marks.set(cellId, "problem", worst);
    }
    showTooltip();
  }

  function showTooltip() {
    const list = hovered && byTarget.get(hovered.cellId);
    if (!list) {
      tooltip.hidden = true;
      return;
    }
    tooltip.replaceChildren(
      ...list.map((problem) => {
        const line = document.createElement("div");
        line.className = `problem-tooltip-${problem.severity}`;
        line.textContent = problem.message;
        return line;
      }),
    );
    const box = element.getBoundingClientRect();
    tooltip.style.left = `${hovered.x - box.left + 14}px`;
    tooltip.style.top = `${hovered.y - box.top + 14}px`;
    tooltip.hidden = false;
  }

  // X6 reports pointer-over and pointer-out per element of a cell, so "out" only counts
  // when the pointer leaves the cell's own drawing.
  function onOver({ cell, e }) {
    hovered = { cellId: cell.id, x: e.clientX, y: e.clientY };
    showTooltip();
  }

  function onOut({ cell, e }) {
    const view = graph.findViewByCell(cell);
    if (view && e.relatedTarget && view.container.contains(e.relatedTarget)) return;
    hovered = null;
    tooltip.hidden = true;
  }

  function onPointerMove(event) {
    if (!hovered) return;
    hovered.x = event.clientX;
    hovered.y = event.clientY;
    if (!tooltip.hidden) showTooltip();
  }

  graph.on("cell:mouseover", onOver);
  graph.on("cell:mouseout", onOut);
  element.addEventListener("mousemove", onPointerMove);

  return {
    update,
    messagesFor: (cellId) => (byTarget.get(cellId) || []).map((p) => p.message),
    destroy() {
      graph.off("cell:mouseover", onOver);
      graph.off("cell:mouseout", onOut);
      element.removeEventListener("mousemove", onPointerMove);
      tooltip.remove();
    },
  };
}

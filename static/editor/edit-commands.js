/**
 * Editing commands that act on the selection or add to the canvas: delete, nudge with
 * the arrow keys, add a node of a kind (palette click), put a node in a zone.
 */

import { cellIds, newNodeCell, nextSeq } from "./document.js";
import { GRID_SIZE } from "./shapes.js";

/**
 * @param {object} args
 * @param {object} args.options {graph, catalog, isZone(cell)}
 * @returns {{removeCells: Function, removeSelection: Function, nudge: Function, createNode: Function, addNode: Function, placeInZone: Function, update: Function, destroy: Function}}
 */
export function createEditCommands({ options }) {
  const { graph, catalog, isZone } = options;
  const selection = graph.getPlugin("selection");

  /**
   * Remove cells in one undo step. A removed zone lets go of the members that stay, so
   * deleting a zone keeps the services drawn in it.
   */
  function removeCells(cells) {
    if (!cells.length) return;
    const removing = new Set(cells.map((cell) => cell.id));
    graph.startBatch("delete");
    for (const cell of cells) {
      if (!isZone(cell)) continue;
      for (const child of cell.getChildren() || []) {
        if (!removing.has(child.id)) cell.unembed(child);
      }
    }
    graph.removeCells(cells);
    graph.stopBatch("delete");
  }

  function removeSelection() {
    const cells = selection.getSelectedCells();
    removeCells(cells);
    return cells.length > 0;
  }

  /** Move the selected nodes by whole grid steps (arrow keys; shift for bigger steps). */
  function nudge(dx, dy) {
    const nodes = selection.getSelectedCells().filter((cell) => cell.isNode());
    const selected = new Set(nodes.map((node) => node.id));
    // Members of a selected zone move with it; moving them too would move them twice.
    const movers = nodes.filter((node) => !node.getAncestors().some((a) => selected.has(a.id)));
    if (!movers.length) return false;
    graph.startBatch("nudge");
    for (const node of movers) node.translate(dx * GRID_SIZE, dy * GRID_SIZE);
    graph.stopBatch("nudge");
    return true;
  }

  /** A new node of a kind at (0, 0), not yet on the canvas (for the palette's drag and drop). */
  function createNode(kindName) {
    return graph.createNode(newNodeCell(catalog, kindName, { takenIds: cellIds(graph), seq: nextSeq(graph) }));
  }

  /** Add a node of a kind, centred at a point (default: the middle of the visible canvas). */
  function addNode(kindName, center) {
    const node = createNode(kindName);
    const { width, height } = node.getSize();
    const at = center || graph.getGraphArea().getCenter();
    const snap = (value) => Math.round(value / GRID_SIZE) * GRID_SIZE;
    node.setPosition(snap(at.x - width / 2), snap(at.y - height / 2));
    graph.addNode(node);
    selection.reset(node);
    return node;
  }

  /**
   * Put a node in a zone, or take it out with an empty id (its zone was chosen in the
   * panel). A node that lands in a zone is moved inside it; one taken out moves below it.
   */
  function placeInZone(node, zoneId) {
    const current = node.getParent();
    const zone = zoneId ? graph.getCellById(zoneId) : null;
    if (zone && isZone(zone)) {
      if (current === zone) return;
      if (current) current.unembed(node);
      zone.embed(node);
      const area = zone.getBBox();
      if (!area.containsPoint(node.getBBox().getCenter())) node.setPosition(area.x + 24, area.y + 44);
    } else if (!zoneId && current && isZone(current)) {
      current.unembed(node);
      const area = current.getBBox();
      node.setPosition(node.getPosition().x, area.y + area.height + 24);
    }
  }

  return {
    removeCells,
    removeSelection,
    nudge,
    createNode,
    addNode,
    placeInZone,
    update() {},
    destroy() {},
  };
}

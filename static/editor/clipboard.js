/**
 * Copy, cut and paste of canvas cells. The clipboard holds a document fragment, so pasted
 * cells are ordinary new nodes and edges: fresh `<kind>-<n>` and `e-<n>` ids, offset a
 * little each time, kept in their zone, selected after pasting. One paste is one undo step.
 */

import { cellIds, cloneJSON, fragmentOf, nextEdgeId, nextNodeId, nextSeq, toCells } from "./document.js";

const PASTE_OFFSET = 30;

/**
 * @param {object} args
 * @param {object} args.options {graph, catalog, isZone(cell), createCells(metadata), removeCells(cells)}
 * @returns {{copy: Function, cut: Function, paste: Function, duplicate: Function, isEmpty: Function, update: Function, destroy: Function}}
 */
export function createClipboard({ options }) {
  const { graph, catalog, isZone, createCells, removeCells } = options;
  const selection = graph.getPlugin("selection");
  let fragment = null;
  let pastes = 0;

  /** Copy the selected cells; false when nothing is selected. */
  function copy() {
    const cells = selection.getSelectedCells();
    if (!cells.some((cell) => cell.isNode())) return false;
    fragment = fragmentOf(graph, cells, catalog);
    pastes = 0;
    return true;
  }

  function cut() {
    if (!copy()) return false;
    removeCells(selection.getSelectedCells());
    pastes = -1;
    return true;
  }

  /** Re-id a fragment against the graph: new ids, ends and zones following them. */
  function freshCopy(offset) {
    const taken = cellIds(graph);
    const ids = new Map();
    const nodes = fragment.nodes.map((node) => {
      const { id } = nextNodeId(taken, node.kind);
      taken.add(id);
      ids.set(node.id, id);
      const copyOf = cloneJSON(node);
      copyOf.id = id;
      const at = node.position || { x: 0, y: 0 };
      copyOf.position = { x: at.x + offset, y: at.y + offset };
      return copyOf;
    });
    for (const node of nodes) {
      if (node.props && typeof node.props.zone === "string" && ids.has(node.props.zone)) {
        node.props.zone = ids.get(node.props.zone);
      }
    }
    const edges = fragment.edges.map((edge) => {
      const id = nextEdgeId(taken);
      taken.add(id);
      return { ...cloneJSON(edge), id, from: ids.get(edge.from), to: ids.get(edge.to) };
    });
    return { nodes, edges };
  }

  /** Paste the clipboard; returns the new cells. */
  function paste() {
    if (!fragment) return [];
    pastes += 1;
    const copied = freshCopy(PASTE_OFFSET * pastes);
    const cells = toCells(copied, catalog);
    const seq = nextSeq(graph);
    cells.forEach((cell, index) => {
      cell.data.seq = seq + index;
    });

    graph.startBatch("paste");
    const added = createCells(cells);
    graph.addCell(added);
    for (const node of copied.nodes) {
      const zone = node.props && node.props.zone ? graph.getCellById(node.props.zone) : null;
      const cell = graph.getCellById(node.id);
      if (zone && isZone(zone) && !cell.getParent() && catalog.acceptsZone(node.kind)) zone.embed(cell);
    }
    graph.stopBatch("paste");

    const pasted = copied.nodes.map((n) => n.id).concat(copied.edges.map((e) => e.id));
    selection.reset(pasted);
    return added;
  }

  /** Paste a copy of the selection next to it, leaving the clipboard as it was. */
  function duplicate() {
    const kept = { fragment, pastes };
    if (!copy()) return [];
    pastes = 0;
    const added = paste();
    ({ fragment, pastes } = kept);
    return added;
  }

  return {
    copy,
    cut,
    paste,
    duplicate,
    isEmpty: () => !fragment,
    update() {},
    destroy() {
      fragment = null;
    },
  };
}

/**
 * Applies what a valid property-panel form answered (the `topology:apply` event) at once:
 * a node's or edge's label and props (the look follows from the data), a node's zone, or
 * the scenario's name, description and run settings. Each apply is one undo step.
 */

import { documentKey } from "./document.js";

/**
 * @param {object} args
 * @param {object} args.options {graph, catalog, commands (edit-commands), getMeta(), setMeta(meta), undo}
 * @returns {{apply: Function, update: Function, destroy: Function}}
 */
export function createPanelApply({ options }) {
  const { graph, catalog, commands, getMeta, setMeta, undo } = options;

  function applyScenario(detail) {
    const previous = getMeta();
    const next = { ...previous, name: detail.name, description: detail.description, run: detail.run };
    if (documentKey(next) === documentKey(previous)) return;
    setMeta(next);
    undo.record(previous, getMeta());
  }

  function applyCell(detail) {
    const cell = graph.getCellById(detail.id);
    if (!cell) return;
    const data = cell.getData() || {};
    // A document without a label stays without one until a label is typed.
    const label = detail.label === "" && data.label === undefined ? undefined : detail.label;
    const next = { ...data, label, props: detail.props };
    graph.startBatch("apply");
    if (documentKey(next) !== documentKey(data)) cell.setData(next, { overwrite: true });
    if (cell.isNode() && catalog.acceptsZone(data.kind) && detail.props && "zone" in detail.props) {
      commands.placeInZone(cell, detail.props.zone);
    }
    graph.stopBatch("apply");
  }

  return {
    /** @param {object} detail {cell: "node"|"edge"|"scenario", id, label, props} or {cell, name, description, run} */
    apply(detail) {
      if (detail.cell === "scenario") applyScenario(detail);
      else applyCell(detail);
    },
    update() {},
    destroy() {},
  };
}

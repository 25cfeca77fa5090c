/**
 * The X6 graph: grid, panning and zooming, connection rules (ports, receives/sends), zones
 * as embedding parents, and the plugins for selection, snaplines, undo history, zone
 * resizing and export. Keeps each cell's look in step with its data and with the semantic
 * zoom's look (`setLook`, see semantic-zoom.js).
 */

import { cellIds, nextEdgeId, nextSeq } from "./document.js";
import { edgeRole } from "./kinds.js";
import {
  EDGE_SHAPE,
  GRID_SIZE,
  ZONE_SHAPE,
  Z_EDGE,
  edgeLabels,
  edgeLookAttrs,
  nodeLookAttrs,
  registerShapes,
} from "./shapes.js";

/** Cell changes worth undoing; attrs, labels, ports and tools are derived from these. */
const UNDOABLE_KEYS = new Set(["data", "position", "size", "parent", "children", "source", "target", "vertices"]);

const MIN_ZONE = { width: 200, height: 120 };

/**
 * Create the canvas.
 * @param {object} args
 * @param {HTMLElement} args.element the container (#canvas)
 * @param {object} args.options {X6, catalog, readOnly}
 * @param {object} [args.callbacks] unused; the graph's own events are the interface
 * @returns {{graph: object, kindOf: Function, isZone: Function, canConnect: Function, createCells: Function, refreshLook: Function, setLook: Function, update: Function, destroy: Function}}
 */
export function createCanvas({ element, options }) {
  const { X6, catalog, readOnly } = options;
  registerShapes(X6);

  const kindOf = (cell) => cell?.getData()?.kind;
  const isZone = (cell) => Boolean(cell && cell.isNode() && (cell.shape === ZONE_SHAPE || catalog.isGroup(kindOf(cell))));

  const graph = new X6.Graph({
    container: element,
    autoResize: true,
    grid: { visible: true, size: GRID_SIZE, type: "dot", args: { color: "#c5cdd9", thickness: 1 } },
    background: { color: "#f8fafc" },
    panning: { enabled: true, eventTypes: ["leftMouseDown", "mouseWheel"], modifiers: "space" },
    mousewheel: { enabled: true, modifiers: ["ctrl"], factor: 1.1, zoomAtMousePosition: true },
    scaling: { min: 0.2, max: 3 },
    interacting: readOnly
      ? { nodeMovable: false, edgeMovable: false, magnetConnectable: false, arrowheadMovable: false, vertexMovable: false, vertexAddable: false, vertexDeletable: false, edgeLabelMovable: false }
      : { edgeMovable: false, edgeLabelMovable: false, vertexAddable: false },
    highlighting: {
      magnetAvailable: { name: "className", args: { className: "ap-magnet-available" } },
      magnetAdsorbed: { name: "className", args: { className: "ap-magnet-adsorbed" } },
      nodeAvailable: { name: "className", args: { className: "ap-node-available" } },
      embedding: { name: "className", args: { className: "ap-embed-target" } },
    },
    connecting: {
      snap: { radius: 30 },
      allowBlank: false,
      allowLoop: false,
      allowNode: true,
      allowPort: true,
      allowEdge: false,
      allowMulti: true,
      highlight: true,
      anchor: "center",
      connectionPoint: "boundary",
      router: "normal",
      connector: { name: "smooth" },
      createEdge() {
        return this.createEdge({
          shape: EDGE_SHAPE,
          id: nextEdgeId(cellIds(this)),
          zIndex: Z_EDGE,
          data: { seq: nextSeq(this), extra: {} },
          attrs: edgeLookAttrs("call"),
        });
      },
      validateMagnet({ cell }) {
        return !readOnly && catalog.canSend(kindOf(cell));
      },
      validateConnection({ sourceCell, targetCell, edge }) {
        return canConnect(sourceCell, targetCell, edge);
      },
    },
    embedding: {
      enabled: !readOnly,
      findParent: "center",
      frontOnly: false,
      validate({ child, parent }) {
        return isZone(parent) && !isZone(child) && catalog.acceptsZone(kindOf(child));
      },
    },
  });

  /** Whether an edge from `source` to `target` is allowed (and not a duplicate). */
  function canConnect(source, target, edge = null) {
    if (!source || !target || source === target) return false;
    if (!source.isNode() || !target.isNode() || isZone(source) || isZone(target)) return false;
    if (!catalog.canSend(kindOf(source)) || !catalog.canReceive(kindOf(target))) return false;
    return !graph
      .getConnectedEdges(source, { outgoing: true })
      .some((other) => other !== edge && other.getTargetCellId() === target.id);
  }

  if (!readOnly) {
    graph.use(
      new X6.Selection({
        enabled: true,
        multiple: true,
        rubberband: true,
        movable: true,
        strict: false,
        showNodeSelectionBox: false,
        showEdgeSelectionBox: false,
        multipleSelectionModifiers: ["ctrl", "meta", "shift"],
        eventTypes: ["leftMouseDown"],
      }),
    );
    graph.use(new X6.Snapline({ enabled: true, sharp: true, className: "ap-snapline" }));
    graph.use(
      new X6.History({
        enabled: true,
        beforeAddCommand(event, args) {
          if (args?.options?.ignoreHistory) return false;
          if (event === "cell:change:*") return UNDOABLE_KEYS.has(args.key);
          return true;
        },
      }),
    );
    graph.use(
      new X6.Transform({
        resizing: {
          enabled: (node) => isZone(node),
          minWidth: MIN_ZONE.width,
          minHeight: MIN_ZONE.height,
          orthogonal: true,
          preserveAspectRatio: false,
        },
      }),
    );
  } else {
    graph.use(new X6.Selection({ enabled: true, multiple: true, rubberband: false, movable: false, showNodeSelectionBox: false, showEdgeSelectionBox: false }));
  }
  graph.use(new X6.Export());

  /** The semantic zoom's look of the nodes: {far, labelSize}. */
  let look = { far: false };

  /** Recompute a cell's look (label, icon, edge style) from its data. */
  function refreshLook(cell) {
    const data = cell.getData() || {};
    if (cell.isNode()) {
      cell.setAttrs(nodeLookAttrs(catalog, data.kind, data.label, cell.getSize().width, look), { ignoreHistory: true });
      return;
    }
    const source = cell.getSourceCell();
    const target = cell.getTargetCell();
    cell.setAttrs(edgeLookAttrs(edgeRole(catalog, kindOf(source), kindOf(target))), { ignoreHistory: true });
    cell.setLabels(edgeLabels(data.label), { ignoreHistory: true });
  }

  /** X6 cells from cell metadata (what `toCells` gives); the model only takes cell instances. */
  function createCells(metadata) {
    return metadata.map((item) => (item.shape === EDGE_SHAPE ? graph.createEdge(item) : graph.createNode(item)));
  }

  /** Draw every node in a new look (the semantic zoom changed it). */
  function setLook(next) {
    look = next;
    for (const node of graph.getNodes()) refreshLook(node);
  }

  function onDataChanged({ cell }) {
    refreshLook(cell);
  }

  /** Cells arrive in the near look (document.js) or in a copied one: they take the current look. */
  function onNodeAdded({ node }) {
    if (look.far || node.getAttrByPath("label/textAnchor") === "middle") refreshLook(node);
  }

  function onReset() {
    if (look.far) setLook(look);
  }

  /** A new connection ends on nodes, not ports, exactly as a reloaded document would draw it. */
  function onEdgeConnected({ edge }) {
    const source = edge.getSourceCellId();
    const target = edge.getTargetCellId();
    if (edge.getSourcePortId()) edge.setSource({ cell: source });
    if (edge.getTargetPortId()) edge.setTarget({ cell: target });
    refreshLook(edge);
  }

  function onNodeDataChanged({ node }) {
    for (const edge of graph.getConnectedEdges(node)) refreshLook(edge);
  }

  function onNodeSizeChanged({ node }) {
    if (isZone(node)) refreshLook(node);
  }

  /** Resizing leaves float noise (20.000000000000114); a resized zone keeps whole pixels. */
  function onNodeResized({ node }) {
    const { x, y } = node.getPosition();
    const { width, height } = node.getSize();
    node.setPosition(Math.round(x), Math.round(y));
    node.setSize(Math.round(width), Math.round(height));
  }

  graph.on("cell:change:data", onDataChanged);
  graph.on("node:change:data", onNodeDataChanged);
  graph.on("edge:connected", onEdgeConnected);
  graph.on("node:change:size", onNodeSizeChanged);
  graph.on("node:resized", onNodeResized);
  graph.on("node:added", onNodeAdded);
  graph.on("model:reseted", onReset);

  return {
    graph,
    kindOf,
    isZone,
    canConnect,
    createCells,
    refreshLook,
    setLook,
    update() {},
    destroy() {
      graph.off("cell:change:data", onDataChanged);
      graph.off("node:change:data", onNodeDataChanged);
      graph.off("edge:connected", onEdgeConnected);
      graph.off("node:change:size", onNodeSizeChanged);
      graph.off("node:resized", onNodeResized);
      graph.off("node:added", onNodeAdded);
      graph.off("model:reseted", onReset);
      graph.dispose();
    },
  };
}

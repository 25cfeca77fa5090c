/**
 * Topology document (format v1) <-> X6 cells. Plain functions over plain data and the
 * X6 model; nothing here touches the page.
 *
 * The conversion is lossless: every field of a node or an edge is kept on the cell's data
 * (unknown fields included), the top-level fields other than nodes and edges are carried
 * by the `base` given back to `fromGraph`, and fields that were absent stay absent.
 *
 * A cell's data holds: kind, label, props, seq (document order), extra (unknown fields) and
 * a few flags that remember what the document left out. Zones are X6 parents: a node whose
 * props.zone names a zone is embedded in it, and fromGraph writes props.zone back from the
 * embedding, so dragging a node into or out of a zone sets or clears it.
 */

import { createKindCatalog, edgeRole } from "./kinds.js";
import {
  EDGE_SHAPE,
  NODE_SHAPE,
  NODE_SIZE,
  ZONE_SHAPE,
  ZONE_SIZE,
  Z_EDGE,
  Z_NODE,
  Z_ZONE,
  edgeLabels,
  edgeLookAttrs,
  nodeLookAttrs,
  portsFor,
} from "./shapes.js";

const NODE_FIELDS = new Set(["id", "kind", "label", "position", "size", "props"]);
const EDGE_FIELDS = new Set(["id", "from", "to", "label", "props"]);

/** A deep copy of plain JSON data. */
export function cloneJSON(value) {
  return value === undefined ? undefined : JSON.parse(JSON.stringify(value));
}

function asCatalog(kinds) {
  return Array.isArray(kinds) ? createKindCatalog(kinds) : kinds;
}

function pick(object, skip) {
  const out = {};
  for (const [key, value] of Object.entries(object || {})) {
    if (!skip.has(key)) out[key] = cloneJSON(value);
  }
  return out;
}

/**
 * The X6 cell metadata for a document: nodes (zones as parents of their members), then edges.
 * @param {object} doc a topology document
 * @param {Array<object>|object} kinds the kind list from the page, or a catalogue of it
 * @returns {Array<object>} cell metadata for `graph.resetCells` / `graph.addCell`
 */
export function toCells(doc, kinds) {
  const catalog = asCatalog(kinds);
  const nodes = [];
  const seen = new Set();
  for (const node of Array.isArray(doc.nodes) ? doc.nodes : []) {
    if (!node || typeof node.id !== "string" || seen.has(node.id)) continue;
    seen.add(node.id);
    nodes.push(node);
  }
  const zoneIds = new Set(nodes.filter((n) => catalog.isGroup(n.kind)).map((n) => n.id));
  const cells = nodes.map((node, index) => nodeCell(node, catalog, index, zoneIds));

  const byId = new Map(cells.map((cell) => [cell.id, cell]));
  for (const cell of cells) {
    if (cell.parent) {
      const zone = byId.get(cell.parent);
      zone.children = [...(zone.children || []), cell.id];
    }
  }

  const edgeIds = new Set();
  (Array.isArray(doc.edges) ? doc.edges : []).forEach((edge, index) => {
    if (!edge || typeof edge.id !== "string" || edgeIds.has(edge.id) || seen.has(edge.id)) return;
    edgeIds.add(edge.id);
    cells.push(edgeCell(edge, catalog, byId, index));
  });
  return cells;
}

/** Cell metadata for one document node. */
export function nodeCell(node, catalog, seq, zoneIds = new Set()) {
  const kind = catalog.get(node.kind);
  const isZone = kind.is_group === true;
  const hasPosition = isPoint(node.position);
  const position = hasPosition ? node.position : { x: 40 + (seq % 5) * 200, y: 40 + Math.floor(seq / 5) * 100 };
  const size = isSize(node.size) ? node.size : isZone ? ZONE_SIZE : NODE_SIZE;
  const props = node.props === undefined ? undefined : cloneJSON(node.props);
  const zone = props && typeof props.zone === "string" && zoneIds.has(props.zone) && !isZone ? props.zone : null;
  const data = {
    kind: node.kind,
    label: node.label,
    props,
    seq,
    hasSize: isSize(node.size),
    autoPosition: hasPosition ? undefined : { ...position },
    extra: pick(node, NODE_FIELDS),
  };
  const cell = {
    id: node.id,
    shape: isZone ? ZONE_SHAPE : NODE_SHAPE,
    x: position.x,
    y: position.y,
    width: size.width,
    height: size.height,
    zIndex: isZone ? Z_ZONE : Z_NODE,
    data,
    attrs: nodeLookAttrs(catalog, node.kind, node.label, size.width),
    ports: portsFor(catalog, node.kind),
  };
  if (zone) cell.parent = zone;
  return cell;
}

/** Cell metadata for one document edge; an end naming no node is drawn as a loose point. */
export function edgeCell(edge, catalog, cellsById, seq) {
  const source = cellsById.get(edge.from);
  const target = cellsById.get(edge.to);
  const role = edgeRole(catalog, source?.data.kind, target?.data.kind);
  const data = {
    label: edge.label,
    props: edge.props === undefined ? undefined : cloneJSON(edge.props),
    seq,
    extra: pick(edge, EDGE_FIELDS),
  };
  if (!source || !target) {
    data.from = edge.from;
    data.to = edge.to;
  }
  return {
    id: edge.id,
    shape: EDGE_SHAPE,
    source: source ? { cell: source.id } : looseEnd(target, -1),
    target: target ? { cell: target.id } : looseEnd(source, 1),
    zIndex: Z_EDGE,
    data,
    attrs: edgeLookAttrs(role),
    labels: edgeLabels(edge.label),
  };
}

function looseEnd(other, direction) {
  if (!other) return { x: direction < 0 ? 0 : 120, y: 0 };
  return {
    x: other.x + other.width / 2 + direction * (other.width / 2 + 120),
    y: other.y + other.height / 2,
  };
}

function isPoint(value) {
  return value && typeof value.x === "number" && typeof value.y === "number";
}

function isSize(value) {
  return value && typeof value.width === "number" && typeof value.height === "number";
}

/**
 * The topology document the graph shows.
 * @param {object} graph an X6 Graph built from `toCells`
 * @param {object} base the document's other top-level fields (format, version, name, faults, run, ...)
 * @param {Array<object>|object} [kinds] the kind list or catalogue (to tell zones from nodes)
 */
export function fromGraph(graph, base, kinds = []) {
  const catalog = asCatalog(kinds);
  const isZone = (cell) => cell.shape === ZONE_SHAPE || catalog.isGroup(cell.getData()?.kind);
  const nodeCells = graph.getNodes().sort(bySeq);
  const zoneIds = new Set(nodeCells.filter(isZone).map((cell) => cell.id));
  const nodes = nodeCells.map((cell) => nodeFromCell(cell, isZone, zoneIds));
  const edges = graph.getEdges().sort(bySeq).map(edgeFromCell);

  const doc = {};
  for (const [key, value] of Object.entries(base || {})) {
    if (key === "nodes") doc.nodes = nodes;
    else if (key === "edges") doc.edges = edges;
    else doc[key] = cloneJSON(value);
  }
  if (!doc.nodes) doc.nodes = nodes;
  if (!doc.edges) doc.edges = edges;
  return doc;
}

/**
 * A document fragment {nodes, edges} of some cells: the nodes (with the members of selected
 * zones) and every edge between two of them. Used by copy and paste.
 */
export function fragmentOf(graph, cells, kinds = []) {
  const catalog = asCatalog(kinds);
  const isZone = (cell) => cell.shape === ZONE_SHAPE || catalog.isGroup(cell.getData()?.kind);
  const nodeCells = new Set();
  for (const cell of cells) {
    if (!cell.isNode()) continue;
    nodeCells.add(cell);
    if (isZone(cell)) for (const member of cell.getDescendants()) if (member.isNode()) nodeCells.add(member);
  }
  const ids = new Set([...nodeCells].map((cell) => cell.id));
  const zoneIds = new Set(graph.getNodes().filter(isZone).map((cell) => cell.id));
  const edges = graph
    .getEdges()
    .filter((edge) => ids.has(edge.getSourceCellId()) && ids.has(edge.getTargetCellId()))
    .sort(bySeq)
    .map(edgeFromCell);
  const nodes = [...nodeCells].sort(bySeq).map((cell) => nodeFromCell(cell, isZone, zoneIds));
  return { nodes, edges };
}

function bySeq(a, b) {
  return (a.getData()?.seq ?? 0) - (b.getData()?.seq ?? 0);
}

function nodeFromCell(cell, isZone, zoneIds) {
  const data = cell.getData() || {};
  const node = { id: cell.id, kind: data.kind };
  if (data.label !== undefined) node.label = data.label;
  const { x, y } = cell.getPosition();
  const auto = data.autoPosition;
  if (!auto || auto.x !== x || auto.y !== y) node.position = { x, y };
  if (isZone(cell) || data.hasSize) {
    const { width, height } = cell.getSize();
    node.size = { width, height };
  }
  const props = cloneJSON(data.props);
  if (props && !isZone(cell)) {
    const parent = cell.getParent();
    if (parent && isZone(parent)) props.zone = parent.id;
    else if (typeof props.zone === "string" && zoneIds.has(props.zone)) props.zone = "";
  } else if (!props && !isZone(cell)) {
    const parent = cell.getParent();
    if (parent && isZone(parent)) node.props = { zone: parent.id };
  }
  if (props !== undefined) node.props = props;
  return Object.assign(node, cloneJSON(data.extra) || {});
}

function edgeFromCell(cell) {
  const data = cell.getData() || {};
  const edge = {
    id: cell.id,
    from: cell.getSourceCellId() || data.from,
    to: cell.getTargetCellId() || data.to,
  };
  if (data.label !== undefined) edge.label = data.label;
  if (data.props !== undefined) edge.props = cloneJSON(data.props);
  return Object.assign(edge, cloneJSON(data.extra) || {});
}

/** The document's top-level fields other than nodes and edges. */
export function baseOf(doc) {
  const base = {};
  for (const [key, value] of Object.entries(doc || {})) {
    base[key] = key === "nodes" || key === "edges" ? [] : cloneJSON(value);
  }
  return base;
}

/** The next free `<kind>-<n>` id and its number. */
export function nextNodeId(takenIds, kindName) {
  const n = nextNumber(takenIds, `${kindName}-`);
  return { id: `${kindName}-${n}`, n };
}

/** The next free `e-<n>` edge id. */
export function nextEdgeId(takenIds) {
  return `e-${nextNumber(takenIds, "e-")}`;
}

function nextNumber(takenIds, prefix) {
  let highest = 0;
  for (const id of takenIds) {
    if (id.startsWith(prefix)) {
      const n = Number(id.slice(prefix.length));
      if (Number.isInteger(n) && n > highest) highest = n;
    }
  }
  let n = highest + 1;
  while (takenIds.has(`${prefix}${n}`)) n += 1;
  return n;
}

/** The next document-order number for a new cell. */
export function nextSeq(graph) {
  let highest = -1;
  for (const cell of graph.getCells()) highest = Math.max(highest, cell.getData()?.seq ?? -1);
  return highest + 1;
}

/**
 * Cell metadata for a new node of a kind: id `<kind>-<n>`, label "<Kind label> <n>", the
 * kind's default props (a deep copy).
 */
export function newNodeCell(catalog, kindName, { takenIds, position = { x: 0, y: 0 }, seq = 0 }) {
  const kind = catalog.get(kindName);
  const { id, n } = nextNodeId(takenIds, kindName);
  const node = {
    id,
    kind: kindName,
    label: `${kind.label} ${n}`,
    position: { ...position },
    props: cloneJSON(kind.defaults || {}),
  };
  if (kind.is_group) node.size = { ...ZONE_SIZE };
  return nodeCell(node, catalog, seq);
}

/** The ids of every cell in the graph. */
export function cellIds(graph) {
  return new Set(graph.getCells().map((cell) => cell.id));
}

/** Canonical text of a document, to compare two states. */
export function documentKey(doc) {
  return JSON.stringify(doc);
}

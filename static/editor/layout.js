/**
 * Auto-layout with elkjs: layered, left to right, zones laid out as compound nodes holding
 * their members. The new positions (and zone sizes) are one undo step.
 */

import { GRID_SIZE } from "./shapes.js";

const ROOT_OPTIONS = {
  "elk.algorithm": "layered",
  "elk.direction": "RIGHT",
  "elk.hierarchyHandling": "INCLUDE_CHILDREN",
  "elk.edgeRouting": "POLYLINE",
  "elk.spacing.nodeNode": "36",
  "elk.layered.spacing.nodeNodeBetweenLayers": "90",
  "elk.spacing.componentComponent": "60",
  "elk.layered.nodePlacement.strategy": "NETWORK_SIMPLEX",
  "elk.layered.considerModelOrder.strategy": "NODES_AND_EDGES",
  "elk.padding": "[top=40,left=40,bottom=40,right=40]",
};

const ZONE_OPTIONS = {
  "elk.padding": "[top=48,left=28,bottom=28,right=28]",
};

/**
 * @param {object} args
 * @param {object} args.options {ELK (constructor), graph, isZone(cell)}
 * @param {object} [args.callbacks] {onDone()}
 * @returns {{run: Function, update: Function, destroy: Function}}
 */
export function createAutoLayout({ options, callbacks = {} }) {
  const { ELK, graph, isZone } = options;
  const elk = new ELK();
  let running = false;

  /** The ELK graph: top-level nodes at the root, zone members inside their zone. */
  function elkGraph() {
    const bySeq = (a, b) => (a.getData()?.seq ?? 0) - (b.getData()?.seq ?? 0);
    const containerOf = new Map();
    const elkNodes = new Map();
    const root = { id: "__root__", layoutOptions: ROOT_OPTIONS, children: [], edges: [] };

    const nodes = graph.getNodes().sort(bySeq);
    for (const node of nodes) {
      const { width, height } = node.getSize();
      const item = { id: node.id, width, height };
      if (isZone(node)) Object.assign(item, { children: [], edges: [], layoutOptions: ZONE_OPTIONS });
      elkNodes.set(node.id, item);
    }
    for (const node of nodes) {
      const parent = node.getParent();
      const container = parent && isZone(parent) ? elkNodes.get(parent.id) : root;
      container.children.push(elkNodes.get(node.id));
      containerOf.set(node.id, container);
    }
    for (const zone of nodes.filter(isZone)) {
      const item = elkNodes.get(zone.id);
      // An empty zone keeps its size.
      if (item.children.length) {
        delete item.width;
        delete item.height;
      }
    }
    for (const edge of graph.getEdges().sort(bySeq)) {
      const source = edge.getSourceCellId();
      const target = edge.getTargetCellId();
      if (!elkNodes.has(source) || !elkNodes.has(target)) continue;
      const from = containerOf.get(source);
      const to = containerOf.get(target);
      const container = from === to ? from : root;
      container.edges.push({ id: edge.id, sources: [source], targets: [target] });
    }
    return root;
  }

  function apply(result) {
    const snap = (value) => Math.round(value / GRID_SIZE) * GRID_SIZE;
    graph.startBatch("layout");
    const place = (items, originX, originY) => {
      for (const item of items || []) {
        const node = graph.getCellById(item.id);
        const x = snap(originX + item.x);
        const y = snap(originY + item.y);
        if (node) {
          node.setPosition(x, y, { deep: false });
          if (isZone(node) && item.children?.length) node.setSize(snap(item.width), snap(item.height));
        }
        place(item.children, x, y);
      }
    };
    place(result.children, 0, 0);
    graph.stopBatch("layout");
  }

  /** Lay the canvas out; resolves when the new positions are applied. */
  async function run() {
    if (running || graph.getNodes().length === 0) return false;
    running = true;
    try {
      apply(await elk.layout(elkGraph()));
      callbacks.onDone?.();
      return true;
    } finally {
      running = false;
    }
  }

  return {
    run,
    update() {},
    destroy() {},
  };
}

/**
 * The property panel (#panel), rendered by the server through htmx: the selected node's or
 * edge's form, the scenario's form when nothing is selected, a short summary for a multiple
 * selection. A valid form answer carries `HX-Trigger: topology:apply`, handed to onApply.
 */

const APPLY_TARGETS = new Set(["node", "edge", "scenario"]);

/**
 * @param {object} args
 * @param {HTMLElement} args.element the panel (#panel)
 * @param {object} args.options {htmx, config (editor_config), mode, graph, getDocument(), kindOf(cell), isZone(cell)}
 * @param {object} args.callbacks {onApply(detail)}
 * @returns {{update: Function, destroy: Function}}
 */
export function createPropertyPanel({ element, options, callbacks }) {
  const { htmx, config, mode, graph, getDocument, kindOf, isZone } = options;
  let shownKey = null;
  let shownCells = [];

  function request(url, values) {
    htmx.ajax("POST", url, {
      target: element,
      swap: "innerHTML",
      values: { ...values, mode },
      headers: { "X-CSRFToken": document.querySelector('meta[name="csrf-token"]')?.content || "" },
    });
  }

  function nodeValues(cell, doc) {
    const node = doc.nodes.find((n) => n.id === cell.id) || {};
    const zones = graph
      .getNodes()
      .filter(isZone)
      .map((zone) => ({ id: zone.id, label: zone.getData()?.label || zone.id }));
    return {
      id: cell.id,
      kind: node.kind,
      label: node.label ?? "",
      props: JSON.stringify(node.props || {}),
      zones: JSON.stringify(zones),
    };
  }

  function edgeValues(cell, doc) {
    const edge = doc.edges.find((e) => e.id === cell.id) || {};
    return {
      id: cell.id,
      from_kind: kindOf(cell.getSourceCell()) || "",
      to_kind: kindOf(cell.getTargetCell()) || "",
      label: edge.label ?? "",
      props: JSON.stringify(edge.props || {}),
    };
  }

  function showSummary(cells) {
    const nodes = cells.filter((cell) => cell.isNode()).length;
    const edges = cells.length - nodes;
    const parts = [];
    if (nodes) parts.push(`${nodes} node${nodes === 1 ? "" : "s"}`);
    if (edges) parts.push(`${edges} edge${edges === 1 ? "" : "s"}`);
    const box = document.createElement("div");
    box.className = "panel-multi";
    const title = document.createElement("h2");
    title.textContent = `${parts.join(" and ")} selected`;
    const hint = document.createElement("p");
    hint.textContent =
      mode === "edit"
        ? "Drag to move them together, Delete to remove them, Ctrl+C to copy. Select one item to edit its properties."
        : "Select one item to see its properties.";
    box.append(title, hint);
    element.replaceChildren(box);
  }

  /**
   * Show the panel for the current selection.
   * @param {Array<object>} cells the selected cells
   * @param {{force?: boolean}} [flags] reload even when the same thing is shown (after undo)
   */
  function update(cells, { force = false } = {}) {
    const key = cells.length === 1 ? cells[0].id : cells.length ? `multi:${cells.map((c) => c.id).join(",")}` : "scenario";
    if (key === shownKey && !force) return;
    shownKey = key;
    shownCells = cells;
    if (cells.length > 1) {
      showSummary(cells);
      return;
    }
    const doc = getDocument();
    if (cells.length === 0) {
      request(config.panel_scenario_url, {
        name: doc.name ?? "",
        description: doc.description ?? "",
        run: JSON.stringify(doc.run || {}),
      });
    } else if (cells[0].isNode()) {
      request(config.panel_node_url, nodeValues(cells[0], doc));
    } else {
      request(config.panel_edge_url, edgeValues(cells[0], doc));
    }
  }

  /**
   * The apply event names what it is for in `cell` ("node", "edge" or "scenario"). It must
   * not be called `target`: htmx reads `target` in an HX-Trigger detail as the selector of
   * the element to fire the event on.
   */
  function onApply(event) {
    const detail = event.detail || {};
    if (mode !== "edit" || !APPLY_TARGETS.has(detail.cell)) return;
    callbacks.onApply(detail);
  }

  /**
   * Answers may cross: a field left by clicking another node posts the old form after the
   * new selection asked for its own. Whatever lands last, the panel ends up showing the
   * current selection.
   */
  function onSwapped(event) {
    if (event.detail?.target !== element || !shownKey || shownKey.startsWith("multi:")) return;
    const form = element.querySelector("form[data-panel]");
    if (!form) return;
    const shownId = form.querySelector('input[name="id"]')?.value || "scenario";
    if (shownId !== shownKey) update(shownCells, { force: true });
  }

  document.body.addEventListener("topology:apply", onApply);
  document.body.addEventListener("htmx:afterSwap", onSwapped);

  return {
    update,
    destroy() {
      document.body.removeEventListener("topology:apply", onApply);
      document.body.removeEventListener("htmx:afterSwap", onSwapped);
    },
  };
}

/**
 * The palette (#palette): every node kind, grouped by category, each with its icon in its
 * colour. Drag an item onto the canvas to place it there (X6 Dnd, snapping to the grid and
 * dropping into a zone), or click it (Enter) to add it in the middle of the view.
 * Items are buttons with `data-kind`, so tests and keyboards find them.
 */

const SVG_NS = "http://www.w3.org/2000/svg";
const DRAG_THRESHOLD = 4;

/** An inline SVG of a kind's icon (24x24 path data drawn as a stroke). */
export function kindIcon(kind, size = 20) {
  const svg = document.createElementNS(SVG_NS, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("width", String(size));
  svg.setAttribute("height", String(size));
  svg.setAttribute("aria-hidden", "true");
  const path = document.createElementNS(SVG_NS, "path");
  path.setAttribute("d", kind.icon);
  path.setAttribute("fill", "none");
  path.setAttribute("stroke", kind.color);
  path.setAttribute("stroke-width", "1.8");
  path.setAttribute("stroke-linecap", "round");
  path.setAttribute("stroke-linejoin", "round");
  svg.append(path);
  return svg;
}

/**
 * @param {object} args
 * @param {HTMLElement} args.element the palette container (#palette)
 * @param {object} args.options {X6, graph, catalog, createNode(kind), zIndexFor(kind)}
 * @param {object} args.callbacks {onAdd(kind)} a click (not a drag) on an item
 * @returns {{update: Function, destroy: Function}}
 */
export function createPalette({ element, options, callbacks }) {
  const { X6, graph, catalog, createNode, zIndexFor } = options;

  const dnd = new X6.Dnd({
    target: graph,
    scaled: true,
    dndContainer: element,
    getDragNode: (source) => source,
    getDropNode: (dragging) => createNode(dragging.getData().kind),
    validateNode(node) {
      // Dnd drops a node's z-index; put zones back behind everything.
      node.setZIndex(zIndexFor(node.getData().kind));
      return true;
    },
  });

  const header = document.createElement("div");
  header.className = "palette-header";
  const title = document.createElement("h2");
  title.className = "palette-title";
  title.textContent = "Components";
  const search = document.createElement("input");
  search.type = "search";
  search.className = "palette-search";
  search.placeholder = "Filter…";
  search.setAttribute("aria-label", "Filter components");
  header.append(title, search);

  const groups = catalog.byCategory().map(({ category, title: groupTitle, kinds }) => {
    const section = document.createElement("section");
    section.className = "palette-group";
    section.dataset.category = category;
    const heading = document.createElement("h3");
    heading.textContent = groupTitle;
    const list = document.createElement("div");
    list.className = "palette-items";
    for (const kind of kinds) list.append(paletteItem(kind));
    section.append(heading, list);
    return section;
  });

  const hint = document.createElement("p");
  hint.className = "palette-hint";
  hint.textContent = "Drag onto the canvas, or click to add.";

  element.replaceChildren(header, ...groups, hint);

  function paletteItem(kind) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "palette-item";
    button.dataset.kind = kind.name;
    button.title = kind.summary;
    button.style.setProperty("--kind-color", kind.color);
    const icon = document.createElement("span");
    icon.className = "palette-icon";
    icon.append(kindIcon(kind));
    const label = document.createElement("span");
    label.className = "palette-label";
    label.textContent = kind.label;
    button.append(icon, label);
    return button;
  }

  /** A press on an item becomes a drag once the pointer has moved a little; else a click. */
  let pressed = null;

  function onMouseDown(event) {
    const button = event.target.closest(".palette-item");
    if (!button || event.button !== 0) return;
    event.preventDefault();
    pressed = { kind: button.dataset.kind, x: event.clientX, y: event.clientY };
  }

  function onMouseMove(event) {
    if (!pressed) return;
    if (Math.hypot(event.clientX - pressed.x, event.clientY - pressed.y) < DRAG_THRESHOLD) return;
    const node = createNode(pressed.kind);
    pressed = null;
    dnd.start(node, event);
  }

  function onMouseUp() {
    pressed = null;
  }

  function onClick(event) {
    const button = event.target.closest(".palette-item");
    if (button) callbacks.onAdd(button.dataset.kind);
  }

  function onSearch() {
    const needle = search.value.trim().toLowerCase();
    for (const section of groups) {
      let visible = 0;
      for (const item of section.querySelectorAll(".palette-item")) {
        const kind = catalog.get(item.dataset.kind);
        const match = !needle || `${kind.label} ${kind.name} ${kind.summary}`.toLowerCase().includes(needle);
        item.hidden = !match;
        if (match) visible += 1;
      }
      section.hidden = visible === 0;
    }
  }

  element.addEventListener("mousedown", onMouseDown);
  document.addEventListener("mousemove", onMouseMove);
  document.addEventListener("mouseup", onMouseUp);
  element.addEventListener("click", onClick);
  search.addEventListener("input", onSearch);

  return {
    update() {},
    destroy() {
      element.removeEventListener("mousedown", onMouseDown);
      document.removeEventListener("mousemove", onMouseMove);
      document.removeEventListener("mouseup", onMouseUp);
      element.removeEventListener("click", onClick);
      search.removeEventListener("input", onSearch);
      dnd.dispose();
      element.replaceChildren();
    },
  };
}

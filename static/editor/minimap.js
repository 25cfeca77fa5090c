/**
 * The minimap (#minimap): the whole diagram in small, with the visible area as a frame you
 * can drag to pan. It can be folded away with its toggle button.
 */

/**
 * @param {object} args
 * @param {HTMLElement} args.element the minimap container (#minimap)
 * @param {object} args.options {X6, graph, width, height}
 * @returns {{update: Function, destroy: Function}}
 */
export function createMinimap({ element, options }) {
  const { X6, graph, width = 200, height = 130 } = options;
  const body = element.querySelector("[data-minimap-body]") || element;
  const toggle = element.querySelector("[data-minimap-toggle]");

  const plugin = new X6.MiniMap({
    container: body,
    width,
    height,
    padding: 8,
    scalable: false,
    graphOptions: { async: true, grid: false, background: { color: "#ffffff" } },
  });
  graph.use(plugin);

  function onToggle() {
    const folded = element.classList.toggle("is-folded");
    toggle.setAttribute("aria-expanded", String(!folded));
    toggle.title = folded ? "Show the minimap" : "Hide the minimap";
  }

  toggle?.addEventListener("click", onToggle);

  return {
    update() {},
    destroy() {
      toggle?.removeEventListener("click", onToggle);
      plugin.dispose();
    },
  };
}

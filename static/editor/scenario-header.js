/**
 * The scenario's name in the toolbar and the window title, and its description in the
 * "About this scenario" box. The page renders the description as sanitised HTML; after an
 * edit in the panel (or an import) it is shown as plain text until the page is reloaded.
 */

/**
 * @param {object} args
 * @param {HTMLElement} args.element the name heading (#scenario-name)
 * @param {object} args.options {aboutElement (#scenario-about-body)}
 * @returns {{update: Function, destroy: Function}}
 */
export function createScenarioHeader({ element, options }) {
  const { aboutElement } = options;
  let description = null;

  return {
    /** Show a scenario's name and, when it changed, its description. */
    update(meta, { fromPage = false } = {}) {
      const name = meta.name || "Untitled scenario";
      if (element) element.textContent = name;
      document.title = `${name} · Architecture Playground`;
      const text = meta.description || "";
      if (fromPage || description === null) {
        description = text;
        return;
      }
      if (text === description || !aboutElement) return;
      description = text;
      const plain = document.createElement("p");
      plain.className = text ? "about-plain" : "about-empty";
      plain.textContent = text || "No description yet.";
      aboutElement.replaceChildren(plain);
    },
    destroy() {},
  };
}

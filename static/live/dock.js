/**
 * The dock under the canvas: a tab bar and one panel per tab (charts, event log, uptime,
 * chaos, CQRS, outbox). The tabs' content is built by their own modules; this only switches
 * between them and folds the dock away. An element of the dock marked `data-dock-extra` (the
 * run's status) moves to the right of the tab bar.
 */

/**
 * @param {object} args
 * @param {HTMLElement} args.element the dock (#live-dock)
 * @param {object} args.options {tabs: [{id, label}]}
 * @param {object} args.callbacks {onShow(tabId)}
 * @returns {{panel(id): HTMLElement, show(id): void, current(): string, setOpen(open): void, setTabNote(id, text): void, destroy(): void}}
 */
export function createDock({ element, options, callbacks }) {
  const { tabs } = options;
  const bar = document.createElement("div");
  bar.className = "dock-tabs";
  bar.setAttribute("role", "tablist");
  bar.setAttribute("aria-label", "Run details");
  const panels = document.createElement("div");
  panels.className = "dock-panels";
  const fold = document.createElement("button");
  fold.type = "button";
  fold.className = "tool dock-fold";
  fold.setAttribute("aria-label", "Fold the dock");
  fold.innerHTML = '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="m6 9 6 6 6-6"/></svg>';
  const buttons = new Map();
  const sections = new Map();
  let current = tabs[0].id;

  for (const tab of tabs) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "dock-tab";
    button.id = `dock-tab-${tab.id}`;
    button.setAttribute("role", "tab");
    button.setAttribute("aria-controls", `dock-panel-${tab.id}`);
    button.dataset.tab = tab.id;
    button.textContent = tab.label;
    bar.append(button);
    const section = document.createElement("section");
    section.className = "dock-panel";
    section.id = `dock-panel-${tab.id}`;
    section.setAttribute("role", "tabpanel");
    section.setAttribute("aria-labelledby", button.id);
    panels.append(section);
    buttons.set(tab.id, button);
    sections.set(tab.id, section);
  }
  const extra = element.querySelector("[data-dock-extra]"); // e.g. the run's status, from the page
  if (extra) bar.append(extra);
  bar.append(fold);
  element.append(bar, panels);

  function show(id) {
    current = id;
    for (const [tabId, button] of buttons) {
      const on = tabId === id;
      button.setAttribute("aria-selected", String(on));
      button.tabIndex = on ? 0 : -1;
      sections.get(tabId).hidden = !on;
    }
    setOpen(true);
    callbacks.onShow?.(id);
  }

  function setOpen(open) {
    element.dataset.open = String(open);
    fold.setAttribute("aria-expanded", String(open));
    fold.title = open ? "Fold the dock" : "Open the dock";
  }

  bar.addEventListener("click", (event) => {
    const button = event.target.closest(".dock-tab");
    if (button) show(button.dataset.tab);
  });
  bar.addEventListener("keydown", (event) => {
    if (event.key !== "ArrowRight" && event.key !== "ArrowLeft") return;
    const ids = [...buttons.keys()];
    const next = ids[(ids.indexOf(current) + (event.key === "ArrowRight" ? 1 : ids.length - 1)) % ids.length];
    show(next);
    buttons.get(next).focus();
  });
  fold.addEventListener("click", () => {
    setOpen(element.dataset.open !== "true");
    if (element.dataset.open === "true") callbacks.onShow?.(current);
  });
  show(current);

  return {
    panel: (id) => sections.get(id),
    show,
    current: () => current,
    setOpen,
    setTabNote(id, text) {
      buttons.get(id).dataset.note = text || "";
    },
    destroy() {
      bar.remove();
      panels.remove();
    },
  };
}

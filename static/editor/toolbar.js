/**
 * The toolbar: every `[data-action]` button runs the editor action of that name; undo and
 * redo are disabled when there is nothing to undo or redo.
 */

/**
 * @param {object} args
 * @param {HTMLElement} args.element the toolbar
 * @param {object} args.options {actions: {name: function}}
 * @returns {{update: Function, destroy: Function}}
 */
export function createToolbar({ element, options }) {
  const { actions } = options;

  function onClick(event) {
    const button = event.target.closest("[data-action]");
    if (!button || button.disabled || !element.contains(button)) return;
    const action = actions[button.dataset.action];
    if (action) {
      event.preventDefault();
      action();
    }
  }

  element.addEventListener("click", onClick);

  return {
    /** Reflect the undo state: {canUndo, canRedo}. */
    update({ canUndo, canRedo } = {}) {
      const undo = element.querySelector('[data-action="undo"]');
      const redo = element.querySelector('[data-action="redo"]');
      if (undo) undo.disabled = !canUndo;
      if (redo) redo.disabled = !canRedo;
    },
    destroy() {
      element.removeEventListener("click", onClick);
    },
  };
}

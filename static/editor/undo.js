/**
 * Undo and redo over two kinds of change: canvas changes, recorded by X6's History plugin,
 * and scenario-level changes (name, description, run settings, or a whole imported
 * document), which are not cells and are recorded here.
 *
 * Each scenario entry remembers how deep X6's undo stack was when it was made, so the two
 * stacks interleave in the order the user made the changes. A "linked" entry goes with the
 * X6 command made just before it (an import replaces cells and settings in one step).
 */

/**
 * @param {object} args
 * @param {object} args.options {history: X6 History plugin, setMeta(meta)}
 * @param {object} [args.callbacks] {onChange({canUndo, canRedo}), onUndoRedo()}
 * @returns {{record: Function, undo: Function, redo: Function, clean: Function, canUndo: Function, canRedo: Function, update: Function, destroy: Function}}
 */
export function createUndo({ options, callbacks = {} }) {
  const { history, setMeta } = options;
  const undoStack = [];
  const redoStack = [];

  const canUndo = () => undoStack.length > 0 || history.canUndo();
  const canRedo = () => redoStack.length > 0 || history.canRedo();

  function notify() {
    callbacks.onChange?.({ canUndo: canUndo(), canRedo: canRedo() });
  }

  /** A new canvas change makes the scenario redo entries unreachable, as X6 does for its own. */
  function onCanvasCommand() {
    redoStack.length = 0;
    notify();
  }

  /**
   * Record a scenario-level change that has just been applied.
   * @param {object} previous the meta before
   * @param {object} next the meta after
   * @param {{linked?: boolean}} [flags] linked: undo it together with the last canvas command
   */
  function record(previous, next, { linked = false } = {}) {
    undoStack.push({ previous, next, linked, depth: history.getUndoSize() });
    redoStack.length = 0;
    // X6 exposes no call to drop only its redo stack; a new change must drop it too.
    history.redoStack = [];
    notify();
  }

  function undo() {
    const top = undoStack[undoStack.length - 1];
    if (top && top.depth === history.getUndoSize()) {
      undoStack.pop();
      setMeta(top.previous);
      if (top.linked) history.undo();
      redoStack.push({ ...top, depth: history.getUndoSize() });
    } else if (history.canUndo()) {
      history.undo();
    } else {
      return false;
    }
    notify();
    callbacks.onUndoRedo?.();
    return true;
  }

  function redo() {
    const top = redoStack[redoStack.length - 1];
    if (top && top.depth === history.getUndoSize()) {
      redoStack.pop();
      if (top.linked) history.redo();
      setMeta(top.next);
      undoStack.push({ ...top, depth: history.getUndoSize() });
    } else if (history.canRedo()) {
      history.redo();
    } else {
      return false;
    }
    notify();
    callbacks.onUndoRedo?.();
    return true;
  }

  function clean() {
    undoStack.length = 0;
    redoStack.length = 0;
    history.clean();
    notify();
  }

  history.on("add", onCanvasCommand);
  history.on("change", notify);

  return {
    record,
    undo,
    redo,
    clean,
    canUndo,
    canRedo,
    update: notify,
    destroy() {
      history.off("add", onCanvasCommand);
      history.off("change", notify);
    },
  };
}

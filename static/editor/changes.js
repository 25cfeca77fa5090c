/**
 * Turns the stream of model events (a drag fires one per mouse move) into "the document
 * changed" notices: coalesced, and only when the document really differs from the last one
 * (a selection mark or a hover changes no document).
 */

import { documentKey } from "./document.js";

const CELL_EVENTS = ["cell:added", "cell:removed", "cell:changed"];

/**
 * @param {object} args
 * @param {object} args.options {graph, getDocument(), wait (ms, default 60)}
 * @param {object} args.callbacks {onChange(document)}
 * @returns {{notify: Function, flush: Function, reset: Function, update: Function, destroy: Function}}
 */
export function createChangeFeed({ options, callbacks }) {
  const { graph, getDocument, wait = 60 } = options;
  let timer = null;
  let lastKey = documentKey(getDocument());

  function flush() {
    clearTimeout(timer);
    timer = null;
    const doc = getDocument();
    const key = documentKey(doc);
    if (key === lastKey) return;
    lastKey = key;
    callbacks.onChange(doc);
  }

  /** Schedule a check; called for every model event and for scenario-level changes. */
  function notify() {
    if (timer === null) timer = setTimeout(flush, wait);
  }

  /** Take the current document as the starting point without announcing it. */
  function reset() {
    clearTimeout(timer);
    timer = null;
    lastKey = documentKey(getDocument());
  }

  for (const name of CELL_EVENTS) graph.on(name, notify);

  return {
    notify,
    flush,
    reset,
    update: notify,
    destroy() {
      clearTimeout(timer);
      for (const name of CELL_EVENTS) graph.off(name, notify);
    },
  };
}

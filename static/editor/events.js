/**
 * The editor's public events, dispatched on `document` so the rest of the page (and later
 * features such as live runs) can listen without knowing the editor's insides:
 *
 * - `editor:ready`     {editor}              the canvas holds the document
 * - `editor:change`    {document}            the document changed (edit, undo, import, ...)
 * - `editor:selection` {cells: [{id, type}]} the selection changed
 * - `editor:validated` {problems, document}  validation answered (document: the one checked;
 *                                            null for a refused save's problems)
 * - `editor:dirty`     {dirty}               unsaved changes appeared or were saved
 * - `editor:saved`     {slug, revision, saved_at}
 * - `editor:loaded`    {document, source}    a document replaced the canvas (page, import, api)
 * - `editor:imported`  {fileName}            "Open JSON…" loaded a file
 * - `editor:presenting` {presenting}         presentation mode was turned on or off
 * - `live:drawn`       {frame}               the live canvas drew a run's frame (null: cleared)
 */

/** Dispatch one editor event on `document`. */
export function emit(name, detail = {}) {
  document.dispatchEvent(new CustomEvent(name, { detail }));
}

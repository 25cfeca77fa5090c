/**
 * Saving and the unsaved-change indicator (#save-status): compares the document with the
 * last saved one, PUTs it to the scenario's save URL, and warns before leaving the page
 * while there are unsaved changes.
 */

import { documentKey } from "./document.js";
import { problemsOf, sendJSON } from "./http.js";
import { normaliseProblems } from "./validation.js";

/**
 * @param {object} args
 * @param {HTMLElement} args.element the status text (#save-status)
 * @param {object} args.options {url, getDocument(), savedDocument, revision}
 * @param {object} args.callbacks {onDirty(dirty), onSaved(answer), onRefused(problems)}
 * @returns {{update: Function, save: Function, isDirty: Function, markSaved: Function, destroy: Function}}
 */
export function createSaveControl({ element, options, callbacks }) {
  const { url, getDocument } = options;
  let savedKey = documentKey(options.savedDocument);
  let revision = options.revision;
  let dirty = false;
  let saving = null;

  function show(text, state) {
    element.textContent = text;
    element.dataset.state = state;
  }

  function showSaved() {
    show(revision ? `Saved · revision ${revision}` : "Saved", "saved");
  }

  function setDirty(value) {
    if (value === dirty) return;
    dirty = value;
    callbacks.onDirty?.(dirty);
  }

  /** Compare a document with the saved one and show the state. */
  function update(doc) {
    setDirty(documentKey(doc) !== savedKey);
    if (saving) return;
    if (dirty) show("● Unsaved changes", "dirty");
    else showSaved();
  }

  /** Take this document as saved (after a save, or when a document is first shown). */
  function markSaved(doc, newRevision = revision) {
    savedKey = documentKey(doc);
    revision = newRevision;
    update(getDocument());
  }

  async function send() {
    const doc = getDocument();
    show("Saving…", "saving");
    const { status, data } = await sendJSON(url, doc, { method: "PUT" });
    saving = null;
    if (status === 200 && data) {
      markSaved(doc, data.revision);
      callbacks.onSaved?.(data);
      return true;
    }
    if (status === 0) show("Not saved: the server could not be reached", "error");
    else if (status === 403) show("Not saved: you cannot edit this scenario", "error");
    else show(`Not saved: ${status === 400 ? "fix the problems below" : `the server answered ${status}`}`, "error");
    const problems = normaliseProblems(problemsOf(data), doc);
    if (problems.length) callbacks.onRefused?.(problems);
    return false;
  }

  /** Save now (one save at a time). */
  function save() {
    if (!url) return Promise.resolve(false);
    if (!saving) saving = send();
    return saving;
  }

  function onBeforeUnload(event) {
    if (!dirty) return;
    event.preventDefault();
    event.returnValue = "";
  }

  window.addEventListener("beforeunload", onBeforeUnload);
  showSaved();

  return {
    update,
    save,
    markSaved,
    isDirty: () => dirty,
    destroy() {
      window.removeEventListener("beforeunload", onBeforeUnload);
    },
  };
}

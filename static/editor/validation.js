/**
 * Live validation: after each change (debounced) the document is posted to the server's
 * validator, which answers its problems. A newer change cancels the request in flight.
 */

import { documentKey } from "./document.js";
import { problemsOf, sendJSON } from "./http.js";

/**
 * Where a problem points on the canvas: the server's `target`, else the node or edge its
 * JSON path names (`$.nodes[2].props.replicas` -> the third node's id).
 */
export function problemTarget(problem, doc) {
  if (problem.target) return problem.target;
  const match = /^\$\.(nodes|edges)\[(\d+)\]/.exec(problem.path || "");
  if (!match || !doc) return null;
  const item = (doc[match[1]] || [])[Number(match[2])];
  return item && typeof item.id === "string" ? item.id : null;
}

/** Problems with their targets resolved and their severity spelled out. */
export function normaliseProblems(problems, doc) {
  return problems.map((problem) => ({
    path: problem.path || "$",
    message: problem.message || "invalid",
    severity: problem.severity === "warning" ? "warning" : "error",
    target: problemTarget(problem, doc),
  }));
}

/** Only a path on this site (`/templates/<slug>/lesson/`) is used as a lesson link. */
function lessonLink(url) {
  return typeof url === "string" && /^\/(?![/\\])/.test(url) ? url : "";
}

/**
 * The design checks of an answer (`warnings`): advice about the architecture, never blocking.
 * Each is a warning that also carries its `rule` and the `lesson` that explains it.
 */
export function designWarningsOf(data, doc) {
  const warnings = data && Array.isArray(data.warnings) ? data.warnings : [];
  return warnings.map((warning) => ({
    path: warning.path || "$",
    message: warning.message || "",
    severity: "warning",
    target: problemTarget(warning, doc),
    rule: String(warning.rule || "design-check"),
    lesson: lessonLink(warning.lesson),
  }));
}

/**
 * Ask the server what is wrong with a document.
 * @returns {Promise<Array<object>>} normalised problems, then the design warnings (with
 *   `rule` and `lesson`); a failed request is one problem
 */
export async function validateDocument(url, doc, { signal } = {}) {
  const { status, data } = await sendJSON(url, doc, { signal });
  if (status === 0) {
    return [{ path: "$", message: "Could not reach the validator; check your connection.", severity: "warning", target: null }];
  }
  const problems = problemsOf(data);
  if (status >= 400 && problems.length === 0) {
    return [{ path: "$", message: `The validator answered ${status}.`, severity: "error", target: null }];
  }
  return [...normaliseProblems(problems, doc), ...designWarningsOf(data, doc)];
}

/**
 * @param {object} args
 * @param {object} args.options {url, delay (ms, default 400)}
 * @param {object} args.callbacks {onResult(problems, document)}
 * @returns {{update: Function, validateNow: Function, destroy: Function}}
 */
export function createLiveValidation({ options, callbacks }) {
  const { url, delay = 400 } = options;
  let timer = null;
  let controller = null;
  let lastKey = null;

  async function run(doc) {
    controller?.abort();
    controller = new AbortController();
    const { signal } = controller;
    try {
      const problems = await validateDocument(url, doc, { signal });
      if (!signal.aborted) callbacks.onResult(problems, doc);
      return problems;
    } catch (error) {
      if (error.name === "AbortError") return null;
      throw error;
    }
  }

  return {
    /** Validate this document after a pause, unless it is the one validated last. */
    update(doc) {
      const key = documentKey(doc);
      if (key === lastKey) return;
      lastKey = key;
      clearTimeout(timer);
      timer = setTimeout(() => run(doc), delay);
    },
    /** Validate at once (first load, import). */
    validateNow(doc) {
      clearTimeout(timer);
      lastKey = documentKey(doc);
      return run(doc);
    },
    destroy() {
      clearTimeout(timer);
      controller?.abort();
    },
  };
}

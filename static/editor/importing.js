/**
 * "Open JSON…": read a topology file chosen by the user, have the server validate it, and
 * either hand it over to be loaded or report why it cannot be.
 */

import { validateDocument } from "./validation.js";

const MAX_BYTES = 1_000_000;

/**
 * @param {object} args
 * @param {HTMLInputElement} args.element the hidden file input (#import-file)
 * @param {object} args.options {validateUrl}
 * @param {object} args.callbacks {onLoad(document, fileName, problems), onRefused(problems, fileName)}
 * @returns {{open: Function, readFile: Function, update: Function, destroy: Function}}
 */
export function createImporter({ element, options, callbacks }) {
  const { validateUrl } = options;

  function refuse(fileName, message) {
    callbacks.onRefused([{ path: "$", message, severity: "error", target: null }], fileName);
  }

  /** Read, parse and validate one file. */
  async function readFile(file) {
    if (file.size > MAX_BYTES) {
      refuse(file.name, `The file is ${file.size.toLocaleString()} bytes; the limit is ${MAX_BYTES.toLocaleString()}.`);
      return false;
    }
    let doc;
    try {
      doc = JSON.parse(await file.text());
    } catch (error) {
      refuse(file.name, `The file is not valid JSON: ${error.message}`);
      return false;
    }
    const problems = await validateDocument(validateUrl, doc);
    if (problems.some((problem) => problem.severity === "error")) {
      callbacks.onRefused(problems, file.name);
      return false;
    }
    callbacks.onLoad(doc, file.name, problems);
    return true;
  }

  function onChange() {
    const file = element.files && element.files[0];
    element.value = "";
    if (file) readFile(file);
  }

  element.addEventListener("change", onChange);

  return {
    open: () => element.click(),
    readFile,
    update() {},
    destroy() {
      element.removeEventListener("change", onChange);
    },
  };
}

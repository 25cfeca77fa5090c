/**
 * Asks a server endpoint about the newest valid document, politely: after `delay` ms of quiet,
 * at most one request on its way (a document checked meanwhile goes when it returns), never
 * twice for the same document, and an answer for an older document is dropped. Shared by the
 * cost badge and the theory panel, which post each document the live validation passed.
 */

import { documentKey } from "./document.js";
import { sendJSON } from "./http.js";

/**
 * @param {object} args
 * @param {string} args.url the endpoint (POST, the document as its body)
 * @param {number} [args.delay] ms of quiet before asking
 * @param {(data: any) => boolean} args.accept whether a 200 answer is usable
 * @param {(doc: object | null, answer: any) => void} args.onAnswer the answer for the newest
 *   document (null when it failed), or (null, null) once the document has errors
 * @returns {{update(doc): void, invalidate(): void, destroy(): void}}
 */
export function createDocumentRequest({ url, delay = 300, accept, onAnswer }) {
  let timer = null;
  let inFlight = false;
  let pending = null; // the newest document not yet sent
  let lastKey = null; // the newest document seen
  let destroyed = false;

  async function send() {
    timer = null;
    if (inFlight || pending === null || destroyed) return;
    const doc = pending;
    const key = documentKey(doc);
    pending = null;
    inFlight = true;
    let answer = null;
    try {
      const { status, data } = await sendJSON(url, doc);
      if (status === 200 && data && accept(data)) answer = data;
    } catch {
      answer = null;
    }
    inFlight = false;
    if (destroyed) return;
    if (key === lastKey) onAnswer(doc, answer);
    if (pending !== null && timer === null) send();
  }

  return {
    /** Ask about this document after a pause, unless it is the one asked about last. */
    update(doc) {
      if (!doc) return;
      const key = documentKey(doc);
      if (key === lastKey) return;
      lastKey = key;
      pending = doc;
      clearTimeout(timer);
      timer = setTimeout(send, delay);
    },
    /** The document has errors: drop what is waiting or on its way. */
    invalidate() {
      lastKey = null;
      pending = null;
      clearTimeout(timer);
      timer = null;
      onAnswer(null, null);
    },
    destroy() {
      destroyed = true;
      clearTimeout(timer);
    },
  };
}

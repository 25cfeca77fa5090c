/**
 * A very small markdown reader for playbook texts (`say`, ≤ 2000 characters): paragraphs,
 * "- " lists, **bold**, *italic* and `code`. It builds DOM nodes from text, so nothing in the
 * text can become HTML.
 */

import { h } from "./dom.js";

const INLINE = /(\*\*[^*]+\*\*|\*[^*\s][^*]*\*|`[^`]+`)/g;

function inline(text) {
  const parts = [];
  let last = 0;
  for (const match of text.matchAll(INLINE)) {
    if (match.index > last) parts.push(text.slice(last, match.index));
    const token = match[0];
    if (token.startsWith("**")) parts.push(h("strong", {}, token.slice(2, -2)));
    else if (token.startsWith("`")) parts.push(h("code", {}, token.slice(1, -1)));
    else parts.push(h("em", {}, token.slice(1, -1)));
    last = match.index + token.length;
  }
  if (last < text.length) parts.push(text.slice(last));
  return parts;
}

/** A fragment of paragraphs and lists for a markdown text. */
export function renderMarkdown(text) {
  const fragment = document.createDocumentFragment();
  const blocks = String(text || "").replace(/\r\n/g, "\n").split(/\n\s*\n/);
  for (const block of blocks) {
    const lines = block.split("\n").filter((line) => line.trim() !== "");
    if (!lines.length) continue;
    if (lines.every((line) => /^\s*[-*]\s+/.test(line))) {
      fragment.append(h("ul", {}, lines.map((line) => h("li", {}, inline(line.replace(/^\s*[-*]\s+/, ""))))));
    } else {
      fragment.append(h("p", {}, inline(lines.join(" ").replace(/^#+\s*/, ""))));
    }
  }
  return fragment;
}

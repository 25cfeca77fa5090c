/** Small helpers to build the live layers' SVG elements. */

const SVG_NS = "http://www.w3.org/2000/svg";

/** An SVG element with attributes (and optional class), appended to a parent when given. */
export function svg(tag, attrs = {}, parent = null) {
  const element = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (name === "class") element.setAttribute("class", value);
    else element.setAttribute(name, String(value));
  }
  if (parent) parent.append(element);
  return element;
}

/** Set attributes only when they changed (frames repeat most values). */
export function setAttrs(element, attrs) {
  for (const [name, value] of Object.entries(attrs)) {
    const text = String(value);
    if (element.getAttribute(name) !== text) element.setAttribute(name, text);
  }
}

/** Set text only when it changed. */
export function setText(element, text) {
  if (element.textContent !== text) element.textContent = text;
}

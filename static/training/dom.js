/**
 * Small DOM helpers shared by the session modules: build an element from a tag, attributes
 * and children (text is always text, never HTML), and replace an element's children.
 */

/**
 * An element: `h("button", {class: "button", onclick: fn}, "Play")`. Attributes whose value is
 * null, undefined or false are left out; `on<event>` values become listeners; `dataset`
 * takes an object.
 */
export function h(tag, attrs = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") element.addEventListener(name.slice(2), value);
    else if (name === "dataset") Object.assign(element.dataset, value);
    else if (name === "class") element.className = value;
    else element.setAttribute(name, value === true ? "" : String(value));
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : String(child));
  }
}

/** Replace an element's children. */
export function fill(element, ...children) {
  element.replaceChildren();
  append(element, children);
  return element;
}

/** Set text only when it changed. */
export function setText(element, text) {
  if (element && element.textContent !== text) element.textContent = text;
}

/** "12", "3.4", "0.25", "1.2k": a measured or answered number, short. */
export function formatNumber(value) {
  if (typeof value !== "number" || Number.isNaN(value)) return "–";
  const abs = Math.abs(value);
  if (abs >= 1e6) return `${(value / 1e6).toFixed(abs >= 1e7 ? 0 : 1)}M`;
  if (abs >= 1e4) return `${(value / 1e3).toFixed(0)}k`;
  if (Number.isInteger(value)) return String(value);
  if (abs >= 100) return value.toFixed(0);
  if (abs >= 10) return value.toFixed(1);
  return String(Number(value.toFixed(2)));
}

/** "12 s", "1:05": a run time. */
export function formatRunTime(seconds) {
  if (typeof seconds !== "number" || Number.isNaN(seconds)) return "–";
  if (seconds < 60) return `${Math.floor(seconds)} s`;
  const whole = Math.floor(seconds);
  return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, "0")}`;
}

/**
 * The reveal's charts, in plain SVG: a histogram of the numbers the class predicted with the
 * measured value as a marker line, and one bar per choice (how many picked it) with the right
 * one marked. Sized by viewBox, so they scale with the card.
 */

import { formatNumber } from "./dom.js";

const SVG_NS = "http://www.w3.org/2000/svg";
const WIDTH = 320;
const HEIGHT = 160;
const PAD = { left: 10, right: 10, top: 32, bottom: 26 };

function svg(tag, attrs = {}, parent = null, text = null) {
  const element = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attrs)) element.setAttribute(name, String(value));
  if (text !== null) element.textContent = text;
  if (parent) parent.append(element);
  return element;
}

function frame(label) {
  return svg("svg", { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, class: "reveal-chart", role: "img", "aria-label": label });
}

/** A round step for `span` split in about `count` bins: 1, 2, 2.5 or 5 × 10^n. */
function niceStep(span, count) {
  const raw = span / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * power).find((s) => s >= raw);
  return step || 10 * power;
}

/**
 * Histogram of numeric answers, with the measured value as a line.
 * @param {number[]} values the answers
 * @param {number|null} measured
 * @param {string} unit
 */
export function numberChart(values, measured, unit = "") {
  const numbers = values.filter((value) => typeof value === "number" && Number.isFinite(value));
  const all = typeof measured === "number" ? [...numbers, measured] : numbers;
  const root = frame(`Answers: ${numbers.length}; measured ${formatNumber(measured)} ${unit}`.trim());
  if (!all.length) {
    svg("text", { x: WIDTH / 2, y: HEIGHT / 2, "text-anchor": "middle", class: "chart-empty" }, root, "No answers");
    return root;
  }
  let low = Math.min(...all);
  let high = Math.max(...all);
  if (low === high) {
    const pad = Math.abs(low) > 0 ? Math.abs(low) * 0.5 : 1;
    low -= pad;
    high += pad;
  }
  const step = niceStep(high - low, 8);
  low = Math.floor(low / step) * step;
  high = Math.ceil(high / step) * step;
  if (high <= low) high = low + step;
  const bins = Math.max(1, Math.round((high - low) / step));
  const counts = new Array(bins).fill(0);
  for (const value of numbers) counts[Math.min(bins - 1, Math.floor((value - low) / step))] += 1;
  const most = Math.max(1, ...counts);
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const x = (value) => PAD.left + ((value - low) / (high - low)) * plotW;
  const barW = plotW / bins;
  counts.forEach((count, index) => {
    if (!count) return;
    const height = (count / most) * plotH;
    const left = PAD.left + index * barW;
    svg("rect", { x: (left + 1).toFixed(1), y: (PAD.top + plotH - height).toFixed(1), width: Math.max(1, barW - 2).toFixed(1), height: height.toFixed(1), rx: 2, class: "chart-bar" }, root);
    svg("text", { x: (left + barW / 2).toFixed(1), y: (PAD.top + plotH - height - 4).toFixed(1), "text-anchor": "middle", class: "chart-count" }, root, String(count));
  });
  svg("line", { x1: PAD.left, x2: WIDTH - PAD.right, y1: PAD.top + plotH, y2: PAD.top + plotH, class: "chart-axis" }, root);
  svg("text", { x: PAD.left, y: HEIGHT - 8, class: "chart-tick" }, root, formatNumber(low));
  svg("text", { x: WIDTH - PAD.right, y: HEIGHT - 8, "text-anchor": "end", class: "chart-tick" }, root, formatNumber(high));
  if (typeof measured === "number") {
    const mx = x(measured).toFixed(1);
    svg("line", { x1: mx, x2: mx, y1: PAD.top - 6, y2: PAD.top + plotH, class: "chart-measured" }, root);
    const anchor = x(measured) < WIDTH * 0.2 ? "start" : x(measured) > WIDTH * 0.8 ? "end" : "middle";
    svg("text", { x: mx, y: 12, "text-anchor": anchor, class: "chart-measured-label" }, root, `measured ${formatNumber(measured)}${unit ? ` ${unit}` : ""}`);
  }
  return root;
}

/**
 * One bar per choice: how many picked it; the right one marked.
 * @param {{id, label}[]} choices
 * @param {Object<string, number>} counts picks per choice id
 * @param {string|null} correct the right choice's id
 */
export function choiceChart(choices, counts, correct) {
  const rowH = 26;
  const height = Math.max(1, choices.length) * rowH + 8;
  const root = svg("svg", { viewBox: `0 0 ${WIDTH} ${height}`, class: "reveal-chart", role: "img", "aria-label": "Answers per choice" });
  const most = Math.max(1, ...choices.map((choice) => counts[choice.id] || 0));
  const labelW = 110;
  const barMax = WIDTH - labelW - 40;
  choices.forEach((choice, index) => {
    const y = 4 + index * rowH;
    const count = counts[choice.id] || 0;
    const right = choice.id === correct;
    svg("text", { x: labelW - 8, y: y + 17, "text-anchor": "end", class: `chart-choice${right ? " is-correct" : ""}` }, root, `${right ? "✓ " : ""}${choice.label}`);
    svg("rect", { x: labelW, y: y + 3, width: Math.max(2, (count / most) * barMax).toFixed(1), height: rowH - 8, rx: 3, class: right ? "chart-bar is-correct" : "chart-bar" }, root);
    svg("text", { x: labelW + Math.max(2, (count / most) * barMax) + 6, y: y + 17, class: "chart-count" }, root, String(count));
  });
  return root;
}

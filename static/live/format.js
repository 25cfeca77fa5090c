/**
 * Number formatting for the live view: rates, milliseconds, counts, and availability told
 * in nines with the downtime per year it allows (as apps/runtime/physics/availability.py).
 */

/** "12.3", "1.2k", "0" */
export function formatCount(value) {
  if (value === undefined || value === null || Number.isNaN(value)) return "–";
  const abs = Math.abs(value);
  if (abs >= 1e6) return `${(value / 1e6).toFixed(abs >= 1e7 ? 0 : 1)}M`;
  if (abs >= 1e3) return `${(value / 1e3).toFixed(abs >= 1e4 ? 0 : 1)}k`;
  if (Number.isInteger(value)) return String(value);
  return value.toFixed(abs >= 10 ? 0 : 1);
}

/** "45 ms", "1.2 s", "–" when nothing was measured */
export function formatMs(value) {
  if (value === undefined || value === null || Number.isNaN(value)) return "–";
  if (value >= 1000) return `${(value / 1000).toFixed(value >= 10000 ? 0 : 1)} s`;
  return `${value >= 10 ? Math.round(value) : value.toFixed(1)} ms`;
}

/** "99.95 %" with enough decimals to show the first non-9 digit (at most 4 decimals). */
export function formatPercent(availability) {
  if (availability === null || availability === undefined) return "–";
  if (availability >= 1) return "100 %";
  const percent = availability * 100;
  for (let decimals = 1; decimals <= 4; decimals += 1) {
    const text = percent.toFixed(decimals);
    if (Number(text) < 100) return `${text} %`;
  }
  return `${percent.toFixed(4)} %`;
}

/** −log10(1 − A): 0.999 → 3; Infinity for 1. */
export function nines(availability) {
  if (availability >= 1) return Infinity;
  return -Math.log10(1 - availability);
}

const YEAR_S = 365 * 24 * 3600;
const UNITS = [
  [86400, "days"],
  [3600, "h"],
  [60, "min"],
  [1, "s"],
  [0.001, "ms"],
];

/** The downtime per 365-day year an availability allows: 0.999 → "8.76 h/year". */
export function downtimePerYear(availability) {
  const seconds = YEAR_S * (1 - availability);
  if (seconds <= 0) return "0 s/year";
  const [size, unit] = UNITS.find(([s]) => seconds >= s) || UNITS[UNITS.length - 1];
  return `${Number((seconds / size).toPrecision(3))} ${unit}/year`;
}

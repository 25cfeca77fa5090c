/**
 * How topology cells look: the X6 shapes for nodes, zones and edges, and the attributes
 * derived from a cell's data (kind, label, edge role). The data is the truth; the look is
 * recomputed from it whenever it changes.
 */

export const NODE_SHAPE = "ap-node";
export const ZONE_SHAPE = "ap-zone";
export const EDGE_SHAPE = "ap-edge";

export const NODE_SIZE = { width: 160, height: 56 };
export const ZONE_SIZE = { width: 400, height: 240 };
export const GRID_SIZE = 10;

/** Stacking: zones behind edges, edges behind nodes. */
export const Z_ZONE = -10;
export const Z_EDGE = 0;
export const Z_NODE = 10;

const INK = "#0f172a";
const MUTED = "#64748b";
const LINE = "#d5dbe5";
const EDGE_COLOR = "#8492a6";
const FONT = 'Inter, system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';

let registered = false;

/** Register the editor's shapes with X6 (once per page). */
export function registerShapes(X6) {
  if (registered) return;
  registered = true;
  const { Graph } = X6;

  Graph.registerNode(
    NODE_SHAPE,
    {
      width: NODE_SIZE.width,
      height: NODE_SIZE.height,
      markup: [
        { tagName: "rect", selector: "body", className: "ap-node-body" },
        { tagName: "rect", selector: "iconBg" },
        { tagName: "path", selector: "icon" },
        { tagName: "text", selector: "label", className: "ap-node-label" },
        { tagName: "text", selector: "kindLabel" },
      ],
      attrs: {
        body: {
          refWidth: "100%",
          refHeight: "100%",
          rx: 10,
          ry: 10,
          fill: "#ffffff",
          stroke: LINE,
          strokeWidth: 1,
        },
        iconBg: { x: 10, y: 12, width: 32, height: 32, rx: 8, ry: 8, fillOpacity: 0.12 },
        icon: {
          transform: "translate(16.4 18.4) scale(0.8)",
          fill: "none",
          strokeWidth: 2,
          strokeLinecap: "round",
          strokeLinejoin: "round",
        },
        label: {
          x: 52,
          y: 22,
          fontSize: 12.5,
          fontWeight: 600,
          fontFamily: FONT,
          fill: INK,
          textAnchor: "start",
          textVerticalAnchor: "middle",
        },
        kindLabel: {
          x: 52,
          y: 39,
          fontSize: 11,
          fontFamily: FONT,
          fill: MUTED,
          textAnchor: "start",
          textVerticalAnchor: "middle",
        },
      },
      ports: {
        groups: Object.fromEntries(
          ["top", "right", "bottom", "left"].map((side) => [side, portGroup(side)]),
        ),
      },
    },
    true,
  );

  Graph.registerNode(
    ZONE_SHAPE,
    {
      width: ZONE_SIZE.width,
      height: ZONE_SIZE.height,
      markup: [
        { tagName: "rect", selector: "body", className: "ap-zone-body" },
        { tagName: "path", selector: "icon" },
        { tagName: "text", selector: "label", className: "ap-zone-label" },
      ],
      attrs: {
        body: {
          refWidth: "100%",
          refHeight: "100%",
          rx: 14,
          ry: 14,
          fill: "rgba(100, 116, 139, 0.05)",
          stroke: "#94a3b8",
          strokeWidth: 1.5,
          strokeDasharray: "7 5",
        },
        icon: {
          transform: "translate(12 10) scale(0.66)",
          fill: "none",
          strokeWidth: 2,
          strokeLinecap: "round",
          strokeLinejoin: "round",
        },
        label: {
          x: 34,
          y: 18,
          fontSize: 12,
          fontWeight: 600,
          fontFamily: FONT,
          fill: "#475569",
          textAnchor: "start",
          textVerticalAnchor: "middle",
        },
      },
    },
    true,
  );

  Graph.registerEdge(
    EDGE_SHAPE,
    {
      inherit: "edge",
      markup: [
        {
          tagName: "path",
          selector: "wrap",
          groupSelector: "lines",
          attrs: { fill: "none", cursor: "pointer", stroke: "transparent", strokeLinecap: "round" },
        },
        {
          tagName: "path",
          selector: "line",
          groupSelector: "lines",
          className: "ap-edge-line",
          attrs: { fill: "none", pointerEvents: "none" },
        },
      ],
      attrs: {
        lines: { connection: true, strokeLinejoin: "round" },
        wrap: { strokeWidth: 12 },
        line: {
          stroke: EDGE_COLOR,
          strokeWidth: 1.6,
          targetMarker: { name: "block", width: 9, height: 7 },
        },
      },
      defaultLabel: {
        markup: [
          { tagName: "rect", selector: "body" },
          { tagName: "text", selector: "label" },
        ],
        attrs: {
          label: {
            fill: "#334155",
            fontSize: 11,
            fontFamily: FONT,
            textAnchor: "middle",
            textVerticalAnchor: "middle",
            pointerEvents: "none",
          },
          body: {
            ref: "label",
            fill: "#ffffff",
            stroke: "#e2e8f0",
            rx: 4,
            ry: 4,
            refWidth: "100%",
            refHeight: "100%",
            refWidth2: 10,
            refHeight2: 4,
            refX: -5,
            refY: -2,
          },
        },
        position: { distance: 0.5 },
      },
    },
    true,
  );
}

function portGroup(side) {
  return {
    position: side,
    attrs: {
      circle: {
        r: 5,
        magnet: true,
        class: "ap-port",
        fill: "#ffffff",
        stroke: "#4f46e5",
        strokeWidth: 1.5,
      },
    },
  };
}

/** Ports of a node of this kind: one per side for kinds that may start an edge, none otherwise. */
export function portsFor(catalog, kindName) {
  if (catalog.isGroup(kindName) || !catalog.canSend(kindName)) return { items: [] };
  return { items: ["top", "right", "bottom", "left"].map((side) => ({ id: side, group: side })) };
}

let measuringContext = null;

/** Shorten a text with an ellipsis so that it fits a width in a font (canvas metrics). */
export function fitText(text, maxWidth, font) {
  if (typeof document === "undefined") return text; // outside a browser nothing is measured
  measuringContext ??= document.createElement("canvas").getContext("2d");
  measuringContext.font = font;
  if (measuringContext.measureText(text).width <= maxWidth) return text;
  let low = 0;
  let high = text.length;
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (measuringContext.measureText(`${text.slice(0, middle).trimEnd()}…`).width <= maxWidth) low = middle;
    else high = middle - 1;
  }
  return `${text.slice(0, low).trimEnd()}…`;
}

/**
 * Break a text into at most `maxLines` lines that fit a width in a font, at spaces (a word
 * wider than the line is cut with an ellipsis, as is the last line when text is left over).
 */
export function wrapText(text, maxWidth, font, maxLines = 2) {
  if (typeof document === "undefined") return [text];
  measuringContext ??= document.createElement("canvas").getContext("2d");
  measuringContext.font = font;
  const fits = (line) => measuringContext.measureText(line).width <= maxWidth;
  const words = text.split(/\s+/).filter(Boolean);
  const lines = [];
  let line = "";
  let index = 0;
  while (index < words.length) {
    const candidate = line ? `${line} ${words[index]}` : words[index];
    if (fits(candidate)) {
      line = candidate;
      index += 1;
      continue;
    }
    if (!line) {
      line = fitText(words[index], maxWidth, font); // one word wider than a line
      index += 1;
    }
    lines.push(line);
    line = "";
    if (lines.length === maxLines) break;
  }
  if (line) lines.push(line);
  if (index < words.length) {
    const last = lines.length - 1;
    lines[last] = fitText([lines[last], ...words.slice(index)].join(" "), maxWidth, font);
  }
  return lines.length ? lines : [""];
}

/**
 * The attrs that show a node's kind and label (a zone's title fits the zone's width).
 * `look` is the semantic zoom's (semantic-zoom.js): in the far look a node shows only its
 * label, large, centred and wrapped on two lines, with its kind's colour as the border; a
 * zone's title grows the same way.
 */
export function nodeLookAttrs(catalog, kindName, label, width = NODE_SIZE.width, look = { far: false }) {
  const kind = catalog.get(kindName);
  const text = label || kind.label;
  const far = Boolean(look?.far);
  if (kind.is_group) {
    const size = far ? look.labelSize : 12;
    return {
      icon: { d: kind.icon, stroke: kind.color, display: far ? "none" : "inline" },
      label: {
        text: fitText(text, Math.max(width - (far ? 24 : 48), 40), `600 ${size}px ${FONT}`),
        x: far ? 12 : 34,
        y: far ? Math.round(size * 0.8) + 4 : 18,
        fontSize: size,
      },
    };
  }
  const kindText = kind.unknown ? `${kind.label} (unknown kind)` : kind.label;
  if (far) {
    const { width: nodeWidth, height } = NODE_SIZE;
    return {
      body: { stroke: kind.color, strokeWidth: 2 },
      iconBg: { fill: kind.color, display: "none" },
      icon: { d: kind.icon, stroke: kind.color, display: "none" },
      label: {
        text: wrapText(text, nodeWidth - 14, `600 ${look.labelSize}px ${FONT}`, 2).join("\n"),
        x: nodeWidth / 2,
        y: height / 2,
        fontSize: look.labelSize,
        lineHeight: String(Math.round(look.labelSize * 1.05 * 10) / 10),
        textAnchor: "middle",
      },
      kindLabel: { text: kindText, display: "none" },
    };
  }
  return {
    body: { stroke: LINE, strokeWidth: 1 },
    iconBg: { fill: kind.color, display: "inline" },
    icon: { d: kind.icon, stroke: kind.color, display: "inline" },
    label: {
      text: fitText(text, NODE_SIZE.width - 60, `600 12.5px ${FONT}`),
      x: 52,
      y: 22,
      fontSize: 12.5,
      lineHeight: null,
      textAnchor: "start",
    },
    kindLabel: { text: kindText, display: "inline" },
  };
}

/** The attrs of an edge for its role: messages (publish/deliver) dashed, calls solid. */
export function edgeLookAttrs(role) {
  return {
    line: {
      strokeDasharray: role === "call" ? null : "6 4",
      stroke: role === "call" ? EDGE_COLOR : "#b4789a",
    },
  };
}

/** The label list of an edge for its text (none when empty). */
export function edgeLabels(label) {
  return label ? [{ attrs: { label: { text: label } } }] : [];
}

/**
 * Export the canvas as a PNG or SVG picture (X6 Export) and the document as JSON
 * (`<slug>.json`, the topology format the import and the API read).
 */

/**
 * Pictures show the architecture, not the editor's state. The look of a cell lives in its
 * attributes, so styles are not copied from the page: selection outlines, problem marks
 * and hover effects (CSS classes) stay out, and the connection ports are removed.
 */
const PICTURE_OPTIONS = {
  copyStyles: false,
  beforeSerialize(svg) {
    for (const port of svg.querySelectorAll(".x6-port")) port.remove();
  },
};

const SVG_MARGIN = 16;

/** Offer a text file for download. */
export function downloadText(fileName, text, type = "application/json") {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement("a");
  link.href = url;
  link.download = fileName;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/**
 * @param {object} args
 * @param {object} args.options {graph, slug, getDocument()}
 * @returns {{png: Function, svg: Function, json: Function, update: Function, destroy: Function}}
 */
export function createExporter({ options }) {
  const { graph, slug, getDocument } = options;
  const pictures = graph.getPlugin("export");
  const baseName = slug || "scenario";

  return {
    png() {
      pictures.exportPNG(`${baseName}.png`, { ...PICTURE_OPTIONS, padding: 24, backgroundColor: "#ffffff", ratio: 2 });
    },
    svg() {
      const viewBox = graph.getContentArea().inflate(SVG_MARGIN);
      pictures.exportSVG(`${baseName}.svg`, { ...PICTURE_OPTIONS, viewBox, preserveDimensions: true });
    },
    json() {
      downloadText(`${baseName}.json`, `${JSON.stringify(getDocument(), null, 2)}\n`);
    },
    update() {},
    destroy() {},
  };
}

/**
 * The canvas editor's entry point: reads the page's data (topology-data, kinds-data,
 * editor-config), builds the canvas and wires the modules together. Each module does one
 * thing (see their headers); this file only connects them and exposes
 * `window.playgroundEditor` for tests; live runs (static/live/live-view.js) hook in here.
 */

import { createCanvas } from "./canvas.js";
import { createCellMarks } from "./cell-marks.js";
import { createChangeFeed } from "./changes.js";
import { createClipboard } from "./clipboard.js";
import { baseOf, cloneJSON, fromGraph, toCells } from "./document.js";
import { createEditCommands } from "./edit-commands.js";
import { emit } from "./events.js";
import { createExporter } from "./exporting.js";
import { createHeadlineStrip } from "./headline-strip.js";
import { createHelpOverlay } from "./help-overlay.js";
import { createImporter } from "./importing.js";
import { createKindCatalog } from "./kinds.js";
import { createAutoLayout } from "./layout.js";
import { createMinimap } from "./minimap.js";
import { createPalette } from "./palette.js";
import { createPanelApply } from "./panel-apply.js";
import { createPropertyPanel } from "./panel.js";
import { createPresentation } from "./presentation.js";
import { createProblemMarks } from "./problem-marks.js";
import { createProblemsPanel } from "./problems.js";
import { createSaveControl } from "./save.js";
import { createScenarioHeader } from "./scenario-header.js";
import { createSemanticZoom } from "./semantic-zoom.js";
import { Z_NODE, Z_ZONE } from "./shapes.js";
import { createShortcuts } from "./shortcuts.js";
import { createToolbar } from "./toolbar.js";
import { createUndo } from "./undo.js";
import { createLiveValidation } from "./validation.js";
import { createViewport } from "./viewport.js";
import { createLiveView } from "../live/live-view.js";

const $ = (selector) => document.querySelector(selector);

function readJSON(id) {
  return JSON.parse(document.getElementById(id).textContent);
}

/**
 * Build the editor on this page.
 * @returns {object} the public editor API (also `window.playgroundEditor`)
 */
export function startEditor() {
  const { X6, htmx, ELK } = window;
  const config = readJSON("editor-config");
  const catalog = createKindCatalog(readJSON("kinds-data"));
  const firstDocument = readJSON("topology-data");
  const mode = config.mode === "edit" ? "edit" : "view";
  const editing = mode === "edit";

  /** The document's fields other than nodes and edges (name, description, faults, run, ...). */
  let meta = baseOf(firstDocument);

  const canvas = createCanvas({ element: $("#canvas"), options: { X6, catalog, readOnly: !editing } });
  const { graph, isZone, kindOf, createCells } = canvas;
  const semanticZoom = createSemanticZoom({
    element: $("#editor"),
    options: { graph },
    callbacks: { onChange: (look) => canvas.setLook(look) },
  });
  const selection = graph.getPlugin("selection");
  const getDocument = () => fromGraph(graph, meta, catalog);

  const marks = createCellMarks({ options: { graph } });
  const viewport = createViewport({
    element: $("#zoom-level"),
    options: { graph, isZone, floating: () => [$("#minimap")] },
  });
  const problemMarks = createProblemMarks({ element: $("#canvas-stage"), options: { graph, marks } });
  let problems = [];

  const problemsPanel = createProblemsPanel({
    element: $("#problems"),
    options: { countElement: $("#problems-count"), headingElement: $("#problems-heading") },
    callbacks: { onPick: pickProblem },
  });

  function showProblems(list, heading = "", checked = null) {
    problems = list;
    problemMarks.update(list);
    problemsPanel.update(list, { heading });
    emit("editor:validated", { problems: list, document: checked });
  }

  function pickProblem(problem) {
    const cell = problem.target ? graph.getCellById(problem.target) : null;
    if (cell) {
      selection.reset(cell);
      viewport.centreOn(cell);
    } else {
      selection.clean();
    }
  }

  const validation = createLiveValidation({
    options: { url: config.validate_url },
    callbacks: { onResult: (list, doc) => showProblems(list, "", doc) },
  });

  // --- scenario-level fields (name, description, run) ------------------------------------

  const header = createScenarioHeader({
    element: $("#scenario-name"),
    options: { aboutElement: $("#scenario-about-body") },
  });

  function setMeta(next) {
    meta = cloneJSON(next);
    header.update(meta);
    changes.notify();
  }

  // --- selection and the property panel --------------------------------------------------

  const panel = createPropertyPanel({
    element: $("#panel"),
    options: { htmx, config, mode, graph, getDocument, kindOf, isZone },
    callbacks: { onApply: (detail) => panelApply?.apply(detail) },
  });

  let panelTimer = null;
  function onSelectionChanged() {
    const cells = selection.getSelectedCells();
    marks.clear("selected");
    for (const cell of cells) marks.set(cell.id, "selected", "selected");
    clearTimeout(panelTimer);
    panelTimer = setTimeout(() => panel.update(selection.getSelectedCells()), 30);
    emit("editor:selection", { cells: cells.map((cell) => ({ id: cell.id, type: cell.isNode() ? "node" : "edge" })) });
  }
  graph.on("selection:changed", onSelectionChanged);

  /**
   * A press on the canvas ends typing in the panel: the field's change is applied, and
   * shortcuts (which are off while typing) work again.
   */
  function leaveFields() {
    const active = document.activeElement;
    if (active && active !== document.body && active.closest("#panel, .editor-side")) active.blur();
  }
  graph.on("blank:mousedown", leaveFields);
  graph.on("cell:mousedown", leaveFields);

  // --- editing (edit mode only) ----------------------------------------------------------

  const commands = editing ? createEditCommands({ options: { graph, catalog, isZone } }) : null;
  const clipboard = editing
    ? createClipboard({ options: { graph, catalog, isZone, createCells, removeCells: commands.removeCells } })
    : null;
  let toolbar = null; // created with the actions, below

  const undo = editing
    ? createUndo({
        options: { history: graph.getPlugin("history"), setMeta },
        callbacks: {
          onChange: (state) => toolbar?.update(state),
          onUndoRedo: () => panel.update(selection.getSelectedCells(), { force: true }),
        },
      })
    : null;

  const save = editing
    ? createSaveControl({
        element: $("#save-status"),
        options: { url: config.save_url, getDocument, savedDocument: firstDocument, revision: Number($("#save-status")?.dataset.revision) || null },
        callbacks: {
          onDirty: (dirty) => emit("editor:dirty", { dirty }),
          onSaved: (answer) => emit("editor:saved", answer),
          onRefused: (list) => showProblems(list, "The server refused to save:"),
        },
      })
    : null;

  const layout = editing && ELK ? createAutoLayout({ options: { ELK, graph, isZone } }) : null;
  const panelApply = editing
    ? createPanelApply({ options: { graph, catalog, commands, getMeta: () => meta, setMeta, undo } })
    : null;

  // --- document changes ------------------------------------------------------------------

  function showEmptyHint() {
    const hint = $("#canvas-hint");
    if (hint) hint.hidden = !editing || graph.getNodes().length > 0;
  }

  const changes = createChangeFeed({
    options: { graph, getDocument },
    callbacks: {
      onChange(doc) {
        validation.update(doc);
        save?.update(doc);
        showEmptyHint();
        emit("editor:change", { document: doc });
      },
    },
  });

  /**
   * Show a document on the canvas.
   * @param {object} doc a topology document
   * @param {{asChange?: boolean, source?: string}} [flags] asChange: an unsaved, undoable
   *   change (import); otherwise it becomes the starting point (page load)
   */
  function loadDocument(doc, { asChange = editing, source = "api" } = {}) {
    const cells = createCells(toCells(doc, catalog));
    const previous = meta;
    if (asChange && undo) {
      graph.startBatch("load");
      graph.removeCells(graph.getCells());
      graph.addCell(cells);
      graph.stopBatch("load");
      meta = baseOf(doc);
      undo.record(previous, meta, { linked: true });
    } else {
      graph.resetCells(cells);
      meta = baseOf(doc);
      undo?.clean();
    }
    selection.clean();
    header.update(meta, { fromPage: source === "page" });
    if (source !== "page") panel.update([], { force: true });
    viewport.fit();
    emit("editor:loaded", { document: getDocument(), source });
    changes.notify();
  }

  // --- actions: toolbar buttons and shortcuts --------------------------------------------

  const exporter = createExporter({ options: { graph, slug: config.slug, getDocument } });
  const presentation = createPresentation({
    element: $("#editor"),
    options: { toolbar: $("#editor-toolbar"), before: $("#btn-help") },
    callbacks: {
      onChange() {
        viewport.fit();
        semanticZoom.refresh();
      },
    },
  });
  const help = createHelpOverlay({ element: $("#help-dialog"), options: { mode } });
  const importer = editing
    ? createImporter({
        element: $("#import-file"),
        options: { validateUrl: config.validate_url },
        callbacks: {
          onLoad(doc, fileName) {
            loadDocument(doc, { asChange: true, source: "import" });
            emit("editor:imported", { fileName });
          },
          onRefused(list, fileName) {
            showProblems(list, `${fileName} was not opened: fix these problems first.`);
          },
        },
      })
    : null;

  /** Copy the read-only link; where the clipboard is refused, the link is left selected. */
  async function copyShareLink() {
    const input = $("#share-url");
    const button = $("#btn-copy-share");
    if (!input || !button) return;
    input.select();
    let copied = true;
    try {
      await navigator.clipboard.writeText(input.value);
    } catch {
      copied = false;
    }
    button.textContent = copied ? "Copied" : "Press Ctrl+C";
    setTimeout(() => {
      button.textContent = "Copy";
    }, 1500);
  }

  // --- live mode: while a run streams the canvas is read-only --------------------------

  let liveMode = false;
  const editingInterface = graph.options.interacting;
  /** Skip an editing action while a run is live. */
  const unlessLive = (action) => (...args) => (liveMode ? undefined : action(...args));

  /**
   * Make the canvas read-only (a run is streaming) or editable again. The palette, the
   * property panel and the editing tools are inert meanwhile.
   */
  function setLiveMode(on) {
    liveMode = Boolean(on);
    graph.options.interacting = liveMode ? { nodeMovable: false, edgeMovable: false, magnetConnectable: false, arrowheadMovable: false, vertexMovable: false, vertexAddable: false, vertexDeletable: false, edgeLabelMovable: false } : editingInterface;
    $("#editor").dataset.live = String(liveMode);
    for (const element of document.querySelectorAll("#palette, #panel, [data-edit-tools]")) element.inert = liveMode;
    emit("editor:live", { live: liveMode });
  }

  const actions = {
    save: unlessLive(() => save?.save()),
    undo: unlessLive(() => undo?.undo()),
    redo: unlessLive(() => undo?.redo()),
    copy: () => clipboard?.copy(),
    cut: unlessLive(() => clipboard?.cut()),
    paste: unlessLive(() => clipboard?.paste()),
    duplicate: unlessLive(() => clipboard?.duplicate()),
    remove: unlessLive(() => commands?.removeSelection()),
    selectAll: () => selection.reset(graph.getCells()),
    clearSelection: () => selection.clean(),
    nudge: unlessLive((dx, dy) => commands?.nudge(dx, dy)),
    fit: () => viewport.fit(),
    zoomIn: () => viewport.zoomIn(),
    zoomOut: () => viewport.zoomOut(),
    zoomReset: () => viewport.zoomReset(),
    layout: unlessLive(() => layout?.run().then((done) => done && viewport.fit())),
    exportPng: () => exporter.png(),
    exportSvg: () => exporter.svg(),
    exportJson: () => exporter.json(),
    import: unlessLive(() => importer?.open()),
    help: () => help.toggle(),
    present: () => presentation.toggle(),
    copyShareLink,
  };
  toolbar = createToolbar({ element: $("#editor-toolbar"), options: { actions } });
  createShortcuts({ options: { X6, graph, mode, actions, isBlocked: () => help.isOpen() } });

  if (editing) {
    createPalette({
      element: $("#palette"),
      options: {
        X6,
        graph,
        catalog,
        createNode: (kind) => commands.createNode(kind),
        zIndexFor: (kind) => (catalog.isGroup(kind) ? Z_ZONE : Z_NODE),
      },
      callbacks: { onAdd: (kind) => commands.addNode(kind) },
    });
  }
  // A component dropped from the palette is selected, so its properties show at once.
  graph.on("node:added", ({ node, options }) => {
    if (options?.stencil) selection.reset(node);
  });
  if ($("#minimap")) createMinimap({ element: $("#minimap"), options: { X6, graph } });

  // --- start -----------------------------------------------------------------------------

  loadDocument(firstDocument, { asChange: false, source: "page" });
  changes.reset();
  save?.markSaved(getDocument());
  undo?.update();
  showEmptyHint();
  validation.validateNow(getDocument());
  panel.update([]);

  const api = {
    graph,
    mode,
    config,
    kinds: catalog.all,
    isZone,
    getDocument,
    loadDocument,
    setLiveMode,
    isLive: () => liveMode,
    getProblems: () => problems,
    setPresenting: (on) => presentation.set(on),
    isPresenting: () => presentation.isOn(),
    validate: () => validation.validateNow(getDocument()),
    save: () => (save ? save.save() : Promise.resolve(false)),
    isDirty: () => Boolean(save?.isDirty()),
    undo: () => undo?.undo(),
    redo: () => undo?.redo(),
    fit: () => viewport.fit(),
    layout: () => layout?.run(),
    select(ids) {
      selection.reset(ids);
    },
    addNode: (kind, center) => commands?.addNode(kind, center),
    actions,
  };
  window.playgroundEditor = api;
  if (window.uPlot && $("#live-dock")) {
    createHeadlineStrip({ element: $("#live-dock") });
    api.live = createLiveView({
      options: {
        editor: api,
        uPlot: window.uPlot,
        dockElement: $("#live-dock"),
        controlsElement: $("#run-controls"),
        stageElement: $("#canvas-stage"),
      },
    });
    window.playgroundLive = api.live;
  }
  emit("editor:ready", { editor: api });
  return api;
}

startEditor();

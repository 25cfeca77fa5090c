/**
 * The class board (instructor): everyone in the class at a glance, read from board_url every
 * 2 s while the board is open — present or away, whether they forked the scenario, their own
 * run (status, p95, availability, lost messages) and their score. "Show to everyone" puts a
 * participant's copy in the spotlight on every page; "Back to me" ends it.
 */

import { formatPercent } from "../live/format.js";
import { fill, formatNumber, formatRunTime, h, setText } from "./dom.js";

const POLL_MS = 2000;

function runCell(run) {
  if (!run) return h("td", { class: "muted" }, "–");
  const time = typeof run.t === "number" ? ` · ${formatRunTime(run.t)}${run.duration_s ? ` / ${formatRunTime(run.duration_s)}` : ""}` : "";
  return h("td", {}, h("span", { class: `run-chip run-${run.status}` }, run.status), h("span", { class: "muted" }, time));
}

function metric(value, suffix = "") {
  return h("td", { class: "num" }, typeof value === "number" ? `${formatNumber(value)}${suffix}` : "–");
}

/**
 * @param {object} args
 * @param {HTMLDialogElement} args.element the board (#class-board)
 * @param {object} args.options {url: board_url, fetchJSON(url), post(url, body), spotlightUrl}
 * @returns {{open(): void, close(): void, update(state): void, destroy(): void}}
 */
export function createClassBoard({ element, options }) {
  const { url, fetchJSON, post, spotlightUrl } = options;
  const body = element.querySelector("[data-board-body]");
  const note = element.querySelector("[data-board-note]");
  const back = element.querySelector("[data-board-back]");
  let timer = null;
  let spotlightId = null;

  async function spotlight(participantId) {
    const answer = await post(spotlightUrl, { participant_id: participantId });
    setText(note, answer.ok ? "" : answer.message);
  }

  function row(person) {
    const shown = person.id === spotlightId;
    return h(
      "tr",
      { dataset: { participant: String(person.id), present: String(Boolean(person.present)) }, class: shown ? "is-spotlit" : null },
      h("td", {}, h("span", { class: "present-dot", title: person.present ? "Here now" : "Away" }), " ", person.name),
      h("td", {}, person.fork ? h("a", { href: person.fork.view_url, target: "_blank", rel: "noopener" }, "their copy") : h("span", { class: "muted" }, "–")),
      runCell(person.run),
      metric(person.run?.p95_ms, " ms"),
      h("td", { class: "num" }, typeof person.run?.availability === "number" ? formatPercent(person.run.availability) : "–"),
      metric(person.run?.lost),
      h("td", { class: "num" }, String(person.score ?? 0)),
      h(
        "td",
        {},
        person.fork
          ? h("button", { type: "button", class: "button small", disabled: shown, onclick: () => spotlight(person.id) }, shown ? "Shown" : "Show to everyone")
          : null,
      ),
    );
  }

  async function refresh() {
    const data = await fetchJSON(url);
    if (!data) {
      setText(note, "The board could not be read; trying again.");
      return;
    }
    setText(note, "");
    const people = data.participants || [];
    if (!people.length) {
      fill(body, h("tr", {}, h("td", { colspan: "8", class: "muted" }, "Nobody has joined yet.")));
      return;
    }
    fill(body, people.map(row));
  }

  function open() {
    if (!element.open) element.showModal();
    refresh();
    window.clearInterval(timer);
    timer = window.setInterval(refresh, POLL_MS);
  }

  function close() {
    window.clearInterval(timer);
    timer = null;
    if (element.open) element.close();
  }

  back?.addEventListener("click", () => spotlight(null));
  element.addEventListener("close", () => {
    window.clearInterval(timer);
    timer = null;
  });
  element.addEventListener("click", (event) => {
    if (event.target === element || event.target.closest("[data-board-close]")) close();
  });
  // The canvas's shortcuts take Escape for themselves; the board still closes on it.
  element.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      event.preventDefault();
      close();
    }
  });

  return {
    open,
    close,
    update(state) {
      const next = state.spotlight?.participant_id ?? null;
      if (back) back.disabled = next === null;
      if (next !== spotlightId) {
        spotlightId = next;
        if (element.open) refresh();
      }
    },
    destroy: close,
  };
}

/**
 * The class's challenge, in the side column. The instructor sets one of the challenges for the
 * class (or clears it) and watches its board: each participant's best attempt — passed or not,
 * its cost and p95, or how far its grading got — passing designs first, the cheapest, then the
 * fastest, as on the challenge's leaderboard. The board is read from boardUrl whenever the
 * session's state says the class's attempts changed (an attempt started, a run of it, a grade),
 * and every few seconds while one is being graded. A participant sees the challenge (its goals,
 * budget and runs) and "Take the challenge", which opens their own copy of its starting design
 * in a new tab; what they submit there goes to this board in their name.
 */

import { csrfToken } from "../editor/http.js";
import { fill, formatNumber, h, setText } from "./dom.js";
import { renderMarkdown } from "./markdown.js";

const POLL_MS = 3000; // while an attempt is being graded: its runs' progress

function money(value) {
  return typeof value === "number" ? `$${value.toFixed(2)}/h` : "–";
}

function goalList(challenge) {
  return h(
    "ul",
    { class: "challenge-goal-list", "aria-label": "Goals" },
    challenge.goals.map((goal) => h("li", { title: goal.rule }, goal.name, h("span", { class: "challenge-goal-rule" }, goal.rule))),
  );
}

function facts(challenge) {
  return h(
    "p",
    { class: "challenge-facts" },
    "Budget ",
    h("strong", {}, money(challenge.budget.per_hour)),
    ` · graded over ${challenge.seeds} runs of ${formatNumber(challenge.duration_s)} s`,
  );
}

/** The verdict cell of a board row: passed, not passed (why), being graded (run i of n), or not tried. */
function verdict(row) {
  const best = row.best;
  if (!best) return h("span", { class: "muted" }, "not tried");
  if (best.status === "running") {
    const { done, of } = best.seeds;
    return h("span", { class: "attempt-chip attempt-running" }, of ? `grading ${Math.min(done + 1, of)}/${of}` : "grading");
  }
  const labels = { passed: "passed", failed: best.over_budget ? "over budget" : "not passed", error: "not graded" };
  const title = best.goals.of ? `${best.goals.passed} of ${best.goals.of} goals held` : null;
  return h("span", { class: `attempt-chip attempt-${best.status}`, title }, labels[best.status] || best.status);
}

/**
 * @param {object} args
 * @param {HTMLElement} args.element the panel (#challenge-panel)
 * @param {object} args.options {role, challenges: [{slug, title}] (instructor), setUrl, boardUrl,
 *   post(url, body): Promise<{ok, data, message}>, fetchJSON(url): Promise<object|null>}
 * @param {object} args.callbacks {onState(state): void} — the state a set or clear answered with
 * @returns {{update(state): void, board(): object[], destroy(): void}}
 */
export function createChallengePanel({ element, options, callbacks = {} }) {
  const { role, challenges = [], setUrl, boardUrl, post, fetchJSON } = options;
  const leading = role === "instructor";
  let state = null;
  let rows = [];
  let busy = false;
  let message = "";
  let chosen = null; // the challenge picked in the chooser, kept across redraws
  let seen = ""; // the challenge and its attempt counts the board was last read for
  let timer = null;
  let reading = false;
  let again = false;
  let switching = false; // "Another challenge" is open
  let goalsOpen = false; // the instructor's list of goals is unfolded

  const body = h("div", { class: "challenge-body" });
  const note = h("p", { class: "challenge-message", role: "status", "aria-live": "polite" });
  element.append(body, note);

  async function set(slug) {
    if (busy) return;
    busy = true;
    render();
    const answer = await post(setUrl, { slug });
    busy = false;
    message = answer.ok ? "" : answer.message;
    if (answer.ok) {
      chosen = null;
      switching = false;
    }
    if (answer.ok && answer.data?.state) callbacks.onState?.(answer.data.state);
    else render();
  }

  async function readBoard() {
    if (reading) {
      again = true; // the board changed while it was being read: read it once more after
      return;
    }
    reading = true;
    window.clearTimeout(timer);
    timer = null;
    const data = await fetchJSON(boardUrl);
    reading = false;
    if (data && data.challenge === (state?.challenge?.slug ?? null)) {
      rows = data.rows || [];
      render();
    }
    if (again) {
      again = false;
      readBoard();
    } else if (rows.some((row) => row.grading)) {
      timer = window.setTimeout(readBoard, POLL_MS);
    }
  }

  function chooser(current) {
    const picked = chosen ?? current?.slug ?? challenges[0]?.slug;
    const select = h(
      "select",
      { id: "challenge-select", "aria-label": "Challenge", onchange: (event) => { chosen = event.target.value; } },
      challenges.map((challenge) => h("option", { value: challenge.slug, selected: challenge.slug === picked }, challenge.title)),
    );
    return h(
      "div",
      { class: "playbook-chooser challenge-chooser" },
      select,
      h("button", { type: "button", class: "button small primary", id: "btn-challenge-set", disabled: busy, onclick: () => set(select.value) }, current ? "Set instead" : "Set for the class"),
    );
  }

  function boardRow(row) {
    const best = row.best;
    return h(
      "tr",
      { dataset: { participant: String(row.participant_id), status: best?.status || "none" } },
      h("td", { class: "num" }, row.rank ? String(row.rank) : ""),
      h("td", {}, best ? h("a", { href: best.url, target: "_blank", rel: "noopener" }, row.name) : row.name, row.grading && best?.status !== "running" ? h("span", { class: "muted", title: "Another attempt is being graded" }, " ⋯") : null),
      h("td", {}, verdict(row)),
      h("td", { class: "num" }, best ? money(best.cost_per_hour) : "–"),
      h("td", { class: "num" }, typeof best?.p95_ms === "number" ? `${formatNumber(best.p95_ms)} ms` : "–"),
    );
  }

  function boardTable() {
    if (!rows.length) return h("p", { class: "challenge-empty" }, "Nobody has joined yet.");
    return h(
      "table",
      { class: "board-table challenge-board-table", id: "challenge-board" },
      h("thead", {}, h("tr", {}, h("th", { class: "num" }, "#"), h("th", {}, "Name"), h("th", {}, "Best"), h("th", { class: "num" }, "Cost"), h("th", { class: "num" }, "p95"))),
      h("tbody", {}, rows.map(boardRow)),
    );
  }

  function renderLeading() {
    const challenge = state?.challenge;
    if (!challenge) {
      fill(body, h("p", { class: "playbook-intro" }, "Set a challenge for the class: everyone designs to its goals and budget, real runs grade each design, and the board ranks the class."), chooser(null));
      return;
    }
    const { made, passed, running } = challenge.attempts;
    fill(
      body,
      h("div", { class: "playbook-title" }, h("strong", { id: "challenge-title" }, challenge.title)),
      facts(challenge),
      h(
        "details",
        { class: "challenge-goals", open: goalsOpen, ontoggle: (event) => { goalsOpen = event.target.open; } },
        h("summary", {}, `${challenge.goals.length} goal${challenge.goals.length === 1 ? "" : "s"}`),
        goalList(challenge),
      ),
      h("p", { class: "challenge-counts" }, `${made} attempt${made === 1 ? "" : "s"} · ${passed} passed${running ? ` · ${running} being graded` : ""}`),
      boardTable(),
      h(
        "details",
        { class: "playbook-switch", open: switching, ontoggle: (event) => { switching = event.target.open; } },
        h("summary", {}, "Another challenge, or none"),
        chooser(challenge),
        h("button", { type: "button", class: "button small", id: "btn-challenge-clear", disabled: busy, onclick: () => set(null) }, "Clear the challenge"),
      ),
    );
  }

  function renderFollowing() {
    const challenge = state?.challenge;
    element.hidden = !challenge;
    if (!challenge) {
      body.replaceChildren();
      return;
    }
    const ended = state.status === "ended";
    fill(
      body,
      h("p", { class: "challenge-eyebrow" }, "A challenge for the class"),
      h("h3", { class: "playbook-now-title", id: "challenge-title" }, challenge.title),
      h("div", { class: "challenge-summary" }, renderMarkdown(challenge.summary)),
      goalList(challenge),
      facts(challenge),
      ended
        ? h("p", { class: "challenge-empty" }, "The session has ended.")
        : h(
            "form",
            { method: "post", action: challenge.take_url, target: "_blank", class: "challenge-take" },
            h("input", { type: "hidden", name: "csrfmiddlewaretoken", value: csrfToken() }),
            h("button", { type: "submit", class: "button small primary", id: "btn-challenge-take", title: "Your own copy of the starting design, in a new tab; what you submit there goes on the class's board" }, "Take the challenge"),
          ),
    );
  }

  function render() {
    if (leading) renderLeading();
    else renderFollowing();
    setText(note, message);
    note.hidden = !message;
  }

  render();
  return {
    update(next) {
      state = next;
      const challenge = next.challenge;
      const key = challenge ? `${challenge.slug}:${JSON.stringify(challenge.attempts)}:${next.participants.length}` : "";
      if (leading && key !== seen) {
        if (!challenge || challenge.slug !== seen.split(":")[0]) rows = [];
        seen = key;
        if (challenge) readBoard();
      }
      render();
    },
    board: () => rows,
    destroy() {
      window.clearTimeout(timer);
      body.remove();
      note.remove();
    },
  };
}

/**
 * Questions: the class predicts a figure, the run measures it, the reveal compares.
 *
 * - Instructor: "Ask a question" (prompt; a number — a metric of the whole run or of one
 *   component, with a unit — or "which component": 2–8 components and whether the highest or
 *   lowest figure wins) → POST questions_url. The open question shows how many answered and
 *   "Reveal" → POST reveal_url.
 * - Participant: the open question as a card: a number field (with its unit) or one button per
 *   component; "Answer" → POST answer_url. The answer stays hidden until the reveal and can be
 *   changed until then.
 * - Everyone: each reveal opens a large card over the canvas (reveal-card.js); the side keeps
 *   the revealed questions.
 */

import { fill, h, setText } from "./dom.js";
import { revealCard } from "./reveal-card.js";

const RUN_METRICS = [
  ["p95_ms", "p95 latency", "ms"],
  ["p50_ms", "p50 latency", "ms"],
  ["p99_ms", "p99 latency", "ms"],
  ["availability", "availability", "%"],
  ["completed", "requests completed", "requests"],
  ["created", "requests created", "requests"],
  ["failed", "requests failed", "requests"],
  ["timed_out", "requests timed out", "requests"],
  ["rejected", "requests rejected", "requests"],
  ["in_flight", "requests in flight", "requests"],
  ["queued", "messages waiting", "messages"],
  ["published", "messages published", "messages"],
  ["delivered", "messages delivered", "messages"],
];
const NODE_METRICS = [
  ["depth", "waiting (queue depth)", "messages"],
  ["p95_ms", "p95 latency", "ms"],
  ["p50_ms", "p50 latency", "ms"],
  ["p99_ms", "p99 latency", "ms"],
  ["processed", "processed", "requests"],
  ["errors", "errors", "errors"],
  ["rps", "requests per second", "req/s"],
  ["replicas", "replicas", "replicas"],
  ["busy", "busy workers", "workers"],
];

/**
 * @param {object} args
 * @param {HTMLElement} args.element the questions panel (#questions-panel)
 * @param {object} args.options {role, participantId, solo (a lesson taken alone: the instructor
 *   is also the class, and answers), code, nodes: [{id, label, kind}],
 *   overlay: the reveal overlay element, post(url, body): Promise<{ok, status, data, message}>,
 *   urls: {questions, answer, reveal}}
 * @returns {{update(state): void, destroy(): void}}
 */
export function createQuestions({ element, options }) {
  const { role, participantId, solo = false, code, nodes = [], overlay, post, urls } = options;
  const leading = role === "instructor";
  const answering = role === "participant" || solo;
  /** Whose answers are "mine" (a lesson taken alone has one participant: you). */
  const me = () => participantId ?? (solo ? state?.participants?.[0]?.id ?? null : null);
  const urlFor = (template, id) => template.replace("{id}", encodeURIComponent(id));
  const storageKey = (id) => `training:${code}:answer:${id}`;

  const askBox = leading ? buildAskForm() : null;
  const openBox = h("div", { class: "question-open", id: "question-open" });
  const revealedBox = h("div", { class: "question-revealed", id: "question-revealed" });
  element.append(...[askBox, openBox, revealedBox].filter(Boolean));

  let state = null;
  let openId = null; // the open question drawn
  let revealedCount = null; // how many reveals were drawn (null: none yet, on load)

  // --- instructor: ask --------------------------------------------------------------------

  function buildAskForm() {
    const message = h("p", { class: "ask-message", role: "status" });
    const prompt = h("input", { type: "text", name: "prompt", maxlength: "200", required: true, placeholder: "How many messages will wait in the queue?", id: "ask-prompt" });
    const kindNumber = h("input", { type: "radio", name: "ask-kind", value: "number", checked: true });
    const kindChoice = h("input", { type: "radio", name: "ask-kind", value: "choice" });
    const node = h("select", { name: "node", id: "ask-node" }, h("option", { value: "" }, "the whole run"), nodes.map((n) => h("option", { value: n.id }, n.label)));
    const metric = h("select", { name: "metric", id: "ask-metric" });
    const unit = h("input", { type: "text", name: "unit", maxlength: "20", id: "ask-unit", size: "8" });
    const pick = h("select", { name: "pick", id: "ask-pick" }, h("option", { value: "max" }, "highest"), h("option", { value: "min" }, "lowest"));
    const choices = h(
      "fieldset",
      { class: "ask-choices" },
      h("legend", {}, "Components to choose from (2–8)"),
      nodes.map((n) => h("label", {}, h("input", { type: "checkbox", name: "choices", value: n.id }), ` ${n.label}`)),
    );
    let unitTouched = false;
    unit.addEventListener("input", () => {
      unitTouched = unit.value !== "";
    });

    function metricOptions() {
      const list = kindChoice.checked || node.value ? NODE_METRICS : RUN_METRICS;
      const previous = metric.value;
      fill(metric, list.map(([id, label]) => h("option", { value: id }, label)));
      if (list.some(([id]) => id === previous)) metric.value = previous;
      if (!unitTouched) unit.value = list.find(([id]) => id === metric.value)?.[2] || "";
    }

    function kindChanged() {
      const choice = kindChoice.checked;
      form.dataset.kind = choice ? "choice" : "number";
      metricOptions();
    }

    const form = h(
      "form",
      { class: "ask-form", id: "ask-form", dataset: { kind: "number" } },
      h("label", { class: "ask-field" }, h("span", {}, "Question"), prompt),
      h("div", { class: "ask-kinds", role: "radiogroup", "aria-label": "Answer kind" }, h("label", {}, kindNumber, " a number"), h("label", {}, kindChoice, " which component")),
      h("div", { class: "ask-field ask-figure" }, h("span", {}, "Measured as"), metric, h("span", { class: "ask-number-only" }, " of "), h("span", { class: "ask-number-only" }, node)),
      h("div", { class: "ask-field ask-choice-only" }, h("span", {}, "The right one has the"), pick, h("span", {}, " figure")),
      h("div", { class: "ask-choice-only" }, choices),
      h("label", { class: "ask-field ask-number-only" }, h("span", {}, "Unit"), unit),
      h("div", { class: "ask-actions" }, h("button", { type: "submit", class: "button small primary", id: "btn-ask" }, "Ask the class"), message),
    );
    kindNumber.addEventListener("change", kindChanged);
    kindChoice.addEventListener("change", kindChanged);
    node.addEventListener("change", metricOptions);
    metric.addEventListener("change", () => {
      unitTouched = false;
      metricOptions();
    });
    metricOptions();

    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const kind = kindChoice.checked ? "choice" : "number";
      const body = { prompt: prompt.value.trim(), kind };
      if (kind === "number") {
        body.figure = { metric: metric.value, ...(node.value ? { node: node.value } : {}) };
        if (unit.value.trim()) body.unit = unit.value.trim();
      } else {
        body.choices = [...form.querySelectorAll('input[name="choices"]:checked')].map((box) => box.value);
        body.figure = { metric: metric.value, pick: pick.value };
        if (body.choices.length < 2 || body.choices.length > 8) {
          setText(message, "Pick 2 to 8 components.");
          return;
        }
      }
      const answer = await post(urls.questions, body);
      setText(message, answer.ok ? "Asked." : answer.message);
      if (answer.ok) {
        prompt.value = "";
        details.open = false;
      }
    });
    const details = h("details", { class: "ask-box", id: "ask-box" }, h("summary", {}, "Ask a question"), form);
    return details;
  }

  // --- the open question ------------------------------------------------------------------

  function leadingOpen(question) {
    const present = (state.participants || []).filter((p) => p.present).length;
    const message = h("p", { class: "question-message", role: "status" });
    return h(
      "section",
      { class: "question-card is-open", dataset: { question: String(question.id) } },
      h("p", { class: "question-eyebrow" }, "Open question"),
      h("h3", { class: "question-prompt" }, question.prompt),
      h("p", { class: "question-answered", "data-testid": "question-answered" }, `${question.answered} answered`, present ? ` of ${present} present` : ""),
      h(
        "button",
        {
          type: "button",
          class: "button small primary",
          id: "btn-reveal",
          onclick: async (event) => {
            event.target.disabled = true;
            const answer = await post(urlFor(urls.reveal, question.id), {});
            if (!answer.ok) {
              event.target.disabled = false;
              setText(message, answer.message);
            }
          },
        },
        "Reveal",
      ),
      message,
    );
  }

  function participantOpen(question) {
    const saved = window.sessionStorage.getItem(storageKey(question.id));
    const status = h("p", { class: "question-status", role: "status", "aria-live": "polite" }, saved !== null ? "Answer sent — hidden until the reveal. You can change it until then." : "");
    const card = h(
      "section",
      { class: "question-card is-open is-asking", dataset: { question: String(question.id), answered: String(saved !== null) } },
      h("p", { class: "question-eyebrow" }, "Your prediction"),
      h("h3", { class: "question-prompt" }, question.prompt),
    );

    async function send(value) {
      const answer = await post(urlFor(urls.answer, question.id), { value });
      if (answer.ok) {
        window.sessionStorage.setItem(storageKey(question.id), JSON.stringify(value));
        card.dataset.answered = "true";
        setText(status, "Answer sent — hidden until the reveal. You can change it until then.");
        for (const button of card.querySelectorAll(".choice-button")) button.setAttribute("aria-pressed", String(button.dataset.value === value));
        if (sendButton) sendButton.textContent = "Change answer";
      } else {
        setText(status, answer.message);
      }
    }

    let sendButton = null;
    if (question.kind === "choice") {
      const previous = saved !== null ? JSON.parse(saved) : null;
      card.append(
        h(
          "div",
          { class: "choice-buttons", role: "group", "aria-label": "Choices" },
          (question.choices || []).map((choice) =>
            h("button", { type: "button", class: "choice-button", "aria-pressed": String(choice.id === previous), dataset: { value: choice.id }, onclick: () => send(choice.id) }, choice.label),
          ),
        ),
      );
    } else {
      const input = h("input", { type: "number", step: "any", id: "answer-value", "aria-label": "Your answer", value: saved !== null ? JSON.parse(saved) : null, required: true });
      sendButton = h("button", { type: "submit", class: "button primary", id: "btn-answer" }, saved !== null ? "Change answer" : "Answer");
      const form = h("form", { class: "answer-form" }, input, question.unit ? h("span", { class: "answer-unit" }, question.unit) : null, sendButton);
      form.addEventListener("submit", (event) => {
        event.preventDefault();
        const value = Number(input.value);
        if (input.value === "" || !Number.isFinite(value)) {
          setText(status, "Type a number.");
          return;
        }
        send(value);
      });
      card.append(form);
    }
    card.append(status);
    return card;
  }

  function drawOpen() {
    const question = state?.question && !state.question.revealed ? state.question : null;
    if (!question) {
      openId = null;
      fill(openBox);
      return;
    }
    if (question.id === openId) {
      const count = openBox.querySelector(".question-answered");
      if (count) {
        const present = (state.participants || []).filter((p) => p.present).length;
        setText(count, `${question.answered} answered${present ? ` of ${present} present` : ""}`);
      }
      return;
    }
    openId = question.id;
    if (leading && answering) fill(openBox, participantOpen(question), leadingOpen(question));
    else if (leading) fill(openBox, leadingOpen(question));
    else if (answering) fill(openBox, participantOpen(question));
    else fill(openBox, h("section", { class: "question-card is-open" }, h("p", { class: "question-eyebrow" }, "The class is predicting"), h("h3", { class: "question-prompt" }, question.prompt)));
    if (answering) openBox.firstElementChild?.scrollIntoView({ block: "nearest", behavior: "smooth" });
  }

  // --- reveals ----------------------------------------------------------------------------

  function showOverlay(question, number) {
    if (!overlay) return;
    fill(
      overlay.querySelector("[data-reveal-body]"),
      revealCard(question, { participantId: me(), number }),
    );
    overlay.hidden = false;
  }

  function drawRevealed() {
    const list = state?.revealed || [];
    if (revealedCount !== null && list.length > revealedCount) showOverlay(list[list.length - 1], list.length);
    if (revealedCount === list.length && revealedBox.dataset.drawn === JSON.stringify(list.map((q) => [q.id, q.answers?.length]))) return;
    revealedCount = list.length;
    revealedBox.dataset.drawn = JSON.stringify(list.map((q) => [q.id, q.answers?.length]));
    if (!list.length) {
      fill(revealedBox);
      return;
    }
    fill(
      revealedBox,
      h("h3", { class: "side-heading" }, "Revealed"),
      [...list].reverse().map((question, index) => revealCard(question, { participantId: me(), number: list.length - index, compact: true })),
    );
  }

  overlay?.addEventListener("click", (event) => {
    if (event.target.closest("[data-reveal-close]")) overlay.hidden = true;
  });

  return {
    update(next) {
      state = next;
      drawOpen();
      drawRevealed();
      element.hidden = !leading && !state.question && !(state.revealed || []).length;
    },
    destroy() {
      element.replaceChildren();
    },
  };
}

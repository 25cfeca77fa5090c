/**
 * A revealed question as a card (every role): the prompt, the measured value in big type
 * (for a choice: the right component and each one's figure), the class's answers as a chart
 * (question-charts.js) and everyone's score, the viewer's own highlighted.
 */

import { formatNumber, h } from "./dom.js";
import { choiceChart, numberChart } from "./question-charts.js";

function measuredText(question) {
  const unit = question.unit ? ` ${question.unit}` : "";
  if (question.kind === "choice") return question.correct_label || (question.correct ? question.correct : "–");
  return typeof question.measured === "number" ? `${formatNumber(question.measured)}${unit}` : "not measured";
}

function answerText(question, value) {
  if (question.kind === "choice") return question.choices?.find((choice) => choice.id === value)?.label || String(value ?? "–");
  return typeof value === "number" ? `${formatNumber(value)}${question.unit ? ` ${question.unit}` : ""}` : "–";
}

/** Picks per choice id, from the answers (the distribution, when it is one, agrees). */
function choiceCounts(question) {
  if (question.distribution && !Array.isArray(question.distribution) && typeof question.distribution === "object") return question.distribution;
  const counts = {};
  for (const answer of question.answers || []) counts[answer.value] = (counts[answer.value] || 0) + 1;
  return counts;
}

/** A component's measured figure: "63.1 ms", "12", or "–" when the run had none. */
function figureText(value, metric) {
  if (typeof value !== "number") return "–";
  return `${formatNumber(value)}${metric.endsWith("_ms") ? " ms" : metric === "availability" ? " %" : ""}`;
}

function perChoice(question) {
  if (!question.measured || typeof question.measured !== "object") return null;
  const metric = question.figure?.metric || "";
  return h(
    "ul",
    { class: "reveal-per-choice" },
    (question.choices || []).map((choice) =>
      h("li", { class: choice.id === question.correct ? "is-correct" : null }, h("span", {}, choice.label), h("span", { class: "num" }, figureText(question.measured[choice.id], metric))),
    ),
  );
}

/**
 * @param {object} question a revealed question (state.revealed[i])
 * @param {{participantId: number|null, number: number, compact?: boolean}} view
 * @returns {HTMLElement}
 */
export function revealCard(question, { participantId = null, number = null, compact = false } = {}) {
  const answers = question.answers || [];
  const mine = answers.find((answer) => answer.participant_id === participantId);
  const chart =
    question.kind === "choice"
      ? choiceChart(question.choices || [], choiceCounts(question), question.correct)
      : numberChart(Array.isArray(question.distribution) ? question.distribution : answers.map((answer) => answer.value), question.measured, question.unit);
  const when = typeof question.measured_t === "number" ? `measured at ${Math.round(question.measured_t)} s of the run` : "measured by the run";
  return h(
    "article",
    { class: `reveal-card${compact ? " is-compact" : ""}`, dataset: { question: String(question.id) } },
    h("p", { class: "reveal-eyebrow" }, number ? `Question ${number} · revealed` : "Revealed"),
    h("h3", { class: "reveal-prompt" }, question.prompt),
    h(
      "div",
      { class: "reveal-measured" },
      h("span", { class: "reveal-measured-label" }, question.kind === "choice" ? "The answer" : "The run measured"),
      h("strong", { class: "reveal-value", "data-testid": "reveal-value" }, measuredText(question)),
      h("span", { class: "reveal-when" }, when),
    ),
    mine ? h("p", { class: "reveal-mine" }, "Your answer: ", h("strong", {}, answerText(question, mine.value)), " · score ", h("strong", { class: "reveal-my-score" }, String(mine.score ?? 0))) : null,
    question.kind === "choice" ? perChoice(question) : null,
    h("figure", { class: "reveal-figure" }, chart, h("figcaption", {}, `${answers.length} answer${answers.length === 1 ? "" : "s"}`)),
    answers.length
      ? h(
          "table",
          { class: "reveal-scores" },
          h("thead", {}, h("tr", {}, h("th", {}, "Name"), h("th", {}, "Answer"), h("th", { class: "num" }, "Score"))),
          h(
            "tbody",
            {},
            answers.map((answer) =>
              h("tr", { class: answer.participant_id === participantId ? "is-me" : null }, h("td", {}, answer.name), h("td", {}, answerText(question, answer.value)), h("td", { class: "num" }, String(answer.score ?? 0))),
            ),
          ),
        )
      : h("p", { class: "reveal-none" }, "Nobody answered this one."),
  );
}

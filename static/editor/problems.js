/**
 * The problems list (#problems) and its count badge (#problems-count). Clicking a problem
 * hands it back so the editor can select and centre what it is about.
 */

/**
 * @param {object} args
 * @param {HTMLElement} args.element the list (#problems)
 * @param {object} args.options {countElement, headingElement}
 * @param {object} args.callbacks {onPick(problem)}
 * @returns {{update: Function, destroy: Function}}
 */
export function createProblemsPanel({ element, options, callbacks }) {
  const { countElement, headingElement } = options;
  let shown = [];

  function onClick(event) {
    const button = event.target.closest("button[data-index]");
    if (button) callbacks.onPick(shown[Number(button.dataset.index)]);
  }

  element.addEventListener("click", onClick);

  /**
   * Show these problems.
   * @param {Array<object>} problems normalised problems
   * @param {{heading?: string}} [context] a note above the list (a refused save or import)
   */
  function update(problems, { heading = "" } = {}) {
    shown = problems;
    const errors = problems.filter((p) => p.severity === "error").length;
    const warnings = problems.length - errors;

    countElement.textContent = problems.length
      ? `${problems.length} problem${problems.length === 1 ? "" : "s"}`
      : "No problems";
    countElement.className = `problems-count ${errors ? "is-error" : warnings ? "is-warning" : "is-ok"}`;
    countElement.title = problems.length ? `${errors} error(s), ${warnings} warning(s)` : "The scenario is valid";

    if (headingElement) {
      headingElement.textContent = heading;
      headingElement.hidden = !heading;
    }

    element.replaceChildren(
      ...problems.map((problem, index) => {
        const item = document.createElement("li");
        const button = document.createElement("button");
        button.type = "button";
        button.className = `problem problem-${problem.severity}`;
        button.dataset.index = String(index);
        if (problem.target) button.dataset.target = problem.target;

        const icon = document.createElement("span");
        icon.className = "problem-icon";
        icon.setAttribute("aria-label", problem.severity);
        icon.textContent = problem.severity === "error" ? "!" : "▲";

        const text = document.createElement("span");
        text.className = "problem-text";
        const message = document.createElement("span");
        message.className = "problem-message";
        message.textContent = problem.message;
        const where = document.createElement("code");
        where.className = "problem-path";
        where.textContent = problem.target ? `${problem.target} · ${problem.path}` : problem.path;
        text.append(message, where);

        button.append(icon, text);
        item.append(button);
        return item;
      }),
    );
  }

  return {
    update,
    destroy() {
      element.removeEventListener("click", onClick);
    },
  };
}

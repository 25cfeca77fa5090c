/**
 * The problems list (#problems) and its count badge (#problems-count). Clicking a problem
 * hands it back so the editor can select and centre what it is about.
 *
 * Design checks (problems with a `rule`, from the validator's `warnings`) are listed after
 * the problems, in their own group: advice about the architecture that never blocks a save,
 * each with a "Why?" link to the lesson that explains it. The badge counts problems only.
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

  /** The button that picks a problem: its icon (or label), message and where it is. */
  function problemButton(problem, index, { className, badge, where }) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = className;
    button.dataset.index = String(index);
    if (problem.target) button.dataset.target = problem.target;

    const text = document.createElement("span");
    text.className = "problem-text";
    const message = document.createElement("span");
    message.className = "problem-message";
    message.textContent = problem.message;
    const path = document.createElement("code");
    path.className = "problem-path";
    path.textContent = where;
    text.append(message, path);

    button.append(badge, text);
    return button;
  }

  function problemItem(problem, index) {
    const icon = document.createElement("span");
    icon.className = "problem-icon";
    icon.setAttribute("aria-label", problem.severity);
    icon.textContent = problem.severity === "error" ? "!" : "▲";
    const item = document.createElement("li");
    item.append(
      problemButton(problem, index, {
        className: `problem problem-${problem.severity}`,
        badge: icon,
        where: problem.target ? `${problem.target} · ${problem.path}` : problem.path,
      }),
    );
    return item;
  }

  function designItem(problem, index) {
    const label = document.createElement("span");
    label.className = "problem-label";
    label.textContent = "warning";
    const item = document.createElement("li");
    item.className = "design-check";
    item.dataset.rule = problem.rule;
    item.append(
      problemButton(problem, index, {
        className: "problem problem-design",
        badge: label,
        where: problem.target ? `${problem.target} · ${problem.rule}` : problem.rule,
      }),
    );
    if (problem.lesson) {
      const why = document.createElement("a");
      why.className = "design-check-why";
      why.href = problem.lesson;
      why.target = "_blank";
      why.rel = "noopener";
      why.textContent = "Why?";
      why.title = "Open the lesson that explains this, in a new tab";
      item.append(why);
    }
    return item;
  }

  function designGroup(entries) {
    const group = document.createElement("li");
    group.className = "design-checks";
    const heading = document.createElement("h3");
    heading.className = "design-checks-heading";
    heading.id = "design-checks-title";
    heading.textContent = `Design checks · ${entries.length} warning${entries.length === 1 ? "" : "s"}`;
    const list = document.createElement("ul");
    list.className = "design-checks-list";
    list.setAttribute("aria-labelledby", heading.id);
    list.append(...entries.map(({ problem, index }) => designItem(problem, index)));
    group.append(heading, list);
    return group;
  }

  /**
   * Show these problems.
   * @param {Array<object>} problems normalised problems, design warnings among them
   * @param {{heading?: string}} [context] a note above the list (a refused save or import)
   */
  function update(problems, { heading = "" } = {}) {
    shown = problems;
    const entries = problems.map((problem, index) => ({ problem, index }));
    const found = entries.filter(({ problem }) => !problem.rule);
    const design = entries.filter(({ problem }) => problem.rule);
    const errors = found.filter(({ problem }) => problem.severity === "error").length;
    const warnings = found.length - errors;

    countElement.textContent = found.length
      ? `${found.length} problem${found.length === 1 ? "" : "s"}`
      : "No problems";
    countElement.className = `problems-count ${errors ? "is-error" : warnings ? "is-warning" : "is-ok"}`;
    const advice = design.length ? `; ${design.length} design warning(s)` : "";
    countElement.title = found.length
      ? `${errors} error(s), ${warnings} warning(s)${advice}`
      : `The scenario is valid${advice}`;

    if (headingElement) {
      headingElement.textContent = heading;
      headingElement.hidden = !heading;
    }

    const items = found.map(({ problem, index }) => problemItem(problem, index));
    if (design.length) items.push(designGroup(design));
    element.replaceChildren(...items);
  }

  return {
    update,
    destroy() {
      element.removeEventListener("click", onClick);
    },
  };
}

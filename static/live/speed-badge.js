/**
 * The run's speed on the dock's bar: the effective speed (run seconds per wall second) beside
 * its ceiling. Amber, with the reason, when the workers rather than the ceiling set the pace;
 * the figures of the run are the same either way (they are in run time).
 */

function times(value) {
  if (typeof value !== "number") return "…";
  return `${value >= 10 ? value.toFixed(0) : value.toFixed(2)}×`;
}

/**
 * @param {object} args
 * @param {HTMLElement} args.element the badge (#run-pace)
 * @returns {{update(frame): void, reset(): void, destroy(): void}}
 */
export function createSpeedBadge({ element }) {
  element.classList.add("speed-badge");
  element.hidden = true;
  const value = document.createElement("strong");
  value.className = "speed-value";
  const detail = document.createElement("span");
  detail.className = "speed-detail";
  element.replaceChildren(value, detail);

  return {
    update(frame) {
      const clock = frame?.clock;
      if (!clock) return;
      element.hidden = false;
      const max = clock.speed === "max";
      value.textContent = times(clock.effective);
      if (max) detail.textContent = "max: as fast as the workers go";
      else if (clock.limited) detail.textContent = `of ${clock.speed} · the workers are the limit`;
      else detail.textContent = `of ${clock.speed}`;
      element.dataset.state = max ? "max" : clock.limited ? "limited" : "ok";
      element.title = `Run seconds per wall second over the last second. ${clock.text || ""}`.trim();
    },
    reset() {
      element.hidden = true;
      delete element.dataset.state;
    },
    destroy() {
      element.replaceChildren();
    },
  };
}

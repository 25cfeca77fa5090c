/**
 * The dock's Chaos tab: fire any fault type (apps/topology/faults.py) at a node or an edge of
 * the running scenario, with its number when it takes one and an optional "undo after".
 * Only the owner fires faults; a viewer sees the form disabled.
 */

import { defaultParam, faultBody, faultsFor } from "./faults.js";

const PARAM_LABELS = {
  instance: "Instance",
  latency_ms: "Added latency (ms)",
  error_rate: "Error rate (0–1)",
  factor: "Traffic × factor",
  delay_ms: "Added delay each way (ms)",
  loss: "Share of calls lost (0–1)",
  window_ms: "Hold-back window (ms)",
};

/**
 * @param {object} args
 * @param {HTMLElement} args.element the tab panel
 * @param {object} args.options {faultTypes, owner, targets(): [{id, label, type, kind}]}
 * @param {object} args.callbacks {onFire(body): Promise<{ok, message}>}
 * @returns {{update(frame): void, prefill(action, target): void, record(body, answer): void, setLive(live): void, reset(): void, destroy(): void}}
 */
export function createChaosTab({ element, options, callbacks }) {
  const { faultTypes, owner, targets } = options;
  element.classList.add("dock-chaos");
  element.innerHTML = `
    <form class="chaos-form" data-form>
      <label>Fault <select name="action" data-action></select></label>
      <label>Target <select name="target" data-target></select></label>
      <label data-param-label hidden><span data-param-name>Value</span> <input name="param" type="number" step="any" data-param></label>
      <label>Undo after (s) <input name="duration_s" type="number" min="0" step="1" placeholder="never" data-duration></label>
      <button type="submit" class="button primary small" data-fire>Fire</button>
    </form>
    <p class="dock-note" data-summary></p>
    <p class="dock-note">Tip: during a run, right-click a node or an edge on the canvas for the faults that apply to it.</p>
    <p class="dock-note chaos-owner-note" data-owner-note hidden>Only the scenario's owner can break things; you are watching.</p>
    <ol class="chaos-fired" data-fired></ol>`;
  const form = element.querySelector("[data-form]");
  const actionSelect = element.querySelector("[data-action]");
  const targetSelect = element.querySelector("[data-target]");
  const paramLabel = element.querySelector("[data-param-label]");
  const paramName = element.querySelector("[data-param-name]");
  const paramInput = element.querySelector("[data-param]");
  const durationInput = element.querySelector("[data-duration]");
  const fireButton = element.querySelector("[data-fire]");
  const summary = element.querySelector("[data-summary]");
  const fired = element.querySelector("[data-fired]");
  element.querySelector("[data-owner-note]").hidden = owner;
  let live = false;

  for (const fault of faultTypes) {
    const option = document.createElement("option");
    option.value = fault.name;
    option.textContent = fault.label;
    actionSelect.append(option);
  }

  const currentFault = () => faultTypes.find((fault) => fault.name === actionSelect.value);

  function fillTargets(keep = targetSelect.value) {
    const fault = currentFault();
    const options = targets().filter((target) => faultsFor([fault], target).length > 0);
    targetSelect.replaceChildren(
      ...options.map((target) => {
        const option = document.createElement("option");
        option.value = target.id;
        option.textContent = target.type === "edge" ? `${target.label} (edge)` : target.label;
        return option;
      }),
    );
    if (options.some((target) => target.id === keep)) targetSelect.value = keep;
    if (!options.length) {
      const option = document.createElement("option");
      option.value = "";
      option.textContent = "nothing in this scenario";
      targetSelect.append(option);
    }
    targetSelect.disabled = !options.length || !owner;
  }

  function showFault() {
    const fault = currentFault();
    paramLabel.hidden = !fault.param;
    if (fault.param) {
      paramName.textContent = PARAM_LABELS[fault.param] || fault.param;
      paramInput.min = String(fault.param_minimum);
      paramInput.max = String(fault.param_maximum);
      paramInput.step = fault.param === "instance" ? "1" : "any";
      paramInput.value = String(defaultParam(fault));
    }
    summary.textContent = fault.summary || "";
    fillTargets();
    refreshButton();
  }

  function refreshButton() {
    fireButton.disabled = !owner || !live || !targetSelect.value;
    fireButton.title = !owner ? "Only the owner can fire faults" : !live ? "Start a run first" : "";
  }

  function note(text, ok) {
    const item = document.createElement("li");
    item.className = ok ? "is-ok" : "is-error";
    item.textContent = `${new Date().toLocaleTimeString()} · ${text}`;
    fired.prepend(item);
    while (fired.childElementCount > 8) fired.lastChild.remove();
  }

  async function onSubmit(event) {
    event.preventDefault();
    const fault = currentFault();
    const value = fault.param ? Number(paramInput.value) : null;
    const duration = Number(durationInput.value) || null;
    const body = faultBody(fault, targetSelect.value, value, duration);
    fireButton.disabled = true;
    await callbacks.onFire(body); // the answer comes back through record()
    refreshButton();
  }

  actionSelect.addEventListener("change", showFault);
  targetSelect.addEventListener("change", refreshButton);
  form.addEventListener("submit", onSubmit);
  actionSelect.disabled = !owner;
  paramInput.disabled = !owner;
  durationInput.disabled = !owner;
  showFault();

  return {
    update() {},
    /** Choose a fault and a target (from the canvas's context menu). */
    prefill(action, target) {
      actionSelect.value = action;
      showFault();
      fillTargets(target);
      refreshButton();
      (paramLabel.hidden ? fireButton : paramInput).focus();
    },
    /** List a fault fired from this page (here or from the canvas's menu) and its answer. */
    record(body, answer) {
      const fault = faultTypes.find((type) => type.name === body.action);
      const target = targets().find((item) => item.id === body.target)?.label || body.target;
      const instance = body.instance !== undefined ? `/${body.instance}` : "";
      const what = `${fault?.label || body.action} → ${target}${instance}`;
      note(answer.ok ? what : `${what}: ${answer.message}`, answer.ok);
    },
    setLive(value) {
      live = value;
      fillTargets();
      refreshButton();
    },
    reset() {
      fired.replaceChildren();
    },
    destroy() {
      element.replaceChildren();
    },
  };
}

/**
 * The run report's links into the run's records (the page only: the offline export has
 * neither this script nor the boxes it drives):
 *
 * - "Trace an order": an order id typed in, or an order id clicked in the unsuccessful
 *   requests or the outbox, is traced across services from the run's stored audit log
 *   (GET /api/runs/<id>/trace/<corr>/) and drawn as a timeline under the box.
 * - "Rebuild by replay" (the owner, on the CQRS table): rebuilds a read model from the run's
 *   published events and says whether it came out equal.
 */

import { csrfToken } from "../editor/http.js";
import { fetchTrace, renderTrace } from "../trace/order-trace.js";

function readLabels() {
  const element = document.getElementById("run-report-data");
  try {
    return (element && JSON.parse(element.textContent).labels) || {};
  } catch {
    return {};
  }
}

function setUpTrace(box) {
  const form = box.querySelector("[data-trace-form]");
  const input = form.querySelector("input");
  const result = box.querySelector("[data-trace-result]");
  const labels = readLabels();
  const labelOf = (id) => labels[id] || id;
  let asked = 0;

  async function trace(corr) {
    const ticket = ++asked;
    input.value = corr;
    const message = document.createElement("p");
    message.className = "trace-loading";
    message.textContent = `Tracing ${corr}…`;
    result.replaceChildren(message);
    const answer = await fetchTrace(box.dataset.traceUrl.replace("{corr}", encodeURIComponent(corr)));
    if (ticket !== asked) return;
    if (answer.ok) {
      renderTrace(result, answer.data, labelOf);
    } else {
      message.className = "trace-error";
      message.textContent = `No trace: ${answer.message}.`;
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const corr = input.value.trim();
    if (corr) trace(corr);
  });
  document.addEventListener("click", (event) => {
    const link = event.target.closest("a[data-trace]");
    if (!link) return;
    event.preventDefault();
    box.scrollIntoView({ behavior: "smooth", block: "start" });
    trace(link.dataset.trace);
  });
}

function setUpRebuild(button) {
  const result = button.parentElement.querySelector(".rebuild-result");
  button.addEventListener("click", async () => {
    button.disabled = true;
    result.textContent = "Replaying…";
    try {
      const response = await fetch(button.dataset.rebuildUrl, {
        method: "POST",
        headers: { Accept: "application/json", "X-CSRFToken": csrfToken() },
        credentials: "same-origin",
      });
      const data = await response.json().catch(() => null);
      result.textContent = response.ok
        ? `${data.rows_after} rows rebuilt · equal: ${data.equal ? "yes" : "no"}`
        : `Not rebuilt: ${data?.errors?.[0]?.message || `the server answered ${response.status}`}`;
    } catch {
      result.textContent = "Not rebuilt: the server could not be reached";
    } finally {
      button.disabled = false;
    }
  });
}

const box = document.querySelector("[data-testid='trace-box']");
if (box) setUpTrace(box);
for (const button of document.querySelectorAll("[data-rebuild-url]")) setUpRebuild(button);

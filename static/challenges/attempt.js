/**
 * An attempt's page (templates/challenges/attempt.html): while the runs go, asks for the
 * attempt's state every second and shows which run is going; reloads once it is graded. Each
 * goal's interval is drawn against its bound (goal-bar).
 */

const section = document.getElementById("attempt");
const POLL_MS = 1000;

async function poll() {
  try {
    const response = await fetch(section.dataset.stateUrl, { headers: { Accept: "application/json" } });
    if (response.ok) {
      const state = await response.json();
      if (state.status !== "running") {
        window.location.reload();
        return;
      }
      const progress = document.getElementById("attempt-progress");
      if (progress) progress.textContent = `run ${Math.min(state.seeds.done + 1, state.seeds.of)} of ${state.seeds.of}`;
    }
  } catch {
    // the server is busy or restarting: ask again
  }
  window.setTimeout(poll, POLL_MS);
}

/** The interval [low, high] and the bound on one scale, as a bar: green when inside. */
function drawBar(element) {
  const low = Number(element.dataset.low);
  const high = Number(element.dataset.high);
  const bound = Number(element.dataset.bound);
  const measured = Number(element.dataset.measured);
  const values = [low, high, bound].filter(Number.isFinite);
  let min = Math.min(...values);
  let max = Math.max(...values);
  const pad = (max - min || Math.abs(max) || 1) * 0.15;
  min -= pad;
  max += pad;
  const at = (value) => `${((value - min) / (max - min)) * 100}%`;
  const span = document.createElement("span");
  span.className = "goal-bar-interval";
  span.style.left = at(low);
  span.style.width = `calc(${at(high)} - ${at(low)} + 2px)`;
  const dot = document.createElement("span");
  dot.className = "goal-bar-mean";
  dot.style.left = at(measured);
  const line = document.createElement("span");
  line.className = "goal-bar-bound";
  line.style.left = at(bound);
  line.title = `${element.dataset.op === "at_most" ? "at most" : "at least"} ${bound}`;
  element.append(span, dot, line);
}

document.querySelectorAll(".goal-bar").forEach(drawBar);
if (section?.dataset.status === "running") window.setTimeout(poll, POLL_MS);

/**
 * The challenge bar above the editor (templates/challenges/editor.html): Submit sends the
 * design as it is on the canvas to POST /api/challenges/<slug>/attempts/ and opens the
 * attempt's page, where real runs grade it; a design the challenge refuses is answered here.
 * Opened from a training session (data-session), it posts to the session's
 * POST /api/sessions/<code>/challenge/attempts/ instead: the attempt is the participant's.
 */

import { problemsOf, sendJSON } from "../editor/http.js";

const bar = document.getElementById("challenge-bar");
const button = document.getElementById("btn-submit-design");
const message = document.getElementById("challenge-message");
const nameInput = document.getElementById("challenge-name");

function say(text, isError = false) {
  message.textContent = text;
  message.classList.toggle("error", isError);
}

async function submit() {
  const editor = window.playgroundEditor;
  if (!editor) return;
  if (editor.isDirty?.() && editor.save) await editor.save();
  button.disabled = true;
  say("Submitting…");
  // In a class the name is the participant's, and the challenge must still be the class's.
  const body = bar.dataset.session
    ? { topology: editor.getDocument(), challenge: bar.dataset.challenge }
    : { topology: editor.getDocument(), name: nameInput?.value.trim() || "" };
  const { status, data } = await sendJSON(bar.dataset.attemptsUrl, body);
  button.disabled = false;
  if (status === 201 && data?.url) {
    window.location.assign(data.url);
    return;
  }
  const problems = problemsOf(data).map((problem) => problem.message);
  say(problems.length ? `Not submitted: ${problems.join("; ")}` : "Not submitted; try again.", true);
}

button?.addEventListener("click", submit);

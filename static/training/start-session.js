/**
 * The editor's Teach button: starts a training session on this scenario (saving unsaved
 * changes first, so the class sees what the owner sees) and opens the instructor's console.
 */

import { problemsOf, sendJSON } from "../editor/http.js";

const button = document.getElementById("btn-teach");

async function startSession() {
  const editor = window.playgroundEditor;
  if (editor?.isDirty?.() && editor.save) await editor.save();
  button.disabled = true;
  const { status, data } = await sendJSON(button.dataset.sessionsUrl, {});
  button.disabled = false;
  if (status === 201 && data?.instructor_url) {
    window.location.assign(data.instructor_url);
    return;
  }
  window.alert(problemsOf(data)[0]?.message || "Could not start a session; try again.");
}

button?.addEventListener("click", startSession);

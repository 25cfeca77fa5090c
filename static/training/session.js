/**
 * A training session's page (templates/training/session.html): the editor in read-only mode
 * plus the class around it. Reads the `session-config` JSON, connects the session's websocket
 * (session-socket.js) and hands every `state` to the panels; `view` and `laser` messages go
 * to follow.js and laser.js. Each panel is its own module (see their headers); this file
 * only wires them to the editor (window.playgroundEditor), the live view
 * (window.playgroundLive) and the API. Exposes `window.playgroundSession` for tests.
 */

import { problemsOf, sendJSON } from "../editor/http.js";
import { createChallengePanel } from "./challenge-panel.js";
import { createClassBoard } from "./class-board.js";
import { setText } from "./dom.js";
import { createFollow } from "./follow.js";
import { createLaser } from "./laser.js";
import { createPlaybookDriver } from "./playbook-driver.js";
import { createPlaybookPanel } from "./playbook-panel.js";
import { createQuestions } from "./questions.js";
import { createSessionBar } from "./session-bar.js";
import { createSessionSocket } from "./session-socket.js";
import { createSpotlight } from "./spotlight.js";
import { createTimeline } from "./timeline.js";
import { createTryIt } from "./try-it.js";

const ENDED_RUN = new Set(["finished", "stopped", "failed"]);
const $ = (selector) => document.querySelector(selector);

/** POST a JSON body; the answer with `ok` (2xx) and the first error's message. */
async function post(url, body) {
  const { status, data } = await sendJSON(url, body);
  const ok = status >= 200 && status < 300;
  const message = ok ? "" : problemsOf(data)[0]?.message || (status === 0 ? "The server could not be reached." : `The server answered ${status}.`);
  return { ok, status, data, message };
}

async function fetchJSON(url) {
  try {
    const response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
    return response.ok ? await response.json() : null;
  } catch {
    return null;
  }
}

function startSession(editor) {
  const config = JSON.parse($("#session-config").textContent);
  const role = config.role;
  const { graph } = editor;
  const stage = $("#canvas-stage");
  const dock = $("#live-dock");
  const toast = $("#session-toast");
  $("#editor").dataset.sessionRole = role;
  let state = null;
  let toastTimer = null;

  function say(message, { error = false } = {}) {
    if (!toast) return;
    setText(toast, message);
    toast.dataset.kind = error ? "error" : "info";
    toast.hidden = false;
    window.clearTimeout(toastTimer);
    toastTimer = window.setTimeout(() => {
      toast.hidden = true;
    }, 5000);
  }

  /** The run frame the canvas shows, if any: just what the timeline and the driver need. */
  function currentFrame() {
    const live = window.playgroundLive;
    const frame = live?.lastFrame();
    if (!frame) return null;
    return { run_id: live.runId(), t: frame.t, status: frame.status, duration_s: frame.duration_s };
  }

  let socket = null; // connected once the panels exist (below)
  const send = (message) => Boolean(socket?.send(message));

  /** Overlays (the reveal, the spotlight) sit over the canvas and the dock: tell CSS where. */
  function placeOverlays() {
    const box = stage.getBoundingClientRect();
    const root = document.documentElement.style;
    root.setProperty("--stage-top", `${Math.round(box.top + 12)}px`);
    root.setProperty("--stage-left", `${Math.round(box.left)}px`);
    root.setProperty("--stage-width", `${Math.round(box.width)}px`);
    root.setProperty("--stage-centre", `${Math.round(box.left + box.width / 2)}px`);
  }
  const stageWatch = new ResizeObserver(placeOverlays);
  stageWatch.observe(stage);
  placeOverlays();
  // The instructor knows the scenario: its description folds away to leave room for the playbook.
  if (role === "instructor") $(".scenario-about")?.removeAttribute("open");

  // --- the panels -----------------------------------------------------------------------------

  const bar = createSessionBar({
    element: $("#session-bar"),
    options: { role, participantId: config.participant_id },
    callbacks: {
      onBring() {
        follow.announce();
        send({ type: "bring" });
        say("Everyone is following you again.");
      },
      onLaser: (on) => laser.setOn(on),
      onPresent: (on) => editor.setPresenting?.(on),
      onFollow: (on) => follow.setFollowing(on),
      onBoard: () => board?.open(),
      async onEnd() {
        const answer = await post(config.end_url, {});
        if (answer.ok) {
          if (answer.data?.state) applyState(answer.data.state);
          say("The session has ended. The report stays available.");
        } else {
          say(answer.message, { error: true });
        }
      },
    },
  });
  bar.setConnected(false);
  bar.showPresent(role === "instructor" && typeof editor.setPresenting === "function");

  const follow = createFollow({
    options: { graph, editor, role, stage, dock, send },
    callbacks: { onFollowChange: (following) => bar.setFollowing(following) },
  });
  bar.setFollowing(follow.isFollowing());

  const laser = createLaser({
    element: stage,
    options: { graph, role, send, holdKey: editor.mode !== "edit" },
    callbacks: { onToggle: (on) => bar.setLaser(on) },
  });

  async function playbookAction(body) {
    const answer = await post(config.playbook_url, body);
    if (answer.ok && answer.data?.state) applyState(answer.data.state);
    return answer;
  }

  /** Start the session's run with the toolbar's Run button (its speed and duration). */
  function startRun() {
    const run = $("#btn-run");
    if (run && !run.disabled) run.click();
    else say("Press Run to start the traffic.");
  }

  const playbookPanel = $("#playbook-panel")
    ? createPlaybookPanel({
        element: $("#playbook-panel"),
        options: { role, playbooks: config.playbooks || [], post: playbookAction },
        callbacks: { onStartRun: startRun },
      })
    : null;
  const driver =
    role === "instructor"
      ? createPlaybookDriver({
          options: { getState: () => state, getFrame: currentFrame },
          callbacks: { fire: async (index) => (await playbookAction({ action: "fire", index })).ok },
        })
      : null;

  const durationInput = $("#run-duration");
  const timeline = createTimeline({
    element: $("#session-timeline"),
    options: { getFrame: currentFrame, defaultDuration: Number(durationInput?.value) || editor.getDocument()?.run?.duration_s || 30 },
  });

  const questions = createQuestions({
    element: $("#questions-panel"),
    options: {
      role,
      participantId: config.participant_id,
      solo: Boolean(config.solo),
      code: config.code,
      nodes: config.nodes || [],
      overlay: $("#reveal-overlay"),
      post,
      urls: { questions: config.questions_url, answer: config.answer_url, reveal: config.reveal_url },
    },
  });

  const challengePanel = createChallengePanel({
    element: $("#challenge-panel"),
    options: {
      role,
      challenges: config.challenges || [],
      setUrl: config.challenge_url,
      boardUrl: config.challenge_board_url,
      post,
      fetchJSON,
    },
    callbacks: { onState: (next) => applyState(next) },
  });
  if (role === "instructor" && !config.solo) $("#challenge-panel").hidden = false;

  const board =
    role === "instructor" && $("#class-board")
      ? createClassBoard({ element: $("#class-board"), options: { url: config.board_url, fetchJSON, post, spotlightUrl: config.spotlight_url } })
      : null;

  const spotlight = createSpotlight({
    element: $("#spotlight"),
    options: { role },
    callbacks: {
      async onClose() {
        const answer = await post(config.spotlight_url, { participant_id: null });
        if (answer.ok && answer.data?.state) applyState(answer.data.state);
        else if (!answer.ok) say(answer.message, { error: true });
      },
    },
  });

  const tryIt = $("#btn-try") ? createTryIt({ element: $("#btn-try"), options: { url: config.fork_url, link: $("#try-link"), post } }) : null;

  // --- state ----------------------------------------------------------------------------------

  /** Watch the session's run on the canvas (a participant's page, or a run the server began). */
  function watchRun(run) {
    const live = window.playgroundLive;
    if (!live || !run || ENDED_RUN.has(run.status)) return;
    if (live.runId() !== run.run_id) live.watch(run.run_id);
  }

  function applyState(next) {
    if (!next) return;
    state = next;
    $("#editor").dataset.sessionStatus = state.status;
    bar.update(state);
    playbookPanel?.update(state);
    driver?.update(state);
    timeline.update(state);
    questions.update(state);
    challengePanel.update(state);
    board?.update(state);
    spotlight.update(state);
    tryIt?.update(state);
    watchRun(state.run);
  }

  // --- the websocket ------------------------------------------------------------------------

  socket = createSessionSocket({
    options: { url: config.stream_url },
    callbacks: {
      onHello(message) {
        if (message.state) applyState(message.state);
        follow.hello(message.view || null);
      },
      onState: (next) => applyState(next),
      onView: (message) => follow.receive(message),
      onLaser: (message) => laser.receive(message),
      onError: (message) => say(message, { error: true }),
      onConnection: (connected) => bar.setConnected(connected),
    },
  });

  window.playgroundSession = {
    config,
    role,
    state: () => state,
    isFollowing: () => follow.isFollowing(),
    setFollowing: (on) => follow.setFollowing(on),
    lastView: () => follow.lastView(),
    laserOn: () => laser.isOn(),
    challengeBoard: () => challengePanel.board(),
    connected: () => Boolean(socket?.isOpen()),
    send,
  };
  document.dispatchEvent(new CustomEvent("session:ready", { detail: { session: window.playgroundSession } }));
}

if (window.playgroundEditor) startSession(window.playgroundEditor);
else document.addEventListener("editor:ready", (event) => startSession(event.detail.editor), { once: true });

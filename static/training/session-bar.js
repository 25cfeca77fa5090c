/**
 * The session bar above the toolbar (templates/training/session.html renders it; this wires
 * it). Instructor: the join code, link (Copy) and QR code (click: shown large for the room),
 * "Bring everyone to me", the laser and presentation toggles, the class board, the people in
 * the class, the report and "End session". Participant: who is presenting, the Follow /
 * Detach toggle with its "Following" indicator, and the people in the class. Both: whether
 * the page is connected, and a note once the session has ended.
 */

import { fill, h, setText } from "./dom.js";

/**
 * @param {object} args
 * @param {HTMLElement} args.element the bar (#session-bar)
 * @param {object} args.options {role, participantId}
 * @param {object} args.callbacks {onBring(), onLaser(on), onPresent(on), onFollow(on),
 *   onBoard(), onEnd()}
 * @returns {{update(state): void, setFollowing(on): void, setLaser(on): void,
 *   setConnected(on): void, showPresent(available): void, destroy(): void}}
 */
export function createSessionBar({ element, options, callbacks }) {
  const { role, participantId } = options;
  const $ = (selector) => element.querySelector(selector);
  const cleanups = [];
  const on = (target, type, handler) => {
    if (!target) return;
    target.addEventListener(type, handler);
    cleanups.push(() => target.removeEventListener(type, handler));
  };

  const count = $("#session-count");
  const list = $("#session-people-list");
  const follow = $("#btn-follow");
  const followIndicator = $("#follow-indicator");
  const laser = $("#btn-laser");
  const present = $("#btn-present");
  const connection = $("#session-connection");
  const ended = $("#session-ended");
  const qrDialog = document.getElementById("session-qr-dialog");

  on($("#btn-bring"), "click", () => {
    callbacks.onBring?.();
    const button = $("#btn-bring");
    button.dataset.done = "true";
    window.setTimeout(() => delete button.dataset.done, 1200);
  });
  on(laser, "click", () => callbacks.onLaser?.(laser.getAttribute("aria-pressed") !== "true"));
  on(present, "click", () => {
    const next = present.getAttribute("aria-pressed") !== "true";
    present.setAttribute("aria-pressed", String(next));
    callbacks.onPresent?.(next);
  });
  on(follow, "click", () => callbacks.onFollow?.(follow.getAttribute("aria-pressed") !== "true"));
  on($("#btn-class-board"), "click", () => callbacks.onBoard?.());
  on($("#btn-end"), "click", () => {
    if (window.confirm("End the session for everyone? Nobody can join afterwards; the report stays.")) callbacks.onEnd?.();
  });
  on($("#btn-copy-join"), "click", async () => {
    const input = $("#session-join-url");
    const button = $("#btn-copy-join");
    input.select();
    let copied = true;
    try {
      await navigator.clipboard.writeText(input.value);
    } catch {
      copied = false;
    }
    button.textContent = copied ? "Copied" : "Press Ctrl+C";
    window.setTimeout(() => {
      button.textContent = "Copy";
    }, 1500);
  });
  on($("#session-qr"), "click", () => qrDialog?.showModal());
  on(qrDialog, "click", (event) => {
    if (event.target === qrDialog || event.target.closest("[data-close]")) qrDialog.close();
  });
  on(qrDialog, "keydown", (event) => {
    if (event.key === "Escape") qrDialog.close();
  });

  /** The server's QR code comes sized in pixels; give it a viewBox so CSS can size it. */
  for (const code of document.querySelectorAll("svg.session-qr")) {
    const width = code.getAttribute("width");
    const height = code.getAttribute("height");
    if (!code.getAttribute("viewBox") && width && height) code.setAttribute("viewBox", `0 0 ${width} ${height}`);
    code.removeAttribute("width");
    code.removeAttribute("height");
  }

  function peopleRow(person) {
    const mine = person.id === participantId;
    return h(
      "li",
      { class: mine ? "is-me" : null, dataset: { present: String(Boolean(person.present)) } },
      h("span", { class: "present-dot", title: person.present ? "Here now" : "Away" }),
      h("span", { class: "person-name" }, person.name, mine ? " (you)" : ""),
      person.forked ? h("span", { class: "person-tag", title: "Working on their own copy" }, "copy") : null,
      h("span", { class: "person-score", title: "Score" }, String(person.score ?? 0)),
    );
  }

  return {
    update(state) {
      const people = state.participants || [];
      const here = people.filter((person) => person.present).length;
      if (count) {
        setText(count, `${here} present${people.length > here ? ` · ${people.length} joined` : ""}`);
        count.dataset.present = String(here);
      }
      const sorted = [...people].sort((a, b) => Number(b.present) - Number(a.present) || (b.score ?? 0) - (a.score ?? 0) || a.name.localeCompare(b.name));
      if (list && sorted.length) fill(list, sorted.map(peopleRow));
      else if (list) fill(list, h("li", { class: "people-empty" }, "Nobody has joined yet."));
      element.dataset.status = state.status;
      if (ended) ended.hidden = state.status !== "ended";
      const away = $("#session-presenter-away");
      if (away) away.hidden = Boolean(state.instructor?.present);
    },
    setFollowing(following) {
      if (!follow) return;
      follow.setAttribute("aria-pressed", String(following));
      follow.textContent = following ? "Detach" : "Follow";
      follow.title = following ? "Look around on your own (panning or zooming does this too)" : "Follow the instructor's screen again";
      followIndicator.hidden = !following;
      element.dataset.following = String(following);
    },
    setLaser(value) {
      laser?.setAttribute("aria-pressed", String(value));
    },
    setConnected(connected) {
      connection.dataset.state = connected ? "on" : "off";
      connection.title = connected ? "Connected to the class" : "Reconnecting…";
      setText(connection.querySelector(".connection-text"), connected ? "Live" : "Reconnecting…");
    },
    showPresent(available) {
      if (present) present.hidden = !available;
    },
    destroy() {
      for (const cleanup of cleanups.splice(0)) cleanup();
    },
  };
}

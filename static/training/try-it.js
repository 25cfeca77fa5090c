/**
 * "Try it yourself" (participant): POST fork_url makes the participant's own editable copy of
 * the scenario (a second press gives the same copy) and opens it in a new tab; a link to it
 * stays in the session bar. The tab is opened at the press, before the answer comes, so a
 * pop-up blocker lets it through; where it is blocked anyway the link is there.
 */

/**
 * @param {object} args
 * @param {HTMLElement} args.element the button (#btn-try)
 * @param {object} args.options {url: fork_url, link: the <a> to show, post(url, body)}
 * @returns {{update(state): void, destroy(): void}}
 */
export function createTryIt({ element, options }) {
  const { url, link, post } = options;

  async function onClick() {
    element.disabled = true;
    const tab = window.open("about:blank", "_blank");
    const answer = await post(url, {});
    element.disabled = false;
    if (!answer.ok || !answer.data?.edit_url) {
      tab?.close();
      element.title = answer.message || "Your copy could not be made";
      link.hidden = false;
      link.removeAttribute("href");
      link.textContent = `Not made: ${answer.message || "try again"}`;
      return;
    }
    const { edit_url: editUrl } = answer.data;
    link.href = editUrl;
    link.textContent = "Open your copy";
    link.hidden = false;
    element.textContent = "Your copy";
    if (tab) {
      tab.opener = null;
      tab.location.href = editUrl;
    }
  }

  element.addEventListener("click", onClick);
  return {
    update(state) {
      element.hidden = state.status === "ended" && link.hidden;
    },
    destroy() {
      element.removeEventListener("click", onClick);
    },
  };
}

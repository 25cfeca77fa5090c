"""The dock's event log in Debian's Chromium, fed frames directly: a busy run's request traffic
never pushes what changed the run (a fault, a consumer stopping) out of the log."""

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.browser

FEED = """
async () => {
  const { createEventsTab } = await import("/static/live/dock-events.js");
  const element = document.createElement("div");
  document.body.append(element);
  const tab = createEventsTab({ element });
  const node = (stopped) => ({ email: { stopped, instances: {} } });
  tab.update({ t: 1, status: "running", nodes: node(false) });
  tab.receive({ seq: 1, events: [{ t: 1000, node: "email", kind: "fault", action: "stop_consumer" }] });
  tab.update({ t: 2, status: "running", nodes: node(true) });
  for (let seq = 2; seq < 42; seq += 1) {
    const served = (i) => ({ t: seq * 1000 + i, node: "signup", kind: "served", corr: `r${seq}-${i}` });
    tab.receive({ seq, events: Array.from({ length: 50 }, (_, i) => served(i)) });
  }
  const rows = [...element.querySelectorAll("li")];
  return {
    rows: rows.length,
    served: rows.filter((li) => li.dataset.type === "served").length,
    notable: rows.filter((li) => li.classList.contains("event-notable")).map((li) => li.textContent),
    count: element.querySelector("[data-count]").textContent,
  };
}
"""


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert errors == [], f"errors in the browser: {errors}"


def test_faults_and_changes_outlive_the_request_traffic(page: Page, live_server_url: str) -> None:
    page.goto(f"{live_server_url}/")
    shown = page.evaluate(FEED)
    assert shown["served"] == 500  # the traffic keeps its latest 500 of 2,000
    assert len(shown["notable"]) == 2, shown["notable"]
    assert "stop consumer" in shown["notable"][1] and "email stopped consuming" in shown["notable"][0]
    assert shown["rows"] == 502
    assert shown["count"] == "2,002 events, latest 502 kept"

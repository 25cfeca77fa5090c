"""The editor's Theory section (static/editor/theory-panel.js): before a run, queueing theory's
utilisation, mean wait and p95 for each service, and plain words when a service cannot keep up.

Runs against the real stack (daphne on a fresh database with the templates loaded) in Debian's
Chromium. The screenshot goes to docs/screenshots/theory-panel.png.
"""

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect

from tests.browser.conftest import error_checked_page
from tests.browser.test_editor import open_template

pytestmark = pytest.mark.browser

VIEWPORT: ViewportSize = {"width": 1440, "height": 900}
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
UNSTABLE_WORDS = "the waiting line grows without bound at this traffic"


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    yield from error_checked_page(browser, viewport=VIEWPORT)


def set_client_rate(page: Page, client_id: str, rate: float) -> None:
    """Replace the canvas with the same document, the client sending `rate` requests a second."""
    page.evaluate(
        """([clientId, rate]) => {
            const doc = window.playgroundEditor.getDocument();
            doc.nodes.find((node) => node.id === clientId).props.rate = rate;
            window.playgroundEditor.loadDocument(doc);
        }""",
        [client_id, rate],
    )


def test_theory_panel_predicts_each_service_before_a_run(page: Page, live_server_url: str) -> None:
    open_template(page, live_server_url, "queue-buffering")

    panel = page.locator("#theory-panel")
    expect(panel).to_be_visible()
    expect(panel.get_by_role("heading", name="Theory")).to_be_visible()
    signup = panel.locator('.theory-row[data-node="signup"]')
    email = panel.locator('.theory-row[data-node="email"]')

    # The services are listed with a utilisation and a p95; clients and queues only pass work on.
    expect(panel.locator(".theory-row")).to_have_count(2)
    expect(signup).to_contain_text("Signup")
    expect(signup.locator(".theory-util")).to_have_text(re.compile(r"^\d+%$"))
    expect(signup).to_contain_text(re.compile(r"p95 \d+ ms"))
    # Email: 20 messages a second on 4 slots of 100 ms, an M/M/4 at half load.
    expect(email).to_contain_text("Email")
    expect(email.locator(".theory-util")).to_have_text("50%")
    expect(email).to_contain_text(re.compile(r"wait 8\.7 ms"))
    expect(email).to_contain_text(re.compile(r"p95 315 ms"))
    expect(email).to_have_class(re.compile(r"\btheory-green\b"))
    expect(panel.locator('.theory-row[data-node="users"]')).to_have_count(0)
    expect(panel.locator('.theory-row[data-node="welcome-emails"]')).to_have_count(0)

    # A click on a row selects its node on the canvas.
    email.click()
    page.wait_for_function(
        """() => {
            const cells = window.playgroundEditor.graph.getPlugin("selection").getSelectedCells();
            return cells.map((cell) => cell.id).join() === "email";
        }"""
    )
    expect(email).to_have_class(re.compile(r"\bis-selected\b"))

    # Three times the traffic: Email can send about 40 a second, so its line grows without bound.
    set_client_rate(page, "users", 60)
    expect(email).to_contain_text(UNSTABLE_WORDS)
    expect(email).to_have_attribute("data-status", "unstable")
    expect(email).to_have_class(re.compile(r"\btheory-red\b"))
    expect(email.locator(".theory-util")).to_have_text("150%")
    expect(panel.locator(".theory-count")).to_have_text("1 unstable")
    expect(signup).to_contain_text(re.compile(r"p95 \d+ ms"))
    expect(signup).not_to_contain_text(UNSTABLE_WORDS)

    email.click()
    expect(email).to_have_class(re.compile(r"\bis-selected\b"))
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "theory-panel.png"))

    # A document with errors hides the predictions (the Problems panel says why).
    page.evaluate(
        """() => {
            const doc = window.playgroundEditor.getDocument();
            doc.nodes.find((node) => node.id === "users").props.rate = -5;
            window.playgroundEditor.loadDocument(doc);
        }"""
    )
    expect(panel).to_be_hidden()

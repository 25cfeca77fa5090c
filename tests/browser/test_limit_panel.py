"""The editor's "Find the limit" section (static/editor/limit-panel.js): the owner starts a
search of the saved design, sees each step come in (a bar and a row, held or failed, with the
runs' reports) and the result with the bottleneck, which selects its node.

The search's API is answered by the test (Playwright's routing), with the figures a real search
of queue-buffering gave (tests/limits/test_limit_search.py: its email queue over 30 messages
failing the goal from 45 req/s), so the page is what is checked; tests/limits checks the search
on the workers. The screenshot goes to docs/screenshots/limit-panel.png.
"""

import copy
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, Route, ViewportSize, expect

from tests.browser.conftest import error_checked_page
from tests.browser.test_editor import open_template

pytestmark = pytest.mark.browser

VIEWPORT: ViewportSize = {"width": 1440, "height": 1000}
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
GOAL = "max_queue_depth:welcome-emails<=30"


def step(factor: float, rate: float, held: bool, run: str) -> dict[str, Any]:
    return {
        "factor": factor,
        "rate": rate,
        "held": held,
        "failed_goals": [] if held else [GOAL],
        "goals": [],
        "runs": [{"run_id": run, "report_url": f"/runs/{run}/"}],
    }


RUNNING: dict[str, Any] = {
    "limit_id": "search1",
    "status": "running",
    "steps": [step(1, 20, True, "run1"), step(2, 40, True, "run2")],
    "current": {
        "factor": 4,
        "rate": 80,
        "runs": [{"run_id": "run3", "report_url": "/runs/run3/"}],
        "seeds": {"done": 0, "of": 1},
        "waiting": False,
    },
    "max_steps": 10,
    "result": None,
    "error": "",
    "url": "/api/limits/search1/",
}
DONE: dict[str, Any] = {
    **copy.deepcopy(RUNNING),
    "status": "done",
    "current": None,
    "steps": [
        *RUNNING["steps"],
        step(4, 80, False, "run3"),
        step(3, 60, False, "run4"),
        step(2.5, 50, False, "run5"),
        step(2.25, 45, False, "run6"),
    ],
    "result": {
        "sustained_factor": 2,
        "sustained_rate": 40,
        "base_rate": 20,
        "capped": False,
        "bottleneck": {
            "node": "email",
            "label": "Email",
            "p95_ms": {"held": 269.09, "failed": 285.73},
            "predicted_utilisation": 2.0,
            "longest_line": {"node": "welcome-emails", "label": "Welcome emails", "depth": 119},
        },
    },
}


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    yield from error_checked_page(browser, viewport=VIEWPORT)


def test_the_owner_finds_the_limit_step_by_step(page: Page, live_server_url: str) -> None:
    open_template(page, live_server_url, "queue-buffering")
    started: list[Any] = []
    answers = iter([RUNNING, RUNNING, DONE])

    def scenario_limit(route: Route) -> None:
        if route.request.method != "POST":
            route.continue_()
            return
        started.append(route.request.post_data_json)
        body = {"limit_id": "search1", "status": "running", "url": "/api/limits/search1/"}
        route.fulfill(status=201, content_type="application/json", body=json.dumps(body))

    def search(route: Route) -> None:
        route.fulfill(content_type="application/json", body=json.dumps(next(answers, DONE)))

    page.route(re.compile(r".*/api/scenarios/[^/]+/limit/$"), scenario_limit)
    page.route(re.compile(r".*/api/limits/search1/$"), search)

    panel = page.locator("#limit-panel")
    expect(panel).to_be_visible()
    panel.get_by_role("heading", name="Find the limit").click()  # the section opens
    panel.get_by_label("Another goal").fill(GOAL)
    panel.get_by_label("Seeds").select_option("1")
    panel.get_by_role("button", name="Find the limit").click()

    # Each step as it comes in: held, held, and the one under way.
    rows = panel.locator(".limit-step")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_contain_text("×1")
    expect(rows.nth(0)).to_contain_text("20 req/s")
    expect(rows.nth(0)).to_contain_text("held")
    expect(rows.nth(2)).to_contain_text("running, seed 1 of 1")
    expect(panel.locator(".limit-bar-current")).to_have_count(1)
    expect(panel.get_by_role("button", name="Stop")).to_be_visible()
    assert started == [
        {
            "goals": [
                {"name": "p95 within 1000 ms", "metric": "p95_ms", "at_most": 1000},
                {"name": "at most 1 % unsuccessful", "metric": "unsuccessful_share", "at_most": 0.01},
                GOAL,
            ],
            "seconds": 10,
            "seeds": 1,
        }
    ]

    # Then the answer: every step, the sustained rate, the bottleneck.
    expect(panel.locator(".limit-sustains")).to_have_text("Sustains 40 req/s (×2).")
    expect(rows).to_have_count(6)
    expect(panel.locator(".limit-bar-failed")).to_have_count(4)
    expect(panel.locator(".limit-bar-held")).to_have_count(2)
    expect(rows.nth(2).locator(".limit-step-verdict")).to_have_text("failed")
    expect(rows.nth(2).locator(".limit-step-missed")).to_have_text(GOAL)
    expect(rows.nth(2).get_by_role("link", name="report")).to_have_attribute("href", "/runs/run3/")
    bottleneck = panel.locator(".limit-bottleneck")
    expect(bottleneck).to_contain_text("Bottleneck: Email — its p95 269.1 → 285.7 ms, predicted utilisation 200%")
    expect(bottleneck).to_contain_text("longest waiting line: Welcome emails, 119.")
    expect(panel.locator(".limit-badge")).to_have_text("40 req/s")
    expect(panel.get_by_role("button", name="Stop")).to_be_hidden()
    panel.evaluate("(section) => { section.style.maxHeight = 'none'; }")  # all of it in the picture
    panel.screenshot(path=str(SCREENSHOTS / "limit-panel.png"))

    bottleneck.get_by_role("button", name="Email").click()
    page.wait_for_function(
        """() => window.playgroundEditor.graph.getPlugin("selection").getSelectedCells()
            .map((cell) => cell.id).join() === "email" """
    )


@pytest.fixture
def refused_page(browser: Browser) -> Iterator[Page]:
    """A page that fails the test on any script or console error but the browser's own line
    for the 400 answer this test asks for."""
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "console",
        lambda message: (
            errors.append(message.text) if message.type == "error" and "status of 400" not in message.text else None
        ),
    )
    yield page
    context.close()
    assert errors == [], f"errors in the browser console: {errors}"


def test_a_refused_start_says_which_field(refused_page: Page, live_server_url: str) -> None:
    page = refused_page
    open_template(page, live_server_url, "queue-buffering")
    panel = page.locator("#limit-panel")
    panel.get_by_role("heading", name="Find the limit").click()
    panel.get_by_label("Another goal").fill("speed<=3")
    panel.get_by_role("button", name="Find the limit").click()
    expect(panel.locator(".limit-message")).to_contain_text("Not started: $.goals[2]: a goal is METRIC")
    expect(panel.locator(".limit-step")).to_have_count(0)

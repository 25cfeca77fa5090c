"""A new user takes a challenge in Debian's Chromium, against the real stack (daphne and a
worker fleet): opens it from the list, submits the starting design, sees it fail with the
goals' intervals, why and the hints; fixes the design within the budget and passes.

Saves docs/screenshots/challenges.png, challenge-failed.png and challenge-passed.png.
"""

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from apps.challenges.format import solution
from tests.browser.conftest import ROOT, error_checked_page
from tests.browser.test_editor import wait_for_editor

pytestmark = pytest.mark.browser

SCREENSHOTS = ROOT / "docs" / "screenshots"
SLUG = "buffer-a-burst"
GRADING_MS = 180_000


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    yield from error_checked_page(browser, viewport={"width": 1280, "height": 900}, device_scale_factor=1)


def submit(page: Page) -> None:
    page.get_by_role("button", name="Submit for grading").click()
    page.wait_for_url(re.compile(r"/challenges/attempts/[^/]+/$"))
    expect(page.locator("#attempt-verdict")).not_to_have_text(re.compile("Grading"), timeout=GRADING_MS)


def test_a_new_user_fails_with_the_explanation_then_fixes_the_design_and_passes(
    page: Page, live_server_url: str, live_fleet: None
) -> None:
    page.goto(f"{live_server_url}/challenges/")
    card = page.locator(f".challenge-card[data-challenge='{SLUG}']")
    expect(card.get_by_role("heading")).to_have_text("Buffer a burst with a queue")
    page.screenshot(path=str(SCREENSHOTS / "challenges.png"))
    card.get_by_role("button", name="Take the challenge").click()
    page.wait_for_url(re.compile(rf"/challenges/{SLUG}/design/[^/]+/$"))
    wait_for_editor(page)
    expect(page.locator("#challenge-bar")).to_contain_text("Budget $0.25/h")
    design_url = page.url

    # The starting design as it is: it fails, and says why.
    page.locator("#challenge-name").fill("Ada")
    submit(page)
    expect(page.locator("#attempt-verdict")).to_have_text("Not passed")
    missed = page.locator(".attempt-goals tr.goal-missed")
    expect(missed.first).to_contain_text("Sign-ups answer within 100 ms (p95)")
    expect(missed.first).to_contain_text("p95 latency ≤ 100 ms")
    expect(page.locator(".goal-missed .goal-bar .goal-bar-interval").first).to_be_attached()
    why = page.locator(".attempt-why li")
    expect(why.first).to_contain_text("Missed: ")
    expect(why.filter(has_text="saturated first")).to_have_count(1)
    expect(why.filter(has_text="saturated first").get_by_role("link", name="see it in the replay")).to_have_attribute(
        "href", re.compile(r"^/s/[^/]+/\?run=\w+&t=[\d.]+$")
    )
    expect(page.locator(".attempt-hints li")).to_have_count(3)
    expect(page.locator(".attempt-runs li")).to_have_count(3)
    page.screenshot(path=str(SCREENSHOTS / "challenge-failed.png"), full_page=True)

    # The fix: Signup publishes to a queue that Email consumes (drawn here in one step).
    page.goto(design_url)
    wait_for_editor(page)
    page.evaluate("(doc) => window.playgroundEditor.loadDocument(doc)", solution(SLUG, "reference"))
    expect(page.locator("#problems-count")).not_to_have_text("Checking…")
    submit(page)
    expect(page.locator("#attempt-verdict")).to_have_text("Passed")
    expect(page.locator(".attempt-goals tr.goal-missed")).to_have_count(0)
    expect(page.locator(".attempt-goals tr.goal-passed")).to_have_count(5)
    expect(page.locator(".attempt-cost")).to_contain_text("within")
    expect(page.locator(".attempt-why li")).to_have_count(0)
    page.screenshot(path=str(SCREENSHOTS / "challenge-passed.png"), full_page=True)

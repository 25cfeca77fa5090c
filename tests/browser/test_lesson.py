"""A template's lesson taken alone: from the gallery, one person is instructor and class; the
playbook plays on the run's clock, the prediction is asked, and a reload of the page keeps the
lesson where it was."""

import re

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.test_editor import watch_errors
from tests.browser.test_training import wait_for_session

pytestmark = pytest.mark.browser

TIMEOUT_MS = 30_000


def test_a_lesson_taken_alone_asks_the_prediction_and_survives_a_reload(
    browser: Browser, live_server_url: str, live_fleet: None
) -> None:
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    errors = watch_errors(page)
    page.goto(live_server_url + "/")
    card = page.locator('article.card[data-template="queue-buffering"]')
    card.get_by_role("button", name="Take the lesson").click()
    page.wait_for_url(re.compile(r"/t/[A-Z2-9]{6}/instructor/$"))
    wait_for_session(page)
    expect(page.locator("#session-qr")).to_have_count(0)  # alone: no join code to show

    page.locator("#run-speed").select_option("2")
    page.locator("#btn-playbook-play").click()
    # the first two steps fire on the run's clock (the second at 10 s of run time), then the
    # prediction waits for Continue
    expect(page.locator("#btn-playbook-continue")).to_be_enabled(timeout=TIMEOUT_MS)
    page.locator("#btn-playbook-continue").click()
    expect(page.get_by_text("Your prediction")).to_be_visible(timeout=TIMEOUT_MS)
    page.locator("#answer-value").fill("120")
    page.locator("#btn-answer").click()
    expect(page.locator("#btn-answer")).to_have_text("Change answer")
    fired = page.evaluate("() => window.playgroundSession.state().playbook.fired.length")
    assert fired == 3

    page.reload()  # the lesson is the server's: nothing is lost
    wait_for_session(page)
    state = page.evaluate("() => window.playgroundSession.state()")
    assert len(state["playbook"]["fired"]) >= 3 and state["playbook"]["playing"] is True
    assert state["question"]["answered"] == 1
    expect(page.get_by_text("Your prediction")).to_be_visible()

    page.locator("#btn-playbook-pause").click()
    page.locator("#btn-stop").click()
    expect(page.locator("#run-status")).to_contain_text(re.compile("stopped|Stopped"), timeout=TIMEOUT_MS)
    assert errors == []
    context.close()

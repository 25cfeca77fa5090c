"""The kinds added beside the first dozen, live in Chromium as a newcomer meets them: the
"queue, bus and log" template runs; the event log shows its consumers' lag as messages waiting
(read from its declared badge, like a queue), and its own fault — rewind — is offered on it in
the Chaos tab and fired from there; a slow link fired on its delivery edge is named on the edge.
A screenshot of the canvas goes to docs/screenshots/."""

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.test_editor import open_template, watch_errors
from tests.browser.test_live import SCREENSHOTS, VIEWPORT, wait_for_frame

pytestmark = pytest.mark.browser


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    errors = watch_errors(page)
    yield page
    context.close()
    assert errors == [], f"errors in the browser console: {errors}"


def test_an_event_log_runs_live_with_its_lag_and_its_rewind(page: Page, live_server_url: str, live_fleet: None) -> None:
    open_template(page, live_server_url, "queue-bus-log")
    page.locator("#run-speed").select_option("1")
    page.locator("#run-duration").fill("30")
    page.locator("#btn-run").click()
    expect(page.locator("#editor")).to_have_attribute("data-live", "true")

    wait_for_frame(page, "f.status === 'running' && f.nodes.log && f.nodes.log.rps > 0")
    # A log waits like a queue: its badge counts what its slowest group has not read yet.
    expect(page.locator('.live-node[data-node="log"] .live-pressure-text')).to_have_text(re.compile(r"^\d+ waiting"))
    expect(page.locator('.live-node[data-node="queue"] .live-pressure-text')).to_have_text(re.compile(r"^\d+ waiting"))
    expect(page.locator('.live-node[data-node="l-billing"] .live-badge-main')).to_have_text(re.compile(r"^\d+/s · "))

    page.get_by_role("tab", name="Chaos").click()
    panel = page.locator("#dock-panel-chaos")
    panel.locator("[data-action]").select_option("rewind")
    # only the log can be rewound: the fault's declared targets
    expect(panel.locator("[data-target] option")).to_have_text([re.compile("Event log|log", re.IGNORECASE)])
    panel.locator("[data-target]").select_option("log")
    panel.locator("[data-param]").fill("5")
    panel.get_by_role("button", name="Fire").click()
    expect(panel.locator(".chaos-fired li").first).to_have_class("is-ok")
    wait_for_frame(page, "(f.incidents || []).some((i) => i.action === 'rewind')")

    # A slow link fired on the log's delivery edge says so on the edge, where people look.
    panel.locator("[data-action]").select_option("edge_latency")
    panel.locator("[data-target]").select_option("log-l-billing")
    panel.locator("[data-param]").fill("300")
    panel.get_by_role("button", name="Fire").click()
    pill = page.locator('.live-edge[data-edge="log-l-billing"]')
    expect(pill).to_have_attribute("data-state", "impaired")
    expect(pill).to_have_text("+300 ms")
    page.locator("#canvas").screenshot(path=str(Path(SCREENSHOTS) / "live-queue-bus-log.png"))
    page.locator("#btn-stop").click()
    expect(page.locator("#editor")).not_to_have_attribute("data-live", "true")

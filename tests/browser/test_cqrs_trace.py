"""CQRS, the event log and the order trace, as a new user would use them: the owner runs the
cqrs-reservations template, watches the write model fill and the read model catch up in the
CQRS tab, clicks an order id in the event log and reads its trace across services; a viewer of
the share link sees the same rows; once the run has ended the report says lost = 0 and traces
an order from the stored audit log.

Runs against the real stack (`live_server_url`, `live_fleet`). Screenshots of the CQRS tab, the
event log and the order trace go to docs/screenshots/.
"""

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.test_editor import open_template, wait_for_editor, watch_errors
from tests.browser.test_live import SCREENSHOTS, VIEWPORT, wait_for_frame

pytestmark = pytest.mark.browser

RUN_TIMEOUT_MS = 60_000


@pytest.fixture
def contexts(browser: Browser) -> Iterator[list[BrowserContext]]:
    """The owner's browser and a viewer's (no shared session)."""
    opened = [browser.new_context(viewport=VIEWPORT), browser.new_context(viewport=VIEWPORT)]
    yield opened
    for context in opened:
        context.close()


def row_keys(page: Page) -> list[str]:
    keys: list[str] = page.locator("#dock-panel-cqrs .cqrs-table tbody tr").evaluate_all(
        "rows => rows.map(row => row.dataset.key)"
    )
    return keys


def test_cqrs_tab_event_log_and_order_trace(
    contexts: list[BrowserContext], live_server_url: str, live_fleet: None, artifacts: Path
) -> None:
    owner_context, viewer_context = contexts
    owner = owner_context.new_page()
    owner_errors = watch_errors(owner)
    open_template(owner, live_server_url, "cqrs-reservations")
    slug = owner.evaluate("() => window.playgroundEditor.config.slug")
    viewer = viewer_context.new_page()
    viewer_errors = watch_errors(viewer)
    viewer.goto(f"{live_server_url}/s/{slug}/")
    wait_for_editor(viewer)

    # 15 s of traffic in slow motion.
    owner.locator("#run-speed").select_option("0.5")
    owner.locator("#run-duration").fill("15")
    owner.locator("#btn-run").click()
    wait_for_frame(owner, "f.status === 'running' && f.cqrs && f.cqrs.reads > 0", RUN_TIMEOUT_MS)
    run_id = owner.evaluate("() => window.playgroundLive.runId()")

    # The CQRS tab: the write model's rows appear, and the read model catches up with them.
    owner.get_by_role("tab", name="CQRS").click()
    panel = owner.locator("#dock-panel-cqrs")
    expect(panel.locator(".cqrs-figure-writes dd")).to_have_text(re.compile(r"^[0-9]"))
    owner.wait_for_function(
        "() => document.querySelectorAll('#dock-panel-cqrs .cqrs-table tbody tr').length >= 1", timeout=RUN_TIMEOUT_MS
    )
    expect(panel.locator(".cqrs-state")).to_have_text("caught up", timeout=RUN_TIMEOUT_MS)
    expect(panel.locator(".cqrs-table tr.is-stale")).to_have_count(0)
    first = panel.locator(".cqrs-table tbody tr").first
    expect(first.locator("td").nth(0)).to_contain_text("booked by")
    expect(first.locator("td").nth(1)).to_contain_text("booked by")  # the read model shows the same booking
    owner.locator("#live-dock").screenshot(path=str(SCREENSHOTS / "dock-cqrs.png"))

    # The viewer of the share link sees the same rows.
    viewer.wait_for_function(f"() => window.playgroundLive.runId() === {run_id!r}", timeout=RUN_TIMEOUT_MS)
    viewer.get_by_role("tab", name="CQRS").click()
    viewer.wait_for_function(
        "() => document.querySelectorAll('#dock-panel-cqrs .cqrs-table tbody tr').length >= 1", timeout=RUN_TIMEOUT_MS
    )
    owner_keys, viewer_keys = set(row_keys(owner)), set(row_keys(viewer))
    assert owner_keys & viewer_keys
    expect(viewer.locator("#dock-panel-cqrs [data-rebuild]")).to_have_count(0)  # only the owner rebuilds

    # The event log: real audit entries with order ids; an order opens its trace.
    owner.get_by_role("tab", name="Event log").click()
    events = owner.locator("#dock-panel-events")
    expect(events.locator("li[data-type='served']").first).to_be_visible()
    expect(events.locator("li[data-type='outcome'] .order-link").first).to_be_visible()
    owner.locator("#live-dock").screenshot(path=str(SCREENSHOTS / "dock-events.png"))
    events.locator("[data-filter-type]").select_option("outcome")
    expect(events.locator("li:not([data-type='outcome'])")).to_have_count(0)
    # The log keeps growing: click the very link whose id was read (a locator would re-resolve).
    order = events.locator("li", has_text="completed after").locator(".order-link").first.element_handle()
    assert order is not None
    corr = order.inner_text()
    order.click()
    dialog = owner.locator("dialog.trace-dialog")
    expect(dialog).to_be_visible()
    expect(dialog.locator(".trace-order")).to_have_text(f"Order {corr}")
    expect(dialog.locator(".trace-outcome")).to_have_text("completed")
    expect(dialog.locator(".trace-row[data-kind='served']")).not_to_have_count(0)
    expect(dialog.locator(".trace-summary")).to_have_text(re.compile(r"across [3-9] nodes"))
    expect(dialog.locator(".trace-bar").first).to_be_visible()
    owner.screenshot(path=str(SCREENSHOTS / "order-trace.png"))
    dialog.get_by_role("button", name="Close").click()
    expect(dialog).to_be_hidden()

    # The run ends: the report says lost = 0, shows CQRS readably and traces an order.
    expect(owner.locator("#editor")).to_have_attribute("data-live", "false", timeout=RUN_TIMEOUT_MS)
    owner.get_by_role("tab", name="CQRS").click()
    expect(panel.locator("[data-rebuild]")).to_be_visible()
    panel.locator("[data-rebuild]").click()
    expect(panel.locator(".cqrs-rebuild-result")).to_have_text(re.compile(r"equal: yes"))

    owner.goto(f"{live_server_url}/runs/{run_id}/")
    expect(owner.get_by_test_id("lost-value")).to_have_text("0")
    cqrs = owner.get_by_test_id("cqrs")
    expect(cqrs.locator('dd[data-key="double_bookings"]')).to_have_text("0")
    expect(cqrs.locator('td[data-key="equals_replay"]')).to_have_text("yes")
    box = owner.get_by_test_id("trace-box")
    box.get_by_label("Order (request) id").fill(corr)
    box.get_by_role("button", name="Trace").click()
    expect(box.locator(".trace-order")).to_have_text(f"Order {corr}")
    expect(box.locator(".trace-row[data-kind='outcome']")).to_have_count(1)
    box.screenshot(path=str(artifacts / "report-trace.png"))
    assert owner_errors == [] and viewer_errors == []

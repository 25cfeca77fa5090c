"""A live run in the editor, as a new user would watch it: the owner opens the queue-buffering
template, presses Run, sees the badges move, stops the email consumer from the Chaos tab and
watches its waiting line grow, starts it again; a viewer of the read-only share link watches
the same run; Stop brings the canvas back to editing with the report linked.

Runs against the real stack: daphne (`live_server_url`) and a worker fleet (`live_fleet`) on
one database and Redis. Screenshots of the live canvas and the dock go to docs/screenshots/.
"""

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize, expect

from tests.browser.test_editor import centre, node_body, open_template, wait_for_editor, watch_errors

pytestmark = pytest.mark.browser

VIEWPORT: ViewportSize = {"width": 1440, "height": 900}
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
RUN_TIMEOUT_MS = 30_000


@pytest.fixture
def contexts(browser: Browser) -> Iterator[list[BrowserContext]]:
    """Two browsers' worth of state: the owner's and a viewer's (no shared session)."""
    opened = [browser.new_context(viewport=VIEWPORT), browser.new_context(viewport=VIEWPORT)]
    yield opened
    for context in opened:
        context.close()


def frame(page: Page) -> dict[str, Any]:
    value: dict[str, Any] = page.evaluate("() => window.playgroundLive.lastFrame()")
    return value


def wait_for_frame(page: Page, condition: str, timeout_ms: int = RUN_TIMEOUT_MS) -> None:
    """Wait until a JavaScript condition on `f` (the latest frame drawn) holds."""
    page.wait_for_function(
        f"() => {{ const f = window.playgroundLive.lastFrame(); return Boolean(f) && ({condition}); }}",
        timeout=timeout_ms,
    )


def fire_from_chaos_tab(page: Page, action: str, target: str) -> None:
    page.get_by_role("tab", name="Chaos").click()
    panel = page.locator("#dock-panel-chaos")
    panel.locator("[data-action]").select_option(action)
    panel.locator("[data-target]").select_option(target)
    panel.get_by_role("button", name="Fire").click()
    expect(panel.locator(".chaos-fired li").first).to_have_class("is-ok")


def test_owner_runs_breaks_and_stops_while_a_viewer_watches(
    contexts: list[BrowserContext], live_server_url: str, live_fleet: None, artifacts: Path
) -> None:
    owner_context, viewer_context = contexts
    owner = owner_context.new_page()
    owner_errors = watch_errors(owner)
    open_template(owner, live_server_url, "queue-buffering")
    slug = owner.evaluate("() => window.playgroundEditor.config.slug")

    viewer = viewer_context.new_page()
    viewer_errors = watch_errors(viewer)
    viewer.goto(f"{live_server_url}/s/{slug}/")
    wait_for_editor(viewer)
    expect(viewer.locator("#btn-run")).to_be_disabled()  # only the owner runs
    expect(viewer.locator("#btn-stop")).to_be_disabled()

    # Run at speed 1 for a minute (Stop ends it sooner).
    expect(owner.locator("#btn-run")).to_be_enabled()
    owner.locator("#run-speed").select_option("1")
    owner.locator("#run-duration").fill("60")
    owner.locator("#btn-run").click()
    expect(owner.locator("#editor")).to_have_attribute("data-live", "true")
    expect(owner.locator("#btn-stop")).to_be_enabled()
    expect(owner.locator("#btn-run")).to_be_disabled()

    # The badges move: requests per second above zero on Signup.
    wait_for_frame(owner, "f.status === 'running' && f.nodes.signup && f.nodes.signup.rps > 0")
    signup_badge = owner.locator('.live-node[data-node="signup"] .live-badge-main')
    expect(signup_badge).to_have_text(re.compile(r"^[1-9][\d.]*k?/s · p95"))
    run_id = owner.evaluate("() => window.playgroundLive.runId()")
    assert owner.evaluate("() => window.playgroundEditor.isLive()") is True
    # The run's effective speed shows beside its ceiling (run seconds per wall second).
    expect(owner.locator("#run-pace .speed-value")).to_have_text(re.compile(r"^\d+\.\d\d×$"))
    expect(owner.locator("#run-pace .speed-detail")).to_have_text(re.compile(r"^of 1×"))

    # The canvas is read-only meanwhile: Delete does nothing.
    owner.evaluate("() => window.playgroundEditor.select(['email'])")
    owner.keyboard.press("Delete")
    assert any(node["id"] == "email" for node in owner.evaluate("() => window.playgroundEditor.getDocument()")["nodes"])

    # Stop the email consumer from the Chaos tab: its waiting line grows.
    fire_from_chaos_tab(owner, "stop_consumer", "email")
    wait_for_frame(owner, "f.nodes.email.stopped === true")
    wait_for_frame(owner, "f.nodes['welcome-emails'].depth >= 25")
    expect(owner.locator('.live-node[data-node="email"] .live-badge-main')).to_have_text("consumer stopped")
    expect(owner.locator('.live-node[data-node="welcome-emails"] .live-pressure-text')).to_have_text(
        re.compile(r"^\d+ waiting")
    )
    owner.locator("#canvas").screenshot(path=str(SCREENSHOTS / "live-canvas.png"))
    owner.screenshot(path=str(artifacts / "live-editor.png"))

    # The viewer of the share link watches the same run.
    viewer.wait_for_function(f"() => window.playgroundLive.runId() === {run_id!r}", timeout=RUN_TIMEOUT_MS)
    wait_for_frame(viewer, "f.nodes.signup && f.nodes.signup.rps > 0")
    expect(viewer.locator('.live-node[data-node="signup"] .live-badge-main')).to_have_text(re.compile(r"/s · p95"))
    expect(viewer.locator("#editor")).to_have_attribute("data-live", "true")
    expect(viewer.locator("#dock-panel-chaos [data-fire]")).to_be_disabled()

    # Start it again from the node's right-click menu: the consumer is back.
    owner.mouse.click(*centre(node_body(owner, "email").bounding_box()), button="right")
    menu = owner.get_by_role("menu")
    expect(menu.get_by_role("menuitem")).to_have_text(
        [
            "Kill instance 0", "Restore instance 0", "Stop consumer", "Start consumer",
            "Add latency…", "Set error rate…", "Noisy neighbour…", "Fails fast…", "Slow leak…", "Error bursts…",
        ]
    )  # fmt: skip
    menu.get_by_role("menuitem", name="Start consumer").click()
    expect(menu).to_be_hidden()
    wait_for_frame(owner, "!f.nodes.email.stopped && f.nodes.email.rps > 0")

    # The dock's tabs.
    owner.get_by_role("tab", name="Charts").click()
    owner.wait_for_function("() => window.playgroundLive.stats().chartPoints > 10")
    expect(owner.locator("#dock-panel-charts .uplot")).to_have_count(6)
    owner.locator("#live-dock").screenshot(path=str(SCREENSHOTS / "dock-charts.png"))
    owner.get_by_role("tab", name="Chaos").click()
    owner.locator("#live-dock").screenshot(path=str(SCREENSHOTS / "dock-chaos.png"))
    owner.get_by_role("tab", name="Uptime").click()
    expect(owner.locator('#dock-panel-uptime tr[data-component="__e2e__"] td').first).to_have_text(re.compile(r"%"))
    expect(owner.locator('#dock-panel-uptime tr[data-component="email"]')).to_be_visible()
    owner.locator("#live-dock").screenshot(path=str(artifacts / "dock-uptime-queue.png"))  # docs: test_failover_live
    owner.get_by_role("tab", name="Event log").click()
    # What changed the run stays in the tab however much traffic came after it.
    notable = owner.locator("#dock-panel-events li.event-notable")
    expect(notable.filter(has_text="email stopped consuming").first).to_be_visible()
    expect(notable.filter(has_text="email consumes again").first).to_be_visible()
    # The tab shows the entries the frames carried; a viewer that skips a frame (a busy machine)
    # skips its entries, so the restart is checked in the complete log (the run's events API).
    faults = owner.request.get(f"{live_server_url}/api/runs/{run_id}/events/?kind=fault").json()["events"]
    assert any("start_consumer" in json.dumps(entry) for entry in faults), faults

    # Stop: back to editing, the final figures stay, the report is linked.
    owner.locator("#btn-stop").click()
    expect(owner.locator("#editor")).to_have_attribute("data-live", "false", timeout=RUN_TIMEOUT_MS)
    expect(owner.locator("#run-status")).to_have_text("Stopped")
    expect(owner.locator("#run-report")).to_have_attribute("href", f"/runs/{run_id}/")
    expect(signup_badge).to_be_visible()
    expect(owner.locator("#btn-run")).to_be_enabled()
    expect(viewer.locator("#editor")).to_have_attribute("data-live", "false", timeout=RUN_TIMEOUT_MS)

    # The first edit clears the figures.
    owner.evaluate("() => window.playgroundEditor.addNode('service', {x: 300, y: 320})")
    expect(signup_badge).to_have_count(0)

    stats = owner.evaluate("() => window.playgroundLive.stats()")
    assert stats["chartPoints"] <= 300 and stats["eventRows"] <= 500 + 200  # traffic + what changed the run
    assert owner_errors == [] and viewer_errors == []

"""A failover watched live, as a new user would: the owner runs the ha-failover template, kills
instance 0 of Web from the Chaos tab and sees its health dot turn red and the standby take
traffic once the load balancer has noticed, restores it from the node's right-click menu and
sees the dot turn green again; the Uptime tab lists the incident with its detection time. A
viewer of the read-only share link sees the same red dot.

Runs against the real stack: daphne (`live_server_url`) and a worker fleet (`live_fleet`).
Screenshots of the canvas during the failover and of the Uptime tab go to docs/screenshots/.
"""

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, FloatRect, Locator, Page, ViewportSize, expect

from tests.browser.test_editor import centre, node_body, open_template, wait_for_editor, watch_errors
from tests.browser.test_live import fire_from_chaos_tab, wait_for_frame

pytestmark = pytest.mark.browser

VIEWPORT: ViewportSize = {"width": 1440, "height": 900}
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
WAIT_MS = 30_000  # generous: the machine running the fleet may be busy


@pytest.fixture
def contexts(browser: Browser) -> Iterator[list[BrowserContext]]:
    """The owner's browser and a viewer's (no shared session)."""
    owner = browser.new_context(viewport=VIEWPORT, device_scale_factor=2)  # sharp screenshots
    opened = [owner, browser.new_context(viewport=VIEWPORT)]
    yield opened
    for context in opened:
        context.close()


def dot(page: Page, node_id: str, instance: int) -> Locator:
    return page.locator(f'.live-node[data-node="{node_id}"] .live-dot[data-instance="{instance}"]')


def screenshot_failover(page: Page) -> None:
    """The three nodes, fitted to the canvas and cut out of it."""
    page.locator("#btn-fit").click()
    selectors = [f'.live-node[data-node="{node}"] .live-badge' for node in ("users", "lb", "web")]
    selectors += [f'#canvas [data-cell-id="{node}"]' for node in ("users", "lb", "web")]
    boxes = [box for selector in selectors if (box := page.locator(selector).first.bounding_box()) is not None]
    canvas = page.locator("#canvas").bounding_box()
    assert canvas is not None and boxes
    left = max(canvas["x"], min(b["x"] for b in boxes) - 40)
    top = max(canvas["y"], min(b["y"] for b in boxes) - 30)
    right = min(canvas["x"] + canvas["width"], max(b["x"] + b["width"] for b in boxes) + 40)
    bottom = min(canvas["y"] + canvas["height"], max(b["y"] + b["height"] for b in boxes) + 30)
    clip: FloatRect = {"x": left, "y": top, "width": right - left, "height": bottom - top}
    page.screenshot(path=str(SCREENSHOTS / "live-failover.png"), clip=clip)


def test_killing_an_instance_behind_the_load_balancer_is_detected_and_recovered(
    contexts: list[BrowserContext], live_server_url: str, live_fleet: None
) -> None:
    owner_context, viewer_context = contexts
    owner = owner_context.new_page()
    owner_errors = watch_errors(owner)
    open_template(owner, live_server_url, "ha-failover")
    slug = owner.evaluate("() => window.playgroundEditor.config.slug")

    viewer = viewer_context.new_page()
    viewer_errors = watch_errors(viewer)
    viewer.goto(f"{live_server_url}/s/{slug}/")
    wait_for_editor(viewer)

    # Half speed for 25 s of run time: the template's own fault (at 10 s) comes after ours.
    expect(owner.locator("#btn-run")).to_be_enabled()
    owner.locator("#run-speed").select_option("0.5")
    owner.locator("#run-duration").fill("25")
    owner.locator("#btn-run").click()
    wait_for_frame(owner, "f.status === 'running' && f.nodes.web && f.nodes.web.rps > 0", WAIT_MS)
    for instance, state in ((0, "alive"), (1, "alive"), (2, "standby")):
        expect(dot(owner, "web", instance)).to_have_class(re.compile(rf"\blive-dot-{state}\b"), timeout=WAIT_MS)
    run_id = owner.evaluate("() => window.playgroundLive.runId()")
    assert owner.evaluate("() => window.playgroundLive.lastFrame().t") < 8, "our kill must come before the template's"

    # Kill instance 0 of Web from the Chaos tab: its dot turns red at once.
    fire_from_chaos_tab(owner, "kill_instance", "web")
    expect(dot(owner, "web", 0)).to_have_class(re.compile(r"\blive-dot-dead\b"), timeout=WAIT_MS)

    # The viewer of the share link sees the same red dot.
    viewer.wait_for_function(f"() => window.playgroundLive.runId() === {run_id!r}", timeout=WAIT_MS)
    expect(dot(viewer, "web", 0)).to_have_class(re.compile(r"\blive-dot-dead\b"), timeout=WAIT_MS)
    expect(viewer.locator("#dock-panel-chaos [data-fire]")).to_be_disabled()

    # The load balancer notices (two missed health checks) and puts the standby in rotation:
    # its dot shows it serving, Web keeps serving, and the incident has a detection time.
    wait_for_frame(owner, "f.nodes.lb.health && f.nodes.lb.health['web/0'] === false", WAIT_MS)
    expect(dot(owner, "web", 2)).to_have_class(re.compile(r"\blive-dot-serving\b"), timeout=WAIT_MS)
    expect(owner.locator('.live-node[data-node="web"] .live-badge-main')).to_have_text(
        re.compile(r"^[1-9][\d.]*/s · p95"), timeout=WAIT_MS
    )
    owner.get_by_role("tab", name="Uptime").click()
    incident = owner.locator("#dock-panel-uptime tr[data-incident]").first
    expect(incident.locator("th")).to_have_text(
        re.compile(r"^Web \(2 active \+ 1 standby\)\s+instance 0 killed · live$"), timeout=WAIT_MS
    )
    expect(incident.locator('[data-field="detected"]')).to_have_text(re.compile(r"^\d+\.\d+ s$"), timeout=WAIT_MS)
    expect(incident.locator('[data-field="recovered"]')).to_have_text("still failed")
    screenshot_failover(owner)

    # A few seconds of run time on the standby, so the incident shows on the time line.
    fired = owner.evaluate("() => window.playgroundLive.lastFrame().incidents[0].fired_at_s")
    wait_for_frame(owner, f"f.t >= {fired + 3}", WAIT_MS)

    # Restore it from the node's right-click menu: the dot is green again, the standby steps back.
    owner.mouse.click(*centre(node_body(owner, "web").bounding_box()), button="right")
    owner.get_by_role("menu").get_by_role("menuitem", name="Restore instance 0").click()
    expect(dot(owner, "web", 0)).to_have_class(re.compile(r"\blive-dot-alive\b"), timeout=WAIT_MS)
    expect(dot(viewer, "web", 0)).to_have_class(re.compile(r"\blive-dot-alive\b"), timeout=WAIT_MS)
    expect(incident.locator('[data-field="recovered"]')).to_have_text(re.compile(r"^\d+\.\d+ s$"), timeout=WAIT_MS)
    expect(dot(owner, "web", 2)).not_to_have_class(re.compile(r"\blive-dot-serving\b"), timeout=WAIT_MS)
    expect(incident.locator('[data-field="when"]')).to_have_text(re.compile(r"^\d+\.\d s → \d+\.\d s$"))

    # The template's own fault (10 s to 20 s) is listed too; the screenshot shows both.
    expect(owner.locator("#dock-panel-uptime tr[data-incident]")).to_have_count(2, timeout=WAIT_MS)
    expect(
        owner.locator("#dock-panel-uptime tr[data-incident]").nth(1).locator('[data-field="detected"]')
    ).to_have_text(re.compile(r"^\d+\.\d+ s$"), timeout=WAIT_MS)
    wait_for_frame(owner, "f.t >= 13", WAIT_MS)
    owner.locator("#live-dock").screenshot(path=str(SCREENSHOTS / "dock-uptime.png"))

    owner.locator("#btn-stop").click()
    expect(owner.locator("#editor")).to_have_attribute("data-live", "false", timeout=WAIT_MS)
    expect(owner.locator("#dock-panel-uptime tr[data-incident]")).to_have_count(2)

    assert owner_errors == [] and viewer_errors == []

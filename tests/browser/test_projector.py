"""Projector legibility, as a trainer showing the e-commerce template on a 1440×900 screen:
fitted to the screen the diagram is zoomed far out, yet the live badges and node labels stay
readable (semantic zoom) and no node hides under the minimap; presentation mode (button or
P) hides the palette and side panel, folds the dock to a strip of headline figures and
refits; it works the same on the read-only share page (`playgroundEditor.setPresenting`).

Runs against the real stack (daphne and a worker fleet). Screenshots go to docs/screenshots/
(projector-fit.png, projector-presenting.png, projector-view.png).
"""

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, FloatRect, Page, ViewportSize, expect

from tests.browser.conftest import error_checked_page
from tests.browser.test_editor import open_template, wait_for_editor, watch_errors

pytestmark = pytest.mark.browser

VIEWPORT: ViewportSize = {"width": 1440, "height": 900}
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
RUN_TIMEOUT_MS = 30_000
MIN_BADGE_PX = 11
MIN_LABEL_PX = 10

# The size text is drawn at on screen, in CSS pixels: its font size times the zoom and every
# transform above it (the badges' counter-scaling included).
SCREEN_FONT_SIZES = """(selector) => [...document.querySelectorAll(selector)]
  .filter((el) => el.getBBox().width > 0 && getComputedStyle(el).display !== 'none')
  .map((el) => parseFloat(getComputedStyle(el).fontSize) * el.getScreenCTM().a)"""


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    yield from error_checked_page(browser, viewport=VIEWPORT)


def zoom(page: Page) -> float:
    value: float = page.evaluate("() => window.playgroundEditor.graph.zoom()")
    return value


def screen_font_sizes(page: Page, selector: str) -> list[float]:
    sizes: list[float] = page.evaluate(SCREEN_FONT_SIZES, selector)
    assert sizes, f"no text matches {selector}"
    return sizes


def overlaps(a: FloatRect, b: FloatRect) -> bool:
    across = a["x"] < b["x"] + b["width"] and b["x"] < a["x"] + a["width"]
    return across and a["y"] < b["y"] + b["height"] and b["y"] < a["y"] + a["height"]


def nodes_under_minimap(page: Page) -> list[str]:
    """The nodes whose box intersects the minimap's box on screen."""
    minimap = page.locator("#minimap").bounding_box()
    assert minimap is not None and minimap["width"] > 100
    ids: list[str] = page.evaluate("() => window.playgroundEditor.getDocument().nodes.map((node) => node.id)")
    covered = []
    for node_id in ids:
        box = page.locator(f'#canvas [data-cell-id="{node_id}"] .ap-node-body').bounding_box()
        assert box is not None
        if overlaps(box, minimap):
            covered.append(node_id)
    return covered


def wait_for_frame(page: Page, condition: str) -> None:
    page.wait_for_function(
        f"() => {{ const f = window.playgroundLive.lastFrame(); return Boolean(f) && ({condition}); }}",
        timeout=RUN_TIMEOUT_MS,
    )


def test_projector_legibility_and_presentation_mode(page: Page, live_server_url: str, live_fleet: Any) -> None:
    open_template(page, live_server_url, "ecommerce-platform")
    slug = page.evaluate("() => window.playgroundEditor.config.slug")

    # Fitted, the whole platform is far zoomed out, and no node lies under the minimap.
    page.get_by_role("button", name="Fit to screen").click()
    fitted = zoom(page)
    assert fitted < 0.6
    assert nodes_under_minimap(page) == []
    # Node labels switch to the far look: large and centred, still readable.
    expect(page.locator("#editor")).to_have_attribute("data-zoom-look", "far")
    assert min(screen_font_sizes(page, "#canvas .ap-node-label")) >= MIN_LABEL_PX

    # A run: the badges are compact, counter-scaled to stay readable.
    page.locator("#run-speed").select_option("1")
    page.locator("#run-duration").fill("30")
    page.locator("#btn-run").click()
    wait_for_frame(page, "f.status === 'running' && f.nodes.gateway && f.nodes.gateway.rps > 0 && f.t > 2")
    layer = page.locator("#canvas .live-layer")
    expect(layer).to_have_attribute("data-compact", "true")
    expect(page.locator('.live-node[data-node="gateway"] .live-badge-main')).to_have_text(re.compile(r"^[\d.]+k?/s · "))
    assert min(screen_font_sizes(page, "#canvas .live-badge-main")) >= MIN_BADGE_PX
    assert nodes_under_minimap(page) == []
    page.screenshot(path=str(SCREENSHOTS / "projector-fit.png"))

    # Zoomed to 100 % the badges have their two lines again, at least as large.
    page.keyboard.press("0")
    expect(layer).to_have_attribute("data-compact", "false")
    expect(page.locator('.live-node[data-node="gateway"] .live-badge-sub')).to_be_visible()
    assert min(screen_font_sizes(page, "#canvas .live-badge-line")) >= MIN_BADGE_PX
    page.keyboard.press("f")
    expect(layer).to_have_attribute("data-compact", "true")

    # Presentation mode: no palette, no side panel, no minimap; the dock is a headline strip.
    button = page.get_by_role("button", name="Presentation mode")
    button.click()
    editor = page.locator("#editor")
    expect(editor).to_have_attribute("data-presenting", "true")
    expect(button).to_have_attribute("aria-pressed", "true")
    for hidden in ("#palette", ".editor-side", "#minimap", "#dock-panel-charts", "#dock-tab-charts"):
        expect(page.locator(hidden)).to_be_hidden()
    strip = page.get_by_test_id("dock-headline")
    expect(strip).to_be_visible()
    expect(strip.locator(".headline-label")).to_have_text(
        ["requests/s", "p95 end to end", "availability", "errors / timeouts"]
    )
    expect(strip.locator('[data-figure="rps"] .headline-value')).to_have_text(re.compile(r"^[\d.]+k?$"))
    expect(strip.locator('[data-figure="availability"] .headline-value')).to_have_text(re.compile(r"%$"))
    strip_box = strip.bounding_box()
    assert strip_box is not None and strip_box["height"] < 110  # a strip, not the 290 px dock
    assert zoom(page) > fitted * 1.4  # the diagram takes the room
    assert min(screen_font_sizes(page, "#canvas .live-badge-main")) >= 14
    assert min(screen_font_sizes(page, "#canvas .ap-node-label")) >= 13
    page.screenshot(path=str(SCREENSHOTS / "projector-presenting.png"))

    # P toggles back: the layout is restored and refitted; the help lists the key.
    page.keyboard.press("p")
    expect(editor).to_have_attribute("data-presenting", "false")
    for shown in ("#palette", ".editor-side", "#minimap", "#dock-panel-charts"):
        expect(page.locator(shown)).to_be_visible()
    expect(strip).to_be_hidden()
    assert zoom(page) == pytest.approx(fitted, rel=0.02)
    assert nodes_under_minimap(page) == []
    page.keyboard.press("?")
    expect(page.locator("#help-dialog")).to_contain_text("Presentation mode")
    page.keyboard.press("Escape")

    # The read-only share page: the same, through the editor's API.
    viewer = page.context.new_page()
    viewer_errors = watch_errors(viewer)
    viewer.goto(f"{live_server_url}/s/{slug}/")
    wait_for_editor(viewer)
    assert nodes_under_minimap(viewer) == []
    wait_for_frame(viewer, "f.nodes.gateway && f.nodes.gateway.rps > 0")
    viewer.evaluate("() => window.playgroundEditor.setPresenting(true)")
    expect(viewer.locator("#editor")).to_have_attribute("data-presenting", "true")
    expect(viewer.locator(".editor-side")).to_be_hidden()
    expect(viewer.get_by_test_id("dock-headline")).to_be_visible()
    assert viewer.evaluate("() => window.playgroundEditor.isPresenting()") is True
    assert min(screen_font_sizes(viewer, "#canvas .live-badge-main")) >= 14
    viewer.screenshot(path=str(SCREENSHOTS / "projector-view.png"))
    viewer.evaluate("() => window.playgroundEditor.setPresenting(false)")
    expect(viewer.locator(".editor-side")).to_be_visible()
    viewer.close()
    assert viewer_errors == []

    page.locator("#btn-stop").click()
    expect(page.locator("#editor")).to_have_attribute("data-live", "false", timeout=RUN_TIMEOUT_MS)

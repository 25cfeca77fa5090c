"""Replay of a finished run on its scenario's canvas, in Debian's Chromium: a stored run (the
sample of tests/engine/run_samples.py, with its instances' health) opened from its report's
"Replay on the canvas" link by a viewer with the share link; scrubbing redraws the health
dots, badges and charts as they were at that moment.

Saves docs/screenshots/replay.png.
"""

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import ROOT, error_checked_page

pytestmark = pytest.mark.browser

SCREENSHOT = ROOT / "docs" / "screenshots" / "replay.png"

STORE_RUN = """
from datetime import timedelta
from django.utils import timezone
from apps.engine.models import Run
from apps.scenarios.services import scenario_create
from tests.engine.run_samples import sample_document, sample_series_with_instances, sample_summary

scenario, _ = scenario_create(document=sample_document())
now = timezone.now()
run = Run(scenario=scenario, revision=1, document=sample_document(), seed=42, speed=1.0, duration_s=20.0,
          status=Run.Status.FINISHED, started_at=now - timedelta(seconds=21), ended_at=now,
          series=sample_series_with_instances())
run.summary = sample_summary(run_id=run.id)
run.set_expiry(now)
run.save()
print(scenario.slug, run.id)
"""


@pytest.fixture(scope="module")
def stored_run(live_server_env: dict[str, str]) -> tuple[str, str]:
    """(scenario slug, run id) of a finished run stored in the live server's database."""
    done = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "shell", "-c", STORE_RUN],
        env=live_server_env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    slug, run_id = done.stdout.strip().splitlines()[-1].split()
    return slug, run_id


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    # Playwright polls these waits with code it compiles in the page, which the app's
    # Content-Security-Policy (no eval) forbids: the test's own code is let through.
    yield from error_checked_page(
        browser, viewport={"width": 1280, "height": 900}, device_scale_factor=1, bypass_csp=True
    )


def scrub(page: Page, seconds: float) -> None:
    page.locator("#replay-slider").fill(str(seconds))
    expect(page.locator("#replay-time")).to_have_text(re.compile(rf"^{seconds:.1f} s / 20.0 s$"))


def test_replay_redraws_the_run_at_the_scrubbed_moment(
    page: Page, live_server_url: str, stored_run: tuple[str, str]
) -> None:
    slug, run_id = stored_run
    page.goto(f"{live_server_url}/runs/{run_id}/")
    page.get_by_test_id("replay-link").click()
    page.wait_for_url(re.compile(rf"/s/{slug}/\?run={run_id}$"))

    bar = page.locator("#replay-bar")
    expect(bar).to_be_visible()
    expect(page.locator("#live-dock")).to_have_attribute("data-replay", "true")
    expect(page.locator("#replay-time")).to_have_text("20.0 s / 20.0 s")
    expect(page.locator("#run-status")).to_have_text("Finished")
    web_dots = page.locator('.live-node[data-node="web"] .live-health circle')
    email_badge = page.locator('.live-node[data-node="email"] .live-badge-main')
    expect(web_dots).to_have_count(2)

    # 7 s: web's instance 1 is dead (killed 5–10 s)
    scrub(page, 7)
    expect(web_dots.nth(1)).to_have_class(re.compile(r"\blive-dot-dead\b"))
    expect(web_dots.nth(0)).to_have_class(re.compile(r"\blive-dot-alive\b"))
    # 9 s: and the email consumer is stopped (8–12 s), a backlog waits in the queue
    scrub(page, 9)
    expect(email_badge).to_have_text("consumer stopped")
    expect(page.locator('.live-node[data-node="jobs"] .live-pressure-text')).to_have_text("15 waiting")
    # the charts are drawn up to the scrubbed moment (2 points per run second)
    page.wait_for_function("window.playgroundLive.stats().chartPoints === 18")

    page.locator("#replay-slider").blur()
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT))
    assert Path(SCREENSHOT).stat().st_size > 10_000

    # 12.5 s: everything is back
    scrub(page, 12.5)
    expect(web_dots.nth(1)).to_have_class(re.compile(r"\blive-dot-alive\b"))
    expect(email_badge).to_have_text(re.compile(r"^10/s"))
    page.wait_for_function("window.playgroundLive.stats().chartPoints === 25")
    # back again: the charts restart from the first point
    scrub(page, 3)
    expect(web_dots.nth(1)).to_have_class(re.compile(r"\blive-dot-alive\b"))
    page.wait_for_function("window.playgroundLive.stats().chartPoints === 6")


def test_scrubbing_is_drawn_once_per_animation_frame(
    page: Page, live_server_url: str, stored_run: tuple[str, str]
) -> None:
    slug, run_id = stored_run
    page.goto(f"{live_server_url}/s/{slug}/?run={run_id}")
    expect(page.locator("#replay-bar")).to_be_visible()
    expect(page.locator("#live-dock")).to_have_attribute("data-replay", "true")
    page.wait_for_function("window.playgroundLive.replay().draws >= 1")

    drawn = page.evaluate(
        """async () => {
            const live = window.playgroundLive;
            const slider = document.querySelector("#replay-slider");
            const before = live.replay().draws;
            for (let i = 0; i < 200; i += 1) {
                slider.value = String((i % 200) / 10);
                slider.dispatchEvent(new Event("input"));
            }
            await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
            return { draws: live.replay().draws - before, position: live.replay().position };
        }"""
    )
    assert 1 <= drawn["draws"] <= 2, drawn
    assert drawn["position"] == pytest.approx(19.9)
    expect(page.locator('.live-node[data-node="web"] .live-health circle').nth(1)).to_have_class(
        re.compile(r"\blive-dot-alive\b")
    )

    # play from the start: the position moves on in run time, then pause holds it
    page.locator("#replay-slider").fill("0")
    page.get_by_role("button", name="Play", exact=True).click()
    page.wait_for_function("window.playgroundLive.replay().position > 0.5")
    page.get_by_role("button", name="Pause", exact=True).click()
    held = page.evaluate("window.playgroundLive.replay().position")
    page.wait_for_timeout(300)
    assert page.evaluate("window.playgroundLive.replay().position") == held

    # leaving the replay shows the final state and gives the canvas back
    page.get_by_role("button", name="Leave the replay").click()
    expect(page.locator("#live-dock")).not_to_have_attribute("data-replay", "true")
    expect(page.locator("#replay-time")).to_have_text("20.0 s / 20.0 s")
    expect(page.locator("#editor")).to_have_attribute("data-live", "false")

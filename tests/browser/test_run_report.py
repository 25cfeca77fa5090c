"""The run report page in Debian's Chromium: a stored run (the sample of
tests/engine/run_samples.py, put in the live server's database) shows its charts and lost = 0.

Saves docs/screenshots/run-report.png.
"""

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import ROOT, error_checked_page

pytestmark = pytest.mark.browser

SCREENSHOT = ROOT / "docs" / "screenshots" / "run-report.png"

STORE_RUN = """
from datetime import timedelta
from django.utils import timezone
from apps.engine.models import Run
from apps.scenarios.services import scenario_create
from tests.engine.run_samples import sample_document, sample_series, sample_summary

scenario, _ = scenario_create(document=sample_document())
now = timezone.now()
run = Run(scenario=scenario, revision=1, document=sample_document(), seed=42, speed=1.0, duration_s=20.0,
          status=Run.Status.FINISHED, started_at=now - timedelta(seconds=21), ended_at=now, series=sample_series())
run.summary = sample_summary(run_id=run.id)
run.set_expiry(now)
run.save()
print(run.id)
"""


@pytest.fixture(scope="module")
def stored_run_id(live_server_env: dict[str, str]) -> str:
    """A finished run stored in the live server's database, through manage.py shell."""
    done = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "shell", "-c", STORE_RUN],
        env=live_server_env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout.strip().splitlines()[-1]


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    yield from error_checked_page(browser, viewport={"width": 1280, "height": 900}, device_scale_factor=1)


def test_report_draws_its_charts(page: Page, live_server_url: str, stored_run_id: str) -> None:
    page.goto(f"{live_server_url}/runs/{stored_run_id}/")

    expect(page.get_by_test_id("lost-value")).to_have_text("0")
    expect(page.locator('[data-testid="ledger"] dd[data-key="lost"]')).to_have_text("0")
    expect(page.get_by_test_id("run-status")).to_have_text("Finished")
    charts = page.locator("#charts .chart")
    expect(charts.first).to_be_visible()
    # throughput, latency, errors, in flight and queued, waiting lines, replicas, per node, speed
    expect(charts).to_have_count(8)
    assert page.locator("#charts canvas").count() == 8
    expect(page.locator("#charts-empty")).to_have_count(0)
    titles = page.locator("#charts .chart h3").all_inner_texts()
    assert titles[:2] == ["Throughput", "Latency"] and "Replicas per node" in titles and "Effective speed" in titles
    # a chart holds drawn pixels, not just an empty canvas
    painted = page.evaluate(
        """() => {
            const canvas = document.querySelector("#charts canvas");
            const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
            let coloured = 0;
            for (let i = 0; i < pixels.length; i += 4) if (pixels[i + 3] > 0) coloured += 1;
            return coloured;
        }"""
    )
    assert painted > 1000

    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT), full_page=True)
    assert Path(SCREENSHOT).stat().st_size > 10_000

"""Acceptance 1: in every template nothing is lost, faults included, and the run drains."""

from typing import Any

import pytest

from apps.library.services import ORDER
from tests.engine.live.conftest import assert_conserved

# Templates whose traffic is heavy for a 2-core machine run in slow motion (same physics).
SLOW = {"lb-weighted": 0.5, "ecommerce-platform": 0.5, "autoscaling": 0.5, "cqrs-reservations": 0.5}


@pytest.mark.parametrize("slug", ORDER)
def test_nothing_is_lost(run_template: Any, slug: str) -> None:
    summary = run_template(slug, duration=12, speed=SLOW.get(slug, 1.0))
    assert_conserved(summary)
    assert summary["requests"]["created"] > 0
    finished = sum(summary["requests"][k] for k in ("completed", "failed", "rejected", "timed_out"))
    assert finished == summary["requests"]["created"]

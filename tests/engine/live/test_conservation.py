"""Acceptance 1: in every template nothing is lost, faults included, and the run drains."""

from typing import Any

import pytest

from apps.library.services import ORDER
from tests.engine.live.conftest import assert_conserved


@pytest.mark.parametrize("slug", ORDER)
def test_nothing_is_lost(run_template: Any, slug: str) -> None:
    summary = run_template(slug, duration=12)
    assert_conserved(summary)
    assert summary["requests"]["created"] > 0
    finished = sum(summary["requests"][k] for k in ("completed", "failed", "rejected", "timed_out"))
    assert finished == summary["requests"]["created"]

"""Acceptance 4: the four strategies of the explainer's table, measured."""

from typing import Any

import pytest

from tests.engine.live.conftest import assert_conserved


def shares(summary: dict[str, Any]) -> list[float]:
    return list(summary["nodes"]["lb"]["load_balancer"]["shares"].values())


def test_round_robin_splits_evenly(run_template: Any) -> None:
    summary = run_template("lb-round-robin", duration=10)
    assert_conserved(summary)
    assert len(shares(summary)) == 3
    for share in shares(summary):
        assert share == pytest.approx(1 / 3, abs=0.03)


def test_weighted_follows_the_weights(run_template: Any) -> None:
    summary = run_template("lb-weighted", duration=10, speed=0.5)
    assert_conserved(summary)
    large, medium, small = (
        summary["nodes"]["lb"]["load_balancer"]["shares"][f"{n}/0"] for n in ("large", "medium", "small")
    )
    assert large == pytest.approx(3 / 6, abs=0.03)
    assert medium == pytest.approx(2 / 6, abs=0.03)
    assert small == pytest.approx(1 / 6, abs=0.03)


def test_ip_hash_is_sticky_while_all_are_healthy(run_template: Any) -> None:
    summary = run_template("lb-ip-hash", duration=10)  # its fault fires later, at 15 s
    assert_conserved(summary)
    assert summary["nodes"]["lb"]["load_balancer"]["stickiness"] == 1.0

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
    summary = run_template("lb-weighted", duration=10)
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


def test_least_connections_beats_round_robin_when_one_server_is_slow(run_template: Any) -> None:
    """Same seeded traffic, one of three servers 5x slower: p99 of least connections ≤ 0.8 x RR.

    At 54 req/s round robin sends the slow server (4 slots x 250 ms: 16 req/s) more than it can
    take, so its line keeps growing; least connections sends it only what it can take. Timeouts
    are raised so that every request completes and the p99 shows the waiting, not a cut-off."""
    busy = ["users.rate=54", "users.timeout_ms=60000"]
    busy += [f"lb-server-{n}.timeout_ms=60000" for n in (1, 2, 3)]
    least = run_template("lb-least-connections", duration=25, settings=busy)
    robin = run_template("lb-least-connections", duration=25, settings=[*busy, 'lb.strategy="round_robin"'])
    assert_conserved(least)
    assert_conserved(robin)
    assert least["latency_ms"]["p99"] <= 0.8 * robin["latency_ms"]["p99"], (least["latency_ms"], robin["latency_ms"])

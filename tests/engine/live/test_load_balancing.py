"""Acceptance 4: the four strategies of the explainer's table, measured."""

from typing import Any

import pytest

from apps.engine.simulation import prepare, simulate
from apps.runtime.fleet import Fleet
from apps.topology.blank import blank_document
from apps.topology.validation import validate_document
from tests.engine.live.conftest import assert_conserved
from tests.factories import edge, node


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


def test_weighted_follows_instance_weights_within_one_service(fleet: Fleet) -> None:
    """Two instances of one service weighted 5 : 1 get five calls on instance 0 per call on 1."""
    document = blank_document(name="Weighed instances")
    document["nodes"] = [
        node("users", "client", rate=60, clients=50, commands=[], queries=["ViewPage"], query_ratio=1),
        node("lb", "load_balancer", strategy="weighted"),
        node("web", "service", replicas=2, concurrency=16, instance_weights=[5, 1], latency={"mean_ms": 20}),
    ]
    document["edges"] = [edge("e1", "users", "lb"), edge("e2", "lb", "web")]
    assert validate_document(document).problems == []
    summary = simulate(prepare(document, settings=[], faults=[], duration=4, seed=7, speed="max"))
    assert_conserved(summary)
    shares = summary["nodes"]["lb"]["load_balancer"]["shares"]
    assert set(shares) == {"web/0", "web/1"}
    assert shares["web/0"] == pytest.approx(5 / 6, abs=0.02)
    assert shares["web/1"] == pytest.approx(1 / 6, abs=0.02)


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

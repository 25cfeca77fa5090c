"""Acceptance 5, 6, 8, 9: failover, zone outage, circuit breaker, auto-scaling."""

import copy
import itertools
import statistics
from typing import Any

from apps.engine.simulation import load_topology, prepare, simulate
from tests.engine.live.conftest import assert_conserved


def windows(summary: dict[str, Any], start_s: float, end_s: float) -> list[dict[str, Any]]:
    """Timeline points whose one-second window lies inside [start_s, end_s]."""
    return [p for p in summary["timeline"] if start_s + 1 <= p["t"] <= end_s]


def test_failover_takes_the_dead_instance_out_and_brings_the_standby_in(run_template: Any) -> None:
    summary = run_template("ha-failover", duration=25)  # web/0 dies at 10 s for 10 s
    assert_conserved(summary)
    changes = summary["nodes"]["lb"]["load_balancer"]["health_changes"]
    down = [c for c in changes if c["target"] == "web/0" and not c["healthy"]]
    up = [c for c in changes if c["target"] == "web/0" and c["healthy"]]
    assert down, changes
    interval, threshold, tolerance = 1.0, 2, 0.5
    detected_s = down[0]["t"] / 1000
    assert 10 <= detected_s <= 10 + interval * threshold + tolerance
    # Requests in flight on the instance when it died fail; none sent after detection does.
    assert all(item["created_s"] < detected_s for item in summary["unsuccessful"]), summary["unsuccessful"]
    assert up and up[0]["t"] / 1000 >= 20  # back in rotation once restored
    standby = summary["nodes"]["web"]["instances"]["2"]
    assert standby["processed"] > 0 and standby["first_served_s"] >= 10


def test_zone_outage_shifts_all_traffic_to_the_surviving_zone(run_template: Any) -> None:
    summary = run_template("multi-zone", duration=25)  # zone-a fails at 10 s for 10 s
    assert_conserved(summary)
    outage = windows(summary, 11, 20)
    assert outage
    for point in outage:
        assert point["nodes"]["web-a"]["processed"] == 0, point
        assert point["nodes"]["web-b"]["processed"] > 0
    assert summary["availability"] >= 0.99


def _hanging_payments(breaker: bool) -> dict[str, Any]:
    document = copy.deepcopy(load_topology("circuit-breaker"))
    document["faults"] = []
    document = prepare(
        document,
        settings=[f"checkout-payments.circuit_breaker.enabled={str(breaker).lower()}"],
        faults=["add_latency payments at=8 for=10 latency_ms=3000"],
        duration=22,
        speed="max",
    )
    return simulate(document)


def test_circuit_breaker_fails_fast_and_recovers_without_it_the_caller_waits(fleet: Any) -> None:
    with_breaker = _hanging_payments(True)
    assert_conserved(with_breaker)
    transitions = with_breaker["nodes"]["checkout"]["breakers"]["checkout-payments"]
    moves = [(old, new) for _, old, new in transitions]
    assert ("closed", "open") in moves
    assert ("open", "half_open") in moves
    assert moves[-1] == ("half_open", "closed")  # closed again after payments recovers
    timeout_ms = 1000
    open_windows = []
    for (opened_at, _, new), (half_open_at, _, _) in itertools.pairwise(transitions):
        if new == "open":
            assert half_open_at - opened_at >= 3.0 - 1e-6  # the reset timeout
            # Calls sent before the breaker opened finish within one timeout; after that,
            # every call fails fast.
            open_windows += [p for p in windows(with_breaker, opened_at + timeout_ms / 1000, half_open_at)]
    open_windows = [p for p in open_windows if p["nodes"]["checkout"]["n"]]
    assert open_windows
    fail_fast_ms = 150  # checkout's own service time (exponential, mean 30 ms: p95 ≈ 90 ms), no waiting
    for point in open_windows:
        assert point["nodes"]["checkout"]["p95"] <= fail_fast_ms, point

    without = _hanging_payments(False)
    assert_conserved(without)
    hanging = [p for p in windows(without, 10, 17) if p["nodes"]["checkout"]["n"]]
    assert hanging
    for point in hanging:
        assert point["nodes"]["checkout"]["p95"] >= 0.8 * timeout_ms, point


def test_autoscaling_follows_a_spike_up_and_back_down(run_template: Any) -> None:
    # 8 req/s on one 4-slot instance of 100 ms is utilisation 0.2; the 5x spike (10 s to 25 s)
    # makes it 1.0, so the waiting line grows until the policy (target 0.6) adds instances.
    summary = run_template("autoscaling", duration=40, settings=["users.rate=8"])
    assert_conserved(summary)
    events = summary["nodes"]["web"]["scaling_events"]
    out = [e for e in events if e["to"] > e["from"]]
    assert out, events
    cooldown = 5
    assert 10 <= out[0]["t"] / 1000 <= 10 + cooldown + 5
    assert any(e["to"] < e["from"] and e["t"] / 1000 >= 25 for e in events), events
    baseline = [p["e2e"]["p95"] for p in windows(summary, 0, 10) if p["e2e"]["n"]]
    after = [p["e2e"]["p95"] for p in windows(summary, out[-1]["t"] / 1000 + 2, 25) if p["e2e"]["n"]]
    assert baseline and after
    # p95 recovers while the spike lasts: back to its pre-spike level (within half again).
    assert statistics.median(after) <= 1.5 * statistics.median(baseline), (baseline, after)

"""Acceptance 5, 6, 8, 9: failover, zone outage, circuit breaker, auto-scaling."""

import copy
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
    for point in windows(summary, detected_s + 0.5, 25):
        assert point["requests"]["failed"] == point["requests"]["timed_out"] == 0, point
    assert up and up[0]["t"] / 1000 >= 20  # back in rotation once restored
    standby = summary["nodes"]["web"]["instances"]["2"]
    assert standby["processed"] > 0 and standby["first_served_s"] >= 10


def test_zone_outage_shifts_all_traffic_to_the_surviving_zone(run_template: Any) -> None:
    summary = run_template("multi-zone", duration=25, speed=0.5)  # zone-a fails at 10 s for 10 s
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
    )
    return simulate(document)


def test_circuit_breaker_fails_fast_and_recovers_without_it_the_caller_waits() -> None:
    with_breaker = _hanging_payments(True)
    assert_conserved(with_breaker)
    transitions = with_breaker["nodes"]["checkout"]["breakers"]["checkout-payments"]
    moves = [(old, new) for _, old, new in transitions]
    assert ("closed", "open") in moves
    assert ("open", "half_open") in moves
    assert moves[-1] == ("half_open", "closed")  # closed again after payments recovers
    opened_at = next(t for t, old, new in transitions if new == "open")
    half_open_at = next(t for t, old, new in transitions if new == "half_open")
    assert half_open_at - opened_at >= 3.0  # the reset timeout
    timeout_ms = 1000
    open_windows = [p for p in windows(with_breaker, opened_at, half_open_at) if p["nodes"]["checkout"]["n"]]
    assert open_windows
    for point in open_windows:
        assert point["nodes"]["checkout"]["p95"] <= 0.1 * timeout_ms, point

    without = _hanging_payments(False)
    assert_conserved(without)
    hanging = [p for p in windows(without, 10, 17) if p["nodes"]["checkout"]["n"]]
    assert hanging
    for point in hanging:
        assert point["nodes"]["checkout"]["p95"] >= 0.8 * timeout_ms, point


def test_autoscaling_follows_a_spike_up_and_back_down(run_template: Any) -> None:
    summary = run_template("autoscaling", duration=40, speed=0.5)  # 5x traffic from 10 s to 25 s
    assert_conserved(summary)
    events = summary["nodes"]["web"]["scaling_events"]
    out = [e for e in events if e["to"] > e["from"]]
    assert out, events
    cooldown = 5
    assert 10 <= out[0]["t"] / 1000 <= 10 + cooldown + 5
    assert any(e["to"] < e["from"] and e["t"] / 1000 >= 25 for e in events), events
    peak = [p for p in windows(summary, 12, 25) if p["e2e"]["n"]]
    late = [p for p in windows(summary, 20, 25) if p["e2e"]["n"]]
    assert (
        max(p["e2e"]["p95"] for p in late) < max(p["e2e"]["p95"] for p in peak)
        or max(p["e2e"]["p95"] for p in late) < 500
    )

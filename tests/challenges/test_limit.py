"""Find the limit: the traffic is doubled until a goal fails, then the gap is halved; the
highest factor that held is the limit, and the bottleneck is named. The runs here are a stand-in
whose p95 jumps past a known rate, so the search itself is what is checked (the engine's
figures are checked everywhere else)."""

from typing import Any

import pytest

from apps.challenges.limit import MAX_FACTOR, MAX_RATE, find_limit, goal_from_text, next_factor, scaled, total_rate
from apps.challenges.management.commands.find_limit import parse_goal
from apps.engine.simulation import load_topology
from tests.engine.run_samples import sample_summary


def stand_in(breaks_above: float) -> tuple[Any, list[float]]:
    """A `simulate` whose p95 is 50 ms up to `breaks_above` req/s and 2 s beyond (Web's own p95
    with it); it records the rates."""
    rates: list[float] = []

    def simulate(document: dict[str, Any]) -> dict[str, Any]:
        rate = total_rate(document)
        rates.append(rate)
        summary = sample_summary()
        summary["latency_ms"]["p95"] = 50.0 if rate <= breaks_above else 2000.0
        if rate > breaks_above:
            summary["nodes"]["web"]["latency_ms"]["p95"] = 1900.0  # the node that cannot keep up
        summary["requests"].update(failed=0, timed_out=0, rejected=0)
        return summary

    return simulate, rates


def test_the_limit_is_found_by_doubling_then_halving_the_gap() -> None:
    document = load_topology("queue-buffering")  # its client sends 20 req/s
    simulate, rates = stand_in(breaks_above=70)
    limit = find_limit(document, simulate, seeds=(1, 2))
    assert [(step.factor, step.held) for step in limit.steps] == [
        (1.0, True), (2.0, True), (4.0, False), (3.0, True), (3.5, True), (3.75, False),
    ]  # fmt: skip
    assert limit.sustained_factor == 3.5 and limit.sustained_rate == 70.0 and not limit.capped
    assert rates.count(80.0) == 2  # every factor is judged over every seed
    assert limit.bottleneck is not None and limit.bottleneck["node"] == "web"  # its p95 grew the most
    assert limit.bottleneck["p95_ms"] == {"held": 45.3, "failed": 1900.0}
    assert limit.bottleneck["longest_line"] == {"node": "jobs", "depth": 20}


def test_a_design_failing_at_its_own_traffic_and_one_that_reaches_the_cap() -> None:
    document = load_topology("queue-buffering")
    failing, _ = stand_in(breaks_above=10)
    limit = find_limit(document, failing)
    assert limit.sustained_rate is None and [step.factor for step in limit.steps] == [1.0]
    endless, _ = stand_in(breaks_above=1e9)
    capped = find_limit(document, endless)
    assert capped.capped and capped.sustained_factor == MAX_FACTOR  # the search ends there: it may hold more
    assert all(n["props"].get("rate", 0) <= MAX_RATE for n in scaled(document, 1000)["nodes"] if n["kind"] == "client")


def test_goals_are_read_from_the_command_line() -> None:
    goal = parse_goal("p95_ms:signup <= 200")
    assert (goal.metric, goal.node, goal.at_most, goal.at_least) == ("p95_ms", "signup", 200.0, None)
    assert parse_goal("availability>=0.999").at_least == 0.999
    with pytest.raises(Exception, match="METRIC"):
        parse_goal("speed<=3")


def test_the_next_factor_is_decided_from_the_steps_so_far() -> None:
    """What the command and the searches on the workers (apps/limits) share: (factor, held) so
    far in, the next factor (or None: the search is over) out."""
    document = load_topology("queue-buffering")
    assert next_factor(document, []) == 1.0
    assert next_factor(document, [(1, True), (2, True)]) == 4
    assert next_factor(document, [(1, False)]) is None  # fails at its own traffic
    assert next_factor(document, [(1, True), (2, False)]) == 1.5
    assert next_factor(document, [(1, True), (2, False), (1.5, False)]) == 1.25
    assert next_factor(document, [(1, True), (2, False), (1.5, True), (1.75, False), (1.625, True)]) is None
    assert next_factor(document, [(2.0**n, True) for n in range(7)]) is None  # ×64 held: the end
    at_the_cap = scaled(document, MAX_RATE / 20)  # its client sends 5,000 req/s
    assert next_factor(at_the_cap, [(1, True)]) is None
    assert goal_from_text("p95_ms<=.5").at_most == 0.5
    with pytest.raises(ValueError, match="METRIC"):
        goal_from_text("p95_ms<=1.2.3")

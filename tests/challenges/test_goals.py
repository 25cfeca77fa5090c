"""Goals read from run summaries: a goal passes only if its whole 95 % interval over the seeds
is within its bound, so a design that passes by luck on one seed does not."""

from typing import Any

import pytest

from apps.challenges.goals import Goal, interval
from tests.engine.run_samples import sample_summary


def with_p95(value: float) -> dict[str, Any]:
    summary = sample_summary()
    summary["latency_ms"]["p95"] = value
    return summary


def test_the_interval_is_the_mean_plus_or_minus_t_times_the_standard_error() -> None:
    low, mean, high = interval([90.0, 100.0, 110.0])
    assert mean == 100.0 and mean - low == pytest.approx(high - mean)
    assert high - mean == pytest.approx(4.303 * 10 / 3**0.5, abs=1e-6)  # t(0.975, 2 df) · s / √n
    assert interval([5.0, 5.0]) == (5.0, 5.0, 5.0)


def test_a_goal_passes_only_if_its_whole_interval_does() -> None:
    goal = Goal(name="fast", metric="p95_ms", node=None, at_most=120.0, at_least=None)
    steady = goal.judge([with_p95(v) for v in (99.0, 100.0, 101.0)])
    assert steady["passed"] and steady["measured"] == 100.0 and steady["high"] < 120
    lucky = goal.judge([with_p95(v) for v in (60.0, 100.0, 140.0)])  # mean 100, but one seed at 140
    assert not lucky["passed"] and lucky["measured"] == 100.0 and lucky["high"] > 120
    assert lucky["values"] == [60.0, 100.0, 140.0]


def test_goals_read_each_metric_from_the_summary() -> None:
    summary = sample_summary()
    read = {
        ("availability", None): 0.985,
        ("availability", "web"): 0.985,
        ("p95_ms", "web"): 45.3,
        ("lost", None): 0.0,
        ("max_queue_depth", "jobs"): 20.0,
        ("unsuccessful_share", None): 3 / summary["requests"]["created"],
    }
    for (metric, node), expected in read.items():
        judged = Goal(name=metric, metric=metric, node=node, at_most=None, at_least=0.0).judge([summary, summary])
        assert judged["measured"] == pytest.approx(expected), metric


def test_a_figure_the_runs_did_not_measure_fails_the_goal() -> None:
    summary = sample_summary()
    summary["latency_ms"] = {}
    judged = Goal(name="fast", metric="p95_ms", node=None, at_most=100.0, at_least=None).judge([summary, summary])
    assert judged["passed"] is False and judged["why"] == "not measured"


def test_a_node_must_do_its_work_not_just_stay_out_of_the_way() -> None:
    summary = sample_summary()
    created = summary["requests"]["created"]
    goal = Goal(name="email works", metric="processed_share", node="email", at_most=None, at_least=0.99)
    assert goal.judge([summary, summary])["measured"] == pytest.approx((created - 3) / created)
    summary["nodes"]["email"]["processed"] = 0  # cut off: nothing reached it
    assert goal.judge([summary, summary])["passed"] is False
    (problem,) = Goal.problems({"name": "x", "metric": "processed_share", "at_least": 1}, "$.goals[0]", {"email"})
    assert problem.path == "$.goals[0].node" and "name the node" in problem.message

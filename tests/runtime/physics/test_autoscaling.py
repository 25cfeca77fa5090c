import pytest

from apps.runtime.physics.autoscaling import DEFAULTS, SCALE_IN_BELOW, decide, metric_from_counts
from apps.topology.kinds import KINDS

POLICY = {"enabled": True, "metric": "utilisation", "target": 0.7, "min": 1, "max": 5, "cooldown_s": 5}


def test_defaults_are_the_declared_service_defaults() -> None:
    assert KINDS["service"].defaults()["autoscaling"] == DEFAULTS


def test_disabled_never_changes_anything() -> None:
    assert decide(100.0, 2, {**POLICY, "enabled": False}, 1.0, None) == 2
    assert decide(100.0, 2, {}, 1.0, None) == 2  # disabled by default


@pytest.mark.parametrize(
    ("current", "value", "expected"),
    [(2, 0.95, 3), (2, 1.0, 3), (1, 1.0, 2), (3, 0.71, 4), (4, 1.0, 5), (4, 3.0, 5)],
)
def test_scale_out_is_proportional_and_capped_at_max(current: int, value: float, expected: int) -> None:
    assert decide(100.0, current, POLICY, value, None) == expected


def test_at_target_and_in_the_hysteresis_band_nothing_changes() -> None:
    for current in range(1, 6):
        assert decide(100.0, current, POLICY, 0.7, None) == current
        assert decide(100.0, current, POLICY, 0.35, None) == current


def test_scale_in_is_one_step_below_half_the_target_and_stops_at_min() -> None:
    assert decide(100.0, 4, POLICY, 0.1, None) == 3
    assert decide(100.0, 1, POLICY, 0.0, None) == 1
    assert decide(100.0, 3, {**POLICY, "min": 3}, 0.0, None) == 3


def test_scaling_in_never_pushes_steady_load_over_the_target() -> None:
    for current in range(2, 6):
        value = 0.7 * SCALE_IN_BELOW - 1e-6
        after = decide(100.0, current, POLICY, value, None)
        assert after == current - 1
        assert decide(200.0, after, POLICY, value * current / after, 100.0) <= after


def test_nothing_changes_within_the_cooldown() -> None:
    assert decide(14.9, 2, POLICY, 1.0, last_change_s=10.0) == 2
    assert decide(14.9, 2, POLICY, 0.0, last_change_s=10.0) == 2
    assert decide(15.0, 2, POLICY, 1.0, last_change_s=10.0) == 3


def test_counts_outside_min_max_are_brought_inside_at_once() -> None:
    assert decide(10.0, 7, POLICY, 0.7, last_change_s=10.0) == 5
    assert decide(10.0, 1, {**POLICY, "min": 2}, 0.7, last_change_s=10.0) == 2


def test_queue_depth_metric() -> None:
    policy = {**POLICY, "metric": "queue_depth", "target": 5}
    value = metric_from_counts("queue_depth", busy_slots=8, total_slots=8, waiting=24, instances=2)
    assert value == 12
    assert decide(100.0, 2, policy, value, None) == 5  # ceil(2 × 12 / 5)


def test_metric_from_counts() -> None:
    assert metric_from_counts("utilisation", busy_slots=6, total_slots=8, waiting=0, instances=2) == 0.75
    assert metric_from_counts("utilisation", busy_slots=0, total_slots=0, waiting=0, instances=0) == 0.0
    with pytest.raises(ValueError):
        metric_from_counts("cpu", busy_slots=0, total_slots=1, waiting=0, instances=1)

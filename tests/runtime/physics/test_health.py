import json

import pytest

from apps.runtime.physics.health import (
    HealthChange,
    HealthChecker,
    detection_time_s,
    max_detection_s,
    recovery_time_s,
)
from apps.topology.kinds import KINDS


def test_threshold_default_is_the_declared_one() -> None:
    declared = KINDS["load_balancer"].defaults()["health_check"]
    assert HealthChecker.from_props(declared).threshold == declared["threshold"] == HealthChecker().threshold


def test_unhealthy_after_threshold_failed_probes_in_a_row() -> None:
    checker = HealthChecker(threshold=3)
    assert checker.observe("a", False, 1.0) is None
    assert checker.observe("a", False, 2.0) is None
    assert checker.observe("a", True, 3.0) is None  # breaks the streak
    assert checker.observe("a", False, 4.0) is None
    assert checker.observe("a", False, 5.0) is None
    assert checker.is_healthy("a")
    assert checker.observe("a", False, 6.0) == HealthChange(6.0, "a", False)
    assert not checker.is_healthy("a")
    assert checker.observe("a", False, 7.0) is None  # already out: no new change


def test_one_success_brings_it_back_by_default_and_rise_is_configurable() -> None:
    checker = HealthChecker(threshold=1)
    checker.observe("a", False, 1.0)
    assert checker.observe("a", True, 2.0) == HealthChange(2.0, "a", True)
    slow = HealthChecker(threshold=1, rise=2)
    slow.observe("a", False, 1.0)
    assert slow.observe("a", True, 2.0) is None
    assert slow.observe("a", False, 3.0) is None  # resets the rise streak
    assert slow.observe("a", True, 4.0) is None
    assert slow.observe("a", True, 5.0) == HealthChange(5.0, "a", True)


def test_in_rotation_keeps_healthy_and_unknown_targets_in_order() -> None:
    checker = HealthChecker(threshold=1)
    checker.observe("b", False, 1.0)
    checker.observe("c", True, 1.0)
    assert checker.in_rotation(["d", "c", "b", "a"]) == ["d", "c", "a"]


@pytest.mark.parametrize("threshold", [1, 2, 3])
@pytest.mark.parametrize("interval_s", [0.5, 1.0])
def test_a_failure_is_detected_within_interval_times_threshold_whatever_the_phase(
    threshold: int, interval_s: float
) -> None:
    for phase in (0.0, 0.13, 0.5, 0.99):
        for failed_at in (3.0, 3.01, 3.5, 3.999):
            checker = HealthChecker(threshold=threshold)
            changes = []
            for k in range(40):
                t = k * interval_s + phase * interval_s
                change = checker.observe("a", t < failed_at, t)
                if change:
                    changes.append(change)
            detected = detection_time_s(failed_at, changes, "a")
            assert detected is not None
            assert interval_s * (threshold - 1) <= detected <= max_detection_s(interval_s, threshold)


def test_detection_and_recovery_times_from_the_changes() -> None:
    changes = [HealthChange(1.0, "b", False), HealthChange(12.0, "a", False), HealthChange(21.5, "a", True)]
    assert detection_time_s(10.0, changes, "a") == 2.0
    assert recovery_time_s(20.0, changes, "a") == 1.5
    assert detection_time_s(30.0, changes, "a") is None
    assert max_detection_s(1.0, 2, probe_timeout_s=0.5) == 2.5


def test_state_round_trips_through_json() -> None:
    checker = HealthChecker(threshold=2, rise=2)
    checker.observe("a", False, 1.0)
    checker.observe("b", False, 1.0)
    checker.observe("b", False, 2.0)
    copy = HealthChecker.from_dict(json.loads(json.dumps(checker.to_dict())))
    assert copy.to_dict() == checker.to_dict()
    assert copy.observe("a", False, 3.0) == HealthChange(3.0, "a", False)
    assert copy.observe("b", True, 3.0) is None


def test_bad_settings_are_refused() -> None:
    with pytest.raises(ValueError):
        HealthChecker(threshold=0)

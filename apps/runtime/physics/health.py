"""Active health checks: a load balancer probes each target every `interval_s` and takes it
out of rotation after `threshold` failed probes in a row (HAProxy's `fall`); `rise`
successful probes in a row (default 1) put it back. Every target starts healthy.

Detection time is measured from when the target actually failed (the fault's time, known to
the engine) to when the checker marked it unhealthy. With probes every `interval` seconds,
whatever their phase, the first probe to see a failure at t is due within (t, t + interval];
`threshold − 1` more follow one interval apart, so the failure is detected by
t + interval × threshold, plus the time a probe takes to report (its timeout, for a dead
target): `max_detection_s`.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class HealthChange:
    """A target leaving (`healthy=False`) or rejoining (`healthy=True`) the rotation at `t_s`."""

    t_s: float
    target: str
    healthy: bool


@dataclass
class _TargetHealth:
    healthy: bool = True
    streak: int = 0  # probes in a row that disagree with `healthy`


class HealthChecker:
    """Per-target probe streaks and health for one load balancer."""

    def __init__(self, threshold: int = 2, rise: int = 1) -> None:
        if threshold < 1 or rise < 1:
            raise ValueError("threshold and rise must be >= 1")
        self.threshold = threshold
        self.rise = rise
        self._targets: dict[str, _TargetHealth] = {}

    def observe(self, target: str, ok: bool, now_s: float) -> HealthChange | None:
        """Record one probe result; returns the change when the target's health flips."""
        health = self._targets.setdefault(target, _TargetHealth())
        if ok == health.healthy:
            health.streak = 0
            return None
        health.streak += 1
        if health.streak < (self.rise if ok else self.threshold):
            return None
        health.healthy = ok
        health.streak = 0
        return HealthChange(now_s, target, ok)

    def is_healthy(self, target: str) -> bool:
        """Whether the target is in rotation (unknown targets are)."""
        health = self._targets.get(target)
        return health is None or health.healthy

    def in_rotation(self, targets: Sequence[str]) -> list[str]:
        """The healthy ones of `targets`, in the given order."""
        return [target for target in targets if self.is_healthy(target)]

    def to_dict(self) -> dict[str, Any]:
        """The state as a JSON-ready dict."""
        return {
            "threshold": self.threshold,
            "rise": self.rise,
            "targets": {name: [health.healthy, health.streak] for name, health in self._targets.items()},
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "HealthChecker":
        """Rebuild a checker from `to_dict()` output."""
        checker = cls(int(data["threshold"]), int(data["rise"]))
        for name, (healthy, streak) in data["targets"].items():
            checker._targets[name] = _TargetHealth(bool(healthy), int(streak))
        return checker

    @classmethod
    def from_props(cls, props: Mapping[str, Any], rise: int = 1) -> "HealthChecker":
        """A checker from a load balancer's `health_check` props."""
        return cls(int(props.get("threshold", 2)), rise)


def max_detection_s(interval_s: float, threshold: int, probe_timeout_s: float = 0.0) -> float:
    """The longest a failure can go unnoticed: interval × threshold + one probe's timeout."""
    return interval_s * threshold + probe_timeout_s


def detection_time_s(failed_at_s: float, changes: Iterable[HealthChange], target: str) -> float | None:
    """Seconds from the failure to the first "unhealthy" mark of `target` at or after it."""
    return _first_after(failed_at_s, changes, target, healthy=False)


def recovery_time_s(restored_at_s: float, changes: Iterable[HealthChange], target: str) -> float | None:
    """Seconds from the restore to the first "healthy" mark of `target` at or after it."""
    return _first_after(restored_at_s, changes, target, healthy=True)


def _first_after(t_s: float, changes: Iterable[HealthChange], target: str, *, healthy: bool) -> float | None:
    times = [c.t_s for c in changes if c.target == target and c.healthy == healthy and c.t_s >= t_s]
    return min(times) - t_s if times else None

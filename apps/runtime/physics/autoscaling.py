"""Auto-scaling: how many replicas a service should have, decided from one metric.

The policy is a service's `autoscaling` props `{enabled, metric, target, min, max, cooldown_s}`:

- metric "utilisation": busy slots / total slots over all instances (0–1);
  metric "queue_depth": requests waiting per instance.
- Scale out proportionally, like Kubernetes' HorizontalPodAutoscaler:
  desired = ceil(current × value / target) when value > target.
- Scale in one replica at a time, only when value < target × 0.5. This is the hysteresis:
  between half the target and the target nothing changes, and removing one of n ≥ 2
  replicas raises the metric by at most n/(n−1) ≤ 2×, so under steady load a scale-in can
  never push the metric over the target and trigger an immediate scale-out (no flapping).
- Nothing changes within `cooldown_s` of the last change, except that a replica count
  outside [min, max] (the policy was edited) is brought inside at once.
"""

import math
from collections.abc import Mapping
from typing import Any

SCALE_IN_BELOW = 0.5  # scale in when the metric is below this share of the target

DEFAULTS: dict[str, Any] = {
    "enabled": False,
    "metric": "utilisation",
    "target": 0.7,
    "min": 1,
    "max": 5,
    "cooldown_s": 5,
}
METRICS = ("utilisation", "queue_depth")


def metric_from_counts(metric: str, *, busy_slots: float, total_slots: int, waiting: int, instances: int) -> float:
    """The policy's metric from a service's live counts (0 when there is no capacity)."""
    if metric == "utilisation":
        return busy_slots / total_slots if total_slots > 0 else 0.0
    if metric == "queue_depth":
        return waiting / instances if instances > 0 else float(waiting)
    raise ValueError(f"unknown autoscaling metric {metric!r}; expected one of {METRICS}")


def decide(
    now_s: float,
    current: int,
    props: Mapping[str, Any],
    metric_value: float,
    last_change_s: float | None,
) -> int:
    """The target number of replicas now; `current` when nothing should change (see module doc).
    `last_change_s` is when the replica count last changed (None: never)."""
    policy = {**DEFAULTS, **props}
    low, high = int(policy["min"]), int(policy["max"])
    target = float(policy["target"])
    if not policy["enabled"]:
        return current
    if current < low or current > high:
        return min(max(current, low), high)
    if last_change_s is not None and now_s - last_change_s < float(policy["cooldown_s"]):
        return current
    if metric_value > target:
        desired = math.ceil(current * metric_value / target - 1e-9)
        return min(max(desired, current + 1), high)
    if metric_value < target * SCALE_IN_BELOW:
        return max(current - 1, low)
    return current

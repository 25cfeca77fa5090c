"""Per-second windows of a run: outcomes, throughput and latency percentiles over run time.

Each hop adds its counts and latencies to the second of run time it happened in (step.py),
so a window holds exactly what happened in that second of the run, whatever the machine's
load or the run's speed. Point `t` describes the window [t − 1, t).
"""

from collections import defaultdict
from typing import Any

from apps.runtime import keys
from apps.runtime.physics.percentiles import LatencyHistogram, bucket_value
from apps.runtime.plan import Plan

OUTCOMES = ("created", "completed", "failed", "rejected", "timed_out")


def half_second_histograms(r: Any, run: str, halves: range) -> dict[int, dict[str, dict[int, int]]]:
    """half -> scope -> bucket -> count, for the given half seconds of run time."""
    pipe = r.pipeline(transaction=False)
    for half in halves:
        pipe.hgetall(keys.latency_per_half_second(run, half))
    out: dict[int, dict[str, dict[int, int]]] = {}
    for half, raw in zip(halves, pipe.execute(), strict=True):
        scopes: dict[str, dict[int, int]] = defaultdict(dict)
        for name, count in raw.items():
            scope, bucket = name.decode().rsplit("|", 1)
            scopes[scope][int(bucket)] = int(count)
        out[half] = scopes
    return out


def merged(parts: list[dict[int, int]]) -> LatencyHistogram:
    histogram = LatencyHistogram()
    for part in parts:
        for bucket, count in part.items():
            histogram.add(bucket_value(bucket), count)
    return histogram


def _window(histogram: LatencyHistogram | None) -> dict[str, Any]:
    if histogram is None or histogram.count == 0:
        return {"n": 0}
    return {
        "n": histogram.count,
        "p50": round(histogram.percentile(50), 2),
        "p95": round(histogram.percentile(95), 2),
    }


def build_timeline(r: Any, run: str, plan: Plan, until_ms: float) -> list[dict[str, Any]]:
    counters: dict[int, dict[str, int]] = defaultdict(dict)
    for name, value in r.hgetall(keys.per_second(run)).items():
        second, counter = name.decode().split("|", 1)
        counters[int(second)][counter] = int(value)
    halves = half_second_histograms(r, run, range(0, int(until_ms // 500) + 2))
    seconds = set(counters) | {half // 2 for half, scopes in halves.items() if scopes}
    points: list[dict[str, Any]] = []
    for second in range(0, max(seconds) + 1 if seconds else 0):
        values = counters.get(second, {})
        parts = [halves.get(2 * second, {}), halves.get(2 * second + 1, {})]

        def window(scope: str, parts: list[dict[str, dict[int, int]]] = parts) -> dict[str, Any]:
            return _window(merged([part.get(scope, {}) for part in parts]))

        point: dict[str, Any] = {
            "t": float(second + 1),
            "requests": {name: values.get(f"requests:{name}", 0) for name in OUTCOMES},
            "e2e": window("e2e"),
            "nodes": {},
        }
        for node_id in plan.nodes:
            window_ = window(f"node:{node_id}")
            window_["processed"] = values.get(f"node:{node_id}:processed", 0)
            window_["errors"] = values.get(f"node:{node_id}:errors", 0)
            point["nodes"][node_id] = window_
        points.append(point)
    return points

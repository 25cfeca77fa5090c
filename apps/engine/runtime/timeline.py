"""Per-second windows of a run: outcomes, throughput and latency percentiles over run time.

Each hop adds its counts and latencies to the second of run time it happened in (step.py),
so a window holds exactly what happened in that second of the run, whatever the machine's
load or the run's speed. Point `t` describes the window [t − 1, t).
"""

from collections import defaultdict
from typing import Any

from apps.engine.physics.percentiles import LatencyHistogram, bucket_value
from apps.engine.runtime import keys
from apps.engine.runtime.plan import Plan

OUTCOMES = ("created", "completed", "failed", "rejected", "timed_out")


def _histograms(raw: dict[bytes, bytes]) -> dict[int, LatencyHistogram]:
    """`<second>:<bucket>` -> count, as one histogram per second."""
    out: dict[int, LatencyHistogram] = defaultdict(LatencyHistogram)
    for name, count in raw.items():
        second, bucket = name.decode().split(":")
        out[int(second)].add(bucket_value(int(bucket)), int(count))
    return out


def _window(histogram: LatencyHistogram | None) -> dict[str, Any]:
    if histogram is None or histogram.count == 0:
        return {"n": 0}
    return {
        "n": histogram.count,
        "p50": round(histogram.percentile(50), 2),
        "p95": round(histogram.percentile(95), 2),
    }


def build_timeline(r: Any, run: str, plan: Plan) -> list[dict[str, Any]]:
    scopes = ["e2e", *(f"node:{node_id}" for node_id in plan.nodes)]
    pipe = r.pipeline(transaction=False)
    pipe.hgetall(keys.per_second(run))
    for scope in scopes:
        pipe.hgetall(keys.latency_per_second(run, scope))
    counters_raw, *latencies = pipe.execute()
    counters: dict[int, dict[str, int]] = defaultdict(dict)
    for name, value in counters_raw.items():
        second, counter = name.decode().split("|", 1)
        counters[int(second)][counter] = int(value)
    histograms = {scope: _histograms(raw) for scope, raw in zip(scopes, latencies, strict=True)}
    seconds = set(counters)
    for per_scope in histograms.values():
        seconds |= set(per_scope)
    points: list[dict[str, Any]] = []
    for second in range(0, max(seconds) + 1 if seconds else 0):
        values = counters.get(second, {})
        point: dict[str, Any] = {
            "t": float(second + 1),
            "requests": {name: values.get(f"requests:{name}", 0) for name in OUTCOMES},
            "e2e": _window(histograms["e2e"].get(second)),
            "nodes": {},
        }
        for node_id in plan.nodes:
            window = _window(histograms[f"node:{node_id}"].get(second))
            window["processed"] = values.get(f"node:{node_id}:processed", 0)
            window["errors"] = values.get(f"node:{node_id}:errors", 0)
            point["nodes"][node_id] = window
        points.append(point)
    return points

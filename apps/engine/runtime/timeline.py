"""Per-second windows of a run: outcomes, throughput and latency percentiles over time.

Workers only add to cumulative counters and latency histograms; the timeline takes the
difference between consecutive snapshots, so each point describes just its own window
(e.g. the caller's p95 while a circuit breaker was open).
"""

from typing import Any

from apps.engine.physics.percentiles import window_histogram
from apps.engine.runtime import keys
from apps.engine.runtime.plan import Plan

OUTCOMES = ("created", "completed", "failed", "rejected", "timed_out")


class Timeline:
    def __init__(self, r: Any, run: str, plan: Plan):
        self.r = r
        self.run = run
        self.scopes = ["e2e", *(f"node:{node_id}" for node_id in plan.nodes)]
        self.previous_hist: dict[str, dict[int, int]] = {}
        self.previous_stats: dict[str, float] = {}
        self.points: list[dict[str, Any]] = []

    def _window(self, scope: str, current: dict[int, int]) -> dict[str, Any]:
        histogram = window_histogram(current, self.previous_hist.get(scope, {}))
        if histogram.count == 0:
            return {"n": 0}
        return {
            "n": histogram.count,
            "p50": round(histogram.percentile(50), 2),
            "p95": round(histogram.percentile(95), 2),
        }

    def point(self, t_s: float) -> dict[str, Any]:
        pipe = self.r.pipeline(transaction=False)
        pipe.hgetall(keys.stats(self.run))
        for scope in self.scopes:
            pipe.hgetall(keys.latency(self.run, scope))
        stats_raw, *histograms = pipe.execute()
        stats = {k.decode(): float(v) for k, v in stats_raw.items()}

        def delta(name: str) -> int:
            return int(stats.get(name, 0.0) - self.previous_stats.get(name, 0.0))

        point: dict[str, Any] = {
            "t": round(t_s, 2),
            "requests": {name: delta(f"requests:{name}") for name in OUTCOMES},
            "nodes": {},
        }
        for scope, raw in zip(self.scopes, histograms, strict=True):
            current = {int(b): int(c) for b, c in raw.items()}
            window = self._window(scope, current)
            self.previous_hist[scope] = current
            if scope == "e2e":
                point["e2e"] = window
            else:
                node_id = scope.split(":", 1)[1]
                window["processed"] = delta(f"node:{node_id}:processed")
                window["errors"] = delta(f"node:{node_id}:errors")
                point["nodes"][node_id] = window
        self.previous_stats = stats
        self.points.append(point)
        return point

"""Streaming latency summaries: a mergeable, log-bucketed histogram.

Buckets grow geometrically by γ = (1 + α)/(1 − α) with α = 0.5%: bucket i holds the values
in (γ^(i−1), γ^i] and reports them as 2γ^i/(γ + 1), which is within α of every value in it
(the DDSketch construction, Masson, Rim & Lee, VLDB 2019; HdrHistogram gives the same kind
of guarantee). A percentile is therefore within 0.5% of the exact nearest-rank percentile
of the values added, whatever their number, and two histograms merge by adding bucket counts.

Values are clamped to [0.01 ms, 10 min] for bucketing (about 1,800 possible buckets, only
the ones used are stored); count, sum, min and max are kept exactly, and percentiles are
clamped to [min, max], so a run of zero-latency hops reports 0, not 0.01.

Percentile p uses the nearest-rank definition: the value at rank ceil(p/100 × n) of the
sorted values (p = 0 gives the minimum); the minimum and maximum are exact.
"""

import math
from collections.abc import Mapping
from typing import Any

RELATIVE_ACCURACY = 0.005
GAMMA = (1 + RELATIVE_ACCURACY) / (1 - RELATIVE_ACCURACY)
_LOG_GAMMA = math.log(GAMMA)
MIN_MS = 0.01
MAX_MS = 600_000.0


def bucket_index(value_ms: float) -> int:
    """The bucket a value falls in (values are clamped to [MIN_MS, MAX_MS] first)."""
    clamped = min(max(value_ms, MIN_MS), MAX_MS)
    return math.ceil(math.log(clamped) / _LOG_GAMMA)


def bucket_value(index: int) -> float:
    """The value a bucket reports, within RELATIVE_ACCURACY of everything in it."""
    return 2.0 * GAMMA**index / (GAMMA + 1.0)


class LatencyHistogram:
    """Latencies in ms: add, merge, percentile, mean, max, count; to/from a JSON-ready dict."""

    def __init__(self) -> None:
        self.buckets: dict[int, int] = {}
        self.count = 0
        self.total_ms = 0.0
        self.min_ms = math.inf
        self.max_ms = 0.0

    def add(self, value_ms: float, count: int = 1) -> None:
        """Record `count` occurrences of a latency (negative values count as 0)."""
        value = max(value_ms, 0.0)
        index = bucket_index(value)
        self.buckets[index] = self.buckets.get(index, 0) + count
        self.count += count
        self.total_ms += value * count
        self.min_ms = min(self.min_ms, value)
        self.max_ms = max(self.max_ms, value)

    def merge(self, other: "LatencyHistogram") -> None:
        """Add another histogram's contents to this one."""
        for index, count in other.buckets.items():
            self.buckets[index] = self.buckets.get(index, 0) + count
        self.count += other.count
        self.total_ms += other.total_ms
        self.min_ms = min(self.min_ms, other.min_ms)
        self.max_ms = max(self.max_ms, other.max_ms)

    def percentile(self, p: float) -> float:
        """The nearest-rank p-th percentile (0 ≤ p ≤ 100) in ms; 0.0 when empty."""
        if not 0 <= p <= 100:
            raise ValueError(f"percentile must be within [0, 100], got {p}")
        if self.count == 0:
            return 0.0
        rank = max(1, math.ceil(p / 100.0 * self.count))
        if rank == 1 or rank == self.count:  # the extremes are known exactly
            return self.min_ms if rank == 1 else self.max_ms
        seen = 0
        for index in sorted(self.buckets):
            seen += self.buckets[index]
            if seen >= rank:
                return min(max(bucket_value(index), self.min_ms), self.max_ms)
        return self.max_ms

    @property
    def mean_ms(self) -> float:
        """The exact mean in ms; 0.0 when empty."""
        return self.total_ms / self.count if self.count else 0.0

    def summary(self) -> dict[str, float]:
        """`{p50, p95, p99, mean, max}` in ms, the shape of `simulate --json`'s latency_ms."""
        return {
            "p50": self.percentile(50),
            "p95": self.percentile(95),
            "p99": self.percentile(99),
            "mean": self.mean_ms,
            "max": self.max_ms,
        }

    def to_dict(self) -> dict[str, Any]:
        """A compact JSON-ready dict: sorted bucket indexes and their counts as two lists."""
        indexes = sorted(self.buckets)
        return {
            "count": self.count,
            "sum": self.total_ms,
            "min": self.min_ms if self.count else None,
            "max": self.max_ms,
            "i": indexes,
            "c": [self.buckets[index] for index in indexes],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "LatencyHistogram":
        """Rebuild a histogram from `to_dict()` output."""
        histogram = cls()
        histogram.buckets = {int(index): int(count) for index, count in zip(data["i"], data["c"], strict=True)}
        histogram.count = int(data["count"])
        histogram.total_ms = float(data["sum"])
        histogram.min_ms = math.inf if data["min"] is None else float(data["min"])
        histogram.max_ms = float(data["max"])
        return histogram


def window_histogram(now: Mapping[int, int], then: Mapping[int, int]) -> LatencyHistogram:
    """The latencies observed between two snapshots of a cumulative bucket count
    (bucket index -> count): what a window of a run saw, on its own."""
    histogram = LatencyHistogram()
    for index, count in now.items():
        added = count - then.get(index, 0)
        if added > 0:
            histogram.add(bucket_value(index), added)
    return histogram

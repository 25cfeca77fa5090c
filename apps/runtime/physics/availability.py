"""Availability: measured from a run, composed in theory, and told in nines and downtime.

Measured availability is either time-based, the share of [start, end] a component was up
(1 − downtime / duration), or request-based, the share of requests that succeeded. A group
of redundant members (replicas, zones) is down only while all its members are down (the
intersection of their down intervals); a chain of components is down while any one is (the
union). The textbook composition of independent components is the same idea in
probabilities: in series A = Π aᵢ, in parallel A = 1 − Π(1 − aᵢ).

"Nines" are −log10(1 − A) (99.9% → 3), and the downtime a level allows is (1 − A) of a
365-day year: 99.9% → 8.76 h, 99.99% → 52.56 min, 99.9999% → 31.5 s.
"""

import math
from collections.abc import Iterable, Sequence
from datetime import timedelta

Interval = tuple[float, float]  # (start_s, end_s), end exclusive

YEAR = timedelta(days=365)


def availability_from_outcomes(succeeded: int, total: int) -> float:
    """The share of requests that succeeded (1.0 when there were none)."""
    return succeeded / total if total > 0 else 1.0


def merge_intervals(intervals: Iterable[Interval]) -> list[Interval]:
    """The union of intervals as sorted, disjoint intervals (empty ones dropped)."""
    merged: list[Interval] = []
    for start, end in sorted(interval for interval in intervals if interval[1] > interval[0]):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def all_down(members: Sequence[Iterable[Interval]]) -> list[Interval]:
    """When a redundant group is down: the intersection of its members' down intervals."""
    if not members:
        return []
    common = merge_intervals(members[0])
    for member in members[1:]:
        other = merge_intervals(member)
        common = [(max(a0, b0), min(a1, b1)) for a0, a1 in common for b0, b1 in other if max(a0, b0) < min(a1, b1)]
    return common


def availability_from_downtime(down: Iterable[Interval], start_s: float, end_s: float) -> float:
    """The share of [start_s, end_s] not covered by the down intervals (1.0 for an empty span)."""
    if end_s <= start_s:
        return 1.0
    clipped = ((max(start, start_s), min(end, end_s)) for start, end in down)
    downtime = sum(end - start for start, end in merge_intervals(clipped))
    return 1.0 - downtime / (end_s - start_s)


def in_series(availabilities: Iterable[float]) -> float:
    """Availability of independent components that must all be up: the product."""
    return math.prod(availabilities)


def in_parallel(availabilities: Iterable[float]) -> float:
    """Availability of independent redundant members, any one of which suffices."""
    return 1.0 - math.prod(1.0 - a for a in availabilities)


def nines(availability: float) -> float:
    """−log10(1 − A) (0.999 → 3.0), rounded to 6 decimals to hide the float error of 1 − A
    near 1; infinite for A = 1."""
    if availability >= 1.0:
        return math.inf
    return round(-math.log10(1.0 - availability), 6)


def downtime_per_year(availability: float) -> timedelta:
    """The downtime per 365-day year that an availability allows (99.9% → 8.76 h)."""
    return YEAR * (1.0 - availability)


_UNITS = ((86_400.0, "days"), (3_600.0, "h"), (60.0, "min"), (1.0, "s"), (0.001, "ms"))


def format_downtime_per_year(availability: float) -> str:
    """Three significant figures in the largest fitting unit: "8.76 h/year", "52.6 min/year"."""
    seconds = downtime_per_year(availability).total_seconds()
    if seconds <= 0:
        return "0 s/year"
    size, unit = next(((size, unit) for size, unit in _UNITS if seconds >= size), _UNITS[-1])
    return f"{seconds / size:.3g} {unit}/year"

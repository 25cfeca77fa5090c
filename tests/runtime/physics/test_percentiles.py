import json
import math
import random
from collections.abc import Callable

import pytest

from apps.runtime.physics.percentiles import MAX_MS, MIN_MS, LatencyHistogram, bucket_index, bucket_value

PERCENTILES = (0, 1, 10, 25, 50, 75, 90, 95, 99, 99.9, 100)


def exact(sorted_values: list[float], p: float) -> float:
    """Nearest-rank percentile of sorted values."""
    return sorted_values[max(1, math.ceil(p / 100 * len(sorted_values))) - 1]


def histogram_of(values: list[float]) -> LatencyHistogram:
    histogram = LatencyHistogram()
    for value in values:
        histogram.add(value)
    return histogram


def lognormal_ms(n: int, seed: int) -> list[float]:
    rng = random.Random(seed)
    return [rng.lognormvariate(math.log(40), 1.2) for _ in range(n)]


def exponential_ms(n: int, seed: int) -> list[float]:
    rng = random.Random(seed)
    return [rng.expovariate(1 / 100) for _ in range(n)]


def log_uniform_over_the_whole_range_ms(n: int, seed: int) -> list[float]:
    rng = random.Random(seed)
    return [10 ** rng.uniform(math.log10(MIN_MS), math.log10(MAX_MS)) for _ in range(n)]


@pytest.mark.parametrize(
    "make_values",
    [
        lambda: lognormal_ms(30_000, seed=1),
        lambda: exponential_ms(20_000, seed=2),
        lambda: log_uniform_over_the_whole_range_ms(20_000, seed=3),
        lambda: [5.0, 7.0, 1.0],
    ],
    ids=["lognormal", "exponential", "log-uniform-full-range", "tiny"],
)
def test_percentiles_within_one_percent_of_exact(make_values: Callable[[], list[float]]) -> None:
    values = make_values()
    histogram = histogram_of(values)
    ordered = sorted(values)
    for p in PERCENTILES:
        assert histogram.percentile(p) == pytest.approx(exact(ordered, p), rel=0.01), p
    assert histogram.count == len(values)
    assert histogram.mean_ms == pytest.approx(sum(values) / len(values), rel=1e-9)
    assert histogram.max_ms == max(values)


def test_every_bucket_reports_within_half_a_percent() -> None:
    rng = random.Random(4)
    for _ in range(10_000):
        value = 10 ** rng.uniform(-2, 5.7)
        assert bucket_value(bucket_index(value)) == pytest.approx(value, rel=0.005 + 1e-9)


def test_merge_equals_one_histogram_of_everything() -> None:
    values = lognormal_ms(10_000, seed=5)
    merged = histogram_of(values[:3000])
    merged.merge(histogram_of(values[3000:]))
    whole = histogram_of(values)
    assert merged.buckets == whole.buckets
    assert merged.summary() == pytest.approx(whole.summary())
    merged.merge(LatencyHistogram())
    assert merged.count == whole.count


def test_round_trips_through_json() -> None:
    histogram = histogram_of(lognormal_ms(5000, seed=6))
    text = json.dumps(histogram.to_dict())
    copy = LatencyHistogram.from_dict(json.loads(text))
    assert copy.summary() == histogram.summary()
    assert copy.buckets == histogram.buckets
    assert len(text) < 10_000
    empty = LatencyHistogram.from_dict(json.loads(json.dumps(LatencyHistogram().to_dict())))
    assert empty.count == 0


def test_empty_zero_and_out_of_range_values() -> None:
    assert LatencyHistogram().summary() == {"p50": 0.0, "p95": 0.0, "p99": 0.0, "mean": 0.0, "max": 0.0}
    zeros = histogram_of([0.0] * 10)
    assert zeros.percentile(50) == 0.0  # clamped to the exact max, not the 0.01 ms floor
    huge = histogram_of([1.0, 5e6])
    assert huge.percentile(100) == 5e6
    assert huge.percentile(50) == pytest.approx(1.0, rel=0.005)
    assert bucket_index(0.0) == bucket_index(MIN_MS)


def test_add_with_a_count() -> None:
    histogram = LatencyHistogram()
    histogram.add(10.0, count=99)
    histogram.add(1000.0)
    assert histogram.count == 100
    assert histogram.percentile(99) == pytest.approx(10.0, rel=0.005)
    assert histogram.percentile(100) == 1000.0
    assert histogram.mean_ms == pytest.approx(19.9)


def test_percentile_out_of_range_is_refused() -> None:
    with pytest.raises(ValueError):
        LatencyHistogram().percentile(101)

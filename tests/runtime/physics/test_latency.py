import random
import statistics

import pytest

from apps.runtime.physics.latency import DEFAULT_DISTRIBUTION, DEFAULT_SIGMA, sample_ms
from apps.topology.kinds.base import LATENCY_DISTRIBUTION, LATENCY_SIGMA

N = 20_000


def samples(latency: dict[str, object], seed: int = 1) -> list[float]:
    rng = random.Random(seed)
    return [sample_ms(rng, latency) for _ in range(N)]


def test_fixed_is_always_the_mean() -> None:
    assert set(samples({"distribution": "fixed", "mean_ms": 20})) == {20.0}


def test_exponential_has_the_mean_and_variance_mean_squared() -> None:
    values = samples({"distribution": "exponential", "mean_ms": 100})
    assert statistics.fmean(values) == pytest.approx(100, rel=0.03)
    assert statistics.variance(values) == pytest.approx(100**2, rel=0.10)


@pytest.mark.parametrize("sigma", [0.25, 0.5, 1.0])
def test_lognormal_keeps_the_mean_whatever_the_sigma(sigma: float) -> None:
    values = samples({"distribution": "lognormal", "mean_ms": 50, "sigma": sigma})
    assert statistics.fmean(values) == pytest.approx(50, rel=0.04)


def test_lognormal_variance_is_exp_sigma_squared_minus_one_times_mean_squared() -> None:
    values = samples({"distribution": "lognormal", "mean_ms": 50, "sigma": 0.5})
    expected = (2.718281828459045**0.25 - 1) * 50**2
    assert statistics.variance(values) == pytest.approx(expected, rel=0.10)


def test_a_zero_mean_gives_zero_for_every_distribution() -> None:
    rng = random.Random(1)
    for distribution in ("fixed", "exponential", "lognormal"):
        assert sample_ms(rng, {"distribution": distribution, "mean_ms": 0}) == 0.0


def test_missing_distribution_and_sigma_take_the_declared_defaults() -> None:
    assert LATENCY_DISTRIBUTION.default == DEFAULT_DISTRIBUTION
    assert LATENCY_SIGMA.default == DEFAULT_SIGMA
    assert sample_ms(random.Random(3), {"mean_ms": 10}) == sample_ms(
        random.Random(3), {"distribution": "exponential", "mean_ms": 10}
    )


def test_same_seed_same_samples() -> None:
    latency = {"distribution": "lognormal", "mean_ms": 30, "sigma": 1.0}
    assert samples(latency, seed=7)[:100] == samples(latency, seed=7)[:100]


def test_unknown_distribution_or_negative_mean_is_refused() -> None:
    with pytest.raises(ValueError, match="distribution"):
        sample_ms(random.Random(1), {"distribution": "pareto", "mean_ms": 10})
    with pytest.raises(ValueError, match="mean_ms"):
        sample_ms(random.Random(1), {"distribution": "fixed", "mean_ms": -1})

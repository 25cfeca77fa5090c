"""Service times drawn from a node's latency props.

A node's `latency` props are `{distribution, mean_ms, sigma}` (see apps/topology/kinds/base.py).
Every distribution is parameterised by its *mean*, so changing the distribution changes the
spread of service times but not the offered load (utilisation = λ × mean):

- fixed: always `mean_ms` (M/D/c service);
- exponential: rate 1/mean_ms, coefficient of variation 1 (M/M/c service, the case Erlang C
  predicts);
- lognormal: ln X ~ Normal(mu, sigma²) with mu = ln(mean_ms) − sigma²/2, so that
  E[X] = exp(mu + sigma²/2) = mean_ms; its variance is (exp(sigma²) − 1) × mean_ms².
"""

import math
import random
from collections.abc import Mapping
from typing import Any

DEFAULT_DISTRIBUTION = "exponential"
DEFAULT_SIGMA = 0.5
DISTRIBUTIONS = ("fixed", "exponential", "lognormal")


def sample_ms(rng: random.Random, latency: Mapping[str, Any]) -> float:
    """One service time in ms from `{distribution, mean_ms, sigma}`; a mean of 0 gives 0."""
    distribution = latency.get("distribution", DEFAULT_DISTRIBUTION)
    mean_ms = float(latency.get("mean_ms", 0.0))
    if distribution not in DISTRIBUTIONS:
        raise ValueError(f"unknown latency distribution {distribution!r}; expected one of {DISTRIBUTIONS}")
    if mean_ms < 0:
        raise ValueError(f"latency mean_ms must be >= 0, got {mean_ms}")
    if mean_ms == 0 or distribution == "fixed":
        return mean_ms
    if distribution == "exponential":
        return rng.expovariate(1.0 / mean_ms)
    sigma = float(latency.get("sigma", DEFAULT_SIGMA))
    mu = math.log(mean_ms) - sigma * sigma / 2.0
    return rng.lognormvariate(mu, sigma)

"""A third-party API: someone else's service, with its own rate limit and outages."""

from apps.topology.kinds.base import (
    ERROR_RATE,
    LATENCY_DISTRIBUTION,
    LATENCY_SIGMA,
    ZONE,
    NodeKind,
    Prop,
    Runtime,
    latency_mean,
)

KIND = NodeKind(
    name="external_api",
    runtime=Runtime(handler="external_api", section="external_api"),
    label="External API",
    summary="A third-party API: no concurrency limit, but its own rate limit (429), latency and outages.",
    category="compute",
    icon="M12 3a9 9 0 1 0 0 18 9 9 0 0 0 0-18zM3 12h18M12 3c2.5 2.5 3.5 5.5 3.5 9s-1 6.5-3.5 9M12 3C9.5 5.5 8.5 8.5 8.5 12s1 6.5 3.5 9",
    color="#b45309",
    sends=False,
    props=(
        Prop(
            "rate_limit_per_s",
            "number",
            50,
            "Rate limit",
            minimum=0.1,
            maximum=100_000,
            unit="req/s",
            help="Calls it accepts per second on average; beyond that it answers 429 at once",
        ),
        Prop(
            "burst",
            "integer",
            10,
            "Burst",
            minimum=1,
            maximum=100_000,
            help="Calls it accepts in a row above the rate (the size of its token bucket)",
        ),
        LATENCY_DISTRIBUTION,
        latency_mean(120),
        LATENCY_SIGMA,
        ERROR_RATE,
        ZONE,
    ),
)
